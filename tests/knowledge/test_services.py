"""The knowledge repository's write services: cases, proposals and their review,
mappings, translations and the impact-area vocabulary; every bad input refused with a
clear message and nothing saved."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from consult.models import Notification, Profile
from knowledge import services
from knowledge.models import (
    MAX_LINKS,
    MAX_NAME,
    MAX_NOTE,
    Case,
    CaseIssue,
    CaseLink,
    CaseVersion,
    ImpactArea,
    ImpactIssue,
)
from knowledge.vocabularies import CaseType, Maturity
from tests.factories import make_user
from tests.knowledge.factories import make_area, make_case, make_issue, make_manager

pytestmark = pytest.mark.django_db


def good(**changes) -> dict:
    data = {
        "name": "Cobalt traceability pilot",
        "summary": "Miners and refiners share custody records.",
        "good_practice": "Records are **checked** by a third party.",
        "transfer": "Start with one refinery.",
        "case_type": CaseType.PRIVATE_VALUE_CHAIN,
        "maturity": Maturity.EMERGING,
        "sectors": ["mobility"],
        "minerals": ["cobalt"],
        "stages": ["upstream"],
        "regions": ["sub_saharan_africa"],
        "countries": ["CD", "be"],
        "links": [
            {"url": "https://example.org/pilot", "title": "The pilot"},
            {"url": "http://example.org/report.pdf", "kind": "source"},
        ],
    }
    data.update(changes)
    return data


def refused(call, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        call(**kwargs)
    return (
        info.value.message_dict
        if hasattr(info.value, "error_dict")
        else {"__all__": info.value.messages}
    )


# --------------------------------------------------------------------------- cases


def test_manager_creates_a_case_with_version_links_and_slug():
    manager = make_manager()
    case = services.create_case(by=manager, data=good())
    case.refresh_from_db()
    assert case.slug == "cobalt-traceability-pilot"
    assert case.status == Case.Status.ACCEPTED
    assert case.countries == ["CD", "BE"]
    assert case.proposed_by is None
    assert [(link.kind, link.url, link.title) for link in case.links.all()] == [
        ("link", "https://example.org/pilot", "The pilot"),
        ("source", "http://example.org/report.pdf", ""),
    ]
    version = CaseVersion.objects.get(case=case)
    assert version.number == 1 and case.version == 1
    assert version.texts["name"] == "Cobalt traceability pilot"
    assert version.changed_by == manager


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"name": "  "}, "name", "Give the name."),
        ({"summary": ""}, "summary", "Give the short description."),
        ({"name": "x" * (MAX_NAME + 1)}, "name", f"under {MAX_NAME} characters"),
        ({"case_type": ""}, "case_type", "Choose the type of the case."),
        ({"case_type": "bank"}, "case_type", "Choose a type from the list."),
        ({"maturity": "old"}, "maturity", "Choose a maturity from the list."),
        ({"sectors": ["space"]}, "sectors", "“space” is not one of the choices."),
        ({"sectors": "mobility"}, "sectors", "Choose from the list."),
        ({"minerals": ["kryptonite"]}, "minerals", "not one of the choices"),
        ({"stages": [""]}, "stages", "not one of the choices"),
        ({"regions": ["atlantis"]}, "regions", "not one of the choices"),
        ({"countries": ["XX"]}, "countries", "“XX” is not one of the choices."),
        ({"good_practice": "Hi <script>alert(1)</script>"}, "good_practice", "Write Markdown"),
        ({"good_practice": "See <b>this</b>"}, "good_practice", "Write Markdown, not HTML"),
        ({"transfer": "[click](javascript:alert(1))"}, "transfer", "Write Markdown"),
        ({"transfer": "![x](data:text/html;base64,AAAA)"}, "transfer", "Write Markdown"),
        ({"summary": "<img src=x onerror=alert(1)>"}, "summary", "Write Markdown"),
        ({"links": [{"url": "javascript:alert(1)"}]}, "links", "is not a web address"),
        ({"links": [{"url": "data:text/html,hi"}]}, "links", "is not a web address"),
        ({"links": [{"url": "/relative/page"}]}, "links", "starting with https://"),
        ({"links": [{"url": "ftp://example.org/x"}]}, "links", "is not a web address"),
        ({"links": [{"url": "https://"}]}, "links", "is not a valid web address"),
        ({"links": [{"url": "javascript:x", "kind": "source"}]}, "sources", "not a web address"),
        (
            {"links": [{"url": f"https://example.org/{n}"} for n in range(MAX_LINKS + 1)]},
            "links",
            f"at most {MAX_LINKS} links",
        ),
    ],
)
def test_bad_case_input_is_refused_per_field_and_nothing_saved(changes, field, words):
    manager = make_manager()
    errors = refused(services.create_case, by=manager, data=good(**changes))
    assert any(words in message for message in errors[field]), errors
    assert not Case.objects.exists() and not CaseLink.objects.exists()
    assert not CaseVersion.objects.exists()


def test_markdown_autolinks_and_plain_comparisons_are_allowed():
    manager = make_manager()
    text = "See <https://example.org/x> and [the report](https://example.org/r); 3 < 5."
    case = services.create_case(by=manager, data=good(good_practice=text))
    assert case.good_practice == text


@pytest.mark.parametrize("name", ["Cobalt traceability pilot", "  COBALT   traceability PILOT "])
def test_duplicate_names_are_refused(name):
    manager = make_manager()
    make_case(name="Cobalt traceability pilot", slug="other-slug")
    errors = refused(services.create_case, by=manager, data=good(name=name))
    assert errors["name"] == ["A case with this name already exists: Cobalt traceability pilot"]
    assert Case.objects.count() == 1


def test_a_name_with_an_existing_slug_is_a_duplicate():
    manager = make_manager()
    make_case(name="Cobalt: traceability pilot!", slug="cobalt-traceability-pilot")
    errors = refused(services.create_case, by=manager, data=good())
    assert errors["name"] == ["A case with this name already exists: Cobalt: traceability pilot!"]


def test_a_name_with_no_latin_letters_gets_a_unique_slug():
    manager = make_manager()
    first = services.create_case(by=manager, data=good(name="钴追溯"))
    second = services.create_case(by=manager, data=good(name="锂追溯"))
    assert first.slug == "case" and second.slug == "case-2"


def test_update_writes_a_version_only_when_the_texts_change():
    manager = make_manager()
    case = services.create_case(by=manager, data=good())
    services.update_case(case=case, by=manager, data=good(maturity=Maturity.ESTABLISHED))
    case.refresh_from_db()
    assert case.version == 1 and case.maturity == Maturity.ESTABLISHED
    services.update_case(
        case=case, by=manager, data=good(summary="A new description."), note="Shorter"
    )
    case.refresh_from_db()
    assert case.version == 2 and case.slug == "cobalt-traceability-pilot"
    versions = list(CaseVersion.objects.filter(case=case).order_by("number"))
    assert [(v.number, v.texts["summary"], v.note) for v in versions] == [
        (1, "Miners and refiners share custody records.", "First written"),
        (2, "A new description.", "Shorter"),
    ]


def test_update_keeps_its_own_name_and_refuses_another_cases():
    manager = make_manager()
    case = services.create_case(by=manager, data=good())
    make_case(name="Lithium brine standard")
    services.update_case(case=case, by=manager, data=good(name="cobalt traceability PILOT"))
    errors = refused(
        services.update_case, case=case, by=manager, data=good(name="Lithium brine standard")
    )
    assert errors["name"] == ["A case with this name already exists: Lithium brine standard"]
    case.refresh_from_db()
    assert case.name == "cobalt traceability PILOT"


def test_a_bad_update_saves_nothing():
    manager = make_manager()
    case = services.create_case(by=manager, data=good())
    refused(
        services.update_case,
        case=case,
        by=manager,
        data=good(summary="New", links=[{"url": "javascript:alert(1)"}]),
    )
    case.refresh_from_db()
    assert case.summary == "Miners and refiners share custody records." and case.version == 1
    assert case.links.count() == 2


@pytest.mark.parametrize(
    "call",
    [
        lambda by, case: services.create_case(by=by, data=good(name="Another")),
        lambda by, case: services.update_case(case=case, by=by, data=good()),
        lambda by, case: services.set_mappings(case=case, by=by, issues={}),
        lambda by, case: services.review_case(case=case, by=by, decision="accept"),
        lambda by, case: services.translate_case(
            case=case, by=by, language="fr", texts={"name": "Pilote"}
        ),
        lambda by, case: services.create_area(by=by, title="Area"),
        lambda by, case: services.create_issue(by=by, area=make_area(), title="Issue"),
        lambda by, case: services.update_area(area=make_area(), by=by, title="Renamed"),
        lambda by, case: services.update_issue(issue=make_issue(), by=by, title="Renamed"),
        lambda by, case: services.delete_area(area=make_area(), by=by),
        lambda by, case: services.delete_issue(issue=make_issue(), by=by),
        lambda by, case: services.move_area(area=make_area(), by=by, direction="up"),
        lambda by, case: services.move_issue(issue=make_issue(), by=by, direction="up"),
    ],
)
def test_manager_only_writes_are_refused_to_others(call):
    case = make_case(status=Case.Status.PROPOSED)
    proposer = make_user()
    case.proposed_by = proposer
    case.save()
    areas, issues = ImpactArea.objects.count(), ImpactIssue.objects.count()
    for user in (make_user(), proposer, make_manager(is_active=False)):
        with pytest.raises(PermissionDenied, match="Only the managers of the knowledge repository"):
            call(user, case)
    case.refresh_from_db()
    assert case.status == Case.Status.PROPOSED
    assert ImpactArea.objects.count() >= areas and ImpactIssue.objects.count() >= issues
    assert not ImpactArea.objects.filter(title__in=["Area", "Renamed"]).exists()
    assert not ImpactIssue.objects.filter(title__in=["Issue", "Renamed"]).exists()


# --------------------------------------------------------------------------- proposals


def test_anyone_signed_in_proposes_and_the_status_is_theirs_to_wait_for():
    member = make_user()
    case = services.propose_case(by=member, data=good(status=Case.Status.ACCEPTED))
    assert case.status == Case.Status.PROPOSED and case.proposed_by == member
    assert case not in Case.objects.filter(status=Case.Status.ACCEPTED)


def test_a_proposal_with_missing_fields_is_refused():
    errors = refused(services.propose_case, by=make_user(), data={"name": "Only a name"})
    assert set(errors) == {"summary", "case_type", "maturity"}
    assert not Case.objects.exists()


def test_an_inactive_account_cannot_propose():
    with pytest.raises(PermissionDenied):
        services.propose_case(by=make_user(is_active=False), data=good())


def make_member_with_language(language: str):
    user = make_user()
    Profile.objects.create(user=user, display_name=user.username, language=language)
    return user


@pytest.mark.parametrize(
    ("decision", "status", "subject"),
    [
        # In the proposer's language (French).
        ("accept", Case.Status.ACCEPTED, "a été accepté"),
        ("request_changes", Case.Status.CHANGES_REQUESTED, "Modifications demandées"),
        ("decline", Case.Status.DECLINED, "a été refusé"),
    ],
)
def test_review_sets_the_status_and_tells_the_proposer(decision, status, subject):
    proposer = make_member_with_language("fr")
    manager = make_manager()
    case = services.propose_case(by=proposer, data=good())
    services.review_case(case=case, by=manager, decision=decision, note="Add sources.")
    case.refresh_from_db()
    assert case.status == status and case.review_note == "Add sources."
    assert case.reviewed_by == manager and case.reviewed_at is not None
    notice = Notification.objects.get(user=proposer)
    assert "Cobalt traceability pilot" in notice.subject and subject in notice.subject
    assert "Add sources." in notice.body
    assert notice.url == "/my-cases/"


def test_review_needs_a_note_to_ask_for_changes_or_decline():
    manager = make_manager()
    case = services.propose_case(by=make_user(), data=good())
    for decision in ("request_changes", "decline"):
        errors = refused(services.review_case, case=case, by=manager, decision=decision, note=" ")
        assert errors["note"] == ["Say to the proposer what to change, or why it is declined."]
    errors = refused(services.review_case, case=case, by=manager, decision="publish")
    assert errors["decision"] == ["Choose accept, ask for changes or decline."]
    case.refresh_from_db()
    assert case.status == Case.Status.PROPOSED
    assert not Notification.objects.exclude(kind=Notification.Kind.REVIEW).exists()


def test_managers_are_told_in_their_language_when_a_case_waits_for_review():
    proposer = make_user()
    french = make_manager()
    Profile.objects.create(user=french, display_name="Fr", language="fr")
    english = make_manager()
    silent = make_manager()
    Profile.objects.create(user=silent, display_name="S", notify=Profile.Notify.NEVER)
    make_manager(is_active=False)
    make_user()  # not a manager
    case = services.propose_case(by=proposer, data=good())
    notices = Notification.objects.filter(kind=Notification.Kind.REVIEW)
    assert {n.user for n in notices} == {french, english}
    review = f"/manage/cases/{case.pk}/review"
    assert {n.url for n in notices} == {review}
    assert notices.get(user=english).subject == "A case was proposed: “Cobalt traceability pilot”"
    assert "Cobalt traceability pilot" in notices.get(user=french).subject
    assert notices.get(user=french).subject.startswith("Un cas a été proposé")

    services.review_case(case=case, by=english, decision="request_changes", note="More")
    services.update_proposal(case=case, by=proposer, data=good(summary="Changed"))
    changed = notices.filter(user=english).order_by("id").last()
    assert changed.subject == "A proposed case was changed: “Cobalt traceability pilot”"
    assert Notification.objects.filter(kind=Notification.Kind.REVIEW).count() == 4


def test_a_manager_proposing_is_not_told_of_their_own_case():
    manager = make_manager()
    other = make_manager()
    services.propose_case(by=manager, data=good())
    assert [n.user for n in Notification.objects.filter(kind="review")] == [other]


def test_proposer_edits_only_when_changes_were_asked():
    proposer = make_user()
    manager = make_manager()
    case = services.propose_case(by=proposer, data=good())
    with pytest.raises(PermissionDenied, match="only when the managers asked for changes"):
        services.update_proposal(case=case, by=proposer, data=good(summary="Changed"))
    services.review_case(case=case, by=manager, decision="request_changes", note="More")
    with pytest.raises(PermissionDenied):
        services.update_proposal(case=case, by=make_user(), data=good(summary="Changed"))
    services.update_proposal(
        case=case, by=proposer, data=good(summary="Changed", status=Case.Status.ACCEPTED)
    )
    case.refresh_from_db()
    assert case.status == Case.Status.PROPOSED and case.summary == "Changed"
    assert case.version == 2


# --------------------------------------------------------------------------- mappings


def test_set_mappings_replaces_them_with_notes():
    manager = make_manager()
    one, two, three = make_issue(), make_issue(), make_issue()
    case = make_case(issues=(one, two))
    services.set_mappings(
        case=case, by=manager, issues={two.pk: " third-party  audit ", three.pk: ""}
    )
    assert dict(CaseIssue.objects.filter(case=case).values_list("issue_id", "note")) == {
        two.pk: "third-party audit",
        three.pk: "",
    }


def test_mapping_to_an_issue_that_does_not_exist_is_refused():
    manager = make_manager()
    issue = make_issue()
    case = make_case(issues=(issue,))
    errors = refused(
        services.set_mappings, case=case, by=manager, issues={issue.pk: "", 999_999: ""}
    )
    assert errors["issues"] == ["That impact issue does not exist."]
    errors = refused(services.set_mappings, case=case, by=manager, issues={"abc": ""})
    assert errors["issues"] == ["That impact issue does not exist."]
    assert list(CaseIssue.objects.filter(case=case).values_list("issue_id", flat=True)) == [
        issue.pk
    ]


def test_mapping_notes_have_a_limit():
    manager = make_manager()
    issue = make_issue()
    case = make_case()
    errors = refused(
        services.set_mappings, case=case, by=manager, issues={issue.pk: "x" * (MAX_NOTE + 1)}
    )
    assert errors[f"note-{issue.pk}"] == [f"Keep the note under {MAX_NOTE} characters."]
    assert not CaseIssue.objects.exists()


# --------------------------------------------------------------------------- vocabulary


def test_vocabulary_add_rename_reorder_delete():
    manager = make_manager()
    first = services.create_area(by=manager, title="  Transparency   and due diligence ")
    second = services.create_area(by=manager, title="Environment")
    assert first.title == "Transparency and due diligence"
    services.move_area(area=second, by=manager, direction="up")
    assert list(ImpactArea.objects.values_list("title", flat=True)) == [
        "Environment",
        "Transparency and due diligence",
    ]
    a = services.create_issue(by=manager, area=first, title="Audits")
    b = services.create_issue(by=manager, area=first, title="Grievance")
    services.move_issue(issue=b, by=manager, direction="up")
    services.move_issue(issue=b, by=manager, direction="up")  # already first: no change
    assert list(first.issues.order_by("position").values_list("title", flat=True)) == [
        "Grievance",
        "Audits",
    ]
    services.update_issue(issue=a, by=manager, title="Third-party audits")
    services.update_area(area=second, by=manager, title="Environment and climate")
    assert ImpactIssue.objects.get(pk=a.pk).title == "Third-party audits"
    services.delete_issue(issue=a, by=manager)
    services.delete_area(area=second, by=manager)
    assert list(ImpactIssue.objects.values_list("title", flat=True)) == ["Grievance"]
    assert list(ImpactArea.objects.values_list("title", flat=True)) == [
        "Transparency and due diligence"
    ]


def test_vocabulary_titles_are_checked():
    manager = make_manager()
    area = make_area()
    assert refused(services.create_area, by=manager, title=" ")["title"] == ["Give a title."]
    assert refused(services.create_issue, by=manager, area=area, title="x" * 301)["title"] == [
        "Keep the title under 300 characters."
    ]
    assert (
        "Write Markdown"
        in refused(services.update_area, area=area, by=manager, title="<b>Bold</b>")["title"][0]
    )
    with pytest.raises(ValidationError):
        services.move_area(area=area, by=manager, direction="sideways")


def test_deleting_an_issue_cases_are_mapped_to_is_refused_with_the_count():
    manager = make_manager()
    issue = make_issue()
    make_case(issues=(issue,))
    make_case(issues=(issue,))
    errors = refused(services.delete_issue, issue=issue, by=manager)
    assert errors["__all__"] == ["2 cases are mapped to this issue: remove their mappings first."]
    errors = refused(services.delete_area, area=issue.area, by=manager)
    assert errors["__all__"] == [
        "2 cases are mapped to this area's issues: map them elsewhere first."
    ]
    assert ImpactIssue.objects.filter(pk=issue.pk).exists()


# --------------------------------------------------------------------------- translations


def test_translation_makes_a_version_and_is_checked():
    manager = make_manager()
    case = services.create_case(by=manager, data=good(language="en"))
    services.translate_case(
        case=case, by=manager, language="fr", texts={"name": "Pilote de traçabilité"}
    )
    case.refresh_from_db()
    assert case.name_in_fr == "Pilote de traçabilité" and case.version == 2
    version = CaseVersion.objects.get(case=case, number=2)
    assert version.texts["translations"] == {"fr": {"name": "Pilote de traçabilité"}}
    errors = refused(
        services.translate_case,
        case=case,
        by=manager,
        language="fr",
        texts={"summary": "<script>x</script>"},
    )
    assert "Write Markdown" in errors["summary"][0]
    with pytest.raises(ValidationError):
        services.translate_case(case=case, by=manager, language="en", texts={"name": "Same"})
    case.refresh_from_db()
    assert case.version == 2 and case.summary_in_fr == ""
