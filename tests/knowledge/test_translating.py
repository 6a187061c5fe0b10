"""Translating the impact vocabulary and the catalogue's actions: the services
(``knowledge.translating``), the managers' pages, and what readers then see on the
public matrix and catalogue."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from knowledge import actions, translating
from knowledge.models import CaseAction, ImpactArea, ImpactIssue
from tests.factories import make_user
from tests.knowledge.factories import make_area, make_case, make_issue, make_manager

pytestmark = pytest.mark.django_db

VOCABULARY_PAGE = "/manage/impact-areas/translate"
MATRIX = "/impact-matrix/"
CATALOGUE = "/actions/"


def reader(language: str) -> Client:
    """An anonymous browser whose language cookie asks for ``language``."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def titles_in(language: str) -> list[tuple[str, str]]:
    field = f"title_in_{language.replace('-', '_')}"
    return [
        *ImpactArea.objects.order_by("pk").values_list("title", field),
        *ImpactIssue.objects.order_by("pk").values_list("title", field),
    ]


@pytest.fixture
def manager():
    return make_manager()


@pytest.fixture
def vocabulary():
    first = make_area(title="Transparency and due diligence")
    second = make_area(title="Water and land")
    return {
        "first": first,
        "second": second,
        "audit": make_issue(area=first, title="Third-party audits"),
        "grievance": make_issue(area=first, title="Grievance mechanisms"),
        "water": make_issue(area=second, title="Water use"),
    }


@pytest.fixture
def action(manager):
    case = make_case(name="Cobalt refinery audit")
    return actions.create_action(
        by=manager, text="Audit every refinery", horizon=2030, case=case, language="en"
    )


# --------------------------------------------------------------------------- vocabulary service


def test_translate_vocabulary_saves_and_removes_titles(manager, vocabulary):
    first, audit = vocabulary["first"], vocabulary["audit"]
    changed = translating.translate_vocabulary(
        by=manager,
        language="fr",
        titles={
            f"area-{first.pk}": "  Transparence et\n devoir   de vigilance ",
            f"issue-{audit.pk}": "Audits par des tiers",
        },
    )
    assert changed == 2
    first.refresh_from_db()
    audit.refresh_from_db()
    # One line, spaces collapsed.
    assert first.title_in_fr == "Transparence et devoir de vigilance"
    assert audit.title_in_fr == "Audits par des tiers"
    # Other items and languages untouched.
    assert vocabulary["water"].__class__.objects.get(pk=vocabulary["water"].pk).title_in_fr == ""
    assert first.title_in_es == ""
    # The same again changes nothing; an empty title removes the translation.
    again = {f"area-{first.pk}": "Transparence et devoir de vigilance"}
    assert translating.translate_vocabulary(by=manager, language="fr", titles=again) == 0
    removed = {f"issue-{audit.pk}": "", f"area-{first.pk}": "   "}
    assert translating.translate_vocabulary(by=manager, language="fr", titles=removed) == 2
    audit.refresh_from_db()
    first.refresh_from_db()
    assert audit.title_in_fr == "" and first.title_in_fr == ""


def test_translate_vocabulary_into_chinese_uses_its_column(manager, vocabulary):
    water = vocabulary["water"]
    translating.translate_vocabulary(
        by=manager, language="zh-hans", titles={f"issue-{water.pk}": "用水"}
    )
    water.refresh_from_db()
    assert water.title_in_zh_hans == "用水"


@pytest.mark.parametrize("who", ["none", "anonymous", "member", "inactive_manager"])
def test_translate_vocabulary_is_for_managers_only(vocabulary, who):
    by = {
        "none": lambda: None,
        "anonymous": AnonymousUser,
        "member": make_user,
        "inactive_manager": lambda: make_manager(is_active=False),
    }[who]()
    before = titles_in("fr")
    with pytest.raises(PermissionDenied):
        translating.translate_vocabulary(
            by=by, language="fr", titles={f"area-{vocabulary['first'].pk}": "Transparence"}
        )
    assert titles_in("fr") == before


