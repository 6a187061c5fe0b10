"""The permission matrix of the consultation side: every page and API route, for every
role (anonymous, participant, moderator, organiser), on consultations that are open,
closed, in preparation (draft) and private, with the status code *and* the effect:
a write that is allowed changes exactly what it should, a refusal changes nothing.

One world of test data is built once for the module (inside a transaction rolled back
at the end); each case runs in its own savepoint, so the cases are independent and the
whole matrix stays fast. ``test_every_route_has_rows_in_the_matrix`` fails when a route
is added to ``consult/urls_pages.py`` or ``consult/api_urls.py`` without rows here.

Below the matrix: forged CSRF on every write, floods of comments, and bad input that
once crashed with a 500 instead of a clean refusal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from rest_framework.test import APIClient

from consult import api_urls, notifications, selectors, services, urls_pages
from consult.models import (
    Comment,
    Consultation,
    Disposition,
    Evidence,
    Follow,
    ModerationEntry,
    ProcessRole,
    Profile,
    Reaction,
    Report,
    ValidationAnswer,
    ValidationRound,
    Version,
)
from tests.caches import clear_cache
from tests.consult.factories import make_consultation, make_member, make_process
from tests.factories import login_cookie
from tests.matrix import assert_rows_for_every_route, module_world

pytestmark = pytest.mark.django_db  # each case in a savepoint of the module's transaction

ROLES = ("anonymous", "participant", "moderator", "organiser")
STATES = ("open", "closed", "draft", "private")
TITLES = {s: f"{s.capitalize()} consultation on the mobility roadmap" for s in STATES}

LOGIN_TO_READ = "Log in to read this consultation."
NOT_OPEN = "This consultation is not open for comments."
ONLY_ORGANISERS = "Only the organisers of this process can do this."
ONLY_MODERATORS = "Only moderators can do this."
NOT_YOURS = "You can only change your own comments."
ROUND_CLOSED = "This validation round is closed."
RESULTS_LATER = "Results are shown when the round closes."
NOT_AUTHENTICATED = "Authentication credentials were not provided."


# --------------------------------------------------------------------------- the world


def _first_section(consultation):
    return selectors.latest_version(consultation).texts.order_by("position")[0].section


def _evidence(section) -> Evidence:
    return Evidence.objects.create(
        section=section,
        title="Vision vote in the Nairobi workshop",
        url="/events/1/",
        source_key=f"live.activity:{section.pk}",
        results=[{"label": "Agree", "value": 12, "share": 60.0, "detail": ""}],
        responses=20,
        collected_at=timezone.now(),
    )


def build_world() -> SimpleNamespace:
    """One process with a consultation in each state, its people, comments (one by the
    participant, one by someone else), validation rounds, answers and evidence."""
    process = make_process(owner=make_member(password=None))
    users = {
        "participant": make_member(group="policy", password=None),
        "moderator": make_member(role=ProcessRole.Role.MODERATOR, process=process, password=None),
        "organiser": make_member(role=ProcessRole.Role.ORGANISER, process=process, password=None),
    }
    other = make_member(group="finance", password=None)
    owner = process.owner
    w = SimpleNamespace(
        users=users, other=other, c={}, section={}, mine={}, theirs={}, round={}, answer={},
        evidence={},
    )  # fmt: skip
    for state in STATES:
        consultation = make_consultation(
            process=process,
            status="draft" if state == "draft" else "open",
            slug=f"{state}-draft",
            title=TITLES[state],
            is_public=state != "private",
        )
        section = _first_section(consultation)
        w.c[state], w.section[state] = consultation, section
        w.evidence[state] = _evidence(section)
        if state == "draft":
            continue
        w.theirs[state] = services.add_comment(section=section, author=other, body="Theirs")
        w.mine[state] = services.add_comment(section=section, author=users["participant"],
                                             body="Mine")  # fmt: skip
        version = selectors.latest_version(consultation)
        if state == "open":  # a round that is over, with an answer already answered
            done = services.open_round(consultation=consultation, by=owner, version=version)
            old = services.answer_section(
                round=done, section=section, user=other, verdict="disagree", reason="Too slow"
            )
            services.set_disposition(by=owner, answer=old, decision="partly", response="Noted.")
            services.close_round(round=done, by=owner)
            w.round_done = done
        w.round[state] = services.open_round(consultation=consultation, by=owner, version=version)
        w.answer[state] = services.answer_section(
            round=w.round[state], section=section, user=other, verdict="agree_with_changes",
            reason="Say 2035.",
        )  # fmt: skip
        if state == "closed":  # closed while its round still runs
            services.set_status(consultation=consultation, by=owner, status="closed")
    # Another process, whose organisers are not ours.
    elsewhere = make_consultation(slug="elsewhere", title="Elsewhere")
    w.elsewhere = services.add_comment(section=_first_section(elsewhere), author=other, body="X")
    # Processes with less to show: one whose only consultation is for accounts, one in
    # preparation (only a draft) that our organiser organises and our moderator moderates.
    w.process = {
        "main": process,
        "elsewhere": elsewhere.process,
        "members": make_consultation(is_public=False, slug="members").process,
        "preparing": make_consultation(process=make_process(owner=owner), status="draft",
                                       slug="preparing").process,
    }  # fmt: skip
    for role in ("organiser", "moderator"):
        ProcessRole.objects.create(process=w.process["preparing"], user=users[role], role=role)
    # An open consultation with no round running: a round opens there (consult:open_round).
    w.idle = make_consultation(process=process, slug="idle-draft", title="Idle consultation")
    Follow.objects.all().delete()  # commenting follows; start the matrix with none
    w.token = notifications.unsubscribe_token(users["participant"])
    w.sessions = {role: login_cookie(user) for role, user in users.items()}
    return w


world = module_world(build_world)


@pytest.fixture(scope="module")
def clients() -> dict[str, Client]:
    """Clients for the module: a new test client loads the middleware again, and
    WhiteNoise's scan of the static files costs more than a case. The ``csrf`` ones check
    CSRF tokens as a browser's requests are checked."""
    return {
        "page": Client(),
        "api": APIClient(),
        "page-csrf": Client(enforce_csrf_checks=True),
        "api-csrf": APIClient(enforce_csrf_checks=True),
    }


def client_as(clients: dict[str, Client], kind: str, role: str, world) -> Client:
    client = clients[kind]
    client.cookies.clear()  # no session, CSRF or flash message left by another case
    if role != "anonymous":  # logged in as by a browser, once for the whole module
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return client


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """DRF keeps request histories for its throttles in the cache; each case starts clean."""
    clear_cache()


SNAPSHOT = {  # key: (model, the fields whose change is an effect)
    "texts": (Comment, ("body", "edited_at")),
    "states": (Comment, ("deleted_at", "hidden_at", "hidden_reason")),
    "reactions": (Reaction, ("kind",)),
    "reports": (Report, ("reason",)),
    "moderation": (ModerationEntry, ("action",)),
    "answers": (ValidationAnswer, ("verdict", "reason")),
    "dispositions": (Disposition, ("decision", "response")),
    "follows": (Follow, ("user_id", "consultation_id")),
    "notify": (Profile, ("notify",)),
    "evidence": (Evidence, ("section_id",)),
    "translations": (Consultation, ("title_in_es", "summary_in_es")),
    "consultations": (Consultation, ("status",)),
    "versions": (Version, ("number", "title")),
    "rounds": (ValidationRound, ("closed_at",)),
}


