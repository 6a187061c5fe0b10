"""Issue 13 end to end in the system Chromium, against a real Daphne process: the
stakeholder directory, the target mix, invitations with personal links, the console's
representation panel, and a person's own data (download, erase). Every wait awaits a
condition; no page may log an error or a CSP violation."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from playwright.sync_api import expect

from consult import services as consult
from consult.mail import QUEUED_BACKEND
from consult.models import Comment, OutgoingMail, TargetShare, ValidationAnswer
from consult.selectors import latest_version, round_results
from outreach import services as outreach
from outreach.models import Invitation
from people.models import ExportLog, Person
from people.vocabularies import region_of
from sessions import services as live
from sessions.kinds import get_kind
from sessions.models import Participant, Session
from tests import factories
from tests.consult.factories import make_consultation, make_member, make_process

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-pass-phrase"

# --------------------------------------------------------------------------- the directory file

FIRST_NAMES = [
    "Amina", "Bongani", "Chipo", "Dmitri", "Esperanza", "Farid", "Gloria", "Hiroshi",
    "Ingrid", "Joaquin", "Kwame", "Leila", "Mateus", "Nadia", "Oluwaseun", "Priya",
    "Quentin", "Rania", "Sipho", "Tatiana", "Ulrich", "Valentina", "Wanjiru", "Xavier",
    "Yusuf",
]  # fmt: skip
LAST_NAMES = ["Banda", "Mwangi", "Okafor", "Herrera", "Lindqvist", "Tanaka", "Mbeki", "Castillo"]
# 200 people: the group, by blocks of the file; the country independent of it.
GROUPS = (
    ["Industry upstream"] * 48
    + ["Industry downstream"] * 32
    + ["Civil society"] * 32
    + ["Policy"] * 32
    + ["Research"] * 32
    + ["Finance"] * 12
    + ["Community labour"] * 12
)
COUNTRIES = {
    "Kenya": "KE", "Zambia": "ZM", "South Africa": "ZA", "Chile": "CL", "Peru": "PE",
    "Germany": "DE", "Belgium": "BE", "Indonesia": "ID", "China": "CN", "Canada": "CA",
}  # fmt: skip
ORGANISATIONS = [f"{name} {kind}" for name in ("Copperbelt", "Andes", "Rhine", "Sunda", "Cape")
                 for kind in ("Mining", "Watch", "Institute", "Ministry")]  # fmt: skip
SECTORS = ["Mining and processing", "Mobility", "Renewable energy", "electronics"]
GENDERS = ["Woman", "Man", "Prefer not to say", "Woman", "Man"]
TARGET_GROUPS = ["industry_upstream", "civil_society", "policy", "research"]
UPSTREAM = "Industry: upstream (mining, processing)"
CIVIL_SOCIETY = "Civil society / NGO"


def directory_rows() -> list[dict[str, str]]:
    rows = []
    country_names = list(COUNTRIES)
    for i in range(200):
        first, last = FIRST_NAMES[i % 25], LAST_NAMES[i // 25]
        rows.append(
            {
                "Name": f"{first} {last}",
                "Email": f"{first}.{last}@example.org".lower(),
                "Organisation": ORGANISATIONS[i % len(ORGANISATIONS)],
                "Stakeholder group": GROUPS[i],
                "Country": country_names[(i * 7 + i // 10) % len(country_names)],
                "Sector": SECTORS[i % len(SECTORS)],
                "Gender": GENDERS[i % len(GENDERS)],
            }
        )
    return rows


def as_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def in_audience(row: dict[str, str]) -> bool:
    """The audience the organiser builds: industry upstream in Sub-Saharan Africa."""
    return (
        row["Stakeholder group"] == "Industry upstream"
        and region_of(COUNTRIES[row["Country"]]) == "sub_saharan_africa"
    )


# --------------------------------------------------------------------------- helpers


def log_in(context, base: str, problems, username: str, landing: str):
    page = context.new_page()
    problems.watch(page)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Login").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(landing))
    return page


def personal_links(addresses: list[str]) -> dict[str, str]:
    """{address: path of the personal link} read from the invitation mail in the outbox."""
    links = {}
    for row in OutgoingMail.objects.all():
        (address,) = row.recipients
        if address not in addresses:
            continue
        body = email.message_from_bytes(bytes(row.message), policy=email.policy.default)
        text = body.get_body(preferencelist=("plain",)).get_content()
        (path,) = re.findall(r"https?://[^/\s]+(/i/[\w-]+/)(?=\s|$)", text)
        links[address] = path
    return links


def table_cells(page):
    """Every header and cell of the page's tables, in order."""
    return page.locator("table th, table td")


