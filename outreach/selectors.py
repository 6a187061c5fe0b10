"""Reads for invitations: what a process can invite to, audiences and their composition
against the target mix, the invitation list and its counts.

Every figure here is for the organisers of the process (the pages check it), so
per-group counts are shown whole, small groups included."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from consult.models import Comment, Consultation, Process, TargetShare, ValidationAnswer
from consult.selectors import is_organiser
from consult.targets import target_mix
from people.models import Person, PersonEmail
from people.selectors import PeopleFilter, filter_people
from people.vocabularies import Gender, Region, StakeholderGroup
from sessions.models import Event, Participant, Session

from .models import Invitation

User = AbstractBaseUser | AnonymousUser

# Most people one "invite" creates invitations for (a larger audience: narrow the
# filters, or send in several goes).
MAX_AUDIENCE = 5000


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    """What an invitation is for: an event, a live session or a consultation."""

    kind: str  # "event" | "session" | "consultation"
    obj: Event | Session | Consultation

    @property
    def value(self) -> str:
        return f"{self.kind}:{self.obj.pk}"

    @property
    def label(self) -> str:
        if self.kind == "event":
            return _("Event: %(title)s") % {"title": self.obj.title}
        if self.kind == "session":
            return _("Live session: %(title)s") % {"title": what_of_session(self.obj)}
        return _("Consultation: %(title)s") % {"title": self.obj.title}

    @property
    def what(self) -> str:
        """The target as the mail's {what} names it."""
        return what_of_session(self.obj) if self.kind == "session" else self.obj.title

    def fields(self) -> dict[str, object]:
        """The invitation's foreign key for this target."""
        return {self.kind: self.obj}


def what_of_session(session: Session) -> str:
    return f"{session.title} ({session.event.title})"


def target_of(invitation: Invitation) -> Target:
    for kind in ("event", "session", "consultation"):
        obj = getattr(invitation, kind)
        if obj is not None:
            return Target(kind, obj)
    raise ValueError("an invitation to nothing")  # the check constraint forbids it


def targets_of(process: Process) -> list[Target]:
    """What the organisers of ``process`` can invite to: its events, the live sessions
    of those that have not ended, its consultations that are not over."""
    events = list(Event.objects.filter(process=process).order_by("starts_on", "title", "id"))
    sessions = (
        Session.objects.filter(event__process=process)
        .exclude(status=Session.Status.CLOSED)
        .select_related("event")
        .order_by("event__starts_on", "created_at", "id")
    )
    consultations = (
        Consultation.objects.filter(process=process)
        .exclude(status=Consultation.Status.PUBLISHED)
        .order_by("opens_at", "id")
    )
    return (
        [Target("event", e) for e in events]
        + [Target("session", s) for s in sessions]
        + [Target("consultation", c) for c in consultations]
    )


def target_from_value(process: Process, value: str) -> Target | None:
    """The target a form value (``kind:id``) names, if it belongs to ``process``."""
    kind, _sep, pk = (value or "").partition(":")
    if not pk.isdigit() or len(pk) > 18:
        return None
    if kind == "event":
        obj = Event.objects.filter(process=process, pk=pk).first()
    elif kind == "session":
        obj = Session.objects.filter(event__process=process, pk=pk).select_related("event").first()
    elif kind == "consultation":
        obj = Consultation.objects.filter(process=process, pk=pk).first()
    else:
        return None
    return Target(kind, obj) if obj is not None else None


def invitable_process(user: User, slug: str) -> Process | None:
    process = Process.objects.filter(slug=slug).first()
    return process if process is not None and is_organiser(user, process) else None


# --------------------------------------------------------------------------- audiences


@dataclass(frozen=True)
class AudienceFilter:
    """Who to invite: directory filters, or exactly the people chosen (``people``)."""

    people_filter: PeopleFilter = field(default_factory=PeopleFilter)
    not_engaged: bool = False
    people: tuple[int, ...] = ()


def usable_email():
    """An address of the person that has not bounced."""
    return Exists(PersonEmail.objects.filter(person=OuterRef("pk"), bounced_at=None))


def invited_to(target: Target):
    return Exists(Invitation.objects.filter(person=OuterRef("pk"), **target.fields()))


