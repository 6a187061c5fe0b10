"""Invitation texts in the invitee's language: organisers translate them (placeholders
checked as in the original); each invitee's mail uses the first language of their
directory entry that has a full translation, else the original; a changed original
drops its translations."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from outreach import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def process():
    from tests.consult.factories import make_process

    return make_process()


def save_original(process):
    with translation.override("en"):
        return services.save_texts(
            process=process,
            by=process.owner,
            texts={"": ("Invitation: {what}", "Dear {name}, join us: {link}")},
        )


def test_an_invitee_gets_their_language_where_it_is_translated(process):
    save_original(process)
    services.translate_texts(
        process=process,
        by=process.owner,
        language="es",
        texts={"": ("Invitación: {what}", "Estimada {name}, únase: {link}")},
    )
    texts = services.texts_of(process)
    with translation.override("es"):
        assert services.text_for(process=process, group="", texts=texts) == (
            "Invitación: {what}",
            "Estimada {name}, únase: {link}",
        )
    with translation.override("fr"):  # no French: the original
        assert services.text_for(process=process, group="", texts=texts) == (
            "Invitation: {what}",
            "Dear {name}, join us: {link}",
        )


def test_a_half_translation_is_not_used(process):
    save_original(process)
    text = services.texts_of(process)[""]
    text.subject_in_pt = "Convite"
    text.save()
    with translation.override("pt"):
        subject, _body = services.text_for(process=process, group="")
    assert subject == "Invitation: {what}"


@pytest.mark.parametrize(
    ("subject", "body", "key"),
    [
        ("Invitación", "Sin enlace", "default-body"),  # {link} is required
        ("Invitación {quien}", "Hola {link}", "default-subject"),
        ("", "Hola {link}", "default-subject"),
    ],
)
def test_bad_translations_are_refused(process, subject, body, key):
    save_original(process)
    with pytest.raises(ValidationError) as raised:
        services.translate_texts(
            process=process, by=process.owner, language="es", texts={"": (subject, body)}
        )
    assert key in raised.value.message_dict
    assert services.texts_of(process)[""].subject_in_es == ""


def test_the_original_language_and_unknown_groups_are_refused(process):
    save_original(process)
    for language, texts in (("en", {"": ("A", "B {link}")}), ("es", {"ngo": ("A", "B {link}")})):
        with pytest.raises(ValidationError):
            services.translate_texts(
                process=process, by=process.owner, language=language, texts=texts
            )


def test_changing_the_original_drops_its_translation(process):
    save_original(process)
    services.translate_texts(
        process=process,
        by=process.owner,
        language="es",
        texts={"": ("Invitación: {what}", "Hola {name}: {link}")},
    )
    services.save_texts(
        process=process,
        by=process.owner,
        texts={"": ("Invitation: {what}", "Dear {name}, please join: {link}")},
    )
    text = services.texts_of(process)[""]
    assert text.subject_in_es == "Invitación: {what}"  # unchanged subject: kept
    assert text.body_in_es == ""


def test_the_translate_page_saves_one_language(process, client):
    save_original(process)
    client.force_login(process.owner)
    from django.urls import reverse

    url = reverse("outreach:translate_texts", kwargs={"process": process.slug})
    assert "Dear {name}, join us: {link}" in client.get(url).content.decode()
    response = client.post(
        url, {"language": "fr", "text-0": "Invitation : {what}", "text-1": "Bonjour {link}"}
    )
    assert response.status_code == 302
    text = services.texts_of(process)[""]
    assert (text.subject_in_fr, text.body_in_fr) == ("Invitation : {what}", "Bonjour {link}")
    refused = client.post(url, {"language": "fr", "text-0": "X", "text-1": "sans lien"})
    assert refused.status_code == 400
    assert "{link}" in refused.content.decode()
    text.refresh_from_db()
    assert text.body_in_fr == "Bonjour {link}"
