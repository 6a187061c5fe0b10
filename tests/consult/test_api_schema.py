"""The API answers what its OpenAPI schema says, checked by Schemathesis against a real
Daphne process: every operation of ``/api/schema/``, with requests generated from the
schema (valid ones and invalid ones), as an anonymous reader, as a participant (an
account that may comment) and as an organiser (a logged-in session and its CSRF token).
Each answer must be no server error, have a status the operation declares, in the
content type and shape it declares for that status, with the headers it declares
(Retry-After on a 429).

The number of requests is bounded (``EXAMPLES`` per operation and generation mode),
and the generation is derandomised, so a run takes the same requests every time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
import schemathesis
from django.conf import settings
from django.contrib.auth.models import User
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.strategies import SearchStrategy
from schemathesis import GenerationMode

from consult import selectors, services
from knowledge import roadmaps
from tests.consult.factories import make_consultation, make_member, make_process
from tests.factories import login_cookie, make_session
from tests.knowledge.factories import make_case
from tests.servers import DaphneProcess

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Per operation and strategy (valid or invalid requests; ids drawn from the schema or
# those of the world below): enough to reach every status an operation gives, few
# enough that the three roles take well under a minute on two cores.
EXAMPLES = 6
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.response_headers_conformance,
]


@dataclass(frozen=True)
class World:
    """What the requests can find: the ids for each path parameter."""

    ids: dict[str, int | str]
    participant: User
    organiser: User


# The path parameter each operation's address takes, by the address's first part.
PATH_IDS = {
    "/api/processes/": "process",
    "/api/consultations/": "consultation",
    "/api/sections/": "section",
    "/api/comments/": "comment",
    "/api/rounds/": "round",
    "/api/sessions/": "code",
    "/api/cases/": "case",
    "/api/roadmaps/": "roadmap",
}


def build_world() -> World:
    """A process with a public open consultation (sections, a comment by the
    participant, an open validation round), a live session with its join code and an
    accepted good-practice case and a published roadmap."""
    organiser = make_member(password=None)
    process = make_process(owner=organiser)
    consultation = make_consultation(process=process)
    version = selectors.latest_version(consultation)
    section = version.texts.order_by("position")[0].section
    participant = make_member(password=None)
    comment = services.add_comment(section=section, author=participant, body="Add recycling.")
    round_ = services.open_round(consultation=consultation, by=organiser, version=version)
    session = make_session()
    case = make_case(name="Responsible copper standard")
    final = make_consultation(process=process, status="closed")
    roadmap = roadmaps.publish_roadmap(
        consultation=final, version=selectors.latest_version(final), by=organiser
    )
    ids = {
        "process": process.pk,
        "consultation": consultation.pk,
        "section": section.pk,
        "comment": comment.pk,
        "round": round_.pk,
        "code": session.code,
        "case": case.slug,
        "roadmap": roadmap.slug,
    }
    return World(ids=ids, participant=participant, organiser=organiser)


@pytest.fixture(scope="module")
def server(django_db_setup, static_root):
    """One server for the module, on the test database (each test writes its world)."""
    # The anonymous throttle's default (600/minute) would answer most of one role's
    # requests with 429s; the comment throttle keeps its rate.
    daphne = DaphneProcess(static_root=static_root, extra_env={"API_ANON_RATE": "100000/minute"})
    yield daphne.start()
    daphne.stop()


def as_role(role: str, world: World) -> tuple[requests.Session, dict[str, str]]:
    """An HTTP session for the role: a browser's cookies, and the CSRF header a page's
    script sends with each write."""
    http = requests.Session()
    headers: dict[str, str] = {}
    user = {"participant": world.participant, "organiser": world.organiser}.get(role)
    if user is not None:
        token = get_random_string(32)
        http.cookies.set(settings.SESSION_COOKIE_NAME, login_cookie(user))
        http.cookies.set(settings.CSRF_COOKIE_NAME, token)
        headers["X-CSRFToken"] = token
    return http, headers


def valid_bodies(world: World) -> dict[str, dict]:
    """A request body that the operation takes, for the operations whose generated
    bodies would name ids that do not exist."""
    return {
        "POST /api/rounds/{id}/answers/": {
            "section": world.ids["section"],
            "verdict": "agree_with_changes",
            "reason": "Say 2035.",
        },
        "POST /api/dispositions/": {
            "comment": world.ids["comment"],
            "decision": "accepted",
            "response": "Added to the draft.",
        },
    }


def strategies(operation, world: World) -> Iterator[tuple[str, SearchStrategy]]:
    """Requests for one operation, each strategy run on its own: generated from the
    schema alone (valid and invalid), at the world's address, and with a valid body."""
    fixed = {}
    if operation.path_parameters:
        prefix = next(p for p in PATH_IDS if operation.path.startswith(p))
        fixed = {next(iter(operation.path_parameters)).name: world.ids[PATH_IDS[prefix]]}
    # An invalid request needs something to make invalid: with the path fixed, a query
    # parameter or a body.
    left = [*operation.query, *operation.body]
    for mode in GenerationMode:
        if mode is GenerationMode.POSITIVE or left or operation.path_parameters:
            yield mode.value, operation.as_strategy(generation_mode=mode)
        if fixed and (mode is GenerationMode.POSITIVE or left):
            yield (
                f"{mode.value} at {fixed}",
                operation.as_strategy(generation_mode=mode, path_parameters=fixed),
            )
    body = valid_bodies(world).get(operation.label)
    if body is not None:
        yield (
            "a valid body",
            operation.as_strategy(path_parameters=fixed, body=body, media_type="application/json"),
        )


