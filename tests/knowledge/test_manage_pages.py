"""The managers' pages and the proposal pages: happy paths, and refusals (400) that keep
what was typed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from consult.models import Notification
from knowledge.models import Case, CaseIssue, CaseVersion, ImpactArea, ImpactIssue
from people.models import Organisation
from tests.factories import make_user
from tests.knowledge.factories import make_area, make_case, make_issue, make_manager

pytestmark = pytest.mark.django_db


def form_data(**changes) -> dict:
    data = {
        "name": "Lithium brine water standard",
        "summary": "Producers agree limits on water use.",
        "case_type": "private_sectoral",
        "maturity": "emerging",
        "good_practice": "Water use is *published* monthly.",
        "transfer": "",
        "sectors": ["renewable_energy", "mobility"],
        "minerals": ["lithium"],
        "stages": ["upstream"],
        "regions": ["latin_america"],
        "countries": ["CL", "AR"],
        "links": "https://example.org/standard The standard\nhttps://example.org/faq",
        "sources": "https://example.org/study",
    }
    data.update(changes)
    return data


@pytest.fixture
def manager(client):
    user = make_manager()
    client.force_login(user)
    return user


def text(response) -> str:
    return response.content.decode()


# --------------------------------------------------------------------------- cases


def test_case_list_filters_by_status_and_counts_the_review_queue(client, manager):
    make_case(name="Accepted one")
    make_case(name="Waiting one", status=Case.Status.PROPOSED)
    make_case(name="Waiting two", status=Case.Status.PROPOSED)
    page = text(client.get(reverse("knowledge:manage_cases")))
    assert "2 proposals wait for review." in page
    assert "Accepted one" in page and "Waiting one" in page
    page = text(client.get(reverse("knowledge:manage_cases"), {"status": "proposed"}))
    assert "Waiting one" in page and "Waiting two" in page and "Accepted one" not in page
    assert "2 cases with this status" in page


def test_new_case_is_saved_with_its_links(client, manager):
    response = client.post(reverse("knowledge:manage_case_new"), form_data(status="accepted"))
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("knowledge:manage_case", args=[case.pk])
    assert case.countries == ["CL", "AR"] and case.sectors == ["renewable_energy", "mobility"]
    assert [(link.kind, link.url, link.title) for link in case.links.all()] == [
        ("link", "https://example.org/standard", "The standard"),
        ("link", "https://example.org/faq", ""),
        ("source", "https://example.org/study", ""),
    ]


def test_new_case_with_bad_input_is_400_and_keeps_what_was_typed(client, manager):
    response = client.post(
        reverse("knowledge:manage_case_new"),
        form_data(
            name="",
            good_practice="Nice <script>alert(1)</script> text",
            links="javascript:alert(1) Click",
            status="accepted",
        ),
    )
    page = text(response)
    assert response.status_code == 400
    assert "Give the name." in page
    assert "Write Markdown, not HTML" in page
    assert "is not a web address" in page
    assert "Producers agree limits on water use." in page  # kept
    assert "Nice &lt;script&gt;alert(1)&lt;/script&gt; text" in page  # kept, escaped
    assert "<script>alert(1)" not in page
    assert 'value="lithium" id="id_minerals_' in page and "checked" in page
    assert not Case.objects.exists()


def test_organisations_are_named_one_per_line_with_a_country_where_names_repeat(client, manager):
    alliance_de = Organisation.objects.create(name="Refiners Alliance", country="DE")
    Organisation.objects.create(name="Refiners Alliance", country="FR")
    miners = Organisation.objects.create(name="Andes Miners")
    refused = client.post(
        reverse("knowledge:manage_case_new"),
        form_data(status="accepted", organisations="andes  miners\nRefiners Alliance\nNobody Inc"),
    )
    page = text(refused)
    assert refused.status_code == 400
    assert "Several organisations are called “Refiners Alliance”: add the country code" in page
    assert "“Nobody Inc” is not in the stakeholder directory." in page
    assert "Nobody Inc" in page and not Case.objects.exists()  # what was typed is kept

    saved = client.post(
        reverse("knowledge:manage_case_new"),
        form_data(status="accepted", organisations="andes  miners\nRefiners Alliance (de)\n\n"),
    )
    assert saved.status_code == 302
    case = Case.objects.get()
    assert set(case.organisations.all()) == {alliance_de, miners}
    # The edit form names them back, with the country where the name repeats.
    edit = text(client.get(reverse("knowledge:manage_case", args=[case.pk])))
    assert "Andes Miners\nRefiners Alliance (DE)</textarea>" in edit


def test_too_many_organisations_are_refused(client, manager):
    names = "\n".join(f"Org {n}" for n in range(51))
    response = client.post(
        reverse("knowledge:manage_case_new"), form_data(status="accepted", organisations=names)
    )
    assert response.status_code == 400
    assert "Name at most 50 organisations." in text(response)


def test_duplicate_case_is_refused_on_the_page(client, manager):
    make_case(name="Lithium Brine Water Standard")
    response = client.post(reverse("knowledge:manage_case_new"), form_data(status="accepted"))
    assert response.status_code == 400
    assert "A case with this name already exists: Lithium Brine Water Standard" in text(response)
    assert Case.objects.count() == 1


def test_edit_page_groups_the_mapping_by_area_and_saves_it(client, manager):
    area = make_area("Transparency")
    audit, grievance = make_issue(area, "Third-party audit"), make_issue(area, "Grievance")
    other = make_issue(make_area("Environment"), "Water")
    case = make_case(name="Lithium brine water standard", issues=(grievance,))
    address = reverse("knowledge:manage_case", args=[case.pk])
    page = text(client.get(address))
    assert page.index("Transparency") < page.index("Third-party audit") < page.index("Water")
    assert f'name="issue-{grievance.pk}" id="id_issue-{grievance.pk}" checked' in page
    data = form_data(status="accepted", note="Better summary", summary="Limits on water use.")
    data |= {f"issue-{audit.pk}": "on", f"note-{audit.pk}": "audited yearly",
             f"issue-{other.pk}": "on"}  # fmt: skip
    response = client.post(address, data)
    assert response.status_code == 302
    assert dict(CaseIssue.objects.filter(case=case).values_list("issue_id", "note")) == {
        audit.pk: "audited yearly",
        other.pk: "",
    }
    case.refresh_from_db()
    assert case.summary == "Limits on water use." and case.version == 2
    assert CaseVersion.objects.get(case=case, number=2).note == "Better summary"


def test_edit_with_bad_input_is_400_keeps_input_and_mapping(client, manager):
    issue = make_issue(title="Third-party audit")
    case = make_case(name="Lithium brine water standard")
    data = form_data(status="accepted", summary="", maturity="emerging")
    data |= {f"issue-{issue.pk}": "on", f"note-{issue.pk}": "typed note"}
    response = client.post(reverse("knowledge:manage_case", args=[case.pk]), data)
    page = text(response)
    assert response.status_code == 400
    assert "Give the short description." in page
    assert 'value="typed note"' in page
    assert f'name="issue-{issue.pk}" id="id_issue-{issue.pk}" checked' in page
    assert not CaseIssue.objects.exists()


def test_versions_page_lists_the_versions(client, manager):
    client.post(reverse("knowledge:manage_case_new"), form_data(status="accepted"))
    case = Case.objects.get()
    client.post(
        reverse("knowledge:manage_case", args=[case.pk]),
        form_data(status="accepted", name="Lithium brine standard", note="Shorter name"),
    )
    page = text(client.get(reverse("knowledge:manage_versions", args=[case.pk])))
    assert "Version 2" in page and "Version 1" in page and "Shorter name" in page
    assert "Lithium brine water standard" in page and "Lithium brine standard" in page


def test_review_tells_the_proposer_and_asks_a_note(client, manager):
    proposer = make_user()
    case = make_case(status=Case.Status.PROPOSED, proposed_by=proposer)
    address = reverse("knowledge:manage_review", args=[case.pk])
    response = client.post(address, {"review-decision": "decline", "review-note": ""})
    assert response.status_code == 400
    assert "Say to the proposer what to change, or why it is declined." in text(response)
    response = client.post(
        address, {"review-decision": "request_changes", "review-note": "Add a source."}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.CHANGES_REQUESTED and case.review_note == "Add a source."
    assert Notification.objects.get(user=proposer).body.startswith("Add a source.")


def test_translation_page_saves_a_translation(client, manager):
    case = make_case(name="Water standard", language="en")
    address = reverse("knowledge:manage_translate", args=[case.pk])
    assert "Water standard" in text(client.get(address, {"language": "fr"}))
    response = client.post(
        address, {"language": "fr", "text-0": "Norme sur l'eau", "text-1": "Une norme."}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.name_in_fr == "Norme sur l'eau" and case.summary_in_fr == "Une norme."
    response = client.post(address, {"language": "fr", "text-0": "<b>Norme</b>", "text-1": ""})
    assert response.status_code == 400 and "Write Markdown" in text(response)
    case.refresh_from_db()
    assert case.name_in_fr == "Norme sur l'eau" and case.version == 2


# --------------------------------------------------------------------------- vocabulary


def test_vocabulary_editor(client, manager):
    address = reverse("knowledge:manage_vocabulary")
    assert client.post(address, {"action": "add_area", "title": "Transparency"}).status_code == 302
    assert client.post(address, {"action": "add_area", "title": "Environment"}).status_code == 302
    first, second = ImpactArea.objects.order_by("position")
    client.post(address, {"action": "add_issue", "area": first.pk, "title": "Audits"})
    client.post(address, {"action": "move_area", "area": second.pk, "direction": "up"})
    client.post(address, {"action": "rename_area", "area": first.pk, "title": "Due diligence"})
    assert list(ImpactArea.objects.values_list("title", flat=True)) == [
        "Environment",
        "Due diligence",
    ]
    issue = ImpactIssue.objects.get(title="Audits")
    page = text(client.get(address))
    assert "Environment" in page and 'value="Audits"' in page
    client.post(address, {"action": "delete_issue", "issue": issue.pk})
    assert not ImpactIssue.objects.exists()


def test_vocabulary_refusals_are_400_and_keep_the_typed_title(client, manager):
    issue = make_issue(title="Audits")
    make_case(issues=(issue,))
    address = reverse("knowledge:manage_vocabulary")
    long = "x" * 301
    response = client.post(address, {"action": "rename_issue", "issue": issue.pk, "title": long})
    assert response.status_code == 400
    assert "Keep the title under 300 characters." in text(response)
    assert f'value="{long}"' in text(response)
    response = client.post(address, {"action": "delete_issue", "issue": issue.pk})
    assert response.status_code == 400
    assert "1 case is mapped to this issue" in text(response)
    assert ImpactIssue.objects.get(pk=issue.pk).title == "Audits"
    response = client.post(address, {"action": "add_area", "title": ""})
    assert response.status_code == 400 and "Give a title." in text(response)


# --------------------------------------------------------------------------- proposals


def test_proposal_is_sent_and_listed(client):
    member = make_user()
    client.force_login(member)
    response = client.post(reverse("knowledge:propose"), form_data(status="accepted"), follow=True)
    assert "Thank you: the managers will review it." in text(response)
    case = Case.objects.get()
    assert case.status == Case.Status.PROPOSED and case.proposed_by == member
    assert "Proposed, waiting for review" in text(response)


def test_bad_proposal_is_400_and_keeps_input(client):
    client.force_login(make_user())
    response = client.post(
        reverse("knowledge:propose"),
        form_data(case_type="", transfer="[x](javascript:alert(1))", links="/relative"),
    )
    page = text(response)
    assert response.status_code == 400
    assert "Choose the type of the case." in page
    assert "Write Markdown" in page and "starting with https://" in page
    assert "Lithium brine water standard" in page and "[x](javascript:alert(1))" in page
    assert not Case.objects.exists()


def test_proposer_sees_the_note_and_changes_the_case(client):
    member = make_user()
    case = make_case(
        name="Lithium brine water standard",
        status=Case.Status.CHANGES_REQUESTED,
        proposed_by=member,
        review_note="Add the countries.",
    )
    client.force_login(member)
    page = text(client.get(reverse("knowledge:my_cases")))
    assert "Changes requested" in page and "Add the countries." in page
    address = reverse("knowledge:my_case_edit", args=[case.pk])
    assert "Add the countries." in text(client.get(address))
    response = client.post(address, form_data(summary=""))
    assert response.status_code == 400 and "Give the short description." in text(response)
    response = client.post(address, form_data())
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.PROPOSED and case.countries == ["CL", "AR"]


def test_pages_have_unique_ids_and_labelled_inputs(client):
    import re
    from collections import Counter

    manager = make_manager()
    issue = make_issue(title="Audits")
    case = make_case(issues=(issue,), status=Case.Status.PROPOSED, proposed_by=make_user())
    client.force_login(manager)
    for address in (
        reverse("knowledge:manage_cases"),
        reverse("knowledge:manage_case_new"),
        reverse("knowledge:manage_case", args=[case.pk]),
        reverse("knowledge:manage_versions", args=[case.pk]),
        reverse("knowledge:manage_vocabulary"),
        reverse("knowledge:propose"),
        reverse("knowledge:my_cases"),
    ):
        page = text(client.get(address))
        ids = Counter(re.findall(r'\sid="([^"]+)"', page))
        assert [i for i, n in ids.items() if n > 1] == [], address
        labelled = set(re.findall(r'<label[^>]*\sfor="([^"]+)"', page))
        inputs = re.findall(
            r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|submit)")[^>]*\sid="([^"]+)"', page
        )
        unlabelled = [i for i in inputs if i not in labelled and not i.startswith("id_sectors_")
                      and not re.match(r"id_(minerals|stages|regions)_\d+$", i)]  # fmt: skip
        assert unlabelled == [], address
