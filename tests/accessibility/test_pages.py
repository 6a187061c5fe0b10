"""Accessibility, proven (issue 18): axe-core runs on every kind of page, for each role,
in the system Chromium against one real Daphne process, and any violation of any impact
fails the page's test with the rule and the elements (tests/a11y.py).

One world of data is built for the whole module (committed, so the server sees it, and
flushed after the module): an open session for every registered activity kind, with
answers from several people and its results shown to everyone; a consultation with
comments, a closed and an open validation round, answers and their dispositions, a
hidden comment and evidence; a stakeholder directory with invitations; a target mix.
Each page is a test of its own (``test_page[<role>-<page>]``), checked once its live
state has arrived (``body[data-status=live]`` and the activity drawn) or, on the other
pages, once loaded; a few states reached by using the page (a flash message, form
errors) have tests of their own. No page may log an error or a CSP violation either.
The pages are listed in docs/accessibility.md."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connections
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from consensus.models import Statement
from consensus.tasks import recompute_analysis
from consult import selectors as consult_selectors
from consult import services as consult_services
from consult.models import Evidence
from knowledge import actions as knowledge_actions
from knowledge import roadmaps
from knowledge.models import CaseEvidence
from outreach import attendance as outreach_attendance
from outreach import services as outreach_services
from outreach.models import Invitation, Mailing, Subscription
from people import services as people_services
from qna.models import Question
from reports import services as report_services
from sessions import kinds, selectors, services
from sessions.models import Activity, Event, Participant
from tests import factories
from tests.a11y import assert_accessible
from tests.consult.factories import make_consultation, make_member, make_process
from tests.frontend.conftest import PageProblems
from tests.knowledge.factories import make_area, make_case, make_issue
from tests.outreach.factories import everyone, target
from tests.people.factories import make_manager, make_organisation
from tests.people.factories import make_person as make_directory_person
from tests.representation.world import set_targets
from tests.threads import in_thread

# The tests' own transactions are empty (the module's data is committed before them);
# the mark makes pytest-django set up the test database.
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

KINDS = [name for name, _ in kinds.kind_choices()]
GROUPS = ["civil_society", "industry_upstream", "research", "policy"]
_keys = itertools.count(1)

# Every kind's settings: the tests' defaults, and those of the kinds they leave out.
CONFIGS: dict[str, dict[str, Any]] = {
    **factories.DEFAULT_CONFIGS,
    "idea_board": {"columns": ["Challenges", "Solutions", "Who must act"]},
    "qna": {},
}

WORDS = ["traceability", "recycling", "wages", "water", "consent", "audits", "cobalt"]


# --------------------------------------------------------------------------- the world


def act(activity: Activity, participant: Participant, action: str, data: Any) -> None:
    services.perform_command(
        participant=participant,
        activity_id=activity.pk,
        action=action,
        data=data,
        key=f"a{next(_keys)}",
    )


def ballot(kind: str, i: int) -> Any:
    """The ``i``-th person's vote on a poll kind with the default settings."""
    three = [i % 3, (i + 1) % 3, (i + 2) % 3]
    return {
        "single_choice": i % 3,
        "multiple_choice": [i % 4, (i + 1) % 4],
        "scale": 1 + i % 5,
        "word_cloud": WORDS[i % 7 : i % 7 + 2],
        "ranking": three,
        "dot_vote": {str(i % 3): 3, str((i + 1) % 3): 2},
        "impact_feasibility": {
            str(s): {"impact": 1 + (i + s) % 5, "feasibility": 1 + (i * s) % 5} for s in range(3)
        },
        "statement_ranking": three,
    }[kind]


def fill(activity: Activity, who: list[Participant]) -> None:
    """Answers from ``who``, as each kind takes them."""
    if activity.kind == "idea_board":
        for n, p in enumerate(who):
            act(activity, p, "post", {"column": n % 3, "text": f"Publish the {WORDS[n]} data"})
    elif activity.kind == "qna":
        for n, p in enumerate(who):
            act(
                activity,
                p,
                "ask",
                {"text": f"Who checks the {WORDS[n]} rules?", "anonymous": False},
            )
        first = Question.objects.filter(activity=activity).order_by("pk").first()
        for p in who[1:]:
            act(activity, p, "upvote", {"question": first.pk})
    elif activity.kind == "consensus":
        statements = list(Statement.objects.filter(activity=activity).order_by("pk"))
        for n, p in enumerate(who):
            for s, statement in enumerate(statements):
                vote = ["agree", "disagree", "pass"][(n + s) % 3]
                act(activity, p, "answer", {"statement": statement.pk, "vote": vote})
        recompute_analysis.call(activity_id=activity.pk)
    elif activity.kind in factories.DEFAULT_CONFIGS:
        for n, p in enumerate(who):
            act(activity, p, "vote", ballot(activity.kind, n))


