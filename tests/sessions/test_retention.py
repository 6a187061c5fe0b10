"""Guest participants' profiles are erased a process's retention period after their
event ends (sessions.retention); everything else stays."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from consult.models import RepresentationSettings
from polls.models import Ballot
from sessions import services
from sessions.kinds import get_kind
from sessions.retention import erase_expired, expired_event_ids, retention_days_for
from tests.consult.factories import make_process
from tests.factories import make_activity, make_event, make_participant, make_session, make_user
from tests.people.factories import make_person

pytestmark = pytest.mark.django_db

UTC = dt.UTC
PROFILE = {
    "display_name": "Amara",
    "organisation": "Cobalt Institute",
    "stakeholder_group": "civil_society",
    "country": "CD",
    "sector": "mining",
    "gender": "woman",
}
BLANK = dict.fromkeys(PROFILE, "")


def profile(participant) -> dict[str, str]:
    participant.refresh_from_db()
    return {name: str(getattr(participant, name)) for name in PROFILE}


def event_with_retention(days: int | None, *, ends_on=dt.date(2026, 12, 2), time_zone="UTC"):
    process = make_process()
    if days is not None:
        RepresentationSettings.objects.create(process=process, retention_days=days)
    return make_event(
        process=process,
        starts_on=ends_on - dt.timedelta(days=1),
        ends_on=ends_on,
        time_zone=time_zone,
    )


def vote(participant, activity, choice: int) -> None:
    services.perform_command(
        participant=participant, activity_id=activity.pk, action="vote", data=choice, key="k1"
    )


def test_expired_guests_are_blanked_and_everyone_else_kept():
    event = event_with_retention(30)  # ends 2026-12-02: the period ends 2027-01-02 00:00 UTC
    session = make_session(event=event)
    poll = make_activity(session=session, open=True)
    guest = make_participant(session=session, **PROFILE)
    with_account = make_participant(session=session, user=make_user(), **PROFILE)
    with_person = make_participant(session=session, person=make_person(), **PROFILE)
    for n, participant in enumerate([guest, with_account, with_person]):
        vote(participant, poll, n % 2)
    tally_before = get_kind(poll.kind).tally(poll)

    assert erase_expired(now=dt.datetime(2027, 1, 1, 23, 59, tzinfo=UTC)) == 0
    assert profile(guest) == PROFILE

    assert erase_expired(now=dt.datetime(2027, 1, 2, 0, 0, tzinfo=UTC)) == 1
    assert profile(guest) == BLANK
    assert str(guest) == f"participant {guest.pk}"
    assert profile(with_account) == PROFILE
    assert profile(with_person) == PROFILE
    # Votes stay counted: the same ballots, the same tally.
    assert Ballot.objects.filter(activity=poll).count() == 3
    assert Ballot.objects.filter(participant=guest).exists()
    assert get_kind(poll.kind).tally(poll) == tally_before


def test_running_again_erases_nothing_more():
    session = make_session(event=event_with_retention(0))
    guests = [make_participant(session=session, **PROFILE) for _ in range(3)]
    now = dt.datetime(2027, 1, 1, tzinfo=UTC)

    assert erase_expired(now=now) == 3
    assert erase_expired(now=now) == 0
    assert erase_expired(now=now + dt.timedelta(days=400)) == 0
    assert all(profile(g) == BLANK for g in guests)


def test_a_guest_who_gave_only_part_of_a_profile_is_erased_too():
    session = make_session(event=event_with_retention(0))
    partial = make_participant(session=session, gender="man")
    nothing = make_participant(session=session)

    assert erase_expired(now=dt.datetime(2027, 1, 1, tzinfo=UTC)) == 1
    assert profile(partial) == BLANK and profile(nothing) == BLANK


def test_works_in_batches():
    session = make_session(event=event_with_retention(0))
    guests = [make_participant(session=session, **PROFILE) for _ in range(5)]

    assert erase_expired(now=dt.datetime(2027, 1, 1, tzinfo=UTC), batch_size=2) == 5
    assert all(profile(g) == BLANK for g in guests)


def test_processes_without_retention_and_running_events_are_untouched():
    keep_all = make_participant(session=make_session(event=event_with_retention(None)), **PROFILE)
    blank_rule = make_process()
    RepresentationSettings.objects.create(process=blank_rule, retention_days=None)
    kept_by_null = make_participant(
        session=make_session(
            event=make_event(
                process=blank_rule, starts_on=dt.date(2020, 1, 1), ends_on=dt.date(2020, 1, 1)
            )
        ),
        **PROFILE,
    )
    no_process = make_participant(
        session=make_session(
            event=make_event(starts_on=dt.date(2020, 1, 1), ends_on=dt.date(2020, 1, 1))
        ),
        **PROFILE,
    )
    later = event_with_retention(10, ends_on=dt.date(2027, 3, 1))
    not_yet = make_participant(session=make_session(event=later), **PROFILE)

    assert erase_expired(now=dt.datetime(2027, 3, 5, tzinfo=UTC)) == 0
    for participant in (keep_all, kept_by_null, no_process, not_yet):
        assert profile(participant) == PROFILE


@pytest.mark.parametrize(
    ("time_zone", "period_ends"),
    [
        # The end of 2 December in the event's own time zone, plus one day.
        ("Pacific/Auckland", dt.datetime(2026, 12, 3, 11, 0, tzinfo=UTC)),  # UTC+13
        ("UTC", dt.datetime(2026, 12, 4, 0, 0, tzinfo=UTC)),
        ("America/Los_Angeles", dt.datetime(2026, 12, 4, 8, 0, tzinfo=UTC)),  # UTC-8
    ],
)
def test_the_event_ends_at_midnight_in_its_own_time_zone(time_zone, period_ends):
    event = event_with_retention(1, time_zone=time_zone)
    guest = make_participant(session=make_session(event=event), **PROFILE)

    assert expired_event_ids(now=period_ends - dt.timedelta(minutes=1)) == []
    assert erase_expired(now=period_ends - dt.timedelta(minutes=1)) == 0
    assert expired_event_ids(now=period_ends) == [event.pk]
    assert erase_expired(now=period_ends) == 1
    assert profile(guest) == BLANK


def test_retention_days_for_an_event():
    assert retention_days_for(event=event_with_retention(30)) == 30
    assert retention_days_for(event=event_with_retention(None)) is None
    assert retention_days_for(event=make_event()) is None


def test_the_command_erases_at_once_or_queues_the_job():
    event = event_with_retention(7, ends_on=dt.date(2020, 1, 2))
    guest = make_participant(session=make_session(event=event), **PROFILE)

    out = StringIO()
    call_command("erase_expired_guest_profiles", "--enqueue", stdout=out)
    job = DBTaskResult.objects.get()
    assert job.task_path == "sessions.retention.erase_expired_guest_profiles"
    assert job.status == "READY"
    assert profile(guest) == PROFILE  # queued, not run

    out = StringIO()
    call_command("erase_expired_guest_profiles", stdout=out)
    assert out.getvalue().strip() == "erased 1 guest participant profiles"
    assert profile(guest) == BLANK


def test_the_retention_period_is_set_in_the_admin(admin_client):
    process = make_process()
    url = "/admin/consult/representationsettings/add/"
    assert 'name="retention_days"' in admin_client.get(url).content.decode()

    response = admin_client.post(
        url, {"process": process.pk, "alert_gap_points": 10, "retention_days": 60}
    )
    assert response.status_code == 302
    assert RepresentationSettings.objects.get(process=process).retention_days == 60
