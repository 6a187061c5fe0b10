"""Dates, times, numbers and percentages in the reader's language and time zone (issue
18): Django's named formats and the ``localised`` filters in each interface language,
the reader's zone (a profile's, else the browser's cookie, else UTC) on the
consultation page with the zone named, and a bad cookie ignored."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from consult import formats, notifications, selectors, services
from consult.models import Follow, Notification, Profile
from consult.time_zone import TIME_ZONE_COOKIE, ReaderTimeZoneMiddleware, reader_time_zone
from tests.consult.factories import make_consultation, make_member
from tests.factories import make_user

pytestmark = pytest.mark.django_db

CLOSES = dt.datetime(2026, 12, 6, 15, 30, tzinfo=dt.UTC)

# The closing time (UTC) as each language writes a date and time (DATETIME_FORMAT).
DATETIMES = {
    "en": "6 Dec 2026, 15:30",
    "es": "6 de diciembre de 2026 a las 15:30",
    "fr": "6 décembre 2026 15:30",
    "pt": "6 de Dezembro de 2026 às 15:30",
    "zh-hans": "2026年12月6日 15:30",
}
# A date (DATE_FORMAT), 1234.5 (``number``) and 45.5 % (``percent``).
FIGURES = {
    "en": ("6 December 2026", "1234.5", "45.5 %"),
    "es": ("6 de diciembre de 2026", "1234,5", "45,5\u00a0%"),
    "fr": ("6 décembre 2026", "1234,5", "45,5\u202f%"),
    "pt": ("6 de Dezembro de 2026", "1234,5", "45,5%"),
    "zh-hans": ("2026年12月6日", "1234.5", "45.5%"),
}


def consultation_page(client: Client, consultation, language: str = "en", **extra) -> str:
    url = reverse("consult:consultation", args=[consultation.process.slug, consultation.slug])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language, **extra)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def consultation():
    return make_consultation(opens_at=CLOSES - dt.timedelta(days=20), closes_at=CLOSES)


# --------------------------------------------------------------------------- languages


@pytest.mark.parametrize("language", list(FIGURES))
def test_a_date_a_number_and_a_percentage_follow_the_language(language):
    template = Template(
        '{% load localised %}{{ day|date:"DATE_FORMAT" }}|{{ n|number }}|{{ share|percent }}'
    )
    with translation.override(language):
        shown = template.render(
            Context({"day": dt.date(2026, 12, 6), "n": Decimal("1234.50"), "share": 45.5})
        )
    assert shown.split("|") == list(FIGURES[language])


@pytest.mark.parametrize("language", list(DATETIMES))
def test_the_consultation_deadline_is_written_in_the_page_language(client, consultation, language):
    html = consultation_page(client, consultation, language)
    assert f'<html lang="{language}">' in html
    assert DATETIMES[language] in html
    assert "UTC" in html.split('class="time-zone"')[1][:80]


@pytest.mark.parametrize(
    ("language", "shares"),
    [
        ("en", ("4 (66.7 %)", "3 (60.0 %)")),
        ("es", ("4 (66,7\u00a0%)", "3 (60,0\u00a0%)")),
        ("fr", ("4 (66,7\u202f%)", "3 (60,0\u202f%)")),
        ("pt", ("4 (66,7%)", "3 (60,0%)")),
        ("zh-hans", ("4 (66.7%)", "3 (60.0%)")),
    ],
)
def test_the_round_results_write_shares_in_the_page_language(client, language, shares):
    consultation = make_consultation()
    version = selectors.latest_version(consultation)
    round_ = services.open_round(
        consultation=consultation, by=consultation.process.owner, version=version
    )
    section = version.texts.order_by("position")[0].section
    for i in range(5):
        services.answer_section(
            round=round_, section=section, user=make_member(group="research"),
            verdict="agree" if i < 3 else "disagree", reason="" if i < 3 else "No",
        )  # fmt: skip
    services.answer_section(
        round=round_, section=section, user=make_member(group="finance"), verdict="agree"
    )
    client.force_login(consultation.process.owner)
    url = reverse(
        "consult:round_results", args=[consultation.process.slug, consultation.slug, round_.pk]
    )
    html = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'<html lang="{language}">' in html
    for share in shares:  # 4 of 6 agree overall; research: 3 of 5
        assert share in html


def test_differences_and_plain_numbers_follow_the_language():
    with translation.override("fr"):
        assert formats.signed_number(-3.25) == "\u22123,3"
        assert formats.signed_number(2) == "+2,0"
        assert formats.number(100) == "100"
        assert formats.percent(12.5, decimals=-2) == "12,5\u202f%"
        assert formats.percent(None) == ""
    with translation.override("en"):
        assert formats.percent(20, decimals=-2) == "20 %"


# --------------------------------------------------------------------------- time zones


def test_a_signed_in_reader_sees_the_deadline_in_their_profile_zone(client, consultation):
    reader = make_member()
    Profile.objects.filter(user=reader).update(time_zone="America/Santiago")
    client.force_login(reader)
    # Their browser says Tokyo: the profile wins.
    client.cookies[TIME_ZONE_COOKIE] = "Asia/Tokyo"
    html = consultation_page(client, consultation, "es")
    # 15:30 UTC is 12:30 in Santiago (UTC-3 in December).
    assert "6 de diciembre de 2026 a las 12:30" in html
    assert "America/Santiago" in html.split('class="time-zone"')[1][:80]
    assert 'data-time-zone="America/Santiago"' in html


def test_a_profile_without_a_chosen_zone_reads_in_the_browsers(client, consultation):
    reader = make_member()
    assert Profile.objects.get(user=reader).time_zone == ""  # not chosen
    client.force_login(reader)
    client.cookies[TIME_ZONE_COOKIE] = "Asia/Tokyo"
    html = consultation_page(client, consultation)
    assert "7 Dec 2026, 00:30" in html and "(times in Asia/Tokyo)" in html


def test_an_anonymous_reader_sees_the_zone_their_browser_reported(client, consultation):
    client.cookies[TIME_ZONE_COOKIE] = "Asia/Tokyo"
    html = consultation_page(client, consultation)
    assert "7 Dec 2026, 00:30" in html  # UTC+9
    assert "(times in Asia/Tokyo)" in html
    assert 'data-time-zone="Asia/Tokyo"' in html


@pytest.mark.parametrize("bad", ["Mars/Olympus", "../../etc/passwd", "", "x" * 300, "utc "])
def test_a_bad_cookie_is_ignored(client, consultation, bad):
    client.cookies[TIME_ZONE_COOKIE] = bad
    html = consultation_page(client, consultation)
    assert DATETIMES["en"] in html
    assert "(times in UTC)" in html
    assert 'data-time-zone=""' in html


def test_without_a_profile_or_a_cookie_the_organisers_zone_shows(client):
    consultation = make_consultation(
        opens_at=CLOSES - dt.timedelta(days=20), closes_at=CLOSES, time_zone="Europe/Paris"
    )
    html = consultation_page(client, consultation, "fr")
    assert "6 décembre 2026 16:30" in html
    assert "Europe/Paris" in html.split('class="time-zone"')[1][:80]


def test_a_signed_in_person_without_a_profile_reads_in_their_browser_zone():
    user = make_user()
    assert not Profile.objects.filter(user=user).exists()
    user = type(user).objects.get(pk=user.pk)
    assert reader_time_zone(user=user, cookie="Africa/Nairobi") == "Africa/Nairobi"
    assert reader_time_zone(user=user, cookie="Nowhere/Else") is None


def test_the_middleware_activates_the_zone_for_the_request_only():
    seen = []

    def view(request):
        seen.append((timezone.get_current_timezone_name(), request.reader_time_zone))
        return None

    middleware = ReaderTimeZoneMiddleware(view)
    factory = RequestFactory()
    for cookie in ("America/Santiago", "Not/AZone"):
        request = factory.get("/")
        request.COOKIES[TIME_ZONE_COOKIE] = cookie
        middleware(request)
    assert seen == [("America/Santiago", "America/Santiago"), ("UTC", None)]
    assert timezone.get_current_timezone() == zoneinfo.ZoneInfo("UTC")


def test_a_profile_zone_that_is_not_known_falls_back_to_the_browser(client, consultation):
    reader = make_member()
    Profile.objects.filter(user=reader).update(time_zone="Mars/Olympus")
    client.force_login(reader)
    client.cookies[TIME_ZONE_COOKIE] = "Asia/Kolkata"
    html = consultation_page(client, consultation)
    assert "6 Dec 2026, 21:00" in html  # UTC+5:30
    assert "(times in Asia/Kolkata)" in html


def test_the_closing_notice_gives_the_time_in_the_recipients_language_and_zone():
    closes = timezone.now().replace(microsecond=0) + dt.timedelta(hours=5)
    consultation = make_consultation(opens_at=closes - dt.timedelta(days=20), closes_at=closes)
    reader = make_member()
    Profile.objects.filter(user=reader).update(language="fr", time_zone="America/Santiago")
    Follow.objects.create(user=reader, consultation=consultation)
    assert notifications.queue_closing_notices() == 1
    body = Notification.objects.get(user=reader, kind=Notification.Kind.CLOSING).body
    local = closes.astimezone(zoneinfo.ZoneInfo("America/Santiago"))
    with translation.override("fr"):
        when = date_format(local, "DATETIME_FORMAT")
    assert when in body and "(America/Santiago)" in body
    assert f"{local:%H:%M}" in when and str(local.year) in when