def room_cookie(participant: Participant, base: str) -> dict[str, Any]:
    """The room cookie the join page sets for ``participant``, for a browser context."""
    response = HttpResponse()
    selectors.set_participant_cookie(response, participant=participant, secure=False)
    name = selectors.participant_cookie_name(participant.session.code)
    return {"name": name, "value": response.cookies[name].value, "url": base}


def kind_session(owner, kind: str, process) -> SimpleNamespace:
    """An open session whose current activity is of ``kind``, answered by five people,
    its results live for participants and shown on the projector; Ana, the participant
    whose room is checked, has not answered (her form is the one to fill)."""
    event = factories.make_event(
        owner=owner, title=f"Battery minerals forum: {kind}", process=process
    )
    session = factories.make_session(event=event, title="Plenary: priorities for 2030")
    activity = services.add_activity(
        session=session,
        kind=kind,
        title="Which of these should the roadmap put first?",
        config=CONFIGS[kind] if kind in CONFIGS else kinds.get_kind(kind).clean_config({}),
        results_visibility=Activity.Visibility.LIVE,
    )
    services.open_activity(activity=activity)
    services.reveal_results(activity=activity, revealed=True)
    activity.refresh_from_db()
    others = [
        factories.make_participant(
            session=session, display_name=f"Person {i}", stakeholder_group=GROUPS[i % 4]
        )
        for i in range(5)
    ]
    fill(activity, others)
    ana = factories.make_participant(
        session=session, display_name="Ana", stakeholder_group="policy", country="KE"
    )
    return SimpleNamespace(session=session, activity=activity, ana=ana)


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    # The facilitator runs the events, organises the process and manages the directory.
    w.organiser = make_manager()
    w.organiser.user_permissions.add(
        Permission.objects.get(codename="organise", content_type__app_label="live")
    )
    w.process = make_process(owner=w.organiser)
    set_targets(w.process, "stakeholder_group", {"policy": "50", "research": "50"})
    w.kinds = {kind: kind_session(w.organiser, kind, w.process) for kind in KINDS}

    # The consultation: comments, a round that is over (answered, with a disposition),
    # an open one, a hidden comment and evidence.
    w.member = make_member(group="policy")
    other = make_member(group="research")
    c = make_consultation(process=w.process, title="Battery minerals roadmap draft", slug="draft")
    w.consultation = c
    version = consult_selectors.latest_version(c)
    sections = [t.section for t in version.texts.order_by("position")]
    w.section = sections[0]
    consult_services.add_comment(section=w.section, author=w.member, body="Say **2035**.")
    theirs = consult_services.add_comment(section=w.section, author=other, body="Too slow.")
    reported = consult_services.add_comment(section=w.section, author=other, body="Off topic.")
    consult_services.report_comment(comment=reported, reporter=w.member, reason="Off topic")
    consult_services.hide_comment(comment=reported, by=w.organiser, reason="Off topic")
    consult_services.add_comment(section=w.section, author=w.member, body="Reply", parent=theirs)
    Evidence.objects.create(
        section=w.section,
        title="Vision vote in the Nairobi workshop",
        url="/events/1/",
        source_key=f"live.activity:{w.section.pk}",
        results=[{"label": "Agree", "value": 12, "share": 60.0, "detail": ""}],
        responses=20,
        collected_at=c.opens_at,
    )
    done = consult_services.open_round(consultation=c, by=w.organiser, version=version)
    for section in sections:
        answer = consult_services.answer_section(
            round=done, section=section, user=other, verdict="agree_with_changes", reason="2035"
        )
    consult_services.set_disposition(
        by=w.organiser, answer=answer, decision="partly", response="Noted."
    )
    consult_services.close_round(round=done, by=w.organiser)
    w.round_done = done
    w.round_open = consult_services.open_round(consultation=c, by=w.organiser, version=version)
    consult_services.answer_section(
        round=w.round_open, section=w.section, user=w.member, verdict="agree", reason=""
    )

    # The stakeholder directory.
    organisation = make_organisation(name="Katanga Mining", country="CD")
    w.person = make_directory_person(
        name="Zawadi Mwangi", emails=["zawadi@example.org"], stakeholder_group="policy",
        country="KE", sector="mining", tags=["cobalt"], organisation=organisation, role="Chair",
    )  # fmt: skip
    people_services.set_analysis(person=w.person, influence=5, interest=4, by=None)
    make_directory_person(name="Ben Laurent", stakeholder_group="research")

    # Invitations of the directory person to a live session and to the consultation.
    session = w.kinds[KINDS[0]].session
    for obj in (session, c):
        outreach_services.create_invitations(
            process=w.process, by=w.organiser, target=target(obj), filters=everyone(query="Zawadi")
        )
    w.invited_to_session = Invitation.objects.get(person=w.person, session=session)
    w.invited_to_consultation = Invitation.objects.get(person=w.person, consultation=c)
    outreach_attendance.record_remote(invitation=w.invited_to_session)  # a row in the list

    # The workshop report of that session, built (as the worker would) and published.
    report = report_services.request_report(session=session, language="en")
    report_services.build(report_id=report.pk, generation=report.generation)
    report.refresh_from_db()
    w.report = report_services.set_published(report=report, published=True)
    # The process report and the organiser's programme report, built.
    for lookup in ({"process": w.process}, {"owner": w.organiser}):
        asked = report_services.request_process_report(language="en", **lookup)
        report_services.build_process_report(report_id=asked.pk, generation=asked.generation)

    # The knowledge repository: the organiser manages it; an accepted case mapped to an
    # issue, and the member's proposal the managers asked changes to.
    w.organiser.user_permissions.add(Permission.objects.get(codename="manage_knowledge"))
    w.issue = make_issue(area=make_area("Transparency, traceability and due diligence"))
    w.case = make_case(name="Responsible copper standard", issues=(w.issue,))
    w.proposal = make_case(
        name="Mercury-free gold", status="changes_requested", proposed_by=w.member
    )
    # A closed consultation published as a roadmap citing the case; the session's event
    # in the public calendar; a newsletter subscription and mailing.
    pilot = make_consultation(process=w.process, title="Pilot phase", slug="pilot", status="closed")
    pilot_version = consult_selectors.latest_version(pilot)
    w.roadmap = roadmaps.publish_roadmap(consultation=pilot, version=pilot_version, by=w.organiser)
    roadmaps.cite_case(
        roadmap=w.roadmap,
        section=pilot_version.texts.order_by("position")[0].section,
        case=w.case,
        by=w.organiser,
    )
    w.pilot = pilot
    # An action of the case in the catalogue, and a copy of results as its evidence.
    w.action = knowledge_actions.create_action(
        by=w.organiser, text="Publish every smelter audit.", horizon=2030, actor="policy",
        case=w.case, issue=w.issue,
    )  # fmt: skip
    CaseEvidence.objects.create(
        case=w.case, title="Would you adopt it?", origin="Copper lab · Peer learning",
        url="/", source_key="a11y:1", responses=12, collected_at=timezone.now(),
        results=[{"label": "Yes", "value": 9, "share": 75.0, "detail": ""},
                 {"label": "No", "value": 3, "share": 25.0, "detail": ""}],
    )  # fmt: skip
    Event.objects.filter(pk=session.event_id).update(public=True, location="Nairobi")
    w.subscription = Subscription.objects.create(
        email="reader@example.org", language="en", consent_text_version="newsletter-2026-1"
    )
    w.mailing = Mailing.objects.create(
        subject="December news", body="Twenty cases are online.", created_by=w.organiser
    )
    w.logins = {"organiser": factories.login_cookie(w.organiser),
                "member": factories.login_cookie(w.member)}  # fmt: skip
    return w


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, module_daphne, chromium) -> Iterator[SimpleNamespace]:
    """The module's data, committed for the server to see; every table is flushed after
    the module (as after a transactional test). Chromium is started first, so that it
    stops after the flush and closes the connections the tests opened meanwhile."""
    with django_db_blocker.unblock():
        try:
            yield in_thread(build_world)
        finally:
            connections.close_all()
            call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=False)
            connections.close_all()


