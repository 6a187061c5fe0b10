"""The API's one error shape (docs/api.md): every refusal of every API route answers

    {"error": {"code": "not_found", "message": "Not found."}}

with ``"fields": {"name": ["message", ...]}`` added when the refusal names fields. The
DRF exception handler (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``) writes it for every
exception a view raises; ``not_found`` writes it for an address under ``/api/`` that
no route matches; ``ErrorSerializer`` and ``error_responses`` declare it in the
OpenAPI schema."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext
from django.views import defaults
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

API_PREFIX = "/api/"

# Keys under which a validation error carries messages that belong to no one field
# (DRF's serializers, and Django's ValidationError of a service).
NON_FIELD_KEYS = frozenset({api_settings.NON_FIELD_ERRORS_KEY, NON_FIELD_ERRORS})

# The request could not be read at all: a malformed multipart body (no boundary, say),
# too many fields or files, or more than DATA_UPLOAD_MAX_MEMORY_SIZE. Django answers
# these with a bare 400 page when they surface while the request is read.
UNREADABLE = (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


class ApiError(exceptions.APIException):
    """A refusal with its own status and code, e.g. the join codes
    (``ApiError(status=410, code="session_closed", message=...)``)."""

    def __init__(self, *, status: int, code: str, message: str) -> None:
        self.status_code = status
        super().__init__(detail=message, code=code)


# --------------------------------------------------------------------------- the body


def error_body(code: str, message: str, fields: Mapping[str, list[str]] | None = None) -> dict:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = dict(fields)
    return {"error": body}


def _messages(detail: Any) -> list[str]:
    """Every message in a piece of a DRF error detail, in order."""
    if isinstance(detail, Mapping):
        return [m for value in detail.values() for m in _messages(value)]
    if isinstance(detail, list | tuple):
        return [m for value in detail for m in _messages(value)]
    return [str(detail)]


def _first_code(detail: Any) -> str | None:
    if isinstance(detail, Mapping):
        detail = list(detail.values())
    if isinstance(detail, list | tuple):
        return next((c for c in map(_first_code, detail) if c), None)
    return getattr(detail, "code", None)


def _validation_body(exc: exceptions.ValidationError) -> dict:
    """A validation error: messages that name no field make the message (and their code,
    when a service gave one, the code); the others go under ``fields``."""
    detail = exc.detail
    if not isinstance(detail, Mapping):
        detail = {api_settings.NON_FIELD_ERRORS_KEY: detail}
    general = {k: v for k, v in detail.items() if k in NON_FIELD_KEYS}
    fields = {str(k): _messages(v) for k, v in detail.items() if k not in NON_FIELD_KEYS}
    messages = _messages(general)
    code = _first_code(general) if messages else None
    message = " ".join(messages) or gettext("Correct the values named in fields.")
    return error_body(code if code not in (None, "invalid") else "invalid", message, fields)


def _as_api_exception(exc: Exception) -> exceptions.APIException | None:
    """The API exception for ``exc``, or None for an unexpected one (a server error)."""
    if isinstance(exc, exceptions.APIException):
        return exc
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, UNREADABLE):
        return exceptions.ParseError(gettext("The request body could not be read."))
    return None


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every refusal in the one shape; Retry-After on 429."""
    api_exc = _as_api_exception(exc)
    if api_exc is None:
        return None  # a server error: Django's handler500
    headers = {}
    if isinstance(api_exc, exceptions.Throttled):
        headers["Retry-After"] = str(max(1, math.ceil(api_exc.wait or 60)))
    if getattr(api_exc, "auth_header", None):
        headers["WWW-Authenticate"] = api_exc.auth_header
    if isinstance(api_exc, exceptions.ValidationError):
        body = _validation_body(api_exc)
    else:
        detail = api_exc.detail
        code = _first_code(detail) or api_exc.default_code
        body = error_body(str(code), " ".join(_messages(detail)))
    set_rollback()
    request = context.get("request")
    if request is not None:  # JSON, whatever the view renders (YAML, a page) when it answers
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type
    return Response(body, status=api_exc.status_code, headers=headers)


def not_found(request, exception=None):
    """The site's 404 handler: the one error shape under ``/api/``, the page elsewhere."""
    if request.path_info.startswith(API_PREFIX):
        message = str(exceptions.NotFound.default_detail)
        return JsonResponse(error_body("not_found", message), status=404)
    return defaults.page_not_found(request, exception)


# --------------------------------------------------------------------------- the schema


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="What went wrong, for programs: invalid, parse_error, not_authenticated, "
        "permission_denied, not_found, not_acceptable, unsupported_media_type, throttled, "
        "or a more precise code (e.g. closed, unknown_code, session_closed)."
    )
    message = serializers.CharField(help_text="What went wrong, for people (translated).")

    def get_fields(self):
        fields = super().get_fields()
        # "fields" would shadow Serializer.fields if declared in the class body.
        fields["fields"] = serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="Only when the refusal names fields: the messages for each.",
        )
        return fields


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API."""

    error = ErrorBodySerializer()


ERROR_DESCRIPTIONS = {
    400: "Refused: a value is invalid (named in fields) or the body could not be read.",
    403: "Not logged in, a missing or wrong CSRF token, or not allowed to do this.",
    404: "No such resource, or not one this reader may see.",
    406: "The Accept header asks for something other than JSON.",
    410: "The resource is gone.",
    415: "The body is not JSON, form data or multipart form data.",
    429: "Too many requests: try again after Retry-After seconds.",
}

RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    int,
    OpenApiParameter.HEADER,
    required=True,
    response=[429],
    description="Seconds to wait before the next request.",
)

# Every operation: an Accept header that JSON cannot satisfy, and the throttles.
ALWAYS = (406, 429)
# Every operation that takes a body from a logged-in person: invalid values or an
# unreadable body, not logged in (or a CSRF failure, or not allowed), a body of
# another type.
WRITE = (400, 403, 415)


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """The error answers of an operation, for ``extend_schema(responses=...)``, each in
    the one shape; ``ALWAYS`` is added. Add ``RETRY_AFTER`` to its parameters."""
    return {
        status: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[status])
        for status in sorted({*statuses, *ALWAYS})
    }


def answers(ok: dict, *statuses: int, parameters: Sequence = (), **extra) -> Callable:
    """``extend_schema`` for an operation: its successful answers (``{200: Serializer}``)
    and its error statuses (``ALWAYS`` included), with Retry-After on the 429."""
    return extend_schema(
        responses={**ok, **error_responses(*statuses)},
        parameters=[RETRY_AFTER, *parameters],
        **extra,
    )
