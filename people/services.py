"""Writes to the stakeholder directory. Every change to a person goes through here, so
the rules (a basis for every record, region from country, one person per address,
accounts linked only through a verified address) hold whoever calls."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import AnalysisChange, ExportLog, Organisation, Person, PersonEmail, Tag
from .vocabularies import region_of

PROFILE_FIELDS = ("stakeholder_group", "country", "sector", "gender")


class DirectoryError(Exception):
    """A refused change, with a message for the person who asked."""


def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise DirectoryError(
            _("%(email)s is not a valid email address.") % {"email": email}
        ) from exc
    return email


def _check_basis(
    *, basis: str, consented_at, consent_text_version: str, listed_source: str
) -> None:
    if basis == Person.Basis.CONSENT and not (consented_at and consent_text_version):
        raise DirectoryError(_("A consented record needs the date and the text version."))
    if basis == Person.Basis.LISTED and not listed_source.strip():
        raise DirectoryError(_("A listed record needs the source it was listed from."))
    if basis not in Person.Basis.values:
        raise DirectoryError(_("Unknown basis for holding the record."))


def set_tags(*, person: Person, tags: Iterable[str]) -> None:
    names = sorted({t.strip().lower()[:60] for t in tags if t and t.strip()})
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=n) for n in names if n not in existing]
    for tag in Tag.objects.bulk_create(missing, ignore_conflicts=True):
        existing.setdefault(tag.name, tag)
    person.tags.set(Tag.objects.filter(name__in=names))


@transaction.atomic
def create_person(
    *,
    name: str,
    basis: str,
    emails: Iterable[str] = (),
    listed_source: str = "",
    consented_at=None,
    consent_text_version: str = "",
    stakeholder_group: str = "",
    country: str = "",
    sector: str = "",
    gender: str = "",
    languages: Iterable[str] = (),
    tags: Iterable[str] = (),
    source: str = "",
    notes: str = "",
) -> Person:
    name = (name or "").strip()
    if not name:
        raise DirectoryError(_("A person needs a name."))
    _check_basis(
        basis=basis,
        consented_at=consented_at,
        consent_text_version=consent_text_version,
        listed_source=listed_source,
    )
    addresses = [normalise_email(e) for e in emails if e and e.strip()]
    taken = PersonEmail.objects.filter(email__in=addresses).values_list("email", flat=True)
    if taken:
        raise DirectoryError(
            _("%(email)s already belongs to someone in the directory.") % {"email": taken[0]}
        )
    person = Person.objects.create(
        name=name,
        basis=basis,
        listed_source=listed_source.strip(),
        consented_at=consented_at,
        consent_text_version=consent_text_version,
        stakeholder_group=stakeholder_group,
        country=country,
        region=region_of(country),
        sector=sector,
        gender=gender,
        languages=sorted(set(languages)),
        source=source,
        notes=notes,
    )
    for i, address in enumerate(dict.fromkeys(addresses)):
        PersonEmail.objects.create(person=person, email=address, is_primary=i == 0)
    if tags:
        set_tags(person=person, tags=tags)
    return person


UPDATABLE = (
    "name",
    "stakeholder_group",
    "country",
    "sector",
    "gender",
    "languages",
    "source",
    "notes",
)


@transaction.atomic
def update_person(*, person: Person, **changes) -> Person:
    """Change a person's directory fields (``UPDATABLE``; region follows the country)."""
    unknown = set(changes) - set(UPDATABLE) - {"tags"}
    if unknown:
        raise DirectoryError(
            _("Not a directory field: %(names)s") % {"names": ", ".join(sorted(unknown))}
        )
    tags = changes.pop("tags", None)
    if "name" in changes and not str(changes["name"]).strip():
        raise DirectoryError(_("A person needs a name."))
    if "languages" in changes:
        changes["languages"] = sorted(set(changes["languages"] or []))
    # Checked on a copy: a refused change leaves the caller's object as it was.
    changed = Person.objects.get(pk=person.pk)
    for field, value in changes.items():
        setattr(changed, field, value)
    changed.region = region_of(changed.country)
    try:
        changed.full_clean(exclude=["user", "tags"])
    except ValidationError as exc:
        raise DirectoryError(" ".join(exc.messages)) from exc
    changed.save()
    for field in (*changes, "region", "updated_at"):
        setattr(person, field, getattr(changed, field))
    if tags is not None:
        set_tags(person=person, tags=tags)
    return person


@transaction.atomic
def add_email(*, person: Person, email: str) -> PersonEmail:
    email = normalise_email(email)
    other = PersonEmail.objects.filter(email=email).exclude(person=person).first()
    if other:
        raise DirectoryError(
            _("%(email)s already belongs to someone in the directory.") % {"email": email}
        )
    has_primary = person.emails.filter(is_primary=True).exists()
    obj, _created = PersonEmail.objects.get_or_create(
        person=person, email=email, defaults={"is_primary": not has_primary}
    )
    return obj