def snapshot() -> dict[str, tuple]:
    """Everything a consultation route may write, to compare before and after a request:
    for each key, the rows as (pk, *fields), read in one query on PostgreSQL."""
    if connection.vendor != "postgresql":
        return {
            key: tuple(model.objects.order_by("pk").values_list("pk", *fields))
            for key, (model, fields) in SNAPSHOT.items()
        }
    parts = []
    for model, fields in SNAPSHOT.values():  # names from the models, never from input
        columns = ", ".join(["id", *(model._meta.get_field(f).column for f in fields)])
        rows = f"json_agg(json_build_array({columns}) ORDER BY id)"
        parts.append(f"(SELECT coalesce({rows}, '[]') FROM {model._meta.db_table})")  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        values = cursor.fetchone()
    return {
        key: tuple(tuple(row) for row in found) for key, found in zip(SNAPSHOT, values, strict=True)
    }


def assert_effect(before: dict, after: dict, effect: dict[str, Any]) -> None:
    """``effect`` maps a snapshot key to +n / -n (rows added or removed, the others
    kept), "changed" or "may" (a side effect); every other key must be unchanged."""
    for key, old in before.items():
        new, want = after[key], effect.get(key)
        if want == "may":
            continue
        if want is None:
            assert new == old, f"{key} changed: {old!r} -> {new!r}"
        elif want == "changed":
            assert new != old, f"{key} did not change"
        else:  # rows added (or removed) and the others as they were
            assert len(new) - len(old) == want, f"{key}: {len(old)} -> {len(new)} rows"
            kept, grown = (set(new), set(old)) if want > 0 else (set(old), set(new))
            assert grown <= kept, f"{key}: rows that were there changed"


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class Outcome:
    status: int | tuple[int, ...]
    effect: dict[str, Any] = field(default_factory=dict)
    says: str = ""  # in the body, or in a flash message
    lacks: str = ""  # never in the body
    location: str = ""  # in the redirect's Location


@dataclass(frozen=True)
class Case:
    route: str
    method: str
    state: str
    target: str
    role: str
    outcome: Outcome
    query: str = ""

    @property
    def id(self) -> str:
        where = f"{self.state}/{self.target}" if self.target else self.state
        return f"{self.route} {self.method} {where} {self.role} -> {self.outcome.status}"

    def expecting(self, outcome: Outcome) -> Case:
        return replace(self, outcome=outcome)


LOGIN = Outcome(302, location="/accounts/login/")
NOT_FOUND = Outcome(404)
NOT_ALLOWED = Outcome(405)

ADDED_COMMENT = {"texts": 1, "states": 1, "follows": "may"}
EFFECTS = {
    "add_comment": ADDED_COMMENT,
    "edit_comment": {"texts": "changed"},
    "delete_comment": {"texts": "changed", "states": "changed"},
    "react": {"reactions": 1},
    "report": {"reports": 1},
    "moderate": {"states": "changed", "moderation": 1},
    "set_disposition": {"dispositions": 1},
    "answer": {"answers": 1},
    "follow": {"follows": 1},
    "unsubscribe": {"notify": "changed"},
    "detach_evidence": {"evidence": -1},
    "translate": {"translations": "changed"},
    "set_status": {"consultations": "changed"},
    "publish_version": {"versions": 1},
    "open_round": {"rounds": 1},
    "close_round": {"rounds": "changed"},
    "new_consultation": {"consultations": 1, "translations": 1},
}


def each(outcome: Outcome) -> dict[str, Outcome]:
    return dict.fromkeys(ROLES, outcome)


def roles(anonymous, participant, moderator, organiser) -> dict[str, Outcome]:
    return dict(zip(ROLES, (anonymous, participant, moderator, organiser), strict=True))


def readers(state: str, ok: Outcome, *, api: bool = False) -> dict[str, Outcome]:
    """Who reads what: drafts only their organisers (everyone else gets a 404, as if it
    did not exist), private consultations those with an account."""
    if state == "draft":
        return roles(NOT_FOUND, NOT_FOUND, NOT_FOUND, ok)
    if state == "private":
        return roles(NOT_FOUND if api else Outcome(403, says=LOGIN_TO_READ), ok, ok, ok)
    return each(ok)


MATRIX: list[Case] = []


def rows(route: str, method: str, state: str, outcomes: dict[str, Outcome], target: str = ""):
    assert set(outcomes) == set(ROLES), f"{route}: a role is missing"
    MATRIX.extend(Case(route, method, state, target, r, outcomes[r]) for r in ROLES)


# Pages anyone may read (depending on the consultation) -------------------------------

for name in ("consultation", "section", "moderation_log", "validate", "you_said_we_did"):
    route = f"consult:{name}"
    for state in STATES:
        rows(route, "GET", state, readers(state, Outcome(200, says=TITLES[state])))
    # A read page takes no write: posting to it renders it or refuses the method.
    rows(route, "POST", "open", each(Outcome((200, 405))))

rows("consult:terms", "GET", "", each(Outcome(200, says="Terms")))
rows("consult:terms", "POST", "", each(NOT_ALLOWED))

# Who sees which forms on the pages they may read.
rows("consult:section", "GET", "open", roles(
    Outcome(200, lacks='name="body"'),
    Outcome(200, says='name="body"', lacks="Reason for hiding"),
    Outcome(200, says="Reason for hiding"),
    Outcome(200, says="Reason for hiding"),
), target="forms")  # fmt: skip
rows("consult:section", "GET", "closed", each(Outcome(200, lacks='name="body"')), target="forms")
# The "Find themes" link (synthesis/consult_themes.py): for moderators and organisers.
rows("consult:section", "GET", "open", roles(
    Outcome(200, lacks="Find themes"), Outcome(200, lacks="Find themes"),
    Outcome(200, says="Find themes"), Outcome(200, says="Find themes"),
), target="links")  # fmt: skip
rows("consult:you_said_we_did", "GET", "open", roles(
    Outcome(200, lacks="Save answer"),
    Outcome(200, lacks="Save answer"),
    Outcome(200, lacks="Save answer"),
    Outcome(200, says="Save answer"),
), target="forms")  # fmt: skip
for state in STATES:
    rows("consult:you_said_we_did", "GET", state, readers(state, Outcome(200, says="Theirs")
         if state != "draft" else Outcome(200)), target="csv")  # fmt: skip
# A running round's reasons and who gave them: only for those who may see its results
# (below), on the page and in the downloads; a closed round's for every reader.
for state in ("open", "closed", "private"):
    for target in ("running", "running-csv"):
        hidden = Outcome(200, lacks="Say 2035.")
        rows("consult:you_said_we_did", "GET", state, roles(
            Outcome(403, says=LOGIN_TO_READ) if state == "private" else hidden,
            hidden, Outcome(200, says="Say 2035."), Outcome(200, says="Say 2035."),
        ), target=target)  # fmt: skip
for target in ("done", "done-csv"):
    rows("consult:you_said_we_did", "GET", "open", each(Outcome(200, says="Too slow")),
         target=target)  # fmt: skip

# Validation results: everyone once the round is over, moderators and organisers before.
rows("consult:round_results", "GET", "open", each(Outcome(200)), target="done")
for state in ("open", "closed", "private"):
    early = Outcome(403, says=RESULTS_LATER)
    rows("consult:round_results", "GET", state, roles(
        Outcome(403, says=LOGIN_TO_READ) if state == "private" else early,
        early, Outcome(200), Outcome(200),
    ), target="running")  # fmt: skip
