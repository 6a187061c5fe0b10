"""The organisers' page where the invitation texts are translated, one language at a
time: invitees whose directory entry names that language get it."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from consult.models import Process
from consult.translation_forms import Original
from consult.translation_pages import translation_page
from consult.translations import column, translated_into
from people.vocabularies import StakeholderGroup

from . import services
from .views import organisers_only


def _originals(texts: dict, language: str) -> list[Original]:
    groups = dict(StakeholderGroup.choices)
    rows = []
    for group, text in sorted(texts.items()):
        who = groups.get(group) if group else _("Default text")
        rows.append(
            Original(
                key=f"{group}|subject",
                label=_("%(who)s: subject") % {"who": who},
                text=text.subject,
                translation=getattr(text, column("subject", language)),
                max_length=services.MAX_SUBJECT,
            )
        )
        rows.append(
            Original(
                key=f"{group}|body",
                label=_("%(who)s: text") % {"who": who},
                text=text.body,
                translation=getattr(text, column("body", language)),
                max_length=services.MAX_BODY,
                long=True,
            )
        )
    return rows


@organisers_only
@require_http_methods(["GET", "POST"])
def translate_texts(request, process: Process):
    texts = services.texts_of(process)
    default = texts.get("")
    # The texts are written in the default text's language (the first one saved).
    source = default.language if default else next(iter(texts.values())).language if texts else ""

    def save(language: str, given: dict[str, str]) -> None:
        services.translate_texts(
            process=process,
            by=request.user,
            language=language,
            texts={g: (given[f"{g}|subject"], given[f"{g}|body"]) for g in texts},
        )

    return translation_page(
        request,
        source=source,
        originals=lambda language: _originals(texts, language),
        save=save,
        done=sorted(
            {code for text in texts.values() for code in translated_into(text, ("subject", "body"))}
        ),
        what=_("the invitation texts"),
        page_url=reverse("outreach:translate_texts", kwargs={"process": process.slug}),
        back_url=reverse("outreach:texts", kwargs={"process": process.slug}),
        back_label=_("Back to the invitation texts"),
    )
