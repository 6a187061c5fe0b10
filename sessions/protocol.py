"""Parsing and validating live-room messages from clients (see docs/protocol.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from people.text import storable_text

ANY = object()

# Deeper JSON is refused: checking it recursively would exhaust the stack.
MAX_DEPTH = 32

# type -> {field: (accepted python types, required)}
SCHEMAS: dict[str, dict[str, tuple[Any, bool]]] = {
    "hello": {"role": (str, True), "token": (str, False), "last_seq": (int, False)},
    "act": {
        "activity": (int, True),
        "action": (str, True),
        "data": (ANY, False),
        "key": (str, True),
    },
    "control": {"action": (str, True), "activity": (int, False), "value": (ANY, False)},
    "resync": {},
    "ping": {},
}

# The facilitator's control actions are the commands of sessions/commands.py.


class ProtocolError(Exception):
    def __init__(self, code: str, message: str, ref: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.ref = ref


@dataclass(frozen=True)
class Message:
    type: str
    ref: Any
    fields: dict[str, Any]

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)


def _valid_ref(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) < 2**53
    return isinstance(value, str) and len(value) <= 64


def _clean_text(value: Any, depth: int = 0) -> bool:
    """No NUL characters or lone surrogates anywhere (the database and UTF-8 refuse
    them), and no nesting deeper than MAX_DEPTH."""
    if depth > MAX_DEPTH:
        return False
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, dict):
        return all(
            _clean_text(k, depth + 1) and _clean_text(v, depth + 1) for k, v in value.items()
        )
    if isinstance(value, list):
        return all(_clean_text(v, depth + 1) for v in value)
    return True


def parse(text: str) -> Message:
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError):
        raise ProtocolError("invalid_json", _("The message is not valid JSON.")) from None
    if not isinstance(payload, dict):
        raise ProtocolError("invalid_message", _("A message must be a JSON object."))
    if not _clean_text(payload):
        raise ProtocolError(
            "invalid_message",
            _("Text may not contain NUL or invalid characters, nor be nested so deeply."),
        )
    ref = payload.get("id")
    if ref is not None and not _valid_ref(ref):
        raise ProtocolError("invalid_field", _("'id' must be a short string or an integer."))
    kind = payload.get("type")
    if not isinstance(kind, str):
        raise ProtocolError("invalid_message", _("A message needs a 'type'."), ref)
    schema = SCHEMAS.get(kind)
    if schema is None:
        raise ProtocolError("unknown_type", _("Unknown message type."), ref)
    fields = {}
    for name, (types, required) in schema.items():
        if name not in payload:
            if required:
                raise ProtocolError(
                    "missing_field", _("The field '%(name)s' is missing.") % {"name": name}, ref
                )
            continue
        value = payload[name]
        if types is not ANY and (
            not isinstance(value, types) or (types is int and isinstance(value, bool))
        ):
            raise ProtocolError(
                "invalid_field", _("The field '%(name)s' has the wrong type.") % {"name": name}, ref
            )
        fields[name] = value
    return Message(type=kind, ref=ref, fields=fields)
