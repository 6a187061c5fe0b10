"""The newsletter: sign-up with double opt-in (no enumeration), confirming into the
stakeholder directory with consent recorded, unsubscribing, and mailings through the
outbox to confirmed subscribers only."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consult.mail import deliver_due
from consult.models import OutgoingMail
from outreach import newsletter
from outreach.models import Mailing, Subscription
from people import services as people_services
from people.models import Person
from tests.factories import make_user
from tests.people.factories import make_manager, make_person

pytestmark = pytest.mark.django_db

SITE = "https://consult.example.org"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


@pytest.fixture(autouse=True)
def outbox(settings):
    """Mail goes to the product's outbox table, as in production (not pytest's locmem)."""
    settings.EMAIL_BACKEND = "consult.mail.QueuedEmailBackend"
    settings.SITE_URL = SITE


def parsed(row: OutgoingMail) -> email.message.EmailMessage:
    return email.message_from_bytes(bytes(row.message), policy=email.policy.default)


def text_of(row: OutgoingMail) -> str:
    message = parsed(row)
    return message.get_body(preferencelist=("plain",)).get_content()


def mails_to(address: str) -> list[OutgoingMail]:
    return [m for m in OutgoingMail.objects.order_by("id") if m.recipients == [address]]


def sign_up(client: Client, address: str, **extra):
    data = {"email": address, "language": "en", "consent": "on", **extra}
    return client.post(reverse("newsletter:signup"), data)


def link_in(row: OutgoingMail, name: str) -> str:
    found = re.search(rf"{re.escape(SITE)}(/newsletter/{name}/[\w-]+)", text_of(row))
    assert found, text_of(row)
    return found.group(1)


def subscribe(address: str, **extra) -> Subscription:
    """A confirmed subscriber, through the product's own steps."""
    newsletter.sign_up(email=address, language="en", consent=True, **extra)
    subscription = Subscription.objects.get(email=address.strip().lower())
    newsletter.confirm(subscription=subscription)
    subscription.refresh_from_db()
    return subscription


# --------------------------------------------------------------------------- double opt-in


def test_signing_up_mails_a_link_and_confirming_adds_a_consented_person(client):
    before = timezone.now()
    page = sign_up(client, "  Ana.Lima@Example.ORG ", name="Ana Lima", language="pt")
    assert page.status_code == 200
    assert "Check your inbox: we sent a link to confirm" in page.content.decode()

    subscription = Subscription.objects.get()
    assert subscription.email == "ana.lima@example.org"  # normalised
    assert subscription.confirmed_at is None and subscription.person is None
    assert subscription.language == "pt"
    assert subscription.consent_text_version == newsletter.CONSENT_TEXT_VERSION
    assert Person.objects.count() == 0  # nobody enters the directory before confirming

    [mail] = OutgoingMail.objects.all()
    assert mail.recipients == ["ana.lima@example.org"] and mail.sent_at is None
    confirm = link_in(mail, "confirm")
    assert confirm == reverse("newsletter:confirm", args=[subscription.token])

    # Opening the link (as a mail scanner does) asks, and changes nothing.
    asked = client.get(confirm)
    assert asked.status_code == 200
    assert "Confirm my subscription" in asked.content.decode()
    assert "ana.lima@example.org" in asked.content.decode()
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None and Person.objects.count() == 0

    answer = client.post(confirm)
    assert answer.status_code == 200
    assert "You are subscribed" in answer.content.decode()
    subscription.refresh_from_db()
    assert subscription.confirmed_at >= before
    person = subscription.person
    assert person.name == "Ana Lima"
    assert person.basis == Person.Basis.CONSENT
    assert person.consented_at == subscription.confirmed_at
    assert person.consent_text_version == newsletter.CONSENT_TEXT_VERSION
    assert person.languages == ["pt"]
    assert list(person.emails.values_list("email", "is_primary")) == [
        ("ana.lima@example.org", True)
    ]

    # Confirming twice is fine and changes nothing.
    again = client.post(confirm)
    assert again.status_code == 200 and "You are subscribed" in again.content.decode()
    assert "You are subscribed" in client.get(confirm).content.decode()
    assert Person.objects.count() == 1
    confirmed_at = subscription.confirmed_at
    subscription.refresh_from_db()
    assert subscription.confirmed_at == confirmed_at


def test_a_new_person_without_a_name_is_named_after_the_address(client):
    subscription = subscribe("kofi.mensah@example.org")
    assert subscription.person.name == "kofi.mensah"


