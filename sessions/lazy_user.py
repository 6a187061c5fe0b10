"""The WebSocket's logged-in user, read the first time it is asked for.

Channels' ``AuthMiddleware`` reads it at every handshake, on a thread of its own: a
hop there and back for each of a reconnect storm's sockets, most of them
participants, whose user nobody asks for (6 % of the event loop's samples in a storm
of 1,000: docs/performance.md, "Reconnect storms"). Here ``scope["user"]`` reads it
on first use; the room asks only from its database threads (a facilitator's
``hello`` and controls, a client over its wrong-code limit), never from the event
loop, where Django would refuse the query.
"""

from __future__ import annotations

from typing import Any

from channels.sessions import CookieMiddleware, SessionMiddleware
from django.contrib import auth
from django.utils.functional import SimpleLazyObject


class _SessionOnly:
    """What ``django.contrib.auth.get_user`` reads of a request: its session."""

    def __init__(self, session: Any) -> None:
        self.session = session


class LazyUserMiddleware:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        session = scope["session"]
        scope = {**scope, "user": SimpleLazyObject(lambda: auth.get_user(_SessionOnly(session)))}
        return await self.inner(scope, receive, send)


def lazy_auth_stack(inner: Any) -> CookieMiddleware:
    """Channels' ``AuthMiddlewareStack`` with the user read on first use."""
    return CookieMiddleware(SessionMiddleware(LazyUserMiddleware(inner)))