@pytest.mark.parametrize("language", ["xx", "", "FR", "fr-ca", None, 5])
def test_translate_vocabulary_refuses_a_language_not_of_the_interface(
    manager, vocabulary, language
):
    with pytest.raises(ValidationError) as refused:
        translating.translate_vocabulary(
            by=manager, language=language, titles={f"area-{vocabulary['first'].pk}": "X"}
        )
    assert "language" in refused.value.message_dict


@pytest.mark.parametrize(
    "key", ["area-999999", "issue-999999", "area-0", "issue-abc", "case-1", "area-", "", "x"]
)
def test_translate_vocabulary_refuses_an_unknown_key_and_saves_nothing(manager, vocabulary, key):
    before = titles_in("fr")
    with pytest.raises(ValidationError) as refused:
        translating.translate_vocabulary(
            by=manager,
            language="fr",
            titles={f"area-{vocabulary['first'].pk}": "Transparence", key: "Inconnu"},
        )
    assert refused.value.message_dict[key] == ["That impact area or issue does not exist."]
    assert titles_in("fr") == before


def test_translate_vocabulary_refuses_an_area_of_the_other_kind_of_key(manager, vocabulary):
    """``issue-<id>`` of an area's id (and no issue has it) is unknown."""
    missing = max(ImpactIssue.objects.values_list("pk", flat=True)) + 1000
    key = f"issue-{missing}"
    with pytest.raises(ValidationError) as refused:
        translating.translate_vocabulary(by=manager, language="fr", titles={key: "X"})
    assert key in refused.value.message_dict


def test_translate_vocabulary_refuses_an_item_written_in_that_language(manager, vocabulary):
    french = make_issue(area=vocabulary["first"], title="Travail des enfants", language="fr")
    before = titles_in("fr")
    with pytest.raises(ValidationError) as refused:
        translating.translate_vocabulary(
            by=manager,
            language="fr",
            titles={
                f"issue-{french.pk}": "Travail des enfants (FR)",
                f"area-{vocabulary['first'].pk}": "Transparence",
            },
        )
    assert refused.value.message_dict == {
        f"issue-{french.pk}": [
            "“Travail des enfants” is written in Français: there is nothing to translate."
        ]
    }
    assert titles_in("fr") == before
    # Into English it is a translation like any other.
    translating.translate_vocabulary(
        by=manager, language="en", titles={f"issue-{french.pk}": "Child labour"}
    )
    french.refresh_from_db()
    assert french.title_in_en == "Child labour"


def test_translate_vocabulary_refuses_titles_longer_than_the_model_allows(manager, vocabulary):
    area, issue = vocabulary["first"], vocabulary["audit"]
    assert translating.MAX_AREA_TITLE == 200 and translating.MAX_ISSUE_TITLE == 300
    before = titles_in("fr")
    with pytest.raises(ValidationError) as refused:
        translating.translate_vocabulary(
            by=manager,
            language="fr",
            titles={f"area-{area.pk}": "a" * 201, f"issue-{issue.pk}": "i" * 301},
        )
    errors = refused.value.message_dict
    assert errors[f"area-{area.pk}"] == [
        "“Transparency and due diligence”: keep the translation under 200 characters (it has 201)."
    ]
    assert "under 300 characters (it has 301)" in errors[f"issue-{issue.pk}"][0]
    assert titles_in("fr") == before
    # At the limit is fine (an issue takes more than an area).
    translating.translate_vocabulary(
        by=manager,
        language="fr",
        titles={f"area-{area.pk}": "a" * 200, f"issue-{issue.pk}": "i" * 300},
    )
    issue.refresh_from_db()
    assert issue.title_in_fr == "i" * 300


