"""REST API for consultations, with the same permissions and rules as the pages: every
write goes through consult.services, every refusal is a 400 with the field's message
or a 403."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.exceptions import NotAuthenticated
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle

from people.text import storable_text

from . import services
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
    Version,
)


def call(service, **kwargs):
    """Run a service, turning its refusals into API errors."""
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        raise ApiValidationError(detail) from exc
    except PermissionDenied as exc:
        raise ApiPermissionDenied(str(exc) or None) from exc


def readable(request):
    """Consultations this request may read."""
    user = request.user
    qs = Consultation.objects.select_related("process")
    if not user.is_authenticated:
        return qs.filter(is_public=True).exclude(status=Consultation.Status.DRAFT)
    organised = Q(process__owner=user) | Q(
        process__roles__user=user, process__roles__role="organiser"
    )
    return qs.filter(~Q(status=Consultation.Status.DRAFT) | organised).distinct()


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


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    version = serializers.IntegerField(source="version.number", read_only=True)
    body = serializers.CharField(max_length=services.MAX_COMMENT_LENGTH)
    state = serializers.SerializerMethodField()
    disposition = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = ["id", "section", "parent", "depth", "author", "body", "version", "state",
                  "created_at", "edited_at", "disposition"]  # fmt: skip
        read_only_fields = ["section", "depth", "created_at", "edited_at"]

    def get_author(self, comment: Comment) -> str:
        profile = getattr(comment.author, "profile", None)
        return profile.display_name if profile else comment.author.get_username()

    def get_state(self, comment: Comment) -> str:
        if comment.deleted_at:
            return "deleted"
        return "hidden" if comment.hidden_at else "visible"

    def get_disposition(self, comment: Comment) -> dict | None:
        disposition = getattr(comment, "disposition", None)
        if disposition is None:
            return None
        return {"decision": disposition.decision, "response": disposition.response}

    def to_representation(self, comment: Comment) -> dict:
        data = super().to_representation(comment)
        if comment.deleted_at or comment.hidden_at:
            data["body"] = ""  # placeholders keep their place, not their text
            if comment.hidden_at:
                data["hidden_reason"] = comment.hidden_reason
        return data


class AnswerSerializer(serializers.Serializer):
    section = serializers.IntegerField()
    verdict = serializers.CharField(max_length=24)
    reason = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class DispositionSerializer(serializers.Serializer):
    comment = serializers.IntegerField(required=False)
    answer = serializers.IntegerField(required=False)
    decision = serializers.CharField(max_length=16)
    response = serializers.CharField(max_length=2000)
    addressed_in = serializers.IntegerField(required=False, allow_null=True)


# --------------------------------------------------------------------------- views


class CommentThrottle(UserRateThrottle):
    rate = "30/minute"


class ProcessViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Process.objects.all()
    serializer_class = ProcessSerializer


class ConsultationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ConsultationSerializer

    def get_queryset(self):
        qs = readable(self.request)
        process = self.request.query_params.get("process")
        if process and not storable_text(process):  # no slug has one (a 500 if queried)
            return qs.none()
        return qs.filter(process__slug=process) if process else qs


class VersionList(generics.ListAPIView):
    serializer_class = VersionSerializer

    def get_queryset(self):
        consultation = get_object_or_404(readable(self.request), pk=self.kwargs["pk"])
        return consultation.versions.prefetch_related("texts")


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
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        section = self.section()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        parent = serializer.validated_data.get("parent")
        comment = call(
            services.add_comment,
            section=section,
            author=request.user,
            body=serializer.validated_data["body"],
            parent=parent,
        )
        return Response(self.get_serializer(comment).data, status=status.HTTP_201_CREATED)


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
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        comment = self.get_object()
        if not isinstance(request.data, Mapping):
            raise ApiValidationError({"detail": ["Send an object with the new body."]})
        body = request.data.get("body", "")
        if not isinstance(body, str):
            raise ApiValidationError({"body": ["Send the text as a string."]})
        if not storable_text(body):  # refused, not a 500 from the database
            raise ApiValidationError({"body": ["Null characters are not allowed."]})
        call(services.edit_comment, comment=comment, by=request.user, body=body)
        return Response(self.get_serializer(comment).data)

    def delete(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        comment = self.get_object()
        call(services.delete_comment, comment=comment, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RoundAnswer(generics.GenericAPIView):
    """This person's answer on one section of a running validation round."""

    serializer_class = AnswerSerializer

    def post(self, request, pk: int):
        if not request.user.is_authenticated:
            raise NotAuthenticated()
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
        return Response(
            {"id": answer.pk, "section": section.pk, "verdict": answer.verdict,
             "reason": answer.reason},
            status=status.HTTP_200_OK,
        )  # fmt: skip


class DispositionCreate(generics.GenericAPIView):
    """The organisers' answer to a comment or a validation reason."""

    serializer_class = DispositionSerializer

    @extend_schema(responses={201: DispositionSerializer})
    def post(self, request):
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if ("comment" in data) == ("answer" in data):
            raise ApiValidationError({"detail": ["Give either a comment or an answer."]})
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
            {**data, "id": disposition.pk, "decision": disposition.decision},
            status=status.HTTP_201_CREATED,
        )
