"""Limits on joining, per client address (docs/protocol.md, "Limits"; settings.JOIN_LIMITS).

- Wrong codes: every way of trying a join code (the join form and link, the room and
  projector pages, the join API and the room's WebSocket) counts the wrong ones in one
  counter per address. While an address is at ``WRONG_CODES_PER_ADDRESS`` in the
  current window, every way refuses it before looking a code up. Right codes never
  count: a whole room behind one venue's address joins with the right one.
- Participants: one address creates at most ``PARTICIPANTS_PER_ADDRESS`` participants
  in one session per ``PARTICIPANTS_WINDOW_S``.

0 turns a limit off. The counts live in the Django cache (Redis whenever ``REDIS_URL``
is set, so every process shares them; ``cache.add`` and ``cache.incr`` are atomic
there), in fixed windows: a window is a multiple of its length since the epoch, and a
refusal says how long is left of it.

The client's address is the one the outermost trusted proxy saw
(``TRUSTED_PROXY_COUNT``, as DRF's throttles read it with ``NUM_PROXIES``): never an
``X-Forwarded-For`` entry the client wrote itself.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import ngettext

from .kinds import CommandError
from .models import Session
from .selectors import normal_code, sessions_by_code


class TooManyTries(CommandError):
    """Refused by a limit per address: ``code`` is ``too_many_tries`` (wrong codes) or
    ``too_many_participants``; ``retry_after`` is the seconds left in the window."""

    def __init__(self, code: str, message: str, *, retry_after: int) -> None:
        super().__init__(code, message)
        self.retry_after = retry_after


# --------------------------------------------------------------------------- addresses


def client_address(*, remote_addr: str | None, forwarded_for: str | None) -> str:
    """The client's address: with ``TRUSTED_PROXY_COUNT`` n above 0, the n-th entry of
    ``X-Forwarded-For`` from the end (the one the outermost trusted proxy wrote); the
    socket's address with 0, without the header, or when the header has fewer than n
    entries (it did not come through every proxy)."""
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0 and forwarded_for:
        entries = forwarded_for.split(",")
        if len(entries) >= count and entries[-count].strip():
            return entries[-count].strip()
    return (remote_addr or "").strip()


def request_address(*, request: HttpRequest) -> str:
    """The client's address of an HTTP request."""
    return client_address(
        remote_addr=request.META.get("REMOTE_ADDR"),
        forwarded_for=request.headers.get("x-forwarded-for"),
    )


def scope_address(*, scope: Mapping[str, Any]) -> str:
    """The client's address of a WebSocket's ASGI scope (repeated X-Forwarded-For
    headers read as one list, as Django reads them)."""
    client = scope.get("client") or ("",)
    forwarded = [
        value.decode("latin-1")
        for name, value in scope.get("headers", ())
        if name.lower() == b"x-forwarded-for"
    ]
    return client_address(remote_addr=client[0], forwarded_for=",".join(forwarded) or None)


