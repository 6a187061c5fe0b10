"""Themes of a consultation: the comments on a section and the reasons of a validation
round, proposed for the process's moderators and organisers (small groups' counts
hidden from moderators), edited on the page (rename, move, merge, split) and accepted
as statements of a vision-voting activity in preparation, all or nothing; the pages'
permissions and the "Find themes" links on consult's pages."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from consult import selectors as consult_selectors
from consult import services as consult_services
from consult.models import ProcessRole
from sessions import services as live_services
from sessions.models import Activity, Session
from synthesis import consult_themes
from synthesis.consult_themes import (
    ConsultItems,
    propose_consult_themes,
    round_theme_items,
    section_theme_items,
    theme_groups,
)
from synthesis.themes import ThemeInput, make_theme
from tests import factories
from tests.consult.factories import make_consultation, make_member, make_process

pytestmark = pytest.mark.django_db

TOPICS = {
    "recycling": [
        "Recycle old batteries at the end of their life",
        "Battery recycling plants in every region",
        "Recycling targets for lithium batteries",
        "Collect used batteries for recycling",
        "Recycled battery metals should be cheaper",
        "Deposit scheme for batteries to boost recycling",
    ],
    "water": [
        "Mines use too much water in dry regions",
        "Protect drinking water near the mine",
        "Water pollution from tailings ponds",
        "Monitor river water quality downstream of mines",
        "Mines must treat their waste water",
        "Publish water use of every mine",
    ],
    "training": [
        "Training courses for local workers",
        "Skills training for young technicians",
        "Vocational training in mining towns",
        "Apprenticeships and training for women",
        "Free training on safety skills",
        "Online training for small suppliers",
    ],
}
# Six commenters: five from policy (a group big enough to show), one from civil society.
GROUPS = ["policy"] * 5 + ["civil_society"]


def _section(consultation, position: int = 0):
    version = consult_selectors.latest_version(consultation)
    return version.texts.order_by("position")[position].section


def make_world() -> SimpleNamespace:
    """An open consultation of a process with an owner, a moderator, an organiser (who
    also runs live sessions) and six commenters; 18 comments in 3 topics on the first
    section, plus a hidden one, a deleted one and a reply; a running round with reasons
    on two sections and an agreement without a reason."""
    process = make_process(owner=make_member())
    moderator = make_member(role=ProcessRole.Role.MODERATOR, process=process)
    organiser = make_member(role=ProcessRole.Role.ORGANISER, process=process, organiser=True)
    consultation = make_consultation(process=process)
    section = _section(consultation)
    people = [make_member(group=group) for group in GROUPS]
    comments = {topic: [] for topic in TOPICS}
    for topic, texts in TOPICS.items():
        for n, text in enumerate(texts):
            comments[topic].append(
                consult_services.add_comment(section=section, author=people[n], body=text)
            )
    hidden = consult_services.add_comment(
        section=section, author=people[0], body="Hidden comment about battery recycling"
    )
    consult_services.hide_comment(comment=hidden, by=moderator, reason="Off topic")
    deleted = consult_services.add_comment(
        section=section, author=people[1], body="Deleted comment about water"
    )
    consult_services.delete_comment(comment=deleted, by=people[1])
    # A reply to the hidden comment: replies are read, also under a hidden comment.
    reply = consult_services.add_comment(
        section=section, author=people[2], body="Reply: recycle the battery casings", parent=hidden
    )
    version = consult_selectors.latest_version(consultation)
    round_ = consult_services.open_round(
        consultation=consultation, by=process.owner, version=version
    )
    second = _section(consultation, 1)
    reasons = {}
    for n, person in enumerate(people):
        reasons[n] = consult_services.answer_section(
            round=round_,
            section=section if n % 2 else second,
            user=person,
            verdict="agree_with_changes",
            reason=f"Say more about {['recycling batteries', 'water use', 'training'][n % 3]}",
        )
    agreed = consult_services.answer_section(
        round=round_, section=section, user=moderator, verdict="agree"
    )
    return SimpleNamespace(
        process=process,
        owner=process.owner,
        moderator=moderator,
        organiser=organiser,
        consultation=consultation,
        section=section,
        second=second,
        people=people,
        comments=comments,
        hidden=hidden,
        deleted=deleted,
        reply=reply,
        round=round_,
        reasons=reasons,
        agreed=agreed,
    )


@pytest.fixture
def world() -> SimpleNamespace:
    return make_world()


def section_url(w, section=None, **kwargs) -> str:
    c = w.consultation
    return reverse(
        "synthesis:section_themes",
        kwargs={
            "process": kwargs.get("process", c.process.slug),
            "slug": kwargs.get("slug", c.slug),
            "section_id": kwargs.get("section_id", (section or w.section).pk),
        },
    )


def round_url(w, **kwargs) -> str:
    c = w.consultation
    return reverse(
        "synthesis:round_themes",
        kwargs={
            "process": kwargs.get("process", c.process.slug),
            "slug": kwargs.get("slug", c.slug),
            "round_id": kwargs.get("round_id", w.round.pk),
        },
    )


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def vote(w, *, user=None, kind: str = "dot_vote", **extra) -> Activity:
    """A vision-voting activity in preparation, in a live session ``user`` runs."""
    event = factories.make_event(owner=user or w.organiser)
    return factories.make_activity(session=factories.make_session(event=event), kind=kind, **extra)


def statements(activity: Activity) -> list[dict]:
    return Activity.objects.get(pk=activity.pk).config["statements"]


# --------------------------------------------------------------------------- inputs


def test_section_items_are_the_comments_the_public_reads_replies_included(world):
    items = section_theme_items(section=world.section)
    ids = [item.id for item in items.inputs]
    expected = [c.pk for topic in world.comments.values() for c in topic] + [world.reply.pk]
    assert sorted(ids) == sorted(str(pk) for pk in expected)
    assert str(world.hidden.pk) not in ids and str(world.deleted.pk) not in ids
    by_id = {item.id: item for item in items.inputs}
    first = world.comments["recycling"][0]
    assert by_id[str(first.pk)] == ThemeInput(id=str(first.pk), text=first.body, group="policy")
    assert by_id[str(world.comments["recycling"][5].pk)].group == "civil_society"
    assert items.people[str(first.pk)] == world.people[0].pk
    # Nothing from the other section.
    assert section_theme_items(section=world.second).inputs == []


def test_round_items_are_the_non_empty_reasons_of_every_section_labelled(world):
    items = round_theme_items(round_=world.round)
    ids = {item.id for item in items.inputs}
    assert ids == {str(a.pk) for a in world.reasons.values()}
    assert str(world.agreed.pk) not in ids  # agreed without a reason
    headings = {
        t.section_id: t.heading for t in consult_selectors.version_sections(world.round.version)
    }
    for n, answer in world.reasons.items():
        assert items.context[str(answer.pk)] == headings[answer.section_id]
        assert items.people[str(answer.pk)] == world.people[n].pk
    assert {items.context[i] for i in ids} == {"Vision 2050", "Due diligence"}


def test_an_author_without_a_profile_or_group_counts_as_not_said(world):
    nobody = factories.make_user()
    comment = consult_services.add_comment(section=world.section, author=nobody, body="Water")
    items = section_theme_items(section=world.section)
    assert next(i for i in items.inputs if i.id == str(comment.pk)).group == ""


def test_proposal_places_every_comment_once(world):
    items = section_theme_items(section=world.section)
    themes = propose_consult_themes(items=items)
    placed = [item_id for theme in themes for item_id in theme.item_ids]
    assert sorted(placed) == sorted(item.id for item in items.inputs)
    assert len(themes) >= 2


# --------------------------------------------------------------------------- group counts


def test_group_counts_hidden_under_five_people_unless_organiser(world):
    items = section_theme_items(section=world.section)
    everything = make_theme(key="t", label="all", items=items.inputs)
    as_moderator = {r.label: r.count for r in theme_groups(theme=everything, items=items,
                                                            organiser=False)}  # fmt: skip
    as_organiser = {r.label: r.count for r in theme_groups(theme=everything, items=items,
                                                            organiser=True)}  # fmt: skip
    # 16 texts by the five policy people (15 comments and the reply), 3 by one person.
    assert as_moderator == {"Civil society / NGO": None, "Government / policy maker": 16}
    assert as_organiser == {"Civil society / NGO": 3, "Government / policy maker": 16}


def test_five_texts_from_fewer_than_five_people_stay_hidden():
    items = ConsultItems(
        inputs=[ThemeInput(id=str(n), text="water", group="policy") for n in range(6)],
        people={str(n): n % 2 for n in range(6)},
    )
    theme = make_theme(key="t", label="water", items=items.inputs)
    assert [r.count for r in theme_groups(theme=theme, items=items, organiser=False)] == [None]
    assert [r.count for r in theme_groups(theme=theme, items=items, organiser=True)] == [6]


def test_moderator_page_hides_small_groups_organiser_page_shows_them(world):
    hidden_text = "Civil society / NGO: fewer than 5 people"
    moderator = client_for(world.moderator).get(section_url(world))
    assert moderator.status_code == 200
    assert hidden_text in moderator.content.decode()
    organiser = client_for(world.organiser).get(section_url(world))
    html = organiser.content.decode()
    assert organiser.status_code == 200
    assert "fewer than 5 people" not in html
    assert re.search(r"Civil society / NGO: \d", html)


# --------------------------------------------------------------------------- the pages


def form_data(themes, **changes) -> dict:
    """The page's form as a browser posts it: every theme kept and accepted as proposed."""
    data: dict = {"theme": [t.key for t in themes], "action": "apply"}
    for theme in themes:
        data[f"name-{theme.key}"] = theme.label
        data[f"label-{theme.key}"] = theme.label
        if not theme.is_other:
            data[f"accept-{theme.key}"] = "on"
        for item in theme.item_ids:
            data[f"item-{item}"] = theme.key
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def proposal(w):
    return propose_consult_themes(items=section_theme_items(section=w.section))


