"""Organisers translate an activity's texts: its question and its kind's texts (options,
column names, statements, scale ends); the room data carries each language's map and
bad input changes nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from sessions import selectors, services
from sessions.kinds import Role, get_kind
from sessions.models import Activity
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "texts"),
    [
        ("single_choice", ["Yes", "No", "Not sure"]),
        ("multiple_choice", ["Cobalt", "Lithium", "Tin", "Gold"]),
        ("ranking", ["Traceability", "Living wages", "Recycling"]),
        ("scale", ["Not at all", "Fully"]),
        ("word_cloud", []),
        (
            "dot_vote",
            ["Zero-waste mines", "Half of batteries recycled", "Publish supply chain audits"],
        ),
    ],
)
def test_each_kind_names_the_texts_it_shows(kind, texts):
    activity = factories.make_activity(kind=kind)
    assert get_kind(activity.kind).texts(activity) == texts


def test_board_columns_and_facilitator_statements_are_texts():
    board = services.add_activity(
        session=factories.make_session(),
        kind="idea_board",
        title="Ideas",
        config={"columns": "Challenges\nSolutions", "mode": "open"},
    )
    assert get_kind("idea_board").texts(board) == ["Challenges", "Solutions"]
    consensus = factories.make_activity(kind="consensus")
    texts = get_kind("consensus").texts(consensus)
    assert texts and texts == list(consensus.statements.values_list("text", flat=True))


def test_the_original_language_is_the_organisers_interface_language():
    with translation.override("fr"):
        activity = factories.make_activity()
    assert activity.language == "fr"
    assert factories.make_activity(language="pt").language == "pt"
    assert factories.make_activity(language="xx-unknown").language == "en"


def test_a_translation_is_stored_and_carried_by_the_room_data():
    activity = factories.make_activity(title="Which first?")
    services.translate_activity(
        activity=activity,
        language="es",
        title="  ¿Cuál   primero? ",
        texts={"Yes": "Sí", "No": "", "Not sure": " No sé "},
    )
    activity.refresh_from_db()
    assert activity.title_in_es == "¿Cuál primero?"
    assert activity.texts_in_es == {"Yes": "Sí", "Not sure": "No sé"}
    assert activity.title == "Which first?"  # the original is untouched
    assert selectors.translation_maps(activity) == {
        "es": {"Which first?": "¿Cuál primero?", "Yes": "Sí", "Not sure": "No sé"}
    }
    view = selectors.room_views(activity.session)[Role.PARTICIPANT.value]
    # Only the current activity reaches participants: open it to see it there.
    assert view["activities"] == []
    services.open_activity(activity=activity)
    activity.session.refresh_from_db()
    shown = selectors.room_views(activity.session)[Role.PARTICIPANT.value]["activities"][0]
    assert shown["language"] == "en"
    assert shown["translations"]["es"]["Yes"] == "Sí"


def test_an_empty_translation_removes_it():
    activity = factories.make_activity()
    services.translate_activity(activity=activity, language="fr", title="Quoi ?", texts={})
    services.translate_activity(activity=activity, language="fr", title="", texts={})
    activity.refresh_from_db()
    assert activity.title_in_fr == ""
    assert selectors.translation_maps(activity) == {}


@pytest.mark.parametrize(
    ("language", "title", "texts", "field"),
    [
        ("en", "Same", {}, "language"),  # the original's own language
        ("xx", "Nope", {}, "language"),
        ("es", "x" * 301, {}, "title"),
        ("es", "Bien", {"Maybe": "Quizás"}, "texts"),  # not a text of the activity
        ("es", "Bien", {"Yes": "s" * 501}, "texts"),
    ],
)
def test_bad_translations_are_refused_and_nothing_is_saved(language, title, texts, field):
    activity = factories.make_activity()
    services.translate_activity(activity=activity, language="es", title="Antes", texts={})
    with pytest.raises(ValidationError) as raised:
        services.translate_activity(activity=activity, language=language, title=title, texts=texts)
    assert field in raised.value.message_dict
    activity.refresh_from_db()
    assert activity.title_in_es == "Antes"
    assert activity.texts_in_es == {}


def test_a_translation_broadcasts_the_room(django_capture_on_commit_callbacks):
    activity = factories.make_activity()
    with django_capture_on_commit_callbacks() as callbacks:
        services.translate_activity(activity=activity, language="es", title="¿Sí?", texts={})
    assert len(callbacks) == 1
    assert Activity.objects.get(pk=activity.pk).title_in_es == "¿Sí?"