def test_confirming_links_a_listed_person_and_records_the_consent(client):
    listed = make_person(name="Bea Listed", emails=["bea@example.org"], stakeholder_group="policy")
    assert listed.basis == Person.Basis.LISTED
    subscription = subscribe("BEA@example.org", name="Someone Else")
    listed.refresh_from_db()
    assert subscription.person == listed
    assert Person.objects.count() == 1
    assert listed.name == "Bea Listed"  # the directory's data is not overwritten
    assert listed.stakeholder_group == "policy"
    assert listed.basis == Person.Basis.CONSENT
    assert listed.consented_at == subscription.confirmed_at
    assert listed.consent_text_version == newsletter.CONSENT_TEXT_VERSION
    assert listed.listed_source  # where they were listed from is kept


def test_confirming_keeps_the_basis_of_a_person_who_consented_already(client):
    earlier = timezone.now() - dt.timedelta(days=400)
    consented = make_person(
        name="Chen Wei",
        emails=["chen@example.org"],
        basis=Person.Basis.CONSENT,
        consented_at=earlier,
        consent_text_version="directory-2025",
    )
    subscription = subscribe("chen@example.org")
    consented.refresh_from_db()
    assert subscription.person == consented
    assert (consented.consented_at, consented.consent_text_version) == (earlier, "directory-2025")


def test_an_unknown_token_is_a_clear_404(client):
    for route in ("newsletter:confirm", "newsletter:unsubscribe"):
        page = client.get(reverse(route, args=["no-such-token"]))
        assert page.status_code == 404
        assert "Unknown newsletter link" in page.content.decode()
    assert client.post(reverse("newsletter:unsubscribe", args=["x" * 300])).status_code == 404


def test_the_confirmation_mail_reaches_the_mail_server(client, mailbox):
    sign_up(client, "dana@example.org")
    assert deliver_due() == 1
    [delivered] = mailbox.wait_for(1)
    assert delivered["To"] == "dana@example.org"
    token = Subscription.objects.get().token
    text = delivered.get_body(preferencelist=("plain",)).get_content()
    assert f"{SITE}/newsletter/confirm/{token}" in text


# --------------------------------------------------------------------------- no enumeration


def test_the_page_is_the_same_for_a_new_a_pending_and_a_subscribed_address(client):
    subscribe("known@example.org")
    # Subscribed yesterday (its confirmation mail is older than RESEND_AFTER).
    Subscription.objects.update(mailed_at=timezone.now() - dt.timedelta(days=1))
    newsletter.sign_up(email="pending@example.org", language="en", consent=True)
    before = {s.email: (s.confirmed_at, s.token, s.person_id) for s in Subscription.objects.all()}
    mails_before = OutgoingMail.objects.count()

    answers = [
        sign_up(client, address)
        for address in ("new@example.org", "pending@example.org", "known@example.org")
    ]
    assert {a.status_code for a in answers} == {200}
    # The same page, but for the (masked, so each time different) CSRF token.
    assert len({CSRF.sub("", a.content.decode()) for a in answers}) == 1
    assert len({tuple(sorted(a.headers)) for a in answers}) == 1

    # Behind the page: the new address got its link; the pending one was mailed a
    # moment ago and gets nothing more yet; the subscribed one is told by mail only.
    new_mail = mails_to("new@example.org")
    assert len(new_mail) == 1 and "/newsletter/confirm/" in text_of(new_mail[0])
    assert len(mails_to("pending@example.org")) == 1
    [_confirm, already] = mails_to("known@example.org")
    assert "already subscribed" in already.subject
    assert "/newsletter/confirm/" not in text_of(already)
    assert "/newsletter/unsubscribe/" in text_of(already)
    assert OutgoingMail.objects.count() == mails_before + 2
    after = {s.email: (s.confirmed_at, s.token, s.person_id) for s in Subscription.objects.all()}
    assert after["known@example.org"] == before["known@example.org"]
    assert after["pending@example.org"] == before["pending@example.org"]


def test_a_pending_address_is_mailed_again_only_after_a_while():
    start = timezone.now()
    newsletter.sign_up(email="eve@example.org", language="en", consent=True, now=start)
    newsletter.sign_up(email="eve@example.org", language="fr", consent=True,
                       now=start + dt.timedelta(minutes=1))  # fmt: skip
    assert len(mails_to("eve@example.org")) == 1
    later = start + newsletter.RESEND_AFTER + dt.timedelta(seconds=1)
    newsletter.sign_up(email="eve@example.org", language="fr", consent=True, now=later)
    first, second = mails_to("eve@example.org")
    assert link_in(first, "confirm") == link_in(second, "confirm")  # the same link
    assert Subscription.objects.get().language == "fr"