def panel_row(console, label: str):
    """The row of one stakeholder group in the console's representation panel."""
    groups = console.locator("#panel-representation table").first
    return groups.get_by_role("row").filter(
        has=console.get_by_role("rowheader", name=label, exact=True)
    )


# --------------------------------------------------------------------------- test 1


@pytest.fixture
def forum(transactional_db):
    """An organiser who may manage the directory and run live sessions, their process,
    an event of it and its live session, open (made before the browser starts:
    services broadcast through async_to_sync, which cannot run beside Playwright)."""
    organiser = factories.make_user(organiser=True, username="organiser", password=PASSWORD)
    organiser.user_permissions.add(
        Permission.objects.get(codename="manage_directory", content_type__app_label="people")
    )
    process = make_process(owner=organiser)
    event = factories.make_event(owner=organiser, process=process, title="Battery minerals forum")
    session = factories.make_session(event=event, title="Plenary")
    live.set_session_status(session=session, status=Session.Status.OPEN)
    return process, session


def test_an_organiser_imports_sets_targets_invites_and_the_console_flags_the_missing_group(
    forum, daphne_server, browser, page_problems, settings, tmp_path
):
    process, session = forum
    base = daphne_server.base_url
    settings.EMAIL_BACKEND = QUEUED_BACKEND  # invitation mail goes to the outbox, as in production
    rows = directory_rows()
    audience = sorted((r for r in rows if in_audience(r)), key=lambda r: r["Name"])
    assert 5 <= len(audience) < 60  # one pass of the mail throttle sends them all

    organiser_context = browser.new_context()
    organiser = log_in(organiser_context, base, page_problems, "organiser", "/dashboard/$")

    # 1. The CSV of 200 people, uploaded, checked and imported.
    file = tmp_path / "forum-2026-attendees.csv"
    file.write_bytes(as_csv(rows))
    organiser.goto(f"{base}/directory/import/")
    organiser.get_by_label("Spreadsheet (CSV or XLSX)").set_input_files(file)
    organiser.get_by_label("Where does this list come from?").fill(
        "Responsible minerals forum 2026 attendee list"
    )
    organiser.get_by_role("button", name="Upload and check").click()
    expect(organiser.get_by_role("heading", level=1)).to_have_text(
        "Check the import of forum-2026-attendees.csv"
    )
    summary = organiser.locator("section[aria-labelledby=summary-title] li")
    expect(summary).to_have_text(
        [
            "200 rows can be imported",
            "0 of them update people already in the directory (same email)",
            "0 possible duplicates to review below",
            "0 rows have errors",
        ]
    )
    organiser.get_by_role("button", name="Import into the directory").click()
    expect(organiser.get_by_role("status")).to_contain_text(
        "Imported: 200 people added, 0 updated, 0 merged, 20 organisations added, 0 rows left out."
    )
    assert Person.objects.count() == 200
    assert Counter(Person.objects.values_list("stakeholder_group", flat=True)) == {
        "industry_upstream": 48, "industry_downstream": 32, "civil_society": 32,
        "policy": 32, "research": 32, "finance": 12, "community_labour": 12,
    }  # fmt: skip
    assert set(Person.objects.values_list("listed_source", flat=True)) == {
        "Responsible minerals forum 2026 attendee list"
    }

    # 2. The target mix: equal shares among four groups, civil society one of them.
    organiser.goto(f"{base}/processes/{process.slug}/targets/")
    groups = organiser.get_by_role("group", name="Stakeholder group", exact=True)
    groups.get_by_label("Equal shares among the ones I tick").check()
    for label in (
        "Industry: downstream (manufacturing, retail)",
        "Finance / investors",
        "Community / labour",
    ):
        groups.get_by_label(f"Equal share for {label}", exact=True).uncheck()
    for label in (UPSTREAM, CIVIL_SOCIETY, "Government / policy maker", "Research / academia"):
        expect(groups.get_by_label(f"Equal share for {label}", exact=True)).to_be_checked()
    organiser.get_by_role("button", name="Save the target mix").click()
    expect(organiser.get_by_role("status")).to_have_text("Target mix saved.")
    assert dict(
        TargetShare.objects.filter(process=process).values_list("value", "share")
    ) == dict.fromkeys(TARGET_GROUPS, 25)

    # 3. A filtered audience (industry upstream in Sub-Saharan Africa), invited to the session.
    organiser.goto(f"{base}/processes/{process.slug}/invitations/new")
    organiser.get_by_label("Invite to").select_option(f"session:{session.pk}")
    organiser.get_by_label("Stakeholder group").select_option("industry_upstream")
    organiser.get_by_label("Region").select_option("sub_saharan_africa")
    organiser.get_by_role("button", name="Show the audience").click()
    figures = organiser.locator("dl.figures-list dd")
    expect(figures.first).to_have_text(str(len(audience)))
    expect(organiser.locator("ul.names li")).to_have_count(len(audience))
    organiser.get_by_role("button", name=f"Invite {len(audience)} people").click()
    expect(organiser.get_by_role("status")).to_contain_text(f"{len(audience)} invitations created")
    invited = Invitation.objects.filter(process=process, session=session)
    assert sorted(invited.values_list("person__name", flat=True)) == [r["Name"] for r in audience]

    # The mail worker's pass, in this process (plain database work): one mail each.
    assert outreach.send_due_invitations() == len(audience)
    assert invited.filter(sent_at=None).count() == 0
    links = personal_links([r["Email"] for r in audience])
    assert len(links) == len(audience)

    # 4. The console is open before anyone joins; it updates by itself.
    organiser.goto(f"{base}/console/{session.code}/")
    expect(organiser.locator("body")).to_have_attribute("data-status", "live")
    panel = organiser.locator("#panel-representation")
    expect(panel.get_by_role("heading", name="Who is here: representation")).to_be_visible()
    expect(panel_row(organiser, UPSTREAM).locator("td").first).to_have_text(
        f"{len(audience)} (100 %)"
    )

    # 5. Two invitees answer and join from their personal links, in their own browsers.
    invitees = []
    for row in audience[:2]:
        context = browser.new_context()
        page = context.new_page()
        page_problems.watch(page)
        page.goto(base + links[row["Email"]])
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello {row['Name']}")
        page.get_by_label("Attending in person").check()
        page.get_by_role("button", name="Save my answer").click()
        expect(page.get_by_role("status")).to_contain_text("Thank you: your answer is saved.")
        page.get_by_role("link", name="Join now").click()
        # The profile comes from the directory record; the invitee confirms it.
        expect(page.get_by_label("Your name as others see it")).to_have_value(row["Name"])
        expect(page.get_by_label("Stakeholder group")).to_have_value("industry_upstream")
        expect(page.get_by_label("Country")).to_have_value(COUNTRIES[row["Country"]])
        expect(page.get_by_label("Organisation (optional)")).to_have_value(row["Organisation"])
        page.get_by_role("button", name="Confirm and enter the session").click()
        expect(page).to_have_url(re.compile(f"/s/{session.code}/$"))
        expect(page.locator("body")).to_have_attribute("data-status", "live")
        invitees.append(context)

    # 6. The panel counts them as joined and flags civil society, without a reload.
    n = len(audience)
    expect(panel_row(organiser, UPSTREAM).locator("td")).to_have_text(
        [f"{n} (100 %)", "2 (100 %)", "2 (100 %)", "0", "25 %", "+75.0 \u26a0 fewer than 5 people"]
    )
    expect(panel_row(organiser, CIVIL_SOCIETY).locator("td")).to_have_text(
        ["0 (0 %)", "0 (0 %)", "0 (0 %)", "0", "25 %", "\u221225.0 \u26a0 below target"]
    )
    expect(panel.locator(".panel-alert-list li")).to_contain_text(
        [f"Stakeholder group: {CIVIL_SOCIETY} \u2014 below target (Joined)"]
    )
    expect(organiser.locator("#connected")).to_have_text("2")

    joined = Participant.objects.filter(session=session)
    assert sorted(joined.values_list("person__name", flat=True)) == [
        r["Name"] for r in audience[:2]
    ]
    assert set(joined.values_list("stakeholder_group", flat=True)) == {"industry_upstream"}
    assert sorted(invited.exclude(answer="").values_list("answer", flat=True)) == [
        "in_person",
        "in_person",
    ]
    for context in invitees:
        context.close()
    organiser_context.close()


