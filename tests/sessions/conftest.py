import contextlib

import pytest_asyncio


@pytest_asyncio.fixture
async def live(hub):
    """Open sockets to the room: ``await live.connect(code)`` / ``await live.join(...)``.

    Every socket opened is disconnected after the test, before the hub closes."""
    from channels.testing import WebsocketCommunicator

    from tests.sessions.live import ORIGIN, Client, application

    opened: list[WebsocketCommunicator] = []

    class Live:
        hub = None

        @staticmethod
        async def connect(
            code,
            *,
            cookie=None,
            cookies=None,
            origin=ORIGIN,
            expect=True,
            address=None,
            headers=(),
        ):
            """``cookie``: the Django session's key (a log-in); ``cookies``: more cookies
            by name (e.g. a participant's ``pt_<CODE>``); ``address``: the socket's
            client address; ``headers``: more headers (e.g. X-Forwarded-For)."""
            # As a browser on http://127.0.0.1 sends it (sessions/origin.py).
            headers = [(b"host", b"127.0.0.1"), *([origin] if origin else []), *headers]
            jar = {**({"sessionid": cookie} if cookie else {}), **(cookies or {})}
            if jar:
                headers.append((b"cookie", "; ".join(f"{k}={v}" for k, v in jar.items()).encode()))
            comm = WebsocketCommunicator(application, f"/ws/s/{code}/", headers=headers)
            if address is not None:
                comm.scope["client"] = [address, 50000]
            opened.append(comm)
            connected, _ = await comm.connect()
            assert connected is expect
            return Client(comm)

        @classmethod
        async def join(
            cls, code, role="participant", *, token=None, cookie=None, cookies=None, last_seq=None
        ):
            client = await cls.connect(code, cookie=cookie, cookies=cookies)
            hello = {"type": "hello", "role": role}
            if token is not None:
                hello["token"] = token
            if last_seq is not None:
                hello["last_seq"] = last_seq
            await client.send(hello)
            client.welcome = await client.receive()
            assert client.welcome["type"] == "welcome", client.welcome
            return client

    Live.hub = hub
    yield Live
    for comm in reversed(opened):
        with contextlib.suppress(Exception):
            await comm.disconnect()
