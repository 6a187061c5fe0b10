"""Importing the spreadsheets organisers already keep (CSV or XLSX) into the directory.

Three steps, and nothing reaches the directory before the last:

1. ``read_table`` turns the upload into a header and rows of text, refusing files that
   are too large, not UTF-8 (or UTF-16) text, not a spreadsheet, or empty; the table
   is kept in an ``ImportBatch`` with a guessed column ``mapping``.
2. ``preview`` checks every row with the organiser's mapping: the reason for each row
   it refuses (no name, an invalid email or country, an unknown group, a spreadsheet
   formula in a cell, an address twice in the file), the rows that update a person
   already in the directory (same address), and the near-identical names in the same
   organisation, which the organiser may merge.
3. ``apply`` writes every row in one transaction, checking it all again first: the
   whole file is imported or nothing is.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries
from openpyxl import load_workbook
from rapidfuzz import fuzz

from .models import Affiliation, ImportBatch, Organisation, Person, PersonEmail, Tag
from .spreadsheets import FORMULA_STARTS
from .vocabularies import Gender, Sector, StakeholderGroup, ValueChainStage, region_of

MAX_BYTES = 10 * 1024 * 1024  # 10 MB: about 50,000 rows of a typical contact list
MAX_ROWS = 50_000
MAX_COLUMNS = 60
MAX_CELL = 2_000
NEAR_DUPLICATE_SCORE = 90  # rapidfuzz token_sort_ratio of two normalised names, 0-100


class ImportRefused(Exception):
    """The whole file is refused, with a message for the organiser."""


# --------------------------------------------------------------------------- columns

IGNORE = ""
# target -> (label, header spellings recognised when guessing the mapping)
FIELDS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "name": (gettext_lazy("Name"), ("name", "full name", "person", "nom", "nombre", "nome")),
    "email": (gettext_lazy("Email (several separated by ; or ,)"), ("email", "e-mail", "emails", "mail", "email address", "correo")),
    "organisation": (gettext_lazy("Organisation"), ("organisation", "organization", "company", "org", "institution", "organisation name")),
    "role": (gettext_lazy("Role in the organisation"), ("role", "position", "title", "job title", "function")),
    "delegate": (gettext_lazy("Delegate of the organisation (yes/no)"), ("delegate", "is delegate", "speaks for organisation")),
    "stakeholder_group": (gettext_lazy("Stakeholder group"), ("stakeholder group", "group", "stakeholder", "category")),
    "country": (gettext_lazy("Country"), ("country", "pays", "país", "pais")),
    "sector": (gettext_lazy("Sector"), ("sector", "secteur")),
    "gender": (gettext_lazy("Gender"), ("gender", "sex", "genre", "género")),
    "languages": (gettext_lazy("Languages"), ("languages", "language", "langues")),
    "tags": (gettext_lazy("Expertise tags"), ("tags", "expertise", "topics", "keywords")),
    "source": (gettext_lazy("Source (how we know them)"), ("source", "how we know them", "met at")),
    "notes": (gettext_lazy("Notes"), ("notes", "note", "comments", "remarks")),
    "org_stakeholder_group": (gettext_lazy("Organisation's stakeholder group"), ("organisation group", "organization group", "organisation stakeholder group", "organization stakeholder group")),
    "org_country": (gettext_lazy("Organisation's country"), ("organisation country", "organization country", "headquarters")),
    "org_value_chain_stage": (gettext_lazy("Organisation's value-chain stage"), ("value chain stage", "value-chain stage", "supply chain stage", "stage")),
    "org_website": (gettext_lazy("Organisation's website"), ("website", "web", "url", "organisation website", "organization website")),
}  # fmt: skip


def _fold(text: str) -> str:
    """Lower case, accents and punctuation dropped, spaces collapsed."""
    text = unicodedata.normalize("NFKD", str(text)).casefold()
    text = "".join(c if c.isalnum() else " " for c in text if not unicodedata.combining(c))
    return " ".join(text.split())


_HEADER_INDEX = {
    _fold(alias): target for target, (_l, aliases) in FIELDS.items() for alias in aliases
}


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """{column index as text: target field} for the headers recognised (each target once)."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for index, header in enumerate(headers):
        target = _HEADER_INDEX.get(_fold(header))
        if target and target not in used:
            mapping[str(index)] = target
            used.add(target)
    return mapping