def engaged_in(process: Process):
    """Invited to anything of the process, in one of its live sessions (through a
    personal link or with their linked account), or a contributor to one of its
    consultations with their linked account."""
    return (
        Exists(Invitation.objects.filter(process=process, person=OuterRef("pk")))
        | Exists(Participant.objects.filter(session__event__process=process, person=OuterRef("pk")))
        | Exists(
            Participant.objects.filter(
                session__event__process=process, user__isnull=False, user=OuterRef("user")
            )
        )
        | Exists(
            Comment.objects.filter(section__consultation__process=process, author=OuterRef("user"))
        )
        | Exists(
            ValidationAnswer.objects.filter(
                round__consultation__process=process, user=OuterRef("user")
            )
        )
    )


def matching_people(*, process: Process, filters: AudienceFilter) -> QuerySet[Person]:
    """Everyone the filters match, before the exclusions."""
    if filters.people:
        qs = Person.objects.filter(pk__in=filters.people)
    else:
        qs = filter_people(filters.people_filter)
        if filters.not_engaged:
            qs = qs.exclude(engaged_in(process))
    return qs


@dataclass(frozen=True)
class CompositionRow:
    value: str
    label: str
    count: int
    share: Decimal | None  # of the audience, in %
    target: Decimal | None  # the process's target share, in %
    gap: Decimal | None  # share minus target, in percentage points


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str
    rows: list[CompositionRow]
    has_target: bool


DIMENSIONS = (
    (TargetShare.Dimension.GROUP, _lazy("Stakeholder group"), StakeholderGroup),
    (TargetShare.Dimension.REGION, _lazy("Region"), Region),
    (TargetShare.Dimension.GENDER, _lazy("Gender"), Gender),
)
POINT = Decimal("0.1")


def share_of(count: int, total: int) -> Decimal | None:
    return (Decimal(count) * 100 / total).quantize(POINT) if total else None


def composition(*, process: Process, people: QuerySet[Person]) -> list[Dimension]:
    """Counts and shares of ``people`` per stakeholder group, region and gender, against
    the process's target mix (the gap in points: negative when a value falls short)."""
    mix = target_mix(process)
    dimensions = []
    total = None
    for key, label, choices in DIMENSIONS:
        counts = dict(people.order_by().values_list(key).annotate(n=Count("pk", distinct=True)))
        if total is None:
            total = sum(counts.values())
        targets = mix.get(key, {})
        rows = []
        for value, value_label in choices.choices:
            count = counts.get(value, 0)
            target = targets.get(value) if targets else None
            if not count and not target:
                continue
            share = share_of(count, total)
            if targets:
                target = target or Decimal(0)
            gap = (share or Decimal(0)) - target if target is not None else None
            rows.append(
                CompositionRow(
                    value=value,
                    label=str(value_label),
                    count=count,
                    share=share,
                    target=target.quantize(POINT) if target is not None else None,
                    gap=gap.quantize(POINT) if gap is not None else None,
                )
            )
        dimensions.append(Dimension(str(key), str(label), rows, bool(targets)))
    return dimensions


@dataclass(frozen=True)
class Audience:
    target: Target
    matched: int  # everyone the filters match
    do_not_contact: int  # excluded: asked not to be contacted
    no_email: int  # excluded: no address, or only addresses that bounced
    already_invited: int  # contactable, but invited to this target before
    to_invite: QuerySet[Person]  # the rest: who "invite" creates invitations for
    size: int
    composition: list[Dimension]
    chosen_do_not_contact: list[Person]  # explicitly chosen people who may not be invited

    @property
    def too_large(self) -> bool:
        return self.size > MAX_AUDIENCE


def audience(*, process: Process, target: Target, filters: AudienceFilter) -> Audience:
    """The audience the filters give for ``target``, split into who would be invited
    and who is excluded (and why), with its composition: all read before anything is
    sent."""
    matched = matching_people(process=process, filters=filters)
    counted = matched.aggregate(
        matched=Count("pk", distinct=True),
        do_not_contact=Count("pk", distinct=True, filter=Q(do_not_contact=True)),
    )
    contactable = Person.objects.filter(pk__in=matched.values("pk"), do_not_contact=False)
    reachable = contactable.filter(usable_email())
    no_email = contactable.count() - reachable.count()
    already = reachable.filter(invited_to(target)).count()
    to_invite = reachable.exclude(invited_to(target)).order_by("name", "id")
    size = to_invite.count()
    chosen_dnc = (
        list(Person.objects.filter(pk__in=filters.people, do_not_contact=True))
        if filters.people
        else []
    )
    return Audience(
        target=target,
        matched=counted["matched"],
        do_not_contact=counted["do_not_contact"],
        no_email=no_email,
        already_invited=already,
        to_invite=to_invite,
        size=size,
        composition=composition(process=process, people=to_invite),
        chosen_do_not_contact=chosen_dnc,
    )


