"""Writes of the knowledge repository: cases (by the managers, and proposed by anyone
signed in), their review, their mapping to impact issues, their translations, and the
impact-area vocabulary (docs/knowledge.md).

Every function checks everything on the server and is all or nothing: bad input raises
``ValidationError`` (a message per field, keyed as the case forms name them) and nothing
is saved; a manager-only write by anyone else raises ``PermissionDenied``.

Versions: a case's texts (name, short description, good-practice aspects, transfer
suggestions, with their translations) are kept as a ``CaseVersion`` per version: number
N holds the texts as they are from version N on (so version 1 is the case as first
written, and what a change replaced is the version before it). A change that leaves the
texts as they were writes no version."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries import countries

from consult import notifications
from consult.models import Notification
from consult.translations import (
    LANGUAGE_CODES,
    check_translation_language,
    column,
    current_language,
)
from people.models import Organisation
from people.vocabularies import Region, Sector, ValueChainStage

from .models import (
    MAX_LINKS,
    MAX_NAME,
    MAX_NOTE,
    MAX_SUMMARY,
    MAX_TEXT,
    Case,
    CaseAction,
    CaseIssue,
    CaseLink,
    CaseVersion,
    ImpactArea,
    ImpactIssue,
)
from .selectors import is_manager, managers
from .vocabularies import CaseType, Maturity, Mineral

MAX_AREA_TITLE = 200
MAX_ISSUE_TITLE = 300
MAX_LINK_TITLE = 300
MAX_URL = 500
MAX_REVIEW_NOTE = 2_000
MAX_VERSION_NOTE = 300

TEXTS = ("name", "summary", "good_practice", "transfer")
LIST_FIELDS = ("sectors", "minerals", "stages", "regions", "countries")


_HTML = re.compile(r"<\s*(/\s*)?[a-zA-Z][a-zA-Z0-9-]*(\s[^<>]*)?/?\s*>|<!--|<\s*script", re.I)
_UNSAFE_SCHEME = re.compile(r"(java|vb)script\s*:|\]\(\s*<?\s*data\s*:", re.I)
_url = URLValidator(schemes=["http", "https"])


class Decision:
    ACCEPT = "accept"
    REQUEST_CHANGES = "request_changes"
    DECLINE = "decline"
    ALL = (ACCEPT, REQUEST_CHANGES, DECLINE)


_STATUS_OF = {
    Decision.ACCEPT: Case.Status.ACCEPTED,
    Decision.REQUEST_CHANGES: Case.Status.CHANGES_REQUESTED,
    Decision.DECLINE: Case.Status.DECLINED,
}


# --------------------------------------------------------------------------- checks


def _require_manager(by: AbstractBaseUser) -> None:
    if not is_manager(by):
        raise PermissionDenied(_("Only the managers of the knowledge repository can do this."))


def _require_member(by: AbstractBaseUser) -> None:
    if by is None or not by.is_authenticated or not by.is_active:
        raise PermissionDenied(_("Sign in to propose a case."))


def _write_markdown() -> str:
    return _("Write Markdown, not HTML: remove the tags, scripts and javascript: links.")


def unsafe_markup(text: str) -> bool:
    """Whether ``text`` holds raw HTML, a script or a javascript:/data: link (refused
    rather than silently stripped, so the author knows what will be shown)."""
    return bool(_HTML.search(text) or _UNSAFE_SCHEME.search(text))


def _one_line(value: Any) -> str:
    return " ".join(str(value or "").split())


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _check_text(errors, field: str, text: str, *, limit: int, required: bool, label: str):
    if required and not text:
        _add(errors, field, _("Give the %(what)s.") % {"what": label})
    elif len(text) > limit:
        _add(
            errors,
            field,
            _("Keep the %(what)s under %(n)d characters (it has %(length)d).")
            % {"what": label, "n": limit, "length": len(text)},
        )
    if text and unsafe_markup(text):
        _add(errors, field, _write_markdown())


def _check_choices(errors, field: str, values: Any, allowed: Iterable[str]) -> list[str]:
    if values in (None, ""):
        return []
    if isinstance(values, str) or not isinstance(values, list | tuple):
        _add(errors, field, _("Choose from the list."))
        return []
    allowed = set(allowed)
    cleaned: list[str] = []
    for value in values:
        value = str(value)
        if value not in allowed:
            _add(errors, field, _("“%(value)s” is not one of the choices.") % {"value": value})
        elif value not in cleaned:
            cleaned.append(value)
    return cleaned


def _check_links(errors, links: Any) -> list[dict[str, str]]:
    """Links and sources: at most MAX_LINKS, absolute http(s) addresses only."""
    if links in (None, ""):
        return []
    if not isinstance(links, list | tuple):
        _add(errors, "links", _("Give the links as a list."))
        return []
    kinds = set(CaseLink.Kind.values)
    cleaned: list[dict[str, str]] = []
    for link in links:
        link = link if isinstance(link, Mapping) else {"url": link}
        kind = str(link.get("kind") or CaseLink.Kind.LINK)
        field = "sources" if kind == CaseLink.Kind.SOURCE else "links"
        if kind not in kinds:
            _add(errors, "links", _("A link is of an unknown kind."))
            continue
        url = str(link.get("url") or "").strip()
        title = _one_line(link.get("title"))
        scheme = urlsplit(url).scheme.lower() if url else ""
        if not url:
            _add(errors, field, _("Give the address of each link."))
            continue
        if scheme not in ("http", "https"):
            _add(
                errors,
                field,
                _("“%(url)s” is not a web address: give a full address starting with https://.")
                % {"url": url[:80]},
            )
            continue
        try:
            _url(url)
        except ValidationError:
            _add(errors, field, _("“%(url)s” is not a valid web address.") % {"url": url[:80]})
            continue
        if len(url) > MAX_URL:
            _add(errors, field, _("Keep each address under %(n)d characters.") % {"n": MAX_URL})
            continue
        if len(title) > MAX_LINK_TITLE:
            _add(
                errors,
                field,
                _("Keep each link's title under %(n)d characters.") % {"n": MAX_LINK_TITLE},
            )
            continue
        if title and unsafe_markup(title):
            _add(errors, field, _write_markdown())
            continue
        cleaned.append({"url": url, "title": title, "kind": kind})
    if len(cleaned) > MAX_LINKS:
        _add(
            errors,
            "links",
            _("Give at most %(n)d links and sources together.") % {"n": MAX_LINKS},
        )
    return cleaned


def _duplicate(name: str, slug: str, *, exclude: int | None) -> Case | None:
    others = Case.objects.all()
    if exclude is not None:
        others = others.exclude(pk=exclude)
    found = others.filter(name__iexact=name).first()
    if found is None and slug:
        found = others.filter(slug=slug).first()
    return found


def _new_slug(name: str) -> str:
    base = slugify(name)[:100].strip("-") or "case"
    slug, n = base, 1
    while Case.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def clean_case_data(data: Mapping[str, Any], *, case: Case | None = None) -> dict[str, Any]:
    """Check a case's fields (names as in the case forms); the cleaned values, or
    ValidationError with a message per field."""
    errors: dict[str, list[str]] = {}
    name = _one_line(data.get("name"))
    summary = str(data.get("summary") or "").strip()
    good_practice = str(data.get("good_practice") or "").strip()
    transfer = str(data.get("transfer") or "").strip()
    _check_text(errors, "name", name, limit=MAX_NAME, required=True, label=_("name"))
    _check_text(
        errors, "summary", summary, limit=MAX_SUMMARY, required=True, label=_("short description")
    )
    _check_text(
        errors,
        "good_practice",
        good_practice,
        limit=MAX_TEXT,
        required=False,
        label=_("good-practice aspects"),
    )
    _check_text(
        errors, "transfer", transfer, limit=MAX_TEXT, required=False, label=_("transfer text")
    )
    case_type = str(data.get("case_type") or "")
    if not case_type:
        _add(errors, "case_type", _("Choose the type of the case."))
    elif case_type not in CaseType.values:
        _add(errors, "case_type", _("Choose a type from the list."))
    maturity = str(data.get("maturity") or "")
    if not maturity:
        _add(errors, "maturity", _("Choose the maturity of the case."))
    elif maturity not in Maturity.values:
        _add(errors, "maturity", _("Choose a maturity from the list."))
    cleaned: dict[str, Any] = {
        "name": name,
        "summary": summary,
        "good_practice": good_practice,
        "transfer": transfer,
        "case_type": case_type,
        "maturity": maturity,
        "sectors": _check_choices(errors, "sectors", data.get("sectors"), _known(Sector)),
        "minerals": _check_choices(errors, "minerals", data.get("minerals"), Mineral.values),
        "stages": _check_choices(errors, "stages", data.get("stages"), _known(ValueChainStage)),
        "regions": _check_choices(errors, "regions", data.get("regions"), _known(Region)),
        "countries": _check_choices(
            errors,
            "countries",
            [str(c).upper() for c in data.get("countries") or []]
            if isinstance(data.get("countries"), list | tuple)
            else data.get("countries"),
            [code for code, _name in countries],
        ),
        "links": _check_links(errors, data.get("links")) if "links" in data else None,
    }
    organisations = data.get("organisations")
    cleaned["organisations"] = None
    if organisations is not None:
        try:
            ids = {int(getattr(o, "pk", o)) for o in organisations}
        except (TypeError, ValueError):
            ids = None
        found = list(Organisation.objects.filter(pk__in=ids or []))
        if ids is None or len(found) != len(ids):
            _add(errors, "organisations", _("An organisation is not in the directory."))
        cleaned["organisations"] = found
    if "status" in data and data["status"] not in (None, ""):
        if data["status"] not in Case.Status.values:
            _add(errors, "status", _("Choose a status from the list."))
        cleaned["status"] = data["status"]
    if name and "name" not in errors:
        slug = case.slug if case is not None else slugify(name)[:100].strip("-")
        if case is not None and _one_line(case.name).lower() != name.lower():
            slug = slugify(name)[:100].strip("-")
        other = _duplicate(name, slug, exclude=case.pk if case is not None else None)
        if other is not None:
            _add(
                errors,
                "name",
                _("A case with this name already exists: %(name)s") % {"name": other.name},
            )
    if errors:
        raise ValidationError(errors)
    return cleaned


def _known(choices) -> list[str]:
    return [value for value in choices.values if value]


def _snapshot(case: Case) -> dict[str, Any]:
    translations: dict[str, dict[str, str]] = {}
    for code in LANGUAGE_CODES:
        given = {
            name: getattr(case, column(name, code), "") or ""
            for name in TEXTS
            if getattr(case, column(name, code), "")
        }
        if given:
            translations[code] = given
    return {
        "language": case.language,
        **{name: getattr(case, name) for name in TEXTS},
        "translations": translations,
    }


def _write_version(case: Case, *, by: AbstractBaseUser | None, note: str) -> CaseVersion:
    return CaseVersion.objects.create(
        case=case,
        number=case.version,
        texts=_snapshot(case),
        note=_one_line(note)[:MAX_VERSION_NOTE],
        changed_by=by if by is not None and by.is_authenticated else None,
    )


def _apply(case: Case, cleaned: dict[str, Any]) -> None:
    for field in ("name", "summary", "good_practice", "transfer", "case_type", "maturity",
                  *LIST_FIELDS):  # fmt: skip
        setattr(case, field, cleaned[field])


def _save_links(case: Case, links: list[dict[str, str]]) -> None:
    CaseLink.objects.filter(case=case).delete()
    CaseLink.objects.bulk_create(
        CaseLink(case=case, kind=link["kind"], url=link["url"], title=link["title"], position=n)
        for n, link in enumerate(links, start=1)
    )


def _create(*, by, data: Mapping[str, Any], status: str, proposer) -> Case:
    cleaned = clean_case_data(data)
    language = str(data.get("language") or "") or current_language()
    if language not in LANGUAGE_CODES:
        raise ValidationError({"language": [_("Choose a language from the list.")]})
    with transaction.atomic():
        case = Case(
            slug=_new_slug(cleaned["name"]),
            language=language,
            status=status,
            proposed_by=proposer,
            version=1,
        )
        _apply(case, cleaned)
        case.save()
        if cleaned["organisations"] is not None:
            case.organisations.set(cleaned["organisations"])
        _save_links(case, cleaned["links"] or [])
        _write_version(case, by=by, note=_("First written"))
    return case


# --------------------------------------------------------------------------- cases


def create_case(*, by: AbstractBaseUser, data: Mapping[str, Any]) -> Case:
    """A case written by a manager (accepted unless ``data["status"]`` says otherwise)."""
    _require_manager(by)
    status = data.get("status") or Case.Status.ACCEPTED
    if status not in Case.Status.values:
        raise ValidationError({"status": [_("Choose a status from the list.")]})
    return _create(by=by, data=data, status=status, proposer=None)


def _update(*, case: Case, by, data: Mapping[str, Any], note: str, status: str | None) -> Case:
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        cleaned = clean_case_data(data, case=case)
        before = {name: getattr(case, name) for name in TEXTS}
        _apply(case, cleaned)
        if status is not None:
            case.status = status
        changed = any(before[name] != getattr(case, name) for name in TEXTS)
        if changed:
            case.version += 1
        case.save()
        if cleaned["organisations"] is not None:
            case.organisations.set(cleaned["organisations"])
        if cleaned["links"] is not None:
            _save_links(case, cleaned["links"])
        if changed:
            _write_version(case, by=by, note=note)
    return case


def update_case(
    *, case: Case, by: AbstractBaseUser, data: Mapping[str, Any], note: str = ""
) -> Case:
    """A manager changes a case (its status too when ``data["status"]`` is given); a
    change of its texts makes a new version, described by ``note``."""
    _require_manager(by)
    if len(_one_line(note)) > MAX_VERSION_NOTE:
        raise ValidationError(
            {"note": [_("Keep the note under %(n)d characters.") % {"n": MAX_VERSION_NOTE}]}
        )
    status = data.get("status") or None
    if status is not None and status not in Case.Status.values:
        raise ValidationError({"status": [_("Choose a status from the list.")]})
    return _update(case=case, by=by, data=data, note=note, status=status)


def propose_case(*, by: AbstractBaseUser, data: Mapping[str, Any]) -> Case:
    """Anyone signed in proposes a case: it waits for the managers' review (a status in
    ``data`` is ignored)."""
    _require_member(by)
    data = {key: value for key, value in data.items() if key != "status"}
    case = _create(by=by, data=data, status=Case.Status.PROPOSED, proposer=by)
    _tell_managers(case, by=by, changed=False)
    return case


def can_edit_proposal(case: Case, user: AbstractBaseUser) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and case.proposed_by_id == user.pk
        and case.status == Case.Status.CHANGES_REQUESTED
    )


def update_proposal(*, case: Case, by: AbstractBaseUser, data: Mapping[str, Any]) -> Case:
    """The proposer changes a case the managers asked changes to: it goes back to the
    review queue."""
    case = Case.objects.get(pk=case.pk)  # its status now, not as the caller read it
    if not can_edit_proposal(case, by):
        raise PermissionDenied(
            _("You can change a proposal only when the managers asked for changes.")
        )
    data = {key: value for key, value in data.items() if key != "status"}
    case = _update(
        case=case,
        by=by,
        data=data,
        note=_("Changed by the proposer"),
        status=Case.Status.PROPOSED,
    )
    _tell_managers(case, by=by, changed=True)
    return case


def _tell_managers(case: Case, *, by: AbstractBaseUser, changed: bool) -> None:
    """Tell every manager (but the proposer) that a case waits for their review, in
    each manager's language (once per proposal and per change)."""
    url = reverse("knowledge:manage_review", args=[case.pk])
    key = f"case-review:{case.pk}:{case.updated_at.timestamp():.6f}"
    for manager in managers().exclude(pk=by.pk):
        with translation.override(notifications.language_of(manager)):
            if changed:
                subject = _("A proposed case was changed: “%(name)s”") % {"name": case.name}
            else:
                subject = _("A case was proposed: “%(name)s”") % {"name": case.name}
            body = _("It waits for your review in the case repository.")
        notifications.queue(
            user=manager,
            kind=Notification.Kind.REVIEW,
            subject=subject,
            body=body,
            url=url,
            key=key,
        )


