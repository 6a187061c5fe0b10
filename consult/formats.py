"""Numbers and percentages as the reader's language writes them.

Dates, times and plain numbers go through Django's localisation (the ``|date`` filter
with the named formats, ``floatformat``, ``django.utils.formats.number_format``, which
``number`` uses);
Django has no percentage format, so ``percent`` puts the language's decimal mark
(Django's) and the place of the sign (CLDR's, as the browsers' ``Intl.NumberFormat``
writes it, except English, which keeps the platform's "45.5 %"): "45.5%" in Chinese,
"45,5 %" in Spanish and French, "45,5%" in Portuguese. ``frontend/locale.js`` writes
them the same way in the browser. Exports keep plain numbers: these are for pages and
mail only."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils import translation
from django.utils.formats import number_format

# The percentage patterns of the interface's languages ("{}" is the number), CLDR's but
# for English; any other language writes the sign right after the number.
PERCENT_PATTERNS = {
    "en": "{} %",
    "es": "{}\u00a0%",
    "fr": "{}\u202f%",
}


def number(value: float | int | Decimal | str | None, *, decimals: int = -2) -> str:
    """``value`` in the active language with ``decimals`` decimals, or, when negative, at
    most ``-decimals`` (as ``floatformat``: none when the value is whole); "" for None."""
    if value is None or value == "":
        return ""
    places = abs(decimals)
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if decimals < 0:
        places = max(0, -rounded.normalize().as_tuple().exponent)
    return number_format(rounded, decimal_pos=places)


def percent(value: float | int | Decimal | str | None, *, decimals: int = 1) -> str:
    """A share given in percent (0-100) as the active language writes it, with
    ``decimals`` as in ``number``; "" for None."""
    shown = number(value, decimals=decimals)
    if not shown:
        return ""
    language = (translation.get_language() or "").split("-")[0].lower()
    return PERCENT_PATTERNS.get(language, "{}%").format(shown)


def signed_number(value: float | int | Decimal | None, *, decimals: int = 1) -> str:
    """A difference with its sign (a plus, or a minus sign U+2212) and ``decimals``
    decimals, in the active language: "+3.5", "+3,5"."""
    if value is None:
        return ""
    shown = number(abs(value), decimals=decimals)
    if float(value) > 0:
        return f"+{shown}"
    return f"\u2212{shown}" if float(value) < 0 else shown
