"""The managers' translation pages of the impact vocabulary (every area's and issue's
title, one language at a time) and of an action of the catalogue, both on the shared
translation page (``consult.translation_pages``). Thin: ``knowledge.translating``
checks and saves."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from consult.translation_forms import Original
from consult.translation_pages import translation_page
from consult.translations import column, language_name, translated_into

from . import translating
from .models import CaseAction
from .selectors import is_manager


def _require_manager(request: HttpRequest) -> None:
    if not is_manager(request.user):
        raise PermissionDenied(_("Only the managers of the knowledge repository can do this."))


def _item_label(entry: translating.VocabularyItem, *, source: str) -> str:
    """Says whether the title is an area's or an issue's (and which area's), and its
    language when it is not the page's original one."""
    if entry.is_area:
        label = _("Area: %(title)s") % {"title": entry.item.title}
    else:
        label = _("Issue of “%(area)s”") % {"area": entry.area.title}
    if entry.item.language != source:
        label = _("%(label)s (written in %(language)s)") % {
            "label": label,
            "language": language_name(entry.item.language),
        }
    return label


@require_http_methods(["GET", "POST"])
@login_required
def vocabulary_translate(request: HttpRequest) -> HttpResponse:
    """Every impact area and its issues, in order, but those written in the language
    shown (``translating.vocabulary_source`` says which language the page calls the
    original)."""
    _require_manager(request)
    items = translating.vocabulary_items()
    asked = request.POST.get("language") if request.method == "POST" else None
    asked = asked or request.GET.get("language")
    source = translating.vocabulary_source(items, asked=asked)

    def originals(language: str) -> list[Original]:
        return [
            Original(
                key=entry.key,
                label=_item_label(entry, source=source),
                text=entry.item.title,
                translation=getattr(entry.item, column("title", language)),
                max_length=entry.max_length,
                language=entry.item.language,
            )
            for entry in items
            if entry.item.language != language
        ]

    def save(language: str, given: dict[str, str]) -> int:
        return translating.translate_vocabulary(by=request.user, language=language, titles=given)

    done = sorted({code for entry in items for code in translated_into(entry.item, ("title",))})
    return translation_page(
        request,
        source=source,
        originals=originals,
        save=save,
        done=done,
        what=_("the impact areas and issues"),
        page_url=reverse("knowledge:manage_vocabulary_translate"),
        back_url=reverse("knowledge:manage_vocabulary"),
        back_label=_("Back to the impact areas and issues"),
    )


@require_http_methods(["GET", "POST"])
@login_required
def action_translate(request: HttpRequest, pk: int) -> HttpResponse:
    """The text of one action of the catalogue."""
    _require_manager(request)
    action = get_object_or_404(CaseAction, pk=pk)

    def originals(language: str) -> list[Original]:
        return [
            Original(
                key="text",
                label=_("Action"),
                text=action.text,
                translation=getattr(action, column("text", language)),
                max_length=translating.MAX_ACTION_TEXT,
                long=True,
            )
        ]

    def save(language: str, given: dict[str, str]) -> CaseAction:
        return translating.translate_action(
            action=action, by=request.user, language=language, text=given.get("text", "")
        )

    return translation_page(
        request,
        source=action.language,
        originals=originals,
        save=save,
        done=translated_into(action, ("text",)),
        what=_("the action"),
        page_url=reverse("knowledge:manage_action_translate", args=[action.pk]),
        back_url=reverse("knowledge:manage_action", args=[action.pk]),
        back_label=_("Back to the action"),
    )