@pytest.mark.parametrize(
    "text",
    [
        "<b>Transparence</b>",
        "Transparence <script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "javascript:alert(1)",
        "[lien](javascript:alert(1))",
        "<!-- caché -->",
    ],
)
def test_translate_vocabulary_refuses_html_and_scripts(manager, vocabulary, text):
    key = f"area-{vocabulary['first'].pk}"
    with pytest.raises(ValidationError) as refused:
        translating.translate_vocabulary(by=manager, language="fr", titles={key: text})
    assert "write plain text" in refused.value.message_dict[key][0]
    assert titles_in("fr")[0][1] == ""


@pytest.mark.parametrize("text", ["nul\x00", 5, ["a"], "\ud800"])
def test_translate_vocabulary_refuses_what_is_not_text(manager, vocabulary, text):
    key = f"issue-{vocabulary['water'].pk}"
    with pytest.raises(ValidationError) as refused:
        translating.translate_vocabulary(by=manager, language="fr", titles={key: text})
    assert "write the translation as text" in refused.value.message_dict[key][0]


def test_a_plain_less_than_sign_is_fine(manager, vocabulary):
    key = f"issue-{vocabulary['water'].pk}"
    translating.translate_vocabulary(by=manager, language="fr", titles={key: "Eau < 5 m3/t"})
    assert ImpactIssue.objects.get(pk=vocabulary["water"].pk).title_in_fr == "Eau < 5 m3/t"


# --------------------------------------------------------------------------- action service


def test_translate_action_saves_and_removes_the_text(manager, action):
    saved = translating.translate_action(
        action=action, by=manager, language="fr", text=" Auditer\nchaque   raffinerie "
    )
    assert saved.text_in_fr == "Auditer chaque raffinerie"
    action.refresh_from_db()
    assert action.text_in_fr == "Auditer chaque raffinerie"
    assert action.text == "Audit every refinery" and action.text_in_es == ""
    translating.translate_action(action=action, by=manager, language="fr", text="")
    action.refresh_from_db()
    assert action.text_in_fr == ""


@pytest.mark.parametrize("who", ["none", "anonymous", "member"])
def test_translate_action_is_for_managers_only(action, who):
    by = {"none": lambda: None, "anonymous": AnonymousUser, "member": make_user}[who]()
    with pytest.raises(PermissionDenied):
        translating.translate_action(action=action, by=by, language="fr", text="Auditer")
    action.refresh_from_db()
    assert action.text_in_fr == ""


@pytest.mark.parametrize("language", ["en", "xx", "", "FR"])
def test_translate_action_refuses_its_own_language_and_unknown_ones(manager, action, language):
    with pytest.raises(ValidationError) as refused:
        translating.translate_action(action=action, by=manager, language=language, text="X")
    assert refused.value.message_dict == {
        "language": ["Choose a language other than the original's."]
    }
    assert CaseAction.objects.filter(pk=action.pk, text_in_fr="").exists()


def test_translate_action_reads_the_actions_language_again(manager, action):
    """The stored language decides, not a stale copy's."""
    CaseAction.objects.filter(pk=action.pk).update(language="fr")
    with pytest.raises(ValidationError):
        translating.translate_action(action=action, by=manager, language="fr", text="X")
    assert CaseAction.objects.get(pk=action.pk).text_in_fr == ""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a" * 2_001, "keep the translation under 2000 characters (it has 2001)"),
        ("<b>Auditer</b>", "write plain text"),
        ("javascript:alert(1)", "write plain text"),
        ("nul\x00", "write the translation as text"),
        (12, "write the translation as text"),
    ],
)
def test_translate_action_refuses_bad_text(manager, action, text, message):
    with pytest.raises(ValidationError) as refused:
        translating.translate_action(action=action, by=manager, language="fr", text=text)
    assert message in refused.value.message_dict["text"][0]
    action.refresh_from_db()
    assert action.text_in_fr == ""


