"""Everything the platform holds about one account, read across every app.

``my_data`` is the single source of the "My data" page and of its JSON download: the
page shows exactly what the file holds. It takes only the signed-in user, never an id,
so nobody can read another person's data through it.

The directory record (``people.Person``) is included whole, the organisers' private
notes and their influence/interest grid (with its history) too: they are personal data
about the person, so an access request covers them. Who changed the grid is left out
(that is the organiser's personal data, not the person's).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from boards.models import Note, NoteVote
from consult.models import (
    Comment,
    Disposition,
    Follow,
    Notification,
    Process,
    Profile,
    Reaction,
    Report,
    SectionText,
    ValidationAnswer,
)
from outreach import newsletter
from outreach.models import Invitation
from people.models import ExportLog, Person, PersonEmail
from people.services import process_scope
from polls.models import Ballot
from qna.models import Question, QuestionVote
from sessions.models import Event, Participant

# The sections of the page and of the file, in order, with their headings.
SECTIONS = (
    "account",
    "profile",
    "directory",
    "participations",
    "comments",
    "validation_answers",
    "answers_received",
    "reactions",
    "reports",
    "follows",
    "notifications",
    "newsletter",
    "exports",
)


def _label(choices: Any, value: str) -> str:
    """The readable label of a choice value ("" stays "")."""
    if not value:
        return ""
    return str(dict(choices).get(value, value))


def addresses_of(user: AbstractBaseUser) -> set[str]:
    """Every email address that leads to ``user``: the account's, and its directory
    record's."""
    addresses = set(EmailAddress.objects.filter(user=user).values_list("email", flat=True))
    if user.email:
        addresses.add(user.email)
    person = linked_person(user)
    if person is not None:
        addresses |= set(PersonEmail.objects.filter(person=person).values_list("email", flat=True))
    return addresses


def linked_person(user: AbstractBaseUser) -> Person | None:
    """The directory record linked to this account, if any."""
    return Person.objects.filter(user=user).first()


def participations(user: AbstractBaseUser) -> QuerySet[Participant]:
    """Live participations of the account or of its directory record."""
    person = linked_person(user)
    condition = Q(user=user)
    if person is not None:
        condition |= Q(person=person)
    return Participant.objects.filter(condition)


def _headings(section_ids: set[int]) -> dict[int, str]:
    """The heading of each section in the latest version it appears in."""
    headings: dict[int, str] = {}
    rows = (
        SectionText.objects.filter(section_id__in=section_ids)
        .order_by("section_id", "-version__number")
        .values_list("section_id", "heading")
    )
    for section_id, heading in rows:
        headings.setdefault(section_id, heading)
    return headings


def _account(user: AbstractBaseUser) -> dict[str, Any]:
    return {
        "username": user.get_username(),
        "joined": user.date_joined,
        "last_login": user.last_login,
        "emails": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
        ],
    }


def _profile(user: AbstractBaseUser) -> dict[str, Any] | None:
    profile = Profile.objects.filter(user=user).first()
    if profile is None:
        return None
    return {
        "display_name": profile.display_name,
        "organisation": profile.organisation,
        "stakeholder_group": profile.get_stakeholder_group_display() or "",
        "country": profile.country.name if profile.country else "",
        "sector": profile.get_sector_display() or "",
        "language": profile.language,
        "time_zone": profile.time_zone,
        "email_notifications": profile.get_notify_display(),
        "accepted_terms_at": profile.consented_at,
        "terms_version": profile.terms_version,
    }


