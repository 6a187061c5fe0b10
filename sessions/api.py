"""JSON API: joining a session (used by scripted clients and benchmarks). Refusals are
in the API's one error shape (consult.api_errors, docs/api.md)."""

from django.core.exceptions import ValidationError
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.fields import get_error_detail
from rest_framework.response import Response
from rest_framework.views import APIView

from consult.api_errors import WRITE, ApiError, answers

from . import join_limits, selectors, services
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


class JoinedSerializer(serializers.Serializer):
    participant = serializers.IntegerField(help_text="The new participant's id.")
    token = serializers.CharField(help_text="The participant token for the room's hello.")
    session = serializers.CharField(help_text="The session's join code.")
    websocket = serializers.CharField(help_text="The path of the room's WebSocket.")


class JoinView(APIView):
    """A new participant in the session with this join code (docs/protocol.md):
    404 ``unknown_code``, 403 ``session_locked``, 410 ``session_closed``; 429
    ``too_many_tries`` (too many wrong codes from this address) or
    ``too_many_participants`` (too many participants of this session from this
    address), with Retry-After."""

    authentication_classes = []  # guests join without an account or CSRF token

    @answers({201: JoinedSerializer}, *WRITE, 404, 410, request=JoinSerializer)
    def post(self, request, code: str) -> Response:
        serializer = JoinSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            participant = services.join_session(
                code=code,
                address=join_limits.request_address(request=request),
                **serializer.validated_data,
            )
        except join_limits.TooManyTries as exc:
            raise Throttled(wait=exc.retry_after, detail=exc.message, code=exc.code) from exc
        except CommandError as exc:
            raise ApiError(
                status=JOIN_ERROR_STATUS.get(exc.code, status.HTTP_400_BAD_REQUEST),
                code=exc.code,
                message=exc.message,
            ) from exc
        except ValidationError as exc:
            raise ApiValidationError(get_error_detail(exc)) from exc
        joined = {
            "participant": participant.pk,
            "token": selectors.participant_token(participant),
            "session": participant.session.code,
            "websocket": f"/ws/s/{participant.session.code}/",
        }
        return Response(JoinedSerializer(joined).data, status=status.HTTP_201_CREATED)
