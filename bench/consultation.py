"""The consultation scenario (``make bench ARGS="--scenario consultation"``).

Builds a consultation the size of a busy one on PostgreSQL (database ``consult_bench``):
two published versions of a 50-section draft, 5,000 comments over the sections with one
section holding 500 (threads up to the deepest reply level, reactions, some deleted by
their authors, some hidden by a moderator, dispositions on a good share), an open
validation round with answers and reasons, and participants of every stakeholder group.
Then it starts Daphne as production runs it (127.0.0.1, a free port) and times GETs of

* the section page of the 500-comment section, as a logged-in participant who has
  commented there (the heavier, usual case while a consultation is open: reply, edit
  and report forms on every comment), and as an anonymous reader;
* the "you said, we did" page as a reader lands on it: the first page of 100 inputs
  (every visible comment and validation reason is read, filtered and sorted to find
  them), as an anonymous reader and as the organiser (answer form per input);
* ``/healthz`` on the same server, the baseline (the request path with one query).

A time is the wall time of one request on loopback, from opening the connection to the
last byte of the response (gzip accepted, as a browser does): the time Django takes to
produce the response, plus the loopback connect, which is what the baseline shows.
Warm-up requests are left out; the baseline and the section pages are requested in
turn so that each sees the same machine, the report pages after them.
``*_server_cpu_ms`` is the CPU time the Daphne process used per request (from /proc,
averaged over the timed requests): on a shared machine the wall time also holds the
time spent waiting for a core, and the two together tell which it was.
Query counts come from the same requests made in-process (``django.test.Client`` and
``CaptureQueriesContext``) against the same database.

Set-up: the consultation, its versions, its opening and the validation round go through
``consult.services``, and so do the deletions and the moderators' hiding; the people,
comments, reactions, dispositions, validation answers and follows are written with
``bulk_create``: through the services (a rate limit of 10 comments per person per 10
minutes, and several queries and a notification per call) the 5,000 comments and
their answers would take minutes. The bulk rows carry what the services would store
(depth, version, Follow of each commenter); notifications are left out. Each run
deletes the previous run's consultation and builds it again with the same seed, then
runs ANALYZE so that the planner knows the tables' sizes, as on a database in use.

Prints progress to stderr and one JSON object as the last line of stdout.
"""

from __future__ import annotations

import datetime as dt
import gzip
import http.client
import os
import random
import re
import time

PROCESS_SLUG = "bench-consultation"
SLUG = "draft"
SECTIONS = 50
COMMENTS = 5000
BIG_SECTION_COMMENTS = 500
BIG_SECTION_POSITION = 7
PARTICIPANTS = 400
RESPONDENTS = 150
WARMUP = 5
# The organiser's "you said, we did" page carries an answer form with every section in a
# list per input: it is timed fewer times.
ORGANISER_REQUESTS = 20

VOCABULARY = (
    "responsible sourcing due diligence traceability recycling recovery critical raw "
    "materials battery cobalt lithium nickel copper graphite supply chain smelter refinery "
    "audit standard certification community consultation free prior informed consent water "
    "tailings emissions transparency reporting import export permitting investment "
    "artisanal mining workers safety women youth data sharing passport circularity "
    "secondary substitution design repair reuse collection targets 2030 2040 2050 "
    "regulators industry civil society researchers finance grievance mechanism remedy"
)
WORDS = VOCABULARY.split()


# --------------------------------------------------------------------------- text


def sentence(rng: random.Random, low: int = 8, high: int = 22) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    words[0] = words[0].capitalize()
    if rng.random() < 0.3:
        i = rng.randrange(len(words))
        words[i] = f"**{words[i]}**"
    return " ".join(words) + "."


def paragraph(rng: random.Random, sentences: tuple[int, int] = (2, 5)) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(*sentences)))


def section_body(rng: random.Random) -> str:
    parts = [paragraph(rng, (3, 6)), paragraph(rng, (2, 5))]
    parts.append("\n".join(f"- {sentence(rng, 5, 12)}" for _ in range(rng.randint(3, 6))))
    parts.append(paragraph(rng, (2, 4)))
    return "\n\n".join(parts)


def comment_body(rng: random.Random) -> str:
    shape = rng.random()
    if shape < 0.45:
        return sentence(rng) + " " + sentence(rng)
    if shape < 0.85:
        return "\n\n".join(paragraph(rng) for _ in range(rng.randint(1, 3)))
    items = "\n".join(f"1. {sentence(rng, 4, 10)}" for _ in range(rng.randint(2, 5)))
    link = "See [the study](https://example.org/study.pdf)." if rng.random() < 0.5 else ""
    return f"{paragraph(rng, (1, 2))}\n\n{items}\n\n{link}".strip()


