"""A backup that restores: the round trip of docs/operations.md ("Backup and restore").

The test database is filled with what a year of workshops leaves behind (the demo
process, consultation and directory; a live session with votes in five poll kinds, an
idea board with notes, a cluster and upvotes, questions; mail waiting in the outbox, a
queued job, signed-in browsers), dumped with the real ``pg_dump -Fc``, restored with
``pg_restore --no-owner`` into a new, empty database and migrated. Every table and
sequence then holds the same rows, and real Daphne processes serving the two databases
answer every page and export the same, byte for byte, once the parts made afresh for
each request are replaced (CSRF tokens, CSP nonces, tokens signed at request time, the
time a download was written). Served under another SECRET_KEY, the restored database
signs nobody in: the key belongs to the backup.
"""

from __future__ import annotations

import difflib
import io
import itertools
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session as BrowserSession
from django.core.management import call_command
from django.http import HttpResponse
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from psycopg import sql

from boards.models import Note
from consult import notifications
from consult import services as consult_services
from consult.mail import QUEUED_BACKEND
from consult.models import Comment, Consultation, OutgoingMail
from consult.periodic import enqueue_due_tasks
from demo import consultation as demo_consultation
from demo import data as demo
from sessions import selectors, services
from sessions.models import Activity, Participant, Session
from tests import factories
from tests.servers import ROOT, DaphneProcess, database_url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


# --------------------------------------------------------------------------- the data


@dataclass
class World:
    """What the pages are read with: the cookies of the people who read them and the
    paths each of them reads."""

    cookies: dict[str, str] = field(default_factory=dict)
    pages: list[tuple[str, str]] = field(default_factory=list)  # (who, path)
    markers: dict[str, list[str]] = field(default_factory=dict)  # path -> texts it must hold
    unsubscribe: str = ""  # the unsubscribe link of a mail waiting in the outbox


UNSUBSCRIBE_LINK = re.compile(rb"https?://[^/\s]+(/unsubscribe/[^/\s>]+/)")
PEOPLE = [
    ("Ana Quispe", "civil_society", "PE"),
    ("Kofi Mensah", "community_labour", "GH"),
    ("Jonas Weber", "industry_downstream", "DE"),
    ("Mei Lin", "research", "CN"),
]


def _act(activity: Activity, participant: Participant, action: str, data, key: str) -> dict:
    return services.perform_command(
        participant=participant, activity_id=activity.pk, action=action, data=data, key=key
    )


def _live_session(session: Session) -> tuple[list[Participant], dict[str, Activity]]:
    """The demo session run as a facilitator runs it: each activity opened in turn (the
    one before closes) and answered by four participants."""
    activities = {a.kind: a for a in session.activities.all()}
    people = [
        services.join_session(
            code=session.code, display_name=name, stakeholder_group=group, country=country
        )
        for name, group, country in PEOPLE
    ]
    ballots = {
        "single_choice": lambda i: i % 3,
        "multiple_choice": lambda i: [i % 5, (i + 2) % 5],
        "scale": lambda i: 1 + i,
        "word_cloud": lambda i: ["traceability", f"fair pay {i}"],
        "ranking": lambda i: [(i + j) % 4 for j in range(4)],
    }
    for kind, ballot in ballots.items():
        services.open_activity(activity=activities[kind])
        for i, person in enumerate(people):
            _act(activities[kind], person, "vote", ballot(i), f"{kind}-{i}")

    board = activities["idea_board"]
    services.open_activity(activity=board)
    for i, person in enumerate(people):
        _act(board, person, "post", {"column": i % 3, "text": f"Note {i}: shared audits"}, f"n{i}")
    services.moderate_activity(activity=board, action="reveal", data=True)
    notes = list(Note.objects.filter(activity=board).order_by("pk"))
    services.moderate_activity(activity=board, action="create_cluster", data={"name": "Audits"})
    cluster = board.clusters.get()
    services.moderate_activity(
        activity=board, action="assign", data={"note": notes[0].pk, "cluster": cluster.pk}
    )
    services.moderate_activity(activity=board, action="start_voting", data={"budget": 2})
    for i, person in enumerate(people):
        _act(board, person, "upvote", {"note": notes[(i + 1) % 4].pk}, f"up-{i}")

    qna = activities["qna"]
    services.open_activity(activity=qna)  # left open, as when the backup runs mid-session
    _act(qna, people[0], "ask", {"text": "Who pays for the audits?"}, "ask-0")
    question = _act(qna, people[1], "ask", {"text": "Will mines be named?"}, "ask-1")
    question_id = question["ballot"]["questions"][-1]["id"]
    _act(qna, people[2], "upvote", {"question": question_id}, "qup-2")
    return people, activities


