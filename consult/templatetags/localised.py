"""``{% load localised %}``: ``{{ share|percent }}`` (a share in percent, 0-100, with
one decimal) and ``{{ value|number }}`` (at most two decimals) in the page's language
(consult.formats). The argument is the decimals as ``floatformat``'s: ``percent:0`` none,
``percent:"-2"`` at most two."""

from __future__ import annotations

from django import template

from consult import formats

register = template.Library()


@register.filter
def percent(value, decimals: int = 1) -> str:
    if value is None or value == "":
        return ""
    try:
        return formats.percent(value, decimals=int(decimals))
    except (TypeError, ValueError):
        return str(value)


@register.filter
def number(value, decimals: int = -2) -> str:
    if value is None or value == "":
        return ""
    try:
        return formats.number(value, decimals=int(decimals))
    except (TypeError, ValueError):
        return str(value)
