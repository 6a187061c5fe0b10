"""REST API for consultations, with the same permissions and rules as the pages: every
write goes through consult.services, a reader sees what the pages show them
(``selectors.readable_consultations`` / ``readable_processes``), and every refusal is
an error in the one shape of ``consult.api_errors`` (docs/api.md). Each operation
declares in the OpenAPI schema every status it can answer."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiParameter,
    PolymorphicProxySerializer,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.exceptions import NotAuthenticated
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.fields import get_error_detail
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle

from people.text import storable_text

from . import selectors, services
from .api_errors import WRITE, answers
from .markdown import render_markdown
from .models import (
    Comment,
    Consultation,
    Disposition,
    Process,
    Section,
    SectionText,
    ValidationAnswer,
    ValidationRound,
    Verdict,
    Version,
)


def call(service, **kwargs):
    """Run a service, turning its refusals into API errors (with the service's codes)."""
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        raise ApiValidationError(get_error_detail(exc)) from exc
    except PermissionDenied as exc:
        raise ApiPermissionDenied(str(exc) or None) from exc


def readable(request) -> QuerySet[Consultation]:
    """Consultations this request may read."""
    return selectors.readable_consultations(request.user).select_related("process")


def require_login(request) -> None:
    if not request.user.is_authenticated:
        raise NotAuthenticated()


# --------------------------------------------------------------------------- serializers


class ProcessSerializer(serializers.ModelSerializer):
    class Meta:
        model = Process
        fields = ["id", "title", "slug", "description"]


class ConsultationSerializer(serializers.ModelSerializer):
    process = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Consultation
        fields = ["id", "process", "title", "slug", "summary", "status", "is_public",
                  "opens_at", "closes_at", "time_zone"]  # fmt: skip


class SectionTextSerializer(serializers.ModelSerializer):
    html = serializers.SerializerMethodField()

    class Meta:
        model = SectionText
        fields = ["section", "position", "type", "horizon", "actor", "heading", "body", "html"]

    def get_html(self, text: SectionText) -> str:
        return str(render_markdown(text.body))


class VersionSerializer(serializers.ModelSerializer):
    sections = SectionTextSerializer(source="texts", many=True, read_only=True)

    class Meta:
        model = Version
        fields = ["id", "number", "title", "change_note", "created_at", "sections"]


class DispositionSummarySerializer(serializers.Serializer):
    """The organisers' answer as it shows on the comment."""

    decision = serializers.ChoiceField(choices=Disposition.Decision.choices)
    response = serializers.CharField()


COMMENT_STATES = ["visible", "hidden", "deleted"]


class CommentSerializer(serializers.ModelSerializer):
    """A comment as everyone reads it: hidden and deleted ones keep their place with an
    empty body (a hidden one with the moderator's reason)."""

    author = serializers.SerializerMethodField()
    version = serializers.IntegerField(source="version.number", read_only=True)
    state = serializers.SerializerMethodField()
    disposition = DispositionSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Comment
        fields = ["id", "section", "parent", "depth", "author", "body", "version", "state",
                  "hidden_reason", "created_at", "edited_at", "disposition"]  # fmt: skip
        read_only_fields = fields

    def get_author(self, comment: Comment) -> str:
        profile = getattr(comment.author, "profile", None)
        return profile.display_name if profile else comment.author.get_username()

    @extend_schema_field(serializers.ChoiceField(choices=COMMENT_STATES))
    def get_state(self, comment: Comment) -> str:
        if comment.deleted_at:
            return "deleted"
        return "hidden" if comment.hidden_at else "visible"

    def to_representation(self, comment: Comment) -> dict:
        data = super().to_representation(comment)
        if comment.deleted_at or comment.hidden_at:
            data["body"] = ""  # placeholders keep their place, not their text
        if not comment.hidden_at:
            data["hidden_reason"] = ""
        return data


class NewCommentSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=services.MAX_COMMENT_LENGTH)
    parent = serializers.IntegerField(
        required=False, allow_null=True, help_text="The comment this one replies to."
    )


class CommentEditSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=services.MAX_COMMENT_LENGTH)