def clean_mapping(headers: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """The organiser's mapping checked: known targets, each at most once, a name column."""
    cleaned: dict[str, str] = {}
    seen: dict[str, int] = {}
    for key, target in mapping.items():
        if target == IGNORE:
            continue
        if target not in FIELDS:
            raise ImportRefused(_("Unknown field: %(f)s.") % {"f": target})
        if not key.isdigit() or int(key) >= len(headers):
            raise ImportRefused(_("Unknown column: %(c)s.") % {"c": key})
        if target in seen:
            raise ImportRefused(
                _("Two columns (%(a)s and %(b)s) are both mapped to %(f)s.")
                % {"a": headers[seen[target]], "b": headers[int(key)], "f": FIELDS[target][0]}
            )
        seen[target] = int(key)
        cleaned[key] = target
    if "name" not in seen:
        raise ImportRefused(_("Choose the column that holds the names: it is required."))
    return cleaned


# --------------------------------------------------------------------------- reading


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ImportRefused(_("The file says it is UTF-16 text but is not.")) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRefused(
            _(
                "The file is not UTF-8 text (byte 0x%(byte)02x on line %(line)s). Save it "
                "as “CSV UTF-8” (Excel) or choose the UTF-8 character set "
                "(LibreOffice), then upload it again."
            )
            % {"byte": data[exc.start], "line": line}
        ) from exc


def _read_csv(data: bytes) -> list[list[str]]:
    text = _decode(data)
    if "\x00" in text:
        raise ImportRefused(_("The file holds binary data; upload a CSV or XLSX file."))
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return [[_cell(c) for c in row] for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as exc:
        raise ImportRefused(_("The CSV file could not be read: %(e)s.") % {"e": exc}) from exc


def _read_xlsx(data: bytes) -> list[list[str]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ImportRefused(_("The file is not a readable XLSX workbook.")) from exc
    sheet = book.worksheets[0]
    rows: list[list[str]] = []
    for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1):
        rows.append([_cell(c) for c in row])
        if len(rows) > MAX_ROWS + 1:
            break
    book.close()
    return rows


def read_table(*, filename: str, data: bytes) -> Table:
    if len(data) > MAX_BYTES:
        raise ImportRefused(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {
                "size": number_format(len(data) / 1024 / 1024, decimal_pos=1),
                "limit": MAX_BYTES // 1024 // 1024,
            }
        )
    name = (filename or "").lower()
    if name.endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        rows = _read_xlsx(data)
    elif name.endswith((".csv", ".txt", ".tsv")):
        rows = _read_csv(data)
    else:
        raise ImportRefused(_("Upload a CSV or XLSX file."))
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows or not any(rows[0]):
        raise ImportRefused(_("The file is empty: its first row should name the columns."))
    headers = rows[0]
    while headers and not headers[-1]:
        headers.pop()
    if len(headers) > MAX_COLUMNS:
        raise ImportRefused(_("The file has more than %(n)s columns.") % {"n": MAX_COLUMNS})
    body = [r[: len(headers)] + [""] * (len(headers) - len(r)) for r in rows[1:] if any(r)]
    if not body:
        raise ImportRefused(_("The file has column names but no rows."))
    if len(body) > MAX_ROWS:
        raise ImportRefused(_("The file has more than %(n)s rows.") % {"n": f"{MAX_ROWS:,}"})
    return Table(headers=[h or _("column %(n)s") % {"n": i + 1} for i, h in enumerate(headers)],
                 rows=body)  # fmt: skip


# --------------------------------------------------------------------------- checking values


def _choice_index(choices: Iterable[tuple[str, Any]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for value, label in choices:
        if value:
            index[_fold(value)] = value
            index[_fold(str(label))] = value
    return index


_UNDISCLOSED = {"", "prefer not to say", "n a", "na", "none", "unknown", "not stated"}
_YES = {"yes", "y", "true", "1", "x", "oui", "si", "sí", "sim"}
_NO = {"no", "n", "false", "0", "non", "nao", "não", ""}


def _country_index() -> dict[str, str]:
    index = {_fold(code): code for code, _name in countries}
    index.update({_fold(name): code for code, name in countries})
    from django_countries.data import COUNTRIES

    index.update({_fold(name): code for code, name in COUNTRIES.items()})
    index.update({"uk": "GB", "usa": "US", "drc": "CD", "england": "GB", "russia": "RU"})
    return index


@dataclass
class RowCheck:
    """One row of the file as the preview shows it."""

    line: int  # line in the file (the header is line 1)
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    updates: int | None = None  # id of the person with the same address
    updates_name: str = ""
    near: list[tuple[str, str]] = field(default_factory=list)  # (key, label) merge candidates

    @property
    def ok(self) -> bool:
        return not self.errors


class _Checker:
    def __init__(self) -> None:
        self.groups = _choice_index(StakeholderGroup.choices)
        self.sectors = _choice_index(Sector.choices)
        self.genders = _choice_index(Gender.choices)
        self.stages = _choice_index(ValueChainStage.choices)
        self.countries = _country_index()

    def choice(self, index: dict[str, str], raw: str, what: str, errors: list[str]) -> str:
        folded = _fold(raw)
        if folded in _UNDISCLOSED:
            return ""
        value = index.get(folded)
        if value is None:
            errors.append(_("unknown %(what)s “%(raw)s”") % {"what": what, "raw": raw})
            return ""
        return value

    def country(self, raw: str, errors: list[str]) -> str:
        if _fold(raw) in _UNDISCLOSED:
            return ""
        code = self.countries.get(_fold(raw))
        if code is None:
            errors.append(_("unknown country “%(raw)s”") % {"raw": raw})
            return ""
        return code

    def row(self, line: int, cells: dict[str, str]) -> RowCheck:
        check = RowCheck(line=line)
        errors = check.errors
        for target, raw in cells.items():
            if raw[:1] in FORMULA_STARTS and not _is_number(raw):
                errors.append(
                    _("%(col)s starts with “%(c)s” like a spreadsheet formula")
                    % {"col": FIELDS[target][0], "c": raw[:1]}
                )
                cells[target] = ""
            elif len(raw) > MAX_CELL:
                errors.append(
                    _("%(col)s is longer than %(n)s characters")
                    % {"col": FIELDS[target][0], "n": MAX_CELL}
                )
                cells[target] = ""
        v = check.values
        v["name"] = " ".join(cells.get("name", "").split())[:120]
        if not v["name"]:
            errors.append(_("no name"))
        emails = []
        for raw in cells.get("email", "").replace(",", ";").split(";"):
            address = raw.strip().lower()
            if not address:
                continue
            try:
                validate_email(address)
            except ValidationError:
                errors.append(_("“%(e)s” is not a valid email address") % {"e": raw.strip()})
                continue
            emails.append(address)
        v["emails"] = list(dict.fromkeys(emails))
        v["organisation"] = " ".join(cells.get("organisation", "").split())[:200]
        v["role"] = cells.get("role", "")[:120]
        delegate = _fold(cells.get("delegate", ""))
        if delegate not in _YES | _NO:
            errors.append(_("delegate should be yes or no, not “%(v)s”") % {"v": cells["delegate"]})
        v["delegate"] = delegate in _YES
        v["stakeholder_group"] = self.choice(
            self.groups, cells.get("stakeholder_group", ""), _("stakeholder group"), errors
        )
        v["country"] = self.country(cells.get("country", ""), errors)
        v["sector"] = self.choice(self.sectors, cells.get("sector", ""), _("sector"), errors)
        v["gender"] = self.choice(self.genders, cells.get("gender", ""), _("gender"), errors)
        v["languages"] = sorted(
            {
                x.strip().lower()[:8]
                for x in cells.get("languages", "").replace(",", ";").split(";")
                if x.strip()
            }
        )
        v["tags"] = sorted(
            {
                x.strip().lower()[:60]
                for x in cells.get("tags", "").replace(",", ";").split(";")
                if x.strip()
            }
        )
        v["source"] = cells.get("source", "")[:200]
        v["notes"] = cells.get("notes", "")
        v["org_stakeholder_group"] = self.choice(
            self.groups,
            cells.get("org_stakeholder_group", ""),
            _("organisation's stakeholder group"),
            errors,
        )
        v["org_country"] = self.country(cells.get("org_country", ""), errors)
        v["org_value_chain_stage"] = self.choice(
            self.stages, cells.get("org_value_chain_stage", ""), _("value-chain stage"), errors
        )
        website = cells.get("org_website", "")
        if website and not website.startswith(("http://", "https://")):
            website = "https://" + website
        v["org_website"] = website[:200]
        if any(k.startswith("org_") and v[k] for k in v) and not v["organisation"]:
            errors.append(_("organisation details without an organisation name"))
        return check  # fmt: skip


def _is_number(raw: str) -> bool:
    try:
        float(raw)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- preview


@dataclass
class Preview:
    rows: list[RowCheck]
    mapping: dict[str, str]
    unmapped: list[str]

    @property
    def errors(self) -> list[RowCheck]:
        return [r for r in self.rows if r.errors]

    @property
    def valid(self) -> list[RowCheck]:
        return [r for r in self.rows if not r.errors]

    @property
    def updates(self) -> list[RowCheck]:
        return [r for r in self.rows if not r.errors and r.updates]

    @property
    def near_duplicates(self) -> list[RowCheck]:
        return [r for r in self.rows if not r.errors and r.near]


def preview(*, batch: ImportBatch, mapping: dict[str, str] | None = None) -> Preview:
    """Every row of the batch checked against the file and the directory as it is now."""
    mapping = clean_mapping(batch.headers, batch.mapping if mapping is None else mapping)
    checker = _Checker()
    rows: list[RowCheck] = []
    for n, raw in enumerate(batch.rows):
        cells = {target: raw[int(key)] for key, target in mapping.items()}
        rows.append(checker.row(n + 2, cells))
    _find_duplicates(rows)
    unmapped = [h for i, h in enumerate(batch.headers) if str(i) not in mapping]
    return Preview(rows=rows, mapping=mapping, unmapped=unmapped)


def _find_duplicates(rows: list[RowCheck]) -> None:
    # The same address twice in the file.
    first_line: dict[str, int] = {}
    for row in rows:
        for address in row.values.get("emails", []):
            if address in first_line:
                row.errors.append(
                    _("%(e)s is also on line %(n)s") % {"e": address, "n": first_line[address]}
                )
            else:
                first_line[address] = row.line
    # An address already in the directory: the row updates that person.
    known = dict(
        PersonEmail.objects.filter(email__in=list(first_line)).values_list("email", "person_id")
    )
    names = dict(Person.objects.filter(pk__in=set(known.values())).values_list("pk", "name"))
    for row in rows:
        people = {known[a] for a in row.values.get("emails", []) if a in known}
        if len(people) > 1:
            row.errors.append(_("its addresses belong to different people in the directory"))
        elif people:
            row.updates = people.pop()
            row.updates_name = names[row.updates]
    # Near-identical names in the same organisation (in the file or the directory).
    by_org: dict[str, list[RowCheck]] = defaultdict(list)
    for row in rows:
        if row.ok and row.values["organisation"]:
            by_org[_fold(row.values["organisation"])].append(row)
    existing: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for pk, name, org in Affiliation.objects.filter(
        organisation__name__in={
            r.values["organisation"] for group in by_org.values() for r in group
        }
    ).values_list("person_id", "person__name", "organisation__name"):
        existing[_fold(org)].append((pk, name))
    for org, group in by_org.items():
        folded = [_fold(r.values["name"]) for r in group]
        for i, row in enumerate(group):
            for pk, name in existing.get(org, ()):
                if pk != row.updates and _similar(folded[i], _fold(name)):
                    row.near.append((f"person:{pk}", name))
            for j in range(i):
                if _similar(folded[i], folded[j]):
                    row.near.append((f"line:{group[j].line}", group[j].values["name"]))


def _similar(a: str, b: str) -> bool:
    return a == b or fuzz.token_sort_ratio(a, b) >= NEAR_DUPLICATE_SCORE


# --------------------------------------------------------------------------- apply


@dataclass
class ImportResult:
    created: int
    updated: int
    merged: int
    organisations_created: int
    skipped: int


def start(*, by: AbstractBaseUser, filename: str, data: bytes, listed_source: str) -> ImportBatch:
    """Read an upload into a pending batch (nothing reaches the directory yet)."""
    listed_source = " ".join((listed_source or "").split())
    if not listed_source:
        raise ImportRefused(_("Name the source of this list (for example “Forum 2026 attendees”)."))
    table = read_table(filename=filename, data=data)
    return ImportBatch.objects.create(
        created_by=by,
        filename=(filename or "upload")[:200],
        listed_source=listed_source[:200],
        headers=table.headers,
        rows=table.rows,
        mapping=guess_mapping(table.headers),
    )


@transaction.atomic
def apply(
    *,
    batch: ImportBatch,
    by: AbstractBaseUser,
    mapping: dict[str, str],
    merges: dict[int, str] | None = None,
    skip_invalid: bool = False,
) -> ImportResult:
    """Write the batch to the directory, all of it or nothing.

    ``merges`` maps a line to the candidate ("person:<id>" or "line:<n>") the organiser
    chose to merge it with; rows with errors refuse the whole import unless
    ``skip_invalid`` says to leave them out."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportBatch.Status.PENDING:
        raise ImportRefused(_("This file was already imported or discarded."))
    if batch.created_by_id != by.pk:
        raise ImportRefused(_("Only the person who uploaded this file can import it."))
    checked = preview(batch=batch, mapping=mapping)
    if checked.errors and not skip_invalid:
        raise ImportRefused(
            _("%(n)s rows have errors: correct the file, or choose to leave those rows out.")
            % {"n": len(checked.errors)}
        )
    merges = merges or {}
    rows = checked.valid
    candidates = {r.line: {key for key, _label in r.near} for r in rows}
    for line, target in merges.items():
        if target and target not in candidates.get(line, set()):
            raise ImportRefused(_("Line %(n)s cannot be merged with that record.") % {"n": line})

    now = timezone.now()
    orgs = _organisations(rows)
    # Which rows become which person: an existing one (same address, or merged into a
    # directory record), the person of an earlier line (merged), or a new one.
    line_person: dict[int, Person] = {}
    existing_ids = {r.updates for r in rows if r.updates}
    existing_ids |= {int(t.split(":")[1]) for t in merges.values() if t.startswith("person:")}
    existing = Person.objects.in_bulk(existing_ids)
    new_people: list[Person] = []
    updated: set[int] = set()
    merged = 0
    for row in rows:
        target = merges.get(row.line, "")
        if row.updates:
            person = existing[row.updates]
            updated.add(person.pk)
        elif target.startswith("person:"):
            person = existing[int(target.split(":")[1])]
            updated.add(person.pk)
            merged += 1
        elif target.startswith("line:"):
            person = line_person[int(target.split(":")[1])]
            merged += 1
        else:
            person = Person(basis=Person.Basis.LISTED, listed_source=batch.listed_source,
                            created_at=now, updated_at=now)  # fmt: skip
            new_people.append(person)
        _fill(person, row.values)
        line_person[row.line] = person
    Person.objects.bulk_create(new_people, batch_size=2000)
    Person.objects.bulk_update(
        [existing[pk] for pk in updated],
        ["name", "stakeholder_group", "country", "region", "sector", "gender", "languages",
         "source", "notes"],
        batch_size=2000,
    )  # fmt: skip

    have_email = set(
        PersonEmail.objects.filter(person__in=[p.pk for p in line_person.values()]).values_list(
            "person_id", "email"
        )
    )
    has_primary = {pid for pid, _e in have_email}
    emails, affiliations, person_tags = [], {}, defaultdict(set)
    for row in rows:
        person = line_person[row.line]
        for address in row.values["emails"]:
            if (person.pk, address) in have_email:
                continue
            emails.append(
                PersonEmail(person=person, email=address, is_primary=person.pk not in has_primary)
            )
            have_email.add((person.pk, address))
            has_primary.add(person.pk)
        if row.values["organisation"]:
            org = orgs[_fold(row.values["organisation"])]
            wanted = affiliations.setdefault((person.pk, org.pk), ["", False])
            wanted[0] = row.values["role"] or wanted[0]
            wanted[1] = wanted[1] or row.values["delegate"]
        person_tags[person.pk] |= set(row.values["tags"])
    PersonEmail.objects.bulk_create(emails, batch_size=2000)
    _affiliate(affiliations)
    _add_tags(person_tags)

    result = ImportResult(
        created=len(new_people),
        updated=len(updated),
        merged=merged,
        organisations_created=sum(1 for o in orgs.values() if getattr(o, "_created", False)),
        skipped=len(checked.errors),
    )
    batch.status = ImportBatch.Status.APPLIED
    batch.applied_at = now
    batch.mapping = checked.mapping
    batch.result = result.__dict__
    batch.rows = []  # the file's content is in the directory now; do not keep a copy
    batch.save(update_fields=["status", "applied_at", "mapping", "result", "rows"])
    return result


def _fill(person: Person, v: dict[str, Any]) -> None:
    """Set what the row says; an empty cell keeps what the directory has."""
    person.name = v["name"] or person.name
    for name in ("stakeholder_group", "country", "sector", "gender", "source"):
        if v[name]:
            setattr(person, name, v[name])
    person.region = region_of(person.country)
    if v["languages"]:
        person.languages = sorted(set(person.languages or []) | set(v["languages"]))
    if v["notes"] and v["notes"] not in (person.notes or ""):
        person.notes = f"{person.notes}\n\n{v['notes']}".strip() if person.notes else v["notes"]


def _organisations(rows: list[RowCheck]) -> dict[str, Organisation]:
    """The organisations the rows name, found by name (case and accents aside) or created."""
    wanted: dict[str, dict[str, Any]] = {}
    for row in rows:
        v = row.values
        if not v["organisation"]:
            continue
        details = wanted.setdefault(_fold(v["organisation"]), {"name": v["organisation"]})
        for key in ("org_stakeholder_group", "org_country", "org_value_chain_stage", "org_website"):
            if v[key]:
                details.setdefault(key[4:], v[key])
    found: dict[str, Organisation] = {}
    for org in Organisation.objects.filter(name__in=[d["name"] for d in wanted.values()]):
        found.setdefault(_fold(org.name), org)
    missing = {k: d for k, d in wanted.items() if k not in found}
    if len(missing) > 0:
        # Spellings differing in case or accents only: match them in Python.
        for org in Organisation.objects.only("id", "name", "country"):
            key = _fold(org.name)
            if key in missing and key not in found:
                found[key] = org
    to_create = []
    for key, details in wanted.items():
        if key in found:
            continue
        org = Organisation(**details)
        org._created = True
        to_create.append(org)
        found[key] = org
    Organisation.objects.bulk_create(to_create, batch_size=1000)
    return found


def _affiliate(wanted: dict[tuple[int, int], list]) -> None:
    """Add the affiliations; one the directory has keeps its role unless the file names
    one, and becomes a delegate's if the file says so."""
    people = {pid for pid, _org in wanted}
    current = {
        (a.person_id, a.organisation_id): a
        for a in Affiliation.objects.filter(
            person__in=people, organisation__in={o for _p, o in wanted}
        )
    }
    new, changed = [], []
    for (pid, oid), (role, delegate) in wanted.items():
        known = current.get((pid, oid))
        if known is None:
            new.append(
                Affiliation(person_id=pid, organisation_id=oid, role=role, is_delegate=delegate)
            )
        elif (role and role != known.role) or (delegate and not known.is_delegate):
            known.role = role or known.role
            known.is_delegate = known.is_delegate or delegate
            changed.append(known)
    Affiliation.objects.bulk_create(new, batch_size=2000)
    Affiliation.objects.bulk_update(changed, ["role", "is_delegate"], batch_size=2000)


def _add_tags(person_tags: dict[int, set[str]]) -> None:
    names = set().union(*person_tags.values()) if person_tags else set()
    if not names:
        return
    Tag.objects.bulk_create([Tag(name=n) for n in names], ignore_conflicts=True)
    ids = dict(Tag.objects.filter(name__in=names).values_list("name", "id"))
    Through = Person.tags.through
    Through.objects.bulk_create(
        [
            Through(person_id=pid, tag_id=ids[name])
            for pid, tags in person_tags.items()
            for name in tags
        ],
        ignore_conflicts=True,
        batch_size=5000,
    )


def discard(*, batch: ImportBatch, by: AbstractBaseUser) -> None:
    if batch.created_by_id != by.pk:
        raise ImportRefused(_("Only the person who uploaded this file can discard it."))
    if batch.status == ImportBatch.Status.PENDING:
        batch.status = ImportBatch.Status.DISCARDED
        batch.rows = []
        batch.save(update_fields=["status", "rows"])