def fuzz(operation, world: World, base_url: str, role: str) -> list[str]:
    """Run the operation's bounded examples; a report for each strategy that fails."""
    http, headers = as_role(role, world)
    failures = []
    for name, strategy in strategies(operation, world):

        @hypothesis_settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def check(case):
            case.call_and_validate(base_url=base_url, session=http, headers=headers, checks=CHECKS)

        try:
            check()
        # Every failing strategy is reported, not only the first (Schemathesis raises
        # its failures as an exception group).
        except (Exception, BaseExceptionGroup) as exc:
            failures.append(f"{role}: {operation.label} ({name})\n{exc}")
    return failures


@pytest.mark.parametrize("role", ["anonymous", "participant", "organiser"])
def test_every_operation_answers_as_the_schema_says(server, role):
    world = build_world()
    schema = schemathesis.openapi.from_url(
        f"{server.base_url}/api/schema/",
        headers={"Accept": "application/vnd.oai.openapi+json"},
        timeout=10,
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 19
    failures = [f for op in operations for f in fuzz(op, world, server.base_url, role)]
    assert not failures, "\n\n".join(failures)
    assert "Traceback" not in server.log()


def test_an_empty_multipart_form_reaches_the_api(server):
    """Daphne's HTTP layer (Twisted) parsed multipart bodies itself and answered an empty
    form with a bare 400 before Django saw it; Django reads it now, and the API answers
    as for any other form."""
    world = build_world()
    empty = {"Content-Type": "multipart/form-data; boundary=x"}
    join = f"{server.base_url}/api/sessions/{world.ids['code']}/join"
    joined = requests.post(join, data=b"--x--\r\n", headers=empty, timeout=10)
    assert joined.status_code == 201
    assert set(joined.json()) == {"participant", "token", "session", "websocket"}
    http, csrf = as_role("participant", world)
    comments = f"{server.base_url}/api/sections/{world.ids['section']}/comments/"
    refused = http.post(comments, data=b"--x--\r\n", headers={**csrf, **empty}, timeout=10)
    assert (refused.status_code, refused.json()) == (
        400,
        {
            "error": {
                "code": "invalid",
                "message": "Correct the values named in fields.",
                "fields": {"body": ["This field is required."]},
            }
        },
    )
    no_boundary = {"Content-Type": "multipart/form-data"}
    unreadable = requests.post(join, data=b"x", headers=no_boundary, timeout=10)
    assert unreadable.status_code == 400
    assert unreadable.json()["error"]["code"] == "parse_error"