def build_world() -> World:
    """The data, through the product's own loader and services, and what to read."""
    call_command("load_demo", stdout=io.StringIO())
    session = Session.objects.select_related("event__process").get(code=demo.JOIN_CODE)
    people, activities = _live_session(session)
    facilitator = User.objects.get(username=demo.FACILITATOR_USERNAME)
    amara = User.objects.get(username="amara")
    consultation = Consultation.objects.select_related("process").get(slug=demo_consultation.SLUG)
    validation = consultation.rounds.get()
    consult_services.close_round(round=validation, by=facilitator)
    # Mail waiting for the worker (answers to the demo's inputs) and a job waiting for a
    # tasks worker (the daily retention job) are in the backup too.
    assert notifications.send_due() > 0
    assert enqueue_due_tasks() == ["sessions.retention.erase_expired_guest_profiles"]
    waiting = bytes(OutgoingMail.objects.filter(sent_at=None).order_by("pk").first().message)
    unsubscribe = UNSUBSCRIBE_LINK.search(waiting).group(1).decode()

    world = World(
        unsubscribe=unsubscribe,
        cookies={
            "anonymous": "",
            # Signed in before the backup: the session rows travel in the dump, and the
            # cookies stay valid because the restored site has the same SECRET_KEY.
            "facilitator": f"sessionid={factories.login_cookie(facilitator)}",
            "amara": f"sessionid={factories.login_cookie(amara)}",
            "guest": f"pt_{session.code}={_signed_cookie(session, people[0])}",
        },
    )
    c_args = [consultation.process.slug, consultation.slug]
    consultation_page = reverse("consult:consultation", args=c_args)
    world.pages += [
        ("anonymous", consultation_page),
        ("anonymous", reverse("consult:you_said_we_did", args=c_args)),
        ("anonymous", reverse("consult:you_said_we_did", args=c_args) + "?format=csv"),
        ("anonymous", reverse("consult:you_said_we_did", args=c_args) + "?format=xlsx"),
        ("anonymous", reverse("consult:round_results", args=[*c_args, validation.pk])),
        ("anonymous", reverse("consult:moderation_log", args=c_args)),
        ("anonymous", f"/api/consultations/{consultation.pk}/"),
        ("anonymous", f"/api/consultations/{consultation.pk}/versions/"),
        ("facilitator", consultation_page),
    ]
    for section in consultation.sections.order_by("pk"):
        world.pages += [
            ("anonymous", reverse("consult:section", args=[*c_args, section.pk])),
            ("amara", reverse("consult:section", args=[*c_args, section.pk])),
            ("anonymous", f"/api/sections/{section.pk}/comments/"),
        ]
    code = session.code
    world.pages += [
        ("facilitator", reverse("frontend:dashboard")),
        ("facilitator", reverse("frontend:event", args=[session.event_id])),
        ("facilitator", reverse("frontend:console", args=[code])),
        ("anonymous", reverse("frontend:screen", args=[code])),
        ("guest", reverse("frontend:room", args=[code])),
    ]
    for activity in session.activities.order_by("position", "pk"):
        world.pages += [
            ("facilitator", reverse("frontend:activity_results", args=[code, activity.pk])),
            ("facilitator", reverse("frontend:export_csv", args=[code, activity.pk])),
            ("facilitator", reverse("frontend:export_json", args=[code, activity.pk])),
        ]
    process = session.event.process
    world.pages += [
        ("facilitator", reverse("representation:process_page", args=[process.slug])),
        ("facilitator", reverse("representation:session_json", args=[process.slug, code])),
        ("facilitator", reverse("outreach:list", args=[process.slug])),
        ("facilitator", reverse("people:directory")),
        ("facilitator", reverse("people:export", args=["csv"])),
        ("facilitator", reverse("people:export", args=["xlsx"])),
        ("amara", reverse("privacy:overview")),
        ("amara", reverse("privacy:download")),
        ("anonymous", world.unsubscribe),  # a link in a mail queued before the backup
    ]
    board = activities["idea_board"]
    world.markers = {
        consultation_page: ["Vision 2050"],
        reverse("consult:you_said_we_did", args=c_args) + "?format=csv": [
            "Added to the 2030 milestone",
            "The vision says nothing about workers",
        ],
        reverse("frontend:export_csv", args=[code, board.pk]): ["Note 3: shared audits"],
        reverse("frontend:export_json", args=[code, activities["single_choice"].pk]): [
            "Kofi Mensah"
        ],
        reverse("frontend:room", args=[code]): ["Ana Quispe"],
        reverse("people:export", args=["csv"]): ["Amara Diallo"],
    }
    section = Comment.objects.get(body__startswith="Due diligence must include").section
    world.markers[reverse("consult:section", args=[*c_args, section.pk])] = [
        "meaningful consultation of affected communities, not only audits",
        "small suppliers need shared tools",
    ]
    return world


