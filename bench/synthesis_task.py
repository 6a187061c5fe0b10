"""The common-ground analysis as the background task runs it (issue 17): the same 2,000
participants x 200 statements (about a third answered) as ``bench/synthesis_consensus.py``,
stored as rows of a real consensus activity in the benchmark's database; measured: one
``consensus.analysis.refresh`` (read every answer with its participant's group, analyse,
store the result as JSON), the slowest of three after a warm-up. Its baseline in the
same run is reading the same answer rows alone (``consensus_task_read_s``).
"""

from __future__ import annotations

import datetime as dt
import time

from bench.synthesis_consensus import PARTICIPANTS, STATEMENTS, answer_rows

RUNS = 3


def measure() -> dict:
    from bench.room import ensure_database

    ensure_database()
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.utils import timezone

    from consensus import analysis
    from consensus.models import Answer, Statement
    from sessions import services
    from sessions.models import Event, Participant

    call_command("migrate", verbosity=0)
    owner, _ = User.objects.get_or_create(username="bench-synthesis")
    Event.objects.filter(owner=owner).delete()
    event = services.create_event(
        owner=owner,
        title="Common ground",
        kind="conference",
        starts_on=dt.date.today(),
        ends_on=dt.date.today(),
    )
    session = services.create_session(event=event, title="Common ground")
    activity = services.add_activity(
        session=session,
        kind="consensus",
        title="Where do we agree?",
        config={
            "statements": [f"Statement number {j} of the benchmark" for j in range(STATEMENTS)]
        },
    )
    statements = list(
        Statement.objects.filter(activity=activity).order_by("id").values_list("id", flat=True)
    )
    rows, groups = answer_rows()
    people = Participant.objects.bulk_create(
        Participant(session=session, display_name=f"P{i}", stakeholder_group=groups[i])
        for i in range(PARTICIPANTS)
    )
    now = timezone.now()
    Answer.objects.bulk_create(
        (
            Answer(statement_id=statements[j], participant_id=people[i].pk, vote=v, answered_at=now)
            for i, j, v in rows
        ),
        batch_size=5000,
    )

    def read() -> float:
        start = time.perf_counter()
        list(
            Answer.objects.filter(statement_id__in=statements).values_list(
                "participant_id", "statement_id", "vote", "participant__stakeholder_group"
            )
        )
        return time.perf_counter() - start

    def task() -> float:
        start = time.perf_counter()
        analysis.refresh(activity_id=activity.pk)
        return time.perf_counter() - start

    read()
    task()
    read_s = max(read() for _ in range(RUNS))
    task_s = max(task() for _ in range(RUNS))
    answers = analysis.Analysis.objects.get(activity=activity).answers
    Event.objects.filter(owner=owner).delete()
    return {
        "consensus_task_answers": answers,
        "consensus_task_read_s": round(read_s, 3),
        "consensus_task_s": round(task_s, 3),
    }