def test_translate_action_at_the_limit(manager, action):
    translating.translate_action(action=action, by=manager, language="es", text="a" * 2_000)
    action.refresh_from_db()
    assert action.text_in_es == "a" * 2_000


def test_translate_action_of_a_deleted_action(manager, action):
    CaseAction.objects.filter(pk=action.pk).delete()
    with pytest.raises(ValidationError) as refused:
        translating.translate_action(action=action, by=manager, language="fr", text="X")
    assert refused.value.message_dict == {"text": ["That action no longer exists."]}


# --------------------------------------------------------------------------- the source language


def test_the_vocabularys_source_is_its_most_common_language(vocabulary):
    items = translating.vocabulary_items()
    assert [entry.key for entry in items] == [
        f"area-{vocabulary['first'].pk}",
        f"issue-{vocabulary['audit'].pk}",
        f"issue-{vocabulary['grievance'].pk}",
        f"area-{vocabulary['second'].pk}",
        f"issue-{vocabulary['water'].pk}",
    ]
    assert translating.vocabulary_source(items) == "en"
    ImpactIssue.objects.update(language="fr")
    ImpactArea.objects.filter(pk=vocabulary["second"].pk).update(language="fr")
    items = translating.vocabulary_items()
    assert translating.vocabulary_source(items) == "fr"
    assert translating.vocabulary_source(items, asked="es") == "fr"
    # Asked for the source itself: the most common language of the other items.
    assert translating.vocabulary_source(items, asked="fr") == "en"


def test_the_source_of_no_vocabulary_or_a_tie():
    assert translating.vocabulary_source([]) == settings.LANGUAGE_CODE
    make_area(title="Eau", language="fr")
    make_area(title="Agua", language="es")
    # A tie goes to the order of the interface's languages (after LANGUAGE_CODE).
    assert translating.vocabulary_source(translating.vocabulary_items()) == "es"
    make_area(title="Water", language="en")
    assert translating.vocabulary_source(translating.vocabulary_items()) == "en"
    # Everything in one language: asking for it changes nothing.
    ImpactArea.objects.update(language="pt")
    assert translating.vocabulary_source(translating.vocabulary_items(), asked="pt") == "pt"


# --------------------------------------------------------------------------- vocabulary page


def rows(page: str) -> list[tuple[str, str]]:
    """The translation form's rows: (label, original)."""
    return re.findall(
        r'<label for="id_text-\d+">(.*?)</label>\s*<p class="original"[^>]*>(.*?)</p>', page
    )


def test_the_vocabulary_page_lists_areas_and_their_issues_in_order(client, manager, vocabulary):
    client.force_login(manager)
    response = client.get(f"{VOCABULARY_PAGE}?language=fr")
    page = response.content.decode()
    assert response.status_code == 200
    assert rows(page) == [
        ("Area: Transparency and due diligence", "Transparency and due diligence"),
        ("Issue of “Transparency and due diligence”", "Third-party audits"),
        ("Issue of “Transparency and due diligence”", "Grievance mechanisms"),
        ("Area: Water and land", "Water and land"),
        ("Issue of “Water and land”", "Water use"),
    ]
    assert "Translate the impact areas and issues" in page
    assert 'href="/manage/impact-areas/"' in page
    assert " style=" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)