def _directory(person: Person | None) -> dict[str, Any] | None:
    if person is None:
        return None
    invitations = Invitation.objects.filter(person=person).select_related(
        "process", "event", "session", "consultation"
    )
    return {
        "name": person.name,
        "emails": [
            {"email": e.email, "primary": e.is_primary, "bounced_at": e.bounced_at}
            for e in person.emails.all()
        ],
        "affiliations": [
            {"organisation": a.organisation.name, "role": a.role, "delegate": a.is_delegate}
            for a in person.affiliations.select_related("organisation")
        ],
        "tags": [t.name for t in person.tags.all()],
        "stakeholder_group": person.get_stakeholder_group_display() or "",
        "country": person.country.name if person.country else "",
        "region": person.get_region_display() or "",
        "sector": person.get_sector_display() or "",
        "gender": person.get_gender_display() or "",
        "languages": list(person.languages),
        "source": person.source,
        "basis": person.get_basis_display(),
        "consented_at": person.consented_at,
        "consent_text_version": person.consent_text_version,
        "listed_from": person.listed_source,
        "do_not_contact": person.do_not_contact,
        "do_not_contact_since": person.do_not_contact_at,
        "organisers_notes": person.notes,
        "influence": person.influence,
        "interest": person.interest,
        "influence_interest_history": [
            {"influence": c.influence, "interest": c.interest, "changed_at": c.changed_at}
            for c in person.analysis_history.all()
        ],
        "invitations": [
            {
                "process": i.process.title,
                "to": str(i.event or i.session or i.consultation),
                "answer": i.get_answer_display(),
                "sent_at": i.sent_at,
                "answered_at": i.answered_at,
            }
            for i in invitations
        ],
        "created_at": person.created_at,
        "updated_at": person.updated_at,
    }


def _participations(user: AbstractBaseUser) -> list[dict[str, Any]]:
    rows = (
        participations(user)
        .select_related("session__event")
        .annotate(
            n_votes=Count("ballots", distinct=True),
            n_notes=Count("notes", distinct=True),
            n_questions=Count("questions", distinct=True),
            n_question_upvotes=Count("question_votes", distinct=True),
        )
        .order_by("joined_at", "id")
    )
    note_upvotes = Counter(
        NoteVote.objects.filter(participant__in=participations(user)).values_list(
            "participant_id", flat=True
        )
    )
    return [
        {
            "event": p.session.event.title,
            "session": p.session.title,
            "joined_at": p.joined_at,
            "display_name": p.display_name,
            "organisation": p.organisation,
            "stakeholder_group": p.get_stakeholder_group_display() or "",
            "country": p.country.name if p.country else "",
            "sector": p.get_sector_display() or "",
            "gender": p.get_gender_display() or "",
            "votes": p.n_votes,
            "notes": p.n_notes,
            "note_upvotes": note_upvotes[p.pk],
            "questions": p.n_questions,
            "question_upvotes": p.n_question_upvotes,
        }
        for p in rows
    ]


def _comments(user: AbstractBaseUser, headings: dict[int, str]) -> list[dict[str, Any]]:
    rows = (
        Comment.objects.filter(author=user)
        .select_related("section__consultation", "version")
        .order_by("created_at", "id")
    )
    return [
        {
            "consultation": c.section.consultation.title,
            "section": headings.get(c.section_id, ""),
            "version": c.version.number,
            "reply": c.parent_id is not None,
            "text": c.body,
            "created_at": c.created_at,
            "edited_at": c.edited_at,
            "deleted_at": c.deleted_at,
            "hidden_at": c.hidden_at,
            "hidden_reason": c.hidden_reason,
        }
        for c in rows
    ]


def _answers(user: AbstractBaseUser, headings: dict[int, str]) -> list[dict[str, Any]]:
    rows = (
        ValidationAnswer.objects.filter(user=user)
        .select_related("round__consultation")
        .order_by("round_id", "section_id")
    )
    return [
        {
            "consultation": a.round.consultation.title,
            "round": a.round.title,
            "section": headings.get(a.section_id, ""),
            "verdict": a.get_verdict_display(),
            "reason": a.reason,
            "updated_at": a.updated_at,
        }
        for a in rows
    ]


def _received(user: AbstractBaseUser, headings: dict[int, str]) -> list[dict[str, Any]]:
    rows = (
        Disposition.objects.filter(Q(comment__author=user) | Q(answer__user=user))
        .select_related("comment", "answer")
        .order_by("decided_at", "id")
    )
    out = []
    for d in rows:
        item = d.comment if d.comment_id else d.answer
        out.append(
            {
                "on": _("your comment") if d.comment_id else _("your validation answer"),
                "section": headings.get(item.section_id, ""),
                "decision": d.get_decision_display(),
                "answer": d.response,
                "decided_at": d.decided_at,
            }
        )
    return out


