"""Roadmaps: the publishing and citing rules, the public page's structure and grouping,
Markdown safety, the process page and the read-only API."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from consult import selectors, services
from consult.models import ProcessRole, SectionText
from knowledge import roadmaps
from knowledge.models import Case, Roadmap, RoadmapCitation
from tests.consult.factories import make_consultation, make_member, make_process
from tests.factories import login_cookie
from tests.knowledge.factories import make_case

pytestmark = pytest.mark.django_db

SECTIONS = [
    {"type": "context", "heading": "Why this roadmap", "body": "Background."},
    {"type": "vision", "heading": "Vision 2050", "body": "Minerals sourced **responsibly**."},
    {"type": "milestone", "horizon": 2040, "heading": "Recycling at scale", "body": "Half."},
    {"type": "milestone", "horizon": 2030, "heading": "Due diligence", "body": "All tiers."},
    {"type": "action", "actor": "industry", "heading": "Traceability", "body": "Share data."},
    {"type": "action", "actor": "policy", "heading": "Enforcement", "body": "Check duties."},
]


def closed(**extra):
    return make_consultation(status="closed", sections=extra.pop("sections", SECTIONS), **extra)


def texts_of(consultation) -> dict[str, SectionText]:
    version = selectors.latest_version(consultation)
    return {t.heading: t for t in version.texts.all()}


def published(**extra) -> Roadmap:
    consultation = closed(**extra)
    return roadmaps.publish_roadmap(
        consultation=consultation,
        version=selectors.latest_version(consultation),
        by=consultation.process.owner,
    )


def as_user(client: Client, user) -> Client:
    client.cookies["sessionid"] = login_cookie(user)
    return client


# --------------------------------------------------------------------------- publishing


@pytest.mark.parametrize("status", ["draft", "open"])
def test_a_draft_or_open_consultation_is_not_published(status):
    consultation = make_consultation(status=status)
    with pytest.raises(ValidationError, match="close it first"):
        roadmaps.publish_roadmap(
            consultation=consultation,
            version=selectors.latest_version(consultation),
            by=consultation.process.owner,
        )
    assert not Roadmap.objects.exists()


@pytest.mark.parametrize("status", ["closed", "published"])
def test_a_closed_or_published_consultation_is_published(status):
    consultation = make_consultation(status=status)
    version = selectors.latest_version(consultation)
    roadmap = roadmaps.publish_roadmap(
        consultation=consultation, version=version, by=consultation.process.owner
    )
    assert (roadmap.consultation, roadmap.version, roadmap.title) == (
        consultation,
        version,
        consultation.title,
    )
    assert roadmap.slug == f"{consultation.process.slug}-{consultation.slug}"
    assert roadmap.published_by == consultation.process.owner


def test_only_organisers_of_the_process_publish():
    consultation = closed()
    version = selectors.latest_version(consultation)
    other = make_process()
    for user in (make_member(), other.owner):
        with pytest.raises(PermissionDenied):
            roadmaps.publish_roadmap(consultation=consultation, version=version, by=user)
    organiser = make_member(role=ProcessRole.Role.ORGANISER, process=consultation.process)
    moderator = make_member(role=ProcessRole.Role.MODERATOR, process=consultation.process)
    with pytest.raises(PermissionDenied):
        roadmaps.publish_roadmap(consultation=consultation, version=version, by=moderator)
    assert roadmaps.publish_roadmap(consultation=consultation, version=version, by=organiser)


def test_a_version_of_another_consultation_is_refused():
    consultation = closed()
    other = closed(process=consultation.process)
    with pytest.raises(ValidationError, match="another consultation"):
        roadmaps.publish_roadmap(
            consultation=consultation,
            version=selectors.latest_version(other),
            by=consultation.process.owner,
        )


def test_publishing_again_moves_to_the_newer_version_keeping_citations_still_there():
    roadmap = published()
    consultation, owner = roadmap.consultation, roadmap.consultation.process.owner
    texts = texts_of(consultation)
    kept, dropped = texts["Due diligence"].section, texts["Traceability"].section
    case = make_case()
    roadmaps.cite_case(roadmap=roadmap, section=kept, case=case, note="Down to the mine", by=owner)
    roadmaps.cite_case(roadmap=roadmap, section=dropped, case=case, by=owner)
    services.set_status(consultation=consultation, by=owner, status="open")
    newer = services.publish_version(
        consultation=consultation,
        by=owner,
        title="Final",
        sections=[
            {
                "type": "milestone",
                "horizon": 2030,
                "heading": "Due diligence",
                "body": "All.",
                "section": kept.pk,
            },
            {"type": "vision", "heading": "Vision", "body": "New."},
        ],
    )
    services.set_status(consultation=consultation, by=owner, status="closed")
    again = roadmaps.publish_roadmap(consultation=consultation, version=newer, by=owner)
    assert again.pk == roadmap.pk and again.slug == roadmap.slug
    assert Roadmap.objects.get().version == newer
    assert list(RoadmapCitation.objects.values_list("section_id", "case_id", "note")) == [
        (kept.pk, case.pk, "Down to the mine")
    ]


def test_the_slug_is_unique_across_processes():
    a = make_process()
    a.slug = "x"
    a.save()
    first = published(process=a, slug="y-z")
    b = make_process()
    b.slug = "x-y"
    b.save()
    second = published(process=b, slug="z")
    assert first.slug == "x-y-z" and second.slug == "x-y-z-2"


# --------------------------------------------------------------------------- citing


def test_citing_an_accepted_case_and_citing_it_again_changes_the_note():
    roadmap = published()
    owner = roadmap.consultation.process.owner
    section = texts_of(roadmap.consultation)["Vision 2050"].section
    case = make_case()
    roadmaps.cite_case(roadmap=roadmap, section=section, case=case, note="first", by=owner)
    roadmaps.cite_case(roadmap=roadmap, section=section, case=case, note="  second  ", by=owner)
    assert list(RoadmapCitation.objects.values_list("case_id", "note")) == [(case.pk, "second")]
    roadmaps.uncite(citation=RoadmapCitation.objects.get(), by=owner)
    assert not RoadmapCitation.objects.exists()


@pytest.mark.parametrize("status", ["proposed", "changes_requested", "declined"])
def test_a_case_not_accepted_is_refused(status):
    roadmap = published()
    section = texts_of(roadmap.consultation)["Vision 2050"].section
    with pytest.raises(ValidationError, match="Only an accepted case"):
        roadmaps.cite_case(
            roadmap=roadmap,
            section=section,
            case=make_case(status=status),
            by=roadmap.consultation.process.owner,
        )
    assert not RoadmapCitation.objects.exists()


def test_a_section_not_in_the_roadmaps_version_is_refused():
    roadmap = published()
    owner = roadmap.consultation.process.owner
    other = closed(process=roadmap.consultation.process)
    with pytest.raises(ValidationError, match="not in the roadmap's published version"):
        roadmaps.cite_case(
            roadmap=roadmap,
            section=texts_of(other)["Vision 2050"].section,
            case=make_case(),
            by=owner,
        )
    # A section of the same consultation added in a later version is not in it either.
    services.set_status(consultation=roadmap.consultation, by=owner, status="open")
    later = services.publish_version(
        consultation=roadmap.consultation,
        by=owner,
        title="Later",
        sections=[{"type": "context", "heading": "New part", "body": ""}],
    )
    new_section = later.texts.get().section
    with pytest.raises(ValidationError, match="not in the roadmap's published version"):
        roadmaps.cite_case(roadmap=roadmap, section=new_section, case=make_case(), by=owner)
    assert not RoadmapCitation.objects.exists()


def test_only_organisers_cite_and_uncite():
    roadmap = published()
    section = texts_of(roadmap.consultation)["Vision 2050"].section
    case = make_case()
    stranger = make_process().owner
    with pytest.raises(PermissionDenied):
        roadmaps.cite_case(roadmap=roadmap, section=section, case=case, by=stranger)
    citation = roadmaps.cite_case(
        roadmap=roadmap, section=section, case=case, by=roadmap.consultation.process.owner
    )
    with pytest.raises(PermissionDenied):
        roadmaps.uncite(citation=citation, by=make_member())
    assert RoadmapCitation.objects.count() == 1


def test_a_note_too_long_is_refused():
    roadmap = published()
    with pytest.raises(ValidationError, match="under 500"):
        roadmaps.cite_case(
            roadmap=roadmap,
            section=texts_of(roadmap.consultation)["Vision 2050"].section,
            case=make_case(),
            note="x" * 501,
            by=roadmap.consultation.process.owner,
        )


# --------------------------------------------------------------------------- public page


def _group(html: str, anchor: str) -> str:
    """The part of the page from the group heading ``anchor`` to the next group."""
    start = html.index(f'id="{anchor}"')
    rest = html[start + 1 :]
    ends = [rest.find(m) for m in ('id="horizon-', 'id="actor-', 'id="context"') if m in rest]
    return html[start : start + 1 + min(ends)] if ends else html[start:]


def test_the_roadmap_page_groups_items(client: Client):
    roadmap = published()
    texts = texts_of(roadmap.consultation)
    owner = roadmap.consultation.process.owner
    case = make_case(name="Cobalt refinery audit", slug="cobalt-audit")
    roadmaps.cite_case(
        roadmap=roadmap, section=texts["Due diligence"].section, case=case, note="Why", by=owner
    )
    response = client.get(reverse("knowledge:roadmap", args=[roadmap.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    # The parts in order: vision, milestones, actions, context last.
    positions = [
        html.index(f'<h2 id="{part}"') for part in ("vision", "milestones", "actions", "context")
    ]
    assert positions == sorted(positions)
    # Horizons in order, each milestone under its own.
    assert html.index('id="horizon-2030"') < html.index('id="horizon-2040"')
    assert "Due diligence" in _group(html, "horizon-2030")
    assert "Recycling at scale" not in _group(html, "horizon-2030")
    assert "Recycling at scale" in _group(html, "horizon-2040")
    # Actions under their actor group (policy first).
    assert html.index('id="actor-policy"') < html.index('id="actor-industry"')
    assert "Enforcement" in _group(html, "actor-policy")
    assert "Traceability" in _group(html, "actor-industry")
    assert "Traceability" not in _group(html, "actor-policy")
    # Every item is a linkable anchor.
    for text in texts.values():
        assert f'id="item-{text.section_id}"' in html
        assert f'href="#item-{text.section_id}"' in html
    # The cited case links to its page, with the note; the Markdown is rendered.
    assert f'href="{reverse("knowledge:case", args=["cobalt-audit"])}"' in html
    assert "Cobalt refinery audit" in html and "Why" in html
    assert "<strong>responsibly</strong>" in html
    consultation = roadmap.consultation
    you_said = reverse(
        "consult:you_said_we_did", args=[consultation.process.slug, consultation.slug]
    )
    assert f'href="{you_said}"' in html


def test_the_roadmap_page_shows_evidence_and_the_latest_closed_round():
    consultation = make_consultation(status="open", sections=SECTIONS)
    owner = consultation.process.owner
    version = selectors.latest_version(consultation)
    section = texts_of(consultation)["Vision 2050"].section
    services.attach_evidence(
        section=section, by=owner, title="Workshop poll on the vision", origin="Lab 1",
        url="/s/ABC/results", source_key="live.activity:1", results=[], responses=12,
        collected_at=timezone.now(),
    )  # fmt: skip
    first = services.open_round(consultation=consultation, by=owner, version=version, title="R1")
    voter = make_member()
    services.answer_section(
        round=first, section=section, user=voter, verdict="disagree", reason="No"
    )
    services.close_round(round=first, by=owner)
    second = services.open_round(consultation=consultation, by=owner, version=version, title="R2")
    for verdict in ("agree", "agree", "agree", "agree_with_changes"):
        services.answer_section(
            round=second, section=section, user=make_member(), verdict=verdict,
            reason="" if verdict == "agree" else "Say 2045",
        )  # fmt: skip
    services.close_round(round=second, by=owner)
    services.set_status(consultation=consultation, by=owner, status="closed")
    roadmap = roadmaps.publish_roadmap(consultation=consultation, version=version, by=owner)
    item = next(i for i in roadmaps.roadmap_items(roadmap) if i.section_id == section.pk)
    assert [e.title for e in item.evidence] == ["Workshop poll on the vision"]
    assert item.validation["round"] == "R2" and item.validation["total"] == 4
    assert item.validation["shares"] == {"agree": 75.0, "agree_with_changes": 25.0, "disagree": 0.0}
    html = Client().get(reverse("knowledge:roadmap", args=[roadmap.slug])).content.decode()
    assert 'href="/s/ABC/results"' in html and "Workshop poll on the vision" in html
    assert "R2" in html and "75.0 %" in html


def test_markdown_in_items_is_rendered_safely(client: Client):
    unsafe = [
        {"type": "vision", "heading": "<b>Bold</b> vision",
         "body": "<script>alert(1)</script>[x](javascript:alert(2)) <img src=x onerror=alert(3)>"},
    ]  # fmt: skip
    roadmap = published(sections=unsafe)
    html = client.get(reverse("knowledge:roadmap", args=[roadmap.slug])).content.decode()
    assert "<script>alert" not in html and 'href="javascript' not in html
    assert "<img" not in html and "<b>Bold</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Bold&lt;/b&gt; vision" in html


def test_a_translated_item_is_shown_in_the_readers_language(client: Client):
    roadmap = published()
    text = texts_of(roadmap.consultation)["Vision 2050"]
    text.heading_in_fr = "Vision pour 2050"
    text.save()
    html = client.get(
        reverse("knowledge:roadmap", args=[roadmap.slug]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "Vision pour 2050" in html


def test_unpublished_and_unknown_roadmaps_are_not_found(client: Client):
    closed_consultation = closed()
    assert client.get(reverse("knowledge:roadmap", args=["nope"])).status_code == 404
    assert (
        client.get(reverse("knowledge:roadmaps")).content.decode().count(closed_consultation.title)
        == 0
    )
    assert APIClient().get("/api/roadmaps/nope/").status_code == 404


def test_the_list_shows_published_roadmaps(client: Client):
    roadmap = published(title="Battery roadmap")
    html = client.get(reverse("knowledge:roadmaps")).content.decode()
    assert f'href="{reverse("knowledge:roadmap", args=[roadmap.slug])}"' in html
    assert "Battery roadmap" in html


# --------------------------------------------------------------------------- organisers' pages


def test_publish_page_publishes_and_refuses_an_open_consultation(client: Client):
    consultation = make_consultation(status="open")
    as_user(client, consultation.process.owner)
    address = reverse(
        "knowledge:roadmap_publish", args=[consultation.process.slug, consultation.slug]
    )
    version = selectors.latest_version(consultation)
    response = client.post(address, {"version": version.pk})
    assert response.status_code == 400
    assert "close it first" in response.content.decode()
    assert not Roadmap.objects.exists()
    services.set_status(consultation=consultation, by=consultation.process.owner, status="closed")
    assert client.post(address, {"version": "999999"}).status_code == 400
    response = client.post(address, {"version": version.pk})
    roadmap = Roadmap.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("knowledge:roadmap_citations", args=[roadmap.slug])


def test_citations_page_cites_and_removes(client: Client):
    roadmap = published()
    as_user(client, roadmap.consultation.process.owner)
    section = texts_of(roadmap.consultation)["Traceability"].section
    accepted = make_case(name="Aardvark standard")
    proposed = make_case(name="Zebra idea", status=Case.Status.PROPOSED)
    address = reverse("knowledge:roadmap_citations", args=[roadmap.slug])
    page = client.get(address).content.decode()
    assert "Aardvark standard" in page and "Zebra idea" not in page
    refused = client.post(
        address, {"action": "cite", "section": section.pk, "case": proposed.pk, "note": "kept"}
    )
    assert refused.status_code == 400
    assert "Only an accepted case" in refused.content.decode()
    assert 'value="kept"' in refused.content.decode()
    response = client.post(
        address, {"action": "cite", "section": section.pk, "case": accepted.pk, "note": "Data"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{address}#item-{section.pk}"
    citation = RoadmapCitation.objects.get()
    assert (citation.section, citation.case, citation.note) == (section, accepted, "Data")
    assert client.post(address, {"action": "remove", "citation": citation.pk}).status_code == 302
    assert not RoadmapCitation.objects.exists()
    assert client.post(address, {"action": "remove", "citation": citation.pk}).status_code == 400
    assert client.post(address, {"action": "other"}).status_code == 400


def test_cases_in_the_select_are_ordered_by_name(client: Client):
    roadmap = published()
    as_user(client, roadmap.consultation.process.owner)
    for name in ("Mercury-free gold", "Battery recycling", "Cobalt traceability"):
        make_case(name=name)
    page = client.get(reverse("knowledge:roadmap_citations", args=[roadmap.slug])).content.decode()
    start = page.index('<select name="case"')
    first_select = page[start : page.index("</select>", start)]
    names = re.findall(r'<option value="\d+">([^<]+)</option>', first_select)
    assert names == ["Battery recycling", "Cobalt traceability", "Mercury-free gold"]


# --------------------------------------------------------------------------- process page


def test_the_process_page(client: Client):
    process = make_process()
    roadmap = published(process=process, title="Final mobility roadmap")
    open_one = make_consultation(process=process, status="open", title="Open battery draft")
    make_consultation(process=process, status="draft", title="Secret draft")
    make_consultation(process=process, status="open", title="Members only", is_public=False)
    make_case(process=process)
    make_case(process=process)
    make_case(process=process, status=Case.Status.PROPOSED)
    make_case()
    response = client.get(reverse("knowledge:process_public", args=[process.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert process.title in html
    assert f'href="{reverse("knowledge:roadmap", args=[roadmap.slug])}"' in html
    assert "Open battery draft" in html
    assert reverse("consult:consultation", args=[process.slug, open_one.slug]) in html
    assert "Secret draft" not in html and "Members only" not in html
    assert "Final mobility roadmap" in html  # the roadmap's consultation is closed
    assert response.context["cases"] == 2


def test_a_process_with_nothing_public_is_not_found(client: Client):
    process = make_process()
    make_consultation(process=process, status="draft")
    assert client.get(reverse("knowledge:process_public", args=[process.slug])).status_code == 404
    assert client.get(reverse("knowledge:process_public", args=["nope"])).status_code == 404
    as_user(client, process.owner)
    assert client.get(reverse("knowledge:process_public", args=[process.slug])).status_code == 200


# --------------------------------------------------------------------------- API


def test_the_api_lists_roadmaps_and_gives_one_with_its_items():
    roadmap = published()
    texts = texts_of(roadmap.consultation)
    owner = roadmap.consultation.process.owner
    case = make_case(slug="cobalt-audit")
    roadmaps.cite_case(roadmap=roadmap, section=texts["Traceability"].section, case=case, by=owner)
    api = APIClient()
    listing = api.get("/api/roadmaps/")
    assert listing.status_code == 200
    assert [r["slug"] for r in listing.json()] == [roadmap.slug]
    detail = api.get(f"/api/roadmaps/{roadmap.slug}/").json()
    assert detail["title"] == roadmap.consultation.title
    assert [i["heading"] for i in detail["items"]] == [s["heading"] for s in SECTIONS]
    item = next(i for i in detail["items"] if i["heading"] == "Traceability")
    assert (item["type"], item["actor"], item["horizon"], item["cases"]) == (
        "action", "industry", None, ["cobalt-audit"]
    )  # fmt: skip
    milestone = next(i for i in detail["items"] if i["heading"] == "Due diligence")
    assert (milestone["type"], milestone["horizon"]) == ("milestone", 2030)
    assert milestone["anchor"] == f"item-{texts['Due diligence'].section_id}"
    assert api.post("/api/roadmaps/", {}).status_code in (403, 405)


def test_a_closed_consultation_with_old_dates_still_counts():
    # make_consultation closes in the future; a consultation whose dates are past is
    # published as well (only the status matters).
    consultation = closed(
        opens_at=timezone.now() - dt.timedelta(days=30),
        closes_at=timezone.now() - dt.timedelta(days=1),
    )
    assert roadmaps.publish_roadmap(
        consultation=consultation,
        version=selectors.latest_version(consultation),
        by=consultation.process.owner,
    )


# --------------------------------------------------------------------------- demo


def test_the_demo_roadmap_cites_the_demo_cases_once(client: Client):
    from demo import knowledge as demo_knowledge
    from demo import roadmap as demo_roadmap
    from tests.knowledge.factories import make_manager

    manager = make_manager()
    process = make_process(owner=manager)
    demo_knowledge.load(by=manager)
    roadmap = demo_roadmap.load(by=manager, process=process)
    assert demo_roadmap.load(by=manager, process=process) == roadmap  # safe to run again
    assert roadmap.consultation.status == "published"
    cited = sum(len(names) for names in demo_roadmap.CITATIONS.values())
    assert RoadmapCitation.objects.filter(roadmap=roadmap).count() == cited
    html = client.get(reverse("knowledge:roadmap", args=[roadmap.slug])).content.decode()
    assert "Battery recycling partnership" in html
    assert html.index('id="horizon-2030"') < html.index('id="horizon-2050"')