# --------------------------------------------------------------------------- browsers

PHONE = {"width": 375, "height": 667}
SCREEN = {"width": 1280, "height": 720}
DESK = {"width": 1280, "height": 800}

# Who opens the page, and on what.
ROLES = {
    "anonymous": PHONE,
    "participant": PHONE,
    "member": DESK,
    "organiser": DESK,
    "projector": SCREEN,
}


class Browsers:
    """One browser context, with one page, per role, made when first used."""

    def __init__(self, chromium, base: str, w: SimpleNamespace) -> None:
        self.chromium, self.base, self.w = chromium, base, w
        self.problems = PageProblems()
        self.pages: dict[str, Page] = {}

    def cookies(self, role: str) -> list[dict[str, Any]]:
        if role == "participant":
            return [room_cookie(k.ana, self.base) for k in self.w.kinds.values()]
        if role in ("member", "organiser"):
            login = self.w.logins[role]
            return [{"name": settings.SESSION_COOKIE_NAME, "value": login, "url": self.base}]
        return []

    def page(self, role: str) -> Page:
        if role not in self.pages:
            context = self.chromium.new_context(viewport=ROLES[role])
            context.add_cookies(self.cookies(role))
            page = context.new_page()
            self.problems.watch(page)
            self.pages[role] = page
        return self.pages[role]

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()


