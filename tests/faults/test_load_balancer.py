"""The deployment's load balancer: the real nginx with ``deploy/nginx.conf`` (TLS) in
front of two Daphne processes, as docker-compose.yml runs them."""

from __future__ import annotations

import asyncio
import http.client
import urllib.request

import pytest

from sessions.hub import PRESENCE_EXPIRY_S, PRESENCE_REPORT_S
from tests.faults.test_processes_and_faults import converged, database_tally, join_all, make_room
from tests.live_client import LiveClient

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def test_nginx_upgrades_websockets_spreads_them_and_routes_around_a_dead_process(
    two_servers, load_balancer
):
    lb = load_balancer.base_url
    tls = load_balancer.ssl_context()
    status = await asyncio.to_thread(
        lambda: urllib.request.urlopen(f"{lb}/healthz", timeout=5, context=tls).status
    )
    assert status == 200

    # Plain HTTP only says where HTTPS is.
    def plain_http() -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", load_balancer.http_port, timeout=5)
        connection.request("GET", "/s/ABC/?x=1", headers={"Host": "consult.example.org"})
        answer = connection.getresponse()
        return answer.status, answer.getheader("Location")

    assert await asyncio.to_thread(plain_http) == (
        301,
        "https://consult.example.org/s/ABC/?x=1",
    )

    session, poll, cookie, tokens = await make_room(8)
    facilitator = LiveClient([lb], session.code, role="facilitator", cookie=cookie, ssl=tls)
    await facilitator.open()
    people = await join_all(lambda i: [lb], session.code, tokens, ssl=tls)
    await facilitator.wait_for(lambda c: c.connected_count == 8)
    await facilitator.control("open_activity", poll.pk)
    for person in people:
        await person.wait_for(lambda c: c.room["current_activity"] == poll.pk)
    first = await asyncio.gather(*(p.vote(poll.pk, 0) for p in people[:4]))

    two_servers[0].kill()
    # nginx spread the sockets over both processes, so some lose theirs; through the
    # same address they land on the survivor and vote there.
    second = await asyncio.gather(*(p.vote(poll.pk, 1) for p in people[4:]))
    assert all(ack["type"] == "ack" for ack in [*first, *second])
    moved = [p for p in [*people, facilitator] if p.reconnects]
    assert 0 < len(moved) < 9

    expected, count = await database_tally(poll.pk)
    assert count == 8
    assert [o["count"] for o in expected["options"]][:2] == [4, 4]
    for client in [*people, facilitator]:
        await client.wait_for(converged(expected, 8))
    # The dead process's last count stays in the total until it expires, at most
    # PRESENCE_EXPIRY_S after the kill; the survivor then announces the new total at
    # once. (Its moved participants are reported within one PRESENCE_REPORT_S.) The rest
    # is slack for a loaded machine.
    settle = PRESENCE_EXPIRY_S + PRESENCE_REPORT_S + 5
    await facilitator.wait_for(lambda c: c.connected_count == 8, timeout=settle)
    for client in [*people, facilitator]:
        await client.close()
