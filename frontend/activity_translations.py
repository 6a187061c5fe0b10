"""The console page where a facilitator translates an activity: its question and its
kind's texts (options, columns, statements), one language at a time."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from consult.translation_forms import Original
from consult.translation_pages import translation_page
from consult.translations import column, translated_into
from sessions import access, services
from sessions.kinds import get_kind, kind_choices
from sessions.models import Activity

from .views import organiser_required


def _originals(activity: Activity, language: str) -> list[Original]:
    done = getattr(activity, column("texts", language)) or {}
    texts = [
        Original(
            key="title",
            label=_("Question"),
            text=activity.title,
            translation=getattr(activity, column("title", language)),
            max_length=Activity._meta.get_field("title").max_length,
        )
    ]
    for index, text in enumerate(get_kind(activity.kind).texts(activity), start=1):
        texts.append(
            Original(
                key=text,
                label=_("Text %(n)d") % {"n": index},
                text=text,
                translation=done.get(text, ""),
                max_length=services.MAX_TRANSLATED_TEXT,
            )
        )
    return texts


@organiser_required
@require_http_methods(["GET", "POST"])
def activity_translations(request: HttpRequest, code: str, activity_id: int) -> HttpResponse:
    activity = access.facilitated_activity(
        user=request.user,
        code=code,
        activity_id=activity_id,
        kinds=[name for name, _label in kind_choices()],
        missing=_("This session has no such activity."),
    )

    def save(language: str, given: dict[str, str]) -> None:
        title = given.pop("title")
        services.translate_activity(activity=activity, language=language, title=title, texts=given)

    return translation_page(
        request,
        source=activity.language,
        originals=lambda language: _originals(activity, language),
        save=save,
        done=translated_into(activity, ("title", "texts")),
        what=activity.title,
        page_url=reverse("frontend:activity_translations", args=[code, activity.pk]),
        back_url=reverse("frontend:console", args=[code]) + f"#activity-{activity.pk}",
        back_label=_("Back to the console"),
    )
