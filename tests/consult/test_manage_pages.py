"""The organisers' pages of a consultation (consult/manage_views.py): its status, its
versions from one Markdown text, its validation rounds, and new consultations; with
their effects, and every refusal (who, what state, what input) changing nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from consult import manage_services, selectors, services
from consult.models import (
    Comment,
    Consultation,
    ProcessRole,
    SectionText,
    ValidationRound,
    Version,
)
from tests.consult.factories import make_consultation, make_member, make_process

pytestmark = pytest.mark.django_db

ONLY_ORGANISERS = "Only the organisers of this process can do this."


def said(response) -> str:
    flashed = " ".join(str(m) for m in get_messages(response.wsgi_request))
    return response.content.decode() + " " + flashed


def args(consultation: Consultation) -> list[str]:
    return [consultation.process.slug, consultation.slug]


def url(name: str, consultation: Consultation, *more) -> str:
    return reverse(f"consult:{name}", args=[*args(consultation), *more])


@pytest.fixture
def organiser():
    return make_member()


@pytest.fixture
def open_one(organiser):
    """An open consultation (one version of three sections) organised by ``organiser``."""
    process = make_process(owner=organiser)
    return make_consultation(process=process, title="Battery roadmap", slug="batteries")


def status_of(consultation: Consultation) -> str:
    return Consultation.objects.get(pk=consultation.pk).status


# --------------------------------------------------------------------------- the page


def test_the_page_shows_status_next_steps_versions_and_rounds(client, organiser, open_one):
    version = selectors.latest_version(open_one)
    done = services.open_round(consultation=open_one, by=organiser, version=version)
    services.answer_section(round=done, section=version.texts.first().section,
                            user=make_member(), verdict="agree")  # fmt: skip
    services.close_round(round=done, by=organiser)
    client.force_login(organiser)
    html = client.get(url("manage", open_one)).content.decode()
    assert "Manage Battery roadmap" in html
    assert "Now: <strong>Open for comments</strong>." in html
    assert 'id="status-closed"' in html and ">Close</button>" in html
    assert 'id="status-published"' not in html  # not from "open"
    assert "First draft" in html and 'href="' + url("publish_version", open_one) in html
    assert "Validation of First draft" in html and re.search(r"<td>1</td>\s*<td>1</td>", html)
    assert url("round_results", open_one, done.pk) in html
    assert 'id="open-round"' in html  # none runs, and it is open
    assert f'<option value="{version.pk}" selected>1. First draft</option>' in html


def test_the_consultation_page_links_to_it_for_organisers_only(client, organiser, open_one):
    manage = url("manage", open_one)
    client.force_login(organiser)
    assert manage in client.get(url("consultation", open_one)).content.decode()
    moderator = make_member(role=ProcessRole.Role.MODERATOR, process=open_one.process)
    for someone in (make_member(), moderator):
        client.force_login(someone)
        assert manage not in client.get(url("consultation", open_one)).content.decode()


# --------------------------------------------------------------------------- status


def test_the_organiser_closes_reopens_closes_and_publishes_the_outcome(client, organiser, open_one):
    client.force_login(organiser)
    response = client.post(url("set_status", open_one), {"status": "closed"})
    assert response.status_code == 302 and response["Location"] == url("manage", open_one)
    assert "The consultation is now: Closed." in said(response)
    assert status_of(open_one) == "closed"
    html = client.get(url("manage", open_one)).content.decode()
    assert "Reopen for comments" in html and "Publish the outcome" in html
    client.post(url("set_status", open_one), {"status": "open"})
    assert status_of(open_one) == "open"
    client.post(url("set_status", open_one), {"status": "closed"})
    client.post(url("set_status", open_one), {"status": "published"})
    assert status_of(open_one) == "published"
    html = client.get(url("manage", open_one)).content.decode()
    assert "the consultation is final" in html and 'id="publish-version"' not in html


def test_a_draft_opens_once_it_has_a_version(client, organiser):
    process = make_process(owner=organiser)
    now = dt.datetime.now(dt.UTC)
    bare = services.create_consultation(
        process=process, by=organiser, title="Bare", slug="bare", opens_at=now,
        closes_at=now + dt.timedelta(days=9),
    )  # fmt: skip
    client.force_login(organiser)
    assert "Open for comments</button>" in client.get(url("manage", bare)).content.decode()
    response = client.post(url("set_status", bare), {"status": "open"})
    assert response.status_code == 400
    assert "Publish a version of the draft first." in said(response)
    assert status_of(bare) == "draft"


@pytest.mark.parametrize(
    ("wanted", "says"),
    [
        ("published", "A consultation cannot go from “Open for comments” to “Outcome published”."),
        ("draft", "A consultation cannot go from “Open for comments” to “In preparation”."),
        ("open", "A consultation cannot go from “Open for comments” to “Open for comments”."),
        ("sideways", "A consultation cannot go from “Open for comments” to “an unknown status”."),
        ("", "to “an unknown status”."),
    ],
)
def test_a_step_the_flow_does_not_allow_is_refused_in_words(
    client, organiser, open_one, wanted, says
):
    client.force_login(organiser)
    response = client.post(url("set_status", open_one), {"status": wanted})
    assert response.status_code == 400
    html = said(response)
    assert says in html and 'id="status-errors"' in html
    assert status_of(open_one) == "open"


def test_the_service_refusal_keeps_its_code(organiser, open_one):
    with pytest.raises(services.ValidationError) as caught:
        services.set_status(consultation=open_one, by=organiser, status="published")
    assert caught.value.code == "invalid_transition"
    assert "“Outcome published”" in caught.value.messages[0]


# --------------------------------------------------------------------------- rounds


def test_the_organiser_opens_a_round_on_a_version_and_closes_it(client, organiser, open_one):
    first = selectors.latest_version(open_one)
    services.publish_version(consultation=open_one, by=organiser, title="Second draft",
                             sections=[{"heading": "Only", "body": "One."}])  # fmt: skip
    client.force_login(organiser)
    html = client.get(url("manage", open_one)).content.decode()
    assert "2. Second draft</option>" in html and "selected>2. Second draft" in html
    response = client.post(url("open_round", open_one), {"version": first.pk, "title": ""})
    assert response.status_code == 302
    round_ = ValidationRound.objects.get(consultation=open_one)
    assert (round_.version, round_.title, round_.closed_at) == (first, "Validation of First draft",
                                                                None)  # fmt: skip
    assert "is open: participants can answer" in said(response)
    html = client.get(url("manage", open_one)).content.decode()
    assert "Running" in html and f'id="close-round-{round_.pk}"' in html
    assert 'id="open-round"' not in html
    response = client.post(url("close_round", open_one, round_.pk))
    assert response.status_code == 302 and "is closed" in said(response)
    round_.refresh_from_db()
    assert round_.closed_at is not None
    # A closed round closes no further; a new one has the title typed.
    client.post(url("close_round", open_one, round_.pk))
    closed_at = round_.closed_at
    round_.refresh_from_db()
    assert round_.closed_at == closed_at
    second = Version.objects.get(consultation=open_one, number=2)
    client.post(url("open_round", open_one), {"version": second.pk, "title": " Final check "})
    latest = ValidationRound.objects.filter(consultation=open_one).latest("id")
    assert (latest.version, latest.title) == (second, "Final check")


def test_a_second_round_while_one_runs_is_refused(client, organiser, open_one):
    version = selectors.latest_version(open_one)
    services.open_round(consultation=open_one, by=organiser, version=version)
    client.force_login(organiser)
    response = client.post(url("open_round", open_one), {"version": version.pk, "title": "More"})
    assert response.status_code == 400
    assert "Close the running round first." in said(response)
    assert ValidationRound.objects.filter(consultation=open_one).count() == 1


@pytest.mark.parametrize("state", ["draft", "closed", "published"])
def test_a_round_waits_for_the_consultation_to_be_open(client, organiser, state):
    consultation = make_consultation(process=make_process(owner=organiser), status=state)
    version = selectors.latest_version(consultation)
    client.force_login(organiser)
    html = client.get(url("manage", consultation)).content.decode()
    assert 'id="open-round"' not in html
    response = client.post(url("open_round", consultation), {"version": version.pk,
                                                              "title": "Early"})  # fmt: skip
    assert response.status_code == 400
    assert "Open the consultation first." in said(response)
    # A bad version is said too, though the form is not shown in this state.
    response = client.post(url("open_round", consultation), {"version": "abc"})
    assert response.status_code == 400 and "Version to validate: Select a valid choice." in said(
        response
    )
    assert not ValidationRound.objects.exists()


def test_a_round_on_another_consultations_version_or_a_too_long_title_is_refused(
    client, organiser, open_one
):
    other = selectors.latest_version(make_consultation())
    client.force_login(organiser)
    response = client.post(url("open_round", open_one), {"version": other.pk, "title": "X"})
    assert response.status_code == 400 and "Select a valid choice." in said(response)
    version = selectors.latest_version(open_one)
    response = client.post(url("open_round", open_one), {"version": version.pk, "title": "x" * 201})
    assert response.status_code == 400
    html = said(response)
    assert "at most 200 characters" in html and 'value="' + "x" * 201 + '"' in html
    for bad in ("", "abc", str(10**20)):
        response = client.post(url("open_round", open_one), {"version": bad})
        assert response.status_code == 400
    assert not ValidationRound.objects.exists()


def test_a_version_title_of_200_characters_still_gives_a_round_title(client, organiser, open_one):
    long = services.publish_version(consultation=open_one, by=organiser, title="v" * 200,
                                    sections=[{"heading": "H", "body": ""}])  # fmt: skip
    client.force_login(organiser)
    assert client.post(url("open_round", open_one), {"version": long.pk}).status_code == 302
    assert len(ValidationRound.objects.get().title) == 200


def test_closing_another_consultations_round_or_none_is_not_found(client, organiser, open_one):
    elsewhere = make_consultation(process=open_one.process, slug="elsewhere")
    theirs = services.open_round(consultation=elsewhere, by=organiser,
                                 version=selectors.latest_version(elsewhere))  # fmt: skip
    client.force_login(organiser)
    assert client.post(url("close_round", open_one, theirs.pk)).status_code == 404
    assert client.post(url("close_round", open_one, 10**9)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_open


# --------------------------------------------------------------------------- versions


def test_the_version_page_is_prefilled_with_the_latest_version(client, organiser, open_one):
    client.force_login(organiser)
    html = client.get(url("publish_version", open_one)).content.decode()
    assert "## [vision] Vision 2050\n\nMinerals are sourced **responsibly**." in html
    assert "## [milestone 2030] Due diligence\n\nAll tiers." in html
    assert "## [action industry] Traceability\n\nShare data." in html
    assert '<label for="id_text">' in html


def test_publishing_keeps_sections_by_heading_or_text_and_adds_new_ones(client, organiser,
                                                                        open_one):  # fmt: skip
    v1 = selectors.latest_version(open_one)
    vision, diligence, trace = [t.section for t in v1.texts.order_by("position")]
    comment = services.add_comment(section=vision, author=make_member(), body="More on water.")
    SectionText.objects.filter(version=v1, section=diligence).update(body_in_es="Todos.")
    text = (
        "## [vision] Vision 2050\r\n\r\nMinerals are sourced **responsibly**, water kept clean.\r\n"
        "\r\n## [context] Why now\r\n\r\nDemand triples.\r\n### A detail\r\nStays inside.\r\n"
        "\r\n## [milestone 2040] Diligence in every tier\r\n\r\nAll tiers.\r\n"
    )
    client.force_login(organiser)
    response = client.post(url("publish_version", open_one),
                           {"title": "Second draft", "change_note": "Water.", "text": text})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == url("manage", open_one)
    assert ("Version 2 is published: 2 sections continue from the previous version "
            "(with their comments), 1 are new, 1 left out.") in said(response)  # fmt: skip
    v2 = selectors.latest_version(open_one)
    assert (v2.number, v2.title, v2.change_note) == (2, "Second draft", "Water.")
    got = [(t.section_id, t.type, t.horizon, t.actor, t.heading, t.body)
           for t in v2.texts.order_by("position")]  # fmt: skip
    assert got[0] == (vision.pk, "vision", None, "", "Vision 2050",
                      "Minerals are sourced **responsibly**, water kept clean.")  # fmt: skip
    assert got[1][0] not in (vision.pk, diligence.pk, trace.pk)
    assert got[1][1:] == (
        "context",
        None,
        "",
        "Why now",
        "Demand triples.\n### A detail\nStays inside.",
    )
    assert got[2] == (diligence.pk, "milestone", 2040, "", "Diligence in every tier", "All tiers.")
    # The comment stays with its section; the unchanged body keeps its translation.
    assert Comment.objects.get(pk=comment.pk).section_id == vision.pk
    assert SectionText.objects.get(version=v2, section=diligence).body_in_es == "Todos."
    assert not SectionText.objects.filter(version=v2, section=trace).exists()


def test_the_first_version_of_a_new_consultation(client, organiser):
    process = make_process(owner=organiser)
    now = dt.datetime.now(dt.UTC)
    bare = services.create_consultation(process=process, by=organiser, title="Bare", slug="bare",
                                        opens_at=now, closes_at=now + dt.timedelta(days=9))  # fmt: skip
    client.force_login(organiser)
    html = client.get(url("publish_version", bare)).content.decode()
    assert "Write the first version" in html
    response = client.post(url("publish_version", bare), {"title": "", "text": "## One\n\nBody"})
    assert response.status_code == 302
    version = selectors.latest_version(bare)
    assert version.title == "Version 1"
    assert [(t.type, t.heading, t.body) for t in version.texts.all()] == [
        ("context", "One", "Body")
    ]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "Write at least one section"),
        ("   \n\n", "Write at least one section"),
        ("Just text, no heading.", "Start with a section heading"),
        ("Intro\n## One\nBody", "Start with a section heading"),
        ("# Title\n## One\nBody", "Start with a section heading"),
        ("## \nBody", "Section 1: give a heading of at most 200 characters."),
        ("## " + "h" * 201, "Section 1: give a heading of at most 200 characters."),
        ("## One\n\n" + "x" * 50_001, "Section 1: the text is too long."),
        ("## One\nA\n## [milestone 2035] Two\nB", "Section 2: a milestone needs a horizon"),
        ("## [milestone] Two\nB", "Section 1: a milestone needs a horizon"),
        ("## [action farmers] Two\nB", "Section 1: an action needs an actor group."),
        ("## [vision 2050] Two\nB", "Section 1: only a milestone or an action takes a word"),
        ("".join(f"## S{i}\n" for i in range(101)), "A version has at most 100 sections."),
        ("## One\n" + "y" * 200_001, "at most 200000 characters"),
        ("## One\nA\x00B", "Null characters are not allowed."),
    ],
)
def test_a_bad_draft_is_refused_and_given_back(client, organiser, open_one, text, says):
    client.force_login(organiser)
    response = client.post(url("publish_version", open_one), {"title": "Mine", "text": text})
    assert response.status_code == 400
    html = said(response)
    assert says in html, html[:3000]
    if len(text) < 1000 and "\x00" not in text and text.strip():
        assert text.strip().split("\n")[0].replace("<", "&lt;") in html  # what was typed
    assert 'value="Mine"' in html
    assert Version.objects.filter(consultation=open_one).count() == 1


def test_a_too_long_version_title_or_note_is_refused(client, organiser, open_one):
    client.force_login(organiser)
    for data in ({"title": "t" * 201, "text": "## A"}, {"change_note": "n" * 5001, "text": "## A"}):
        response = client.post(url("publish_version", open_one), data)
        assert response.status_code == 400 and "Ensure this value has at most" in said(response)
    assert Version.objects.filter(consultation=open_one).count() == 1


def test_a_published_outcome_takes_no_new_version(client, organiser):
    final = make_consultation(process=make_process(owner=organiser), status="published")
    client.force_login(organiser)
    html = client.get(url("publish_version", final)).content.decode()
    assert "the draft is final" in html and 'name="text"' not in html
    response = client.post(url("publish_version", final), {"text": "## A\nB"})
    assert response.status_code == 400 and "the draft is final" in said(response)
    assert Version.objects.filter(consultation=final).count() == 1


def test_markdown_round_trip_and_section_rules():
    texts = [
        SectionText(section_id=1, type="vision", heading="V", body="  Body\n"),
        SectionText(section_id=2, type="milestone", horizon=2030, heading="M", body="B"),
        SectionText(section_id=3, type="action", actor="policy", heading="A", body=""),
        SectionText(section_id=4, type="context", heading="[Note] C", body="```\n## code\n```"),
        SectionText(section_id=5, type="context", heading="[Vision] as a word", body="x"),
    ]
    parsed = manage_services.parse_draft(text=manage_services.draft_markdown(texts=texts))
    assert [(s.type, s.heading, s.body, s.horizon, s.actor) for s in parsed] == [
        ("vision", "V", "Body", None, ""),
        ("milestone", "M", "B", 2030, ""),
        ("action", "A", "", None, "policy"),
        ("context", "[Note] C", "```\n## code\n```", None, ""),
        ("context", "[Vision] as a word", "x", None, ""),
    ]
    manage_services.continue_sections(sections=parsed, previous=texts)
    assert [s.section for s in parsed] == [1, 2, 3, 4, 5]
    assert parsed[0].body == "  Body\n"  # unchanged: exactly the stored text
    # Headings in another case or spacing still match; a wholly new text does not.
    new = manage_services.parse_draft(text="## m\nB\n## Something else\nNothing alike here")
    manage_services.continue_sections(sections=new, previous=texts)
    assert [s.section for s in new] == [2, None]


# --------------------------------------------------------------------------- new consultations


def test_the_new_consultation_form_suggests_dates_in_the_readers_zone(client, organiser):
    process = make_process(owner=organiser)
    client.force_login(organiser)
    client.cookies["time_zone"] = "Africa/Nairobi"
    html = client.get(reverse("consult:new_consultation", args=[process.slug])).content.decode()
    assert '<option value="Africa/Nairobi" selected>' in html
    assert 'type="datetime-local"' in html and '<label for="id_opens_at">' in html


def test_an_organiser_creates_a_consultation_then_writes_its_version(client, organiser):
    process = make_process(owner=organiser)
    client.force_login(organiser)
    response = client.post(reverse("consult:new_consultation", args=[process.slug]), {
        "title": "Recycling targets: 2030 review", "slug": "", "summary": "What we propose.",
        "time_zone": "Africa/Nairobi", "opens_at": "2027-03-01T09:00",
        "closes_at": "2027-03-29T17:30", "language": "fr",
    })  # fmt: skip
    consultation = Consultation.objects.get(process=process)
    assert response.status_code == 302
    assert response["Location"] == url("publish_version", consultation)
    assert (consultation.slug, consultation.status, consultation.is_public) == (
        "recycling-targets-2030-review", "draft", False)  # fmt: skip
    assert (consultation.language, consultation.time_zone) == ("fr", "Africa/Nairobi")
    assert consultation.opens_at == dt.datetime(2027, 3, 1, 6, 0, tzinfo=dt.UTC)
    assert consultation.closes_at == dt.datetime(2027, 3, 29, 14, 30, tzinfo=dt.UTC)
    assert "Now write its first version." in said(response)


def _new(client, process, **changes):
    data = {"title": "Water use", "slug": "water", "time_zone": "UTC", "language": "en",
            "opens_at": "2027-01-10T08:00", "closes_at": "2027-02-10T08:00", "is_public": "on"}  # fmt: skip
    data.update(changes)
    return client.post(reverse("consult:new_consultation", args=[process.slug]), data)


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"closes_at": "2027-01-09T08:00"}, "The consultation must close after it opens."),
        ({"closes_at": "2027-01-10T08:00"}, "The consultation must close after it opens."),
        ({"opens_at": "tomorrow"}, "Enter a valid date/time."),
        ({"opens_at": ""}, "This field is required."),
        ({"time_zone": "Mars/Olympus"}, "Select a valid choice."),
        ({"language": "xx"}, "Select a valid choice."),
        ({"title": ""}, "This field is required."),
        ({"title": "t" * 201}, "at most 200 characters"),
        ({"slug": "no spaces"}, "Enter a valid “slug”"),
        ({"slug": "", "title": "!!!"}, "Give the consultation an address"),
        ({"summary": "s" * 50_001}, "at most 50000 characters"),
        ({"title": "Water\x00"}, "Null characters are not allowed."),
    ],
)
def test_a_bad_new_consultation_is_refused_with_what_was_typed(client, organiser, changes, says):
    process = make_process(owner=organiser)
    client.force_login(organiser)
    response = _new(client, process, **changes)
    assert response.status_code == 400
    html = said(response)
    assert says in html, html[:3000]
    if "title" not in changes:
        assert 'value="Water use"' in html
    assert not Consultation.objects.filter(process=process).exists()


def test_an_address_taken_in_the_process_is_refused_but_free_in_another(client, organiser):
    process = make_process(owner=organiser)
    make_consultation(process=process, slug="water")
    client.force_login(organiser)
    response = _new(client, process)
    assert response.status_code == 400
    assert "This process has a consultation at this address already" in said(response)
    response = _new(client, process, slug="", title="Water")  # from the title: taken too
    assert response.status_code == 400
    assert 'name="slug" value="water"' in said(response)  # the suggestion, to change
    assert Consultation.objects.filter(process=process).count() == 1
    other = make_process(owner=organiser)
    assert _new(client, other).status_code == 302


# --------------------------------------------------------------------------- who


def _routes(consultation: Consultation, round_id: int) -> list[tuple[str, str, dict]]:
    version = selectors.latest_version(consultation)
    return [
        ("get", url("manage", consultation), {}),
        ("post", url("set_status", consultation), {"status": "closed"}),
        ("post", url("open_round", consultation), {"version": version.pk}),
        ("post", url("close_round", consultation, round_id), {}),
        ("get", url("publish_version", consultation), {}),
        ("post", url("publish_version", consultation), {"text": "## A\nB"}),
        ("get", reverse("consult:new_consultation", args=[consultation.process.slug]), {}),
        ("post", reverse("consult:new_consultation", args=[consultation.process.slug]),
         {"title": "X", "time_zone": "UTC", "language": "en", "opens_at": "2027-01-01T00:00",
          "closes_at": "2027-02-01T00:00"}),
    ]  # fmt: skip


def _state(consultation: Consultation) -> tuple:
    return (
        status_of(consultation),
        Version.objects.count(),
        list(ValidationRound.objects.values_list("pk", "closed_at")),
        Consultation.objects.count(),
    )


@pytest.mark.parametrize("who", ["anonymous", "participant", "moderator", "other organiser"])
def test_only_the_process_organisers_get_in(client, organiser, open_one, who):
    round_ = services.open_round(consultation=open_one, by=organiser,
                                 version=selectors.latest_version(open_one))  # fmt: skip
    users = {
        "participant": make_member(),
        "moderator": make_member(role=ProcessRole.Role.MODERATOR, process=open_one.process),
        "other organiser": make_consultation().process.owner,
    }
    if who != "anonymous":
        client.force_login(users[who])
    before = _state(open_one)
    for method, address, data in _routes(open_one, round_.pk):
        response = getattr(client, method)(address, data)
        if who == "anonymous":
            assert response.status_code == 302, address
            assert response["Location"].startswith("/accounts/login/"), address
        else:
            assert response.status_code == 403, address
            assert ONLY_ORGANISERS in response.content.decode(), address
    assert _state(open_one) == before


def test_a_draft_is_not_found_for_non_organisers_and_unknown_is_not_found(client, organiser):
    draft = make_consultation(process=make_process(owner=organiser), status="draft")
    moderator = make_member(role=ProcessRole.Role.MODERATOR, process=draft.process)
    client.force_login(moderator)
    for address in (url("manage", draft), url("publish_version", draft)):
        assert client.get(address).status_code == 404
    assert client.post(url("set_status", draft), {"status": "open"}).status_code == 404
    assert status_of(draft) == "draft"
    client.force_login(organiser)
    assert client.get(url("manage", draft)).status_code == 200
    for address in (
        reverse("consult:manage", args=[draft.process.slug, "nope"]),
        reverse("consult:publish_version", args=["nope", draft.slug]),
        reverse("consult:new_consultation", args=["nope"]),
        url("close_round", draft, 10**9),
    ):
        method = client.post if address.endswith("close") else client.get
        assert method(address).status_code == 404, address


def test_the_pages_refuse_other_methods(client, organiser, open_one):
    client.force_login(organiser)
    assert client.post(url("manage", open_one)).status_code == 405
    assert client.get(url("set_status", open_one)).status_code == 405
    assert client.get(url("open_round", open_one)).status_code == 405
    assert client.put(url("publish_version", open_one)).status_code == 405
    assert status_of(open_one) == "open"


# --------------------------------------------------------------------------- in a browser

PASSWORD = "a-long-pass-phrase-42"
PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{page.url} is {width} px wide at a 375 px viewport"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_organiser_runs_a_consultation_from_a_phone(static_root, browser, page_problems):
    """Create, write the first version, open, run and close a validation round, close
    and publish the outcome: every step from the pages, none scrolling sideways, none
    logging an error or a CSP violation."""
    from playwright.sync_api import expect

    from tests.factories import make_user
    from tests.servers import DaphneProcess

    organiser = make_user(username="organiser", password=PASSWORD)
    process = make_process(owner=organiser)
    server = DaphneProcess(static_root=static_root).start()
    try:
        base = server.base_url
        page = browser.new_context(**PHONE).new_page()
        page_problems.watch(page)
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("Login").fill("organiser")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign In").click()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()

        page.goto(f"{base}/c/{process.slug}/new")
        page.get_by_label("Title").fill("Battery recycling: 2030 targets")
        expect(page.get_by_label("Address (slug)")).to_have_value("battery-recycling-2030-targets")
        page.get_by_label("Time zone of the dates").select_option("Africa/Nairobi")
        page.get_by_label("Opens at").fill("2026-01-05T09:00")
        page.get_by_label("Closes at").fill("2036-01-05T09:00")
        _no_sideways_scroll(page)
        page.get_by_role("button", name="Create the consultation").click()
        expect(page.get_by_text("Now write its first version.")).to_be_visible()
        _no_sideways_scroll(page)
        page.get_by_label("The draft (Markdown)").fill(
            "## [vision] Vision 2050\n\nEvery battery is collected.\n\n"
            "## [milestone 2030] Collection\n\nSeventy per cent collected."
        )
        page.get_by_role("button", name="Publish this version").click()
        expect(page.get_by_text("Version 1 is published")).to_be_visible()
        _no_sideways_scroll(page)

        page.get_by_role("button", name="Open for comments").click()
        expect(page.get_by_text("The consultation is now: Open for comments.")).to_be_visible()
        page.get_by_label("Round title (optional)").fill("Expert check")
        page.get_by_role("button", name="Open the round").click()
        expect(page.get_by_text("The round “Expert check” is open")).to_be_visible()
        _no_sideways_scroll(page)
        page.get_by_role("button", name="Close the round Expert check").click()
        expect(page.get_by_text("The round “Expert check” is closed")).to_be_visible()
        page.get_by_role("button", name="Close", exact=True).click()
        page.get_by_role("button", name="Publish the outcome").click()
        expect(page.get_by_text("The consultation is now: Outcome published.")).to_be_visible()
        _no_sideways_scroll(page)
    finally:
        server.stop()
    consultation = Consultation.objects.get(process=process)
    assert (consultation.slug, consultation.status) == (
        "battery-recycling-2030-targets", "published")  # fmt: skip
    assert consultation.opens_at == dt.datetime(2026, 1, 5, 6, 0, tzinfo=dt.UTC)
    round_ = ValidationRound.objects.get(consultation=consultation)
    assert (round_.title, round_.closed_at is not None) == ("Expert check", True)
    texts = selectors.latest_version(consultation).texts.order_by("position")
    assert [(t.type, t.horizon, t.heading) for t in texts] == [
        ("vision", None, "Vision 2050"), ("milestone", 2030, "Collection")]  # fmt: skip
