"""What text people type may hold: the one rule every app applies before it stores or
relays a text."""

from __future__ import annotations

from typing import Any


def storable_text(value: Any) -> bool:
    """A string PostgreSQL can store and UTF-8 can encode: no NUL character (saving one
    is an error, a 500 if it got that far) and no lone surrogate."""
    if not isinstance(value, str) or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