rows("consult:round_results", "GET", "draft", each(NOT_FOUND), target="elsewhere")
rows("consult:round_results", "POST", "open", each(Outcome((200, 405))), target="done")

# The unsubscribe link: the signed token is the credential, whoever clicks it.
for method in ("GET", "POST"):
    clicked = Outcome(200, effect=EFFECTS["unsubscribe"] if method == "POST" else {})
    rows("consult:unsubscribe", method, "", each(clicked), target="valid")
    rows("consult:unsubscribe", method, "", each(Outcome(400)), target="forged")

# Writes on pages ----------------------------------------------------------------------


def done(name: str, status: int = 302, says: str = "") -> Outcome:
    return Outcome(status, effect=EFFECTS[name], says=says)


for state in STATES:
    # Commenting: people with an account, while the consultation is open.
    rows("consult:add_comment", "POST", state, {
        "open": roles(LOGIN, *[done("add_comment", says="Your comment is published.")] * 3),
        "closed": roles(LOGIN, *[Outcome(403, says=NOT_OPEN)] * 3),
        "draft": roles(LOGIN, NOT_FOUND, NOT_FOUND, Outcome(403, says=NOT_OPEN)),
        "private": roles(LOGIN, *[done("add_comment")] * 3),
    }[state])  # fmt: skip
    # Following: anyone with an account who may read it.
    rows("consult:follow", "POST", state, {
        "draft": roles(LOGIN, NOT_FOUND, NOT_FOUND, done("follow")),
    }.get(state, roles(LOGIN, *[done("follow")] * 3)))  # fmt: skip
    # Answering the running validation round.
    rows("consult:answer", "POST", state, {
        "open": roles(LOGIN, *[done("answer", says="Answer saved.")] * 3),
        "closed": roles(LOGIN, *[Outcome(400, says=ROUND_CLOSED)] * 3),
        "draft": roles(LOGIN, NOT_FOUND, NOT_FOUND,
                       Outcome(302, says="No validation round is running.")),
        "private": roles(LOGIN, *[done("answer")] * 3),
    }[state])  # fmt: skip
    # Removing evidence from a section: organisers only.
    organisers_only = roles(
        Outcome(403, says=LOGIN_TO_READ if state == "private" else ONLY_ORGANISERS),
        Outcome(403, says=ONLY_ORGANISERS),
        Outcome(403, says=ONLY_ORGANISERS),
        done("detach_evidence", says="The evidence is removed"),
    )
    if state == "draft":
        organisers_only = roles(NOT_FOUND, NOT_FOUND, NOT_FOUND, done("detach_evidence"))
    rows("consult:detach_evidence", "POST", state, organisers_only)

# Translating a consultation (consult/translation_views.py): its organisers only.
for state in STATES:
    refused = Outcome(403, says=ONLY_ORGANISERS)
    hidden = NOT_FOUND if state == "draft" else refused
    for method, ok in (
        ("GET", Outcome(200, says="Translate")),
        ("POST", done("translate", says="Translation into Español saved.")),
    ):
        rows("consult:translate", method, state, roles(LOGIN, hidden, hidden, ok))

# The organisers' pages (consult/manage_views.py): the process's organisers only; a draft
# is not found for anyone else, as every page of it. Writes send the anonymous to log in.
for state in STATES:
    refused = Outcome(403, says=ONLY_ORGANISERS)
    hidden = NOT_FOUND if state == "draft" else refused
    rows("consult:manage", "GET", state, roles(
        LOGIN, hidden, hidden, Outcome(200, says=f"Manage {TITLES[state]}"),
    ))  # fmt: skip
    rows("consult:publish_version", "GET", state, roles(
        LOGIN, hidden, hidden, Outcome(200, says="Publish a new version"),
    ))  # fmt: skip
    rows("consult:publish_version", "POST", state, roles(
        LOGIN, hidden, hidden, done("publish_version", says="Version 2 is published"),
    ))  # fmt: skip
    # open -> closed, closed -> open, draft -> open; to "draft" never.
    rows("consult:set_status", "POST", state, roles(
        LOGIN, hidden, hidden, done("set_status", says="The consultation is now"),
    ))  # fmt: skip
    rows("consult:set_status", "POST", state, roles(
        LOGIN, hidden, hidden, Outcome(400, says="cannot go from"),
    ), target="invalid")  # fmt: skip
    # Every state of the world has a round running, or is not open.
    refusal = "Close the running round first." if state in ("open", "private") else (
        "Open the consultation first.")  # fmt: skip
    rows("consult:open_round", "POST", state, roles(
        LOGIN, hidden, hidden, Outcome(400, says=refusal),
    ))  # fmt: skip
    if state != "draft":
        rows("consult:close_round", "POST", state, roles(
            LOGIN, refused, refused, done("close_round", says="is closed"),
        ), target="running")  # fmt: skip
refused = Outcome(403, says=ONLY_ORGANISERS)
rows("consult:open_round", "POST", "open", roles(
    LOGIN, refused, refused, done("open_round", says="is open: participants can answer"),
), target="idle")  # fmt: skip
# Closing a closed round changes nothing; another consultation's round is not found.
rows("consult:close_round", "POST", "open", roles(
    LOGIN, refused, refused, Outcome(302, says="is closed"),
), target="done")  # fmt: skip
rows("consult:close_round", "POST", "draft", roles(LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND),
     target="elsewhere")  # fmt: skip
rows("consult:manage", "POST", "open", each(NOT_ALLOWED))
rows("consult:publish_version", "PUT", "open", roles(LOGIN, *[NOT_ALLOWED] * 3))
for name in ("set_status", "open_round", "close_round"):
    rows(f"consult:{name}", "GET", "open", each(NOT_ALLOWED),
         target="running" if name == "close_round" else "")  # fmt: skip
# A new consultation in a process: its organisers (the owner, or with the role).
created = done("new_consultation", says="The consultation is created.")
for target, ok in (("main", True), ("preparing", True), ("elsewhere", False)):
    shown = Outcome(200, says="New consultation in") if ok else refused
    rows("consult:new_consultation", "GET", "", roles(LOGIN, refused, refused, shown),
         target=target)  # fmt: skip
    rows("consult:new_consultation", "POST", "", roles(
        LOGIN, refused, refused, created if ok else refused,
    ), target=target)  # fmt: skip
rows("consult:new_consultation", "GET", "", roles(LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND),
     target="unknown")  # fmt: skip
rows("consult:new_consultation", "PUT", "", roles(LOGIN, *[NOT_ALLOWED] * 3), target="main")

# On comments. In the draft row the comment belongs to another consultation: 404.
for state in ("open", "closed", "private"):
    unread = Outcome(403, says=LOGIN_TO_READ) if state == "private" else None
    for name in ("edit_comment", "delete_comment"):
        refused = Outcome(403, says=NOT_YOURS)
        rows(f"consult:{name}", "POST", state, roles(unread or refused, refused, refused, refused),
             target="theirs")  # fmt: skip
        own = done(name) if state != "closed" else Outcome(403, says=NOT_OPEN)
        rows(f"consult:{name}", "POST", state, roles(unread or refused, own, refused, refused),
             target="mine")  # fmt: skip
    rows("consult:react", "POST", state, roles(LOGIN, *[done("react")] * 3), target="theirs")
    thanks = done("report", says="Thank you. A moderator will look at it.")
    rows("consult:report", "POST", state, roles(unread or LOGIN, thanks, thanks, thanks),
         target="theirs")  # fmt: skip
    no_mod = Outcome(403, says=ONLY_MODERATORS)
    rows("consult:moderate", "POST", state, roles(
        unread or no_mod, no_mod, done("moderate", says="Done."), done("moderate"),
    ), target="theirs")  # fmt: skip
    for kind in ("comment", "validation"):
        no_org = Outcome(403, says=ONLY_ORGANISERS)
        rows("consult:set_disposition", "POST", state, roles(
            unread or no_org, no_org, no_org, done("set_disposition", says="Answer saved."),
        ), target=kind)  # fmt: skip

