"""The directory's organiser pages through Django's test client: what each page shows,
the filters, editing, merging, exporting and the analysis grid, with their effects in
the database; bad input refused with a message and nothing changed. Who may open
which page is in test_permission_matrix.py."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from people import services
from people.models import Affiliation, AnalysisChange, ExportLog, Organisation, Person, PersonEmail
from tests.factories import login_cookie, make_user

# The browser fixtures of the frontend suite (system Chromium through Playwright).
from tests.frontend.conftest import browser, page_problems  # noqa: F401
from tests.people.factories import make_manager, make_organisation, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager():
    return make_manager()


@pytest.fixture
def mclient(client, manager):
    client.force_login(manager)
    return client


def url(name: str, *args) -> str:
    return reverse(f"people:{name}", args=args)


def text(response) -> str:
    return response.content.decode()


def flashed(response) -> str:
    from django.contrib.messages import get_messages

    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def everything() -> tuple:
    """What the directory holds, to show that a refused request changed nothing."""
    return (
        list(Person.objects.order_by("pk").values()),
        list(PersonEmail.objects.order_by("pk").values()),
        list(Affiliation.objects.order_by("pk").values()),
        list(AnalysisChange.objects.order_by("pk").values()),
        list(Organisation.objects.order_by("pk").values()),
        list(Person.tags.through.objects.order_by("pk").values()),
        list(ExportLog.objects.order_by("pk").values()),
    )


# --------------------------------------------------------------------------- the directory


@pytest.fixture
def world():
    """Two people who differ in every filtered attribute, and a third with nothing."""
    upstream = make_organisation(name="Katanga Mining", country="CD", value_chain_stage="upstream")
    recyclers = make_organisation(name="Euro Recyclers", value_chain_stage="recycling")
    ana = make_person(
        name="Ana Mwangi", emails=["ana@example.org", "ana.m@example.org"],
        stakeholder_group="policy", country="KE", sector="mining", tags=["Cobalt", "due diligence"],
    )  # fmt: skip
    services.add_affiliation(person=ana, organisation=upstream, role="Director", is_delegate=True)
    services.set_analysis(person=ana, influence=5, interest=4, by=None)
    ben = make_person(
        name="Ben Laurent", emails=["ben@example.org"], stakeholder_group="research",
        country="FR", sector="mobility", tags=["recycling"],
    )  # fmt: skip
    services.add_affiliation(person=ben, organisation=recyclers, role="Analyst")
    services.set_analysis(person=ben, influence=1, interest=2, by=None)
    services.set_do_not_contact(person=ben)
    cleo = make_person(name="Cleo Nobody", emails=[])
    return {"ana": ana, "ben": ben, "cleo": cleo, "upstream": upstream, "recyclers": recyclers}


def listed_names(response) -> set[str]:
    rows = response.context["people"]
    return {p.name for p in rows}


def test_the_directory_lists_each_person_with_their_details(mclient, world):
    response = mclient.get(url("directory"))
    assert response.status_code == 200
    html = text(response)
    assert listed_names(response) == {"Ana Mwangi", "Ben Laurent", "Cleo Nobody"}
    assert "3 people" in html
    # Name (linked), primary email, organisations with role, group, country and region.
    assert f'href="{url("person", world["ana"].pk)}">Ana Mwangi</a>' in html
    assert "ana@example.org" in html and "ana.m@example.org" not in html
    assert "Katanga Mining" in html and "(Director)" in html
    assert "Government / policy maker" in html
    assert "Kenya" in html and "Sub-Saharan Africa" in html
    assert "France" in html and "Europe" in html
    assert html.count("Do not contact") == 1  # Ben only (the header says "Contact")
    assert url("export", "csv") in html and url("export", "xlsx") in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=mwangi", {"Ana Mwangi"}),
        ("q=ben%40example", {"Ben Laurent"}),
        ("q=recyclers", {"Ben Laurent"}),
        ("group=policy", {"Ana Mwangi"}),
        ("region=europe", {"Ben Laurent"}),
        ("country=KE", {"Ana Mwangi"}),
        ("sector=mobility", {"Ben Laurent"}),
        ("stage=upstream", {"Ana Mwangi"}),
        ("tag=cobalt", {"Ana Mwangi"}),
        ("tag=Recycling", {"Ben Laurent"}),
        ("quadrant=manage_closely", {"Ana Mwangi"}),
        ("quadrant=monitor", {"Ben Laurent"}),
        ("quadrant=keep_informed", set()),
        ("contactable=on", {"Ana Mwangi"}),  # Cleo has no address
        ("group=policy&country=FR", set()),
        ("", {"Ana Mwangi", "Ben Laurent", "Cleo Nobody"}),
    ],
)
def test_each_filter_narrows_the_directory(mclient, world, query, expected):
    response = mclient.get(url("directory") + "?" + query)
    assert response.status_code == 200
    assert listed_names(response) == expected


def test_the_organisation_filter(mclient, world):
    response = mclient.get(url("directory"), {"organisation": world["recyclers"].pk})
    assert listed_names(response) == {"Ben Laurent"}
    # The chosen filters stay in the form.
    assert 'value="{}" selected'.format(world["recyclers"].pk) in text(response)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("country=XX", "Unknown country: XX."),
        ("group=kings", "kings is not one of the choices."),
        ("quadrant=everywhere", "everywhere is not one of the choices."),
        ("organisation=999999", "No such organisation in the directory."),
        ("organisation=abc", "No such organisation in the directory."),
        ("q=a%00b", "Null characters are not allowed."),
    ],
)
def test_a_filter_that_is_not_understood_lists_nobody_and_says_why(mclient, world, query, message):
    response = mclient.get(url("directory") + "?" + query)
    assert response.status_code == 400
    assert message in text(response)
    assert response.context["people"] == []


def test_pages_of_fifty_keep_the_filters_in_their_links(mclient):
    for i in range(53):
        make_person(name=f"Policy person {i:02d}", stakeholder_group="policy")
    make_person(name="Researcher", stakeholder_group="research")
    first = mclient.get(url("directory"), {"group": "policy"})
    assert len(first.context["people"]) == 50
    html = text(first)
    assert "53 people" in html and "Page 1 of 2" in html
    assert 'href="?group=policy&amp;page=2"' in html
    second = mclient.get(url("directory"), {"group": "policy", "page": "2"})
    assert len(second.context["people"]) == 3
    assert 'href="?group=policy&amp;page=1"' in text(second)
    assert "Researcher" not in text(first) + text(second)
    # A page number that is not one shows a page instead of an error.
    assert mclient.get(url("directory"), {"page": "x"}).status_code == 200


def _grow(n: int, organisation: Organisation) -> None:
    for _ in range(n):
        person = make_person(tags=["cobalt"], stakeholder_group="policy", country="BR")
        services.add_affiliation(person=person, organisation=organisation, role="Member")
        services.add_email(person=person, email=f"second.{person.pk}@example.org")


def test_the_directory_takes_the_same_number_of_queries_for_5_and_60_people(mclient):
    organisation = make_organisation()
    _grow(5, organisation)
    with CaptureQueriesContext(connection) as few:
        assert mclient.get(url("directory")).status_code == 200
    _grow(55, organisation)
    with CaptureQueriesContext(connection) as many:
        response = mclient.get(url("directory"))
    assert len(response.context["people"]) == 50
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert len(few) <= 12


# --------------------------------------------------------------------------- a person


def test_the_person_page_shows_everything_held(mclient, manager, world):
    ana = world["ana"]
    services.update_person(person=ana, languages=["en", "sw"], notes="Met in Nairobi.",
                           source="Nairobi workshop")  # fmt: skip
    services.record_bounce(email="ana.m@example.org", reason="550 mailbox unavailable")
    services.set_analysis(person=ana, influence=3, interest=3, by=manager)
    html = text(mclient.get(url("person", ana.pk)))
    for expected in (
        "Ana Mwangi", "ana@example.org", "primary", "ana.m@example.org", "bounced on",
        "550 mailbox unavailable", "Katanga Mining", "Director", "Yes, speaks for it",
        "cobalt", "due diligence", "en, sw", "Met in Nairobi.", "Nairobi workshop",
        "Listed by an organiser", "Member list of the Responsible Minerals Forum",
        "Government / policy maker", "Kenya", "Mining and processing",
        "Influence 3, interest 3 (of 5).", "Manage closely",
    ):  # fmt: skip
        assert expected in html, expected
    # The history: the first placement (by nobody) and the manager's change.
    history = html[html.index("<h3>History</h3>") :]
    assert history.count('<tr class="change">') == 2
    assert manager.username in history


def test_a_consented_person_shows_the_date_and_text_version(mclient):
    person = make_person(
        basis="consent", consented_at=timezone.make_aware(dt.datetime(2026, 3, 2)),
        consent_text_version="v2026-02",
    )  # fmt: skip
    html = text(mclient.get(url("person", person.pk)))
    assert "Consented" in html and "2026-03-02" in html and "v2026-02" in html
    assert "Do not contact" in html and "Mark do not contact" in html


def test_an_unknown_person_is_not_found(mclient):
    assert mclient.get(url("person", 999999)).status_code == 404


def test_editing_a_person_saves_their_fields_and_region_follows_the_country(mclient, world):
    ana = world["ana"]
    form = mclient.get(url("person_edit", ana.pk))
    assert 'value="Ana Mwangi"' in text(form) and "cobalt, due diligence" in text(form)
    response = mclient.post(
        url("person_edit", ana.pk),
        {
            "name": " Ana W. Mwangi ", "stakeholder_group": "civil_society", "country": "PE",
            "sector": "renewable_energy", "gender": "woman", "languages": "es, en, es",
            "tags": "Lithium, water", "source": "Lima forum", "notes": "Moved to Lima.",
        },
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == url("person", ana.pk)
    ana.refresh_from_db()
    assert ana.name == "Ana W. Mwangi"
    assert (ana.stakeholder_group, ana.country.code, ana.region) == (
        "civil_society", "PE", "latin_america",
    )  # fmt: skip
    assert (ana.sector, ana.gender, ana.languages) == ("renewable_energy", "woman", ["en", "es"])
    assert sorted(t.name for t in ana.tags.all()) == ["lithium", "water"]
    assert (ana.source, ana.notes) == ("Lima forum", "Moved to Lima.")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "   "}, "A person needs a name."),
        ({"name": ""}, "A person needs a name."),
        ({"country": "XX"}, "Unknown country: XX."),
        ({"stakeholder_group": "kings"}, "kings is not one of the choices."),
        ({"gender": "robot"}, "robot is not one of the choices."),
        ({"name": "x" * 121}, "Ensure this value has at most 120 characters"),
        ({"tags": "fine, " + "t" * 61}, "Keep each tag under 60 characters."),
        ({"notes": "a\x00b"}, "Null characters are not allowed."),
    ],
)
def test_a_bad_edit_is_refused_with_a_message_and_nothing_changes(mclient, world, change, message):
    ana = world["ana"]
    before = everything()
    data = {"name": "Ana Mwangi", "stakeholder_group": "policy", "country": "KE", "tags": "x"}
    response = mclient.post(url("person_edit", ana.pk), {**data, **change})
    assert response.status_code == 400
    assert message in text(response)
    assert "Nothing was saved" in text(response)
    assert everything() == before


def test_adding_an_email(mclient, world):
    cleo = world["cleo"]
    response = mclient.post(url("add_email", cleo.pk), {"email": " Cleo@Example.ORG "})
    assert response.status_code == 302
    address = PersonEmail.objects.get(person=cleo)
    assert (address.email, address.is_primary) == ("cleo@example.org", True)
    assert "cleo@example.org added." in flashed(response)
    mclient.post(url("add_email", cleo.pk), {"email": "cleo2@example.org"})
    assert list(cleo.emails.values_list("email", "is_primary")) == [
        ("cleo@example.org", True), ("cleo2@example.org", False),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("not-an-address", "not-an-address is not a valid email address."),
        ("", "This field is required."),
        ("BEN@example.org", "ben@example.org already belongs to someone in the directory."),
    ],
)
def test_a_bad_email_is_refused_with_a_message(mclient, world, email, message):
    before = everything()
    response = mclient.post(url("add_email", world["cleo"].pk), {"email": email})
    assert response.status_code == 400
    assert message in text(response)
    assert everything() == before


def test_affiliations_are_added_changed_and_removed(mclient, world):
    cleo, upstream = world["cleo"], world["upstream"]
    response = mclient.post(
        url("add_affiliation", cleo.pk),
        {"organisation": upstream.pk, "role": "Board member", "is_delegate": "on"},
    )
    assert response.status_code == 302
    affiliation = Affiliation.objects.get(person=cleo)
    assert (affiliation.organisation, affiliation.role, affiliation.is_delegate) == (
        upstream, "Board member", True,
    )  # fmt: skip
    # The same organisation again changes the role rather than adding a second row.
    mclient.post(url("add_affiliation", cleo.pk), {"organisation": upstream.pk, "role": "Chair"})
    affiliation = Affiliation.objects.get(person=cleo)
    assert (affiliation.role, affiliation.is_delegate) == ("Chair", False)
    html = text(mclient.get(url("person", cleo.pk)))
    assert "Chair" in html and "Remove from Katanga Mining" in html
    response = mclient.post(url("remove_affiliation", cleo.pk, affiliation.pk))
    assert response.status_code == 302
    assert not Affiliation.objects.filter(person=cleo).exists()
    # Someone else's affiliation is not removed through this person's page.
    theirs = Affiliation.objects.get(person=world["ana"])
    assert mclient.post(url("remove_affiliation", cleo.pk, theirs.pk)).status_code == 404
    assert Affiliation.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"organisation": "999999"}, "No such organisation in the directory."),
        ({"organisation": ""}, "Choose an organisation."),
        ({"organisation": "ORG", "role": "r" * 121}, "Ensure this value has at most 120"),
    ],
)
def test_a_bad_affiliation_is_refused(mclient, world, data, message):
    if data["organisation"] == "ORG":
        data = {**data, "organisation": world["upstream"].pk}
    before = everything()
    response = mclient.post(url("add_affiliation", world["cleo"].pk), data)
    assert response.status_code == 400
    assert message in text(response)
    assert everything() == before


def test_marking_do_not_contact(mclient, world):
    ana = world["ana"]
    response = mclient.post(url("do_not_contact", ana.pk))
    assert response.status_code == 302
    ana.refresh_from_db()
    assert ana.do_not_contact and ana.do_not_contact_at is not None
    assert "marked do not contact" in flashed(response)
    html = text(mclient.get(url("person", ana.pk)))
    assert "Yes, since" in html and "Mark do not contact" not in html
    listed = mclient.get(url("directory"), {"contactable": "on"})
    assert "Ana Mwangi" not in listed_names(listed)


# --------------------------------------------------------------------------- creating


def test_creating_a_listed_person(mclient):
    response = mclient.post(
        url("person_create"),
        {
            "name": "Dana Okafor", "emails": "Dana@example.org\ndana.o@example.org",
            "basis": "listed", "listed_source": "OECD forum participant list 2026",
            "stakeholder_group": "finance", "country": "NG", "tags": "ESG, cobalt",
            "languages": "en", "consent_text_version": "ignored for a listed record",
        },
    )  # fmt: skip
    person = Person.objects.get(name="Dana Okafor")
    assert response.status_code == 302 and response["Location"] == url("person", person.pk)
    assert (person.basis, person.listed_source) == ("listed", "OECD forum participant list 2026")
    assert person.consent_text_version == "" and person.consented_at is None
    assert (person.country.code, person.region) == ("NG", "sub_saharan_africa")
    assert list(person.emails.values_list("email", "is_primary")) == [
        ("dana@example.org", True), ("dana.o@example.org", False),
    ]  # fmt: skip
    assert sorted(t.name for t in person.tags.all()) == ["cobalt", "esg"]


def test_creating_a_consented_person(mclient):
    response = mclient.post(
        url("person_create"),
        {"name": "Eli Sato", "basis": "consent", "consented_on": "2026-05-04",
         "consent_text_version": "v3", "listed_source": "ignored"},
    )  # fmt: skip
    assert response.status_code == 302
    person = Person.objects.get(name="Eli Sato")
    assert person.basis == "consent" and person.consent_text_version == "v3"
    assert timezone.localtime(person.consented_at).date() == dt.date(2026, 5, 4)
    assert person.listed_source == ""


TOMORROW = (timezone.localdate() + dt.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"basis": "consent", "consent_text_version": "v3"},
         "A consented record needs the date of consent."),
        ({"basis": "consent", "consented_on": "2026-01-01"},
         "A consented record needs the version of the text they agreed to."),
        ({"basis": "consent", "consented_on": TOMORROW, "consent_text_version": "v3"},
         "The date of consent cannot be in the future."),
        ({"basis": "consent", "consented_on": "yesterday", "consent_text_version": "v3"},
         "Enter a valid date."),
        ({"basis": "listed"}, "A listed record needs the source it was listed from."),
        ({"basis": "listed", "listed_source": "   "},
         "A listed record needs the source it was listed from."),
        ({}, "Say why we hold this record: consent or a listed source."),
        ({"basis": "rumour"}, "Select a valid choice."),
        ({"basis": "listed", "listed_source": "S", "name": " "}, "A person needs a name."),
        ({"basis": "listed", "listed_source": "S", "emails": "ok@example.org\nnope"},
         "nope is not a valid email address."),
        ({"basis": "listed", "listed_source": "S", "emails": "ana@example.org"},
         "ana@example.org already belongs to someone in the directory."),
        ({"basis": "listed", "listed_source": "S", "country": "XX"}, "Unknown country: XX."),
    ],
)  # fmt: skip
def test_a_person_without_a_basis_or_with_bad_input_is_not_created(mclient, world, data, message):
    before = everything()
    response = mclient.post(url("person_create"), {"name": "Fay Doe", **data})
    assert response.status_code == 400
    assert message in text(response)
    assert everything() == before


# --------------------------------------------------------------------------- organisations


def test_organisations_are_listed_searched_and_show_their_people(mclient, world):
    listed = text(mclient.get(url("organisations")))
    assert "Katanga Mining" in listed and "Euro Recyclers" in listed
    found = mclient.get(url("organisations"), {"q": "katanga"})
    assert "Katanga Mining" in text(found) and "Euro Recyclers" not in text(found)
    assert "1 organisation" in text(found)
    page = text(mclient.get(url("organisation", world["upstream"].pk)))
    assert "Ana Mwangi" in page and "Director" in page and "ana@example.org" in page
    assert "Ben Laurent" not in page
    assert "Democratic Republic of the Congo" in page and "Upstream: mining and processing" in page
    assert f"?organisation={world['upstream'].pk}" in page


def test_creating_and_editing_an_organisation(mclient):
    response = mclient.post(
        url("organisation_create"),
        {
            "name": "Lithium Triangle Alliance", "stakeholder_group": "industry_upstream",
            "country": "CL", "sectors": ["mining", "renewable_energy"],
            "value_chain_stage": "upstream", "website": "https://lta.example.org",
            "networks": "IRMA, Cobalt Institute , IRMA",
        },
    )  # fmt: skip
    organisation = Organisation.objects.get(name="Lithium Triangle Alliance")
    assert response.status_code == 302
    assert response["Location"] == url("organisation", organisation.pk)
    assert organisation.sectors == ["mining", "renewable_energy"]
    assert organisation.networks == ["IRMA", "Cobalt Institute"]
    assert (organisation.country.code, organisation.website) == ("CL", "https://lta.example.org")
    page = text(mclient.get(url("organisation", organisation.pk)))
    assert "Mining and processing, Renewable energy" in page and "IRMA, Cobalt Institute" in page
    form = text(mclient.get(url("organisation_edit", organisation.pk)))
    assert 'value="IRMA, Cobalt Institute"' in form
    response = mclient.post(
        url("organisation_edit", organisation.pk),
        {"name": "Lithium Triangle Alliance (LTA)", "country": "AR", "sectors": ["mining"],
         "networks": "", "website": "lta.example.org"},
    )  # fmt: skip
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.name == "Lithium Triangle Alliance (LTA)"
    assert (organisation.country.code, organisation.sectors, organisation.networks) == (
        "AR", ["mining"], [],
    )  # fmt: skip
    assert organisation.website == "https://lta.example.org"
    assert organisation.stakeholder_group == ""


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": " "}, "An organisation needs a name."),
        ({"country": "XX"}, "Unknown country: XX."),
        ({"sectors": ["mining", "space"]}, "Unknown sector: space."),
        ({"website": "not a site"}, "Enter the website&#x27;s full address"),
        ({"value_chain_stage": "sideways"}, "sideways is not one of the choices."),
        ({"name": "katanga mining", "country": "CD"},
         "katanga mining is already in the directory for this country."),
    ],
)  # fmt: skip
@pytest.mark.parametrize("how", ["create", "edit"])
def test_a_bad_organisation_is_refused(mclient, world, data, message, how):
    before = everything()
    target = (
        url("organisation_create") if how == "create"
        else url("organisation_edit", world["recyclers"].pk)
    )  # fmt: skip
    response = mclient.post(target, {"name": "New Org", **data})
    assert response.status_code == 400
    assert message in text(response)
    assert everything() == before


def test_an_organisation_keeps_its_own_name_when_edited(mclient, world):
    upstream = world["upstream"]
    response = mclient.post(
        url("organisation_edit", upstream.pk), {"name": "KATANGA MINING", "country": "CD"}
    )
    assert response.status_code == 302
    upstream.refresh_from_db()
    assert upstream.name == "KATANGA MINING"


# --------------------------------------------------------------------------- merging


def test_merging_from_a_person_page(mclient, world):
    ana = world["ana"]
    twin = make_person(name="A. Mwangi", emails=["amwangi@example.org"], country="", notes="Twin")
    services.add_affiliation(person=twin, organisation=world["recyclers"], role="Adviser")
    found = mclient.get(url("merge", ana.pk), {"q": "mwangi"})
    assert found.status_code == 200
    assert f'href="?other={twin.pk}"' in text(found)
    assert f"?other={ana.pk}" not in text(found)  # never oneself
    compared = text(mclient.get(url("merge", ana.pk), {"other": twin.pk}))
    assert "Ana Mwangi" in compared and "A. Mwangi" in compared
    assert "amwangi@example.org" in compared and "ana@example.org" in compared
    assert compared.count('name="keep"') == 2
    response = mclient.post(url("merge", ana.pk), {"other": twin.pk, "keep": ana.pk})
    assert response.status_code == 302 and response["Location"] == url("person", ana.pk)
    assert "1 address(es) and 1 organisation(s) moved over" in flashed(response)
    assert not Person.objects.filter(pk=twin.pk).exists()
    assert set(ana.emails.values_list("email", flat=True)) == {
        "ana@example.org", "ana.m@example.org", "amwangi@example.org",
    }  # fmt: skip
    assert set(ana.affiliations.values_list("organisation__name", flat=True)) == {
        "Katanga Mining", "Euro Recyclers",
    }  # fmt: skip


def test_merging_can_keep_the_other_record(mclient, world):
    ana, ben = world["ana"], world["ben"]
    response = mclient.post(url("merge", ana.pk), {"other": ben.pk, "keep": ben.pk})
    assert response.status_code == 302 and response["Location"] == url("person", ben.pk)
    assert not Person.objects.filter(pk=ana.pk).exists()
    assert ben.emails.filter(email="ana@example.org").exists()


def _invite_both(a: Person, b: Person) -> None:
    """Both invited to the same event: merging would make the invitation exist twice."""
    from outreach.models import Invitation
    from tests.consult.factories import make_process
    from tests.factories import make_event

    event, process = make_event(), make_process()
    for person in (a, b):
        Invitation.objects.create(process=process, event=event, person=person)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("self", "A person cannot be merged with themselves."),
        ("accounts", "Both records are linked to different accounts; they cannot be merged."),
        ("invitations", "Both records have the same kind of record"),
        ("unknown", "No person in the directory has this id."),
        ("keep-third", "Keep one of the two records being merged."),
        ("not-a-number", "An id is a whole number."),
    ],
)
def test_a_merge_that_cannot_be_done_says_why_and_changes_nothing(mclient, world, case, message):
    ana, ben, cleo = world["ana"], world["ben"], world["cleo"]
    data = {"other": ben.pk, "keep": ana.pk}
    if case == "self":
        data = {"other": ana.pk, "keep": ana.pk}
    elif case == "accounts":
        for person in (ana, ben):
            person.user = make_user()
            person.save()
    elif case == "invitations":
        _invite_both(ana, ben)
    elif case == "unknown":
        data["other"] = 999999
    elif case == "keep-third":
        data["keep"] = cleo.pk
    elif case == "not-a-number":
        data["other"] = "ben"
    before = everything()
    response = mclient.post(url("merge", ana.pk), data)
    assert response.status_code == 400
    assert message in text(response)
    assert everything() == before


@pytest.mark.parametrize(
    ("other", "message"),
    [
        ("999999", "No person in the directory has this id."),
        ("abc", "An id is a whole number."),
        ("SELF", "A person cannot be merged with themselves."),
    ],
)
def test_comparing_with_a_wrong_id_says_so(mclient, world, other, message):
    ana = world["ana"]
    other = str(ana.pk) if other == "SELF" else other
    response = mclient.get(url("merge", ana.pk), {"other": other})
    assert response.status_code == 400
    assert message in text(response)
    assert 'name="keep"' not in text(response)


# --------------------------------------------------------------------------- exports


def _csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_exporting_the_filtered_directory_as_csv_is_logged(mclient, manager, world):
    services.update_person(person=world["ana"], languages=["en", "sw"], source="=HYPERLINK(1)")
    response = mclient.get(url("export", "csv"), {"group": "policy"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv_rows(response)
    assert len(rows) == 1
    row = rows[0]
    assert list(row) == [
        "id", "name", "emails", "organisations", "group", "country", "region", "sector",
        "gender", "languages", "tags", "basis", "do_not_contact", "influence", "interest",
        "source",
    ]  # fmt: skip
    assert row == {
        "id": str(world["ana"].pk), "name": "Ana Mwangi",
        "emails": "ana@example.org; ana.m@example.org",
        "organisations": "Katanga Mining (Director, delegate)", "group": "policy",
        "country": "KE", "region": "sub_saharan_africa", "sector": "mining", "gender": "",
        "languages": "en; sw", "tags": "cobalt; due diligence", "basis": "listed",
        "do_not_contact": "no", "influence": "5", "interest": "4",
        "source": "'=HYPERLINK(1)",  # never run as a formula
    }  # fmt: skip
    log = ExportLog.objects.get()
    assert (log.user, log.what, log.rows) == (manager, "directory", 1)
    assert "group=policy" in log.scope
    page = text(mclient.get(url("export_log")))
    assert manager.username in page and "directory" in page and "group=policy" in page


def test_exporting_as_xlsx_is_logged(mclient, manager, world):
    response = mclient.get(url("export", "xlsx"), {"contactable": "on"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][:3] == ("id", "name", "emails")
    assert sorted(row[1] for row in values[1:]) == ["Ana Mwangi"]  # Cleo has no address
    log = ExportLog.objects.get()
    assert (log.user, log.what, log.rows) == (manager, "directory", 1)


def test_every_export_is_a_row_in_the_log(mclient, world):
    mclient.get(url("export", "csv"))
    mclient.get(url("export", "csv"), {"q": "nobody-at-all"})
    assert list(ExportLog.objects.order_by("id").values_list("what", "rows")) == [
        ("directory", 3), ("directory", 0),
    ]  # fmt: skip


def test_an_export_with_bad_filters_or_format_exports_and_logs_nothing(mclient, world):
    response = mclient.get(url("export", "csv"), {"country": "XX"})
    assert response.status_code == 400
    assert "Unknown country: XX." in text(response)
    assert mclient.get(url("export", "pdf")).status_code == 404
    assert not ExportLog.objects.exists()


def test_the_exports_log_is_empty_at_first(mclient):
    assert "Nothing has been exported yet." in text(mclient.get(url("export_log")))


# --------------------------------------------------------------------------- the grid


def test_the_grid_places_each_person_in_their_cell(mclient, world):
    response = mclient.get(url("grid"))
    assert response.status_code == 200
    html = text(response)
    rows = response.context["rows"]
    assert [row["influence"] for row in rows] == [5, 4, 3, 2, 1]
    cell = rows[0]["cells"][3]  # influence 5, interest 4
    assert [p.name for p in cell["people"]] == ["Ana Mwangi"]
    assert cell["quadrant"] == "manage_closely"
    assert [p.name for p in rows[4]["cells"][1]["people"]] == ["Ben Laurent"]
    assert [p.name for p in response.context["unplaced"]] == ["Cleo Nobody"]
    assert 'aria-live="polite"' in html and "people/grid.js" in html
    assert "people/directory.css" in html
    assert html.count('draggable="true"') == 3
    # Each person has a form that works without the script.
    assert html.count(f'action="{url("set_analysis", world["ana"].pk)}"') == 1


def test_the_grid_is_filtered_like_the_directory(mclient, world):
    response = mclient.get(url("grid"), {"group": "research"})
    assert [p.name for p in response.context["people"]] == ["Ben Laurent"]


def _move(client, person, body, **extra):
    return client.post(
        url("set_analysis", person.pk),
        json.dumps(body) if not isinstance(body, str) else body,
        content_type="application/json",
        headers={"Accept": "application/json"},
        **extra,
    )


def test_moving_a_person_on_the_grid_saves_it_in_their_history(mclient, manager, world):
    cleo = world["cleo"]
    response = _move(mclient, cleo, {"influence": 4, "interest": 2})
    assert response.status_code == 200
    assert response.json() == {
        "ok": True, "person": cleo.pk, "influence": 4, "interest": 2,
        "quadrant": "keep_satisfied",
        "quadrant_label": "Keep satisfied (high influence, low interest)",
        "message": "Cleo Nobody: influence 4, interest 2.",
    }  # fmt: skip
    cleo.refresh_from_db()
    assert (cleo.influence, cleo.interest) == (4, 2)
    change = AnalysisChange.objects.get(person=cleo)
    assert (change.influence, change.interest, change.changed_by) == (4, 2, manager)
    _move(mclient, cleo, {"influence": 5, "interest": 2})
    _move(mclient, cleo, {"influence": None, "interest": None})  # back off the grid
    cleo.refresh_from_db()
    assert (cleo.influence, cleo.interest) == (None, None)
    assert cleo.analysis_history.count() == 3
    history = text(mclient.get(url("person", cleo.pk)))
    assert history.count('<tr class="change">') == 3
    assert "Not placed on the analysis grid." in history


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"influence": 7, "interest": 2}, "Influence must be 1 to 5."),
        ({"influence": 2, "interest": 0}, "Interest must be 1 to 5."),
        ({"influence": "high", "interest": 2}, "Influence must be 1 to 5."),
        ({"influence": 2.5, "interest": 2}, "Influence must be 1 to 5."),
        ({"influence": True, "interest": 2}, "Influence must be 1 to 5."),
        ({"influence": 2}, "Give both influence and interest, or neither."),
        ([1, 2], "Send the placement as a JSON object."),
        ("{not json", "Send the placement as a JSON object."),
    ],
)
def test_a_bad_move_is_answered_400_with_a_message(mclient, world, body, message):
    before = everything()
    response = _move(mclient, world["ana"], body)
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": message}
    assert everything() == before


def test_the_grid_works_without_javascript(mclient, manager, world):
    ana = world["ana"]
    here = url("grid") + "?group=policy"
    response = mclient.post(
        url("set_analysis", ana.pk) + "?group=policy",
        {"influence": "2", "interest": "5", "next": here},
    )
    assert response.status_code == 302 and response["Location"] == here
    assert "Ana Mwangi: influence 2, interest 5." in flashed(response)
    ana.refresh_from_db()
    assert (ana.influence, ana.interest) == (2, 5)
    assert ana.analysis_history.first().changed_by == manager
    # A bad choice: the grid again, with the message, and nothing changed.
    before = everything()
    response = mclient.post(
        url("set_analysis", ana.pk) + "?group=policy",
        {"influence": "7", "interest": "5", "next": here},
    )
    assert response.status_code == 400
    assert "Influence must be 1 to 5." in text(response)
    assert [p.name for p in response.context["people"]] == ["Ana Mwangi"]
    assert everything() == before


def test_the_person_page_form_places_them_too(mclient, world):
    ben = world["ben"]
    response = mclient.post(
        url("set_analysis", ben.pk),
        {"influence": "4", "interest": "4", "next": url("person", ben.pk)},
    )
    assert response.status_code == 302 and response["Location"] == url("person", ben.pk)
    before = everything()
    response = mclient.post(
        url("set_analysis", ben.pk),
        {"influence": "4", "interest": "", "next": url("person", ben.pk)},
    )
    assert response.status_code == 400
    assert "Give both influence and interest, or neither." in text(response)
    assert "Ben Laurent" in text(response)
    assert everything() == before


def test_moving_elsewhere_than_this_site_is_not_followed(mclient, world):
    response = mclient.post(
        url("set_analysis", world["ana"].pk),
        {"influence": "1", "interest": "1", "next": "https://evil.example.com/"},
    )
    assert response["Location"] == url("grid")


# --------------------------------------------------------------------------- navigation


def test_the_site_navigation_links_the_directory_for_its_managers_only(client, manager):
    client.force_login(manager)
    assert f'href="{url("directory")}"' in text(client.get("/"))
    client.force_login(make_user(organiser=True))
    assert f'href="{url("directory")}"' not in text(client.get("/"))


def test_the_demo_facilitator_manages_the_directory():
    from django.core.management import call_command

    from demo import data
    from people.selectors import can_manage_directory

    call_command("load_demo", stdout=io.StringIO())
    from django.contrib.auth.models import User

    assert can_manage_directory(User.objects.get(username=data.FACILITATOR_USERNAME))


# --------------------------------------------------------------------------- in a browser


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_grid_moves_people_with_the_keyboard_and_by_drag_and_drop(daphne_server, request):
    chromium, problems = (
        request.getfixturevalue("browser"),
        request.getfixturevalue("page_problems"),
    )
    manager = make_manager()
    ana = make_person(name="Ana Mwangi")
    services.set_analysis(person=ana, influence=2, interest=2, by=None)
    ben = make_person(name="Ben Laurent")
    base = daphne_server.base_url
    # Tall enough for the grid and the tray of people not yet placed to show together.
    context = chromium.new_context(viewport={"width": 1280, "height": 1600})
    context.add_cookies([{"name": "sessionid", "value": login_cookie(manager), "url": base}])
    page = context.new_page()
    problems.watch(page)
    page.goto(f"{base}{url('grid')}")
    status = page.locator("#grid-status")
    cell = lambda i, n: page.locator(f'td[data-influence="{i}"][data-interest="{n}"]')  # noqa: E731

    # Keyboard: focus Ana, up then right: one cell at a time, each move announced.
    chip = page.locator(f'a.chip[data-person="{ana.pk}"]')
    expect(cell(2, 2).locator(f'[data-person="{ana.pk}"]')).to_have_count(1)
    chip.focus()
    page.keyboard.press("ArrowUp")
    expect(status).to_have_text(re.compile(r"Ana Mwangi: influence 3, interest 2\."))
    expect(cell(3, 2).locator(f'[data-person="{ana.pk}"]')).to_have_count(1)
    expect(chip).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(status).to_have_text(re.compile(r"influence 3, interest 3\. Manage closely"))
    expect(cell(3, 3).locator(f'[data-person="{ana.pk}"]')).to_have_count(1)
    # The edge of the grid is said, not sent.
    for influence in (2, 1):
        page.keyboard.press("ArrowDown")
        expect(status).to_have_text(re.compile(rf"influence {influence}, interest 3\."))
    page.keyboard.press("ArrowDown")
    expect(status).to_have_text("Already at the edge of the grid.")
    # The "place by numbers" form follows.
    expect(page.locator(f"#id_{ana.pk}_influence")).to_have_value("1")

    # Drag and drop: Ben from the tray onto influence 5, interest 1.
    page.locator(f'a.chip[data-person="{ben.pk}"]').drag_to(cell(5, 1))
    expect(cell(5, 1).locator(f'[data-person="{ben.pk}"]')).to_have_count(1)
    expect(status).to_have_text(re.compile(r"Ben Laurent: influence 5, interest 1\."))

    ana.refresh_from_db()
    ben.refresh_from_db()
    assert (ana.influence, ana.interest) == (1, 3)
    assert (ben.influence, ben.interest) == (5, 1)
    assert ana.analysis_history.count() == 1 + 4  # the first placement and four moves
    assert ben.analysis_history.get().changed_by == manager

    # After a reload, they are where they were put.
    page.reload()
    expect(cell(1, 3).locator(f'[data-person="{ana.pk}"]')).to_have_count(1)
    expect(cell(5, 1).locator(f'[data-person="{ben.pk}"]')).to_have_count(1)
    context.close()