def set_do_not_contact(*, person: Person, value: bool = True) -> Person:
    """Mark a person "do not contact" (at once, from an opt-out link or by an organiser)."""
    person.do_not_contact = value
    person.do_not_contact_at = timezone.now() if value else None
    person.save(update_fields=["do_not_contact", "do_not_contact_at", "updated_at"])
    return person


def record_bounce(*, email: str, reason: str) -> PersonEmail | None:
    address = PersonEmail.objects.filter(email=(email or "").strip().lower()).first()
    if address is not None:
        address.bounced_at = timezone.now()
        address.bounce_reason = reason[:300]
        address.save(update_fields=["bounced_at", "bounce_reason"])
    return address


@transaction.atomic
def set_analysis(
    *, person: Person, influence: int | None, interest: int | None, by: AbstractBaseUser | None
) -> Person:
    """Place a person on the influence/interest grid (1-5 each), keeping the history."""
    for label, value in ((_("Influence"), influence), (_("Interest"), interest)):
        if value is not None and (
            isinstance(value, bool) or not (isinstance(value, int) and 1 <= value <= 5)
        ):
            raise DirectoryError(_("%(what)s must be 1 to 5.") % {"what": label})
    if (person.influence, person.interest) == (influence, interest):
        return person
    person.influence, person.interest = influence, interest
    person.save(update_fields=["influence", "interest", "updated_at"])
    AnalysisChange.objects.create(
        person=person, influence=influence, interest=interest, changed_by=by
    )
    return person


def link_account(*, user: AbstractBaseUser, verified_emails: Iterable[str]) -> Person | None:
    """Link an account to the directory record holding one of its *verified* addresses.

    Never by name. Returns the linked person, or None when no record holds the
    addresses (or the record is already someone else's)."""
    addresses = [e.strip().lower() for e in verified_emails if e]
    if not addresses:
        return None
    with transaction.atomic():
        linked = Person.objects.select_for_update().filter(user=user).first()
        if linked is not None:
            return linked
        match = (
            Person.objects.select_for_update()
            .filter(emails__email__in=addresses, user__isnull=True)
            .order_by("id")
            .first()
        )
        if match is None:
            return None
        match.user = user
        match.save(update_fields=["user", "updated_at"])
        return match


@dataclass(frozen=True)
class MergeResult:
    kept: Person
    moved_emails: int
    moved_affiliations: int


@transaction.atomic
def merge_people(*, keep: Person, other: Person) -> MergeResult:
    """Fold ``other`` into ``keep``: addresses, affiliations, tags and empty fields move
    over, the stricter contact flag wins, and ``other`` is deleted. Refused when both
    are linked to different accounts."""
    if keep.pk == other.pk:
        raise DirectoryError(_("A person cannot be merged with themselves."))
    keep = Person.objects.select_for_update().get(pk=keep.pk)
    other = Person.objects.select_for_update().get(pk=other.pk)
    if keep.user_id and other.user_id and keep.user_id != other.user_id:
        raise DirectoryError(
            _("Both records are linked to different accounts; they cannot be merged.")
        )
    moved_emails = 0
    keep_has_primary = keep.emails.filter(is_primary=True).exists()
    for address in other.emails.all():
        address.person = keep
        address.is_primary = address.is_primary and not keep_has_primary
        keep_has_primary = keep_has_primary or address.is_primary
        address.save(update_fields=["person", "is_primary"])
        moved_emails += 1
    kept_orgs = set(keep.affiliations.values_list("organisation_id", flat=True))
    moved_affiliations = 0
    for affiliation in other.affiliations.all():
        if affiliation.organisation_id in kept_orgs:
            continue
        affiliation.person = keep
        affiliation.save(update_fields=["person"])
        moved_affiliations += 1
    keep.tags.add(*other.tags.all())
    for field in (*PROFILE_FIELDS, "source", "notes", "listed_source"):
        if not getattr(keep, field) and getattr(other, field):
            setattr(keep, field, getattr(other, field))
    if keep.notes and other.notes and other.notes not in keep.notes:
        keep.notes = f"{keep.notes}\n\n{other.notes}"
    keep.languages = sorted(set(keep.languages) | set(other.languages))
    keep.region = region_of(keep.country)
    if other.do_not_contact and not keep.do_not_contact:
        keep.do_not_contact, keep.do_not_contact_at = True, other.do_not_contact_at
    if keep.influence is None and other.influence is not None:
        keep.influence, keep.interest = other.influence, other.interest
    if keep.basis != Person.Basis.CONSENT and other.basis == Person.Basis.CONSENT:
        keep.basis = other.basis
        keep.consented_at, keep.consent_text_version = (
            other.consented_at,
            other.consent_text_version,
        )
    user_id = other.user_id
    AnalysisChange.objects.filter(person=other).update(person=keep)
    _repoint_references(keep=keep, other=other)
    other.delete()
    if user_id and not keep.user_id:
        keep.user_id = user_id
    keep.save()
    return MergeResult(kept=keep, moved_emails=moved_emails, moved_affiliations=moved_affiliations)


