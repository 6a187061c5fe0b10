"""The permission matrix of the stakeholder directory: every route of people/urls.py,
for every role (anonymous, an ordinary signed-in user, a directory manager), with the
status code *and* the effect: a write that is allowed changes exactly what it should,
a refusal changes nothing.

Anonymous users are sent to log in, whatever the route and method; signed-in users
without ``people.manage_directory`` get a 403 that says why; managers get the page or
the change. One world of test data is built once for the module (inside a transaction
rolled back at the end); each case runs in its own savepoint.
``test_every_route_has_rows_in_the_matrix`` fails when a route is added to
``people/urls.py`` without rows here.

Below the matrix: forged and missing CSRF tokens on every write.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse
from django.utils.crypto import get_random_string

from people import services
from people import urls as people_urls
from people.models import Affiliation, AnalysisChange, ExportLog, Organisation, Person, PersonEmail
from tests.factories import login_cookie, make_user
from tests.matrix import assert_rows_for_every_route, module_world
from tests.people.factories import make_manager, make_organisation, make_person

pytestmark = pytest.mark.django_db  # each case in a savepoint of the module's transaction

ROLES = ("anonymous", "user", "manager")
NOT_A_MANAGER = "Only directory managers can open the stakeholder directory."


# --------------------------------------------------------------------------- the world


def build_world() -> SimpleNamespace:
    organisation = make_organisation(name="Katanga Mining", country="CD")
    other_org = make_organisation(name="Euro Recyclers")
    ana = make_person(
        name="Ana Mwangi", emails=["ana@example.org"], stakeholder_group="policy",
        country="KE", sector="mining", gender="woman", source="Workshop", notes="Notes",
        tags=["cobalt"],
    )  # fmt: skip
    services.set_analysis(person=ana, influence=5, interest=4, by=None)
    affiliation = services.add_affiliation(person=ana, organisation=organisation, role="Chair")
    ben = make_person(name="Ben Laurent", emails=["ben@example.org"])
    users = {"user": make_user(password=None), "manager": make_manager(password=None)}
    return SimpleNamespace(
        organisation=organisation,
        other_org=other_org,
        ana=ana,
        ben=ben,
        affiliation=affiliation,
        sessions={role: login_cookie(user) for role, user in users.items()},
    )


world = module_world(build_world)


@pytest.fixture(scope="module")
def clients() -> dict[str, Client]:
    return {"page": Client(), "csrf": Client(enforce_csrf_checks=True)}


def client_as(clients, kind: str, role: str, world) -> Client:
    client = clients[kind]
    client.cookies.clear()
    if role != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return client


SNAPSHOT = {  # key: (model, the fields whose change is an effect)
    "people": (
        Person,
        (
            "name",
            "stakeholder_group",
            "country",
            "notes",
            "do_not_contact",
            "influence",
            "interest",
        ),
    ),
    "emails": (PersonEmail, ("person_id", "email", "is_primary")),
    "affiliations": (Affiliation, ("person_id", "organisation_id", "role", "is_delegate")),
    "history": (AnalysisChange, ("person_id", "influence", "interest")),
    "organisations": (Organisation, ("name", "country", "sectors", "networks")),
    "tags": (Person.tags.through, ("person_id", "tag_id")),
    "exports": (ExportLog, ("what", "rows")),
}


def snapshot() -> dict[str, tuple]:
    return {
        key: tuple(
            tuple(str(v) for v in row)
            for row in model.objects.order_by("pk").values_list("pk", *fields)
        )
        for key, (model, fields) in SNAPSHOT.items()
    }


def assert_effect(before: dict, after: dict, effect: dict[str, Any]) -> None:
    """``effect`` maps a snapshot key to +n / -n (rows added or removed, the others
    kept), "changed" or "may"; every other key must be unchanged."""
    for key, old in before.items():
        new, want = after[key], effect.get(key)
        if want == "may":
            continue
        if want is None:
            assert new == old, f"{key} changed: {old!r} -> {new!r}"
        elif want == "changed":
            assert new != old, f"{key} did not change"
        else:
            assert len(new) - len(old) == want, f"{key}: {len(old)} -> {len(new)} rows"
            kept, grown = (set(new), set(old)) if want > 0 else (set(old), set(new))
            assert grown <= kept, f"{key}: rows that were there changed"


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class Outcome:
    status: int
    effect: dict[str, Any] = field(default_factory=dict)
    says: str = ""  # in the body, or in a flash message
    location: str = ""  # in the redirect's Location


@dataclass(frozen=True)
class Case:
    route: str
    method: str
    target: str
    role: str
    outcome: Outcome

    @property
    def id(self) -> str:
        target = f" {self.target}" if self.target else ""
        return f"{self.route} {self.method}{target} {self.role} -> {self.outcome.status}"

    def expecting(self, outcome: Outcome) -> Case:
        return replace(self, outcome=outcome)


LOGIN = Outcome(302, location="/accounts/login/?next=/directory/")
FORBIDDEN = Outcome(403, says=NOT_A_MANAGER)
NOT_ALLOWED = Outcome(405)

MATRIX: list[Case] = []


def rows(route: str, method: str, manager: Outcome, target: str = "") -> None:
    """Anonymous users log in first; signed-in users without the permission get a 403
    that says why; the manager gets ``manager``."""
    outcomes = {"anonymous": LOGIN, "user": FORBIDDEN, "manager": manager}
    MATRIX.extend(Case(f"people:{route}", method, target, r, outcomes[r]) for r in ROLES)


def ok(says: str = "") -> Outcome:
    return Outcome(200, says=says)


def done(effect: dict[str, Any], says: str = "", status: int = 302) -> Outcome:
    return Outcome(status, effect=effect, says=says)


# Pages that only read ------------------------------------------------------------------
rows("directory", "GET", ok("Ana Mwangi"))
rows("grid", "GET", ok("Ana Mwangi"))
rows("export_log", "GET", ok("Exports log"))
rows("person", "GET", ok("ana@example.org"))
rows("organisations", "GET", ok("Katanga Mining"))
rows("organisation", "GET", ok("Ana Mwangi"))
rows("merge", "GET", ok("Find the other record"))
rows("merge", "GET", ok("ben@example.org"), target="compare")
for route in ("directory", "grid", "export_log", "person", "organisations", "organisation",
              "export"):  # fmt: skip
    rows(route, "POST", NOT_ALLOWED)

# Exports: a GET that writes the log ----------------------------------------------------
rows("export", "GET", done({"exports": 1}, says="Ana Mwangi", status=200), target="csv")
rows("export", "GET", done({"exports": 1}, status=200), target="xlsx")

# Forms: GET shows the form, POST makes the change ---------------------------------------
rows("person_create", "GET", ok("Why we hold this record"))
rows("person_create", "POST", done({"people": 1, "emails": 1}, says="is in the directory"))
rows("person_edit", "GET", ok('value="Ana Mwangi"'))
rows("person_edit", "POST", done({"people": "changed", "tags": "changed"}, says="Saved."))
rows("organisation_create", "GET", ok("Add an organisation"))
rows("organisation_create", "POST", done({"organisations": 1}, says="is in the directory"))
rows("organisation_edit", "GET", ok('value="Katanga Mining"'))
rows("organisation_edit", "POST", done({"organisations": "changed"}, says="Saved."))
rows("merge", "POST", done(
    {"people": -1, "emails": "changed", "history": "may", "tags": "may", "affiliations": "may"},
    says="Merged into Ana Mwangi",
))  # fmt: skip

# Actions: POST only ------------------------------------------------------------------------
ACTIONS = {
    "add_email": done({"emails": 1}, says="added."),
    "add_affiliation": done({"affiliations": 1}, says="is in Euro Recyclers"),
    "remove_affiliation": done({"affiliations": -1}, says="Removed from the organisation."),
    "do_not_contact": done({"people": "changed"}, says="marked do not contact"),
    "set_analysis": done({"people": "changed", "history": 1}, says="influence 2, interest 3."),
}
for route, outcome in ACTIONS.items():
    rows(route, "POST", outcome)
    rows(route, "GET", NOT_ALLOWED)
# The grid's script: JSON in, JSON out (a 403 in JSON for those without the permission).
MATRIX.extend(
    Case("people:set_analysis", "POST", "json", role, outcome)
    for role, outcome in {
        "anonymous": LOGIN,
        "user": Outcome(403, says=NOT_A_MANAGER),
        "manager": done({"people": "changed", "history": 1}, says='"ok": true', status=200),
    }.items()
)


# The import (people/import_views.py; its effects are tested in test_import_views.py):
# the upload form, a refused upload, and a preview that is not this manager's.
rows("import_upload", "GET", ok("Spreadsheet (CSV or XLSX)"))
rows("import_upload", "POST", Outcome(400, says="This field is required."))
for method in ("GET", "POST"):
    rows("import_preview", method, Outcome(404), target="unknown")


# --------------------------------------------------------------------------- requests


def _pk(name: str) -> Callable:
    return lambda w: getattr(w, name).pk


URL_ARGS: dict[str, Callable[[Any, str], list]] = {
    "people:directory": lambda w, t: [],
    "people:export": lambda w, t: [t or "csv"],
    "people:export_log": lambda w, t: [],
    "people:grid": lambda w, t: [],
    "people:person_create": lambda w, t: [],
    "people:person": lambda w, t: [w.ana.pk],
    "people:person_edit": lambda w, t: [w.ana.pk],
    "people:add_email": lambda w, t: [w.ana.pk],
    "people:add_affiliation": lambda w, t: [w.ana.pk],
    "people:remove_affiliation": lambda w, t: [w.ana.pk, w.affiliation.pk],
    "people:do_not_contact": lambda w, t: [w.ana.pk],
    "people:set_analysis": lambda w, t: [w.ana.pk],
    "people:merge": lambda w, t: [w.ana.pk],
    "people:organisations": lambda w, t: [],
    "people:organisation_create": lambda w, t: [],
    "people:organisation": lambda w, t: [w.organisation.pk],
    "people:organisation_edit": lambda w, t: [w.organisation.pk],
    "people:import_upload": lambda w, t: [],
    "people:import_preview": lambda w, t: [999999],
}


def build_url(w, case: Case) -> str:
    path = reverse(case.route, args=URL_ARGS[case.route](w, case.target))
    if case.route == "people:merge" and case.target == "compare":
        path += f"?other={w.ben.pk}"
    return path


PAYLOADS: dict[str, Callable[[Any], dict]] = {
    "people:person_create": lambda w: {
        "name": "Dana Okafor",
        "emails": "dana@example.org",
        "basis": "listed",
        "listed_source": "OECD forum participant list",
    },
    "people:person_edit": lambda w: {"name": "Ana W. Mwangi", "country": "PE", "tags": "water"},
    "people:add_email": lambda w: {"email": "ana.second@example.org"},
    "people:add_affiliation": lambda w: {"organisation": w.other_org.pk, "role": "Adviser"},
    "people:set_analysis": lambda w: {"influence": "2", "interest": "3"},
    "people:merge": lambda w: {"other": w.ben.pk, "keep": w.ana.pk},
    "people:import_upload": lambda w: {"listed_source": "Forum attendee list"},  # no file
    "people:organisation_create": lambda w: {"name": "Lithium Triangle Alliance"},
    "people:organisation_edit": lambda w: {
        "name": "Katanga Mining SA",
        "country": "CD",
        "networks": "IRMA",
    },
}


def said(response) -> str:
    flashed = " ".join(str(m) for m in get_messages(response.wsgi_request))
    return response.content.decode(errors="replace") + " " + flashed


def run(world, client: Client, case: Case, headers: dict | None = None):
    url = build_url(world, case)
    payload = PAYLOADS.get(case.route)
    data = payload(world) if payload and case.method == "POST" else {}
    before = snapshot()
    headers = headers or {}
    if case.method == "GET":
        response = client.get(url, headers=headers)
    elif case.target == "json":
        body = json.dumps({"influence": 2, "interest": 3})
        response = client.post(url, body, content_type="application/json",
                               headers={"Accept": "application/json", **headers})  # fmt: skip
    else:
        response = client.post(url, data, headers=headers)
    expected = case.outcome
    text = said(response)
    assert response.status_code == expected.status, text[:2000]
    if expected.says:
        assert expected.says in text, text[:2000]
    if expected.location:
        assert response["Location"].startswith(expected.location), response["Location"]
    assert_effect(before, snapshot(), expected.effect)
    return response


@pytest.mark.parametrize("case", MATRIX, ids=lambda case: case.id)
def test_matrix(world, clients, case: Case):
    run(world, client_as(clients, "page", case.role, world), case)


# --------------------------------------------------------------------------- the guard


def _routes(patterns):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns)
        else:
            yield entry


def route_keys() -> dict[str, URLPattern]:
    """Every route of people/urls.py, by its namespaced name."""
    keys = {}
    for pattern in _routes(people_urls.urlpatterns):
        assert pattern.name, f"a route without a name: {pattern.pattern}"
        keys[f"{people_urls.app_name}:{pattern.name}"] = pattern
    return keys


def test_every_route_has_rows_in_the_matrix():
    keys = route_keys()
    covered = assert_rows_for_every_route(keys, MATRIX)
    assert set(URL_ARGS) == set(keys), "every route needs a URL builder"
    for key in keys:
        assert covered[key] >= {"GET", "POST"}, f"{key} needs a GET and a POST row"


def test_every_role_is_in_every_row_group():
    groups: dict[tuple, set[str]] = {}
    for case in MATRIX:
        groups.setdefault((case.route, case.method, case.target), set()).add(case.role)
    assert all(found == set(ROLES) for found in groups.values())
    assert len({case.id for case in MATRIX}) == len(MATRIX), "two rows with the same id"


def test_the_matrix_forbids_everyone_but_managers_everything():
    for case in MATRIX:
        if case.role != "manager":
            assert not case.outcome.effect and case.outcome.status in (302, 403), case.id


# --------------------------------------------------------------------------- forged CSRF

# Each write by a manager: with a forged or missing CSRF token it is refused and nothing
# changes; with the right token (as the cookie and the header the grid's script sends)
# it does what the matrix says.
WRITES = [c for c in MATRIX if c.role == "manager" and c.method == "POST" and c.outcome.effect]


def _csrf_cases():
    for case in WRITES:
        for token in ("missing", "forged", "valid"):
            yield pytest.param(case, token, id=f"{case.route} {case.target} {token}")


@pytest.mark.parametrize(("case", "token"), list(_csrf_cases()))
def test_csrf(world, clients, case: Case, token: str):
    client = client_as(clients, "csrf", case.role, world)
    headers = {}
    if token != "missing":
        secret = get_random_string(32)
        client.cookies[settings.CSRF_COOKIE_NAME] = secret
        headers["X-CSRFToken"] = secret if token == "valid" else get_random_string(32)
    if token != "valid":
        case = case.expecting(Outcome(403, says="CSRF"))
    run(world, client, case, headers=headers)


def test_every_write_route_is_in_the_csrf_table():
    posted = {c.route for c in MATRIX if c.method == "POST" and c.outcome.effect}
    assert posted == {c.route for c in WRITES}
    assert len(WRITES) >= 11
