"""The page organisers translate their texts on, one language at a time: the same for
an activity, a consultation and the invitation texts (their views say what is
translated, in which language it is written, and how a translation is saved)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .translation_forms import (
    NO_SUCH_LANGUAGE,
    Original,
    TranslationForm,
    chosen_language,
    language_links,
)
from .translations import language_name


def translation_page(
    request: HttpRequest,
    *,
    source: str,
    originals: Callable[[str], list[Original]],
    save: Callable[[str, dict[str, str]], object],
    done: list[str],
    what: str,
    page_url: str,
    back_url: str,
    back_label: str,
) -> HttpResponse:
    """GET: the form for ``?language=`` (else the first language that is not the
    original's ``source``); POST: ``save(language, translations by Original.key)``,
    which raises ValidationError on bad input (the form is shown again, status 400,
    nothing saved), then back to this page in that language."""
    posted = request.method == "POST"
    raw = request.POST.get("language") if posted else request.GET.get("language")
    language = chosen_language(raw, source=source)
    form = TranslationForm(
        request.POST if posted else None,
        texts=originals(language),
        language=language,
        source=source,
    )
    if posted:
        if raw != language:
            form.add_error(None, NO_SUCH_LANGUAGE)
        elif form.is_valid():
            try:
                save(language, form.translations())
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(
                    request,
                    _("Translation into %(language)s saved.")
                    % {"language": language_name(language)},
                )
                return redirect(f"{page_url}?language={language}")
    return render(
        request,
        "consult/translate.html",
        {
            "form": form,
            "what": what,
            "source_name": language_name(source) if source else "",
            "language_name": language_name(language),
            "languages": language_links(source=source, current=language, done=done),
            "back_url": back_url,
            "back_label": back_label,
        },
        status=400 if form.errors else 200,
    )
