"""Importing the spreadsheets organisers keep: nothing is written before the organiser
confirms, then all or nothing; every bad file or row is refused with its reason."""

import io

import pytest
from openpyxl import Workbook

from people import imports
from people.imports import ImportRefused
from people.models import Affiliation, ImportBatch, Organisation, Person, PersonEmail
from people.services import create_person
from tests.factories import make_user

pytestmark = pytest.mark.django_db

HEADER = "Name,Email,Organisation,Role,Stakeholder group,Country,Gender,Tags,Delegate\n"


def csv_bytes(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return (header + "\n".join(rows) + "\n").encode(encoding)


def start(data: bytes, filename="people.csv", by=None):
    return imports.start(by=by or make_user(), filename=filename, data=data,
                         listed_source="Forum 2026 attendees")  # fmt: skip


def test_guessed_mapping_preview_and_apply_write_people_organisations_and_tags():
    batch = start(csv_bytes(
        "Ana Pérez,ana@andes.example,Andes Lithium,CEO,\"Industry: upstream (mining, processing)\",Chile,Woman,cobalt;due diligence,yes",
        "Lucas Silva,LUCAS@ong.example; lucas2@ong.example,Ong Verde,,civil_society,BR,man,,no",
    ))  # fmt: skip
    assert batch.mapping == {str(i): t for i, t in enumerate(
        ["name", "email", "organisation", "role", "stakeholder_group", "country", "gender",
         "tags", "delegate"])}  # fmt: skip
    assert Person.objects.count() == 0  # nothing before confirmation

    checked = imports.preview(batch=batch)
    assert [r.errors for r in checked.rows] == [[], []]
    assert checked.rows[0].values["stakeholder_group"] == "industry_upstream"
    assert checked.rows[0].values["country"] == "CL"

    result = imports.apply(batch=batch, by=batch.created_by, mapping=batch.mapping)
    assert (result.created, result.updated, result.organisations_created) == (2, 0, 2)
    ana = Person.objects.get(name="Ana Pérez")
    assert (ana.region, ana.gender, ana.basis, ana.listed_source) == (
        "latin_america", "woman", "listed", "Forum 2026 attendees")  # fmt: skip
    assert sorted(ana.tags.values_list("name", flat=True)) == ["cobalt", "due diligence"]
    aff = Affiliation.objects.get(person=ana)
    assert (aff.organisation.name, aff.role, aff.is_delegate) == ("Andes Lithium", "CEO", True)
    lucas = Person.objects.get(name="Lucas Silva")
    assert list(lucas.emails.values_list("email", "is_primary")) == [
        ("lucas@ong.example", True), ("lucas2@ong.example", False)]  # fmt: skip
    batch.refresh_from_db()
    assert batch.status == "applied" and batch.rows == []
    with pytest.raises(ImportRefused, match="already imported"):
        imports.apply(batch=batch, by=batch.created_by, mapping=batch.mapping)


def test_every_bad_row_has_its_reason_and_nothing_is_written():
    batch = start(csv_bytes(
        ",nobody@example.org,,,,,,,",
        "Bad Mail,not-an-email,,,,,,,",
        "Bad Country,bc@example.org,,,,Atlantis,,,",
        "Bad Group,bg@example.org,,,aliens,,,,",
        "=HYPERLINK(\"http://evil\"),f@example.org,,,,,,,",
        "Twice,bc@example.org,,,,,,,",
        "Maybe,m@example.org,,,,,,,perhaps",
        "Good One,good@example.org,,,,,,,",
    ))  # fmt: skip
    checked = imports.preview(batch=batch)
    reasons = {r.line: "; ".join(r.errors) for r in checked.rows}
    assert "no name" in reasons[2]
    assert "not a valid email" in reasons[3]
    assert "unknown country" in reasons[4] and "Atlantis" in reasons[4]
    assert "unknown stakeholder group" in reasons[5]
    assert "spreadsheet formula" in reasons[6]
    assert "also on line 4" in reasons[7]
    assert "yes or no" in reasons[8]
    assert reasons[9] == ""
    with pytest.raises(ImportRefused, match="7 rows have errors"):
        imports.apply(batch=batch, by=batch.created_by, mapping=batch.mapping)
    assert Person.objects.count() == 0 and Organisation.objects.count() == 0
    # Leaving the bad rows out, explicitly, imports the good one.
    result = imports.apply(batch=batch, by=batch.created_by, mapping=batch.mapping,
                           skip_invalid=True)  # fmt: skip
    assert (result.created, result.skipped) == (1, 7)
    assert list(Person.objects.values_list("name", flat=True)) == ["Good One"]


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        ("Name,Email\nJosé,j@example.org\n".encode("latin-1"), "p.csv", "not UTF-8"),
        (b"", "p.csv", "empty"),
        (b"Name,Email\n", "p.csv", "no rows"),
        (b"%PDF-1.4 binary", "p.pdf", "CSV or XLSX"),
        (b"PK\x03\x04 not really a zip", "p.xlsx", "not a readable XLSX"),
        (b"x" * (imports.MAX_BYTES + 1), "p.csv", "the limit is 10 MB"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(data, filename, message):
    with pytest.raises(ImportRefused, match=message):
        start(data, filename=filename)
    assert ImportBatch.objects.count() == 0


def test_utf16_and_semicolons_as_excel_writes_them():
    data = "Name;Email;Country\nNguyễn Thị Lan;lan@example.vn;Viet Nam\n".encode("utf-16")
    batch = start(data, filename="contacts.txt")
    checked = imports.preview(batch=batch)
    assert checked.rows[0].values["name"] == "Nguyễn Thị Lan"
    assert checked.rows[0].values["country"] == "VN"


def test_mapping_refuses_a_missing_name_column_and_a_target_twice():
    batch = start(csv_bytes("A,a@example.org,,,,,,,"))
    with pytest.raises(ImportRefused, match="names"):
        imports.preview(batch=batch, mapping={"1": "email"})
    with pytest.raises(ImportRefused, match="both mapped"):
        imports.preview(batch=batch, mapping={"0": "name", "1": "email", "2": "email"})
    with pytest.raises(ImportRefused, match="Unknown field"):
        imports.preview(batch=batch, mapping={"0": "name", "1": "password"})
    # An unknown column is simply not imported (shown as such).
    checked = imports.preview(batch=batch, mapping={"0": "name"})
    assert "Email" in checked.unmapped


def test_xlsx_with_a_formula_cell_and_numbers():
    book = Workbook()
    sheet = book.active
    sheet.append(["Name", "Email", "Notes"])
    sheet.append(["Wei Zhang", "wei@refinery.example", 2026])
    sheet.append(["Formula", "f@example.org", "=1+1"])
    out = io.BytesIO()
    book.save(out)
    batch = start(out.getvalue(), filename="people.xlsx")
    checked = imports.preview(batch=batch)
    assert checked.rows[0].values["notes"] == "2026" and checked.rows[0].ok
    assert "spreadsheet formula" in checked.rows[1].errors[0]


def test_same_address_updates_the_person_and_near_names_in_one_organisation_can_merge():
    org = Organisation.objects.create(name="Cobalt Watch")
    known = create_person(name="Thabo Nkosi", basis="listed", listed_source="2025 list",
                          emails=["thabo@watch.example"], country="ZA")  # fmt: skip
    Affiliation.objects.create(person=known, organisation=org)
    batch = start(csv_bytes(
        "Thabo Nkosi,THABO@watch.example,Cobalt Watch,Director,,,,,",
        "Amara Okafor,amara@watch.example,cobalt watch,,,,,,",
        "Amara  Okafor,amara.o@watch.example,Cobalt Watch,,,,,,",
        "Thabo Nkosi,t.nkosi@watch.example,Cobalt Watch,,,,,,",
    ))  # fmt: skip
    checked = imports.preview(batch=batch)
    rows = {r.line: r for r in checked.rows}
    assert rows[2].updates == known.pk and rows[2].near == []
    assert rows[4].near == [("line:3", "Amara Okafor")]
    assert (f"person:{known.pk}", "Thabo Nkosi") in rows[5].near
    with pytest.raises(ImportRefused, match="cannot be merged"):
        imports.apply(batch=batch, by=batch.created_by, mapping=batch.mapping,
                      merges={3: f"person:{known.pk}"})  # fmt: skip
    result = imports.apply(batch=batch, by=batch.created_by, mapping=batch.mapping,
                           merges={4: "line:3", 5: f"person:{known.pk}"})  # fmt: skip
    assert (result.created, result.updated, result.merged, result.organisations_created) == (
        1, 1, 2, 0)  # fmt: skip
    assert Person.objects.count() == 2
    assert sorted(known.emails.values_list("email", flat=True)) == [
        "t.nkosi@watch.example", "thabo@watch.example"]  # fmt: skip
    amara = Person.objects.get(name="Amara Okafor")
    assert sorted(amara.emails.values_list("email", flat=True)) == [
        "amara.o@watch.example", "amara@watch.example"]  # fmt: skip
    assert Affiliation.objects.get(person=known).role == "Director"
    assert PersonEmail.objects.count() == 4


def test_only_the_uploader_can_apply_and_a_source_is_required():
    batch = start(csv_bytes("A,a@example.org,,,,,,,"))
    with pytest.raises(ImportRefused, match="uploaded this file"):
        imports.apply(batch=batch, by=make_user(), mapping=batch.mapping)
    with pytest.raises(ImportRefused, match="source"):
        imports.start(by=make_user(), filename="p.csv", data=csv_bytes("A,,,,,,,,"),
                      listed_source="  ")  # fmt: skip
    assert Person.objects.count() == 0