@pytest.fixture(scope="module")
def browsers(world, module_daphne, chromium) -> Iterator[Browsers]:
    b = Browsers(chromium, module_daphne.base_url, world)
    yield b
    b.close()


# --------------------------------------------------------------------------- the pages


@dataclass(frozen=True)
class Check:
    """One page for one role: its address in the world, and what shows it is ready."""

    role: str
    name: str
    address: Callable[[SimpleNamespace], str]
    ready: Callable[[Page], None] = lambda page: None
    status: int = 200

    @property
    def id(self) -> str:
        return f"{self.role}-{self.name}"


def live(page: Page) -> None:
    expect(page.locator("body")).to_have_attribute("data-status", "live")


def room_ready(page: Page) -> None:
    """Connected, the room's state drawn: the activity's form or content, its results."""
    live(page)
    expect(page.locator("body")).to_have_attribute("data-seq", re.compile(r"^\d+$"))
    expect(page.locator("#stage .waiting")).to_have_count(0)


def screen_ready(page: Page) -> None:
    live(page)
    expect(page.locator("#results > *").first).to_be_attached()


def console_ready(page: Page) -> None:
    live(page)
    expect(page.locator("[data-results-for] > *").first).to_be_attached()


def c_url(name: str, *args: Any) -> Callable[[SimpleNamespace], str]:
    """A page of the world's consultation."""

    def address(w: SimpleNamespace) -> str:
        c = w.consultation
        values = [getattr(w, a).pk if isinstance(a, str) else a for a in args]
        return reverse(name, args=[c.process.slug, c.slug, *values])

    return address


def k_url(name: str, kind: str, *, activity: bool = False) -> Callable[[SimpleNamespace], str]:
    """A page of the session of ``kind`` (and of its activity)."""

    def address(w: SimpleNamespace) -> str:
        k = w.kinds[kind]
        args = [k.session.code, k.activity.pk] if activity else [k.session.code]
        return reverse(name, args=args)

    return address


CHECKS: list[Check] = [
    Check("anonymous", "home", lambda w: reverse("frontend:home")),
    Check("anonymous", "join", lambda w: reverse("frontend:join")),
    Check(
        "anonymous",
        "join-wrong-code",
        lambda w: reverse("frontend:join") + "?code=ZZZZZZ",
        lambda page: expect(page.locator("#id_code")).to_have_attribute("aria-invalid", "true"),
        status=400,
    ),
    Check("anonymous", "join-profile", k_url("frontend:join_code", KINDS[0])),
    Check("anonymous", "login", lambda w: reverse("account_login")),
    Check("anonymous", "signup", lambda w: reverse("account_signup")),
    Check("anonymous", "password-reset", lambda w: reverse("account_reset_password")),
    Check("participant", "profile", k_url("frontend:participant_profile", KINDS[0])),
]
for _kind in KINDS:
    CHECKS += [
        Check("participant", f"room-{_kind}", k_url("frontend:room", _kind), room_ready),
        Check("projector", f"screen-{_kind}", k_url("frontend:screen", _kind), screen_ready),
        Check("organiser", f"console-{_kind}", k_url("frontend:console", _kind), console_ready),
        Check("organiser", f"presenter-{_kind}", k_url("frontend:present", _kind), live),
        Check(
            "organiser",
            f"results-{_kind}",
            k_url("frontend:activity_results", _kind, activity=True),
        ),
    ]