def review_case(*, case: Case, by: AbstractBaseUser, decision: str, note: str = "") -> Case:
    """A manager accepts a case, asks its proposer for changes, or declines it; the note
    (required unless accepting) goes to the proposer, who is told by mail."""
    _require_manager(by)
    errors: dict[str, list[str]] = {}
    note = str(note or "").strip()
    if decision not in Decision.ALL:
        _add(errors, "decision", _("Choose accept, ask for changes or decline."))
    elif decision != Decision.ACCEPT and not note:
        _add(errors, "note", _("Say to the proposer what to change, or why it is declined."))
    if len(note) > MAX_REVIEW_NOTE:
        _add(errors, "note", _("Keep the note under %(n)d characters.") % {"n": MAX_REVIEW_NOTE})
    if note and unsafe_markup(note):
        _add(errors, "note", _write_markdown())
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        case.status = _STATUS_OF[decision]
        case.review_note = note
        case.reviewed_by = by
        case.reviewed_at = timezone.now()
        case.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at",
                                 "updated_at"])  # fmt: skip
        proposer = case.proposed_by
        if proposer is not None and proposer.pk != by.pk:
            _tell_proposer(case, proposer, decision, note)
    return case


def _tell_proposer(case: Case, proposer: AbstractBaseUser, decision: str, note: str) -> None:
    with translation.override(notifications.language_of(proposer)):
        if decision == Decision.ACCEPT:
            subject = _("Your proposed case “%(name)s” was accepted") % {"name": case.name}
            body = note or _("Thank you: it is now public in the case repository.")
        elif decision == Decision.REQUEST_CHANGES:
            subject = _("Changes asked to your proposed case “%(name)s”") % {"name": case.name}
            body = note + "\n\n" + _("You can change it on your cases page.")
        else:
            subject = _("Your proposed case “%(name)s” was declined") % {"name": case.name}
            body = note
    notifications.queue(
        user=proposer,
        kind=Notification.Kind.DISPOSITION,
        subject=subject,
        body=body,
        url=reverse("knowledge:my_cases"),
    )


