"""The target mix page (its validation: nothing saved on any error), the representation
pages and JSON (suppression for everyone but the organisers) and the people list."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from consult import services
from consult.models import ProcessRole, RepresentationSettings, TargetShare
from consult.targets import TargetError
from people.models import Person
from representation.services import TargetsInvalid, save_targets
from tests import factories
from tests.consult.factories import make_consultation, make_member, make_process
from tests.representation.world import invite, join, make_person, set_targets, vote

pytestmark = pytest.mark.django_db

GROUPS = ["industry_upstream", "industry_downstream", "civil_society", "policy", "research",
          "finance", "community_labour", "other"]  # fmt: skip
MINUS = "\u2212"  # gaps are written with a real minus sign
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def strict_html(response) -> str:
    """The page's HTML, checked for the strict CSP: no inline script, style or handler."""
    html = response.content.decode()
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert not INLINE_SCRIPT.search(html)
    assert not re.search(r"\sstyle\s*=", html) and "<style" not in html
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html, re.IGNORECASE)
    assert "representation/representation.css" in html
    return html


def text(html: str) -> str:
    """The page's text, tags dropped and spaces squeezed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def mix(process) -> dict[str, dict[str, Decimal]]:
    out: dict[str, dict[str, Decimal]] = {}
    for share in TargetShare.objects.filter(process=process):
        out.setdefault(share.dimension, {})[share.value] = share.share
    return out


def form_data(**overrides) -> dict:
    """A valid submission: groups custom 40/30/30, no region or gender target."""
    data = {
        "alert_gap_points": "10",
        "stakeholder_group-mode": "custom",
        "stakeholder_group-policy": "40",
        "stakeholder_group-research": "30",
        "stakeholder_group-civil_society": "30",
        "region-mode": "none",
        "gender-mode": "none",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def process():
    process = make_process(owner=make_member())
    set_targets(process, "stakeholder_group", {"policy": "50", "research": "50"}, gap=12)
    return process


@pytest.fixture
def organiser_client(client, process):
    client.force_login(process.owner)
    return client


def targets_url(process) -> str:
    return reverse("representation:targets", args=[process.slug])


# --------------------------------------------------------------------------- the target mix


def test_the_target_page_proposes_equal_shares_among_the_named_groups(client):
    process = make_process(owner=make_member())
    client.force_login(process.owner)
    html = strict_html(client.get(targets_url(process)))

    checked = re.findall(r'name="stakeholder_group-equal" value="(\w+)"[^>]*checked', html)
    assert checked == GROUPS[:-1]  # every named group but "Other"
    assert re.search(r'name="stakeholder_group-mode" value="equal"[^>]*checked', html)
    assert re.search(r'name="region-mode" value="none"[^>]*checked', html)
    assert re.search(r'name="alert_gap_points" value="10"', html)


def test_the_target_page_shows_the_saved_mix(organiser_client, process):
    html = strict_html(organiser_client.get(targets_url(process)))

    # 50/50 is equal shares between the two: shown as such, the two ticked.
    assert re.findall(r'name="stakeholder_group-equal" value="(\w+)"[^>]*checked', html) == [
        "policy",
        "research",
    ]
    assert re.search(r'name="stakeholder_group-policy" value="50"', html)
    assert re.search(r'name="alert_gap_points" value="12"', html)


def test_saving_equal_shares_and_a_custom_region_mix(organiser_client, process):
    response = organiser_client.post(
        targets_url(process),
        form_data(
            **{
                "stakeholder_group-mode": "equal",
                "stakeholder_group-equal": ["policy", "research", "finance"],
                "region-mode": "custom",
                "region-europe": "33,3",
                "region-sub_saharan_africa": "33.3 %",
                "region-asia": "33.4",
                "alert_gap_points": "15",
            }
        ),
        follow=True,
    )

    assert response.redirect_chain == [(targets_url(process), 302)]
    assert "Target mix saved." in text(response.content.decode())
    assert mix(process) == {
        "stakeholder_group": {
            "policy": Decimal("33.34"),
            "research": Decimal("33.33"),
            "finance": Decimal("33.33"),
        },
        "region": {
            "europe": Decimal("33.30"),
            "sub_saharan_africa": Decimal("33.30"),
            "asia": Decimal("33.40"),
        },
    }
    assert RepresentationSettings.objects.get(process=process).alert_gap_points == 15


def test_the_retention_of_guest_profiles_is_set_and_cleared_with_the_targets(
    organiser_client, process
):
    organiser_client.post(targets_url(process), form_data(retention_days="30"))
    assert RepresentationSettings.objects.get(process=process).retention_days == 30
    page = organiser_client.get(targets_url(process)).content.decode()
    assert 'name="retention_days" value="30"' in page
    organiser_client.post(targets_url(process), form_data(retention_days=""))
    assert RepresentationSettings.objects.get(process=process).retention_days is None


def test_no_target_removes_a_dimension(organiser_client, process):
    organiser_client.post(targets_url(process), form_data(**{"stakeholder_group-mode": "none"}))
    assert mix(process) == {}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"stakeholder_group-civil_society": "20"}, "The shares add up to 90.00 %, not 100 %."),
        ({"stakeholder_group-civil_society": "-30"}, "A share cannot be negative."),
        ({"stakeholder_group-civil_society": "a third"}, "Type a number, such as 25 or 12.5."),
        ({"stakeholder_group-civil_society": "NaN"}, "Type a number, such as 25 or 12.5."),
        ({"stakeholder_group-civil_society": "130"}, "A share cannot be more than 100 %."),
        (
            {"stakeholder_group-mode": "equal", "stakeholder_group-equal": ["policy", "martians"]},
            "Select a valid choice. martians is not one of the available choices.",
        ),
        (
            {"stakeholder_group-mode": "equal", "stakeholder_group-equal": None},
            "Tick at least one for equal shares.",
        ),
        ({"stakeholder_group-mode": "all"}, "Select a valid choice. all is not one of"),
        ({"alert_gap_points": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"alert_gap_points": "ten"}, "Enter a whole number."),
        ({"retention_days": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"retention_days": "99999"}, "Ensure this value is less than or equal to 3650."),
        ({"retention_days": "a year"}, "Enter a whole number."),
        # A valid region mix is not saved either when the groups are refused.
        (
            {
                "region-mode": "custom",
                "region-europe": "100",
                "stakeholder_group-civil_society": "31",
            },
            "The shares add up to 101.00 %, not 100 %.",
        ),
    ],
)
def test_a_refused_mix_saves_nothing(organiser_client, process, overrides, message):
    before = mix(process)
    response = organiser_client.post(targets_url(process), form_data(**overrides))

    assert response.status_code == 400
    page = text(response.content.decode())
    assert "Nothing was saved." in page
    assert message in page
    assert mix(process) == before
    assert RepresentationSettings.objects.get(process=process).alert_gap_points == 12


def test_the_service_refuses_unknown_values_and_saves_nothing(process):
    with pytest.raises(TargetsInvalid) as refused:
        save_targets(
            process=process,
            by=process.owner,
            mixes={"region": {"europe": "100"}, "stakeholder_group": {"martians": "100"}},
            alert_gap_points=20,
        )
    assert refused.value.errors == {"stakeholder_group": "martians is not a value of this list."}
    assert mix(process) == {
        "stakeholder_group": {"policy": Decimal("50"), "research": Decimal("50")}
    }
    assert RepresentationSettings.objects.get(process=process).alert_gap_points == 12
    with pytest.raises(TargetsInvalid) as refused:
        save_targets(process=process, by=process.owner, mixes={}, alert_gap_points=0)
    assert list(refused.value.errors) == ["alert_gap_points"]
    with pytest.raises(TargetError):
        save_targets(process=process, by=make_member(), mixes={}, alert_gap_points=10)


def test_a_tiny_share_rounds_away_instead_of_being_kept_as_zero(process):
    save_targets(
        process=process,
        by=process.owner,
        mixes={"gender": {"woman": "50", "man": "50", "other": "0.001"}},
        alert_gap_points=10,
    )
    assert mix(process)["gender"] == {"woman": Decimal("50"), "man": Decimal("50")}


# --------------------------------------------------------------------------- pages


@pytest.fixture
def live(process):
    """An event of the process (owned by a facilitator who does not organise the
    process) with a session: 6 policy, 2 research and 1 undisclosed participants; one
    policy person not invited, one invited without an answer, one who accepted."""
    facilitator = factories.make_user(organiser=True)
    event = factories.make_event(owner=facilitator, process=process)
    session = factories.make_session(event=event, title="Plenary")
    poll = factories.make_activity(session=session, open=True)
    for group, n in [("policy", 6), ("research", 2), ("", 1)]:
        for _ in range(n):
            vote(poll, join(session, stakeholder_group=group, country="KE"))
    fresh = make_person(group="policy", name="Nadia Fresh")
    waiting = make_person(group="policy", name="Wanjiru Waiting")
    invite(waiting, process=process, event=event, reminders=2)
    invite(make_person(group="policy", name="Ana Answered"), process=process, event=event,
           answer="in_person")  # fmt: skip
    return {"event": event, "session": session, "facilitator": facilitator, "fresh": fresh,
            "waiting": waiting}  # fmt: skip


def page_url(process, live) -> dict[str, str]:
    slug, session = process.slug, live["session"]
    return {
        "process": reverse("representation:process_page", args=[slug]),
        "event": reverse("representation:event_page", args=[slug, live["event"].pk]),
        "session": reverse("representation:session_page", args=[slug, session.code]),
    }


def test_organisers_see_every_figure_with_alerts_and_a_people_link(organiser_client, process, live):
    html = strict_html(organiser_client.get(page_url(process, live)["session"]))
    page = text(html)

    assert "Representation: Plenary" in page
    # research: 2 of 9 joined = 22.2 %, target 50: 27.8 points below, and fewer than 5.
    assert f"2 22.2 % {MINUS}27.8 points Alert: fewer than 5" in page
    assert "6 66.7 % +16.7 points" in page
    assert "Prefer not to say no target 0 0.0 % 0 0.0 % 1 11.1 % 1 11.1 %" in page
    people = reverse(
        "representation:session_people",
        args=[process.slug, live["session"].code, "stakeholder_group", "research"],
    )
    assert f'href="{people}"' in html
    assert 'class="suppressed"' not in html


def test_others_who_may_see_get_small_counts_suppressed(client, process, live):
    moderator = make_member(role=ProcessRole.Role.MODERATOR, process=process)
    for viewer, url in [(moderator, "process"), (moderator, "session"),
                        (live["facilitator"], "event")]:  # fmt: skip
        client.force_login(viewer)
        html = strict_html(client.get(page_url(process, live)[url]))
        page = text(html)
        assert "fewer than 5" in page
        # research (2) and the undisclosed (1) hidden; policy (6) shown with its share.
        assert not re.search(r"\b2 22\.2 %", page) and "11.1 %" not in page
        assert "6 66.7 %" in page
        assert "/representation/people/" not in html
        assert "Set the target mix" not in page


def test_the_people_list_is_for_organisers_and_shows_who_to_invite_or_remind(
    organiser_client, process, live
):
    url = reverse(
        "representation:event_people",
        args=[process.slug, live["event"].pk, "stakeholder_group", "policy"],
    )
    html = strict_html(organiser_client.get(url))
    page = text(html)

    assert re.search(r"Nadia Fresh — — Not invited .*Wanjiru Waiting — — No answer yet", page)
    assert "2 reminders" in page
    assert "Ana Answered" not in page
    invitations = f"/processes/{process.slug}/invitations/"
    assert f'href="{invitations}new?group=policy"' in html
    assert f'href="{invitations}new?person={live["fresh"].pk}"' in html  # the one not invited
    assert f'href="{invitations}?answer=none&amp;group=policy"' in html
    assert organiser_client.get(url.replace("/policy/", "/martians/")).status_code == 404
    assert organiser_client.get(url.replace("/policy/", "//")).status_code == 404


def test_a_session_of_another_process_is_not_found(organiser_client, process):
    other = factories.make_session(event=factories.make_event(process=make_process()))
    url = reverse("representation:session_page", args=[process.slug, other.code])
    assert organiser_client.get(url).status_code == 404


def test_a_consultation_page_counts_its_people(organiser_client, process):
    consultation = make_consultation(process=process, slug="draft-one", title="Draft one")
    section = consultation.sections.first()
    for _ in range(5):
        services.add_comment(section=section, author=make_member(group="policy"), body="Yes.")
    url = reverse("representation:consultation_page", args=[process.slug, "draft-one"])
    page = text(strict_html(organiser_client.get(url)))
    assert "Representation: Draft one" in page
    assert "Registered Contributed" in page
    # Nobody invited yet: no share and no alert there; five registered and commented.
    assert "Government / policy maker 50 % 0 0 5 100.0 % +50.0 points 5 100.0 % +50.0" in page
    assert (
        f"Research / academia 50 % 0 0 0 0.0 % {MINUS}50.0 points Alert: fewer than 5 "
        f"0 0.0 % {MINUS}50.0 points Alert: fewer than 5" in page
    )


# --------------------------------------------------------------------------- JSON


def json_urls(process, live) -> dict[str, str]:
    args = [process.slug, live["session"].code]
    return {
        "console": reverse("representation:session_json", args=args),
        "projector": reverse("representation:session_projector_json", args=args),
    }


def group_cells(data) -> dict[str, dict]:
    return {r["value"]: r["cells"] for r in data["dimensions"][0]["rows"]}


def test_the_console_json_is_full_for_an_organiser_who_facilitates(client, process, live):
    # The process owner facilitates too once they own the event and may organise events.
    owner = process.owner
    owner.user_permissions.add(
        Permission.objects.get(codename="organise", content_type__app_label="live")
    )
    live["event"].owner = owner
    live["event"].save(update_fields=["owner"])
    client.force_login(owner)
    data = client.get(json_urls(process, live)["console"]).json()

    assert data["suppressed"] is False
    assert [s["key"] for s in data["stages"]] == ["invited", "accepted", "joined",
                                                   "live_contributed"]  # fmt: skip
    cells = group_cells(data)
    assert cells["research"]["joined"]["count"] == 2
    assert cells["research"]["joined"]["too_few"] is True
    assert cells["policy"]["invited"] == {"count": 2, "share": 100.0, "gap": 50.0, "alert": True,
                                          "too_few": True, "below_target": False,
                                          "suppressed": None}  # fmt: skip


def test_the_console_json_suppresses_for_a_facilitator_who_does_not_organise(client, process, live):
    client.force_login(live["facilitator"])
    data = client.get(json_urls(process, live)["console"]).json()

    assert data["suppressed"] is True
    cells = group_cells(data)
    assert cells["research"]["joined"]["count"] is None
    assert cells["research"]["joined"]["suppressed"] == "fewer"
    assert cells["policy"]["joined"]["count"] == 6
    assert data["dimensions"][0]["totals"]["invited"] is None  # 2 people invited


def test_the_projector_json_is_suppressed_even_for_organisers(client, process, live):
    owner = process.owner
    owner.user_permissions.add(
        Permission.objects.get(codename="organise", content_type__app_label="live")
    )
    live["event"].owner = owner
    live["event"].save(update_fields=["owner"])
    client.force_login(owner)
    data = client.get(json_urls(process, live)["projector"]).json()

    assert data["suppressed"] is True
    assert [s["key"] for s in data["stages"]] == ["joined", "live_contributed"]
    cells = group_cells(data)
    assert cells["research"]["joined"]["count"] is None
    assert cells["policy"]["joined"] == {"count": 6, "share": 66.7, "gap": 16.7, "alert": False,
                                         "too_few": False, "below_target": False,
                                         "suppressed": None}  # fmt: skip
    assert "Person" not in str(data) and Person.objects.count() == 3
