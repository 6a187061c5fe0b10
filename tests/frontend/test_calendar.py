"""The public events calendar (page, iCal feed, a calendar file per event), the event
form's public/location fields, and the consultations open now (frontend/calendar.py)."""

from __future__ import annotations

import datetime as dt
import re

import icalendar
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consult.models import Consultation
from frontend import calendar
from sessions.models import Event
from tests.consult.factories import make_consultation, make_process
from tests.factories import make_event, make_user

pytestmark = pytest.mark.django_db

SITE = "https://consult.example.org"
TRICKY = "Cobalt, lithium; nickel\nforum \\ Paris"


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


def event(today: dt.date, *, starts: int, days: int = 1, public: bool = True, **extra) -> Event:
    """A public event starting ``starts`` days from today and lasting ``days`` days."""
    start = today + dt.timedelta(days=starts)
    return make_event(
        starts_on=start, ends_on=start + dt.timedelta(days=days - 1), public=public, **extra
    )


def parse(response) -> icalendar.Calendar:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def vevents(cal: icalendar.Calendar) -> list:
    return list(cal.walk("VEVENT"))


def titles(response) -> list[str]:
    """The event titles of the calendar page, in page order."""
    html = response.content.decode()
    return re.findall(r'<li class="card calendar-event" id="event-\d+">\s*<h3>([^<]*)</h3>', html)


# --------------------------------------------------------------------------- iCalendar


