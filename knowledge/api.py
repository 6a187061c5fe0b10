"""The read-only REST API of the knowledge repository (docs/api.md): accepted cases,
the impact areas with their issues, and the mapping matrix. Anyone may read it; every
other method answers 405, and every refusal is in the one error shape of
``consult.api_errors``."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema_field, extend_schema_view
from rest_framework import generics, serializers, viewsets
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from consult.api_errors import answers
from consult.markdown import render_markdown
from consult.translations import LANGUAGE_CODES, column
from people.text import storable_text
from people.vocabularies import Region, Sector

from .models import Case, CaseIssue, ImpactArea, ImpactIssue
from .search import MAX_QUERY, CaseFilters, filter_cases, search_cases
from .selectors import public_cases
from .vocabularies import CaseType, Maturity, Mineral

TRANSLATED = ("name", "summary", "good_practice", "transfer")


class CasePagination(PageNumberPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


# --------------------------------------------------------------------------- serializers


def _translations(obj, names: tuple[str, ...]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for code in LANGUAGE_CODES:
        texts = {name: getattr(obj, column(name, code), "") or "" for name in names}
        if code != obj.language and any(texts.values()):
            out[code] = texts
    return out


TRANSLATIONS_FIELD = serializers.DictField(
    child=serializers.DictField(child=serializers.CharField()),
    help_text="Translations of the texts, by language code (only languages with one).",
)


class CaseSerializer(serializers.ModelSerializer):
    """A case as lists show it."""

    type = serializers.CharField(source="case_type")
    url = serializers.SerializerMethodField(help_text="The case's public page.")

    class Meta:
        model = Case
        fields = ["id", "slug", "name", "summary", "language", "type", "maturity", "sectors",
                  "minerals", "stages", "regions", "countries", "version", "url"]  # fmt: skip
        read_only_fields = fields

    def get_url(self, case: Case) -> str:
        return reverse("knowledge:case", args=[case.slug])


class CaseLinkSerializer(serializers.Serializer):
    kind = serializers.CharField()
    url = serializers.CharField()
    title = serializers.CharField()


class CaseIssueSerializer(serializers.Serializer):
    issue = serializers.IntegerField(source="issue_id")
    area = serializers.IntegerField(source="issue.area_id")
    title = serializers.CharField(source="issue.title")
    note = serializers.CharField()


class CaseActionSerializer(serializers.Serializer):
    text = serializers.CharField()
    actor = serializers.CharField()
    horizon = serializers.IntegerField()
    issue = serializers.IntegerField(source="issue_id", allow_null=True)


class CaseEvidenceSerializer(serializers.Serializer):
    title = serializers.CharField()
    origin = serializers.CharField()
    url = serializers.CharField()


class CaseDetailSerializer(CaseSerializer):
    """A case with its texts (Markdown and safe HTML), translations, organisations (names
    only), links, impact issues, actions and evidence."""

    good_practice_html = serializers.SerializerMethodField()
    transfer_html = serializers.SerializerMethodField()
    translations = serializers.SerializerMethodField()
    organisations = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    links = CaseLinkSerializer(many=True, read_only=True)
    issues = CaseIssueSerializer(source="mappings", many=True, read_only=True)
    actions = CaseActionSerializer(many=True, read_only=True)
    evidence = CaseEvidenceSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "good_practice", "good_practice_html", "transfer",
                  "transfer_html", "translations", "organisations", "links", "issues", "actions",
                  "evidence"]  # fmt: skip
        read_only_fields = fields

    def get_good_practice_html(self, case: Case) -> str:
        return str(render_markdown(case.good_practice))

    def get_transfer_html(self, case: Case) -> str:
        return str(render_markdown(case.transfer))

    @extend_schema_field(TRANSLATIONS_FIELD)
    def get_translations(self, case: Case) -> dict:
        return _translations(case, TRANSLATED)


class ImpactIssueSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    language = serializers.CharField()
    translations = serializers.SerializerMethodField()
    position = serializers.IntegerField()

    @extend_schema_field(TRANSLATIONS_FIELD)
    def get_translations(self, obj) -> dict:
        return _translations(obj, ("title",))


class ImpactAreaSerializer(ImpactIssueSerializer):
    issues = ImpactIssueSerializer(many=True, read_only=True)


class MatrixRowSerializer(serializers.Serializer):
    issue = serializers.IntegerField()
    area = serializers.IntegerField()
    cases = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of the accepted cases mapped to it."
    )


# --------------------------------------------------------------------------- views

FILTERS = [
    OpenApiParameter("q", str, description="Words to search the texts for (any language)."),
    OpenApiParameter("type", str, enum=CaseType.values),
    OpenApiParameter("maturity", str, enum=Maturity.values),
    OpenApiParameter("sector", str, enum=[v for v in Sector.values if v]),
    OpenApiParameter("mineral", str, enum=Mineral.values),
    OpenApiParameter("region", str, enum=[v for v in Region.values if v]),
    OpenApiParameter("issue", int, description="Only cases mapped to this impact issue."),
    OpenApiParameter(
        "language",
        str,
        enum=list(LANGUAGE_CODES),
        description="The language to stem the search words in.",
    ),
]
CHOICES = {
    "type": CaseType.values,
    "maturity": Maturity.values,
    "sector": [v for v in Sector.values if v],
    "mineral": Mineral.values,
    "region": [v for v in Region.values if v],
}


def read_filters(params) -> tuple[str, str | None, CaseFilters]:
    """The query, language and filters of a list request, or a 400 naming the bad ones."""
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    for name in (*CHOICES, "q", "issue", "language"):
        value = params.get(name, "")
        if not storable_text(value):
            errors[name] = [_("Null characters are not allowed.")]
        values[name] = value.strip()
    for name, allowed in CHOICES.items():
        if values[name] and values[name] not in allowed:
            errors[name] = [_("Choose one of: %(values)s.") % {"values": ", ".join(allowed)}]
    if len(values["q"]) > MAX_QUERY:
        errors["q"] = [_("At most %(n)d characters.") % {"n": MAX_QUERY}]
    if values["language"] and values["language"] not in LANGUAGE_CODES:
        errors["language"] = [
            _("Choose one of: %(values)s.") % {"values": ", ".join(LANGUAGE_CODES)}
        ]
    issue = None
    if values["issue"]:
        try:
            issue = int(values["issue"])
        except ValueError:
            errors["issue"] = [_("Give the id of an impact issue.")]
    if errors:
        raise ApiValidationError(errors)
    filters = CaseFilters(
        case_type=values["type"], maturity=values["maturity"], sector=values["sector"],
        mineral=values["mineral"], region=values["region"], issue=issue,
    )  # fmt: skip
    return values["q"], values["language"] or None, filters


# A case's short name in its address, as the slug field allows (anything else: 404).
SLUG = OpenApiParameter(
    "slug",
    str,
    OpenApiParameter.PATH,
    pattern=r"^[-a-zA-Z0-9_]+$",
    description="The case's short name in its address.",
)


@extend_schema_view(
    list=answers({200: CaseSerializer(many=True)}, 400, 404, parameters=FILTERS),
    retrieve=answers({200: CaseDetailSerializer}, 404, parameters=[SLUG]),
)
class CaseViewSet(viewsets.ReadOnlyModelViewSet):
    """Accepted cases: a page of 50 (``page``, ``page_size`` up to 200), searched and
    filtered as the repository page does; one case by its slug."""

    lookup_field = "slug"
    pagination_class = CasePagination

    def get_serializer_class(self):
        return CaseDetailSerializer if self.action == "retrieve" else CaseSerializer

    def get_queryset(self):
        if self.action == "retrieve":
            return public_cases().prefetch_related(
                "organisations", "links", "actions", "evidence", "mappings__issue"
            )
        query, language, filters = read_filters(self.request.query_params)
        return filter_cases(search_cases(query=query, language=language), filters)


@extend_schema_view(get=answers({200: ImpactAreaSerializer(many=True)}))
class ImpactAreaList(generics.ListAPIView):
    """Every impact area with its issues, in their order."""

    serializer_class = ImpactAreaSerializer
    pagination_class = None

    def get_queryset(self):
        return ImpactArea.objects.prefetch_related("issues")


@extend_schema_view(get=answers({200: MatrixRowSerializer(many=True)}))
class ImpactMatrix(generics.GenericAPIView):
    """The mapping matrix: for every impact issue, the ids of the accepted cases mapped
    to it (an issue no case addresses has an empty list)."""

    serializer_class = MatrixRowSerializer
    pagination_class = None

    def get(self, request):
        rows = {
            issue_id: {"issue": issue_id, "area": area_id, "cases": []}
            for issue_id, area_id in ImpactIssue.objects.values_list("id", "area_id")
        }
        mappings = CaseIssue.objects.filter(case__status=Case.Status.ACCEPTED).order_by(
            "issue_id", "case_id"
        )
        for issue_id, case_id in mappings.values_list("issue_id", "case_id"):
            rows[issue_id]["cases"].append(case_id)
        return Response(MatrixRowSerializer(list(rows.values()), many=True).data)
