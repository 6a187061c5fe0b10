"""The directory scenario (``make bench ARGS="--scenario directory"``).

Three figures, each beside a baseline measured in the same run:

* ``import_s``: one CSV of 20,000 people in 500 organisations read, checked (every
  row, duplicates and near-duplicates) and imported in one transaction through
  ``people.imports`` as the import page does (in-process, PostgreSQL). Baseline
  ``import_floor_s``: ``bulk_create`` of 20,000 bare person rows, rolled back.
* ``representation_page_p95_ms``: GETs of a process's representation page by its
  organiser, served by Daphne, with 20,000 directory people, 3,000 invitations,
  2,000 live participants (half of whom voted) and 5,000 comments in a consultation.
  Baseline ``healthz_p95_ms`` on the same server, requested in turn.
* ``representation_update_p95_ms``: with 2,000 participants connected to the room over
  real WebSockets, the time from a participant's join request (the HTTP join API) to
  the facilitator's console receiving the representation panel that counts them.
  Joins are spaced so each is timed on its own. Baseline ``join_request_p95_ms``: the
  join request alone.

Prints progress to stderr and one JSON object as the last line of stdout.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
import urllib.request

PROCESS_SLUG = "bench-directory"
SOURCE = "Benchmark directory"
PEOPLE = 20_000
ORGANISATIONS = 500
INVITATIONS = 3_000
COMMENTS = 5_000
COMMENTERS = 400
GROUPS = [
    "industry_upstream",
    "industry_downstream",
    "civil_society",
    "policy",
    "research",
    "finance",
    "community_labour",
]
COUNTRIES = ["CL", "PE", "BR", "CD", "ZA", "NG", "CN", "ID", "DE", "FR", "US", "CA", "MA", "AU"]
GENDERS = ["woman", "man", "non_binary", ""]


def log(message: str) -> None:
    from bench.room import log as room_log

    room_log(message)


def csv_bytes(rng: random.Random) -> bytes:
    lines = ["Name,Email,Organisation,Role,Stakeholder group,Country,Gender,Tags"]
    for i in range(PEOPLE):
        lines.append(
            f"Person {i:05d} {rng.choice('ABCDEFGHJKLMNPRSTW')}{rng.randint(100, 999)},"
            f"person{i}@org{i % ORGANISATIONS}.example.org,Organisation {i % ORGANISATIONS:03d},"
            f"Member,{rng.choice(GROUPS)},{rng.choice(COUNTRIES)},{rng.choice(GENDERS)},"
            f"topic{i % 40};topic{i % 7}"
        )
    return ("\n".join(lines) + "\n").encode()


def drop_previous() -> None:
    from consult.models import Comment, Consultation, Process
    from people.models import ImportBatch, Organisation, Person
    from sessions.models import Event

    # Comments and versions are protected from cascades: they go first.
    Comment.objects.filter(section__consultation__process__slug=PROCESS_SLUG).delete()
    Consultation.objects.filter(process__slug=PROCESS_SLUG).delete()
    Event.objects.filter(process__slug=PROCESS_SLUG).delete()
    Process.objects.filter(slug=PROCESS_SLUG).delete()
    Person.objects.filter(listed_source=SOURCE).delete()
    Organisation.objects.filter(name__startswith="Organisation ").delete()
    ImportBatch.objects.filter(listed_source=SOURCE).delete()


def floor_seconds() -> float:
    from django.db import transaction

    from people.models import Person

    class Rollback(Exception):
        pass

    rows = [
        Person(name=f"Floor {i}", basis="listed", listed_source=SOURCE, stakeholder_group="policy")
        for i in range(PEOPLE)
    ]
    started = time.perf_counter()
    try:
        with transaction.atomic():
            Person.objects.bulk_create(rows, batch_size=2000)
            raise Rollback
    except Rollback:
        pass
    return time.perf_counter() - started


def run_import(user, data: bytes) -> dict:
    from people import imports

    started = time.perf_counter()
    batch = imports.start(by=user, filename="directory.csv", data=data, listed_source=SOURCE)
    read = time.perf_counter()
    checked = imports.preview(batch=batch)
    previewed = time.perf_counter()
    result = imports.apply(batch=batch, by=user, mapping=batch.mapping)
    done = time.perf_counter()
    if checked.errors or result.created != PEOPLE:
        raise RuntimeError(f"import went wrong: {len(checked.errors)} errors, {result}")
    return {
        "import_s": round(done - started, 2),
        "import_read_s": round(read - started, 2),
        "import_check_s": round(previewed - read, 2),
        "import_write_s": round(done - previewed, 2),
        "organisations": result.organisations_created,
    }


def build_process(user, rng: random.Random):
    """The process, its target mix, an event with a live session and a poll, the
    consultation with 5,000 comments, and 3,000 invitations to the event."""
    import datetime as dt

    from django.contrib.auth.models import User
    from django.utils import timezone

    from consult import services as consult_services
    from consult.models import Comment, Process, Profile
    from consult.targets import equal_shares, set_target_mix
    from outreach.models import Invitation
    from people.models import Person
    from sessions import services as live

    process = Process.objects.create(title="Benchmark roadmap", slug=PROCESS_SLUG, owner=user)
    set_target_mix(
        process=process, by=user, dimension="stakeholder_group", shares=equal_shares(GROUPS[:6])
    )
    event = live.create_event(
        owner=user,
        title="Benchmark forum",
        kind="conference",
        starts_on=dt.date.today(),
        ends_on=dt.date.today(),
        process=process,
    )
    session = live.create_session(event=event, title="Benchmark plenary")
    poll = live.add_activity(
        session=session,
        kind="single_choice",
        title="Which lever matters most?",
        config={"options": ["A", "B", "C"]},
    )
    now = timezone.now()
    consultation = consult_services.create_consultation(
        process=process,
        by=user,
        title="Benchmark draft",
        slug="draft",
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=30),
    )
    consult_services.publish_version(
        consultation=consultation,
        by=user,
        title="Draft 1",
        sections=[{"type": "vision", "heading": "Vision", "body": "A fair value chain."}],
    )
    consult_services.set_status(consultation=consultation, by=user, status="open")
    section = consultation.sections.get()
    version = consultation.versions.get()
    commenters = User.objects.bulk_create(
        [User(username=f"bench-dir-{i}", email=f"c{i}@example.org") for i in range(COMMENTERS)]
    )
    Profile.objects.bulk_create(
        Profile(
            user=u,
            display_name=u.username,
            stakeholder_group=rng.choice(GROUPS),
            country=rng.choice(COUNTRIES),
        )
        for u in commenters
    )
    Comment.objects.bulk_create(
        (
            Comment(
                section=section,
                version=version,
                author=commenters[i % COMMENTERS],
                body=f"Comment {i}",
            )
            for i in range(COMMENTS)
        ),
        batch_size=1000,
    )
    people = list(
        Person.objects.filter(listed_source=SOURCE).order_by("id").values_list("id", flat=True)
    )
    Invitation.objects.bulk_create(
        (
            Invitation(
                process=process,
                event=event,
                person_id=pid,
                answer=rng.choice(["", "in_person", "remote", "declined"]),
                sent_at=now,
                created_by=user,
            )
            for pid in rng.sample(people, INVITATIONS)
        ),
        batch_size=1000,
    )
    return process, session, poll


def cleanup_users() -> None:
    from django.contrib.auth.models import User

    User.objects.filter(username__startswith="bench-dir-").delete()


def add_votes(session, poll, share: float = 0.5) -> int:
    """Half the participants voted: their receipts and ballots, as the room writes them."""
    from sessions import services as live
    from sessions.models import Participant

    voters = list(Participant.objects.filter(session=session).order_by("id"))
    voters = voters[: int(len(voters) * share)]
    live.open_activity(activity=poll)
    for i, p in enumerate(voters):
        live.perform_command(
            participant=p, activity_id=poll.pk, action="vote", data=i % 3, key=f"v{p.pk}"
        )
    return len(voters)


def p95(values: list[float]) -> float | None:
    from bench.room import percentile

    return percentile(values, 95)


def time_pages(port: int, cookie: str, requests: int) -> dict:
    from bench.consultation import timed_get

    page = f"/processes/{PROCESS_SLUG}/representation/"
    for _ in range(3):  # warm-up
        timed_get(port, page, cookie)
        timed_get(port, "/healthz", None)
    page_s, base_s = [], []
    for _ in range(requests):
        elapsed, status, body = timed_get(port, page, cookie)
        if status != 200 or b"Representation" not in body:
            raise RuntimeError(f"representation page gave {status}")
        page_s.append(elapsed)
        base_s.append(timed_get(port, "/healthz", None)[0])
    return {
        "representation_page_p95_ms": round(p95(page_s) * 1000, 1),
        "representation_page_median_ms": round(sorted(page_s)[len(page_s) // 2] * 1000, 1),
        "healthz_p95_ms": round(p95(base_s) * 1000, 1),
    }


def joined_total(message: dict) -> int | None:
    for dim in message["data"]["dimensions"]:
        if dim["dimension"] == "stakeholder_group":
            return dim["totals"].get("joined")
    return None


async def time_updates(port: int, code: str, cookie: str, joins: int) -> dict:
    from websockets.asyncio.client import connect

    url = f"ws://127.0.0.1:{port}/ws/s/{code}/"
    delays, requests = [], []
    async with connect(
        url, origin=f"http://127.0.0.1:{port}", additional_headers={"Cookie": f"sessionid={cookie}"}
    ) as ws:
        await ws.send(json.dumps({"type": "hello", "role": "facilitator"}))
        latest: list[int] = [-1]
        changed = asyncio.Event()

        async def reader() -> None:
            async for raw in ws:
                msg = json.loads(raw)
                if (
                    msg.get("type") == "panel"
                    and msg.get("name") == "representation"
                    and msg["data"]
                    and "dimensions" in msg["data"]
                ):
                    latest[0] = joined_total(msg)
                    changed.set()

        task = asyncio.create_task(reader())
        while latest[0] < 0:
            changed.clear()
            await asyncio.wait_for(changed.wait(), 60)
        for i in range(joins):
            before = latest[0]
            body = json.dumps(
                {"display_name": f"Late {i}", "stakeholder_group": GROUPS[i % len(GROUPS)]}
            ).encode()
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/sessions/{code}/join",
                data=body,
                headers={"Content-Type": "application/json"},
                method="POST",
            )
            started = time.time()
            await asyncio.to_thread(lambda r=request: urllib.request.urlopen(r, timeout=60).read())
            answered = time.time()
            while latest[0] <= before:
                changed.clear()
                await asyncio.wait_for(changed.wait(), 30)
            delays.append(time.time() - started)
            requests.append(answered - started)
            await asyncio.sleep(0.6)  # past the panel interval: each join is timed alone
        task.cancel()
    return {
        "representation_update_p95_ms": round(p95(delays) * 1000, 1),
        "representation_update_median_ms": round(sorted(delays)[len(delays) // 2] * 1000, 1),
        "join_request_p95_ms": round(p95(requests) * 1000, 1),
        "update_samples": len(delays),
    }


def run_directory(args) -> dict:
    import django

    from bench import room

    room.ensure_database()
    django.setup()
    from django.contrib.auth.models import Permission, User
    from django.core.management import call_command
    from django.db import connection

    from bench.consultation import login_cookie

    call_command("migrate", verbosity=0)
    rng = random.Random(13)
    drop_previous()
    cleanup_users()
    user, _ = User.objects.get_or_create(username="bench-organiser", defaults={"email": "o@x.org"})
    user.user_permissions.add(
        Permission.objects.get(codename="organise", content_type__app_label="live"),
        Permission.objects.get(codename="manage_directory"),
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    figures: dict = {"scenario": "directory", "loadavg": os.getloadavg()}
    figures["import_floor_s"] = round(floor_seconds(), 2)
    log(f"floor: {figures['import_floor_s']} s for {PEOPLE} bare rows")
    figures.update(run_import(user, csv_bytes(rng)))
    log(f"import: {figures['import_s']} s")
    _process, session, poll = build_process(user, rng)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    cookie = login_cookie(user)

    servers = room.Servers(1)
    servers.start()
    try:
        port = servers.ports[0]
        participants = room.join_all(servers.ports, session.code, args.participants)
        log(f"{len(participants)} participants joined")
        figures["voters"] = add_votes(session, poll)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        figures.update(time_pages(port, cookie, args.requests))
        log(f"page p95 {figures['representation_page_p95_ms']} ms")
        pool = room.ClientPool(participants, args.client_procs, 0)
        pool.send("connect")
        reports = pool.recv()
        figures["connected"] = sum(r["connected"] for r in reports)
        log(f"{figures['connected']} connected")
        try:
            figures.update(asyncio.run(time_updates(port, session.code, cookie, args.joins)))
        finally:
            pool.close()
        log(f"update p95 {figures['representation_update_p95_ms']} ms")
    finally:
        servers.stop()
    from people.models import Person

    figures["people"] = Person.objects.filter(listed_source=SOURCE).count()
    figures["participants"] = session.participants.count()
    figures["comments"] = COMMENTS
    figures["invitations"] = INVITATIONS
    drop_previous()
    cleanup_users()
    return figures
