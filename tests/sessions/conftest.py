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
        async def connect(code, *, cookie=None, origin=ORIGIN, expect=True):
            headers = [origin] if origin else []
            if cookie:
                headers.append((b"cookie", f"sessionid={cookie}".encode()))
            comm = WebsocketCommunicator(application, f"/ws/s/{code}/", headers=headers)
            opened.append(comm)
            connected, _ = await comm.connect()
            assert connected is expect
            return Client(comm)

        @classmethod
        async def join(cls, code, role="participant", *, token=None, cookie=None, last_seq=None):
            client = await cls.connect(code, cookie=cookie)
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