def test_a_calendar_file_parses_back_with_escaping_dates_and_its_fields(client: Client, today):
    process = make_process()
    item = event(
        today,
        starts=10,
        days=3,
        title=TRICKY,
        kind=Event.Kind.WEBINAR,
        location="Lyon; Halle Tony Garnier, room 2",
        time_zone="Europe/Paris",
        process=process,
    )
    response = client.get(reverse("calendar:event_ics", args=[item.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="event-{item.pk}.ics"'
    raw = response.content.decode()
    # Commas, semicolons, backslashes and newlines are escaped in the text values.
    assert "SUMMARY:Cobalt\\, lithium\\; nickel\\nforum \\\\ Paris\r\n" in raw
    assert "LOCATION:Lyon\\; Halle Tony Garnier\\, room 2\r\n" in raw
    # All-day: dates, and DTEND the day after the last day.
    start, end = item.starts_on, item.ends_on + dt.timedelta(days=1)
    assert f"DTSTART;VALUE=DATE:{start:%Y%m%d}\r\n" in raw
    assert f"DTEND;VALUE=DATE:{end:%Y%m%d}\r\n" in raw

    cal = parse(response)
    assert cal["VERSION"] == "2.0"
    assert cal["PRODID"] == calendar.PRODID
    [vevent] = vevents(cal)
    assert str(vevent["SUMMARY"]) == TRICKY
    assert str(vevent["LOCATION"]) == "Lyon; Halle Tony Garnier, room 2"
    assert vevent.decoded("DTSTART") == item.starts_on
    assert vevent.decoded("DTEND") == item.ends_on + dt.timedelta(days=1)
    assert not isinstance(vevent.decoded("DTSTART"), dt.datetime)
    assert str(vevent["UID"]) == f"event-{item.pk}@consult.example.org"
    stamp = vevent.decoded("DTSTAMP")
    assert stamp.tzinfo is not None and abs(timezone.now() - stamp) < dt.timedelta(minutes=5)
    assert str(vevent["URL"]) == f"{SITE}/calendar/#event-{item.pk}"
    description = str(vevent["DESCRIPTION"]).split("\n")
    assert description == ["Webinar", f"Process: {process.title}", "Time zone: Europe/Paris"]


def test_the_uid_is_stable_whatever_address_the_file_is_fetched_at(client: Client, today):
    item = event(today, starts=1)
    address = reverse("calendar:event_ics", args=[item.pk])
    first = vevents(parse(client.get(address, HTTP_HOST="127.0.0.1")))[0]
    second = vevents(parse(client.get(address, HTTP_HOST="localhost")))[0]
    assert str(first["UID"]) == str(second["UID"]) == f"event-{item.pk}@consult.example.org"


def test_long_lines_are_folded_at_75_octets_and_unfold_to_the_text(client: Client, today):
    title = ("Réunion des coopératives minières — 钴供应链 " * 5).strip()[:200]
    location = "Kolwezi, " + "très long lieu " * 12
    item = event(today, starts=2, title=title, location=location.strip()[:200])
    response = client.get(reverse("calendar:event_ics", args=[item.pk]))
    lines = response.content.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines), max(lines, key=len)
    assert any(line.startswith(b" ") for line in lines)  # continuation lines
    # Folding never splits a UTF-8 character: every physical line decodes alone.
    for line in lines:
        line.decode("utf-8")
    [vevent] = vevents(parse(response))
    assert str(vevent["SUMMARY"]) == item.title
    assert str(vevent["LOCATION"]) == item.location


def test_the_feed_holds_upcoming_and_last_90_days_public_events_only(client: Client, today):
    event(today, starts=30, title="Next month")
    event(today, starts=0, title="Today")
    event(today, starts=-89, title="Ended 89 days ago")
    event(today, starts=-91, title="Ended 91 days ago")
    event(today, starts=-100, days=11, title="Ended 90 days ago")
    event(today, starts=5, title="Organisers only", public=False)
    response = client.get(reverse("calendar:feed"))
    assert response["Content-Disposition"] == 'attachment; filename="calendar.ics"'
    summaries = [str(v["SUMMARY"]) for v in vevents(parse(response))]
    assert summaries == ["Ended 90 days ago", "Ended 89 days ago", "Today", "Next month"]


def test_a_past_event_links_to_the_past_events(client: Client, today):
    item = event(today, starts=-3, title="Done")
    [vevent] = vevents(parse(client.get(reverse("calendar:event_ics", args=[item.pk]))))
    assert str(vevent["URL"]) == f"{SITE}/calendar/?past=1#event-{item.pk}"


def test_the_feed_applies_the_filters_and_refuses_bad_ones(client: Client, today):
    mine, other = make_process(), make_process()
    event(today, starts=1, title="Ours", process=mine, kind=Event.Kind.WEBINAR)
    event(today, starts=1, title="Ours, a lab", process=mine, kind=Event.Kind.FLAGSHIP_LAB)
    event(today, starts=1, title="Theirs", process=other, kind=Event.Kind.WEBINAR)
    feed = reverse("calendar:feed")
    got = parse(client.get(feed, {"process": mine.slug, "kind": "webinar"}))
    assert [str(v["SUMMARY"]) for v in vevents(got)] == ["Ours"]
    bad = client.get(feed, {"kind": "picnic"})
    assert bad.status_code == 400
    assert bad["Content-Type"] == "text/plain; charset=utf-8"
    assert bad.content.decode() == "“picnic” is not a kind of event.\n"


def test_an_event_file_for_a_non_public_or_unknown_event_is_not_found(client: Client, today):
    hidden = event(today, starts=1, public=False)
    assert client.get(reverse("calendar:event_ics", args=[hidden.pk])).status_code == 404
    assert client.get(reverse("calendar:event_ics", args=[hidden.pk + 1000])).status_code == 404
    # Not even for its organiser.
    client.force_login(hidden.owner)
    assert client.get(reverse("calendar:event_ics", args=[hidden.pk])).status_code == 404


def test_the_file_is_in_the_readers_language(client: Client, today):
    item = event(today, starts=1, kind=Event.Kind.CONFERENCE)
    response = client.get(reverse("calendar:event_ics", args=[item.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    [vevent] = vevents(parse(response))
    assert str(vevent["DESCRIPTION"]).split("\n")[0] == "Conférence"


# --------------------------------------------------------------------------- the page


def test_the_page_lists_upcoming_public_events_in_date_order(client: Client, today):
    process = make_process()
    event(today, starts=20, title="Later", process=process, location="online")
    event(today, starts=-2, days=3, title="Ends today")
    event(today, starts=3, title="Soon")
    event(today, starts=-5, title="Over")
    event(today, starts=4, title="Secret workshop", public=False)
    response = client.get(reverse("calendar:calendar"))
    assert response.status_code == 200
    assert titles(response) == ["Ends today", "Soon", "Later"]
    html = response.content.decode()
    assert "Secret workshop" not in html
    assert "<dd>online</dd>" in html
    assert f"<dd>{process.title}</dd>" in html
    assert 'id="past-events-link"' in html
    assert f'href="{reverse("calendar:feed")}" id="calendar-feed-link"' in html
    later = Event.objects.get(title="Later")
    assert f'href="{reverse("calendar:event_ics", args=[later.pk])}"' in html


def test_past_events_are_the_newest_first_50_a_page(client: Client, today):
    owner = make_user(organiser=True)
    Event.objects.bulk_create(
        Event(
            owner=owner,
            title=f"Past {n:02d}",
            kind=Event.Kind.WEBINAR,
            starts_on=today - dt.timedelta(days=n),
            ends_on=today - dt.timedelta(days=n),
            public=True,
        )
        for n in range(1, 52)
    )
    event(today, starts=1, title="Upcoming")
    event(today, starts=-1, title="Hidden past", public=False)
    first = client.get(reverse("calendar:calendar"), {"past": "1"})
    assert first.status_code == 200
    assert titles(first) == [f"Past {n:02d}" for n in range(1, 51)]
    second = client.get(reverse("calendar:calendar"), {"past": "1", "page": "2"})
    assert titles(second) == ["Past 51"]
    assert "Hidden past" not in first.content.decode() + second.content.decode()


def test_dates_are_in_the_readers_language(client: Client):
    make_event(
        title="Forum", starts_on=dt.date(2031, 12, 1), ends_on=dt.date(2031, 12, 3), public=True
    )
    english = client.get(reverse("calendar:calendar")).content.decode()
    assert "1 December 2031 to 3 December 2031" in english
    french = client.get(reverse("calendar:calendar"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "1 décembre 2031" in french and "3 décembre 2031" in french


def test_the_filters_by_process_and_kind(client: Client, today):
    mine, other = make_process(), make_process()
    hidden_process = make_process()
    event(today, starts=1, title="Ours", process=mine, kind=Event.Kind.WEBINAR)
    event(today, starts=2, title="Our lab", process=mine, kind=Event.Kind.FLAGSHIP_LAB)
    event(today, starts=3, title="Theirs", process=other, kind=Event.Kind.WEBINAR)
    event(today, starts=4, title="Quiet", process=hidden_process, public=False)
    page = reverse("calendar:calendar")
    assert titles(client.get(page, {"process": mine.slug})) == ["Ours", "Our lab"]
    assert titles(client.get(page, {"kind": "webinar"})) == ["Ours", "Theirs"]
    both = client.get(page, {"process": mine.slug, "kind": "flagship_lab"})
    assert titles(both) == ["Our lab"]
    html = both.content.decode()
    assert f'<option value="{mine.slug}" selected>' in html
    assert '<option value="flagship_lab" selected>' in html
    # The subscription carries the filters.
    assert f"?process={mine.slug}&amp;kind=flagship_lab" in html
    # A process with no public event is not offered (nor named).
    assert hidden_process.slug not in client.get(page).content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"process": "no-such-process"}, "There is no process “no-such-process” in the calendar."),
        ({"kind": "picnic"}, "“picnic” is not a kind of event."),
        ({"past": "yes"}, "“past” is 1 for the past events, or left out for the upcoming ones."),
    ],
)
def test_a_bad_filter_is_refused_clearly(client: Client, today, query, message):
    event(today, starts=1, title="Still listed")
    response = client.get(reverse("calendar:calendar"), query)
    assert response.status_code == 400
    html = response.content.decode()
    assert message.replace("“", "&ldquo;") in html or message in html
    assert "Showing every upcoming event instead." in html
    assert titles(response) == ["Still listed"]


def test_a_process_with_only_hidden_events_is_a_bad_filter(client: Client, today):
    quiet = make_process()
    event(today, starts=1, title="Quiet", process=quiet, public=False)
    response = client.get(reverse("calendar:calendar"), {"process": quiet.slug})
    assert response.status_code == 400
    assert "Quiet" not in titles(response)


# --------------------------------------------------------------------------- the event form


def test_the_event_form_sets_public_and_location(client: Client):
    organiser = make_user(organiser=True)
    client.force_login(organiser)
    response = client.post(
        reverse("frontend:dashboard"),
        {
            "title": "Cobalt forum",
            "kind": "conference",
            "time_zone": "Africa/Lubumbashi",
            "starts_on": "2031-05-04",
            "ends_on": "2031-05-05",
            "location": "  Lubumbashi,\n  Hotel Pullman ",
            "public": "on",
        },
    )
    assert response.status_code == 302
    created = Event.objects.get(title="Cobalt forum")
    assert (created.public, created.location) == (True, "Lubumbashi, Hotel Pullman")
    assert client.get(reverse("calendar:event_ics", args=[created.pk])).status_code == 200


def test_the_event_form_defaults_to_not_public(client: Client):
    client.force_login(make_user(organiser=True))
    form = client.get(reverse("frontend:dashboard")).content.decode()
    assert 'name="public"' in form and 'name="location"' in form
    client.post(
        reverse("frontend:dashboard"),
        {"title": "Internal", "kind": "webinar", "time_zone": "UTC", "starts_on": "2031-05-04",
         "ends_on": "2031-05-04"},
    )  # fmt: skip
    assert Event.objects.get(title="Internal").public is False


def test_the_event_form_refuses_a_too_long_place_and_keeps_the_input(client: Client):
    client.force_login(make_user(organiser=True))
    response = client.post(
        reverse("frontend:dashboard"),
        {"title": "Too far", "kind": "webinar", "time_zone": "UTC", "starts_on": "2031-05-04",
         "ends_on": "2031-05-04", "location": "x" * 201, "public": "on"},
    )  # fmt: skip
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ensure this value has at most 200 characters (it has 201)." in html
    assert 'value="Too far"' in html
    assert not Event.objects.filter(title="Too far").exists()


def test_the_service_checks_the_place_too():
    with pytest.raises(ValidationError) as caught:
        make_event(location="y" * 201)
    assert "location" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        make_event(location="Paris\x00")
    assert caught.value.message_dict["location"] == ["The place could not be read."]


# --------------------------------------------------------------------------- consultations


def test_open_consultations_lists_those_accepting_input(client: Client):
    now = timezone.now()
    open_one = make_consultation(title="Battery roadmap draft")
    later = make_consultation(title="Closes later", closes_at=now + dt.timedelta(days=60))
    make_consultation(title="Still a draft", status="draft")
    make_consultation(title="Closed already", status="closed")
    make_consultation(title="Not yet open", opens_at=now + dt.timedelta(days=2))
    members_only = make_consultation(title="Members-only draft", is_public=False)
    anonymous = client.get(reverse("calendar:open_consultations"))
    assert anonymous.status_code == 200
    html = anonymous.content.decode()
    found = re.findall(r'id="consultation-(\d+)"', html)
    assert found == [str(open_one.pk), str(later.pk)]  # the first to close first
    address = reverse("consult:consultation", args=[open_one.process.slug, open_one.slug])
    assert f'href="{address}"' in html
    assert open_one.process.title in html
    for absent in ("Still a draft", "Closed already", "Not yet open", "Members-only draft"):
        assert absent not in html
    # Signed in, the consultations not readable without an account are there too.
    client.force_login(make_user())
    html = client.get(reverse("calendar:open_consultations")).content.decode()
    assert f'id="consultation-{members_only.pk}"' in html


def test_the_selector_agrees_with_is_accepting_input():
    from django.contrib.auth.models import AnonymousUser

    from consult.selectors import is_accepting_input

    now = timezone.now()
    make_consultation()
    make_consultation(status="closed")
    make_consultation(opens_at=now + dt.timedelta(hours=1))
    listed = calendar.open_consultations(user=AnonymousUser(), now=now)
    everyone = Consultation.objects.filter(is_public=True)
    assert {c.pk for c in listed} == {c.pk for c in everyone if is_accepting_input(c, now=now)}
    assert len(listed) == 1


def test_open_consultations_take_the_same_queries_for_3_and_30(client: Client):
    process = make_process()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("calendar:open_consultations"))
        assert response.status_code == 200
        return len(captured)

    for _ in range(3):
        make_consultation(process=make_process())
    few = queries()
    for _ in range(27):
        make_consultation(process=process)
    many = queries()
    assert len(re.findall(r'id="consultation-\d+"', client.get(reverse(
        "calendar:open_consultations")).content.decode())) == 30  # fmt: skip
    assert few == many