CHECKS += [
    Check(
        "organiser", "board-themes", k_url("synthesis:board_themes", "idea_board", activity=True)
    ),
    Check("organiser", "question-themes", k_url("synthesis:board_themes", "qna", activity=True)),
    Check("organiser", "word-themes", k_url("synthesis:board_themes", "word_cloud", activity=True)),
    Check(
        "organiser", "common-ground", k_url("consensus:common_ground", "consensus", activity=True)
    ),
    Check(
        "organiser",
        "activity-translations",
        k_url("frontend:activity_translations", KINDS[0], activity=True),
    ),
    Check("organiser", "dashboard", lambda w: reverse("frontend:dashboard")),
    Check(
        "organiser",
        "event",
        lambda w: reverse("frontend:event", args=[w.kinds[KINDS[0]].session.event_id]),
    ),
]
for _role in ("member", "organiser"):
    CHECKS += [
        Check(_role, "consultation", c_url("consult:consultation")),
        Check(_role, "section", c_url("consult:section", "section")),
        Check(_role, "validate", c_url("consult:validate")),
        Check(_role, "round-results", c_url("consult:round_results", "round_done")),
        Check(_role, "you-said-we-did", c_url("consult:you_said_we_did")),
        Check(_role, "moderation-log", c_url("consult:moderation_log")),
    ]