def test_the_vocabulary_page_saves_and_readers_see_the_translation(client, manager, vocabulary):
    make_case(name="Refinery audit", issues=(vocabulary["audit"], vocabulary["water"]))
    client.force_login(manager)
    response = client.post(
        VOCABULARY_PAGE,
        {
            "language": "fr",
            "text-0": "Transparence et devoir de vigilance",
            "text-1": "Audits par des tiers",
            "text-2": "",
            "text-3": "",
            "text-4": "Consommation d'eau",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{VOCABULARY_PAGE}?language=fr"
    assert titles_in("fr") == [
        ("Transparency and due diligence", "Transparence et devoir de vigilance"),
        ("Water and land", ""),
        ("Third-party audits", "Audits par des tiers"),
        ("Grievance mechanisms", ""),
        ("Water use", "Consommation d'eau"),
    ]
    again = client.get(response["Location"]).content.decode()
    assert "Translation into Français saved." in again
    assert 'value="Audits par des tiers"' in again
    # A French reader sees the translations on the matrix, the rest in the original.
    matrix = reader("fr").get(MATRIX).content.decode()
    assert "Transparence et devoir de vigilance" in matrix
    assert "Audits par des tiers" in matrix and "Consommation d&#x27;eau" in matrix
    assert 'lang="en">Water and land' in matrix
    english = reader("en").get(MATRIX).content.decode()
    assert "Third-party audits" in english and "Audits par des tiers" not in english
    # Removing a translation: the original again.
    client.post(
        VOCABULARY_PAGE,
        {"language": "fr", **{f"text-{i}": "" for i in range(5)}},
    )
    assert all(translation == "" for _title, translation in titles_in("fr"))
    assert "Audits par des tiers" not in reader("fr").get(MATRIX).content.decode()


def test_the_vocabulary_page_skips_items_written_in_the_language_shown(client, manager, vocabulary):
    ImpactIssue.objects.filter(pk=vocabulary["grievance"].pk).update(
        title="Mécanismes de réclamation", language="fr"
    )
    client.force_login(manager)
    page = client.get(f"{VOCABULARY_PAGE}?language=fr").content.decode()
    originals = [original for _label, original in rows(page)]
    assert "Mécanismes de réclamation" not in originals and len(originals) == 4
    # Into Spanish it is shown, saying it is written in French.
    page = client.get(f"{VOCABULARY_PAGE}?language=es").content.decode()
    assert (
        "Issue of “Transparency and due diligence” (written in Français)",
        "Mécanismes de réclamation",
    ) in rows(page)
    # Each original is marked with its own language (the page's is English).
    assert '<p class="original" lang="fr"' in page
    assert page.count('<p class="original" lang="en"') == 4
    # The page's original is English (most titles); English is offered for the French
    # title only.
    page = client.get(f"{VOCABULARY_PAGE}?language=en").content.decode()
    assert [original for _label, original in rows(page)] == ["Mécanismes de réclamation"]
    response = client.post(VOCABULARY_PAGE, {"language": "en", "text-0": "Grievance channels"})
    assert response.status_code == 302
    assert ImpactIssue.objects.get(pk=vocabulary["grievance"].pk).title_in_en == (
        "Grievance channels"
    )


def test_the_vocabulary_page_refuses_bad_input_and_saves_nothing(client, manager, vocabulary):
    client.force_login(manager)
    before = titles_in("fr")
    cases = [
        ({"text-0": "<b>Transparence</b>"}, "write plain text: remove the HTML tags"),
        ({"text-3": "javascript:alert(1)"}, "write plain text"),
        ({"text-0": "a" * 201}, "Ensure this value has at most 200 characters"),
        ({"text-1": "i" * 301}, "Ensure this value has at most 300 characters"),
    ]
    for posted, message in cases:
        response = client.post(
            VOCABULARY_PAGE, {"language": "fr", "text-4": "Consommation d'eau", **posted}
        )
        assert response.status_code == 400, posted
        assert message in response.content.decode(), posted
        assert titles_in("fr") == before
    # The language: unknown, or the page's original (every title is in English).
    for language in ("xx", "en", ""):
        response = client.post(VOCABULARY_PAGE, {"language": language, "text-0": "X"})
        assert response.status_code == 400
        assert "Choose a language other than the original&#x27;s." in response.content.decode()
    assert titles_in("fr") == before and titles_in("es")[0][1] == ""


def test_the_vocabulary_page_with_no_vocabulary(client, manager):
    client.force_login(manager)
    response = client.get(VOCABULARY_PAGE)
    assert response.status_code == 200
    assert "There is no text to translate." in response.content.decode()


def test_the_vocabulary_page_links_to_the_translation(client, manager, vocabulary):
    client.force_login(manager)
    page = client.get(reverse("knowledge:manage_vocabulary")).content.decode()
    assert f'href="{VOCABULARY_PAGE}"' in page


# --------------------------------------------------------------------------- action page


def test_the_action_page_saves_and_readers_see_the_translation(client, manager, action):
    address = reverse("knowledge:manage_action_translate", args=[action.pk])
    assert address == f"/manage/actions/{action.pk}/translate"
    client.force_login(manager)
    page = client.get(address).content.decode()
    assert rows(page) == [("Action", "Audit every refinery")]
    assert "Translate the action" in page
    assert f'href="/manage/actions/{action.pk}/"' in page
    response = client.post(address, {"language": "fr", "text-0": "Auditer\r\nchaque raffinerie"})
    assert response.status_code == 302
    assert response["Location"] == f"{address}?language=fr"
    action.refresh_from_db()
    assert action.text_in_fr == "Auditer chaque raffinerie"
    assert "Auditer chaque raffinerie" in reader("fr").get(CATALOGUE).content.decode()
    english = reader("en").get(CATALOGUE).content.decode()
    assert "Audit every refinery" in english and "Auditer" not in english
    # Removed: French readers see the original again, marked.
    assert client.post(address, {"language": "fr", "text-0": ""}).status_code == 302
    french = reader("fr").get(CATALOGUE).content.decode()
    assert "Auditer" not in french and '<span lang="en">Audit every refinery</span>' in french


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({"language": "fr", "text-0": "<b>Auditer</b>"}, "write plain text"),
        ({"language": "fr", "text-0": "a" * 2_001}, "at most 2000 characters"),
        ({"language": "en", "text-0": "Audit"}, "Choose a language other than the original"),
        ({"language": "xx", "text-0": "Audit"}, "Choose a language other than the original"),
        ({"text-0": "Audit"}, "Choose a language other than the original"),
    ],
)
def test_the_action_page_refuses_bad_input(client, manager, action, posted, message):
    client.force_login(manager)
    address = reverse("knowledge:manage_action_translate", args=[action.pk])
    response = client.post(address, posted)
    assert response.status_code == 400
    assert message in response.content.decode()
    action.refresh_from_db()
    assert (action.text_in_fr, action.text_in_en) == ("", "")


