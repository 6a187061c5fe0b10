"""The interface's languages: the switcher on every page (Django's language cookie),
a signed-in person's choice stored in their profile and used on a browser that has no
cookie yet and for their mail, and the translation catalogues: complete, valid and in
step with the source."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from consult.models import Profile
from tests import factories
from tests.consult.factories import make_member

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"
CATALOGUE_LANGUAGES = ("es", "fr", "pt", "zh_Hans")
DOMAINS = ("django", "djangojs")


def catalogues():
    return [
        LOCALE / lang / "LC_MESSAGES" / f"{domain}.po"
        for lang in CATALOGUE_LANGUAGES
        for domain in DOMAINS
    ]


def test_the_interface_offers_five_languages():
    assert [code for code, _name in settings.LANGUAGES] == ["en", "es", "fr", "pt", "zh-hans"]
    assert [path for path in catalogues() if not path.exists()] == []


@pytest.mark.django_db
def test_every_page_has_the_switcher_and_a_choice_is_kept_in_the_cookie(client):
    home = client.get(reverse("frontend:home")).content.decode()
    assert f'action="{reverse("set_language")}"' in home
    assert '<option value="zh-hans" lang="zh-hans">简体中文</option>' in home
    response = client.post(
        reverse("set_language"), {"language": "zh-hans", "next": reverse("frontend:join")}
    )
    assert (response.status_code, response["Location"]) == (302, reverse("frontend:join"))
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    page = client.get(reverse("frontend:join")).content.decode()
    assert '<html lang="zh-hans">' in page
    assert '<option value="zh-hans" lang="zh-hans" selected>' in page


@pytest.mark.django_db
def test_the_participant_room_has_the_switcher(client):
    session = factories.make_session()
    participant = factories.make_participant(session=session, display_name="Ana")
    from django.http import HttpResponse

    from sessions import selectors

    response = HttpResponse()
    selectors.set_participant_cookie(response, participant=participant, secure=False)
    name = selectors.participant_cookie_name(session.code)
    client.cookies[name] = response.cookies[name].value
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    page = client.get(reverse("frontend:room", args=[session.code])).content.decode()
    assert '<html lang="es">' in page
    assert f'action="{reverse("set_language")}"' in page


@pytest.mark.django_db
def test_bad_choices_change_nothing(client):
    for data in ({"language": "xx"}, {"language": ""}, {}):
        response = client.post(reverse("set_language"), data)
        assert response.status_code in (302, 204)
        assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert client.get(reverse("set_language")).status_code == 405
    # An address elsewhere is not followed.
    response = client.post(
        reverse("set_language"), {"language": "fr", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_a_signed_in_choice_is_stored_and_follows_the_person_to_a_new_browser():
    member = make_member()
    assert Profile.objects.get(user=member).language == ""  # not chosen: the browser's
    first = Client()
    first.force_login(member)
    first.post(reverse("set_language"), {"language": "pt", "next": "/"})
    assert Profile.objects.get(user=member).language == "pt"

    other = Client(headers={"accept-language": "fr"})
    other.force_login(member)  # logging in keeps the profile's choice in the session
    page = other.get(reverse("frontend:home"))
    assert '<html lang="pt">' in page.content.decode()
    assert page.cookies[settings.LANGUAGE_COOKIE_NAME].value == "pt"
    # Without a choice, the browser's language applies.
    newcomer = make_member()
    browser = Client(headers={"accept-language": "fr"})
    browser.force_login(newcomer)
    assert '<html lang="fr">' in browser.get(reverse("frontend:home")).content.decode()


# ----------------------------------------------------------------- catalogues


@pytest.mark.parametrize("path", catalogues(), ids=lambda p: f"{p.parts[-3]}/{p.name}")
def test_each_catalogue_is_complete_and_valid(path):
    po = polib.pofile(str(path))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert untranslated == [], f"{len(untranslated)} untranslated in {path}: {untranslated[:10]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy in {path}: {fuzzy[:10]}"
    assert not po.metadata_is_fuzzy
    checked = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr


def _msgids(path: Path) -> set[tuple[str | None, str]]:
    return {(e.msgctxt, e.msgid) for e in polib.pofile(str(path)) if not e.obsolete}


def test_the_catalogues_hold_every_string_of_the_source(tmp_path):
    """``make messages`` on a copy of the source finds no string the committed
    catalogues lack (a new string must be translated in every language)."""
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "var", "tests", "bench", "node_modules", "*.pyc", "__pycache__",
            "*.mo", ".pytest_cache", ".ruff_cache", "db.sqlite3*",
        ),
    )  # fmt: skip
    env = {
        "DATABASE_URL": "sqlite:////tmp/makemessages-check.db",
        "DEBUG": "1",
        "PATH": "/usr/bin:/bin",
    }
    for domain in DOMAINS:
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "-l", "es", "-d", domain, "-v0"],
            cwd=copy,
            env={**env, "SECRET_KEY": "messages-check"},
            check=True,
        )
        fresh = _msgids(copy / "locale" / "es" / "LC_MESSAGES" / f"{domain}.po")
        for lang in CATALOGUE_LANGUAGES:
            committed = _msgids(LOCALE / lang / "LC_MESSAGES" / f"{domain}.po")
            missing = sorted(m for _c, m in fresh - committed)
            assert missing == [], f"not in {lang}/{domain}.po (run make messages): {missing[:10]}"