CHECKS += [
    Check("organiser", "consultation-translations", c_url("consult:translate")),
    Check("organiser", "invitation-translations",
          lambda w: reverse("outreach:translate_texts", args=[w.process.slug])),
    Check("organiser", "section-themes", c_url("synthesis:section_themes", "section")),
    Check("organiser", "round-themes", c_url("synthesis:round_themes", "round_done")),
    Check("organiser", "round-balanced", c_url("synthesis:round_balanced", "round_done")),
    Check("organiser", "directory", lambda w: reverse("people:directory")),
    Check("organiser", "directory-person", lambda w: reverse("people:person", args=[w.person.pk])),
    Check("organiser", "directory-grid", lambda w: reverse("people:grid")),
    Check("organiser", "organisations", lambda w: reverse("people:organisations")),
    Check("organiser", "targets", lambda w: reverse("representation:targets", args=[w.process.slug])),
    Check("organiser", "representation-process",
          lambda w: reverse("representation:process_page", args=[w.process.slug])),
    Check("organiser", "representation-event", lambda w: reverse(
        "representation:event_page", args=[w.process.slug, w.kinds[KINDS[0]].session.event_id])),
    Check("organiser", "representation-session", lambda w: reverse(
        "representation:session_page", args=[w.process.slug, w.kinds[KINDS[0]].session.code])),
    Check("organiser", "representation-consultation", lambda w: reverse(
        "representation:consultation_page", args=[w.process.slug, w.consultation.slug])),
    Check("organiser", "representation-people", lambda w: reverse(
        "representation:process_people", args=[w.process.slug, "stakeholder_group", "policy"])),
    Check("organiser", "invitations", lambda w: reverse("outreach:list", args=[w.process.slug])),
    Check("organiser", "invite", lambda w: reverse("outreach:new", args=[w.process.slug])),
    Check("organiser", "invitation-texts", lambda w: reverse("outreach:texts", args=[w.process.slug])),
    Check("anonymous", "invitation", lambda w: reverse(
        "outreach:invitation", args=[w.invited_to_session.token])),
    Check("anonymous", "invitation-join", lambda w: reverse(
        "outreach:join", args=[w.invited_to_session.token])),
    Check("anonymous", "invitation-register", lambda w: reverse(
        "outreach:register", args=[w.invited_to_consultation.token])),
    Check("anonymous", "invitation-opt-out", lambda w: reverse(
        "outreach:opt_out", args=[w.invited_to_consultation.token])),
    Check("organiser", "checkin", lambda w: reverse(
        "outreach:checkin", args=[outreach_attendance.checkin_code(w.invited_to_session)])),
    Check("organiser", "event-checkin", lambda w: reverse(
        "outreach:event_checkin", args=[w.process.slug, w.invited_to_session.session.event_id])),
    Check("organiser", "attendance", lambda w: reverse(
        "outreach:attendance", args=[w.process.slug, w.invited_to_session.session.event_id])),
    Check("organiser", "workshop-report", lambda w: reverse(
        "reports:workshop", args=[w.kinds[KINDS[0]].session.code])),
    Check("anonymous", "shared-report", lambda w: reverse(
        "reports:shared", args=[w.report.share_token])),
    Check("organiser", "process-report", lambda w: reverse(
        "reports:process_page", args=[w.process.slug])),
    Check("organiser", "programme-report", lambda w: reverse("reports:programme_page")),
    Check("member", "my-certificates", lambda w: reverse("certificates:mine")),
    Check("anonymous", "cases", lambda w: reverse("knowledge:repository")),
    Check("anonymous", "case", lambda w: reverse("knowledge:case", args=[w.case.slug])),
    Check("anonymous", "impact-matrix", lambda w: reverse("knowledge:matrix")),
    Check("anonymous", "impact-matrix-issue",
          lambda w: reverse("knowledge:matrix_issue", args=[w.issue.pk])),
    Check("organiser", "manage-cases", lambda w: reverse("knowledge:manage_cases")),
    Check("organiser", "manage-case-new", lambda w: reverse("knowledge:manage_case_new")),
    Check("organiser", "manage-case",
          lambda w: reverse("knowledge:manage_case", args=[w.case.pk])),
    Check("organiser", "manage-case-versions",
          lambda w: reverse("knowledge:manage_versions", args=[w.case.pk])),
    Check("organiser", "manage-case-translate",
          lambda w: reverse("knowledge:manage_translate", args=[w.case.pk])),
    Check("organiser", "manage-vocabulary", lambda w: reverse("knowledge:manage_vocabulary")),
    Check("member", "propose-case", lambda w: reverse("knowledge:propose")),
    Check("member", "my-cases", lambda w: reverse("knowledge:my_cases")),
    Check("member", "my-case-edit",
          lambda w: reverse("knowledge:my_case_edit", args=[w.proposal.pk])),
    Check("anonymous", "roadmaps", lambda w: reverse("knowledge:roadmaps")),
    Check("anonymous", "roadmap", lambda w: reverse("knowledge:roadmap", args=[w.roadmap.slug])),
    Check("anonymous", "process-public",
          lambda w: reverse("knowledge:process_public", args=[w.process.slug])),
    Check("organiser", "roadmap-publish", lambda w: reverse(
        "knowledge:roadmap_publish", args=[w.process.slug, w.pilot.slug])),
    Check("organiser", "roadmap-citations",
          lambda w: reverse("knowledge:roadmap_citations", args=[w.roadmap.slug])),
    Check("anonymous", "calendar", lambda w: reverse("calendar:calendar")),
    Check("anonymous", "open-consultations", lambda w: reverse("calendar:open_consultations")),
    Check("anonymous", "newsletter", lambda w: reverse("newsletter:signup")),
    Check("anonymous", "newsletter-unsubscribe",
          lambda w: reverse("newsletter:unsubscribe", args=[w.subscription.token])),
    Check("organiser", "newsletter-mailings", lambda w: reverse("newsletter:mailings")),
    Check("organiser", "newsletter-mailing",
          lambda w: reverse("newsletter:mailing", args=[w.mailing.pk])),
    Check("member", "my-data", lambda w: reverse("privacy:overview")),
    Check("organiser", "my-data", lambda w: reverse("privacy:overview")),
    Check("anonymous", "newsletter-confirm",
          lambda w: reverse("newsletter:confirm", args=[w.subscription.token])),
    Check("anonymous", "actions", lambda w: reverse("knowledge:actions")),
    Check("anonymous", "search", lambda w: reverse("knowledge:search") + "?q=copper"),
    Check("anonymous", "search-none", lambda w: reverse("knowledge:search") + "?q=zzzz"),
    Check("organiser", "manage-actions", lambda w: reverse("knowledge:manage_actions")),
    Check("organiser", "manage-action",
          lambda w: reverse("knowledge:manage_action", args=[w.action.pk])),
    Check("organiser", "manage-action-translate",
          lambda w: reverse("knowledge:manage_action_translate", args=[w.action.pk])),
    Check("organiser", "manage-actions-promote",
          lambda w: reverse("knowledge:manage_actions_promote")
          + f"?activity={w.kinds['idea_board'].activity.pk}"),
    Check("organiser", "manage-vocabulary-translate",
          lambda w: reverse("knowledge:manage_vocabulary_translate")),
    Check("organiser", "manage-case-evidence",
          lambda w: reverse("knowledge:manage_evidence", args=[w.case.pk])),
    Check("organiser", "consultation-manage", c_url("consult:manage")),
    Check("organiser", "consultation-new-version", c_url("consult:publish_version")),
    Check("organiser", "consultation-new",
          lambda w: reverse("consult:new_consultation", args=[w.process.slug])),
]  # fmt: skip