for name in ("edit_comment", "delete_comment", "report", "moderate"):
    rows(f"consult:{name}", "POST", "draft", each(NOT_FOUND), target="elsewhere")
rows("consult:react", "POST", "draft", roles(LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND),
     target="elsewhere")  # fmt: skip
rows("consult:set_disposition", "POST", "draft", each(NOT_FOUND), target="elsewhere")

# Write-only pages refuse GET.
for name in ("add_comment", "follow", "answer", "detach_evidence", "edit_comment",
             "delete_comment", "react", "report", "moderate", "set_disposition"):  # fmt: skip
    rows(f"consult:{name}", "GET", "open", each(NOT_ALLOWED),
         target="comment" if name == "set_disposition" else "theirs")  # fmt: skip

# The API ------------------------------------------------------------------------------

API_DONE = {
    "comment": ADDED_COMMENT,
    "patch": {"texts": "changed"},
    "delete": {"texts": "changed", "states": "changed"},
    "answer": {"answers": 1},
    "disposition": {"dispositions": 1},
}
API_ANON = Outcome(403, says=NOT_AUTHENTICATED)

for route in ("api-root", "process-list", "consultation-list", "api-schema", "api-docs"):
    for suffix in ("", ".format") if route in ("api-root", "process-list",
                                               "consultation-list") else ("",):  # fmt: skip
        rows(route + suffix, "GET", "", each(Outcome(200)))
        rows(route + suffix, "POST", "", each(NOT_ALLOWED))
for route in ("process-detail", "process-detail.format"):
    rows(route, "GET", "", each(Outcome(200, says="Roadmap")))
# Processes: those with a consultation the reader may read, and those they organise
# (the pages show a draft to its organisers only, not to its moderators).
rows("process-list", "GET", "", roles(
    Outcome(200, says="main elsewhere"),
    Outcome(200, says="main elsewhere members"),
    Outcome(200, says="main elsewhere members"),
    Outcome(200, says="main elsewhere members preparing"),
), target="visible")  # fmt: skip
rows("process-detail", "GET", "", roles(NOT_FOUND, *[Outcome(200, says="Roadmap")] * 3),
     target="members")  # fmt: skip
rows("process-detail", "GET", "", roles(NOT_FOUND, NOT_FOUND, NOT_FOUND,
                                        Outcome(200, says="Roadmap")), target="preparing")  # fmt: skip
# Read-only resources refuse every write method.
for method in ("PUT", "PATCH", "DELETE"):
    rows("process-detail", method, "", each(NOT_ALLOWED))
    rows("consultation-detail", method, "draft", each(NOT_ALLOWED))
rows("process-detail.format", "DELETE", "", each(NOT_ALLOWED))
rows("consultation-detail.format", "PATCH", "open", each(NOT_ALLOWED))
rows("api-versions", "POST", "open", each(NOT_ALLOWED))

# Which consultations each role finds in the list.
rows("consultation-list", "GET", "", roles(
    Outcome(200, says="open closed"),
    Outcome(200, says="open closed private"),
    Outcome(200, says="open closed private"),
    Outcome(200, says="open closed draft private"),
), target="visible")  # fmt: skip

for state in STATES:
    read = readers(state, Outcome(200, says=TITLES[state]), api=True)
    rows("consultation-detail", "GET", state, read)
    if state in ("open", "draft"):
        rows("consultation-detail.format", "GET", state, read)
    rows("api-versions", "GET", state, readers(state, Outcome(200, says="Vision 2050"), api=True))
    listed = Outcome(200, says="Theirs" if state != "draft" else "[]")
    rows("api-section-comments", "GET", state, readers(state, listed, api=True))
    rows("api-section-comments", "POST", state, {
        "open": roles(API_ANON, *[Outcome(201, effect=API_DONE["comment"])] * 3),
        "closed": roles(API_ANON, *[Outcome(403, says=NOT_OPEN)] * 3),
        "draft": roles(API_ANON, NOT_FOUND, NOT_FOUND, Outcome(403, says=NOT_OPEN)),
        "private": roles(API_ANON, *[Outcome(201, effect=API_DONE["comment"])] * 3),
    }[state])  # fmt: skip

for state in ("open", "closed", "private"):
    refused = Outcome(403, says=NOT_YOURS)
    rows("api-comment", "GET", state, readers(state, Outcome(200, says="Theirs"), api=True),
         target="theirs")  # fmt: skip
    for method, ok in (("PATCH", 200), ("DELETE", 204)):
        effect = API_DONE[method.lower()]
        rows("api-comment", method, state, roles(API_ANON, refused, refused, refused),
             target="theirs")  # fmt: skip
        own = Outcome(ok, effect=effect) if state != "closed" else Outcome(403, says=NOT_OPEN)
        rows("api-comment", method, state, roles(API_ANON, own, refused, refused), target="mine")

    answered = Outcome(200, effect=API_DONE["answer"])
    rows("api-round-answer", "POST", state, roles(API_ANON, *(
        [Outcome(400, says=ROUND_CLOSED)] * 3 if state == "closed" else [answered] * 3
    )), target="running")  # fmt: skip

    no_org = Outcome(403, says=ONLY_ORGANISERS)
    for kind in ("comment", "answer"):
        rows("api-dispositions", "POST", state, roles(
            API_ANON, no_org, no_org, Outcome(201, effect=API_DONE["disposition"]),
        ), target=kind)  # fmt: skip
rows("api-round-answer", "POST", "open", roles(API_ANON, *[Outcome(400, says=ROUND_CLOSED)] * 3),
     target="done")  # fmt: skip
rows("api-dispositions", "POST", "", roles(API_ANON, *[Outcome(403, says=ONLY_ORGANISERS)] * 3),
     target="elsewhere")  # fmt: skip
rows("api-dispositions", "GET", "", each(NOT_ALLOWED))
rows("api-comment", "PUT", "open", each(NOT_ALLOWED), target="mine")
rows("api-round-answer", "GET", "open", each(NOT_ALLOWED), target="running")


# --------------------------------------------------------------------------- requests


def _args(w, state: str) -> list[str]:
    consultation = w.c[state]
    return [consultation.process.slug, consultation.slug]


def _comment(w, state: str, target: str) -> Comment:
    if target == "elsewhere" or state == "draft":
        return w.theirs["open"]  # not in this consultation
    return w.mine[state] if target == "mine" else w.theirs[state]


def _input(w, state: str, target: str):
    if target in ("validation", "answer"):
        return w.answer[state]
    if target == "elsewhere":
        return w.elsewhere if state == "" else w.theirs["open"]
    return w.theirs[state]


def _round(w, state: str, target: str):
    return w.round_done if target == "done" else w.round.get(state, w.round_done)