def test_get_shows_themes_texts_and_labelled_controls(world):
    response = client_for(world.organiser).get(section_url(world))
    assert response.status_code == 200
    html = response.content.decode()
    for theme in proposal(world):
        assert f'for="name-{theme.key}"' in html and f'for="accept-{theme.key}"' in html
        for item in theme.item_ids:
            assert f'<label for="item-{item}">' in html
    assert "Recycle old batteries at the end of their life" in html
    assert "Reply: recycle the battery casings" in html
    assert "Hidden comment" not in html and "Deleted comment" not in html
    assert 'name="split"' in html and 'name="merge"' in html
    assert "<script" not in html.split("</main>")[0] and "style=" not in html


def test_round_page_lists_reasons_with_their_sections(world):
    response = client_for(world.moderator).get(round_url(world))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Say more about water use" in html and "Due diligence:" in html
    assert "Vision 2050:" in html


def test_empty_section_says_there_is_nothing_to_group(world):
    response = client_for(world.moderator).get(section_url(world, section=world.second))
    assert response.status_code == 200
    assert "This section has no comments yet" in response.content.decode()


def test_apply_renames_and_moves_a_text(world):
    themes = proposal(world)
    first, second = themes[0], themes[1]
    moved = first.item_ids[0]
    data = form_data(themes, **{f"name-{first.key}": "Renamed", f"item-{moved}": second.key})
    response = client_for(world.moderator).post(section_url(world), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Renamed"' in html
    # The moved text's select now sits in the second theme, with the second chosen.
    fieldset = html.split(f'id="theme-{second.key}"')[1].split("</fieldset>")[0]
    assert f'id="item-{moved}"' in fieldset
    option = fieldset.split(f'id="item-{moved}"')[1].split("</select>")[0]
    assert f'<option value="{second.key}" selected>' in option


def test_split_and_merge(world):
    themes = proposal(world)
    first, second = themes[0], themes[1]
    data = form_data(themes, split=first.key)
    response = client_for(world.moderator).post(section_url(world), data)
    assert response.status_code == 200
    html = response.content.decode()
    keys = re.findall(r'name="theme" value="([^"]+)"', html)
    assert len(keys) == len(themes) + 1 and first.key in keys
    data = form_data(themes, merge=second.key, **{f"into-{second.key}": first.key})
    html = client_for(world.moderator).post(section_url(world), data).content.decode()
    keys = re.findall(r'name="theme" value="([^"]+)"', html)
    assert keys == [t.key for t in themes if t.key != second.key]
    fieldset = html.split(f'id="theme-{first.key}"')[1].split("</fieldset>")[0]
    for item in (*first.item_ids, *second.item_ids):
        assert f'id="item-{item}"' in fieldset


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("split_unknown", "This form is out of date"),
        ("merge_self", "Choose another theme to merge this one into."),
        ("bad_choice", "Choose one of the themes for every text."),
        ("no_themes", "This form is out of date"),
    ],
)
def test_bad_edits_show_errors(world, change, message):
    themes = proposal(world)
    first = themes[0]
    data = form_data(themes)
    if change == "split_unknown":
        data["split"] = "theme-99"
    elif change == "merge_self":
        data.update({"merge": first.key, f"into-{first.key}": first.key})
    elif change == "bad_choice":
        data[f"item-{first.item_ids[0]}"] = "nowhere"
    elif change == "no_themes":
        data["theme"] = []
    response = client_for(world.moderator).post(section_url(world), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and 'role="alert"' in html


def accept_data(w, activity, themes, **changes) -> dict:
    defaults = {"action": "accept", "activity": str(activity.pk), "statement_type": "vision"}
    return form_data(themes, **{**defaults, **changes})


def test_accept_adds_statements_named_after_the_themes_and_goes_to_the_console(world):
    activity = vote(world)
    before = statements(activity)
    themes = proposal(world)
    first, second = themes[0], themes[1]
    data = accept_data(world, activity, themes, **{f"name-{first.key}": "  Battery   recycling "})
    for theme in themes[2:]:
        data.pop(f"accept-{theme.key}", None)
    response = client_for(world.organiser).post(section_url(world), data)
    session = Session.objects.get(pk=activity.session_id)
    assert response.status_code == 302
    assert response["Location"] == reverse("frontend:console", args=[session.code])
    flashed = [str(m) for m in get_messages(response.wsgi_request)]
    assert flashed == [f"2 statements added to “{activity.title}”."]
    after = statements(activity)
    assert after[: len(before)] == before
    assert after[len(before) :] == [
        {"text": "Battery recycling", "type": "vision", "horizon": None, "actor": None,
         "source": None},
        {"text": second.label, "type": "vision", "horizon": None, "actor": None, "source": None},
    ]  # fmt: skip


def test_accept_from_a_round_as_milestones(world):
    activity = vote(world, kind="statement_ranking")
    items = round_theme_items(round_=world.round)
    themes = propose_consult_themes(items=items)
    data = accept_data(world, activity, themes, statement_type="milestone", horizon="2040")
    for theme in themes:
        data[f"accept-{theme.key}"] = "on"
        data[f"name-{theme.key}"] = f"Milestone {theme.key}"
    response = client_for(world.organiser).post(round_url(world), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    added = statements(activity)[3:]
    assert [s["text"] for s in added] == [f"Milestone {t.key}" for t in themes]
    assert {(s["type"], s["horizon"]) for s in added} == {("milestone", 2040)}


def _long_second_name(w, activity, themes):
    return {f"name-{themes[1].key}": "x" * 301}


BAD_ACCEPTS = {
    # change -> (how to make it, the message)
    "unknown_activity": "Choose one of the activities listed",
    "foreign_activity": "Choose one of the activities listed",
    "no_activity": "Choose the activity to add the statements to.",
    "not_taking_statements": "That activity does not take statements.",
    "not_a_draft": "Statements can only be added before voting opens.",
    "session_ended": "That activity&#x27;s session has ended.",
    "empty_name": "Name this theme.",
    "same_names": "Two themes have this name: rename one of them.",
    "existing_statement": "is already a statement of that activity.",
    "too_many": "An activity has at most 30 statements",
    "too_long_second": "Keep a statement under 300 characters.",
    "milestone_without_horizon": "A milestone needs a horizon",
    "bad_type": "Unknown statement type.",
    "none_ticked": "Tick at least one theme to accept.",
    "emptied": "This theme has no texts left",
}


@pytest.mark.parametrize("change", BAD_ACCEPTS)
def test_bad_accepts_show_an_error_and_add_nothing(world, change):
    activity = vote(world)
    themes = proposal(world)
    first, second = themes[0], themes[1]
    data = accept_data(world, activity, themes)
    target = activity
    if change == "unknown_activity":
        data["activity"] = "999999999"
    elif change == "foreign_activity":
        target = vote(world, user=factories.make_user(organiser=True))
        data["activity"] = str(target.pk)
    elif change == "no_activity":
        data.pop("activity")
    elif change == "not_taking_statements":
        target = factories.make_activity(session=activity.session)
        data["activity"] = str(target.pk)
    elif change == "not_a_draft":
        live_services.open_activity(activity=activity)
    elif change == "session_ended":
        live_services.set_session_status(session=activity.session, status="closed")
    elif change == "empty_name":
        data[f"name-{second.key}"] = "   "
    elif change == "same_names":
        data[f"name-{second.key}"] = first.label.upper()
    elif change == "existing_statement":
        data[f"name-{second.key}"] = "zero-waste MINES"
    elif change == "too_many":
        config = dict(activity.config)
        config["statements"] = [
            {"text": f"S{n}", "type": "vision", "horizon": None, "actor": None, "source": None}
            for n in range(29)
        ]
        Activity.objects.filter(pk=activity.pk).update(config=config)
    elif change == "too_long_second":
        data.update(_long_second_name(world, activity, themes))
    elif change == "milestone_without_horizon":
        data["statement_type"] = "milestone"
    elif change == "bad_type":
        data["statement_type"] = "wish"
    elif change == "none_ticked":
        for theme in themes:
            data.pop(f"accept-{theme.key}", None)
    elif change == "emptied":
        for item in first.item_ids:
            data[f"item-{item}"] = second.key
    pks = sorted({activity.pk, target.pk})
    before = list(Activity.objects.filter(pk__in=pks).order_by("pk").values_list("config"))
    before_status = Activity.objects.get(pk=activity.pk).status
    response = client_for(world.organiser).post(section_url(world), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert BAD_ACCEPTS[change] in html, html[:4000]
    assert 'role="alert"' in html
    assert list(Activity.objects.filter(pk__in=pks).order_by("pk").values_list("config")) == before
    assert Activity.objects.get(pk=activity.pk).status == before_status
    if change in ("empty_name", "too_long_second", "same_names", "existing_statement"):
        assert f'aria-describedby="errors-{second.key}"' in html


def test_a_moderator_who_runs_no_sessions_cannot_accept(world):
    activity = vote(world)
    themes = proposal(world)
    client = client_for(world.moderator)
    html = client.get(section_url(world)).content.decode()
    assert "Adding themes as statements needs an organiser of live sessions" in html
    assert 'name="activity"' not in html
    response = client.post(section_url(world), accept_data(world, activity, themes))
    assert response.status_code == 400
    assert "Choose one of the activities listed" in response.content.decode()
    assert len(statements(activity)) == 3


def test_the_accept_form_offers_only_the_user_s_draft_statement_activities(world):
    mine = vote(world, title="My dot vote")
    vote(world, user=factories.make_user(organiser=True), title="Their dot vote")
    open_vote = vote(world, title="Open dot vote")
    live_services.open_activity(activity=open_vote)
    factories.make_activity(session=mine.session, title="A single choice")
    ended = vote(world, title="Ended dot vote")
    live_services.set_session_status(session=ended.session, status="closed")
    assert [a.pk for a in consult_themes.statement_targets(user=world.organiser)] == [mine.pk]
    html = client_for(world.organiser).get(section_url(world)).content.decode()
    assert "My dot vote" in html
    for title in ("Their dot vote", "Open dot vote", "A single choice", "Ended dot vote"):
        assert title not in html
    assert consult_themes.statement_targets(user=world.moderator) == []


def test_a_draft_without_matching_activities_says_how_to_add_one(world):
    html = client_for(world.organiser).get(section_url(world)).content.decode()
    assert "None of your live sessions has a vision-voting activity in preparation" in html


# --------------------------------------------------------------------------- permissions


LOGIN = "login"


def permission_users(w) -> dict:
    other = make_process(owner=make_member())
    return {
        "anonymous": None,
        "participant": w.people[0],
        "other_organiser": other.owner,
        "moderator": w.moderator,
        "organiser": w.organiser,
        "owner": w.owner,
    }


# role -> (GET status, POST status); no POST changes anything here (it applies edits).
ROWS = {
    "anonymous": (LOGIN, LOGIN),
    "participant": (403, 403),
    "other_organiser": (403, 403),
    "moderator": (200, 200),
    "organiser": (200, 200),
    "owner": (200, 200),
}


@pytest.mark.parametrize("page", ["section", "round"])
@pytest.mark.parametrize("role", ROWS)
def test_permission_rows(world, role, page):
    users = permission_users(world)
    client = client_for(users[role])
    url = section_url(world) if page == "section" else round_url(world)
    items = (
        section_theme_items(section=world.section)
        if page == "section"
        else round_theme_items(round_=world.round)
    )
    data = form_data(propose_consult_themes(items=items))
    activity = vote(world)
    for method, expected in zip(("get", "post"), ROWS[role], strict=True):
        response = getattr(client, method)(url, data if method == "post" else None)
        if expected == LOGIN:
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("account_login"))
        else:
            assert response.status_code == expected, (role, method)
    assert len(statements(activity)) == 3
    if page == "section" and role == "participant":
        # Accepting is refused too, before anything is read of the form.
        response = client.post(url, accept_data(world, activity, []))
        assert response.status_code == 403 and len(statements(activity)) == 3


@pytest.mark.parametrize("role", ["moderator", "organiser"])
def test_unknown_or_foreign_ids_are_404(world, role):
    client = client_for(getattr(world, role))
    elsewhere = make_consultation(slug="elsewhere")
    other_section = _section(elsewhere)
    other_round = consult_services.open_round(
        consultation=elsewhere,
        by=elsewhere.process.owner,
        version=consult_selectors.latest_version(elsewhere),
    )
    assert client.get(section_url(world, section_id=2**31 - 1)).status_code == 404
    assert client.get(section_url(world, section=other_section)).status_code == 404
    assert client.get(round_url(world, round_id=2**31 - 1)).status_code == 404
    assert client.get(round_url(world, round_id=other_round.pk)).status_code == 404
    assert client.get(section_url(world, slug="no-such-draft")).status_code == 404
    assert client.get(round_url(world, process="no-such-process")).status_code == 404
    assert client.put(section_url(world)).status_code == 405
    assert client.delete(round_url(world)).status_code == 405


def test_a_consultation_in_preparation_is_404_for_its_moderators_only(world):
    draft = make_consultation(process=world.process, status="draft", slug="in-preparation")
    url = section_url(world, slug=draft.slug, section=_section(draft))
    assert client_for(world.moderator).get(url).status_code == 404
    assert client_for(world.organiser).get(url).status_code == 200


# --------------------------------------------------------------------------- links


def _page_links(response) -> list[str]:
    html = response.content.decode()
    nav = re.search(r'<nav aria-label="Tools" class="tool-links">(.*?)</nav>', html, re.S)
    return re.findall(r'<a href="([^"]+)">Find themes</a>', nav.group(1)) if nav else []


def test_section_page_links_to_themes_for_moderators_and_organisers_only(world):
    page = reverse(
        "consult:section",
        args=[world.consultation.process.slug, world.consultation.slug, world.section.pk],
    )
    for user in (world.moderator, world.organiser, world.owner):
        assert _page_links(client_for(user).get(page)) == [section_url(world)]
    for user in (None, world.people[0], make_process(owner=make_member()).owner):
        response = client_for(user).get(page)
        assert response.status_code == 200 and _page_links(response) == []


def test_round_page_links_to_themes_for_moderators_and_organisers_only(world):
    page = reverse(
        "consult:round_results",
        args=[world.consultation.process.slug, world.consultation.slug, world.round.pk],
    )
    for user in (world.moderator, world.organiser):
        assert _page_links(client_for(user).get(page)) == [round_url(world)]
    consult_services.close_round(round=world.round, by=world.owner)  # results for everyone
    for user in (None, world.people[0]):
        response = client_for(user).get(page)
        assert response.status_code == 200 and _page_links(response) == []


def test_link_sources_are_registered_once():
    from consult import extensions

    consult_themes.register_links()  # again: still once
    assert extensions._section_links.count(consult_themes.section_links) == 1
    assert extensions._round_links.count(consult_themes.round_links) == 1