def test_the_action_page_of_a_french_action_offers_english(client, manager, action):
    CaseAction.objects.filter(pk=action.pk).update(language="fr", text="Auditer")
    client.force_login(manager)
    address = reverse("knowledge:manage_action_translate", args=[action.pk])
    page = client.get(address).content.decode()
    assert 'id="translate-en"' in page and 'id="translate-fr"' not in page
    assert client.post(address, {"language": "fr", "text-0": "X"}).status_code == 400
    assert client.post(address, {"language": "en", "text-0": "Audit"}).status_code == 302
    assert CaseAction.objects.get(pk=action.pk).text_in_en == "Audit"


def test_the_action_page_of_no_action_is_not_found(client, manager):
    client.force_login(manager)
    assert client.get("/manage/actions/999999/translate").status_code == 404
    assert client.post("/manage/actions/999999/translate", {"language": "fr"}).status_code == 404


def test_the_action_edit_page_links_to_the_translation(client, manager, action):
    client.force_login(manager)
    page = client.get(reverse("knowledge:manage_action", args=[action.pk])).content.decode()
    assert f'href="/manage/actions/{action.pk}/translate"' in page


def test_a_changed_text_still_drops_the_translation(manager, action):
    translating.translate_action(action=action, by=manager, language="fr", text="Auditer")
    actions.update_action(
        action=CaseAction.objects.get(pk=action.pk),
        by=manager,
        text="Audit every smelter",
        horizon=2030,
        case=action.case_id,
    )
    assert CaseAction.objects.get(pk=action.pk).text_in_fr == ""
