"""Evidence on a consultation section (consult.services.attach_evidence and
detach_evidence, the section page): who may attach and remove it, what input is
refused, what the page shows and that its query count does not grow."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consult import selectors, services
from consult.models import Evidence, ProcessRole
from tests.consult.factories import make_consultation, make_member, make_process
from tests.evidence import section_of

pytestmark = pytest.mark.django_db

COLLECTED = dt.datetime(2026, 12, 1, 10, 30, tzinfo=dt.UTC)
ROWS = [
    {"label": "Cobalt", "value": 12, "share": 60.0},
    {"label": "Lithium", "value": 8, "share": 40.0, "detail": "second place"},
]


def attach(section, by, **extra):
    values = {
        "title": "Which metal first?",
        "origin": "Roadmap workshop · Plenary",
        "url": "/s/ABC234/results/7",
        "source_key": "live.activity:7",
        "results": ROWS,
        "responses": 20,
        "collected_at": COLLECTED,
    }
    return services.attach_evidence(section=section, by=by, **{**values, **extra})


def page_url(section):
    c = section.consultation
    return reverse("consult:section", args=[c.process.slug, c.slug, section.pk])


def remove_url(item):
    c = item.section.consultation
    return reverse("consult:detach_evidence", args=[c.process.slug, c.slug, item.pk])


@pytest.fixture
def consultation():
    return make_consultation()


@pytest.fixture
def section(consultation):
    return section_of(consultation)


def test_an_organiser_attaches_evidence_and_the_section_page_shows_it(client, section):
    owner = section.consultation.process.owner
    item = attach(section, owner)
    item.refresh_from_db()
    assert (item.title, item.responses, item.attached_by) == ("Which metal first?", 20, owner)
    assert item.results == [
        {"label": "Cobalt", "value": 12, "share": 60.0, "detail": ""},
        {"label": "Lithium", "value": 8, "share": 40.0, "detail": "second place"},
    ]
    html = client.get(page_url(section)).content.decode()
    assert "Evidence from live sessions" in html and "Which metal first?" in html
    assert "Roadmap workshop · Plenary" in html and "20 responses" in html
    assert '<time datetime="2026-12-01T10:30:00+00:00">' in html
    assert '<th scope="row">Cobalt</th><td>12</td><td>60.0 %</td>' in html
    assert "second place" in html
    assert 'href="/s/ABC234/results/7"' in html
    assert "Remove this evidence" not in html  # not for readers


def test_a_process_organiser_sees_the_remove_button_a_moderator_does_not(section):
    process = section.consultation.process
    organiser = make_member(role=ProcessRole.Role.ORGANISER, process=process)
    moderator = make_member(role=ProcessRole.Role.MODERATOR, process=process)
    attach(section, organiser)
    browser = Client()
    browser.force_login(organiser)
    assert "Remove this evidence" in browser.get(page_url(section)).content.decode()
    browser.force_login(moderator)
    assert "Remove this evidence" not in browser.get(page_url(section)).content.decode()


def test_attaching_the_same_source_again_refreshes_the_copy(section):
    owner = section.consultation.process.owner
    first = attach(section, owner)
    later = COLLECTED + dt.timedelta(hours=2)
    second = attach(
        section,
        owner,
        title="Which metal first? (final)",
        results=[{"label": "Cobalt", "value": 13, "share": None}],
        responses=21,
        collected_at=later,
    )
    assert second.pk == first.pk and Evidence.objects.count() == 1
    second.refresh_from_db()
    assert second.title == "Which metal first? (final)" and second.responses == 21
    assert second.collected_at == later
    assert second.results == [{"label": "Cobalt", "value": 13, "share": None, "detail": ""}]
    attach(section, owner, source_key="live.activity:8")
    assert Evidence.objects.count() == 2


def test_only_organisers_of_the_process_attach(section):
    process = section.consultation.process
    refused = [
        AnonymousUser(),
        make_member(),
        make_member(role=ProcessRole.Role.MODERATOR, process=process),
        make_member(role=ProcessRole.Role.ORGANISER, process=make_process()),
    ]
    for user in refused:
        with pytest.raises(PermissionDenied, match="Only the organisers of this process"):
            attach(section, user)
    assert Evidence.objects.count() == 0
    attach(section, make_member(role=ProcessRole.Role.ORGANISER, process=process))
    assert Evidence.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "  "),
        ("title", "x" * 301),
        ("url", "javascript:alert(1)"),
        ("url", "//evil.example/phish"),
        ("url", "data:text/html,hi"),
        ("url", ""),
        ("source_key", ""),
        ("results", "Cobalt: 12"),
        ("results", [{"label": "Cobalt", "value": True}]),
        ("results", [{"label": "", "value": 1}]),
        ("results", [{"label": "Cobalt", "value": 1, "share": 140}]),
        ("results", [{"label": "Cobalt", "value": float("nan")}]),
        ("results", [{"label": "Cobalt", "value": {"nested": 1}}]),
        ("results", [{"label": "Cobalt", "value": 1}] * 201),
        ("responses", -1),
        ("responses", "20"),
        ("collected_at", dt.datetime(2026, 12, 1, 10, 30)),  # naive on purpose
    ],
)
def test_bad_evidence_is_refused_and_nothing_is_written(section, field, value):
    with pytest.raises(ValidationError):
        attach(section, section.consultation.process.owner, **{field: value})
    assert Evidence.objects.count() == 0


def test_links_back_may_be_paths_or_web_addresses(section):
    owner = section.consultation.process.owner
    assert attach(section, owner, url="https://live.example.org/s/A/results/1").url.startswith(
        "https://"
    )


def test_a_published_outcome_takes_no_more_evidence(section):
    owner = section.consultation.process.owner
    item = attach(section, owner)
    consultation = section.consultation
    services.set_status(consultation=consultation, by=owner, status="closed")
    services.set_status(consultation=consultation, by=owner, status="published")
    section.consultation.refresh_from_db()
    with pytest.raises(ValidationError, match="published"):
        attach(section, owner, source_key="live.activity:99")
    item.section.consultation.refresh_from_db()
    with pytest.raises(ValidationError, match="published"):
        services.detach_evidence(evidence=item, by=owner)
    assert Evidence.objects.count() == 1


def test_an_organiser_removes_evidence_others_are_refused(client, section):
    owner = section.consultation.process.owner
    item = attach(section, owner)
    client.force_login(make_member())
    assert client.post(remove_url(item)).status_code == 403
    client.logout()
    assert client.post(remove_url(item)).status_code == 403
    assert Evidence.objects.count() == 1
    forged = Client(enforce_csrf_checks=True)
    forged.force_login(owner)
    assert forged.post(remove_url(item)).status_code == 403
    assert Evidence.objects.count() == 1
    client.force_login(owner)
    response = client.post(remove_url(item), follow=True)
    assert response.redirect_chain[-1][0] == page_url(section) + "#evidence"
    assert "The evidence is removed from this section." in response.content.decode()
    assert Evidence.objects.count() == 0


def test_evidence_of_another_consultation_is_not_removed_through_this_one(client, section):
    owner = section.consultation.process.owner
    item = attach(section, owner)
    other = make_consultation(process=section.consultation.process)
    client.force_login(owner)
    url = reverse("consult:detach_evidence", args=[other.process.slug, other.slug, item.pk])
    assert client.post(url).status_code == 404
    assert client.get(remove_url(item)).status_code == 405
    assert Evidence.objects.count() == 1


def test_figures_are_escaped(client, section):
    attach(
        section,
        section.consultation.process.owner,
        title="<b>bold</b>",
        results=[{"label": "<script>alert(1)</script>", "value": "<i>x</i>"}],
    )
    html = client.get(page_url(section)).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert "<b>bold</b>" not in html and "<i>x</i>" not in html


def section_page_queries(client, section) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page_url(section)).status_code == 200
    return len(queries)


@pytest.mark.parametrize("as_organiser", [False, True])
def test_the_section_page_reads_evidence_in_a_fixed_number_of_queries(
    client, section, as_organiser
):
    owner = section.consultation.process.owner
    if as_organiser:
        client.force_login(owner)
    attach(section, owner, source_key="live.activity:1")
    few = section_page_queries(client, section)
    for n in range(2, 8):
        attach(section, owner, source_key=f"live.activity:{n}", results=ROWS * n)
    assert Evidence.objects.filter(section=section).count() == 7
    assert section_page_queries(client, section) == few


def test_sections_without_evidence_show_no_evidence_heading(client, section):
    assert "Evidence from live sessions" not in client.get(page_url(section)).content.decode()
    assert selectors.section_evidence(section) == []


def test_evidence_targets_are_the_latest_sections_of_unpublished_consultations():
    owner = make_member()
    process = make_process(owner=owner)
    open_one = make_consultation(process=process, title="B open")
    draft = make_consultation(process=process, title="A draft", status="draft")
    make_consultation(process=process, title="C published", status="published")
    targets = selectors.evidence_targets(owner, process=process)
    assert [t["consultation"] for t in targets] == [draft, open_one]
    assert [h for _id, h in targets[1]["sections"]] == [
        "Vision 2050",
        "Due diligence",
        "Traceability",
    ]
    assert targets[1]["sections"][0][0] == section_of(open_one).pk
    assert selectors.evidence_targets(make_member(), process=process) == []
    assert selectors.evidence_targets(AnonymousUser()) == []
    organiser = make_member(role=ProcessRole.Role.ORGANISER, process=process)
    assert len(selectors.evidence_targets(organiser)) == 2
