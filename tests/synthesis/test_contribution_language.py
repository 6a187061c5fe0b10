"""The themes pages show the language each note, question, comment and reason was
written in, and are filtered by it with ``?language=<code>`` (a value that is not a
language present shows every text), in the same number of queries however many texts."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from boards.models import Note
from consult import selectors as consult_selectors
from consult import services as consult_services
from qna.models import Question
from sessions import services
from sessions.models import Session
from tests import factories
from tests.boards.boards import make_board
from tests.consult.factories import make_consultation, make_member

pytestmark = pytest.mark.django_db

_keys = itertools.count()

FRENCH = ["Recycler les batteries usagées", "Protéger l'eau potable près des mines"]
SPANISH = ["Reciclar las baterías usadas", "Proteger el agua potable cerca de las minas"]
ENGLISH = ["Recycle used batteries", "Protect drinking water near mines"]


def act(activity, participant, action, data):
    return services.perform_command(
        participant=participant,
        activity_id=activity.pk,
        action=action,
        data=data,
        key=f"synth{next(_keys)}",
    )


def owner_client(activity) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(Session.objects.get(pk=activity.session_id).event.owner)
    return client


def themes_url(activity, query: str = "") -> str:
    session = Session.objects.get(pk=activity.session_id)
    url = reverse(
        "synthesis:board_themes", kwargs={"code": session.code, "activity_id": activity.pk}
    )
    return f"{url}?{query}" if query else url


def post_notes(board, texts: list[str], language: str) -> None:
    with translation.override(language):
        for text in texts:
            author = factories.make_participant(session=board.session, display_name="")
            act(board, author, "post", {"column": 0, "text": text})


def shown(html: str, texts: list[str]) -> list[str]:
    return [text for text in texts if text in html.replace("&#x27;", "'")]


def test_the_board_themes_page_shows_and_filters_by_language():
    board = make_board()
    post_notes(board, FRENCH, "fr")
    post_notes(board, SPANISH, "es")
    post_notes(board, ENGLISH[:1], "en")
    Note.objects.filter(text=ENGLISH[0]).update(language="")  # from before: unknown
    client = owner_client(board)

    html = client.get(themes_url(board)).content.decode()
    everything = FRENCH + SPANISH + ENGLISH[:1]
    assert shown(html, everything) == everything
    assert '<span lang="fr">Recycler les batteries usagées</span>' in html
    assert '<span lang="fr">(Français)</span>' in html
    assert '<label for="note-' in html and f">{ENGLISH[0]} <span" in html  # no language mark
    select = html.split('<select id="language-filter" name="language">')[1].split("</select>")[0]
    assert '<option value="es" lang="es">Español</option>' in select
    assert '<option value="fr" lang="fr">Français</option>' in select
    assert 'value="pt"' not in select and 'value="en"' not in select

    french = client.get(themes_url(board, "language=fr")).content.decode()
    assert shown(french, everything) == FRENCH
    assert '<option value="fr" lang="fr" selected>' in french

    for bad in ("xx", "pt", "", "fr%00"):  # unknown, or no text in it: every text shown
        page = client.get(themes_url(board, f"language={bad}")).content.decode()
        assert shown(page, everything) == everything, bad


def test_accepting_filtered_themes_clusters_only_the_texts_in_that_language():
    board = make_board()
    post_notes(board, FRENCH, "fr")
    post_notes(board, SPANISH, "es")
    client = owner_client(board)
    page = client.get(themes_url(board, "language=es")).content.decode()
    spanish_ids = [str(n.pk) for n in Note.objects.filter(language="es")]
    french_ids = [str(n.pk) for n in Note.objects.filter(language="fr")]
    assert all(f'name="note-{pk}"' in page for pk in spanish_ids)
    assert not any(f'name="note-{pk}"' in page for pk in french_ids)


def test_the_qna_themes_page_filters_by_language_and_hides_an_anonymous_question_s():
    qna = services.add_activity(
        session=factories.make_session(), kind="qna", title="Ask", config={}
    )
    services.open_activity(activity=qna)
    qna.refresh_from_db()
    asker = factories.make_participant(session=qna.session, display_name="Ana")
    with translation.override("pt"):
        act(qna, asker, "ask", {"text": "Quem paga a reciclagem?", "anonymous": False})
        act(qna, asker, "ask", {"text": "E a água potável?", "anonymous": True})
    with translation.override("es"):
        act(qna, asker, "ask", {"text": "¿Quién paga el reciclaje?", "anonymous": False})
    assert set(Question.objects.values_list("language", flat=True)) == {"pt", "es"}
    client = owner_client(qna)
    texts = ["Quem paga a reciclagem?", "E a água potável?", "¿Quién paga el reciclaje?"]

    html = client.get(themes_url(qna)).content.decode()
    assert shown(html, texts) == texts
    assert '<span lang="pt">Quem paga a reciclagem?</span>' in html
    assert "<li>E a água potável?</li>" in html  # anonymous: no language shown
    portuguese = client.get(themes_url(qna, "language=pt")).content.decode()
    assert shown(portuguese, texts) == ["Quem paga a reciclagem?"]
    bad = client.get(themes_url(qna, "language=klingon")).content.decode()
    assert shown(bad, texts) == texts


def test_the_consultation_themes_pages_filter_by_language():
    consultation = make_consultation()
    owner = consultation.process.owner
    version = consult_selectors.latest_version(consultation)
    section = version.texts.order_by("position")[0].section
    for language, texts in (("fr", FRENCH), ("es", SPANISH)):
        with translation.override(language):
            for text in texts:
                consult_services.add_comment(section=section, author=make_member(), body=text)
    round_ = consult_services.open_round(consultation=consultation, by=owner, version=version)
    with translation.override("es"):
        consult_services.answer_section(
            round=round_, section=section, user=make_member(), verdict="disagree",
            reason="Demasiado tarde",
        )  # fmt: skip
    with translation.override("fr"):
        consult_services.answer_section(
            round=round_, section=section, user=make_member(), verdict="disagree",
            reason="Trop tard",
        )  # fmt: skip
    client = Client(headers={"accept-language": "en"})
    client.force_login(owner)
    args = {"process": consultation.process.slug, "slug": consultation.slug}
    section_url = reverse("synthesis:section_themes", kwargs={**args, "section_id": section.pk})
    round_url = reverse("synthesis:round_themes", kwargs={**args, "round_id": round_.pk})

    html = client.get(section_url).content.decode()
    assert shown(html, FRENCH + SPANISH) == FRENCH + SPANISH
    assert '<span lang="es">(Español)</span>' in html
    spanish = client.get(f"{section_url}?language=es").content.decode()
    assert shown(spanish, FRENCH + SPANISH) == SPANISH
    # The themes form posts back to the filtered page: applying keeps to its texts.
    assert '<form method="post" class="consult-themes" novalidate>' in spanish
    bad = client.get(f"{section_url}?language=de").content.decode()
    assert shown(bad, FRENCH + SPANISH) == FRENCH + SPANISH

    reasons = client.get(f"{round_url}?language=fr").content.decode()
    assert "Trop tard" in reasons and "Demasiado tarde" not in reasons


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_board_themes_page_takes_the_same_queries_however_many_notes():
    board = make_board(max_notes=50)
    client = owner_client(board)
    post_notes(board, FRENCH, "fr")
    post_notes(board, SPANISH, "es")
    client.get(themes_url(board))  # one-off work of a first request
    small = [count_queries(client, themes_url(board, q)) for q in ("", "language=fr")]
    post_notes(board, FRENCH * 3, "fr")
    post_notes(board, SPANISH * 3, "es")
    large = [count_queries(client, themes_url(board, q)) for q in ("", "language=fr")]
    assert large == small
