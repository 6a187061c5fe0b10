"""Translating the impact vocabulary and the action catalogue (docs/knowledge.md,
"Translating the vocabulary and the actions"): the titles of impact areas and issues
(the matrix's row labels) and the text of an action, one interface language at a time.

Writes are keyword-only and all or nothing: anyone but a manager gets
``PermissionDenied``; bad input raises ``ValidationError`` with a message per field
(``language``; ``area-<id>`` / ``issue-<id>`` for a vocabulary item; ``text`` for an
action) and nothing is saved. A translation is plain text on one line (spaces and line
breaks collapse to one space), at most the original's limit, without HTML, scripts or
``javascript:`` links; an empty one removes the translation.

The reads here (``vocabulary_items``, ``vocabulary_source``) shape the vocabulary's
translation page."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from consult.translations import (
    LANGUAGE_CODES,
    check_translation_language,
    column,
    language_name,
)
from people.text import storable_text

from .models import CaseAction, ImpactArea, ImpactIssue
from .selectors import is_manager
from .services import unsafe_markup

MAX_AREA_TITLE: int = ImpactArea._meta.get_field("title").max_length
MAX_ISSUE_TITLE: int = ImpactIssue._meta.get_field("title").max_length
MAX_ACTION_TEXT: int = CaseAction._meta.get_field("text").max_length

AREA_PREFIX = "area-"
ISSUE_PREFIX = "issue-"


# --------------------------------------------------------------------------- checks


def _require_manager(by: AbstractBaseUser | AnonymousUser | None) -> None:
    if not is_manager(by):
        raise PermissionDenied(_("Only the managers of the knowledge repository can do this."))


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _check_language(language: Any) -> str:
    if not isinstance(language, str) or language not in LANGUAGE_CODES:
        raise ValidationError({"language": _("Choose one of the interface's languages.")})
    return language


def _clean_translation(
    errors: dict[str, list[str]], field: str, text: Any, *, limit: int, what: str
) -> str:
    """A translation as stored: one line, spaces collapsed ("" removes it); a message on
    ``field`` (naming ``what`` is translated) when it cannot be stored."""
    if text is None:
        return ""
    if not isinstance(text, str) or not storable_text(text):
        _add(errors, field, _("“%(what)s”: write the translation as text.") % {"what": what})
        return ""
    text = " ".join(text.split())
    if len(text) > limit:
        _add(
            errors,
            field,
            _("“%(what)s”: keep the translation under %(n)d characters (it has %(length)d).")
            % {"what": what, "n": limit, "length": len(text)},
        )
    elif text and unsafe_markup(text):
        _add(
            errors,
            field,
            _("“%(what)s”: write plain text: remove the HTML tags, scripts and links.")
            % {"what": what},
        )
    return text


# --------------------------------------------------------------------------- vocabulary


@dataclass(frozen=True)
class VocabularyItem:
    """An impact area or issue as the translation page lists it: ``key`` (``area-<id>``
    or ``issue-<id>``), the object, and for an issue its area."""

    key: str
    item: ImpactArea | ImpactIssue
    area: ImpactArea

    @property
    def is_area(self) -> bool:
        return isinstance(self.item, ImpactArea)

    @property
    def max_length(self) -> int:
        return MAX_AREA_TITLE if self.is_area else MAX_ISSUE_TITLE


def vocabulary_items() -> list[VocabularyItem]:
    """Every impact area in order, each followed by its issues in order (two queries)."""
    items: list[VocabularyItem] = []
    areas = ImpactArea.objects.order_by("position", "id").prefetch_related("issues")
    for area in areas:
        items.append(VocabularyItem(key=f"{AREA_PREFIX}{area.pk}", item=area, area=area))
        for issue in sorted(area.issues.all(), key=lambda i: (i.position, i.pk)):
            items.append(VocabularyItem(key=f"{ISSUE_PREFIX}{issue.pk}", item=issue, area=area))
    return items


def vocabulary_source(items: list[VocabularyItem], *, asked: str | None = None) -> str:
    """The language the translation page calls the vocabulary's original: the one most
    of ``items`` are written in (a tie goes to settings.LANGUAGE_CODE, then to the order
    of the interface's languages; no items: settings.LANGUAGE_CODE).

    The page cannot offer its source as a language to translate into, yet items written
    in other languages need a translation into it too: when ``asked`` (the language
    asked for) is that language and some items are written in others, the source is the
    most common language among those others, so the page opens in ``asked``."""

    def most_common(languages: list[str]) -> str:
        counts = Counter(languages)
        order = [settings.LANGUAGE_CODE, *LANGUAGE_CODES]
        return max(counts, key=lambda code: (counts[code], -order.index(code)))

    languages = [entry.item.language for entry in items if entry.item.language in LANGUAGE_CODES]
    if not languages:
        return settings.LANGUAGE_CODE
    source = most_common(languages)
    others = [code for code in languages if code != source]
    if asked == source and others:
        return most_common(others)
    return source


def _parse_key(key: Any) -> tuple[type[Model], int] | None:
    if not isinstance(key, str):
        return None
    for prefix, model in ((AREA_PREFIX, ImpactArea), (ISSUE_PREFIX, ImpactIssue)):
        if key.startswith(prefix):
            number = key[len(prefix) :]
            if number.isascii() and number.isdigit() and 0 < int(number) < 2**31:
                return model, int(number)
    return None


def translate_vocabulary(
    *,
    by: AbstractBaseUser | AnonymousUser | None,
    language: str,
    titles: Mapping[str, str],
) -> int:
    """Store the translations into ``language`` of the impact areas' and issues' titles
    named in ``titles`` (``area-<id>`` / ``issue-<id>`` -> the title in ``language``;
    empty removes the translation). Items not named keep theirs. Refused, all of it:
    a language that is not an interface language, a key of no area or issue, an item
    written in ``language`` itself (nothing to translate), a title too long for the
    model or holding HTML. Returns how many titles changed."""
    _require_manager(by)
    language = _check_language(language)
    errors: dict[str, list[str]] = {}
    wanted: dict[tuple[type[Model], int], tuple[str, Any]] = {}
    for key, text in titles.items():
        parsed = _parse_key(key)
        if parsed is None:
            _add(errors, str(key), _("That impact area or issue does not exist."))
        else:
            wanted[parsed] = (key, text)
    found: dict[tuple[type[Model], int], ImpactArea | ImpactIssue] = {}
    with transaction.atomic():
        for model in (ImpactArea, ImpactIssue):
            ids = [pk for (m, pk) in wanted if m is model]
            for obj in model.objects.select_for_update().filter(pk__in=ids).order_by("pk"):
                found[(model, obj.pk)] = obj
        cleaned: dict[tuple[type[Model], int], str] = {}
        for ref, (key, text) in wanted.items():
            obj = found.get(ref)
            if obj is None:
                _add(errors, key, _("That impact area or issue does not exist."))
                continue
            if obj.language == language:
                _add(
                    errors,
                    key,
                    _("“%(what)s” is written in %(language)s: there is nothing to translate.")
                    % {"what": obj.title, "language": language_name(language)},
                )
                continue
            limit = MAX_AREA_TITLE if isinstance(obj, ImpactArea) else MAX_ISSUE_TITLE
            cleaned[ref] = _clean_translation(errors, key, text, limit=limit, what=obj.title)
        if errors:
            raise ValidationError(errors)
        name = column("title", language)
        changed = 0
        for ref, text in cleaned.items():
            obj = found[ref]
            if getattr(obj, name) != text:
                setattr(obj, name, text)
                obj.save(update_fields=[name])
                changed += 1
    return changed


# --------------------------------------------------------------------------- actions


def translate_action(
    *,
    action: CaseAction,
    by: AbstractBaseUser | AnonymousUser | None,
    language: str,
    text: str,
) -> CaseAction:
    """Store the translation of an action's text into ``language`` (an interface
    language other than the action's own; empty removes it): one line, at most the
    model's limit, no HTML. Returns the action as saved."""
    _require_manager(by)
    check_translation_language(language, source=action.language)
    errors: dict[str, list[str]] = {}
    cleaned = _clean_translation(
        errors, "text", text, limit=MAX_ACTION_TEXT, what=_shorten(action.text)
    )
    if errors:
        raise ValidationError(errors)
    name = column("text", language)
    with transaction.atomic():
        current = CaseAction.objects.select_for_update().filter(pk=action.pk).first()
        if current is None:
            raise ValidationError({"text": _("That action no longer exists.")})
        action = current
        # The action's language is read again: it is what the translation is checked
        # against, whatever the caller's copy said.
        check_translation_language(language, source=action.language)
        if getattr(action, name) != cleaned:
            setattr(action, name, cleaned)
            action.save(update_fields=[name])
    return action


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