class AnswerSerializer(serializers.Serializer):
    section = serializers.IntegerField()
    verdict = serializers.ChoiceField(
        choices=Verdict.choices,
        error_messages={
            "invalid_choice": gettext_lazy("Choose agree, agree with changes or disagree.")
        },
    )
    reason = serializers.CharField(
        max_length=services.MAX_REASON_LENGTH, allow_blank=True, required=False, default=""
    )


class AnswerResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    section = serializers.IntegerField()
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    reason = serializers.CharField(allow_blank=True)


class DispositionFields(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=Disposition.Decision.choices,
        error_messages={"invalid_choice": gettext_lazy("Choose a decision.")},
    )
    response = serializers.CharField(max_length=2000)
    addressed_in = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The section text (of this consultation) where the input is addressed.",
    )


class CommentDispositionSerializer(DispositionFields):
    """An answer to a comment."""

    comment = serializers.IntegerField()


class AnswerDispositionSerializer(DispositionFields):
    """An answer to a validation reason."""

    answer = serializers.IntegerField()


class DispositionSerializer(DispositionFields):
    """What the API takes: exactly one of ``comment`` and ``answer``."""

    comment = serializers.IntegerField(required=False)
    answer = serializers.IntegerField(required=False)

    def validate(self, data: dict) -> dict:
        if ("comment" in data) == ("answer" in data):
            raise serializers.ValidationError(_("Give either a comment or an answer."))
        return data


DISPOSITION_REQUEST = PolymorphicProxySerializer(
    component_name="Disposition",
    serializers=[CommentDispositionSerializer, AnswerDispositionSerializer],
    resource_type_field_name=None,  # oneOf: the one of ``comment`` / ``answer`` it has
)


class DispositionResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = Disposition
        fields = ["id", "comment", "answer", "decision", "response", "addressed_in"]
        read_only_fields = fields


# --------------------------------------------------------------------------- views


class CommentThrottle(UserRateThrottle):
    rate = "30/minute"


@extend_schema_view(
    list=answers({200: ProcessSerializer(many=True)}),
    retrieve=answers({200: ProcessSerializer}, 404),
)
class ProcessViewSet(viewsets.ReadOnlyModelViewSet):
    """Processes with something this reader may see (a consultation they may read), or
    that they organise."""

    serializer_class = ProcessSerializer

    def get_queryset(self):
        return selectors.readable_processes(self.request.user)


PROCESS_FILTER = OpenApiParameter(
    "process", str, description="Only the consultations of the process with this slug."
)


@extend_schema_view(
    list=answers({200: ConsultationSerializer(many=True)}, parameters=[PROCESS_FILTER]),
    retrieve=answers({200: ConsultationSerializer}, 404),
)
class ConsultationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ConsultationSerializer

    def get_queryset(self):
        qs = readable(self.request)
        process = self.request.query_params.get("process")
        if process and not storable_text(process):  # no slug has one (a 500 if queried)
            return qs.none()
        return qs.filter(process__slug=process) if process else qs


@extend_schema_view(get=answers({200: VersionSerializer(many=True)}, 404))
class VersionList(generics.ListAPIView):
    serializer_class = VersionSerializer

    def get_queryset(self):
        consultation = get_object_or_404(readable(self.request), pk=self.kwargs["pk"])
        return consultation.versions.prefetch_related("texts")


