"""Consultation services: versions with stable sections, comments, moderation,
validation rounds and dispositions, with every refusal leaving the data as it was."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from consult import selectors, services
from consult.markdown import render_markdown
from consult.models import (
    Comment,
    Consultation,
    Disposition,
    ModerationEntry,
    ProcessRole,
    Reaction,
    SectionText,
    ValidationAnswer,
)
from tests.consult.factories import make_consultation, make_member, make_process
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def first_section(consultation):
    return selectors.latest_version(consultation).texts.order_by("position")[0].section


# --------------------------------------------------------------------------- lifecycle


def test_a_consultation_needs_an_organiser_valid_times_and_a_known_zone():
    process = make_process()
    now = timezone.now()
    args = {
        "process": process,
        "title": "Draft",
        "slug": "draft",
        "opens_at": now,
        "closes_at": now + dt.timedelta(days=1),
    }
    with pytest.raises(PermissionDenied):
        services.create_consultation(by=make_user(), **args)
    with pytest.raises(ValidationError):
        services.create_consultation(
            by=process.owner, **{**args, "closes_at": now - dt.timedelta(hours=1)}
        )
    with pytest.raises(ValidationError):
        services.create_consultation(by=process.owner, time_zone="Mars/Olympus", **args)
    with pytest.raises(ValidationError):
        services.create_consultation(
            by=process.owner, **{**args, "opens_at": dt.datetime(2026, 1, 1)}
        )
    assert Consultation.objects.count() == 0
    consultation = services.create_consultation(
        by=process.owner, time_zone="Africa/Kinshasa", **args
    )
    assert consultation.status == Consultation.Status.DRAFT


def test_status_moves_draft_open_closed_published_only():
    consultation = make_consultation(status="draft")
    owner = consultation.process.owner
    with pytest.raises(ValidationError):
        services.set_status(consultation=consultation, by=owner, status="published")
    with pytest.raises(PermissionDenied):
        services.set_status(consultation=consultation, by=make_user(), status="open")
    for status in ("open", "closed", "published"):
        services.set_status(consultation=consultation, by=owner, status=status)
        consultation.refresh_from_db()
        assert consultation.status == status
    with pytest.raises(ValidationError):
        services.set_status(consultation=consultation, by=owner, status="open")


def test_sections_keep_their_identity_across_versions_and_show_what_changed():
    consultation = make_consultation()
    owner = consultation.process.owner
    v1 = selectors.latest_version(consultation)
    vision, milestone, action = [t.section for t in v1.texts.order_by("position")]
    v2 = services.publish_version(
        consultation=consultation,
        by=owner,
        title="Second draft",
        sections=[
            {"section": milestone.pk, "type": "milestone", "horizon": 2030,
             "heading": "Due diligence", "body": "All tiers, with audits."},
            {"section": vision.pk, "type": "vision", "heading": "Vision 2050",
             "body": "Minerals are sourced **responsibly**."},
            {"section": None, "type": "context", "heading": "Context", "body": "New."},
        ],
    )  # fmt: skip
    assert v2.number == 2
    assert [t.section_id for t in v2.texts.order_by("position")][:2] == [milestone.pk, vision.pk]
    change = selectors.section_change(milestone, v1, v2)
    assert change["status"] == "changed" and not change["unchanged"]
    assert change["body"] == [
        ("same", "All "),
        ("removed", "tiers."),
        ("added", "tiers, with audits."),
    ]
    assert selectors.section_change(vision, v1, v2)["unchanged"]
    assert selectors.section_change(action, v1, v2)["status"] == "removed"


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "poem", "heading": "X"},
        {"type": "vision", "heading": ""},
        {"type": "milestone", "heading": "M", "horizon": 2035},
        {"type": "action", "heading": "A", "actor": "aliens"},
        {"type": "context", "heading": "C", "body": "x" * 50_001},
    ],
)
def test_a_bad_section_refuses_the_whole_version(bad):
    consultation = make_consultation()
    with pytest.raises(ValidationError):
        services.publish_version(
            consultation=consultation,
            by=consultation.process.owner,
            title="Broken",
            sections=[{"type": "vision", "heading": "Fine"}, bad],
        )
    assert consultation.versions.count() == 1
    assert SectionText.objects.filter(version__consultation=consultation).count() == 3


def test_a_version_cannot_take_another_consultations_section():
    mine, other = make_consultation(), make_consultation()
    foreign = first_section(other)
    with pytest.raises(ValidationError):
        services.publish_version(
            consultation=mine,
            by=mine.process.owner,
            title="X",
            sections=[{"section": foreign.pk, "type": "vision", "heading": "Stolen"}],
        )
    assert mine.versions.count() == 1


# --------------------------------------------------------------------------- markdown


def test_markdown_keeps_formatting_and_drops_scripts_and_handlers():
    html = render_markdown(
        "**bold** <script>alert(1)</script> <img src=x onerror=alert(1)> "
        "[link](javascript:alert(1)) [ok](https://example.org)"
    )
    assert "<strong>bold</strong>" in html
    assert (
        "<script" not in html
        and "<img" not in html
        and "onerror=alert" not in html.replace("&lt;", "").replace("onerror=alert(1)&gt;", "")
    )
    assert 'href="javascript' not in html
    assert 'href="https://example.org"' in html and 'rel="nofollow noopener noreferrer"' in html


# --------------------------------------------------------------------------- comments


def test_threads_nest_and_remember_the_version_they_were_made_on():
    consultation = make_consultation()
    section = first_section(consultation)
    ana, ben = make_member(), make_member()
    top = services.add_comment(section=section, author=ana, body="Add artisanal mining.")
    reply = services.add_comment(section=section, author=ben, body="Agreed.", parent=top)
    deeper = services.add_comment(section=section, author=ana, body="Thanks.", parent=reply)
    services.publish_version(
        consultation=consultation,
        by=consultation.process.owner,
        title="v2",
        sections=[{"section": section.pk, "type": "vision", "heading": "Vision 2050"}],
    )
    later = services.add_comment(section=section, author=ben, body="Better now.")
    threads = selectors.section_threads(section)
    assert [c.pk for c in threads] == [top.pk, later.pk]
    assert threads[0].thread_replies[0].pk == reply.pk
    assert threads[0].thread_replies[0].thread_replies[0].pk == deeper.pk
    assert (threads[0].version_number, threads[1].version_number) == (1, 2)


def test_bad_comments_are_refused_and_nothing_is_saved():
    consultation = make_consultation()
    section = first_section(consultation)
    user = make_member()
    for body in ("", "   ", "x" * 5001):
        with pytest.raises(ValidationError):
            services.add_comment(section=section, author=user, body=body)
    with pytest.raises(PermissionDenied):
        services.add_comment(section=section, author=AnonymousUser(), body="Hi")
    other_section = first_section(make_consultation())
    parent = services.add_comment(section=other_section, author=user, body="Elsewhere")
    with pytest.raises(ValidationError):
        services.add_comment(section=section, author=user, body="Wrong", parent=parent)
    assert Comment.objects.filter(section=section).count() == 0


def test_replies_stop_at_the_deepest_level():
    section = first_section(make_consultation())
    user = make_member()
    comment = services.add_comment(section=section, author=user, body="0")
    for depth in range(1, services.MAX_REPLY_DEPTH + 1):
        comment = services.add_comment(
            section=section, author=user, body=str(depth), parent=comment
        )
    with pytest.raises(ValidationError) as refused:
        services.add_comment(section=section, author=user, body="too deep", parent=comment)
    assert refused.value.code == "too_deep"


@pytest.mark.parametrize("status", ["draft", "closed", "published"])
def test_no_comments_outside_an_open_consultation(status):
    section = first_section(make_consultation(status=status))
    with pytest.raises(PermissionDenied):
        services.add_comment(section=section, author=make_member(), body="Late")
    assert Comment.objects.count() == 0


def test_no_comments_after_the_closing_time_even_if_still_marked_open():
    consultation = make_consultation()
    Consultation.objects.filter(pk=consultation.pk).update(
        closes_at=timezone.now() - dt.timedelta(minutes=1)
    )
    consultation.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.add_comment(section=first_section(consultation), author=make_member(), body="x")


def test_a_flood_of_comments_is_rate_limited():
    section = first_section(make_consultation())
    user = make_member()
    limit = services.COMMENT_RATE[0]
    for i in range(limit):
        services.add_comment(section=section, author=user, body=f"Comment {i}")
    with pytest.raises(ValidationError) as refused:
        services.add_comment(section=section, author=user, body="One more")
    assert refused.value.code == "rate_limited"
    assert Comment.objects.filter(author=user).count() == limit
    services.add_comment(section=section, author=make_member(), body="Someone else is fine")


def test_only_the_author_edits_or_deletes_and_deletion_leaves_a_placeholder():
    section = first_section(make_consultation())
    ana, ben = make_member(), make_member()
    comment = services.add_comment(section=section, author=ana, body="Original")
    reply = services.add_comment(section=section, author=ben, body="Reply", parent=comment)
    with pytest.raises(PermissionDenied):
        services.edit_comment(comment=comment, by=ben, body="Hijacked")
    with pytest.raises(PermissionDenied):
        services.delete_comment(comment=comment, by=ben)
    comment.refresh_from_db()
    assert comment.body == "Original" and comment.deleted_at is None
    services.edit_comment(comment=comment, by=ana, body="Edited")
    comment.refresh_from_db()
    assert comment.body == "Edited" and comment.edited_at is not None
    services.delete_comment(comment=comment, by=ana)
    threads = selectors.section_threads(section)
    assert threads[0].pk == comment.pk and threads[0].deleted_at is not None
    assert threads[0].body == "" and threads[0].thread_replies[0].pk == reply.pk
    with pytest.raises(ValidationError):
        services.edit_comment(comment=comment, by=ana, body="Back from the dead")


def test_reactions_toggle_once_per_kind():
    section = first_section(make_consultation())
    comment = services.add_comment(section=section, author=make_member(), body="Hi")
    ben = make_member()
    assert services.toggle_reaction(comment=comment, user=ben, kind="agree") is True
    assert services.toggle_reaction(comment=comment, user=make_member(), kind="agree") is True
    assert selectors.section_threads(section)[0].reaction_counts["agree"] == 2
    assert services.toggle_reaction(comment=comment, user=ben, kind="agree") is False
    assert Reaction.objects.filter(comment=comment).count() == 1
    with pytest.raises(ValidationError):
        services.toggle_reaction(comment=comment, user=ben, kind="love")


# --------------------------------------------------------------------------- moderation


def test_moderators_hide_with_a_reason_and_the_log_says_so_without_the_text():
    consultation = make_consultation()
    section = first_section(consultation)
    comment = services.add_comment(section=section, author=make_member(), body="Spam spam")
    services.report_comment(comment=comment, reporter=make_member(), reason="Advertising")
    moderator = make_member(role=ProcessRole.Role.MODERATOR, process=consultation.process)
    with pytest.raises(PermissionDenied):
        services.hide_comment(comment=comment, by=make_member(), reason="Mine now")
    with pytest.raises(ValidationError):
        services.hide_comment(comment=comment, by=moderator, reason="")
    comment.refresh_from_db()
    assert comment.hidden_at is None
    services.hide_comment(comment=comment, by=moderator, reason="Advertising")
    comment.refresh_from_db()
    assert comment.hidden_at is not None and comment.reports.filter(resolved_at=None).count() == 0
    entry = ModerationEntry.objects.get(comment=comment)
    assert (entry.action, entry.reason) == ("hidden", "Advertising")
    assert not hasattr(entry, "body")
    services.restore_comment(comment=comment, by=moderator, reason="Appeal upheld")
    assert consultation.moderation_log.count() == 2


# --------------------------------------------------------------------------- validation


def test_validation_answers_need_reasons_unless_agree_and_replace_earlier_ones():
    consultation = make_consultation()
    owner = consultation.process.owner
    version = selectors.latest_version(consultation)
    round_ = services.open_round(consultation=consultation, by=owner, version=version)
    section = first_section(consultation)
    user = make_member(group="policy")
    with pytest.raises(ValidationError) as refused:
        services.answer_section(round=round_, section=section, user=user, verdict="disagree")
    assert refused.value.error_dict["reason"][0].code == "reason_required"
    with pytest.raises(ValidationError):
        services.answer_section(round=round_, section=section, user=user, verdict="maybe")
    assert ValidationAnswer.objects.count() == 0
    services.answer_section(round=round_, section=section, user=user, verdict="agree")
    services.answer_section(
        round=round_, section=section, user=user, verdict="disagree", reason="Too weak"
    )
    answer = ValidationAnswer.objects.get()
    assert (answer.verdict, answer.reason) == ("disagree", "Too weak")
    services.close_round(round=round_, by=owner)
    with pytest.raises(ValidationError):
        services.answer_section(round=round_, section=section, user=user, verdict="agree")
    assert ValidationAnswer.objects.get().verdict == "disagree"


def test_round_results_show_groups_of_five_and_hide_smaller_ones():
    consultation = make_consultation()
    owner = consultation.process.owner
    round_ = services.open_round(
        consultation=consultation, by=owner, version=selectors.latest_version(consultation)
    )
    section = first_section(consultation)
    verdicts = ["agree", "agree", "agree_with_changes", "disagree", "agree"]
    for verdict in verdicts:
        services.answer_section(
            round=round_,
            section=section,
            user=make_member(group="civil_society"),
            verdict=verdict,
            reason="" if verdict == "agree" else "Because",
        )
    for _ in range(4):
        services.answer_section(
            round=round_, section=section, user=make_member(group="finance"), verdict="agree"
        )
    first = selectors.round_results(round_)[0]
    assert first["total"] == 9
    assert first["counts"] == {"agree": 7, "agree_with_changes": 1, "disagree": 1}
    assert first["shares"]["agree"] == round(700 / 9, 1)
    groups = {g["group"]: g for g in first["by_group"]}
    assert groups["civil_society"]["hidden"] is False
    assert groups["civil_society"]["counts"] == {"agree": 3, "agree_with_changes": 1, "disagree": 1}
    assert groups["civil_society"]["shares"]["agree"] == 60.0
    assert groups["finance"] == {
        "group": "finance",
        "label": groups["finance"]["label"],
        "hidden": True,
    }


def test_only_organisers_answer_inputs_and_an_answer_replaces_the_earlier_one():
    consultation = make_consultation()
    owner = consultation.process.owner
    comment = services.add_comment(
        section=first_section(consultation), author=make_member(), body="Add recycling."
    )
    with pytest.raises(PermissionDenied):
        services.set_disposition(
            by=make_member(), comment=comment, decision="accepted", response="x"
        )
    with pytest.raises(ValidationError):
        services.set_disposition(by=owner, comment=comment, decision="maybe", response="x")
    with pytest.raises(ValidationError):
        services.set_disposition(by=owner, comment=comment, decision="accepted", response="")
    assert Disposition.objects.count() == 0
    services.set_disposition(by=owner, comment=comment, decision="partly", response="In part.")
    v2_text = SectionText.objects.filter(version__consultation=consultation).first()
    services.set_disposition(
        by=owner, comment=comment, decision="accepted", response="Added.", addressed_in=v2_text
    )
    disposition = Disposition.objects.get()
    assert (disposition.decision, disposition.response) == ("accepted", "Added.")
    assert disposition.addressed_in == v2_text
    foreign = SectionText.objects.exclude(version__consultation=consultation)
    other = make_consultation()
    foreign = SectionText.objects.filter(version__consultation=other).first()
    with pytest.raises(ValidationError):
        services.set_disposition(
            by=owner, comment=comment, decision="accepted", response="x", addressed_in=foreign
        )
    assert Disposition.objects.get().addressed_in == v2_text


@pytest.mark.parametrize("comments", [3, 30])
def test_reading_a_sections_threads_takes_the_same_queries_however_many_comments(
    comments, django_assert_num_queries
):
    section = first_section(make_consultation())
    people = [make_member() for _ in range(3)]
    parent = None
    for i in range(comments):
        comment = services.add_comment(
            section=section, author=people[i % 3], body=f"Comment {i}", parent=parent
        )
        services.toggle_reaction(comment=comment, user=people[(i + 1) % 3], kind="agree")
        parent = comment if i % 3 == 0 else None
    with django_assert_num_queries(1):
        threads = selectors.section_threads(section)
        names = [c.author_name for c in threads]
        versions = [c.version_number for c in threads]
    assert len(names) == len(versions) > 0


def test_text_with_a_null_character_is_refused_by_the_services_and_nothing_is_saved():
    consultation = make_consultation()
    section = first_section(consultation)
    author = make_member()
    comment = services.add_comment(section=section, author=author, body="Fine.")
    with pytest.raises(ValidationError) as refused:
        services.add_comment(section=section, author=author, body="bad\x00text")
    assert refused.value.message_dict == {"body": ["Null characters are not allowed."]}
    with pytest.raises(ValidationError):
        services.edit_comment(comment=comment, by=author, body="x\x00")
    comment.refresh_from_db()
    assert comment.body == "Fine."
    assert Comment.objects.filter(section=section).count() == 1
    version = selectors.latest_version(consultation)
    round_ = services.open_round(
        consultation=consultation, by=consultation.process.owner, version=version
    )
    with pytest.raises(ValidationError) as refused:
        services.answer_section(
            round=round_, section=section, user=author, verdict="disagree", reason="no\x00"
        )
    assert refused.value.message_dict == {"reason": ["Null characters are not allowed."]}
