"""The workshop report of a large session (issue 19): 2,000 participants in five
stakeholder groups and one activity of every registered kind, each with inputs (every
participant answers the polls and vision votes; 300 notes, 200 questions, 40 statements
with 200 answers each). Measured: from the request (``request_report``) to the finished
PDF (``services.build``, as the worker runs it), and the PDF's size. The baseline in the
same run is reading every activity's tally alone (``report_tallies_s``), which the build
does too.

The process report (``process_report_s``): a process with 10 events (15 live sessions,
a poll in each), 20,000 directory people in six stakeholder groups and four regions,
each invited to one event; 17,000 participations of 14,000 of them (3,000 came to two
events), 8,500 with a vote; a consultation of 20 sections with 5,000 comments by 2,500
accounts (500 of them directory people who also came live), 1,500 answered, and a
validation round of 2,000 answers; everything spread over two years. Measured: from the
request (``request_process_report``) to the finished PDF and XLSX
(``build_process_report``). Its baseline in the same run is the process's
representation alone (``process_representation_s``), the figures its organisers' page
computes on every visit.

    make bench ARGS="--scenario report"
"""

from __future__ import annotations

import datetime as dt
import random
import time

PARTICIPANTS = 2000
GROUPS = ["policy", "industry_upstream", "civil_society", "research", "finance"]
RUNS = 3

STATEMENTS = "\n".join(
    [
        "Every mineral in a vehicle can be traced to a responsible source.",
        "milestone 2030: Human-rights due diligence covers all supply tiers.",
        "milestone 2040: Half of battery minerals come from recycling.",
        "action industry: Publish smelter and refiner lists every year.",
    ]
)
SETTINGS = {
    "single_choice": {"options": ["Lithium", "Cobalt", "Nickel", "Graphite"]},
    "multiple_choice": {
        "options": ["Law", "Standards", "Passports", "Recycling"],
        "max_choices": 2,
    },
    "scale": {"min": 1, "max": 5, "min_label": "Not at all", "max_label": "Fully"},
    "word_cloud": {"max_entries": 3, "max_length": 30},
    "ranking": {"options": ["Traceability", "Living wages", "Recycling", "Land rights"]},
    "dot_vote": {"statements": STATEMENTS, "dots": 5, "max_per_statement": 3},
    "impact_feasibility": {"statements": STATEMENTS},
    "statement_ranking": {"statements": STATEMENTS},
    "idea_board": {"columns": "Challenges\nSolutions\nWho must act", "mode": "open"},
    "qna": {"allow_anonymous": True, "premoderate": False},
    "consensus": {"statements": [f"Statement {j} on responsible sourcing" for j in range(40)]},
}
WORDS = ["traceability", "fair pay", "recycling", "land rights", "audits", "transparency"]


def ballot(kind: str, rng: random.Random):
    return {
        "single_choice": lambda: rng.randrange(4),
        "multiple_choice": lambda: rng.sample(range(4), 2),
        "scale": lambda: rng.randint(1, 5),
        "word_cloud": lambda: rng.sample(WORDS, 2),
        "ranking": lambda: rng.sample(range(4), 4),
        "dot_vote": lambda: {"0": 2, str(rng.randrange(1, 4)): 3},
        "impact_feasibility": lambda: {
            str(i): {"impact": rng.randint(1, 5), "feasibility": rng.randint(1, 5)}
            for i in range(4)
        },
        "statement_ranking": lambda: rng.sample(range(4), 4),
    }[kind]()