def test_sign_ups_per_client_address_are_limited(client, settings):
    settings.NEWSLETTER_SIGNUPS_PER_HOUR = 2
    assert sign_up(client, "a@example.org").status_code == 200
    assert sign_up(client, "b@example.org").status_code == 200
    refused = sign_up(client, "c@example.org")
    assert refused.status_code == 429
    assert "Too many sign-ups came from your network" in refused.content.decode()
    assert sorted(Subscription.objects.values_list("email", flat=True)) == [
        "a@example.org",
        "b@example.org",
    ]
    other = Client(REMOTE_ADDR="192.0.2.7")  # another network is not affected
    assert sign_up(other, "c@example.org").status_code == 200


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"email": ""}, "email", "Enter your email address."),
        ({"email": "a" * 250 + "@example.org"}, "email", "Enter a valid email address."),
        ({"consent": ""}, "consent", "Tick the box to agree"),
        ({"name": "n" * 121}, "name", "at most 120 characters"),
        ({"language": "xx"}, "language", "Select a valid choice"),
    ],
)
def test_bad_input_is_refused_clearly_and_keeps_what_was_typed(client, data, field, message):
    sent = {"email": "fine@example.org", "name": "Kept Name", "language": "en", "consent": "on"}
    sent.update(data)
    sent = {k: v for k, v in sent.items() if v != ""}
    page = client.post(reverse("newsletter:signup"), sent)
    body = page.content.decode()
    assert page.status_code == 400
    assert message in body
    assert field in page.context["form"].errors
    if field != "name":
        assert 'value="Kept Name"' in body
    assert Subscription.objects.count() == 0 and OutgoingMail.objects.count() == 0


def test_the_service_refuses_bad_input_whoever_calls_it():
    with pytest.raises(ValidationError) as refused:
        newsletter.sign_up(email="nope", language="xx", consent=False, name="n\x00")
    assert set(refused.value.message_dict) == {"email", "language", "consent", "name"}
    assert Subscription.objects.count() == 0


def test_the_form_shows_the_consent_text_and_its_version(client):
    page = client.get(reverse("newsletter:signup")).content.decode()
    assert str(newsletter.CONSENT_TEXT)[:60] in page
    assert newsletter.CONSENT_TEXT_VERSION in page


# --------------------------------------------------------------------------- unsubscribe


def test_unsubscribing_asks_first_then_stops_the_newsletter():
    subscription = subscribe("fay@example.org")
    client = Client(enforce_csrf_checks=True)  # as a mail client's one-click POST
    url = reverse("newsletter:unsubscribe", args=[subscription.token])
    page = client.get(url)
    assert page.status_code == 200 and "Stop sending the newsletter to fay@example.org" in (
        page.content.decode()
    )
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at is None  # a GET (a link preview) changes nothing

    done = client.post(url)
    assert done.status_code == 200
    assert "you will receive no more newsletters" in done.content.decode()
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at is not None
    when = subscription.unsubscribed_at
    assert client.post(url).status_code == 200  # again: nothing changes
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at == when
    assert subscription.person.basis == Person.Basis.CONSENT  # the directory record stays
    assert newsletter.subscribers().count() == 0


def test_an_old_confirmation_link_does_not_subscribe_again_but_a_new_sign_up_does(client):
    subscription = subscribe("gil@example.org")
    confirm = reverse("newsletter:confirm", args=[subscription.token])
    newsletter.unsubscribe(subscription=subscription)

    assert "This link no longer subscribes you" in client.get(confirm).content.decode()
    stale = client.post(confirm)
    assert stale.status_code == 200
    assert "This link no longer subscribes you" in stale.content.decode()
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at is not None

    later = timezone.now() + dt.timedelta(hours=1)
    newsletter.sign_up(email="gil@example.org", language="en", consent=True, now=later)
    assert "/newsletter/confirm/" in text_of(mails_to("gil@example.org")[-1])
    assert "Confirm my subscription" in client.get(confirm).content.decode()
    assert "You are subscribed" in client.post(confirm).content.decode()
    subscription.refresh_from_db()
    assert subscription.is_subscribed
    assert Person.objects.count() == 1


# --------------------------------------------------------------------------- mailings