def translate_case(
    *, case: Case, by: AbstractBaseUser, language: str, texts: Mapping[str, str]
) -> Case:
    """Store the translation of a case's texts into ``language`` (keys as ``TEXTS``; an
    empty text removes its translation). A change makes a new version."""
    _require_manager(by)
    check_translation_language(language, source=case.language)
    errors: dict[str, list[str]] = {}
    limits = {"name": MAX_NAME, "summary": MAX_SUMMARY, "good_practice": MAX_TEXT,
              "transfer": MAX_TEXT}  # fmt: skip
    cleaned: dict[str, str] = {}
    for name in TEXTS:
        text = str(texts.get(name) or "").strip()
        if name == "name":
            text = _one_line(text)
        if len(text) > limits[name]:
            _add(errors, name, _("The text is too long."))
        if text and unsafe_markup(text):
            _add(errors, name, _write_markdown())
        cleaned[name] = text
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        fields = [column(name, language) for name in TEXTS]
        if all(getattr(case, column(n, language)) == cleaned[n] for n in TEXTS):
            return case
        for name in TEXTS:
            setattr(case, column(name, language), cleaned[name])
        case.version += 1
        case.save(update_fields=[*fields, "version", "updated_at"])
        _write_version(
            case, by=by, note=_("Translation into %(language)s") % {"language": language}
        )
    return case


