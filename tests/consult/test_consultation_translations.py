"""A consultation's title, summary and section texts in several languages: organisers
translate them one language at a time; readers see their language, or the original
marked as such and tagged with its language; bad input saves nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from consult import selectors, services
from tests.consult.factories import make_consultation, make_member

pytestmark = pytest.mark.django_db

MARKER = "Not yet translated; shown in the original (English)."


def translate_es(consultation, **extra):
    texts = selectors.version_sections(selectors.latest_version(consultation))
    given = {
        "title": "Hoja de ruta",
        "summary": "Resumen del borrador",
        "sections": {texts[0].pk: ("Visión 2050", "Cada mineral **rastreable**.")},
    }
    given.update(extra)
    return services.translate_consultation(
        consultation=consultation, by=consultation.process.owner, language="es", **given
    )


def page(client, consultation, language, name="consultation", *args):
    url = reverse(f"consult:{name}", args=[consultation.process.slug, consultation.slug, *args])
    return client.get(url, headers={"accept-language": language})


def test_readers_see_their_language_and_the_original_marked_otherwise(client):
    consultation = make_consultation(
        title="Mobility roadmap draft", summary="Read the draft.", language="en"
    )
    translate_es(consultation)
    spanish = page(client, consultation, "es").content.decode()
    assert "<h1>Hoja de ruta</h1>" in spanish
    assert "Resumen del borrador" in spanish
    assert "Visión 2050" in spanish
    assert MARKER not in spanish
    # A section without a Spanish heading: the original, in an element saying its language.
    second = selectors.version_sections(selectors.latest_version(consultation))[1]
    assert f'<span lang="en">{second.heading}</span>' in spanish

    french = page(client, consultation, "fr").content.decode()
    assert '<h1><span lang="en">Mobility roadmap draft</span></h1>' in french
    assert 'class="original-note"' in french

    english = page(client, consultation, "en").content.decode()
    assert "<h1>Mobility roadmap draft</h1>" in english
    assert 'class="original-note"' not in english


def test_a_section_page_shows_the_translated_body_with_its_language(client):
    consultation = make_consultation(language="en")
    translate_es(consultation)
    first = selectors.version_sections(selectors.latest_version(consultation))[0]
    html = page(client, consultation, "es", "section", first.section_id).content.decode()
    assert "<h1>Visión 2050</h1>" in html
    assert '<div class="prose" lang="es"><p>Cada mineral <strong>rastreable</strong>.</p>' in html
    html = page(client, consultation, "pt", "section", first.section_id).content.decode()
    assert '<div class="prose" lang="en">' in html
    assert 'class="original-note"' in html


def test_an_unchanged_section_keeps_its_translation_in_the_next_version():
    consultation = make_consultation(language="en")
    translate_es(consultation)
    texts = selectors.version_sections(selectors.latest_version(consultation))
    sections = [
        {"section": t.section_id, "type": t.type, "heading": t.heading, "body": t.body}
        | ({"horizon": t.horizon} if t.horizon else {})
        | ({"actor": t.actor} if t.actor else {})
        for t in texts
    ]
    sections[0]["body"] = "A new body."
    version = services.publish_version(
        consultation=consultation, by=consultation.process.owner, title="v2", sections=sections
    )
    first = version.texts.get(section_id=texts[0].section_id)
    assert first.heading_in_es == "Visión 2050"  # the heading did not change
    assert first.body_in_es == ""  # the body did: its translation would mislead


def test_only_organisers_translate_and_bad_input_saves_nothing():
    consultation = make_consultation(language="en")
    translate_es(consultation)
    with pytest.raises(PermissionDenied):
        services.translate_consultation(
            consultation=consultation,
            by=make_member(),
            language="es",
            title="X",
            summary="",
            sections={},
        )
    for bad in (
        {"language": "en"},
        {"language": "xx"},
        {"title": "t" * 201},
        {"sections": {999_999: ("x", "y")}},
    ):
        kwargs = {"language": "es", "title": "Otro", "summary": "", "sections": {}} | bad
        with pytest.raises(ValidationError):
            services.translate_consultation(
                consultation=consultation, by=consultation.process.owner, **kwargs
            )
    consultation.refresh_from_db()
    assert consultation.title_in_es == "Hoja de ruta"


def test_the_translate_page_saves_one_language(client):
    consultation = make_consultation(language="en")
    client.force_login(consultation.process.owner)
    url = reverse("consult:translate", args=[consultation.process.slug, consultation.slug])
    form = client.get(url + "?language=fr")
    assert form.status_code == 200
    html = form.content.decode()
    assert 'lang="fr"' in html and 'aria-current="page"' in html
    response = client.post(url, {"language": "fr", "text-0": "Feuille de route", "text-1": ""})
    assert response.status_code == 302
    assert response["Location"].endswith("?language=fr")
    consultation.refresh_from_db()
    assert consultation.title_in_fr == "Feuille de route"
    # The original's own language is not a translation.
    refused = client.post(url, {"language": "en", "text-0": "Roadmap"})
    assert refused.status_code == 400
    consultation.refresh_from_db()
    assert consultation.title_in_en == ""