# --------------------------------------------------------------------------- test 2

COMMENT = "Artisanal miners need a seat at the table before 2030."
REASON = "The milestone forgets artisanal and small-scale mining."


@pytest.fixture
def amina(transactional_db):
    """A registered participant who commented, answered a validation round (closed
    since, so its results are public) and voted in a live poll whose results were shown
    on the projector; beside her, enough others for the figures to be shown per group."""
    owner = factories.make_user(organiser=True)
    process = make_process(owner=owner)
    consultation = make_consultation(process=process, title="Battery roadmap draft")
    version = latest_version(consultation)
    section = version.texts.order_by("position")[0].section
    person = make_member(group="civil_society", username="amina", password=PASSWORD)
    person.profile.display_name = "Amina Banda"
    person.profile.save()
    other = make_member(group="policy")
    comment = consult.add_comment(section=section, author=person, body=COMMENT)
    consult.add_comment(section=section, author=other, body="Who would pay for it?", parent=comment)

    round_ = consult.open_round(consultation=consultation, by=owner, version=version)
    consult.answer_section(
        round=round_, section=section, user=person, verdict="disagree", reason=REASON
    )
    for group, verdict in [("civil_society", "agree")] * 4 + [("policy", "agree")] * 5:
        consult.answer_section(
            round=round_, section=section, user=make_member(group=group), verdict=verdict
        )
    consult.close_round(round=round_, by=owner)

    event = factories.make_event(owner=owner, process=process)
    poll = factories.make_activity(
        session=factories.make_session(event=event),
        title="Which minerals first?",
        config={"options": ["Battery minerals", "Traditional metals", "Rare earths"]},
        open=True,
    )
    mine = factories.make_participant(
        session=poll.session,
        user=person,
        display_name="Amina Banda",
        stakeholder_group="civil_society",
    )
    voters = [mine] + [factories.make_participant(session=poll.session) for _ in range(3)]
    for voter, choice in zip(voters, [2, 0, 0, 2], strict=True):
        live.perform_command(
            participant=voter, activity_id=poll.pk, action="vote", data=choice, key="k1"
        )
    live.reveal_results(activity=poll, revealed=True)
    return person, consultation, section, round_, poll, comment