# --------------------------------------------------------------------------- the list


@dataclass(frozen=True)
class ListFilter:
    target: Target | None = None
    answer: str | None = None  # None: any; "" no answer yet
    stakeholder_group: str | None = None


def invitations(*, process: Process, f: ListFilter | None = None) -> QuerySet[Invitation]:
    """The process's invitations with what the list shows, in a fixed number of queries."""
    f = f or ListFilter()
    qs = Invitation.objects.filter(process=process)
    if f.target is not None:
        qs = qs.filter(**f.target.fields())
    if f.answer is not None:
        qs = qs.filter(answer=f.answer)
    if f.stakeholder_group is not None:
        qs = qs.filter(person__stakeholder_group=f.stakeholder_group)
    return qs.select_related("person", "event", "session__event", "consultation").annotate(
        has_usable_email=Exists(
            PersonEmail.objects.filter(person=OuterRef("person"), bounced_at=None)
        ),
        has_bounced=Exists(
            PersonEmail.objects.filter(person=OuterRef("person"), bounced_at__isnull=False)
        ),
    )


def invitation_counts(qs: QuerySet[Invitation]) -> dict[str, int]:
    """How many invitations, sent, waiting, answered each way, and how many invitees
    opted out or have no working address (one query)."""
    fields = {
        "total": Count("pk"),
        "sent": Count("pk", filter=Q(sent_at__isnull=False)),
        "waiting": Count("pk", filter=Q(sent_at__isnull=True)),
        "reminded": Count("pk", filter=Q(reminders__gt=0)),
        "opted_out": Count("pk", filter=Q(person__do_not_contact=True)),
        "no_email": Count("pk", filter=Q(has_usable_email=False)),
    }
    for value, _label in Invitation.Answer.choices:
        fields[f"answer_{value or 'none'}"] = Count("pk", filter=Q(answer=value))
    return qs.order_by().aggregate(**fields)


def status_of(invitation: Invitation) -> str:
    """What became of an invitation's mail, in words for the list."""
    if invitation.person.do_not_contact:
        return _("Opted out: no more mail")
    if not getattr(invitation, "has_usable_email", True):
        if getattr(invitation, "has_bounced", False):
            return _("Address bounced")
        return _("No email address")
    if invitation.sent_at is None:
        return _("Waiting to be sent")
    return _("Sent")


# --------------------------------------------------------------------------- invitees


def invitation_by_token(token: str) -> Invitation | None:
    if not token or len(token) > 64:
        return None
    return (
        Invitation.objects.select_related(
            "process", "person", "event", "session__event", "consultation"
        )
        .filter(token=token)
        .first()
    )


def usable_address(person: Person) -> str:
    """The address invitations go to: the primary one unless it bounced, else the
    first that did not ("" when none works)."""
    for address in person.emails.order_by("-is_primary", "id"):
        if address.bounced_at is None:
            return address.email
    return ""


def account_exists(email: str) -> bool:
    """Whether an account already uses this address (its own or a verified/unverified
    allauth address), so the invitee should log in rather than register."""
    from allauth.account.models import EmailAddress

    if not email:
        return False
    return (
        EmailAddress.objects.filter(email__iexact=email).exists()
        or get_user_model().objects.filter(email__iexact=email).exists()
    )


def profile_of(person: Person) -> dict[str, str]:
    """The stakeholder profile a personal link pre-fills from the directory record."""
    affiliation = (
        person.affiliations.select_related("organisation").order_by("-is_delegate", "id").first()
    )
    return {
        "display_name": person.name[:60],
        "stakeholder_group": person.stakeholder_group,
        "country": str(person.country or ""),
        "sector": person.sector,
        "gender": person.gender,
        "organisation": affiliation.organisation.name[:120] if affiliation else "",
    }