# The projector in high contrast (?contrast=high), for kinds that draw bars, a grid,
# notes and statements.
for _kind in ("single_choice", "impact_feasibility", "idea_board", "consensus"):
    CHECKS.append(
        Check(
            "projector",
            f"screen-high-contrast-{_kind}",
            lambda w, _k=_kind: k_url("frontend:screen", _k)(w) + "?contrast=high",
            screen_ready,
        )
    )


def test_every_kind_is_checked_in_every_view():
    for kind in KINDS:
        for view in ("room", "screen", "console", "presenter", "results"):
            assert any(c.name == f"{view}-{kind}" for c in CHECKS), (view, kind)


# The checks run in two modules, this one and test_pages_second_half.py, so that the two
# test workers share them (pytest-xdist hands out whole modules); each builds its world.
HALF = len(CHECKS) // 2


def check_page(world, browsers, check: Check) -> None:
    """Open the check's page as its role and run the accessibility checks on it."""
    page = browsers.page(check.role)
    response = page.goto(browsers.base + check.address(world))
    assert response is not None and response.status == check.status, (check.id, response.status)
    check.ready(page)
    try:
        assert_accessible(page, what=check.id)
    finally:
        page.goto("about:blank")  # nothing stays connected to the room
        errors, browsers.problems.errors[:] = list(browsers.problems.errors), []
    expected = f"the server responded with a status of {check.status}"
    assert [e for e in errors if check.status == 200 or expected not in e] == [], errors


@pytest.mark.parametrize("check", CHECKS[:HALF], ids=lambda check: check.id)
def test_page(world, browsers, check: Check):
    check_page(world, browsers, check)


# --------------------------------------------------------------------------- states


@pytest.fixture
def fresh(browsers) -> Iterator[Callable[..., Page]]:
    """``fresh(**options)``: a page in a new browser context, closed after the test."""
    contexts = []

    def new(**options: Any) -> Page:
        context = browsers.chromium.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        browsers.problems.watch(page)
        return page

    yield new
    for context in contexts:
        context.close()
    errors, browsers.problems.errors[:] = list(browsers.problems.errors), []
    assert errors == [], errors


def log_in(page: Page, username: str, password: str) -> None:
    page.get_by_label("Login").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()


def test_the_console_with_a_message(world, browsers, fresh):
    """Signed in on the way to the console: the console shows the message list."""
    page = fresh(viewport=DESK)
    console = reverse("frontend:console", args=[world.kinds[KINDS[0]].session.code])
    page.goto(f"{browsers.base}{reverse('account_login')}?next={console}")
    log_in(page, world.organiser.username, "pass-word-123")
    expect(page).to_have_url(browsers.base + console)
    live(page)
    expect(page.locator("ul.messages li")).to_have_count(1)
    assert_accessible(page, what="organiser-console-with-a-message")
    page.goto("about:blank")


def test_the_login_form_with_errors(world, browsers, fresh):
    page = fresh(viewport=PHONE)
    page.goto(browsers.base + reverse("account_login"))
    log_in(page, world.organiser.username, "not-the-password")
    expect(page.locator("form .errorlist, form [role=alert]").first).to_be_visible()
    assert_accessible(page, what="anonymous-login-with-errors")
