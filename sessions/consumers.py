"""The live-room WebSocket consumer: parse, check the role, call a service, answer.

Fan-out does not go through this class: the process's RoomHub writes broadcasts to the
socket directly (see hub.py). Close codes are listed in docs/protocol.md.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header

from . import commands, join_limits, joining, selectors
from .batches import batcher
from .command_queue import get_command_queue
from .connections import RoomConnection
from .db import db_call
from .hub import RoomHub, get_hub
from .hub_context import current_hub
from .join_limits import CodeTry, TooManyTries
from .kinds import Command, CommandError, Role
from .limits import TokenBucket
from .models import Session
from .protocol import Message, ProtocolError, parse
from .room_events import dumps

log = logging.getLogger(__name__)

CLOSE_UNKNOWN_SESSION = 4404
CLOSE_UNAUTHORISED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_SESSION_CLOSED = 4410
CLOSE_TOO_MANY_TRIES = 4429
CLOSE_FLOODING = 4008


def connection_language(scope: dict[str, Any]) -> str:
    """The language a socket's messages are answered in: the language cookie the
    switcher set, else the browser's Accept-Language, else the site's (as
    LocaleMiddleware chooses for pages, which a WebSocket does not pass through)."""
    candidates = [scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME)]
    for name, value in scope.get("headers", ()):
        if name == b"accept-language":
            header = value.decode("latin-1")[:500]
            candidates += [code for code, _q in parse_accept_lang_header(header)]
    for candidate in candidates:
        if not candidate or candidate == "*":
            continue
        try:
            return translation.get_supported_language_variant(candidate)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


class RoomConsumer(AsyncWebsocketConsumer):
    # No per-connection channel: the hub holds one subscription per room per process.
    channel_layer_alias = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        # Channels' own __call__ reads the client's messages through
        # ``await_many_dispatch``, which waits in a task of its own for each source so
        # that it can wait on a channel layer too. This consumer has no channel layer:
        # reading the one source in place spares every open socket that task, its
        # future and the wait (about 2.6 KB per participant: docs/performance.md,
        # "Memory per participant"). Messages are still dispatched one at a time.
        self.scope = scope
        self.channel_layer = None
        self.base_send = send
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass

    async def connect(self) -> None:
        self.limits = settings.LIVE_ROOM
        self.bucket = TokenBucket(self.limits["RATE_PER_SECOND"], self.limits["RATE_BURST"])
        self.strikes = 0
        self.role: Role | None = None
        self.participant = None
        self.conn: RoomConnection | None = None
        self.hub: RoomHub | None = None
        self.language = connection_language(self.scope)
        code = self.scope["url_route"]["kwargs"]["code"]
        # Accept before any database work so a join storm never runs into the server's
        # handshake timeout; an unknown code is answered on the open socket.
        await self.accept()
        self.session: Session | None = None
        try:
            self.session = await batcher(joining.find_sessions).ask(
                CodeTry(
                    code=code,
                    address=join_limits.scope_address(scope=self.scope),
                    proven=lambda: self.knows_code(code),
                )
            )
        except TooManyTries as exc:
            await self.send_error(exc.code, exc.message)
            await self.close(code=CLOSE_TOO_MANY_TRIES)
            return
        if self.session is None:
            await self.send_error("unknown_session", _("No session has this code."))
            await self.close(code=CLOSE_UNKNOWN_SESSION)

    def knows_code(self, code: str) -> bool:
        """The client shows it did not guess the code: it sends a room cookie this server
        signed for the code (a participant who joined), or is logged in as an
        organiser (a facilitator, a projector). Asked only while its address is over
        the limit, so that a venue's typos do not cut off the room."""
        if selectors.token_from_cookies(self.scope.get("cookies") or {}, code=code):
            return True
        user = self.scope.get("user")
        return user is not None and selectors.may_run_events(user)

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels' own dispatch first closes the stale database connections of its
        # shared sync thread: a hop to that one thread for every frame, which cost a
        # sixth of a 500 votes/s room's samples (docs/performance.md, "Votes in
        # batches"). The room never uses that thread: its database calls run on its
        # own pool (db.py), which closes stale connections around every call.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        # As above, without the hop; this consumer is in no channel-layer group.
        await self.disconnect(message["code"])
        raise StopConsumer()

    async def disconnect(self, code: int) -> None:
        if self.hub is not None and self.conn is not None:
            await self.hub.detach(self.conn)

    async def send_json(self, payload: dict[str, Any]) -> None:
        await self.send(text_data=dumps(payload))

    async def send_error(self, code: str, message: str, ref: Any = None, **extra: Any) -> None:
        payload = {"type": "error", "code": code, "message": message, **extra}
        if ref is not None:
            payload["ref"] = ref
        await self.send_json(payload)

    async def strike(self) -> bool:
        """Count an abusive message; close the socket past the limit."""
        self.strikes += 1
        if self.strikes >= self.limits["ABUSE_CLOSE_AFTER"]:
            await self.send_error("flooding", _("Too many bad or excess messages; disconnected."))
            await self.close(code=CLOSE_FLOODING)
            return True
        return False

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # Errors and acknowledgements in the person's language; broadcasts are built by
        # the hub's own tasks, outside this context.
        with translation.override(self.language):
            await self._receive(text_data, bytes_data)

    async def _receive(self, text_data: str | None, bytes_data: bytes | None) -> None:
        if self.session is None:
            return
        size = len(text_data.encode()) if text_data is not None else len(bytes_data or b"")
        if size > self.limits["MAX_FRAME_BYTES"]:
            if not await self.strike():
                await self.send_error(
                    "too_large",
                    _("Messages are limited to %(n)d bytes.")
                    % {"n": self.limits["MAX_FRAME_BYTES"]},
                )
            return
        if not self.bucket.take():
            if not await self.strike():
                await self.send_error("rate_limited", _("Too many messages; slow down."))
            return
        if text_data is None:
            await self.send_error("invalid_message", _("Send text frames holding JSON."))
            return
        message = None
        try:
            message = parse(text_data)
            await self.handle(message)
        except ProtocolError as exc:
            await self.send_error(exc.code, exc.message, exc.ref)
        except CommandError as exc:
            await self.send_error(exc.code, exc.message, message.ref, **exc.extra)
        except ValidationError as exc:
            await self.send_error("invalid_value", "; ".join(exc.messages), message.ref)
        except Exception:
            # A bug must not cost the participant their connection; it is logged.
            log.exception("live-room message failed")
            await self.send_error(
                "server_error",
                _("Something went wrong on our side; try again."),
                message.ref if message is not None else None,
            )

    async def handle(self, message: Message) -> None:
        if message.type == "ping":
            await self.send_json({"type": "pong", "ref": message.ref})
            return
        if message.type == "hello":
            await self.hello(message)
            return
        if self.role is None:
            raise ProtocolError("not_joined", _("Send 'hello' first."), message.ref)
        if message.type == "resync":
            await self.send_snapshot(message.ref)
        elif message.type == "act":
            await self.act(message)
        elif message.type == "control":
            await self.control(message)

    # -- joining

    async def hello(self, message: Message) -> None:
        if self.role is not None:
            raise ProtocolError(
                "already_joined", _("This connection has joined already."), message.ref
            )
        try:
            role = Role(message.get("role"))
        except ValueError:
            raise ProtocolError("invalid_field", _("Unknown role."), message.ref) from None
        if role is Role.PARTICIPANT:
            self.participant, me = await batcher(joining.greet_participants).ask(
                joining.Hello(
                    session=self.session,
                    token=message.get("token"),
                    cookies=self.scope.get("cookies") or {},
                )
            )
            if self.participant is None:
                await self.send_error(
                    "invalid_token",
                    _("Your place in this session was not found; join again."),
                    message.ref,
                )
                await self.close(code=CLOSE_UNAUTHORISED)
                return
            if self.participant.session.status == Session.Status.CLOSED:
                self.participant = None
                await self.send_error("session_closed", _("This session has ended."), message.ref)
                await self.close(code=CLOSE_SESSION_CLOSED)
                return
            # Read fresh for the check above; from here on only its id and code are
            # used, so the participant shares the socket's session row rather than
            # keeping a second copy for as long as it is connected.
            self.participant.session = self.session
        elif role is Role.FACILITATOR and not await self.may_facilitate():
            await self.send_error(
                "forbidden", _("Only this session's facilitators can do this."), message.ref
            )
            await self.close(code=CLOSE_FORBIDDEN)
            return
        else:
            me = None
        self.role = role
        self.hub = await get_hub()
        current_hub.set(self.hub)
        self.conn = RoomConnection(
            role=role, send_text=self.send_text, wire=self.scope.get("live_wire")
        )
        await self.hub.attach(self.session.pk, self.conn)
        last_seq = message.get("last_seq")
        if last_seq is not None and self.session.current_activity_id is not None:
            # A reconnect: the process this client was on may have died with a tally
            # still pending (a vote takes no seq until its tally is sent), so the last
            # seq proves nothing about the count. The tally tick coalesces a reconnect
            # storm into one fresh tally per interval.
            self.hub.mark_dirty(self.session.pk, self.session.current_activity_id)
        replay = self.hub.replay_since(self.session.pk, last_seq) if last_seq is not None else None
        if replay is not None:
            self.conn.pending.extend((seq, frames[role.value]) for seq, frames in replay)
            resumed = {
                "type": "welcome",
                "resumed": True,
                "seq": last_seq,
                "role": role,
                "me": me,
                "now": time.time(),
            }
            if role is not Role.PARTICIPANT:
                resumed["connected"] = self.hub.connected(self.session.pk)
            await self.send_json(resumed)
            await self.conn.start(last_seq)
            self.panels_due()
            return
        seq, texts = await self.hub.snapshot(self.session.pk)
        snapshot = json.loads(texts[role.value])
        welcome = {
            "type": "welcome",
            "resumed": False,
            "seq": seq,
            "role": role,
            "me": me,
            "data": snapshot["data"],
            "now": time.time(),
        }
        if role is not Role.PARTICIPANT:
            welcome["connected"] = self.hub.connected(self.session.pk)
        await self.send_json(welcome)
        await self.conn.start(seq)
        self.panels_due()

    def panels_due(self) -> None:
        """A facilitator or projector, welcomed: its panels (sessions/panels.py) follow."""
        if self.role is not Role.PARTICIPANT:
            self.hub.mark_panels(self.session.pk)

    async def send_text(self, text: str) -> None:
        await self.send(text_data=text)

    @db_call
    def me(self) -> dict[str, Any] | None:
        return None if self.participant is None else joining.me_of(self.participant)

    async def send_snapshot(self, ref: Any) -> None:
        seq, texts = await self.hub.snapshot(self.session.pk)
        self.conn.last_sent = max(self.conn.last_sent, seq)
        payload = json.loads(texts[self.role.value])
        payload["ref"] = ref
        payload["me"] = await self.me()
        await self.send_json(payload)

    @db_call
    def may_facilitate(self) -> bool:
        """Checked at hello and again on every control against fresh rows, so a revoked
        permission, a deactivated account or a handed-over event counts at once."""
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return False
        fresh = get_user_model()._default_manager.filter(pk=user.pk, is_active=True).first()
        session = Session.objects.select_related("event").filter(pk=self.session.pk).first()
        return (
            fresh is not None and session is not None and selectors.can_facilitate(fresh, session)
        )

    # -- commands

    async def act(self, message: Message) -> None:
        if self.role is not Role.PARTICIPANT:
            raise CommandError("forbidden", _("Only participants can vote."))
        command = Command(
            participant=self.participant,
            activity_id=message.get("activity"),
            action=message.get("action"),
            data=message.get("data"),
            key=message.get("key"),
            language=self.language,
        )
        result = await get_command_queue(hub=self.hub).submit(command)
        # "at": a time after the command was committed (for a resent key, after it was
        # answered again); every event with a later "as_of" includes it.
        await self.send_json(
            {"type": "ack", "ref": message.ref, "at": time.time(), "result": result}
        )

    async def control(self, message: Message) -> None:
        if self.role is not Role.FACILITATOR or not await self.may_facilitate():
            raise CommandError("forbidden", _("Only this session's facilitators can do this."))
        action = message.get("action")
        value = message.get("value")
        said = await db_call(self.run_control)(action, message.get("activity"), value)
        result = {"action": action, "message": said}
        await self.send_json({"type": "ack", "ref": message.ref, "result": result})

    def run_control(self, action: str, activity_id: int | None, value: Any) -> str:
        """Carry out the command; what the facilitator's page says it did."""
        session = Session.objects.get(pk=self.session.pk)
        command = commands.run(session=session, name=action, activity_id=activity_id, value=value)
        return str(command.done(value))
