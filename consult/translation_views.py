"""The organisers' page where a consultation is translated: its title, summary and the
headings and texts of its latest version, one language at a time."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import selectors, services
from .models import Consultation
from .translation_forms import Original
from .translation_pages import translation_page
from .translations import column, translated_into
from .views import readable_consultation


def _originals(consultation: Consultation, texts, language: str) -> list[Original]:
    rows = [
        Original(
            key="title",
            label=_("Title"),
            text=consultation.title,
            translation=getattr(consultation, column("title", language)),
            max_length=200,
        ),
        Original(
            key="summary",
            label=_("Summary"),
            text=consultation.summary,
            translation=getattr(consultation, column("summary", language)),
            max_length=services.MAX_SECTION_LENGTH,
            long=True,
        ),
    ]
    for number, text in enumerate(texts, start=1):
        rows.append(
            Original(
                key=f"heading-{text.pk}",
                label=_("Section %(n)d: heading") % {"n": number},
                text=text.heading,
                translation=getattr(text, column("heading", language)),
                max_length=200,
            )
        )
        rows.append(
            Original(
                key=f"body-{text.pk}",
                label=_("Section %(n)d: text (Markdown)") % {"n": number},
                text=text.body,
                translation=getattr(text, column("body", language)),
                max_length=services.MAX_SECTION_LENGTH,
                long=True,
            )
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def translate(request: HttpRequest, process: str, slug: str) -> HttpResponse:
    consultation = readable_consultation(request, process, slug)
    if not selectors.is_organiser(request.user, consultation.process):
        raise PermissionDenied(_("Only the organisers of this process can do this."))
    version = selectors.latest_version(consultation)
    texts = selectors.version_sections(version) if version else []

    def save(language: str, given: dict[str, str]) -> None:
        services.translate_consultation(
            consultation=consultation,
            by=request.user,
            language=language,
            title=given["title"],
            summary=given["summary"],
            sections={t.pk: (given[f"heading-{t.pk}"], given[f"body-{t.pk}"]) for t in texts},
        )

    done = set(translated_into(consultation, ("title", "summary")))
    for text in texts:
        done.update(translated_into(text, ("heading", "body")))
    return translation_page(
        request,
        source=consultation.language,
        originals=lambda language: _originals(consultation, texts, language),
        save=save,
        done=sorted(done),
        what=consultation.title,
        page_url=reverse("consult:translate", args=[process, slug]),
        back_url=reverse("consult:consultation", args=[process, slug]),
        back_label=_("Back to the consultation"),
    )
