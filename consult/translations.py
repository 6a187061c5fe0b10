"""Texts organisers write, in more than one language.

A translated text keeps its original in its own field (``title``) in the language its
object records (``language``: the organiser's interface language when it was written),
and one more column per interface language (``title_in_es``, ``title_in_fr`` ...),
declared with django-translated-fields (``translations(field)``). A reader sees their
language's translation where there is one, and otherwise the original, marked as such
(``localized``). Nothing here reads a request: callers say which language they show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from translated_fields import TranslatedField, to_attribute

LANGUAGE_CODES: tuple[str, ...] = tuple(code for code, _name in settings.LANGUAGES)


def translations(field: models.Field) -> TranslatedField:
    """One optional column per interface language for a translation of a text field
    (``<name>_in_<language>``: ``title_in = translations(...)`` gives ``title_in_es``)."""
    field.blank = True
    field.default = dict if isinstance(field, models.JSONField) else ""
    return TranslatedField(field, languages=LANGUAGE_CODES)


def language_field() -> models.CharField:
    """The language an object's original texts are written in."""
    return models.CharField(
        _lazy("language of the original"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )


def contribution_language_field() -> models.CharField:
    """The language a contribution (a note, a question, a comment, a reason) was
    written in: its author's interface language then; "" when unknown (written
    before languages were recorded)."""
    return models.CharField(
        _lazy("written in"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        default="",
    )


def current_language() -> str:
    """The active interface language as one of LANGUAGE_CODES (the default otherwise)."""
    return supported(translation.get_language()) or settings.LANGUAGE_CODE


def supported(language: str | None) -> str | None:
    """``language`` as one of the interface's languages, or None."""
    if not language:
        return None
    try:
        return translation.get_supported_language_variant(language)
    except LookupError:
        return None


def check_translation_language(language: str, *, source: str) -> None:
    """Refuse a translation into anything but one of the interface's languages other
    than the original's (``source``)."""
    from django.core.exceptions import ValidationError

    if language not in LANGUAGE_CODES or language == source:
        raise ValidationError({"language": _("Choose a language other than the original's.")})


def column(name: str, language: str) -> str:
    """The attribute holding ``name``'s translation into ``language``."""
    return to_attribute(f"{name}_in", language)


@dataclass(frozen=True)
class Localized:
    """A text as one reader sees it: in ``language``, which is their own unless the
    text has no translation into it (``fallback``: then the original is shown)."""

    text: str
    language: str
    fallback: bool

    def __str__(self) -> str:
        return self.text


def localized(obj: Any, name: str, *, language: str | None = None) -> Localized:
    """``obj.<name>`` for a reader of ``language`` (the active one by default)."""
    reader = supported(language) or current_language()
    original = getattr(obj, name)
    source = obj.language
    if reader == source:
        return Localized(original, source, False)
    text = getattr(obj, column(name, reader), "") or ""
    if text.strip():
        return Localized(text, reader, False)
    return Localized(original, source, bool(original))


def translated_into(obj: Any, names: tuple[str, ...]) -> list[str]:
    """The languages (other than the original's) some of ``names`` are translated into."""
    return [
        code
        for code in LANGUAGE_CODES
        if code != obj.language
        and any((getattr(obj, column(name, code), "") or "") for name in names)
    ]


def language_name(code: str) -> str:
    """A language's name in that language ("Español"), for markers and lists (as the
    language switcher names it: settings.LANGUAGES)."""
    return str(dict(settings.LANGUAGES).get(code, code))


def fallback_note(source: str) -> str:
    """The marker a reader sees on a text shown in its original language."""
    return _("Not yet translated; shown in the original (%(language)s).") % {
        "language": language_name(source)
    }
