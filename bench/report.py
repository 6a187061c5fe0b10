"""The workshop report of a large session (issue 19): 2,000 participants in five
stakeholder groups and one activity of every registered kind, each with inputs (every
participant answers the polls and vision votes; 300 notes, 200 questions, 40 statements
with 200 answers each). Measured: from the request (``request_report``) to the finished
PDF (``services.build``, as the worker runs it), and the PDF's size. The baseline in the
same run is reading every activity's tally alone (``report_tallies_s``), which the build
does too. The process report (``process_report_s``) is not built yet.

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
    return {
        "scenario": "report",
        "participants": PARTICIPANTS,
        "activities": len(activities),
        "report_tallies_s": round(max(baseline), 3),
        "report_pdf_runs_s": [round(t, 3) for t, _size in runs],
        "report_pdf_s": round(sorted(t for t, _size in runs)[len(runs) // 2], 3),
        "report_pdf_bytes": runs[-1][1],
    }


def run_report(args) -> dict:
    return measure()