@extend_schema_view(
    get=answers({200: CommentSerializer(many=True)}, 404),
    post=answers({201: CommentSerializer}, *WRITE, 404, request=NewCommentSerializer),
)
class SectionComments(generics.ListCreateAPIView):
    """Comments on a section (all of them, placeholders included), and a new one."""

    serializer_class = CommentSerializer

    def get_throttles(self):
        return [CommentThrottle()] if self.request.method == "POST" else super().get_throttles()

    def section(self) -> Section:
        return get_object_or_404(
            Section.objects.select_related("consultation__process"),
            pk=self.kwargs["pk"],
            consultation__in=readable(self.request),
        )

    def get_queryset(self):
        return (
            Comment.objects.filter(section=self.section())
            .select_related("author__profile", "version", "disposition")
            .order_by("created_at", "id")
        )

    def create(self, request, *args, **kwargs):
        require_login(request)
        section = self.section()
        serializer = NewCommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        parent = None
        if serializer.validated_data.get("parent") is not None:
            parent = Comment.objects.filter(
                pk=serializer.validated_data["parent"],
                section__consultation__in=readable(request),
            ).first()
            if parent is None:
                raise ApiValidationError({"parent": [_("The comment you replied to is gone.")]})
        comment = call(
            services.add_comment,
            section=section,
            author=request.user,
            body=serializer.validated_data["body"],
            parent=parent,
        )
        return Response(self.get_serializer(comment).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=answers({200: CommentSerializer}, 404),
    patch=answers({200: CommentSerializer}, *WRITE, 404, request=CommentEditSerializer),
    delete=answers({204: None}, 400, 403, 404),
)
class CommentDetail(mixins.RetrieveModelMixin, generics.GenericAPIView):
    """One comment; its author may change its text or delete it while the consultation
    is open."""

    serializer_class = CommentSerializer

    def get_queryset(self):
        return Comment.objects.filter(
            section__consultation__in=readable(self.request)
        ).select_related("author__profile", "version", "section__consultation__process")

    def get(self, request, *args, **kwargs):
        return self.retrieve(request, *args, **kwargs)

    def patch(self, request, *args, **kwargs):
        require_login(request)
        comment = self.get_object()
        if not isinstance(request.data, Mapping):
            raise ApiValidationError([_("Send an object with the new body.")])
        body = request.data.get("body", "")
        if not isinstance(body, str):
            raise ApiValidationError({"body": [_("Send the text as a string.")]})
        if not storable_text(body):  # refused, not a 500 from the database
            raise ApiValidationError({"body": [_("Null characters are not allowed.")]})
        call(services.edit_comment, comment=comment, by=request.user, body=body)
        return Response(self.get_serializer(comment).data)

    def delete(self, request, *args, **kwargs):
        require_login(request)
        comment = self.get_object()
        call(services.delete_comment, comment=comment, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(post=answers({200: AnswerResultSerializer}, *WRITE, 404))
class RoundAnswer(generics.GenericAPIView):
    """This person's answer on one section of a running validation round (a second
    answer replaces the first)."""

    serializer_class = AnswerSerializer

    def post(self, request, pk: int):
        require_login(request)
        round_ = get_object_or_404(
            ValidationRound.objects.select_related("consultation", "version"),
            pk=pk,
            consultation__in=readable(request),
        )
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        section = get_object_or_404(Section, pk=data["section"], consultation=round_.consultation)
        answer = call(
            services.answer_section,
            round=round_,
            section=section,
            user=request.user,
            verdict=data["verdict"],
            reason=data["reason"],
        )
        result = {"id": answer.pk, "section": section.pk, "verdict": answer.verdict,
                  "reason": answer.reason}  # fmt: skip
        return Response(AnswerResultSerializer(result).data, status=status.HTTP_200_OK)


@extend_schema_view(
    post=answers({201: DispositionResultSerializer}, *WRITE, 404, request=DISPOSITION_REQUEST)
)
class DispositionCreate(generics.GenericAPIView):
    """The organisers' answer to a comment or a validation reason (replacing any
    earlier one): send ``comment`` or ``answer``, never both."""

    serializer_class = DispositionSerializer

    def post(self, request):
        require_login(request)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        target = {}
        if "comment" in data:
            target["comment"] = get_object_or_404(Comment, pk=data["comment"])
        else:
            target["answer"] = get_object_or_404(ValidationAnswer, pk=data["answer"])
        addressed_in = None
        if data.get("addressed_in") is not None:
            addressed_in = get_object_or_404(SectionText, pk=data["addressed_in"])
        disposition: Disposition = call(
            services.set_disposition,
            by=request.user,
            decision=data["decision"],
            response=data["response"],
            addressed_in=addressed_in,
            **target,
        )
        return Response(
            DispositionResultSerializer(disposition).data, status=status.HTTP_201_CREATED
        )