def test_a_mailing_goes_to_confirmed_subscribers_only_once(client):
    manager = make_manager()
    ana = subscribe("ana@example.org")
    ben = subscribe("ben@example.org", name="Ben")
    gone = subscribe("gone@example.org")
    newsletter.unsubscribe(subscription=gone)
    newsletter.sign_up(email="pending@example.org", language="en", consent=True)
    OutgoingMail.objects.all().delete()

    client.force_login(manager)
    listing = client.get(reverse("newsletter:mailings")).content.decode()
    assert "2 subscribers" in listing and "1 waiting for confirmation, 1 unsubscribed" in listing

    preview = client.post(
        reverse("newsletter:mailings"),
        {"subject": "Spring news", "body": "**Three** new cases.", "preview": "1"},
    )
    assert preview.status_code == 200
    assert "<strong>Three</strong> new cases." in preview.content.decode()
    assert Mailing.objects.count() == 0  # a preview saves nothing

    saved = client.post(
        reverse("newsletter:mailings"),
        {"subject": "Spring news", "body": "**Three** new cases.", "save": "1"},
    )
    mailing = Mailing.objects.get()
    assert saved.status_code == 302 and saved["Location"] == reverse(
        "newsletter:mailing", args=[mailing.pk]
    )
    assert mailing.created_by == manager and mailing.sent_at is None
    assert OutgoingMail.objects.count() == 0

    sent = client.post(reverse("newsletter:send", args=[mailing.pk]))
    assert sent.status_code == 302
    mailing.refresh_from_db()
    assert mailing.sent_at is not None and mailing.sent_by == manager
    assert mailing.recipients == 2
    rows = {m.recipients[0]: m for m in OutgoingMail.objects.all()}
    assert set(rows) == {"ana@example.org", "ben@example.org"}
    for subscription in (ana, ben):
        row = rows[subscription.email]
        message = parsed(row)
        link = f"{SITE}/newsletter/unsubscribe/{subscription.token}"
        assert message["Subject"] == "Spring news"
        assert message["List-Unsubscribe"].strip() == f"<{link}>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert link in text_of(row) and "**Three** new cases." in text_of(row)
        html = message.get_body(preferencelist=("html",)).get_content()
        assert "<strong>Three</strong>" in html and link in html
        assert row.sent_at is None  # the worker delivers it

    shown = client.get(reverse("newsletter:mailing", args=[mailing.pk])).content.decode()
    assert "to 2 subscribers." in shown and "Send to every subscriber" not in shown

    again = client.post(reverse("newsletter:send", args=[mailing.pk]))
    assert again.status_code == 409
    assert "sent only once" in again.content.decode()
    assert OutgoingMail.objects.count() == 2
    mailing.refresh_from_db()
    assert mailing.recipients == 2


def test_bad_mailings_are_refused(client):
    client.force_login(make_manager())
    page = client.post(reverse("newsletter:mailings"), {"subject": "", "body": "x" * 20001})
    assert page.status_code == 400
    body = page.content.decode()
    assert "Give the mailing a subject." in body
    assert "at most 20000 characters" in body
    assert Mailing.objects.count() == 0
    with pytest.raises(ValidationError) as refused:
        newsletter.create_mailing(by=make_manager(), subject="Two\nlines", body="ok")
    assert "subject" in refused.value.message_dict


def test_mailings_are_refused_to_non_managers(client):
    member = make_user()
    mailing = newsletter.create_mailing(by=make_manager(), subject="News", body="Text")
    subscribe("hal@example.org")
    OutgoingMail.objects.all().delete()
    with pytest.raises(PermissionDenied):
        newsletter.create_mailing(by=member, subject="News", body="Text")
    with pytest.raises(PermissionDenied):
        newsletter.send_mailing(mailing=mailing, by=member)

    client.force_login(member)
    refused = client.post(reverse("newsletter:send", args=[mailing.pk]))
    assert refused.status_code == 403
    assert "Only directory managers" in refused.content.decode()
    mailing.refresh_from_db()
    assert mailing.sent_at is None and OutgoingMail.objects.count() == 0


# --------------------------------------------------------------------------- personal data


def test_the_subscription_goes_with_the_person_and_privacy_helpers_read_and_erase_it():
    ivy = subscribe("ivy@example.org")
    assert newsletter.subscriptions_of(["IVY@example.org"]) == [
        {
            "email": "ivy@example.org",
            "language": "en",
            "signed_up_at": ivy.created_at,
            "confirmed_at": ivy.confirmed_at,
            "unsubscribed_at": None,
            "consent_text_version": newsletter.CONSENT_TEXT_VERSION,
        }
    ]
    newsletter.sign_up(email="jo@example.org", language="en", consent=True)
    assert newsletter.erase_subscriptions(addresses=["jo@example.org"]) == 1
    ivy.person.delete()  # erasing the directory record erases the subscription
    assert Subscription.objects.count() == 0


def test_merging_people_keeps_the_subscription():
    kept = make_person(name="Kim", emails=["kim@example.org"])
    subscription = subscribe("kim.other@example.org")
    people_services.merge_people(keep=kept, other=subscription.person)
    subscription.refresh_from_db()
    assert subscription.person == kept


def test_my_data_shows_and_erasure_removes_the_subscriptions_of_my_addresses():
    from privacy import selectors as privacy_selectors
    from privacy import services as privacy_services
    from tests.factories import make_user

    user = make_user()
    Subscription.objects.create(
        email=user.email, language="en", token="t-mine", consent_text_version="newsletter-2026-1"
    )
    Subscription.objects.create(email="someone@example.org", language="en", token="t-other")
    data = privacy_selectors.my_data(user)
    assert [s["email"] for s in data["newsletter"]] == [user.email]
    privacy_services.erase_account(user=user)
    assert list(Subscription.objects.values_list("email", flat=True)) == ["someone@example.org"]