def edit_words(rng: random.Random, text: str) -> str:
    words = text.split(" ")
    for _ in range(rng.randint(2, 8)):
        words[rng.randrange(len(words))] = rng.choice(WORDS)
    return " ".join(words)


# --------------------------------------------------------------------------- set-up


def drop_previous(process_slug: str) -> None:
    """The previous run's consultation, deleted in the order its PROTECTed keys need."""
    from consult.models import Comment, Process, ValidationAnswer, ValidationRound

    Comment.objects.filter(section__consultation__process__slug=process_slug).delete()
    ValidationAnswer.objects.filter(round__consultation__process__slug=process_slug).delete()
    ValidationRound.objects.filter(consultation__process__slug=process_slug).delete()
    Process.objects.filter(slug=process_slug).delete()


def people() -> tuple:
    """The organiser, a moderator and the participants (created once, kept between runs),
    each participant with a stakeholder profile; one in fifty has no profile (an account
    made in the admin)."""
    from django.contrib.auth.models import User

    from consult.models import Profile
    from people.vocabularies import Sector, StakeholderGroup

    names = ["bench-organiser", "bench-moderator"] + [
        f"bench-p{i:04d}" for i in range(PARTICIPANTS)
    ]
    have = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    new = []
    for name in names:
        if name not in have:
            user = User(username=name, email=f"{name}@example.org")
            user.set_unusable_password()
            new.append(user)
    User.objects.bulk_create(new)
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    with_profile = set(
        Profile.objects.filter(user__in=users.values()).values_list("user_id", flat=True)
    )
    groups = StakeholderGroup.values
    sectors = Sector.values
    profiles = []
    for i, name in enumerate(names):
        user = users[name]
        if user.pk in with_profile or (i >= 2 and i % 50 == 49):
            continue
        profiles.append(
            Profile(
                user=user,
                display_name=name.replace("bench-", "").title(),
                organisation=f"Organisation {i % 37}",
                stakeholder_group=groups[i % len(groups)],
                sector=sectors[i % len(sectors)],
                consented_at=dt.datetime.now(dt.UTC),
                terms_version="1",
            )
        )
    Profile.objects.bulk_create(profiles)
    participants = [users[n] for n in names[2:]]
    return users["bench-organiser"], users["bench-moderator"], participants