_HANDLED = {"emails", "affiliations", "analysis_history", "tags"}


def _repoint_references(*, keep: Person, other: Person) -> None:
    """Point what other apps hold about ``other`` (participations, invitations...) at
    ``keep``. The directory knows no app above it, so it walks its reverse relations; a
    row that would then exist twice (both were invited to the same event) refuses the
    merge rather than losing one of them."""
    for relation in Person._meta.related_objects:
        if relation.get_accessor_name() in _HANDLED or not relation.field.concrete:
            continue
        if relation.many_to_many:
            continue
        model, field = relation.related_model, relation.field.name
        try:
            with transaction.atomic():
                model._default_manager.filter(**{field: other}).update(**{field: keep})
        except IntegrityError as exc:
            raise DirectoryError(
                _(
                    "Both records have the same kind of record (%(what)s) for the same "
                    "thing; resolve it before merging."
                )
                % {"what": model._meta.verbose_name}
            ) from exc


def create_organisation(*, name: str, country: str = "", **fields) -> Organisation:
    """A new organisation; refused when one of that name (case aside) is already in the
    directory for the same country."""
    name = (name or "").strip()
    if not name:
        raise DirectoryError(_("An organisation needs a name."))
    if Organisation.objects.filter(name__iexact=name, country=country).exists():
        raise DirectoryError(
            _("%(name)s is already in the directory for this country.") % {"name": name}
        )
    return Organisation.objects.create(name=name, country=country, **fields)


def process_scope(process_id: int) -> str:
    """The export log's scope for exports of a process's data (its organisers see them)."""
    return f"process:{process_id}"


def log_export(
    *, user: AbstractBaseUser | None, what: str, rows: int, scope: str = ""
) -> ExportLog:
    """Record an export of personal data (who, when, what). ``scope`` says whose log it
    is in: "directory", "self" or a process (``process_scope``)."""
    if user is not None and not user.is_authenticated:
        user = None
    return ExportLog.objects.create(user=user, what=what[:200], rows=rows, scope=scope[:100])


# --------------------------------------------------------------------------- organiser pages
# Added for the directory's organiser pages (people/views.py).


@transaction.atomic
def add_affiliation(
    *, person: Person, organisation: Organisation, role: str = "", is_delegate: bool = False
):
    """Place a person in an organisation with a role (and whether they speak for it); a
    second call for the same organisation changes the role and the delegate flag."""
    role = (role or "").strip()
    if len(role) > 120:
        raise DirectoryError(_("Keep the role under 120 characters."))
    affiliation, _created = person.affiliations.update_or_create(
        organisation=organisation, defaults={"role": role, "is_delegate": bool(is_delegate)}
    )
    return affiliation


def remove_affiliation(*, person: Person, affiliation_id: int) -> bool:
    """Take a person out of an organisation; False when they were not in it."""
    deleted, _by_model = person.affiliations.filter(pk=affiliation_id).delete()
    return bool(deleted)


ORGANISATION_FIELDS = (
    "name",
    "stakeholder_group",
    "country",
    "sectors",
    "value_chain_stage",
    "website",
    "networks",
)


def _clean_list(values: Iterable[str], *, limit: int = 200) -> list[str]:
    return list(dict.fromkeys(v.strip()[:limit] for v in values if v and v.strip()))


@transaction.atomic
def update_organisation(*, organisation: Organisation, **changes) -> Organisation:
    """Change an organisation's fields (``ORGANISATION_FIELDS``), its name and country
    included; refused when another organisation has that name in that country."""
    from .vocabularies import Sector

    unknown = set(changes) - set(ORGANISATION_FIELDS)
    if unknown:
        raise DirectoryError(
            _("Not an organisation field: %(names)s") % {"names": ", ".join(sorted(unknown))}
        )
    if "name" in changes:
        changes["name"] = str(changes["name"] or "").strip()
        if not changes["name"]:
            raise DirectoryError(_("An organisation needs a name."))
    if "sectors" in changes:
        changes["sectors"] = _clean_list(changes["sectors"])
        wrong = [s for s in changes["sectors"] if s not in Sector.values or not s]
        if wrong:
            raise DirectoryError(_("Unknown sector: %(sector)s.") % {"sector": wrong[0]})
    if "networks" in changes:
        changes["networks"] = _clean_list(changes["networks"])
    name = changes.get("name", organisation.name)
    country = changes.get("country", organisation.country)
    twin = Organisation.objects.filter(name__iexact=name, country=country)
    if twin.exclude(pk=organisation.pk).exists():
        raise DirectoryError(
            _("Another organisation called %(name)s is in the directory for this country.")
            % {"name": name}
        )
    for field, value in changes.items():
        setattr(organisation, field, value)
    try:
        organisation.full_clean()
    except ValidationError as exc:
        raise DirectoryError(" ".join(exc.messages)) from exc
    organisation.save()
    return organisation