def measure() -> dict:
    from bench.room import ensure_database

    ensure_database()
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.utils import timezone

    from boards.models import Note
    from consensus.models import Answer, Statement
    from qna.models import Question
    from reports import services as reports
    from sessions import services
    from sessions.kinds import get_kind, kind_choices
    from sessions.models import Event, Participant

    call_command("migrate", verbosity=0)
    rng = random.Random(19)
    now = timezone.now()
    owner, _ = User.objects.get_or_create(username="bench-report")
    Event.objects.filter(owner=owner).delete()
    event = services.create_event(
        owner=owner,
        title="Battery minerals forum",
        kind="conference",
        starts_on=dt.date.today(),
        ends_on=dt.date.today(),
    )
    session = services.create_session(event=event, title="Plenary")
    people = Participant.objects.bulk_create(
        Participant(session=session, display_name=f"P{i}", stakeholder_group=GROUPS[i % 5])
        for i in range(PARTICIPANTS)
    )
    activities = []
    for name, _label in kind_choices():
        activity = services.add_activity(
            session=session, kind=name, title=f"The {name} of the forum", config=SETTINGS[name]
        )
        services.open_activity(activity=activity)
        activities.append(activity)
        if name in ("idea_board",):
            Note.objects.bulk_create(
                Note(activity=activity, participant=people[i], column=i % 3, text=f"Idea {i}")
                for i in range(300)
            )
        elif name == "qna":
            Question.objects.bulk_create(
                Question(
                    activity=activity,
                    participant=people[i],
                    text=f"Question {i}?",
                    status="visible",
                    answered=i % 3 == 0,
                    answered_at=now if i % 3 == 0 else None,
                )
                for i in range(200)
            )
        elif name == "consensus":
            statements = list(Statement.objects.filter(activity=activity))
            Answer.objects.bulk_create(
                Answer(
                    statement=s, participant=people[i], vote=rng.choice([-1, 0, 1]), answered_at=now
                )
                for s in statements
                for i in rng.sample(range(PARTICIPANTS), 200)
            )
        else:
            for i, person in enumerate(people):
                services.perform_command(
                    participant=person,
                    activity_id=activity.pk,
                    action="vote",
                    data=ballot(name, rng),
                    key=f"b{i}",
                )

    def tallies() -> float:
        start = time.perf_counter()
        for activity in activities:
            get_kind(activity.kind).tally(activity)
        return time.perf_counter() - start

    def report() -> tuple[float, int]:
        start = time.perf_counter()
        asked = reports.request_report(session=session, language="en")
        assert reports.build(report_id=asked.pk, generation=asked.generation)
        took = time.perf_counter() - start
        asked.refresh_from_db()
        return took, len(bytes(asked.pdf))

    tallies()
    baseline = [tallies() for _ in range(RUNS)]
    runs = [report() for _ in range(RUNS)]
    Event.objects.filter(owner=owner).delete()
    process_figures = measure_process_report(owner, rng)
    return {
        "scenario": "report",
        "participants": PARTICIPANTS,
        "activities": len(activities),
        "report_tallies_s": round(max(baseline), 3),
        "report_pdf_runs_s": [round(t, 3) for t, _size in runs],
        "report_pdf_s": round(sorted(t for t, _size in runs)[len(runs) // 2], 3),
        "report_pdf_bytes": runs[-1][1],
        **process_figures,
    }


PROCESS_EVENTS = 10
PEOPLE = 20_000
COMMENTS = 5_000
ACCOUNTS = 2_500
PROCESS_GROUPS = [*GROUPS, "community_labour"]
COUNTRIES = ["CD", "ZM", "DE", "CN", "BR", "CA", "AU", "ZA"]
GENDERS = ["woman", "man", "", "non_binary"]


def process_world(owner, rng: random.Random):
    """The process of the module docstring, built with bulk inserts."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from consult import services as consult
    from consult.models import (
        Comment,
        Disposition,
        Process,
        Profile,
        Section,
        SectionText,
        ValidationAnswer,
        ValidationRound,
    )
    from consult.targets import set_target_mix
    from outreach.models import Invitation
    from people.models import Person
    from people.vocabularies import region_of
    from sessions import services
    from sessions.models import CommandReceipt, Event, Participant

    remove_process_world()
    process = Process.objects.create(
        title="Cobalt roadmap (bench)", slug="bench-process-report", owner=owner
    )
    set_target_mix(
        process=process,
        by=owner,
        dimension="stakeholder_group",
        shares=dict.fromkeys(PROCESS_GROUPS[:4], 25),
    )
    start = timezone.now() - dt.timedelta(days=730)
    events = []
    for n in range(PROCESS_EVENTS):
        day = (start + dt.timedelta(days=73 * n)).date()
        event = Event.objects.create(
            owner=owner,
            process=process,
            title=f"Roadmap event {n + 1}",
            kind=["conference", "roadmap_workshop", "flagship_lab", "webinar"][n % 4],
            starts_on=day,
            ends_on=day,
        )
        sessions = [services.create_session(event=event, title="Plenary")]
        if n % 2 == 0:
            sessions.append(services.create_session(event=event, title="Working groups"))
        polls = []
        for session in sessions:
            poll = services.add_activity(
                session=session,
                kind="single_choice",
                title="First priority",
                config=SETTINGS["single_choice"],
            )
            services.open_activity(activity=poll)
            polls.append(poll)
        events.append((event, sessions, polls, start + dt.timedelta(days=73 * n)))
    people = Person.objects.bulk_create(
        (
            Person(
                name=f"Person {i}",
                stakeholder_group=PROCESS_GROUPS[i % 6],
                country=COUNTRIES[i % 8],
                region=region_of(COUNTRIES[i % 8]),
                gender=GENDERS[i % 4],
                basis="listed",
                listed_source="bench process report",
            )
            for i in range(PEOPLE)
        ),
        batch_size=5000,
    )
    Invitation.objects.bulk_create(
        (
            Invitation(process=process, person=person, event=events[i % PROCESS_EVENTS][0])
            for i, person in enumerate(people)
        ),
        batch_size=5000,
    )
    for event, *_rest, at in events:
        Invitation.objects.filter(process=process, event=event).update(created_at=at)
    participations = []
    for i in range(14_000):
        comes = [i % PROCESS_EVENTS]
        if i < 3000:
            comes.append((i + 3) % PROCESS_EVENTS)
        for n in comes:
            _event, sessions, _polls, _at = events[n]
            person = people[i]
            participations.append(
                Participant(
                    session=sessions[i % len(sessions)],
                    person=person,
                    display_name=person.name,
                    stakeholder_group=person.stakeholder_group,
                    country=person.country,
                    gender=person.gender,
                )
            )
    participations = Participant.objects.bulk_create(participations, batch_size=5000)
    for _event, sessions, _polls, at in events:
        Participant.objects.filter(session__in=sessions).update(joined_at=at)
    poll_of = {
        session.pk: poll
        for _e, sessions, polls, _a in events
        for session, poll in zip(sessions, polls, strict=True)
    }
    CommandReceipt.objects.bulk_create(
        (
            CommandReceipt(participant=p, key=f"v{p.pk}", activity=poll_of[p.session_id], result={})
            for p in participations[::2]
        ),
        batch_size=5000,
    )

    consultation = consult.create_consultation(
        process=process,
        by=owner,
        title="Cobalt roadmap draft",
        slug="draft",
        opens_at=start,
        closes_at=timezone.now() + dt.timedelta(days=30),
    )
    version = consult.publish_version(
        consultation=consultation,
        by=owner,
        title="First draft",
        sections=[
            {"type": "context", "heading": f"Section {n}", "body": "Text."} for n in range(20)
        ],
    )
    consult.set_status(consultation=consultation, by=owner, status="open")
    sections = list(Section.objects.filter(consultation=consultation))
    accounts = User.objects.bulk_create(
        User(username=f"bench-pr-{i}", email=f"bench-pr-{i}@example.org") for i in range(ACCOUNTS)
    )
    Profile.objects.bulk_create(
        Profile(
            user=user,
            display_name=user.username,
            stakeholder_group=PROCESS_GROUPS[i % 6],
            country=COUNTRIES[(i + 1) % 8],
        )
        for i, user in enumerate(accounts)
    )
    for person, user in zip(people[:500], accounts[:500], strict=True):
        person.user = user
    Person.objects.bulk_update(people[:500], ["user"], batch_size=500)
    comments = Comment.objects.bulk_create(
        (
            Comment(
                section=sections[i % 20],
                version=version,
                author=accounts[i % ACCOUNTS],
                body=f"Comment {i} on the draft.",
            )
            for i in range(COMMENTS)
        ),
        batch_size=2500,
    )
    for q in range(8):
        Comment.objects.filter(pk__in=[c.pk for c in comments[q::8]]).update(
            created_at=start + dt.timedelta(days=90 * q + 1)
        )
    Disposition.objects.bulk_create(
        Disposition(comment=comment, decision="accepted", response="Added.", decided_by=owner)
        for comment in comments[:1500]
    )
    round_ = ValidationRound.objects.create(
        consultation=consultation, version=version, title="Validation"
    )
    texts = list(SectionText.objects.filter(version=version).order_by("position"))
    ValidationAnswer.objects.bulk_create(
        ValidationAnswer(
            round=round_,
            section_id=texts[i % 20].section_id,
            user=accounts[i // 20 + 100],
            verdict="agree_with_changes" if i % 3 else "agree",
            reason="Needs a date." if i % 3 else "",
        )
        for i in range(2000)
    )
    return process


def remove_process_world() -> None:
    """What an earlier run left (its rows protect each other: delete from the top)."""
    from django.contrib.auth.models import User

    from consult.models import Comment, Consultation, Process, ValidationRound
    from people.models import Person
    from sessions.models import Event

    processes = Process.objects.filter(slug="bench-process-report")
    Comment.objects.filter(section__consultation__process__in=processes).delete()
    ValidationRound.objects.filter(consultation__process__in=processes).delete()
    Consultation.objects.filter(process__in=processes).delete()
    Event.objects.filter(process__in=processes).delete()
    processes.delete()
    User.objects.filter(username__startswith="bench-pr-").delete()
    Person.objects.filter(listed_source="bench process report").delete()


def measure_process_report(owner, rng: random.Random) -> dict:
    from reports import services as reports
    from reports.models import ProcessReport
    from representation.selectors import process_scope, representation

    process = process_world(owner, rng)

    def baseline() -> float:
        begin = time.perf_counter()
        representation(scope=process_scope(process))
        return time.perf_counter() - begin

    def build() -> tuple[float, int, int]:
        begin = time.perf_counter()
        asked = reports.request_process_report(process=process, language="en")
        assert reports.build_process_report(report_id=asked.pk, generation=asked.generation)
        took = time.perf_counter() - begin
        built = ProcessReport.objects.get(pk=asked.pk)
        return took, len(bytes(built.pdf)), len(bytes(built.xlsx))

    baseline()
    baselines = [baseline() for _ in range(RUNS)]
    runs = [build() for _ in range(RUNS)]
    remove_process_world()
    return {
        "process_events": PROCESS_EVENTS,
        "process_people": PEOPLE,
        "process_comments": COMMENTS,
        "process_representation_s": round(sorted(baselines)[len(baselines) // 2], 3),
        "process_report_runs_s": [round(t, 3) for t, _pdf, _xlsx in runs],
        "process_report_s": round(sorted(t for t, _pdf, _xlsx in runs)[len(runs) // 2], 3),
        "process_report_pdf_bytes": runs[-1][1],
        "process_report_xlsx_bytes": runs[-1][2],
    }


def run_report(args) -> dict:
    return measure()