def _signed_cookie(session: Session, participant: Participant) -> str:
    """The participant cookie the join page sets, signed with the SECRET_KEY."""
    response = HttpResponse()
    selectors.set_participant_cookie(response, participant=participant, secure=False)
    return response.cookies[selectors.participant_cookie_name(session.code)].value


# --------------------------------------------------------------------------- the round trip


# The commands of docs/operations.md, "Backup and restore".
DUMP = ["pg_dump", "--format=custom"]
RESTORE = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error"]


def _url(name: str) -> str:
    """The libpq URL of database ``name`` on the test database's server."""
    return database_url().rsplit("/", 1)[0] + f"/{name}"


def _server() -> psycopg.Connection:
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        args, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"{args[0]} failed:\n{done.stdout}\n{done.stderr}"
    return done


def contents(url: str) -> dict[str, object]:
    """Every table's row count and a digest of its rows, and every sequence's position."""
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        ).fetchall()
        found: dict[str, object] = {}
        for (table,) in tables:
            query = sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), ''))"
                " FROM {} AS t"
            ).format(sql.Identifier(table))
            found[table] = tuple(conn.execute(query).fetchone())
        for name, last_value in conn.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
        ):
            found[f"sequence {name}"] = last_value
    return found


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to compare, not to follow


_opener = urllib.request.build_opener(_NoRedirects)


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    disposition: str
    location: str
    body: bytes


def fetch(server: DaphneProcess, path: str, cookie: str) -> Reply:
    # One public name for both sites, as when the restored site takes over the address:
    # absolute links (join URLs, QR codes) are built from it.
    headers = {"Host": "localhost", "Cookie": cookie}
    request = urllib.request.Request(server.base_url + path, headers=headers)
    try:
        with _opener.open(request, timeout=30) as response:
            status, headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, body = error.code, error.headers, error.read()
    return Reply(
        status,
        headers.get("Content-Type", ""),
        headers.get("Content-Disposition", ""),
        headers.get("Location", ""),
        body,
    )


