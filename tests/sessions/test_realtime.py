"""The realtime module on its own: what a hub does when it starts, and the notices it
sends (the fan-out itself is tested through the consumer and real servers)."""

from __future__ import annotations

import sys

import pytest

from sessions import realtime

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def test_a_hub_starting_keeps_the_configured_thread_switch_interval():
    """asgi.py sets LIVE_SWITCH_INTERVAL_MS for the process; a room opening later must
    not put CPython's default (or anything else) back."""
    from channels.layers import channel_layers

    before = sys.getswitchinterval()
    sys.setswitchinterval(0.0025)
    channel_layers.backends.clear()
    try:
        await realtime.get_hub()
        assert sys.getswitchinterval() == pytest.approx(0.0025)
        await realtime.close_hub()
    finally:
        sys.setswitchinterval(before)
        channel_layers.backends.clear()


async def test_a_started_hub_is_the_process_hub_that_request_threads_notify(hub):
    assert realtime._process_hub is hub
    hub.mark_panels(12345)  # no room with facilitators here: nothing becomes due
    assert hub.panels_due == set()