def counted_as(address: str) -> str:
    """What an address counts as: an IPv6 address as its /64 (one machine usually has
    a whole /64 to pick addresses from), an IPv4-mapped one as its IPv4 address."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:100]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


# --------------------------------------------------------------------------- counting


def _window(seconds: int) -> tuple[int, int]:
    """The index of the current fixed window of this length, and the seconds left in it."""
    now = time.time()
    index = int(now // seconds)
    return index, max(1, math.ceil((index + 1) * seconds - now))


def _count(key: str, *, timeout: int) -> int:
    """Add one to a count that expires after ``timeout`` seconds; the new count."""
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.add(key, 1, timeout=timeout)
        return 1


def _wrong_codes_key(address: str) -> tuple[str, int]:
    index, left = _window(settings.JOIN_LIMITS["WRONG_CODES_WINDOW_S"])
    return f"join:wrong-codes:{counted_as(address)}:{index}", left


def wrong_codes_waits(*, addresses: Iterable[str]) -> dict[str, int]:
    """Seconds until each address may try a join code again (0: it may now), in one
    cache round trip."""
    addresses = set(addresses)
    limit = settings.JOIN_LIMITS["WRONG_CODES_PER_ADDRESS"]
    if limit <= 0:
        return dict.fromkeys(addresses, 0)
    keys = {address: _wrong_codes_key(address) for address in addresses}
    counts = cache.get_many([key for key, _left in keys.values()])
    return {
        address: left if counts.get(key, 0) >= limit else 0 for address, (key, left) in keys.items()
    }


def count_wrong_code(*, address: str) -> None:
    if settings.JOIN_LIMITS["WRONG_CODES_PER_ADDRESS"] > 0:
        key, left = _wrong_codes_key(address)
        _count(key, timeout=left + 1)


def too_many_tries(*, retry_after: int) -> TooManyTries:
    minutes = max(1, math.ceil(retry_after / 60))
    message = ngettext(
        "Too many wrong session codes were tried from your network. Wait %(minutes)d "
        "minute, then check the code with the facilitator.",
        "Too many wrong session codes were tried from your network. Wait %(minutes)d "
        "minutes, then check the code with the facilitator.",
        minutes,
    ) % {"minutes": minutes}
    return TooManyTries("too_many_tries", message, retry_after=retry_after)


@dataclass(frozen=True, slots=True)
class CodeTry:
    """One try of a join code: see ``session_for_code``."""

    code: str
    address: str | None
    proven: Callable[[], bool] | None = None


def session_for_code(
    *, code: str, address: str | None, proven: Callable[[], bool] | None = None
) -> Session | None:
    """The session with this join code, or None (a wrong code, counted against
    ``address``). Raises ``TooManyTries`` before looking the code up while the address
    is at its limit, unless ``proven()`` says the client showed it already knows this
    code (asked only then: a room cookie the server signed for it, an organiser's
    log-in). ``address`` None: not counted (in-process callers, a code the caller
    checked already)."""
    found = sessions_for_codes(tries=[CodeTry(code, address, proven)], related=("event",))[0]
    if isinstance(found, TooManyTries):
        raise found
    return found


def sessions_for_codes(
    *, tries: Sequence[CodeTry], related: tuple[str, ...] = ()
) -> list[Session | TooManyTries | None]:
    """``session_for_code`` of each try, the refusals returned rather than raised: one
    cache round trip for the addresses' counts and one query for the codes (the
    WebSocket handshakes of a reconnect storm, sessions/joining.py). Each session is
    read once and shared by the tries of its code; ``related`` is selected with it."""
    waits = wrong_codes_waits(addresses={t.address for t in tries if t.address is not None})
    refused: dict[int, TooManyTries] = {}
    for index, attempt in enumerate(tries):
        wait = waits.get(attempt.address, 0) if attempt.address is not None else 0
        if wait and not (attempt.proven is not None and attempt.proven()):
            refused[index] = too_many_tries(retry_after=wait)
    codes = {t.code for index, t in enumerate(tries) if index not in refused}
    sessions = sessions_by_code(codes, related=related)
    found: list[Session | TooManyTries | None] = []
    for index, attempt in enumerate(tries):
        if index in refused:
            found.append(refused[index])
            continue
        session = sessions.get(normal_code(attempt.code))
        if session is None and attempt.address is not None:
            count_wrong_code(address=attempt.address)
        found.append(session)
    return found


def count_participant(*, session_id: int, address: str | None) -> None:
    """Count a new participant of this session from this address; raises
    ``TooManyTries`` (``too_many_participants``) past ``PARTICIPANTS_PER_ADDRESS``."""
    limit = settings.JOIN_LIMITS["PARTICIPANTS_PER_ADDRESS"]
    if address is None or limit <= 0:
        return
    index, left = _window(settings.JOIN_LIMITS["PARTICIPANTS_WINDOW_S"])
    key = f"join:participants:{session_id}:{counted_as(address)}:{index}"
    if _count(key, timeout=left + 1) > limit:
        raise TooManyTries(
            "too_many_participants",
            ngettext(
                "More than %(n)d person joined this session from your network: no "
                "more can join from it today. Ask the facilitator.",
                "More than %(n)d people joined this session from your network: no "
                "more can join from it today. Ask the facilitator.",
                limit,
            )
            % {"n": limit},
            retry_after=left,
        )
