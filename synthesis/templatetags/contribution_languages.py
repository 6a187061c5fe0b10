"""``language_own_name``: a contribution's language as the language switcher names it
("Español"); "" when unknown."""

from __future__ import annotations

from django import template

from consult.translations import LANGUAGE_CODES, language_name

register = template.Library()


@register.filter
def language_own_name(code: str) -> str:
    return language_name(code) if code in LANGUAGE_CODES else ""