def _section_ids(user: AbstractBaseUser) -> set[int]:
    return set(Comment.objects.filter(author=user).values_list("section_id", flat=True)) | set(
        ValidationAnswer.objects.filter(user=user).values_list("section_id", flat=True)
    )


def my_data(user: AbstractBaseUser) -> dict[str, Any]:
    """Everything held about ``user``, as plain values (the page and the JSON file)."""
    headings = _headings(_section_ids(user))
    return {
        "account": _account(user),
        "profile": _profile(user),
        "directory": _directory(linked_person(user)),
        "participations": _participations(user),
        "comments": _comments(user, headings),
        "validation_answers": _answers(user, headings),
        "answers_received": _received(user, headings),
        "reactions": [
            {"kind": r.get_kind_display(), "consultation": r.comment.section.consultation.title}
            for r in Reaction.objects.filter(user=user).select_related(
                "comment__section__consultation"
            )
        ],
        "reports": [
            {"reason": r.reason, "created_at": r.created_at}
            for r in Report.objects.filter(reporter=user).order_by("created_at", "id")
        ],
        "follows": [
            {"consultation": f.consultation.title, "since": f.created_at}
            for f in Follow.objects.filter(user=user).select_related("consultation")
        ],
        "notifications": [
            {
                "kind": n.get_kind_display(),
                "subject": n.subject,
                "created_at": n.created_at,
                "sent_at": n.sent_at,
            }
            for n in Notification.objects.filter(user=user)
        ],
        "newsletter": newsletter.subscriptions_of(addresses_of(user)),
        "exports": [
            {"what": e.what, "rows": e.rows, "scope": e.scope, "at": e.created_at}
            for e in ExportLog.objects.filter(user=user)
        ],
    }


def record_count(data: dict[str, Any]) -> int:
    """How many records the data holds: one per single record, one per list item."""
    count = 0
    for value in data.values():
        if isinstance(value, list):
            count += len(value)
        elif value is not None:
            count += 1
    return count


def live_items(user: AbstractBaseUser) -> dict[str, int]:
    """What the person's live participations hold, in total (for the erasure page)."""
    mine = participations(user)
    return {
        "participations": mine.count(),
        "votes": Ballot.objects.filter(participant__in=mine).count(),
        "notes": Note.objects.filter(participant__in=mine).count(),
        "questions": Question.objects.filter(participant__in=mine).count(),
        "upvotes": NoteVote.objects.filter(participant__in=mine).count()
        + QuestionVote.objects.filter(participant__in=mine).count(),
    }


# --------------------------------------------------------------------------- the page