def _page(name: str, *extra: Callable) -> Callable:
    def build(w, state: str, target: str) -> str:
        args = [*_args(w, state), *(f(w, state, target) for f in extra)]
        return reverse(f"consult:{name}", args=args)

    return build


def _managed(w, state: str, target: str) -> Consultation:
    return w.idle if target == "idle" else w.c[state]


def _manage(name: str, *extra: Callable) -> Callable:
    def build(w, state: str, target: str) -> str:
        consultation = _managed(w, state, target)
        more = [f(w, state, target) for f in extra]
        return reverse(
            f"consult:{name}", args=[consultation.process.slug, consultation.slug, *more]
        )

    return build


def _section_pk(w, s, t):
    return w.section[s].pk


def _comment_pk(w, s, t):
    return _comment(w, s, t).pk


def _api(name: str, pk: Callable | None = None) -> Callable:
    def build(w, state: str, target: str) -> str:
        kwargs = {"pk": pk(w, state, target)} if pk else {}
        if name.endswith(".format"):
            return reverse(name.removesuffix(".format"), kwargs={**kwargs, "format": "json"})
        return reverse(name, kwargs=kwargs)

    return build


URLS: dict[str, Callable[[Any, str, str], str]] = {
    "consult:terms": lambda w, s, t: reverse("consult:terms"),
    "consult:unsubscribe": lambda w, s, t: reverse(
        "consult:unsubscribe", args=[w.token if t == "valid" else "forged-token"]
    ),
    "consult:consultation": _page("consultation"),
    "consult:follow": _page("follow"),
    "consult:translate": lambda w, s, t: _page("translate")(w, s, t) + "?language=es",
    "consult:moderation_log": _page("moderation_log"),
    "consult:validate": _page("validate"),
    "consult:you_said_we_did": lambda w, s, t: (
        _page("you_said_we_did")(w, s, t) + ("?format=csv" if t.endswith("csv") else "")
    ),
    "consult:answer": _page("answer", _section_pk),
    "consult:round_results": _page("round_results", lambda w, s, t: _round(w, s, t).pk),
    "consult:set_disposition": _page(
        "set_disposition",
        lambda w, s, t: "validation" if t == "validation" else "comment",
        lambda w, s, t: _input(w, s, t).pk,
    ),
    "consult:section": _page("section", _section_pk),
    "consult:add_comment": _page("add_comment", _section_pk),
    "consult:detach_evidence": _page("detach_evidence", lambda w, s, t: w.evidence[s].pk),
    "consult:manage": _manage("manage"),
    "consult:set_status": _manage("set_status"),
    "consult:publish_version": _manage("publish_version"),
    "consult:open_round": _manage("open_round"),
    "consult:close_round": _manage(
        "close_round",
        lambda w, s, t: w.round["open"].pk if t == "elsewhere" else _round(w, s, t).pk,
    ),
    "consult:new_consultation": lambda w, s, t: reverse(
        "consult:new_consultation",
        args=["no-such-process" if t == "unknown" else w.process[t].slug],
    ),
    **{
        f"consult:{name}": _page(name, _comment_pk)
        for name in ("edit_comment", "delete_comment", "react", "report", "moderate")
    },
    "api-root": _api("api-root"),
    "api-root.format": _api("api-root.format"),
    "process-list": _api("process-list"),
    "process-list.format": _api("process-list.format"),
    "process-detail": _api("process-detail", lambda w, s, t: w.process[t or "main"].pk),
    "process-detail.format": _api("process-detail.format", lambda w, s, t: w.process["main"].pk),
    "consultation-list": _api("consultation-list"),
    "consultation-list.format": _api("consultation-list.format"),
    "consultation-detail": _api("consultation-detail", lambda w, s, t: w.c[s].pk),
    "consultation-detail.format": _api("consultation-detail.format", lambda w, s, t: w.c[s].pk),
    "api-versions": _api("api-versions", lambda w, s, t: w.c[s].pk),
    "api-section-comments": _api("api-section-comments", _section_pk),
    "api-comment": _api("api-comment", _comment_pk),
    "api-round-answer": _api("api-round-answer", lambda w, s, t: _round(w, s, t).pk),
    "api-dispositions": _api("api-dispositions"),
    "api-schema": _api("api-schema"),
    "api-docs": _api("api-docs"),
}

PAYLOADS: dict[str, Callable[[Any, str, str], dict]] = {
    "consult:follow": lambda w, s, t: {"on": "1"},
    "consult:translate": lambda w, s, t: {
        "language": "es",
        "text-0": "Consulta abierta",
        "text-1": "Resumen",
    },
    "consult:answer": lambda w, s, t: {"verdict": "agree_with_changes", "reason": "Say 2035."},
    "consult:set_status": lambda w, s, t: {
        "status": "draft" if t == "invalid" else "closed" if s in ("open", "private") else "open"
    },
    "consult:publish_version": lambda w, s, t: {
        "title": "Second draft",
        "text": "## [vision] Vision 2050\n\nMinerals are sourced **responsibly**.\n\n"
        "## Recycling\n\nHalf of all batteries by 2030.",
    },
    "consult:open_round": lambda w, s, t: {
        "version": selectors.latest_version(_managed(w, s, t)).pk,
        "title": "Second opinion",
    },
    "consult:new_consultation": lambda w, s, t: {
        "title": "Water use in mining",
        "slug": "",
        "time_zone": "Africa/Nairobi",
        "language": "en",
        "opens_at": "2027-01-10T08:00",
        "closes_at": "2027-02-10T08:00",
        "is_public": "on",
    },
    "consult:set_disposition": lambda w, s, t: {"decision": "accepted", "response": "Added."},
    "consult:add_comment": lambda w, s, t: {"body": "Add recycling targets."},
    "consult:edit_comment": lambda w, s, t: {"body": "Mine, edited"},
    "consult:react": lambda w, s, t: {"kind": "agree"},
    "consult:report": lambda w, s, t: {"reason": "Advertising"},
    "consult:moderate": lambda w, s, t: {"action": "hide", "reason": "Off topic"},
    "api-section-comments": lambda w, s, t: {"body": "Add recycling targets."},
    "api-comment": lambda w, s, t: {"body": "Mine, edited"},
    "api-round-answer": lambda w, s, t: {
        "section": w.section[s].pk,
        "verdict": "agree_with_changes",
        "reason": "Say 2035.",
    },
    "api-dispositions": lambda w, s, t: {
        "answer" if t == "answer" else "comment": _input(w, s, t).pk,
        "decision": "accepted",
        "response": "Added.",
    },
}


def send(client: Client, method: str, url: str, data: Any, headers: dict | None = None):
    headers = headers or {}
    if method == "GET":
        return client.get(url, headers=headers)
    if isinstance(client, APIClient):
        body = json.dumps(data).encode()
        return client.generic(method, url, body, "application/json", headers=headers)
    if method == "POST":
        return client.post(url, data, headers=headers)
    return client.generic(method, url, headers=headers)


def said(response) -> str:
    """The response's text and the messages flashed with it."""
    flashed = " ".join(str(m) for m in get_messages(response.wsgi_request))
    return response.content.decode(errors="replace") + " " + flashed


def _visible(response, w) -> str:
    """The world's consultations in the list, by state, or its processes, by name."""
    found = response.json()
    found = found["results"] if isinstance(found, dict) else found
    ids = {row["id"] for row in found}
    if response.wsgi_request.path.startswith("/api/processes/"):
        return " ".join(name for name, process in w.process.items() if process.pk in ids)
    return " ".join(s for s in STATES if w.c[s].pk in ids)