def build(seed: int = 7) -> dict:
    """The consultation; returns what the measurement needs."""
    from django.db import connection, transaction
    from django.utils import timezone

    from consult import services
    from consult.models import (
        Comment,
        Disposition,
        Follow,
        Process,
        ProcessRole,
        Reaction,
        SectionText,
        ValidationAnswer,
        Verdict,
    )

    rng = random.Random(seed)
    drop_previous(PROCESS_SLUG)
    organiser, moderator, participants = people()
    process = Process.objects.create(
        title="Critical raw materials roadmap", slug=PROCESS_SLUG, owner=organiser
    )
    ProcessRole.objects.create(process=process, user=moderator, role=ProcessRole.Role.MODERATOR)
    now = timezone.now()
    consultation = services.create_consultation(
        process=process,
        by=organiser,
        title="Roadmap draft for consultation",
        slug=SLUG,
        summary=paragraph(rng),
        opens_at=now - dt.timedelta(days=20),
        closes_at=now + dt.timedelta(days=20),
    )
    kinds = ["vision"] + ["milestone"] * 15 + ["action"] * 20 + ["context"] * 14
    rng.shuffle(kinds)
    draft = []
    for i, kind in enumerate(kinds):
        raw = {"type": kind, "heading": f"{i + 1}. {sentence(rng, 3, 7)[:-1]}"}
        raw["body"] = section_body(rng)
        if kind == "milestone":
            raw["horizon"] = rng.choice(services.HORIZONS)
        if kind == "action":
            raw["actor"] = rng.choice(services.ACTORS)
        draft.append(raw)
    v1 = services.publish_version(
        consultation=consultation, by=organiser, title="First draft", sections=draft
    )
    services.set_status(consultation=consultation, by=organiser, status="open")
    texts_v1 = list(v1.texts.order_by("position"))
    second = []
    for raw, text in zip(draft, texts_v1, strict=True):
        body = edit_words(rng, raw["body"]) if rng.random() < 0.6 else raw["body"]
        second.append({**raw, "body": body, "section": text.section_id})
    v2 = services.publish_version(
        consultation=consultation,
        by=organiser,
        title="Second draft",
        sections=second,
        change_note="Edits after the first weeks of comments.",
    )
    texts_v2 = list(SectionText.objects.filter(version=v2).order_by("position"))
    sections = [t.section_id for t in texts_v2]
    big = sections[BIG_SECTION_POSITION]

    # Comments: 500 on the big section, the rest spread unevenly over the others.
    others = [s for s in sections if s != big]
    weights = [rng.uniform(0.3, 1.7) for _ in others]
    per_section = {s: 0 for s in others}
    for s in rng.choices(others, weights=weights, k=COMMENTS - BIG_SECTION_COMMENTS):
        per_section[s] += 1
    per_section[big] = BIG_SECTION_COMMENTS

    started_at = now - dt.timedelta(days=19)
    span = (now - dt.timedelta(hours=1) - started_at).total_seconds()
    v2_at = started_at + dt.timedelta(seconds=span * 0.3)
    # In memory first: (section, parent index or None, depth, author, time) per comment.
    plan: list[dict] = []
    for section, n in per_section.items():
        times = sorted(rng.uniform(0, span) for _ in range(n))
        mine: list[int] = []
        for offset in times:
            at = started_at + dt.timedelta(seconds=offset)
            open_parents = [i for i in mine[-40:] if plan[i]["depth"] < services.MAX_REPLY_DEPTH]
            parent = None
            if mine and open_parents and rng.random() < 0.6:
                parent = rng.choice(open_parents)
            plan.append(
                {
                    "section": section,
                    "parent": parent,
                    "depth": 0 if parent is None else plan[parent]["depth"] + 1,
                    "author": rng.choice(participants),
                    "at": at,
                    "version": v1 if at < v2_at else v2,
                }
            )
            mine.append(len(plan) - 1)

    objects: list[Comment | None] = [None] * len(plan)
    with transaction.atomic():
        for depth in range(services.MAX_REPLY_DEPTH + 1):
            level = [i for i, p in enumerate(plan) if p["depth"] == depth]
            rows = [
                Comment(
                    section_id=plan[i]["section"],
                    version=plan[i]["version"],
                    parent=objects[plan[i]["parent"]] if plan[i]["parent"] is not None else None,
                    depth=depth,
                    author=plan[i]["author"],
                    body=comment_body(rng),
                )
                for i in level
            ]
            Comment.objects.bulk_create(rows, batch_size=1000)
            for i, row in zip(level, rows, strict=True):
                objects[i] = row
        comments: list[Comment] = objects  # type: ignore[assignment]
        for comment, p in zip(comments, plan, strict=True):
            comment.created_at = p["at"]
            if rng.random() < 0.05:
                comment.edited_at = p["at"] + dt.timedelta(minutes=rng.randint(1, 600))
        Comment.objects.bulk_update(comments, ["created_at", "edited_at"], batch_size=1000)
        Follow.objects.bulk_create(
            [Follow(user_id=u, consultation=consultation) for u in {c.author_id for c in comments}]
        )

    # Authors delete some, a moderator hides some (through the services).
    by_id = {c.pk: c for c in comments}
    deleted = hidden = 0
    for comment in rng.sample(comments, k=COMMENTS * 3 // 100):
        comment.section.consultation = consultation
        services.delete_comment(comment=comment, by=comment.author)
        deleted += 1
    for comment in rng.sample([c for c in comments if c.deleted_at is None], k=COMMENTS // 50):
        comment.section.consultation = consultation
        services.report_comment(comment=comment, reporter=rng.choice(participants), reason="Spam")
        services.hide_comment(comment=comment, by=moderator, reason="Off topic advertising")
        hidden += 1
    visible = [c for c in by_id.values() if c.deleted_at is None and c.hidden_at is None]

    kinds = Reaction.Kind.values
    reactions = []
    for comment in visible:
        if rng.random() < 0.6:
            for user in rng.sample(participants, k=rng.randint(1, 8)):
                reactions.append(Reaction(comment=comment, user=user, kind=rng.choice(kinds)))
    Reaction.objects.bulk_create(reactions, batch_size=2000, ignore_conflicts=True)

    decisions = Disposition.Decision.values
    by_section_v2 = {t.section_id: t for t in texts_v2}
    dispositions = []
    for comment in visible:
        if rng.random() < (0.45 if comment.depth == 0 else 0.15):
            dispositions.append(
                Disposition(
                    comment=comment,
                    decision=rng.choice(decisions),
                    response=paragraph(rng, (1, 2)),
                    addressed_in=by_section_v2[comment.section_id] if rng.random() < 0.5 else None,
                    decided_by=organiser,
                )
            )

    round_ = services.open_round(consultation=consultation, by=organiser, version=v2)
    answers = []
    for user in rng.sample(participants, k=RESPONDENTS):
        for section in rng.sample(sections, k=rng.randint(6, 20)):
            verdict = rng.choices(Verdict.values, weights=[5, 3, 2])[0]
            reason = ""
            if verdict != Verdict.AGREE or rng.random() < 0.1:
                reason = paragraph(rng, (1, 3))
            answers.append(
                ValidationAnswer(
                    round=round_, section_id=section, user=user, verdict=verdict, reason=reason
                )
            )
    ValidationAnswer.objects.bulk_create(answers, batch_size=2000)
    for answer in answers:
        if answer.reason and rng.random() < 0.4:
            dispositions.append(
                Disposition(
                    answer=answer,
                    decision=rng.choice(decisions),
                    response=paragraph(rng, (1, 2)),
                    decided_by=organiser,
                )
            )
    Disposition.objects.bulk_create(dispositions, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics, as a database in use has them

    big_comments = [c for c in comments if c.section_id == big]
    viewer = max(participants, key=lambda u: sum(1 for c in big_comments if c.author_id == u.pk))
    return {
        "consultation": consultation,
        "organiser": organiser,
        "viewer": viewer,
        "big_section": big,
        "comments": len(comments),
        "section_comments": len(big_comments),
        "deleted": deleted,
        "hidden": hidden,
        "reactions": Reaction.objects.filter(comment__section__in=sections).count(),
        "dispositions": len(dispositions),
        "answers": len(answers),
        "report_rows": len(visible) + sum(1 for a in answers if a.reason),
    }


def login_cookie(user) -> str:
    """A session for ``user`` in the database, as a login makes it."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return store.session_key


# --------------------------------------------------------------------------- measuring


def count_queries(path: str, cookie: str | None) -> tuple[int, bytes]:
    """The queries one in-process GET of ``path`` makes, and its body."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    if cookie:
        client.cookies["sessionid"] = cookie
    client.get(path)  # the first request of a process also loads templates and translations
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} gave {response.status_code} in-process")
    return len(captured), response.content


def timed_get(port: int, path: str, cookie: str | None) -> tuple[float, int, bytes]:
    headers = {"Accept-Encoding": "gzip", "Accept": "text/html", "Connection": "close"}
    if cookie:
        headers["Cookie"] = f"sessionid={cookie}"
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
    finally:
        conn.close()
    if response.getheader("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return elapsed, response.status, body


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (all its threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_consultation(args) -> dict:
    import django

    from bench import room

    room.ensure_database()
    os.environ.setdefault("STATIC_MANIFEST", "0")  # as room.Servers runs Daphne
    django.setup()
    from django.core.management import call_command
    from django.urls import reverse

    from consult.views import INPUTS_PER_PAGE

    call_command("migrate", verbosity=0)
    room.log("building the consultation")
    started = time.monotonic()
    data = build()
    build_s = time.monotonic() - started
    room.log(
        f"built in {build_s:.1f}s: {data['comments']} comments ({data['section_comments']} on"
        f" one section, {data['deleted']} deleted, {data['hidden']} hidden),"
        f" {data['reactions']} reactions, {data['answers']} validation answers,"
        f" {data['dispositions']} dispositions"
    )
    consultation = data["consultation"]
    args_ = [consultation.process.slug, consultation.slug]
    paths = {
        "section": reverse("consult:section", args=[*args_, data["big_section"]]),
        "report": reverse("consult:you_said_we_did", args=args_),
        "baseline": reverse("healthz"),
    }
    participant = login_cookie(data["viewer"])
    organiser = login_cookie(data["organiser"])
    # Requested in three groups, each page of a group in turn: the report pages after the
    # section pages, so that their multi-megabyte renders do not leave their garbage to
    # the section pages' collections.
    groups = [
        (
            WARMUP,
            args.requests,
            {
                "baseline": (paths["baseline"], None),
                "section_page": (paths["section"], participant),
                "section_page_anonymous": (paths["section"], None),
            },
        ),
        (2, args.requests, {"report_page": (paths["report"], None)}),
        (
            1,
            min(ORGANISER_REQUESTS, args.requests),
            {"report_page_organiser": (paths["report"], organiser)},
        ),
    ]
    targets = {name: target for _w, _n, group in groups for name, target in group.items()}
    expected = {
        "section_page": ('id="comment-', data["section_comments"]),
        "section_page_anonymous": ('id="comment-', data["section_comments"]),
        "report_page": ('id="input-', min(INPUTS_PER_PAGE, data["report_rows"])),
        "report_page_organiser": ('id="input-', min(INPUTS_PER_PAGE, data["report_rows"])),
    }

    def check(name: str, body: bytes) -> None:
        if name not in expected:
            return
        marker, count = expected[name]
        found = len(re.findall(re.escape(marker), body.decode()))
        if found != count:
            raise RuntimeError(f"{name}: {found} {marker!r} in the page, expected {count}")

    queries = {}
    for name in ("section_page", "section_page_anonymous", "report_page", "report_page_organiser"):
        path, cookie = targets[name]
        queries[name], body = count_queries(path, cookie)
        check(name, body)
    room.log(f"queries per page (in-process): {queries}")

    servers = room.Servers(1)
    room.log(f"starting Daphne on 127.0.0.1:{servers.ports[0]}")
    servers.start()
    times: dict[str, list[float]] = {name: [] for name in targets}
    cpu: dict[str, float] = dict.fromkeys(times, 0.0)
    sizes: dict[str, int] = {}

    def rounds(targets: dict, warmup: int, timed: int) -> None:
        for round_no in range(warmup + timed):
            for name, (path, cookie) in targets.items():
                before = cpu_seconds(server)
                elapsed, status, body = timed_get(servers.ports[0], path, cookie)
                used = cpu_seconds(server) - before
                if status != 200:
                    raise RuntimeError(f"GET {path} ({name}) gave {status}")
                if round_no < warmup:
                    check(name, body)
                    sizes[name] = len(body)
                else:
                    times[name].append(elapsed)
                    cpu[name] += used

    server = servers.procs[0].pid
    load_before = os.getloadavg()[0]
    try:
        for warmup, timed, group in groups:
            room.log(f"timing {timed} requests each of {', '.join(group)}")
            rounds(group, warmup, timed)
    finally:
        load_after = os.getloadavg()[0]
        servers.stop()

    pct, ms = room.percentile, room.ms
    figures = {
        "scenario": "consultation",
        "sections": SECTIONS,
        "comments": data["comments"],
        "section_comments": data["section_comments"],
        "requests": args.requests,
        "measured": "daphne over loopback HTTP, first byte sent to last byte received",
    }
    for name in ("section_page", "report_page", "baseline"):
        figures[f"{name}_p50_ms"] = ms(pct(times[name], 50))
        figures[f"{name}_p95_ms"] = ms(pct(times[name], 95))
    for name in times:
        figures[f"{name}_server_cpu_ms"] = ms(cpu[name] / max(len(times[name]), 1))
    figures["queries_section_page"] = queries["section_page"]
    figures["queries_report_page"] = queries["report_page"]
    for name in ("section_page_anonymous", "report_page_organiser"):
        figures[f"{name}_p50_ms"] = ms(pct(times[name], 50))
        figures[f"{name}_p95_ms"] = ms(pct(times[name], 95))
        figures[f"queries_{name}"] = queries[name]
    figures.update(
        {
            "section_page_viewer": "participant (logged in, has commented there)",
            "report_page_viewer": "anonymous",
            "section_page_kb": round(sizes["section_page"] / 1024, 1),
            "report_page_kb": round(sizes["report_page"] / 1024, 1),
            "report_page_organiser_kb": round(sizes["report_page_organiser"] / 1024, 1),
            "report_page_organiser_requests": len(times["report_page_organiser"]),
            "report_rows": data["report_rows"],
            "reactions": data["reactions"],
            "dispositions": data["dispositions"],
            "validation_answers": data["answers"],
            "deleted": data["deleted"],
            "hidden": data["hidden"],
            "build_s": round(build_s, 1),
            "cpus": os.cpu_count(),
            "loadavg_1m_before": round(load_before, 2),
            "loadavg_1m_after": round(load_after, 2),
        }
    )
    return figures