# What is made afresh for every request, and so differs between any two requests to the
# same server: replaced by a placeholder before comparing.
PER_REQUEST: list[tuple[re.Pattern[bytes], bytes]] = [
    # Django masks the CSRF token anew in every form it renders.
    (re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"'), b'name="csrfmiddlewaretoken"'),
    # The CSP nonce of the page's scripts and styles.
    (re.compile(rb'nonce="[^"]+"'), b'nonce=""'),
    # The live room's participant token, signed (with the time) when the page is made.
    (re.compile(rb'data-token="[^"]+"'), b'data-token=""'),
    # "Download my data" says when it was written.
    (re.compile(rb'^  "exported_at": "[^"]+",$', re.MULTILINE), b'  "exported_at": "",'),
]
# Export file names with the date (the directory's: and the minute) of the download.
STAMPED_NAME = re.compile(r"-\d{4}-?\d{2}-?\d{2}(-\d{4})?\.")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_WRITTEN_AT = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")


def normalised(reply: Reply) -> Reply:
    body = reply.body
    if reply.content_type == XLSX:
        # A zip archive: each member's bytes (the archive stamps them with the time of
        # writing), and the workbook's created/modified properties (also that time).
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            body = b"".join(
                name.encode() + b"\0" + XLSX_WRITTEN_AT.sub(rb"<dcterms:\1/>", book.read(name))
                for name in sorted(book.namelist())
            )
    for pattern, placeholder in PER_REQUEST:
        body = pattern.sub(placeholder, body)
    disposition = STAMPED_NAME.sub("-(date).", reply.disposition)
    return Reply(reply.status, reply.content_type, disposition, reply.location, body)


def difference(before: bytes, after: bytes) -> str:
    """The first lines that differ, for the failure message."""
    lines = difflib.unified_diff(
        before.decode(errors="replace").splitlines(),
        after.decode(errors="replace").splitlines(),
        "source",
        "restored",
        lineterm="",
        n=0,
    )
    return "\n".join(itertools.islice(lines, 40))


def test_a_restored_backup_serves_the_same_pages_and_exports(tmp_path, static_root, settings):
    settings.EMAIL_BACKEND = QUEUED_BACKEND  # the product's outbox, not pytest-django's locmem
    world = build_world()
    source = settings.DATABASES["default"]["NAME"]
    restored = f"{source}_restored"
    dump = tmp_path / "consult.dump"

    _run([*DUMP, f"--file={dump}", f"--dbname={_url(source)}"])
    with _server() as server:
        server.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(restored)))
        server.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(restored))
        )
    servers: list[DaphneProcess] = []
    try:
        _run([*RESTORE, f"--dbname={_url(restored)}", str(dump)])
        migrated = _run(
            [sys.executable, "manage.py", "migrate", "--noinput"], DATABASE_URL=_url(restored)
        )
        assert "No migrations to apply." in migrated.stdout
        held = contents(_url(source))
        for model in (OutgoingMail, DBTaskResult, BrowserSession):
            table = model._meta.db_table
            assert held[table][0] > 0, f"nothing in {table}: the round trip would prove little"
        assert contents(_url(restored)) == held

        # The source, the restored copy, and the restored copy under another SECRET_KEY.
        servers += [
            DaphneProcess(static_root=static_root, extra_env={"DATABASE_URL": _url(source)}),
            DaphneProcess(static_root=static_root, extra_env={"DATABASE_URL": _url(restored)}),
            DaphneProcess(
                static_root=static_root,
                extra_env={"DATABASE_URL": _url(restored), "SECRET_KEY": "another-" + "k" * 50},
            ),
        ]
        source_site, restored_site, other_key_site = servers
        with ThreadPoolExecutor() as pool:  # they take a second or two each to start
            list(pool.map(DaphneProcess.start, servers))
        for who, path in world.pages:
            cookie = world.cookies[who]
            before = fetch(source_site, path, cookie)
            after = fetch(restored_site, path, cookie)
            assert before.status == 200, (who, path, before.status, source_site.log()[-3000:])
            for marker in world.markers.get(path, []):
                assert marker.encode() in before.body, (path, marker)
            same, differ = normalised(before), normalised(after)
            assert differ == same, f"{who} {path}:\n{difference(same.body, differ.body)}"

        # The SECRET_KEY belongs to the backup: the same database under another key signs
        # nobody in, seats no guest and honours no link already mailed.
        code = demo.JOIN_CODE
        console = fetch(
            other_key_site, reverse("frontend:console", args=[code]), world.cookies["facilitator"]
        )
        assert (console.status, console.location.split("?")[0]) == (302, reverse("account_login"))
        room = fetch(other_key_site, reverse("frontend:room", args=[code]), world.cookies["guest"])
        assert (room.status, room.location) == (302, reverse("frontend:join_code", args=[code]))
        assert fetch(other_key_site, world.unsubscribe, "").status == 400
    finally:
        for server in servers:
            server.stop()
        with _server() as server:
            server.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(restored))
            )