def assert_api_error(response) -> None:
    """An API refusal is in the API's one error shape (consult/api_errors.py)."""
    assert response["Content-Type"] == "application/json", response["Content-Type"]
    body = response.json()
    assert list(body) == ["error"] and {"code", "message"} <= set(body["error"]), body
    assert set(body["error"]) <= {"code", "message", "fields"}, body


def run(world, client: Client, case: Case, *, data: Any = None, headers: dict | None = None):
    """Send the case's request and check its status, text and effect on the database."""
    url = URLS[case.route](world, case.state, case.target) + case.query
    write = case.method != "GET"
    if data is None:
        payload = PAYLOADS.get(case.route)
        data = payload(world, case.state, case.target) if payload and write else {}
    before = snapshot() if write else None
    response = send(client, case.method, url, data, headers)
    expected = case.outcome
    statuses = expected.status if isinstance(expected.status, tuple) else (expected.status,)
    text = said(response)
    assert response.status_code in statuses, text[:2000]
    if case.target == "visible":  # exactly these consultations in the list
        assert _visible(response, world) == expected.says
    elif expected.says:
        assert expected.says in text, text[:2000]
    if expected.lacks:
        assert expected.lacks not in text
    if expected.location:
        assert expected.location in response["Location"]
    if isinstance(client, APIClient) and response.status_code >= 400:
        assert_api_error(response)
    if write:
        assert_effect(before, snapshot(), expected.effect)
    else:
        assert not expected.effect, "a GET row cannot expect an effect"
    if case.target.endswith("csv") and response.status_code == 200:
        assert response["Content-Type"].startswith("text/csv")
    return response


def _kind(case: Case) -> str:
    return "page" if case.route.startswith("consult:") else "api"


@pytest.mark.parametrize("case", MATRIX, ids=lambda case: case.id)
def test_matrix(world, clients, case: Case):
    run(world, client_as(clients, _kind(case), case.role, world), case)


# --------------------------------------------------------------------------- the guard


def _routes(patterns, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix)
        else:
            yield prefix, entry


def route_keys() -> dict[str, URLPattern]:
    """Every route of the consultation pages and API, by the name the matrix uses (the
    API's format-suffix variants get ``.format``)."""
    keys = {}
    for prefix, modules in (("consult:", urls_pages), ("", api_urls)):
        for _prefix, pattern in _routes(modules.urlpatterns):
            assert pattern.name, f"a route without a name: {pattern.pattern}"
            suffix = ".format" if "format" in pattern.pattern.regex.groupindex else ""
            keys[prefix + pattern.name + suffix] = pattern
    return keys


def _api_methods(pattern: URLPattern) -> set[str]:
    """The methods an API route answers (HEAD and OPTIONS follow from GET, or are DRF's)."""
    callback = pattern.callback
    actions = getattr(callback, "actions", None)  # a viewset's {method: action}
    view = getattr(callback, "cls", None)
    if actions:
        names = set(actions)
    elif view is not None:
        names = {m for m in view.http_method_names if hasattr(view, m)}
    else:
        names = {"get"}
    return {m.upper() for m in names - {"head", "options", "trace"}}


def test_every_route_has_rows_in_the_matrix():
    keys = route_keys()
    covered = assert_rows_for_every_route(keys, MATRIX)
    assert set(URLS) == set(keys), "every route needs a URL builder"
    for key, pattern in keys.items():
        methods = covered[key]
        assert "GET" in methods, f"{key} has no GET row"
        assert methods - {"GET"}, f"{key} has no row for a write method"
        if not key.startswith("consult:"):
            implemented = _api_methods(pattern)
            assert implemented <= methods, f"{key}: no rows for {implemented - methods}"


def test_every_role_is_in_every_row_group():
    groups: dict[tuple, set[str]] = {}
    for case in MATRIX:
        groups.setdefault((case.route, case.method, case.state, case.target), set()).add(case.role)
    assert all(found == set(ROLES) for found in groups.values())
    assert len({case.id for case in MATRIX}) == len(MATRIX), "two rows with the same id"


# --------------------------------------------------------------------------- forged CSRF

# Each write, by a role allowed to make it: with a forged or missing CSRF token it is
# refused and nothing changes; with the right token it does what the matrix says.
CSRF_WRITES = [
    ("consult:add_comment", "POST", "open", "", "participant"),
    ("consult:follow", "POST", "open", "", "participant"),
    ("consult:answer", "POST", "open", "", "participant"),
    ("consult:edit_comment", "POST", "open", "mine", "participant"),
    ("consult:delete_comment", "POST", "open", "mine", "participant"),
    ("consult:react", "POST", "open", "theirs", "participant"),
    ("consult:report", "POST", "open", "theirs", "participant"),
    ("consult:moderate", "POST", "open", "theirs", "moderator"),
    ("consult:set_disposition", "POST", "open", "comment", "organiser"),
    ("consult:detach_evidence", "POST", "open", "", "organiser"),
    ("consult:translate", "POST", "open", "", "organiser"),
    ("consult:set_status", "POST", "open", "", "organiser"),
    ("consult:publish_version", "POST", "open", "", "organiser"),
    ("consult:open_round", "POST", "open", "idle", "organiser"),
    ("consult:close_round", "POST", "open", "running", "organiser"),
    ("consult:new_consultation", "POST", "", "main", "organiser"),
    ("api-section-comments", "POST", "open", "", "participant"),
    ("api-comment", "PATCH", "open", "mine", "participant"),
    ("api-comment", "DELETE", "open", "mine", "participant"),
    ("api-round-answer", "POST", "open", "running", "participant"),
    ("api-dispositions", "POST", "open", "comment", "organiser"),
]
# The one-click unsubscribe link is exempt on purpose (mail clients POST it without a
# token); the signed token in its address is what protects it.
CSRF_EXEMPT = [("consult:unsubscribe", "POST", "", "valid", "participant")]
_BY_KEY = {(c.route, c.method, c.state, c.target, c.role): c for c in MATRIX}


def _csrf_cases():
    for key in CSRF_WRITES + CSRF_EXEMPT:
        for token in ("missing", "forged", "valid"):
            yield pytest.param(_BY_KEY[key], token, id=f"{key[0]} {key[1]} {token}")


@pytest.mark.parametrize(("case", "token"), list(_csrf_cases()))
def test_csrf(world, clients, case: Case, token: str):
    client = client_as(clients, _kind(case) + "-csrf", case.role, world)
    headers = {}
    if token != "missing":
        secret = get_random_string(32)
        client.cookies[settings.CSRF_COOKIE_NAME] = secret
        headers["X-CSRFToken"] = secret if token == "valid" else get_random_string(32)
    exempt = (case.route, case.method, case.state, case.target, case.role) in CSRF_EXEMPT
    if token != "valid" and not exempt:
        case = case.expecting(Outcome(403, says="CSRF"))  # and no effect
    run(world, client, case, headers=headers)


def test_every_write_is_in_the_csrf_table():
    allowed = {(c.route, c.method) for c in MATRIX if c.outcome.effect}
    assert allowed == {(key[0], key[1]) for key in CSRF_WRITES + CSRF_EXEMPT}


# --------------------------------------------------------------------------- bad input

NUL = "Null characters are not allowed."


