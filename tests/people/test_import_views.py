"""The import pages as an organiser uses them: upload, map, preview, confirm."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from people.models import ImportBatch, Person
from tests.factories import make_user

pytestmark = pytest.mark.django_db

CSV = (
    "Full name,E-mail,Company,Country,Shoe size\n"
    "Ana Pérez,ana@andes.example,Andes Lithium,Chile,38\n"
    "Wei Zhang,wei@refinery.example,Refinery Co,China,42\n"
    "Amara  Okafor,amara@ong.example,Cobalt Watch,NG,40\n"
    "Amara Okafor,a.okafor@ong.example,Cobalt Watch,NG,40\n"
    "Bad Row,not-an-email,,Atlantis,1\n"
).encode()


@pytest.fixture
def manager(client):
    from django.contrib.auth.models import Permission

    user = make_user()
    user.user_permissions.add(Permission.objects.get(codename="manage_directory"))
    client.force_login(user)
    return user


def upload(client, data=CSV, name="people.csv", source="Forum 2026 attendees"):
    return client.post(
        reverse("people:import_upload"),
        {"file": SimpleUploadedFile(name, data), "listed_source": source},
    )


def test_upload_preview_remap_and_import(client, manager):
    response = upload(client)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("people:import_preview", args=[batch.pk])
    page = client.get(response.url).content.decode()
    assert "4 rows can be imported" in page
    assert "1 row has errors" in page
    assert "unknown country “Atlantis”" in page
    assert "Shoe size" in page  # shown as not imported
    assert 'name="merge-5"' in page  # Amara Okafor twice in Cobalt Watch
    assert Person.objects.count() == 0

    # Importing with the error still there is refused, and nothing is written.
    mapping = {"col-0": "name", "col-1": "email", "col-2": "organisation", "col-3": "country"}
    refused = client.post(response.url, {**mapping, "action": "apply"})
    assert refused.status_code == 400
    assert "1 rows have errors" in refused.content.decode()
    assert Person.objects.count() == 0

    done = client.post(
        response.url, {**mapping, "action": "apply", "skip_invalid": "on", "merge-5": "line:4"}
    )
    assert done.status_code == 302
    assert sorted(Person.objects.values_list("name", flat=True)) == [
        "Amara Okafor",
        "Ana Pérez",
        "Wei Zhang",
    ]
    amara = Person.objects.get(name="Amara Okafor")
    assert amara.emails.count() == 2 and amara.region == "sub_saharan_africa"
    batch.refresh_from_db()
    assert batch.status == "applied"


def test_a_mapping_without_names_is_refused_clearly(client, manager):
    url = upload(client).url
    response = client.post(url, {"col-1": "email", "action": "remap"})
    assert response.status_code == 400
    assert "Choose the column that holds the names" in response.content.decode()
    assert ImportBatch.objects.get().mapping["0"] == "name"  # the saved mapping is kept


@pytest.mark.parametrize(
    ("data", "name", "source", "message"),
    [
        ("Name\nJosé\n".encode("cp1252"), "p.csv", "List", "not UTF-8"),
        (b"Name\nA\n", "p.csv", "", "This field is required"),
        (b"\x00\x01", "p.doc", "List", "Upload a CSV or XLSX file"),
    ],
)
def test_bad_uploads_are_refused_with_the_reason(client, manager, data, name, source, message):
    response = upload(client, data=data, name=name, source=source)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_another_manager_cannot_open_or_apply_someone_elses_upload(client, manager):
    url = upload(client).url
    other = make_user()
    from django.contrib.auth.models import Permission

    other.user_permissions.add(Permission.objects.get(codename="manage_directory"))
    client.force_login(other)
    assert client.get(url).status_code == 404
    assert client.post(url, {"col-0": "name", "action": "apply"}).status_code == 404
    assert Person.objects.count() == 0


def test_discard_keeps_nothing(client, manager):
    url = upload(client).url
    client.post(url, {"col-0": "name", "action": "discard"})
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.rows, Person.objects.count()) == ("discarded", [], 0)