TITLES = {
    "account": _l("Account"),
    "profile": _l("Consultation profile"),
    "directory": _l("Stakeholder directory record"),
    "participations": _l("Live sessions you took part in"),
    "comments": _l("Your comments"),
    "validation_answers": _l("Your validation answers"),
    "answers_received": _l("Answers you received from the organisers"),
    "reactions": _l("Your reactions to comments"),
    "reports": _l("Comments you reported"),
    "follows": _l("Consultations you follow"),
    "notifications": _l("Notifications to you"),
    "newsletter": _l("Newsletter subscriptions"),
    "exports": _l("Exports you made"),
}
EMPTY = {
    "profile": _l("You have no consultation profile."),
    "directory": _l("Your account is not linked to a record in the stakeholder directory."),
}
LABELS = {
    "username": _l("Username"),
    "joined": _l("Registered"),
    "last_login": _l("Last logged in"),
    "emails": _l("Email addresses"),
    "email": _l("Email"),
    "verified": _l("verified"),
    "primary": _l("primary"),
    "bounced_at": _l("bounced"),
    "display_name": _l("Display name"),
    "organisation": _l("Organisation"),
    "stakeholder_group": _l("Stakeholder group"),
    "country": _l("Country"),
    "region": _l("Region"),
    "sector": _l("Sector"),
    "gender": _l("Gender"),
    "language": _l("Preferred language"),
    "languages": _l("Languages"),
    "time_zone": _l("Time zone"),
    "email_notifications": _l("Email notifications"),
    "accepted_terms_at": _l("Accepted the terms at"),
    "terms_version": _l("Terms version"),
    "name": _l("Name"),
    "affiliations": _l("Affiliations"),
    "role": _l("role"),
    "delegate": _l("delegate"),
    "tags": _l("Expertise tags"),
    "source": _l("How the organisers know you"),
    "basis": _l("On what basis it is held"),
    "consented_at": _l("Consented at"),
    "consent_text_version": _l("Consent text version"),
    "listed_from": _l("Listed from"),
    "do_not_contact": _l("Do not contact"),
    "do_not_contact_since": _l("Do not contact since"),
    "organisers_notes": _l("Organisers' notes"),
    "influence": _l("Influence (1-5, organisers' assessment)"),
    "interest": _l("Interest (1-5, organisers' assessment)"),
    "influence_interest_history": _l("Earlier influence/interest assessments"),
    "changed_at": _l("changed"),
    "invitations": _l("Invitations"),
    "process": _l("Process"),
    "to": _l("to"),
    "answer": _l("Answer"),
    "sent_at": _l("Sent"),
    "answered_at": _l("answered"),
    "created_at": _l("Created"),
    "updated_at": _l("Last changed"),
    "event": _l("Event"),
    "session": _l("Session"),
    "joined_at": _l("Joined"),
    "votes": _l("Votes"),
    "notes": _l("Notes"),
    "note_upvotes": _l("Note upvotes"),
    "questions": _l("Questions"),
    "question_upvotes": _l("Question upvotes"),
    "consultation": _l("Consultation"),
    "section": _l("Section"),
    "version": _l("Version"),
    "reply": _l("Reply"),
    "text": _l("Text"),
    "edited_at": _l("Edited"),
    "deleted_at": _l("Deleted"),
    "hidden_at": _l("Hidden by a moderator"),
    "hidden_reason": _l("Why hidden"),
    "round": _l("Round"),
    "verdict": _l("Verdict"),
    "reason": _l("Reason"),
    "on": _l("On"),
    "decision": _l("Decision"),
    "decided_at": _l("Decided"),
    "kind": _l("Kind"),
    "since": _l("Since"),
    "signed_up_at": _l("Signed up"),
    "confirmed_at": _l("Confirmed"),
    "unsubscribed_at": _l("Unsubscribed"),
    "subject": _l("Subject"),
    "what": _l("What"),
    "rows": _l("Rows"),
    "scope": _l("Scope"),
    "at": _l("When"),
}


def _lines(value: Any) -> list[Any]:
    """A value as the lines of one cell (dates stay dates for the template to format)."""
    if value is None or value == "" or value == []:
        return []
    if isinstance(value, bool):
        return [_("Yes") if value else _("No")]
    if isinstance(value, list):
        out: list[Any] = []
        for item in value:
            if isinstance(item, dict):
                parts = []
                for key, inner in item.items():
                    shown = _lines(inner)
                    if shown:
                        parts.append(f"{LABELS.get(key, key)}: {', '.join(map(str, shown))}")
                out.append("; ".join(parts))
            else:
                out.append(item)
        return out
    return [value]


def page_sections(data: dict[str, Any]) -> list[dict[str, Any]]:
    """``my_data`` laid out for the page: each section a record (label/value pairs) or
    a table (columns and rows), with nothing left out of what the file holds."""
    sections = []
    for key in SECTIONS:
        value = data[key]
        section: dict[str, Any] = {"key": key, "title": TITLES[key], "empty": EMPTY.get(key)}
        if isinstance(value, list):
            columns = list(value[0]) if value else []
            section["columns"] = [LABELS.get(c, c) for c in columns]
            section["rows"] = [[_lines(item[c]) for c in columns] for item in value]
        elif value is not None:
            section["record"] = [(LABELS.get(k, k), _lines(v)) for k, v in value.items()]
        sections.append(section)
    return sections


def process_exports(process: Process) -> QuerySet[ExportLog]:
    """The exports logged for the process, and for its events (an event's activity
    exports were logged under the event when it had no process yet)."""
    events = [
        f"event:{pk}" for pk in Event.objects.filter(process=process).values_list("pk", flat=True)
    ]
    return (
        ExportLog.objects.filter(Q(scope=process_scope(process.pk)) | Q(scope__in=events))
        .select_related("user")
        .order_by("-created_at", "-id")
    )