def test_a_person_downloads_their_data_then_erases_their_account_and_the_counts_stay_right(
    amina, daphne_server, browser, page_problems
):
    person, consultation, section, round_, poll, comment = amina
    base = daphne_server.base_url
    c = f"{base}/c/{consultation.process.slug}/{consultation.slug}"
    results_url = f"{c}/rounds/{round_.pk}/"
    poll_url = f"{base}/s/{poll.session.code}/results/{poll.pk}"
    results_before = round_results(round_)
    tally_before = get_kind(poll.kind).tally(poll)
    answers_before = ValidationAnswer.objects.filter(round=round_).count()

    context = browser.new_context(accept_downloads=True)
    page = log_in(context, base, page_problems, "amina", f"^{re.escape(base)}/$")

    # The figures as anyone reads them, before.
    page.goto(results_url)
    first_section = page.locator("table").first  # the section she answered on
    civil_society = first_section.get_by_role("row", name=re.compile("^Civil society"))
    # Her "disagree" counts with four others of her group (the group has 5: shown).
    expect(civil_society.locator("td")).to_have_text(["4 (80.0 %)", "0 (0.0 %)", "1 (20.0 %)", "5"])
    expect(first_section.get_by_role("row", name=re.compile("^Research"))).to_contain_text(
        "fewer than 5"
    )
    round_cells = table_cells(page).all_inner_texts()
    page.goto(poll_url)
    expect(page.get_by_role("heading", name="Which minerals first?")).to_be_visible()
    expect(page.get_by_text("4 responses")).to_be_visible()
    poll_cells = table_cells(page).all_inner_texts()
    assert any("Rare earths" in cell for cell in poll_cells)

    # My data: the page, then the download.
    page.goto(f"{base}/me/data/")
    expect(page.get_by_role("heading", name="My data", exact=True)).to_be_visible()
    expect(page.get_by_text(COMMENT)).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download all of it (JSON)").click()
    download = download_info.value
    assert re.fullmatch(r"my-data-\d{4}-\d{2}-\d{2}\.json", download.suggested_filename)
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["account"]["username"] == "amina"
    assert [c["text"] for c in data["comments"]] == [COMMENT]
    assert [(p["session"], p["votes"]) for p in data["participations"]] == [(poll.session.title, 1)]
    assert [(a["verdict"], a["reason"]) for a in data["validation_answers"]] == [
        ("Disagree", REASON)
    ]
    log = ExportLog.objects.get()
    assert (log.user_id, log.what, log.scope) == (person.pk, "own data", "self")

    # Erase, through the form.
    page.get_by_role("link", name="Erase your account").click()
    expect(page.get_by_role("heading", name="Erase your account")).to_be_visible()
    expect(page.get_by_text("your 1 live participation keeps its votes")).to_be_visible()
    page.get_by_label("Type your username to confirm").fill("amina")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Erase my account for good").click()
    expect(page).to_have_url(f"{base}/")
    expect(page.get_by_role("status")).to_have_text(
        "Your account and the data that led to you have been erased."
    )

    # The counts stay right: in the browser (now signed out) and in the database.
    page.goto(results_url)
    expect(table_cells(page)).to_have_text(round_cells)
    page.goto(poll_url)
    expect(page.get_by_text("4 responses")).to_be_visible()
    expect(table_cells(page)).to_have_text(poll_cells)
    assert round_results(round_) == results_before
    assert get_kind(poll.kind).tally(poll) == tally_before
    assert ValidationAnswer.objects.filter(round=round_).count() == answers_before
    assert Participant.objects.filter(session=poll.session).count() == 4
    # Her comment is a placeholder in its thread; the reply to it is still there.
    page.goto(f"{c}/s/{section.pk}/")
    thread = page.locator(f"#comment-{comment.pk}")
    expect(thread.locator(".placeholder").first).to_have_text(
        "This comment was deleted by its author."
    )
    expect(thread).to_contain_text("Who would pay for it?")
    expect(page.get_by_text(COMMENT)).to_have_count(0)
    assert Comment.objects.get(pk=comment.pk).body == ""
    assert not User.objects.filter(username="amina").exists()

    # She can no longer log in.
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Login").fill("amina")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(
        page.get_by_text("The username and/or password you specified are not correct.")
    ).to_be_visible()
    expect(page).to_have_url(re.compile("/accounts/login/$"))
    context.close()