def _bad(route, method, state, target, role, data, status, says, query="") -> Any:
    case = Case(route, method, state, target, role, Outcome(status, says=says), query)
    label = says or query or "refused"
    return pytest.param(case, data, id=f"{route} {method} {target or state}: {label}")


BAD_INPUT = [
    # Editing to nothing, to too much, or to a NUL keeps the text that was there.
    _bad("consult:edit_comment", "POST", "open", "mine", "participant", {"body": "  "}, 302,
         "Write a comment."),
    _bad("consult:edit_comment", "POST", "open", "mine", "participant", {"body": "x" * 5001},
         302, "Keep it under 5000 characters."),
    _bad("consult:edit_comment", "POST", "open", "mine", "participant", {"body": "a\x00b"}, 302,
         NUL),
    _bad("consult:add_comment", "POST", "open", "", "participant", {"body": "a\x00b"}, 400,
         "Null characters are not allowed"),
    _bad("consult:add_comment", "POST", "open", "", "participant",
         {"body": "A reply", "parent": str(10**20)}, 400, "The comment you replied to is gone."),
    _bad("consult:react", "POST", "open", "theirs", "participant", {"kind": "love"}, 302,
         "Unknown reaction."),
    _bad("consult:report", "POST", "open", "theirs", "participant", {"reason": " "}, 302,
         "Say what is wrong with it."),
    _bad("consult:moderate", "POST", "open", "theirs", "moderator",
         {"action": "hide", "reason": ""}, 302, "Say why it is hidden."),
    _bad("consult:moderate", "POST", "open", "theirs", "moderator",
         {"action": "hide", "reason": "spam\x00"}, 302, NUL),
    _bad("consult:set_disposition", "POST", "open", "comment", "organiser",
         {"decision": "maybe", "response": "Hm."}, 302, "Choose a decision."),
    _bad("consult:set_disposition", "POST", "open", "comment", "organiser",
         {"decision": "accepted", "response": "Ok\x00"}, 302, NUL),
    _bad("consult:answer", "POST", "open", "", "participant",
         {"verdict": "disagree", "reason": "No\x00"}, 400, NUL),
    _bad("api-comment", "PATCH", "open", "mine", "participant", {"body": ""}, 400,
         "Write a comment."),
    _bad("api-comment", "PATCH", "open", "mine", "participant", {"body": "x" * 5001}, 400,
         "Keep it under 5000 characters."),
    _bad("api-comment", "PATCH", "open", "mine", "participant", {"body": 5}, 400,
         "Send the text as a string."),
    _bad("api-comment", "PATCH", "open", "mine", "participant", ["not", "an", "object"], 400,
         "Send an object"),
    _bad("api-comment", "PATCH", "open", "mine", "participant", {"body": "a\x00b"}, 400, NUL),
    _bad("api-section-comments", "POST", "open", "", "participant", {"body": "a\x00b"}, 400,
         NUL),
    _bad("api-section-comments", "POST", "open", "", "participant",
         {"body": "A reply", "parent": 10**20}, 400, "The comment you replied to is gone."),
    _bad("api-section-comments", "POST", "open", "", "participant",
         lambda w: {"body": "A reply", "parent": w.theirs["private"].pk}, 400,
         "Reply in the same section."),
    _bad("api-round-answer", "POST", "open", "running", "participant",
         lambda w: {"section": w.section["open"].pk, "verdict": "disagree", "reason": "\x00"},
         400, NUL),
    _bad("api-dispositions", "POST", "open", "comment", "organiser",
         lambda w: {"comment": w.theirs["open"].pk, "answer": w.answer["open"].pk,
                    "decision": "accepted", "response": "Both"},
         400, "Give either a comment or an answer."),
    _bad("consultation-list", "GET", "", "", "anonymous", None, 200, "[]", query="?process=%00"),
    # The organisers' pages: refused with the form again (400), nothing written.
    _bad("consult:publish_version", "POST", "open", "", "organiser", {"text": "## A\nB\x00"},
         400, NUL),
    _bad("consult:publish_version", "POST", "open", "", "organiser", {"text": " "}, 400,
         "Write at least one section"),
    _bad("consult:publish_version", "POST", "closed", "", "organiser",
         {"text": "## [milestone 2035] Later"}, 400, "Section 1: a milestone needs a horizon"),
    _bad("consult:set_status", "POST", "open", "", "organiser", {"status": "open\x00"}, 400,
         "to “an unknown status”"),
    _bad("consult:open_round", "POST", "open", "idle", "organiser", {"version": "1e9"}, 400,
         "Select a valid choice."),
    _bad("consult:open_round", "POST", "open", "idle", "organiser",
         lambda w: {"version": selectors.latest_version(w.c["open"]).pk}, 400,
         "Select a valid choice."),
    _bad("consult:new_consultation", "POST", "", "main", "organiser",
         {"title": "Water", "time_zone": "UTC", "language": "en",
          "opens_at": "2027-02-10T08:00", "closes_at": "2027-01-10T08:00"}, 400,
         "The consultation must close after it opens."),
    _bad("consult:new_consultation", "POST", "", "main", "organiser",
         {"title": "Taken", "slug": "open-draft", "time_zone": "UTC", "language": "en",
          "opens_at": "2027-01-10T08:00", "closes_at": "2027-02-10T08:00"}, 400,
         "This process has a consultation at this address already"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "data"), BAD_INPUT)
def test_bad_input_is_refused_with_a_message_and_nothing_is_lost(world, clients,
                                                                  case, data):  # fmt: skip
    if callable(data):
        data = data(world)
    run(world, client_as(clients, _kind(case), case.role, world), case, data=data)


# --------------------------------------------------------------------------- floods


def _flooder(world):
    """Someone who has just written as many comments as the rate allows."""
    user = make_member(password=None)
    for i in range(services.COMMENT_RATE[0]):
        services.add_comment(section=world.section["open"], author=user, body=f"Flood {i}")
    return user, login_cookie(user)


FLOODED = "comments in a short time; wait a few minutes."


@pytest.mark.parametrize("kind", ["page", "api"])
def test_a_flood_of_comments_from_one_account_is_refused_and_keeps_what_was_written(
    world, clients, kind
):
    user, session = _flooder(world)
    client = clients[kind]
    client.cookies.clear()
    client.cookies[settings.SESSION_COOKIE_NAME] = session
    route = "consult:add_comment" if kind == "page" else "api-section-comments"
    url = URLS[route](world, "open", "")
    before = snapshot()
    response = send(client, "POST", url, {"body": "One more, about recycling."})
    assert response.status_code == 400 and FLOODED in said(response)
    if kind == "page":  # the text is given back, to post later
        assert "One more, about recycling." in said(response)
    assert_effect(before, snapshot(), {})
    assert Comment.objects.filter(author=user).count() == services.COMMENT_RATE[0]
    # Someone else is not held back by it.
    client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions["moderator"]
    assert send(client, "POST", url, {"body": "Mine is fine."}).status_code in (201, 302)


def test_the_api_throttles_a_flood_of_comment_requests(world, clients):
    client = client_as(clients, "api", "participant", world)
    url = URLS["api-section-comments"](world, "open", "")
    statuses = [send(client, "POST", url, {"body": ""}).status_code for _ in range(31)]
    assert statuses[:30] == [400] * 30 and statuses[30] == 429


# --------------------------------------------------------------------------- markup


