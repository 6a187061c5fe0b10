"""The read-only API of roadmaps (docs/api.md): the published roadmaps, and one with its
items (type, horizon, actor, heading, body, the slugs of the cases it cites and the
titles of its evidence). Anyone may read it; refusals are in the one error shape of
``consult.api_errors``."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets

from consult.api_errors import answers
from consult.markdown import render_markdown
from consult.translations import LANGUAGE_CODES, column

from . import roadmaps
from .models import Roadmap

TRANSLATIONS_FIELD = serializers.DictField(
    child=serializers.DictField(child=serializers.CharField()),
    help_text="Translations of the texts, by language code (only languages with one).",
)


def _translations(obj, names: tuple[str, ...]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for code in LANGUAGE_CODES:
        texts = {name: getattr(obj, column(name, code), "") or "" for name in names}
        if code != obj.language and any(texts.values()):
            out[code] = texts
    return out


class RoadmapSerializer(serializers.ModelSerializer):
    """A roadmap as the list shows it."""

    process = serializers.SlugRelatedField(
        source="consultation.process", slug_field="slug", read_only=True
    )
    consultation = serializers.IntegerField(source="consultation_id", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)
    url = serializers.SerializerMethodField(help_text="The roadmap's public page.")
    you_said_we_did = serializers.SerializerMethodField(
        help_text="The consultation's page of every input and the organisers' answer."
    )

    class Meta:
        model = Roadmap
        fields = ["slug", "title", "process", "consultation", "version", "published_at", "url",
                  "you_said_we_did"]  # fmt: skip
        read_only_fields = fields

    def get_url(self, roadmap: Roadmap) -> str:
        return reverse("knowledge:roadmap", args=[roadmap.slug])

    def get_you_said_we_did(self, roadmap: Roadmap) -> str:
        consultation = roadmap.consultation
        return reverse(
            "consult:you_said_we_did", args=[consultation.process.slug, consultation.slug]
        )


class ValidationSerializer(serializers.Serializer):
    round = serializers.CharField(help_text="The title of the latest closed round on the item.")
    total = serializers.IntegerField(help_text="How many answered on the item.")
    shares = serializers.DictField(
        child=serializers.FloatField(), help_text="Per verdict, its share of the answers in %."
    )


class RoadmapItemSerializer(serializers.Serializer):
    """One item of a roadmap: a section of its published version."""

    id = serializers.IntegerField(source="section_id", help_text="The section's id.")
    anchor = serializers.CharField(help_text="The item's anchor on the roadmap page.")
    type = serializers.CharField(source="text.type")
    horizon = serializers.IntegerField(source="text.horizon", allow_null=True)
    actor = serializers.CharField(source="text.actor")
    heading = serializers.CharField(source="text.heading")
    body = serializers.CharField(source="text.body", help_text="Markdown.")
    body_html = serializers.SerializerMethodField()
    language = serializers.CharField(source="text.language")
    translations = serializers.SerializerMethodField()
    cases = serializers.SerializerMethodField(help_text="The slugs of the cases it cites.")
    evidence = serializers.SerializerMethodField(help_text="The titles of its evidence.")
    validation = ValidationSerializer(allow_null=True)

    def get_body_html(self, item) -> str:
        return str(render_markdown(item.text.body))

    @extend_schema_field(TRANSLATIONS_FIELD)
    def get_translations(self, item) -> dict:
        return _translations(item.text, ("heading", "body"))

    def get_cases(self, item) -> list[str]:
        return [citation.case.slug for citation in item.citations]

    def get_evidence(self, item) -> list[str]:
        return [evidence.title for evidence in item.evidence]


class RoadmapDetailSerializer(RoadmapSerializer):
    """A roadmap with its items in their order."""

    items = serializers.SerializerMethodField()

    class Meta(RoadmapSerializer.Meta):
        fields = [*RoadmapSerializer.Meta.fields, "items"]
        read_only_fields = fields

    @extend_schema_field(RoadmapItemSerializer(many=True))
    def get_items(self, roadmap: Roadmap) -> list:
        return RoadmapItemSerializer(roadmaps.roadmap_items(roadmap), many=True).data


# A roadmap's short name in its address, as the slug field allows (anything else: 404).
SLUG = OpenApiParameter(
    "slug",
    str,
    OpenApiParameter.PATH,
    pattern=r"^[-a-zA-Z0-9_]+$",
    description="The roadmap's short name in its address.",
)


@extend_schema_view(
    list=answers({200: RoadmapSerializer(many=True)}),
    retrieve=answers({200: RoadmapDetailSerializer}, 404, parameters=[SLUG]),
)
class RoadmapViewSet(viewsets.ReadOnlyModelViewSet):
    """Published roadmaps, newest first; one roadmap by its slug, with its items."""

    lookup_field = "slug"
    pagination_class = None

    def get_serializer_class(self):
        return RoadmapDetailSerializer if self.action == "retrieve" else RoadmapSerializer

    def get_queryset(self):
        return roadmaps.published_roadmaps()
