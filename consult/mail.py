"""All mail leaves through the outbox: the queued email backend (``EMAIL_BACKEND``)
stores every message the product sends, account mail from allauth included, as an
``OutgoingMail`` row inside the caller's transaction (a request that rolls back sends
nothing), and the worker (``manage.py notify_worker``) delivers due rows through the
real backend (``MAIL_DELIVERY_BACKEND``: SMTP when ``EMAIL_HOST`` is set, else the
console). A row that fails stays in the outbox with its error and is tried again
later, less and less often; nothing is lost."""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import re
from collections.abc import Iterable
from email.parser import BytesHeaderParser

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from .models import OutgoingMail

QUEUED_BACKEND = "consult.mail.QueuedEmailBackend"
# After n failed attempts a message is due again n² x RETRY_BASE after it was queued:
# 30 s, 2 min, 4.5 min, 8 min, ... (the gap between tries grows by a minute each time).
RETRY_BASE = dt.timedelta(seconds=30)
DELIVER_LIMIT = 100
_LINE_END = re.compile(rb"\r?\n")


class QueuedEmailBackend(BaseEmailBackend):
    """Stores messages in the outbox instead of sending them (the request never talks
    to a mail server). Writes in the caller's transaction: rolled back, nothing is sent."""

    def send_messages(self, email_messages: Iterable[EmailMessage]) -> int:
        rows = []
        for message in email_messages or ():
            recipients = message.recipients()
            if not recipients:
                continue
            rows.append(
                OutgoingMail(
                    recipients=list(recipients),
                    subject=str(message.subject)[:300],
                    # The whole message as it would go over the wire: headers such as
                    # List-Unsubscribe, Message-ID and Date are kept as they were made.
                    message=message.message().as_bytes(),
                )
            )
        OutgoingMail.objects.bulk_create(rows)
        return len(rows)


class _RawMessage:
    """The stored bytes, with the two methods Django's backends call on a message."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        return _LINE_END.sub(linesep.encode(), self.data)

    def get_charset(self) -> None:
        return None


class StoredMessage(EmailMessage):
    """An outbox row as an ``EmailMessage`` whose ``message()`` is the stored bytes."""

    def __init__(self, row: OutgoingMail) -> None:
        raw = bytes(row.message)
        headers = BytesHeaderParser().parsebytes(raw)
        sender = email.utils.parseaddr(headers.get("From", ""))[1]
        super().__init__(
            subject=row.subject, from_email=sender or settings.DEFAULT_FROM_EMAIL,
            to=list(row.recipients),
        )  # fmt: skip
        self.raw = raw

    def message(self, *args, **kwargs) -> _RawMessage:
        return _RawMessage(self.raw)


def delivery_connection():
    backend = settings.MAIL_DELIVERY_BACKEND
    if backend == QUEUED_BACKEND:
        raise ImproperlyConfigured("MAIL_DELIVERY_BACKEND must be a real backend, not the queue")
    return get_connection(backend, fail_silently=False)


def due(now: dt.datetime) -> QuerySet[OutgoingMail]:
    """Unsent rows whose next try has come (at once for a new row). A row tried ``n``
    times is due ``n² x RETRY_BASE`` after it was queued; the few distinct ``n`` in the
    outbox make one condition each (portable: no interval arithmetic in SQL)."""
    pending = OutgoingMail.objects.filter(sent_at=None)
    tries = pending.order_by().values_list("attempts", flat=True).distinct()
    when = Q(pk__in=[])
    for n in tries:
        when |= Q(attempts=n, created_at__lte=now - n * n * RETRY_BASE)
    return pending.filter(when).order_by("created_at", "id")


def deliver_due(*, limit: int = DELIVER_LIMIT, now: dt.datetime | None = None) -> int:
    """Send up to ``limit`` due messages through the real backend; returns how many went.

    Several workers may run: rows are locked and a worker skips those another holds.
    A failure is recorded on its row (attempts, last_error) and never raised."""
    now = now or timezone.now()
    sent = 0
    with transaction.atomic():
        rows = list(due(now).select_for_update(skip_locked=True)[:limit])
        if not rows:
            return 0
        connection = delivery_connection()
        try:
            for index, row in enumerate(rows):
                try:
                    connection.open()  # at the start, or again after a failure closed it
                except Exception as exc:  # the server is unreachable: every row waits
                    _failed(rows[index:], exc)
                    break
                try:
                    if not connection.send_messages([StoredMessage(row)]):
                        raise RuntimeError("the mail backend did not take the message")
                except Exception as exc:  # this message failed (refused, ...): keep it
                    _failed([row], exc)
                    _close_quietly(connection)  # the next row starts on a fresh connection
                else:
                    OutgoingMail.objects.filter(pk=row.pk).update(
                        sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
                    )
                    sent += 1
        finally:
            _close_quietly(connection)
    return sent


def _failed(rows: list[OutgoingMail], exc: Exception) -> None:
    OutgoingMail.objects.filter(pk__in=[row.pk for row in rows]).update(
        attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
    )


def retry_now(rows: QuerySet[OutgoingMail]) -> int:
    """Make unsent rows due at the next pass (the admin's "retry now")."""
    return rows.filter(sent_at=None).update(attempts=0)


def _close_quietly(connection) -> None:
    with contextlib.suppress(Exception):  # a broken connection closes as well as it can
        connection.close()
