"""JSON API: joining a session (used by scripted clients and benchmarks)."""

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services
from .kinds import CommandError

JOIN_ERROR_STATUS = {"unknown_code": 404, "session_locked": 403, "session_closed": 410}


class JoinSerializer(serializers.Serializer):
    display_name = serializers.CharField(
        max_length=60, required=False, allow_blank=True, default=""
    )
    stakeholder_group = serializers.CharField(
        max_length=32, required=False, allow_blank=True, default=""
    )
    country = serializers.CharField(max_length=2, required=False, allow_blank=True, default="")
    sector = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    gender = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")
    organisation = serializers.CharField(
        max_length=120, required=False, allow_blank=True, default=""
    )


class JoinView(APIView):
    authentication_classes = []  # guests join without an account or CSRF token

    @extend_schema(request=JoinSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request, code: str) -> Response:
        serializer = JoinSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            participant = services.join_session(code=code, **serializer.validated_data)
        except CommandError as exc:
            return Response(
                {"code": exc.code, "detail": exc.message},
                status=JOIN_ERROR_STATUS.get(exc.code, status.HTTP_400_BAD_REQUEST),
            )
        except ValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {
                "participant": participant.pk,
                "token": selectors.participant_token(participant),
                "session": participant.session.code,
                "websocket": f"/ws/s/{participant.session.code}/",
            },
            status=status.HTTP_201_CREATED,
        )
