"""Email through the outbox and a real SMTP server: replies, answers to inputs,
consultations opening and closing, immediate or daily, the unsubscribe link, and the
account mail of allauth. Requests only queue; the worker delivers, and a mail server
that is down loses nothing."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from django.contrib.auth.models import User
from django.core import mail as django_mail
from django.core.management import call_command
from django.db import connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consult import mail, notifications, selectors, services
from consult.models import Disposition, Follow, Notification, OutgoingMail, Profile
from tests.consult.factories import make_consultation, make_member
from tests.consult.test_accounts import SIGNUP
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def first_section(consultation):
    return selectors.latest_version(consultation).texts.order_by("position")[0].section


def send_and_deliver(now=None) -> int:
    """What one worker pass does after the closing notices: queue mail, deliver it."""
    notifications.send_due(now)
    return mail.deliver_due()


def test_a_reply_and_an_answer_are_mailed_by_the_worker_not_the_request(mailbox):
    consultation = make_consultation()
    section = first_section(consultation)
    ana, ben = make_member(), make_member()
    comment = services.add_comment(section=section, author=ana, body="Add recycling.")
    services.add_comment(section=section, author=ben, body="Yes, with targets.", parent=comment)
    services.set_disposition(
        by=consultation.process.owner, comment=comment, decision="accepted", response="Added."
    )
    assert mailbox.messages == []  # nothing sent from the request path
    assert OutgoingMail.objects.count() == 0  # nor queued: the worker renders the mail
    call_command("notify_worker", "--once")
    mails = mailbox.wait_for(2)
    assert [m["To"] for m in mails] == [ana.email, ana.email]
    reply, answer = mails
    assert "replied to your comment" in reply["Subject"]
    assert "Yes, with targets." in reply.get_content()
    assert "Accepted" in answer["Subject"] and "Added." in answer.get_content()
    assert f"#comment-{comment.pk}" in answer.get_content()
    assert reply["List-Unsubscribe"].strip().startswith("<http")
    # Sent once: another pass sends nothing more.
    call_command("notify_worker", "--once")
    assert len(mailbox.messages) == 2
    assert Notification.objects.filter(sent_at=None).count() == 0
    assert OutgoingMail.objects.filter(sent_at=None).count() == 0


def test_no_mail_for_replying_to_yourself_or_to_people_who_said_never(mailbox):
    section = first_section(make_consultation())
    ana, ben = make_member(), make_member()
    Profile.objects.filter(user=ben).update(notify=Profile.Notify.NEVER)
    own = services.add_comment(section=section, author=ana, body="First")
    services.add_comment(section=section, author=ana, body="Me again", parent=own)
    quiet = services.add_comment(section=section, author=ben, body="Quiet")
    services.add_comment(section=section, author=ana, body="Hello ben", parent=quiet)
    assert notifications.send_due() == 0
    assert mailbox.messages == []


def test_followers_hear_when_it_opens_and_once_before_it_closes(mailbox):
    consultation = make_consultation(status="draft")
    fan = make_member()
    services.follow(consultation=consultation, user=fan)
    services.set_status(consultation=consultation, by=consultation.process.owner, status="open")
    consultation.closes_at = timezone.now() + dt.timedelta(hours=20)
    consultation.save(update_fields=["closes_at"])
    call_command("notify_worker", "--once")
    call_command("notify_worker", "--once")
    subjects = [m["Subject"] for m in mailbox.wait_for(2)]
    assert subjects == [
        f"{consultation.title} is open for comments",
        f"{consultation.title} closes soon",
    ]
    assert len(mailbox.messages) == 2


def test_daily_digest_gathers_a_days_notifications_into_one_mail(mailbox):
    section = first_section(make_consultation())
    ana = make_member()
    Profile.objects.filter(user=ana).update(notify=Profile.Notify.DAILY)
    comment = services.add_comment(section=section, author=ana, body="Mine")
    for _ in range(3):
        services.add_comment(section=section, author=make_member(), body="Reply", parent=comment)
    now = timezone.now()
    assert notifications.send_due(now) == 1
    assert mail.deliver_due() == 1
    digest = mailbox.wait_for(1)[0]
    assert "3 updates" in digest["Subject"] and digest.get_content().count("replied") == 3
    services.add_comment(section=section, author=make_member(), body="Later", parent=comment)
    assert notifications.send_due(now + dt.timedelta(hours=2)) == 0  # not a day yet
    assert notifications.send_due(now + dt.timedelta(hours=25)) == 1
    assert mail.deliver_due() == 1
    assert "1 updates" in mailbox.wait_for(2)[1]["Subject"]


def test_the_unsubscribe_link_stops_all_mail(mailbox):
    section = first_section(make_consultation())
    ana = make_member()
    comment = services.add_comment(section=section, author=ana, body="Mine")
    services.add_comment(section=section, author=make_member(), body="Re", parent=comment)
    send_and_deliver()
    body = mailbox.wait_for(1)[0].get_content()
    path = re.search(r"https?://[^/\s]+(/unsubscribe/[^\s]+/)", body).group(1)
    client = Client()
    assert b"Stop all emails" in client.get(path).content
    assert client.post(path).status_code == 200
    assert Profile.objects.get(user=ana).notify == Profile.Notify.NEVER
    services.add_comment(section=section, author=make_member(), body="Again", parent=comment)
    assert notifications.send_due() == 0
    assert client.post("/unsubscribe/forged-token/").status_code == 400


def test_a_mail_server_that_is_down_loses_nothing(mailbox, settings):
    settings.EMAIL_PORT = 9  # nothing listens there
    section = first_section(make_consultation())
    ana = make_member()
    comment = services.add_comment(section=section, author=ana, body="Mine")
    services.add_comment(section=section, author=make_member(), body="Re", parent=comment)
    call_command("notify_worker", "--once")  # the failure is recorded, not raised
    row = OutgoingMail.objects.get()
    assert (row.sent_at, row.attempts, row.recipients) == (None, 1, [ana.email])
    assert row.last_error.startswith("ConnectionRefusedError")
    assert Follow.objects.filter(user=ana).exists()

    # The server is back: the message waits for its backoff, then goes, once.
    settings.EMAIL_PORT = mailbox.port
    assert mail.deliver_due() == 0
    later = timezone.now() + mail.RETRY_BASE
    assert mail.deliver_due(now=later) == 1
    received = mailbox.wait_for(1)[0]
    assert received["To"] == ana.email and "replied to your comment" in received["Subject"]
    assert received["List-Unsubscribe"].strip().startswith("<http")
    row.refresh_from_db()
    assert row.sent_at is not None and row.attempts == 2 and row.last_error == ""
    assert mail.deliver_due(now=later + dt.timedelta(days=1)) == 0
    assert len(mailbox.messages) == 1


def test_a_refused_message_waits_and_the_others_go(mailbox):
    mailbox.refused.add("gone@example.org")
    django_mail.send_mail("First", "Body", None, ["ana@example.org"])
    django_mail.send_mail("Refused", "Body", None, ["gone@example.org"])
    django_mail.send_mail("Third", "Body", None, ["ben@example.org"])
    assert mail.deliver_due() == 2
    assert [m["Subject"] for m in mailbox.wait_for(2)] == ["First", "Third"]
    refused = OutgoingMail.objects.get(subject="Refused")
    assert refused.sent_at is None and refused.attempts == 1
    assert refused.last_error.startswith("SMTPRecipientsRefused")


def test_failures_are_tried_less_and_less_often(mailbox, settings):
    settings.EMAIL_PORT = 9
    django_mail.send_mail("Hello", "Body", None, ["ana@example.org"])
    row = OutgoingMail.objects.get()
    start = row.created_at
    tried_at = []
    for second in range(0, 30 * 60, 10):  # a worker pass every 10 s for half an hour
        assert mail.deliver_due(now=start + dt.timedelta(seconds=second)) == 0
        if OutgoingMail.objects.get().attempts > len(tried_at):
            tried_at.append(second)
    assert tried_at == [0, 30, 120, 270, 480, 750, 1080, 1470]
    row.refresh_from_db()
    assert row.sent_at is None and row.last_error.startswith("ConnectionRefusedError")


def test_account_mail_is_queued_by_the_request_and_delivered_by_the_worker(client, mailbox):
    # Another address than test_accounts' (allauth rate-limits confirmations per address).
    signup = {**SIGNUP, "email": "kofi@example.org", "username": "kofi"}
    response = client.post(reverse("account_signup"), signup)
    assert response.status_code == 302
    queued = OutgoingMail.objects.get()
    assert queued.recipients == ["kofi@example.org"] and queued.sent_at is None
    assert mailbox.messages == []  # the request talked to no mail server

    call_command("notify_worker", "--once")
    confirmation = mailbox.wait_for(1)[0]
    assert confirmation["To"] == "kofi@example.org"
    assert confirmation["Subject"] == queued.subject
    stored = bytes(queued.message).decode()
    assert confirmation["Message-ID"] in stored  # the stored message itself, not a copy
    link = re.search(
        r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", confirmation.get_content()
    )
    assert client.post(link.group(1))["Location"] == reverse("frontend:home")
    assert client.session["_auth_user_id"] == str(User.objects.get(username="kofi").pk)


def test_a_rolled_back_request_sends_nothing(mailbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        django_mail.send_mail("Never", "Body", None, ["ana@example.org"])
        assert OutgoingMail.objects.count() == 1
        raise RuntimeError("the request failed")
    assert OutgoingMail.objects.count() == 0
    call_command("notify_worker", "--once")
    assert mailbox.messages == []


def test_a_message_is_delivered_as_it_was_made(mailbox):
    message = django_mail.EmailMultiAlternatives(
        subject="Résumé of the São Paulo forum ✓",
        body="Olá, the answers are in — ça va.\n" + "long line " * 200,
        to=["ana@example.org"],
        cc=["ben@example.org"],
        bcc=["secret@example.org"],
        headers={"List-Unsubscribe": "<https://example.org/unsubscribe/x/>"},
    )
    message.attach_alternative("<p>Olá</p>", "text/html")
    message.send()
    assert mail.deliver_due() == 1
    received = mailbox.wait_for(1)[0]
    assert received["Subject"] == "Résumé of the São Paulo forum ✓"
    assert received["Cc"] == "ben@example.org" and received["Bcc"] is None
    assert received["List-Unsubscribe"] == "<https://example.org/unsubscribe/x/>"
    text, html = (part.get_content() for part in received.iter_parts())
    assert text.startswith("Olá, the answers are in — ça va.") and "<p>Olá</p>" in html
    assert OutgoingMail.objects.get().recipients == [
        "ana@example.org",
        "ben@example.org",
        "secret@example.org",
    ]


def test_the_console_backend_of_make_run_prints_the_mail(settings, capsys):
    settings.EMAIL_BACKEND = mail.QUEUED_BACKEND
    settings.MAIL_DELIVERY_BACKEND = "django.core.mail.backends.console.EmailBackend"
    django_mail.send_mail("Über den Entwurf", "Inhalt", None, ["ana@example.org"])
    assert mail.deliver_due() == 1
    out = capsys.readouterr().out
    assert "To: ana@example.org" in out and "Inhalt" in out


def test_a_password_reset_for_an_unknown_address_sends_nothing(client, mailbox):
    user = make_user()
    url = reverse("account_reset_password")
    unknown = client.post(url, {"email": "nobody@example.org"})
    assert OutgoingMail.objects.count() == 0
    known = client.post(url, {"email": user.email})
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"]  # the page does not tell them apart
    assert list(OutgoingMail.objects.values_list("recipients", flat=True)) == [[user.email]]
    mail.deliver_due()
    assert [m["To"] for m in mailbox.wait_for(1)] == [user.email]


@pytest.mark.django_db(transaction=True)
def test_workers_skip_the_messages_another_worker_holds(mailbox):
    django_mail.send_mail("Held", "Body", None, ["ana@example.org"])
    django_mail.send_mail("Free", "Body", None, ["ben@example.org"])
    held, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                list(OutgoingMail.objects.select_for_update().filter(subject="Held"))
                held.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert held.wait(10)
        assert mail.deliver_due() == 1
        assert [m["Subject"] for m in mailbox.wait_for(1)] == ["Free"]
    finally:
        release.set()
        thread.join()
    assert mail.deliver_due() == 1
    assert [m["Subject"] for m in mailbox.wait_for(2)] == ["Free", "Held"]


def test_the_outbox_in_the_admin_shows_each_messages_state_and_retries(client, mailbox, settings):
    settings.EMAIL_PORT = 9
    django_mail.send_mail("Will fail first", "Body", None, ["ana@example.org"])
    mail.deliver_due()
    settings.EMAIL_PORT = mailbox.port
    django_mail.send_mail("Goes at once", "Body", None, ["ben@example.org"])
    mail.deliver_due()
    django_mail.send_mail("Still waiting", "Body", None, ["eve@example.org"])
    client.force_login(User.objects.create_superuser("root", "root@example.org", "x-long-pw-1"))
    url = reverse("admin:consult_outgoingmail_changelist")
    html = client.get(url).content.decode()
    for text in ("Will fail first", "failing", "Goes at once", "sent", "Still waiting", "waiting"):
        assert text in html
    failing = client.get(url, {"state": "failing"}).content.decode()
    assert "Will fail first" in failing and "ConnectionRefusedError" in failing
    assert "Goes at once" not in failing and "Still waiting" not in failing
    row = OutgoingMail.objects.get(subject="Will fail first")
    detail = client.get(reverse("admin:consult_outgoingmail_change", args=[row.pk]))
    assert "Subject: Will fail first" in detail.content.decode()

    client.post(url, {"action": "retry_now", "_selected_action": [row.pk]})
    assert mail.deliver_due() == 2  # the failed one, at once, and the waiting one
    assert sorted(m["Subject"] for m in mailbox.wait_for(3)) == [
        "Goes at once",
        "Still waiting",
        "Will fail first",
    ]


def test_mail_is_written_in_the_recipient_s_language(mailbox):
    from django.utils import translation
    from django.utils.translation import gettext

    consultation = make_consultation()
    section = first_section(consultation)
    ana, ben = make_member(), make_member()
    ana.profile.language = "fr"
    ana.profile.save(update_fields=["language"])
    comment = services.add_comment(section=section, author=ana, body="Add recycling.")
    with translation.override("es"):  # whoever replies, in whatever language
        services.add_comment(section=section, author=ben, body="Oui.", parent=comment)
    with translation.override("fr"):
        expected = gettext("%(name)s replied to your comment on %(title)s") % {
            "name": ben.profile.display_name,
            "title": consultation.title,
        }
        footer = gettext("Stop these emails: %(link)s").split("%")[0]
    assert "replied to your comment" not in expected  # the French catalogue has it
    call_command("notify_worker", "--once")
    (reply,) = mailbox.wait_for(1)
    assert reply["Subject"].strip() == expected
    assert footer in reply.get_content()
    assert notifications.language_of(ben) == "en"  # not chosen: the site's

    services.set_disposition(
        by=consultation.process.owner, comment=comment, decision="accepted", response="Ajouté."
    )
    call_command("notify_worker", "--once")
    (_reply, answer) = mailbox.wait_for(2)
    with translation.override("fr"):
        accepted = str(Disposition.Decision.ACCEPTED.label)
    assert accepted != "Accepted" and answer["Subject"].endswith(accepted)
