"""The directory's rules: a basis for every record, region from country, one person per
address, accounts linked only through verified addresses, merges that lose nothing."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from people import services
from people.models import Affiliation, AnalysisChange, Organisation, Person, PersonEmail
from people.services import DirectoryError
from sessions.models import Participant
from tests.factories import make_session, make_user

pytestmark = pytest.mark.django_db


def listed(name="Amara Okafor", **extra):
    return services.create_person(
        name=name, basis=Person.Basis.LISTED, listed_source="Lithium forum 2026", **extra
    )


def test_create_person_derives_region_and_stores_addresses_lower_case():
    person = listed(emails=["Amara@Example.ORG", "amara.o@example.org"], country="NG",
                    tags=["Artisanal mining", " artisanal mining ", "Due diligence"])  # fmt: skip
    assert person.region == "sub_saharan_africa"
    assert [(e.email, e.is_primary) for e in person.emails.order_by("id")] == [
        ("amara@example.org", True),
        ("amara.o@example.org", False),
    ]
    assert sorted(person.tags.values_list("name", flat=True)) == [
        "artisanal mining",
        "due diligence",
    ]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"basis": "listed", "listed_source": " "}, "needs the source"),
        ({"basis": "consent"}, "needs the date and the text version"),
        ({"basis": "friend", "listed_source": "x"}, "Unknown basis"),
        ({"basis": "listed", "listed_source": "x", "name": "  "}, "needs a name"),
        ({"basis": "listed", "listed_source": "x", "emails": ["not-an-email"]}, "not a valid"),
    ],
)
def test_create_person_refuses_bad_input_and_saves_nothing(extra, message):
    kwargs = {"name": "Lucas Silva", **extra}
    with pytest.raises(DirectoryError, match=message):
        services.create_person(**kwargs)
    assert Person.objects.count() == 0


def test_the_database_refuses_a_record_without_basis():
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(name="No basis", basis="listed", listed_source="")


def test_an_address_belongs_to_one_person():
    listed(emails=["ines@example.org"])
    with pytest.raises(DirectoryError, match="already belongs"):
        listed(name="Inês Costa", emails=["INES@example.org"])
    assert Person.objects.count() == 1


def test_consent_basis_keeps_date_and_version():
    when = timezone.now() - dt.timedelta(days=3)
    person = services.create_person(
        name="Thabo Nkosi", basis="consent", consented_at=when, consent_text_version="2026-11"
    )
    assert (person.consented_at, person.consent_text_version) == (when, "2026-11")


def test_update_person_follows_country_to_region_and_refuses_unknown_fields():
    person = listed(country="FR")
    services.update_person(person=person, country="BR", tags=["cobalt"])
    person.refresh_from_db()
    assert (person.country.code, person.region) == ("BR", "latin_america")
    assert list(person.tags.values_list("name", flat=True)) == ["cobalt"]
    with pytest.raises(DirectoryError, match="Not a directory field"):
        services.update_person(person=person, user=make_user())


def test_analysis_keeps_its_history_and_refuses_out_of_range():
    person = listed()
    by = make_user()
    services.set_analysis(person=person, influence=4, interest=2, by=by)
    services.set_analysis(person=person, influence=4, interest=2, by=by)  # no change
    services.set_analysis(person=person, influence=5, interest=5, by=by)
    history = list(
        AnalysisChange.objects.filter(person=person).values_list("influence", "interest")
    )
    assert history == [(5, 5), (4, 2)]
    with pytest.raises(DirectoryError, match="1 to 5"):
        services.set_analysis(person=person, influence=6, interest=1, by=by)
    person.refresh_from_db()
    assert (person.influence, person.interest) == (5, 5)


def test_link_account_only_through_a_verified_address_never_by_name():
    person = listed(name="Lucas Silva", emails=["lucas@example.org"])
    same_name = make_user(username="lucas")
    assert services.link_account(user=same_name, verified_emails=[]) is None
    assert services.link_account(user=same_name, verified_emails=["other@example.org"]) is None
    assert services.link_account(user=same_name, verified_emails=["LUCAS@example.org"]) == person
    person.refresh_from_db()
    assert person.user == same_name
    # Already linked to someone: another account with the address is not linked to it.
    assert services.link_account(user=make_user(), verified_emails=["lucas@example.org"]) is None


def test_merge_moves_addresses_affiliations_participations_and_keeps_the_stricter_flag():
    org_a = Organisation.objects.create(name="Andes Lithium")
    org_b = Organisation.objects.create(name="Cobalt Watch")
    keep = listed(name="Ana Pérez", emails=["ana@andes.example"], country="CL")
    other = listed(name="Ana Perez", emails=["ana.perez@watch.example"], sector="mining")
    Affiliation.objects.create(person=keep, organisation=org_a, role="CEO")
    Affiliation.objects.create(person=other, organisation=org_a, role="duplicate")
    Affiliation.objects.create(person=other, organisation=org_b, role="Advisor", is_delegate=True)
    services.set_do_not_contact(person=other)
    participant = Participant.objects.create(session=make_session(), person=other)

    result = services.merge_people(keep=keep, other=other)

    assert not Person.objects.filter(pk=other.pk).exists()
    keep.refresh_from_db()
    assert sorted(keep.emails.values_list("email", "is_primary")) == [
        ("ana.perez@watch.example", False),
        ("ana@andes.example", True),
    ]
    assert sorted(keep.affiliations.values_list("organisation__name", "role")) == [
        ("Andes Lithium", "CEO"),
        ("Cobalt Watch", "Advisor"),
    ]
    assert (keep.sector, keep.country.code, keep.do_not_contact) == ("mining", "CL", True)
    participant.refresh_from_db()
    assert participant.person == keep
    assert (result.moved_emails, result.moved_affiliations) == (1, 1)


def test_merge_refuses_self_and_two_accounts_and_changes_nothing():
    a = listed(name="A", emails=["a@example.org"])
    b = listed(name="B", emails=["b@example.org"])
    with pytest.raises(DirectoryError, match="themselves"):
        services.merge_people(keep=a, other=a)
    a.user, b.user = make_user(), make_user()
    a.save()
    b.save()
    with pytest.raises(DirectoryError, match="different accounts"):
        services.merge_people(keep=a, other=b)
    assert Person.objects.count() == 2
    assert PersonEmail.objects.get(email="b@example.org").person_id == b.pk


def test_do_not_contact_and_bounce_are_recorded():
    person = listed(emails=["x@example.org"])
    services.set_do_not_contact(person=person)
    services.record_bounce(email="X@example.org", reason="550 mailbox unavailable")
    person.refresh_from_db()
    address = person.emails.get()
    assert person.do_not_contact and person.do_not_contact_at is not None
    assert address.bounced_at is not None and address.bounce_reason.startswith("550")


def test_a_refused_update_leaves_the_person_as_it_was_and_languages_are_a_set():
    person = listed(country="FR")
    with pytest.raises(DirectoryError):
        services.update_person(person=person, country="XX")
    assert person.country.code == "FR"
    person.refresh_from_db()
    assert person.country.code == "FR"
    services.update_person(person=person, languages=["fr", "es", "fr"])
    person.refresh_from_db()
    assert person.languages == ["es", "fr"]


def test_true_is_not_an_influence():
    person = listed()
    with pytest.raises(DirectoryError, match="1 to 5"):
        services.set_analysis(person=person, influence=True, interest=1, by=None)


def test_contactable_only_leaves_out_the_opted_out_and_those_whose_addresses_bounced():
    from people.selectors import PeopleFilter, filter_people

    ok = listed(name="Reachable", emails=["ok@example.org"])
    bounced = listed(name="Bounced", emails=["b@example.org"])
    services.record_bounce(email="b@example.org", reason="550")
    opted_out = listed(name="Opted out", emails=["o@example.org"])
    services.set_do_not_contact(person=opted_out)
    listed(name="No address")
    assert list(filter_people(PeopleFilter(contactable_only=True))) == [ok]
    assert bounced in filter_people(PeopleFilter())