def test_scripts_and_handlers_sent_through_the_api_never_reach_the_page(world, clients):
    evil = (
        "<script>alert(1)</script> <img src=x onerror=alert(2)> "
        "[x](javascript:alert(3)) <a href=# onclick=alert(4)>a</a> **kept**"
    )
    client = client_as(clients, "api", "participant", world)
    created = send(client, "POST", URLS["api-section-comments"](world, "open", ""), {"body": evil})
    assert created.status_code == 201
    edited = send(client, "PATCH", URLS["api-comment"](world, "open", "mine"), {"body": evil})
    assert edited.status_code == 200
    page = client_as(clients, "page", "participant", world)
    html = page.get(URLS["consult:section"](world, "open", "")).content.decode()
    assert html.count("<strong>kept</strong>") == 2
    assert "<script>alert" not in html and "<img" not in html and 'href="javascript' not in html
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", html), "an event handler in a tag"


# --------------------------------------------------------------------------- synthesis
# The pages synthesis adds on a round (synthesis/views_rounds.py): its balanced results,
# for whoever may see the round's results; the CSV of its answers with their weights,
# for the process's organisers only, each download logged. A matrix of its own, since
# the guard above covers consult's routes.

BALANCED, BALANCED_CSV = "synthesis:round_balanced", "synthesis:round_balanced_export"
ROUND_TOOLS: list[Case] = []


def tool_rows(route: str, method: str, state: str, outcomes: dict[str, Outcome], target: str):
    assert set(outcomes) == set(ROLES), f"{route}: a role is missing"
    ROUND_TOOLS.extend(Case(route, method, state, target, r, outcomes[r]) for r in ROLES)


SEEN = Outcome(200, says="Balanced results of")
tool_rows(BALANCED, "GET", "open", each(SEEN), target="done")
for state in ("open", "closed", "private"):
    early = Outcome(403, says=RESULTS_LATER)
    tool_rows(BALANCED, "GET", state, roles(
        Outcome(403, says=LOGIN_TO_READ) if state == "private" else early, early, SEEN, SEEN,
    ), target="running")  # fmt: skip
tool_rows(BALANCED, "GET", "draft", each(NOT_FOUND), target="elsewhere")
tool_rows(BALANCED, "POST", "open", each(NOT_ALLOWED), target="done")

LOGGED = Outcome(200, effect={"exports": 1}, says="weight_equal_voice")
for state, target in (("open", "done"), ("open", "running"), ("closed", "running"),
                      ("private", "running")):  # fmt: skip
    no_org = Outcome(403, says=ONLY_ORGANISERS)
    tool_rows(BALANCED_CSV, "GET", state, roles(LOGIN, no_org, no_org, LOGGED), target=target)
tool_rows(BALANCED_CSV, "GET", "draft", roles(LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND),
          target="elsewhere")  # fmt: skip
tool_rows(BALANCED_CSV, "POST", "open", each(NOT_ALLOWED), target="done")


def _tool_url(w, case: Case) -> str:
    return reverse(case.route, args=[*_args(w, case.state), _round(w, case.state, case.target).pk])


@pytest.mark.parametrize("case", ROUND_TOOLS, ids=lambda case: case.id)
def test_round_tools_matrix(world, clients, case: Case):
    from people.models import ExportLog

    client = client_as(clients, "page", case.role, world)
    before, logged = snapshot(), ExportLog.objects.count()
    response = send(client, case.method, _tool_url(world, case), {})
    expected, text = case.outcome, said(response)
    assert response.status_code == expected.status, text[:2000]
    if expected.says:
        assert expected.says in text, text[:2000]
    if expected.location:
        assert expected.location in response["Location"]
    assert snapshot() == before
    assert ExportLog.objects.count() - logged == expected.effect.get("exports", 0)
    if response.status_code == 200 and case.route == BALANCED_CSV:
        assert response["Content-Type"].startswith("text/csv")
        assert "Say 2035." not in text and "Too slow" not in text  # no reasons


# --------------------------------------------------------------------------- themes
# The themes pages synthesis adds under a consultation's address (synthesis/views.py):
# a section's comments and a round's reasons, for the process's moderators and
# organisers (a draft: its organisers only). A POST applies the facilitator's edits and
# writes nothing of the consultation; an empty one is a form out of date.

THEME_PAGES = ("synthesis:section_themes", "synthesis:round_themes")
THEMES_MATRIX: list[Case] = []
MODERATORS_ONLY = "moderators and organisers can do this."


def theme_rows(route: str, method: str, state: str, outcomes: dict[str, Outcome], target=""):
    assert set(outcomes) == set(ROLES), f"{route}: a role is missing"
    THEMES_MATRIX.extend(Case(route, method, state, target, r, outcomes[r]) for r in ROLES)


for route in THEME_PAGES:
    says = "Themes of the comments" if route.endswith("section_themes") else "Themes of the"
    for state in ("open", "closed", "private"):
        theme_rows(route, "GET", state, roles(
            LOGIN, Outcome(403, says=MODERATORS_ONLY), Outcome(200, says=says),
            Outcome(200, says=says),
        ))  # fmt: skip
    stale = Outcome(400, says="This form is out of date")
    theme_rows(route, "POST", "open", roles(LOGIN, Outcome(403), stale, stale))
    theme_rows(route, "PUT", "open", roles(LOGIN, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED))
    # Another consultation's section or round under this consultation's address.
    theme_rows(route, "GET", "private", roles(LOGIN, Outcome(403), NOT_FOUND, NOT_FOUND),
               target="elsewhere")  # fmt: skip
theme_rows("synthesis:section_themes", "GET", "draft",
           roles(LOGIN, NOT_FOUND, NOT_FOUND, Outcome(200, says="no comments yet")))  # fmt: skip
theme_rows("synthesis:round_themes", "GET", "draft",
           roles(LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND), target="elsewhere")  # fmt: skip


def _theme_url(w, case: Case) -> str:
    if case.route == "synthesis:section_themes":
        section = w.section["open" if case.target == "elsewhere" else case.state]
        return reverse(case.route, args=[*_args(w, case.state), section.pk])
    round_ = w.round["open"] if case.target == "elsewhere" else _round(w, case.state, "")
    return reverse(case.route, args=[*_args(w, case.state), round_.pk])


@pytest.mark.parametrize("case", THEMES_MATRIX, ids=lambda case: case.id)
def test_themes_matrix(world, clients, case: Case):
    client = client_as(clients, "page", case.role, world)
    before = snapshot()
    response = send(client, case.method, _theme_url(world, case), {})
    expected, text = case.outcome, said(response)
    assert response.status_code == expected.status, text[:2000]
    if expected.says:
        assert expected.says in text, text[:2000]
    if expected.location:
        assert expected.location in response["Location"]
    assert snapshot() == before


def test_every_themes_page_has_rows():
    from synthesis import urls as synthesis_urls

    themes = {
        f"synthesis:{p.name}"
        for p in synthesis_urls.urlpatterns
        if str(p.pattern).startswith("c/") and p.name.endswith("_themes")
    }
    assert themes == set(THEME_PAGES)
    groups: dict[tuple, set[str]] = {}
    for case in THEMES_MATRIX:
        groups.setdefault((case.route, case.method, case.state, case.target), set()).add(case.role)
    assert all(found == set(ROLES) for found in groups.values())
    assert {(c.route, c.method) for c in THEMES_MATRIX} >= {
        (route, method) for route in THEME_PAGES for method in ("GET", "POST", "PUT")
    }
