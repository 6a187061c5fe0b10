"""Comments and validation reasons record the language they were written in (the
author's interface language then); the section page marks each comment's text with it,
and "you said, we did" shows it, filters by it and exports it."""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from consult import selectors, services
from consult.models import Comment, ValidationAnswer
from tests.consult.factories import make_consultation, make_member

pytestmark = pytest.mark.django_db


def speaking(user, language: str) -> Client:
    """A browser signed in as ``user`` with the interface in ``language`` (the
    switcher's cookie)."""
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def sections(consultation):
    version = selectors.latest_version(consultation)
    return [text.section for text in version.texts.order_by("position")]


def page_args(consultation) -> list[str]:
    return [consultation.process.slug, consultation.slug]


def test_a_comment_posted_in_spanish_records_es_and_keeps_it_when_edited():
    consultation = make_consultation()
    section = sections(consultation)[0]
    ana = make_member()
    args = page_args(consultation)
    client = speaking(ana, "es")
    response = client.post(
        reverse("consult:add_comment", args=[*args, section.pk]), {"body": "Más reciclaje."}
    )
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.language == "es"

    # Edited later with the interface in French: still the language it was written in.
    french = speaking(ana, "fr")
    response = french.post(
        reverse("consult:edit_comment", args=[*args, comment.pk]), {"body": "Más reciclaje ya."}
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.body, comment.language) == ("Más reciclaje ya.", "es")

    # The section page marks the text with it, for screen readers; a comment from before
    # languages were recorded has no mark.
    Comment.objects.create(
        section=section, version=comment.version, author=ana, body="Older comment"
    )
    page = Client().get(reverse("consult:section", args=[*args, section.pk])).content.decode()
    assert '<div class="prose" lang="es"><p>Más reciclaje ya.</p>' in page
    assert '<div class="prose"><p>Older comment</p>' in page


def test_a_reason_records_its_language_and_keeps_it_unless_rewritten():
    consultation = make_consultation()
    owner = consultation.process.owner
    section = sections(consultation)[1]
    round_ = services.open_round(
        consultation=consultation, by=owner, version=selectors.latest_version(consultation)
    )
    ben = make_member()
    url = reverse("consult:answer", args=[*page_args(consultation), section.pk])
    response = speaking(ben, "pt").post(url, {"verdict": "disagree", "reason": "Tarde demais."})
    assert response.status_code == 302
    assert ValidationAnswer.objects.get().language == "pt"

    # Another verdict, the same reason, from an English interface: still Portuguese.
    with translation.override("en"):
        services.answer_section(
            round=round_, section=section, user=ben, verdict="agree_with_changes",
            reason="Tarde demais.",
        )  # fmt: skip
    answer = ValidationAnswer.objects.get()
    assert (answer.verdict, answer.language) == ("agree_with_changes", "pt")
    # A rewritten reason is in the language it was rewritten in.
    with translation.override("fr"):
        services.answer_section(
            round=round_, section=section, user=ben, verdict="disagree", reason="Trop tard."
        )
    answer.refresh_from_db()
    assert (answer.reason, answer.language) == ("Trop tard.", "fr")


@pytest.fixture
def inputs_in_three_languages():
    """A comment in Spanish, one in French, one from before languages were recorded,
    and a reason in Spanish (its round closed, so everyone reads it)."""
    consultation = make_consultation()
    owner = consultation.process.owner
    vision, milestone, _action = sections(consultation)
    ana, ben = make_member(group="civil_society"), make_member(group="finance")
    with translation.override("es"):
        services.add_comment(section=vision, author=ana, body="Más reciclaje.")
    with translation.override("fr"):
        services.add_comment(section=milestone, author=ben, body="Plus d'audits.")
    old = services.add_comment(section=milestone, author=ben, body="Old input.")
    Comment.objects.filter(pk=old.pk).update(language="")
    round_ = services.open_round(
        consultation=consultation, by=owner, version=selectors.latest_version(consultation)
    )
    with translation.override("es"):
        services.answer_section(
            round=round_, section=milestone, user=ana, verdict="disagree", reason="Muy tarde."
        )
    services.close_round(round=round_, by=owner)
    return consultation


def report_url(consultation, query: str = "") -> str:
    url = reverse("consult:you_said_we_did", args=page_args(consultation))
    return f"{url}?{query}" if query else url


def texts_of(html: str) -> list[str]:
    found = []
    for text in ("Más reciclaje.", "Plus d&#x27;audits.", "Old input.", "Muy tarde."):
        if text in html:
            found.append(text)
    return found


def test_the_report_filters_by_language_and_shows_each_input_s_language(
    inputs_in_three_languages,
):
    consultation = inputs_in_three_languages
    client = Client(headers={"accept-language": "en"})
    html = client.get(report_url(consultation)).content.decode()
    assert "4 inputs" in html
    assert texts_of(html) == ["Más reciclaje.", "Plus d&#x27;audits.", "Old input.", "Muy tarde."]
    # Each known language shown in its own name, and the text marked with it.
    assert '<span class="language" lang="es">Español</span>' in html
    assert '<span class="language" lang="fr">Français</span>' in html
    assert '<p class="prose" lang="fr">Plus d&#x27;audits.</p>' in html
    assert '<p class="prose">Old input.</p>' in html
    # The filter offers the languages present, no others.
    select = html.split('<select name="language"')[1].split("</select>")[0]
    assert 'value="es"' in select and 'value="fr"' in select
    assert 'value="pt"' not in select and 'value="zh-hans"' not in select

    spanish = client.get(report_url(consultation, "language=es")).content.decode()
    assert "2 inputs" in spanish
    assert texts_of(spanish) == ["Más reciclaje.", "Muy tarde."]
    assert '<option value="es" selected>' in spanish
    # Combined with another filter.
    both = client.get(report_url(consultation, "language=es&group=finance")).content.decode()
    assert "0 inputs" in both and "No inputs match." in both


def test_a_bad_language_filter_changes_nothing(inputs_in_three_languages):
    consultation = inputs_in_three_languages
    client = Client(headers={"accept-language": "en"})
    for value in ("xx", "es;DROP", "<b>"):
        html = client.get(report_url(consultation, f"language={value}")).content.decode()
        assert "A filter was not understood; showing every input." in html
        assert "4 inputs" in html and len(texts_of(html)) == 4


def test_the_exports_have_the_language_code(inputs_in_three_languages):
    consultation = inputs_in_three_languages
    client = Client()
    client.force_login(consultation.process.owner)
    response = client.get(report_url(consultation, "format=csv"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert sorted((r["text"], r["language"]) for r in rows) == [
        ("Muy tarde.", "es"),
        ("Más reciclaje.", "es"),
        ("Old input.", ""),
        ("Plus d'audits.", "fr"),
    ]
    # Filtered, the export holds the filtered rows only.
    response = client.get(report_url(consultation, "language=fr&format=csv"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["text"], r["language"]) for r in rows] == [("Plus d'audits.", "fr")]

    response = client.get(report_url(consultation, "format=xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    column = header.index("Written in")
    languages = sorted(row[column] or "" for row in sheet.iter_rows(min_row=2, values_only=True))
    assert languages == ["", "es", "es", "fr"]


def test_the_selector_filters_by_language(inputs_in_three_languages):
    consultation = inputs_in_three_languages
    rows = selectors.inputs(consultation)
    assert selectors.input_languages(rows) == [("es", "Español"), ("fr", "Français")]
    assert [r["text"] for r in selectors.inputs(consultation, language="fr")] == ["Plus d'audits."]
    assert {r["language_name"] for r in rows} == {"Español", "Français", ""}