def set_mappings(*, case: Case, by: AbstractBaseUser, issues: Mapping[int, str]) -> Case:
    """Replace the impact issues a case is mapped to (issue id -> note on how)."""
    _require_manager(by)
    errors: dict[str, list[str]] = {}
    cleaned: dict[int, str] = {}
    for raw_id, raw_note in issues.items():
        try:
            issue_id = int(raw_id)
        except (TypeError, ValueError):
            _add(errors, "issues", _("That impact issue does not exist."))
            continue
        note = _one_line(raw_note)
        if len(note) > MAX_NOTE:
            _add(
                errors,
                f"note-{issue_id}",
                _("Keep the note under %(n)d characters.") % {"n": MAX_NOTE},
            )
        elif note and unsafe_markup(note):
            _add(errors, f"note-{issue_id}", _write_markdown())
        cleaned[issue_id] = note
    known = set(ImpactIssue.objects.filter(pk__in=cleaned).values_list("pk", flat=True))
    if set(cleaned) - known:
        _add(errors, "issues", _("That impact issue does not exist."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        existing = {m.issue_id: m for m in CaseIssue.objects.filter(case=case)}
        CaseIssue.objects.filter(case=case).exclude(issue_id__in=cleaned).delete()
        for issue_id, note in cleaned.items():
            mapping = existing.get(issue_id)
            if mapping is None:
                CaseIssue.objects.create(case=case, issue_id=issue_id, note=note)
            elif mapping.note != note:
                mapping.note = note
                mapping.save(update_fields=["note"])
    return case


# --------------------------------------------------------------------------- vocabulary


def _check_title(title: Any, *, limit: int) -> str:
    title = _one_line(title)
    if not title:
        raise ValidationError({"title": [_("Give a title.")]})
    if len(title) > limit:
        raise ValidationError(
            {"title": [_("Keep the title under %(n)d characters.") % {"n": limit}]}
        )
    if unsafe_markup(title):
        raise ValidationError({"title": [_write_markdown()]})
    return title


def create_area(*, by: AbstractBaseUser, title: str) -> ImpactArea:
    _require_manager(by)
    title = _check_title(title, limit=MAX_AREA_TITLE)
    last = ImpactArea.objects.aggregate(m=Max("position"))["m"] or 0
    return ImpactArea.objects.create(title=title, position=last + 1, language=current_language())


def update_area(*, area: ImpactArea, by: AbstractBaseUser, title: str) -> ImpactArea:
    _require_manager(by)
    area.title = _check_title(title, limit=MAX_AREA_TITLE)
    area.save(update_fields=["title"])
    return area


def delete_area(*, area: ImpactArea, by: AbstractBaseUser) -> None:
    """Delete an area with its issues; refused while cases are mapped to one of them."""
    _require_manager(by)
    cases = Case.objects.filter(mappings__issue__area=area).distinct().count()
    if cases:
        raise ValidationError(
            ngettext(
                "%(n)d case is mapped to this area's issues: map it elsewhere first.",
                "%(n)d cases are mapped to this area's issues: map them elsewhere first.",
                cases,
            )
            % {"n": cases},
            code="in_use",
        )
    actions = CaseAction.objects.filter(issue__area=area).count()
    if actions:
        raise ValidationError(
            ngettext(
                "%(n)d action is filed under this area's issues: move or delete it first.",
                "%(n)d actions are filed under this area's issues: move or delete them first.",
                actions,
            )
            % {"n": actions},
            code="in_use",
        )
    area.delete()


def create_issue(*, by: AbstractBaseUser, area: ImpactArea, title: str) -> ImpactIssue:
    _require_manager(by)
    title = _check_title(title, limit=MAX_ISSUE_TITLE)
    last = area.issues.aggregate(m=Max("position"))["m"] or 0
    return ImpactIssue.objects.create(
        area=area, title=title, position=last + 1, language=current_language()
    )


def update_issue(*, issue: ImpactIssue, by: AbstractBaseUser, title: str) -> ImpactIssue:
    _require_manager(by)
    issue.title = _check_title(title, limit=MAX_ISSUE_TITLE)
    issue.save(update_fields=["title"])
    return issue


def delete_issue(*, issue: ImpactIssue, by: AbstractBaseUser) -> None:
    """Delete an issue; refused while cases are mapped to it (or actions are filed
    under it)."""
    _require_manager(by)
    cases = CaseIssue.objects.filter(issue=issue).count()
    if cases:
        raise ValidationError(
            ngettext(
                "%(n)d case is mapped to this issue: remove the mapping first.",
                "%(n)d cases are mapped to this issue: remove their mappings first.",
                cases,
            )
            % {"n": cases},
            code="in_use",
        )
    actions = issue.actions.count()
    if actions:
        raise ValidationError(
            ngettext(
                "%(n)d action is filed under this issue: move or delete it first.",
                "%(n)d actions are filed under this issue: move or delete them first.",
                actions,
            )
            % {"n": actions},
            code="in_use",
        )
    issue.delete()


def _move(items: list, item, direction: str) -> None:
    if direction not in ("up", "down"):
        raise ValidationError(_("Move up or down."), code="invalid")
    index = next(n for n, other in enumerate(items) if other.pk == item.pk)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
    for position, other in enumerate(items, start=1):
        if other.position != position:
            other.position = position
            other.save(update_fields=["position"])


def move_area(*, area: ImpactArea, by: AbstractBaseUser, direction: str) -> None:
    """Move an area one place up or down (nothing at either end)."""
    _require_manager(by)
    with transaction.atomic():
        areas = list(ImpactArea.objects.select_for_update().order_by("position", "id"))
        _move(areas, area, direction)


def move_issue(*, issue: ImpactIssue, by: AbstractBaseUser, direction: str) -> None:
    """Move an issue one place up or down within its area."""
    _require_manager(by)
    with transaction.atomic():
        issues = list(
            ImpactIssue.objects.select_for_update()
            .filter(area_id=issue.area_id)
            .order_by("position", "id")
        )
        _move(issues, issue, direction)
