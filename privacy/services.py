"""Correcting and erasing what the platform holds about the signed-in person.

Erasing an account (``erase_account``) runs in one transaction; either all of it
happens or nothing does:

* comments stay in their threads as "deleted" placeholders (text emptied, ``deleted_at``
  set) so replies keep their place, and their author becomes the one inactive
  placeholder account ``COMMENT_PLACEHOLDER`` (``Comment.author`` is PROTECT);
* validation answers keep counting, with every link to the person gone: they move to a
  new inactive *tombstone* account of their own that holds nothing but the person's
  stakeholder group, so the round results (which count answers by the answering
  account's profile group) stay identical. One tombstone per erased account, not one
  shared: an answer is unique per round, section and account, so two erased people's
  answers to the same section could not share one. Their reasons are the person's own
  words and are replaced by ``ERASED_REASON``;
* live participations lose their account and directory links, their display name and
  organisation, and their token secret (an old browser cookie no longer opens them);
  votes, notes and questions stay and keep counting with the declared group, country,
  sector and gender, which no longer lead to anyone;
* the directory record is deleted with its addresses, affiliations and grid history (its
  invitations cascade); reactions, follows, notifications, the queued or sent mail to
  the person's addresses, newsletter subscriptions of those addresses, the allauth
  addresses and the account itself are deleted.

An account that others' records still depend on (it owns a process or an event, made a
version of a draft, answered inputs or moderated) cannot be erased here: the
organisers hand those over first. ``blockers`` names them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consult.models import (
    Comment,
    Follow,
    Notification,
    OutgoingMail,
    Profile,
    Reaction,
    ValidationAnswer,
    Verdict,
)
from outreach import newsletter
from people.models import Person
from people.services import DirectoryError, update_person
from sessions.models import Participant, new_token_secret

from . import selectors

# "~" is not allowed in a username people choose (Django's username validator), so no
# real account can ever be taken for these.
COMMENT_PLACEHOLDER = "~deleted"
TOMBSTONE_PREFIX = "~deleted-"
PLACEHOLDER_NAME = "[deleted]"
ERASED_REASON = "[deleted]"

# What the erasure itself handles; any other PROTECT relation to the account blocks it.
_HANDLED_PROTECTED = {(Comment, "author"), (ValidationAnswer, "user")}

PROFILE_FIELDS = ("display_name", "organisation", "stakeholder_group", "country", "sector")
PROFILE_FIELDS_ALL = (*PROFILE_FIELDS, "language")
PERSON_FIELDS = ("name", "stakeholder_group", "country", "sector", "gender")


# --------------------------------------------------------------------------- correcting


@transaction.atomic
def correct_data(
    *,
    user: AbstractBaseUser,
    profile: dict[str, str] | None = None,
    person: dict[str, str] | None = None,
) -> None:
    """Correct the person's consultation profile and, if their account is linked to one,
    their directory record. Unknown fields are refused; nothing is saved unless all of
    it is valid (``ValidationError`` keyed ``profile-<field>`` / ``person-<field>``)."""
    if profile is not None:
        unknown = set(profile) - set(PROFILE_FIELDS_ALL)
        if unknown:
            raise ValidationError(_("Not a profile field: %(f)s") % {"f": ", ".join(unknown)})
        record = Profile.objects.select_for_update().filter(user=user).first()
        if record is None:
            raise ValidationError(_("You have no consultation profile to correct."))
        for field, value in profile.items():
            setattr(record, field, value.strip() if isinstance(value, str) else value)
        if not record.display_name:
            raise ValidationError({"profile-display_name": _("Give the name others see.")})
        try:
            record.full_clean(exclude=["user"])
        except ValidationError as exc:
            raise ValidationError({f"profile-{k}": v for k, v in exc.message_dict.items()}) from exc
        record.save()
    if person is not None:
        unknown = set(person) - set(PERSON_FIELDS)
        if unknown:
            raise ValidationError(_("Not a directory field: %(f)s") % {"f": ", ".join(unknown)})
        record = Person.objects.select_for_update().filter(user=user).first()
        if record is None:
            raise ValidationError(_("Your account is not linked to a directory record."))
        try:
            update_person(person=record, **person)
        except DirectoryError as exc:
            raise ValidationError({"person-name": str(exc)}) from exc
        except ValidationError as exc:
            raise ValidationError({f"person-{k}": v for k, v in exc.message_dict.items()}) from exc


# --------------------------------------------------------------------------- erasing


@dataclass(frozen=True)
class Erasure:
    """What an erasure did, in counts."""

    comments: int
    answers: int
    participations: int
    directory_records: int
    emails: int


def blockers(*, user: AbstractBaseUser) -> list[str]:
    """The kinds of records of others' work that depend on this account (a process or
    an event it owns, versions it published, dispositions it wrote...), which must be
    handed over before it can be erased. Empty when it can be erased."""
    found = []
    for relation in get_user_model()._meta.related_objects:
        if relation.on_delete is not models.PROTECT:
            continue
        model, field = relation.related_model, relation.field.name
        if (model, field) in _HANDLED_PROTECTED:
            continue
        if model._default_manager.filter(**{field: user}).exists():
            found.append(str(model._meta.verbose_name_plural))
    return sorted(found)


def _new_inactive_user(username: str) -> AbstractBaseUser:
    user = get_user_model()(username=username, is_active=False)
    user.set_unusable_password()
    user.save()
    return user


def comment_placeholder() -> AbstractBaseUser:
    """The one inactive account that authors the comments of erased accounts."""
    User = get_user_model()
    found = User.objects.filter(username=COMMENT_PLACEHOLDER).first()
    if found is None:
        found = _new_inactive_user(COMMENT_PLACEHOLDER)
        Profile.objects.create(user=found, display_name=PLACEHOLDER_NAME)
    return found


def _tombstone(*, stakeholder_group: str) -> AbstractBaseUser:
    """A new inactive account holding only a stakeholder group (see the module doc)."""
    user = _new_inactive_user(TOMBSTONE_PREFIX + secrets.token_hex(8))
    Profile.objects.create(
        user=user, display_name=PLACEHOLDER_NAME, stakeholder_group=stakeholder_group
    )
    return user


def _mail_to(addresses: set[str]) -> list[int]:
    """Ids of outgoing mail sent or queued to any of these addresses."""
    if not addresses:
        return []
    lowered = {a.lower() for a in addresses}
    if connection.features.supports_json_field_contains:
        condition = models.Q()
        for address in addresses:
            condition |= models.Q(recipients__contains=[address])
        return list(OutgoingMail.objects.filter(condition).values_list("id", flat=True))
    return [  # SQLite has no JSON containment: read the recipient lists
        pk
        for pk, recipients in OutgoingMail.objects.values_list("id", "recipients").iterator()
        if any(str(r).lower() in lowered for r in recipients or [])
    ]


def erase_account(*, user: AbstractBaseUser) -> Erasure:
    """Erase the account and everything that leads to the person (module doc)."""
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        found = blockers(user=user)
        if found:
            raise ValidationError(
                _(
                    "Your account cannot be erased yet: other people's work depends on it "
                    "(%(what)s). Ask the organisers to hand it over first."
                )
                % {"what": ", ".join(found)},
                code="blocked",
            )
        now = timezone.now()
        person = Person.objects.select_for_update().filter(user=user).first()
        addresses = selectors.addresses_of(user)

        comments = Comment.objects.filter(author=user)
        comment_count = comments.count()
        if comment_count:
            comments.filter(deleted_at=None).update(deleted_at=now)
            comments.update(author=comment_placeholder(), body="", edited_at=None)

        answers = ValidationAnswer.objects.filter(user=user)
        answer_count = answers.count()
        if answer_count:
            group = Profile.objects.filter(user=user).values_list("stakeholder_group", flat=True)
            tombstone = _tombstone(stakeholder_group=group.first() or "")
            answers.filter(verdict=Verdict.AGREE).update(user=tombstone, reason="")
            answers.exclude(verdict=Verdict.AGREE).update(user=tombstone, reason=ERASED_REASON)

        mine = list(selectors.participations(user).values_list("id", flat=True))
        for pk in mine:  # each its own secret: a shared one would link them together
            Participant.objects.filter(pk=pk).update(
                user=None, person=None, display_name="", organisation="", secret=new_token_secret()
            )

        Reaction.objects.filter(user=user).delete()
        Follow.objects.filter(user=user).delete()
        Notification.objects.filter(user=user).delete()
        OutgoingMail.objects.filter(pk__in=_mail_to(addresses)).delete()
        newsletter.erase_subscriptions(addresses=addresses)
        directory_records = 0
        if person is not None:
            person.delete()  # emails, affiliations, grid history, invitations cascade
            directory_records = 1
        EmailAddress.objects.filter(user=user).delete()
        user.delete()  # the profile, process roles, reports' reporter (set null) go with it
    return Erasure(
        comments=comment_count,
        answers=answer_count,
        participations=len(mine),
        directory_records=directory_records,
        emails=len(addresses),
    )
