"""A room event sent just after Redis restarts reaches the room.

redis-py keeps connections in its pool; after a restart each of them fails once when
next used. Without trying again, the first event after the restart would be lost, and
if it was the last one of a burst nothing would ever reveal the gap.
"""

from __future__ import annotations

import asyncio
import copy

import pytest
import redis
from channels_redis.core import RedisChannelLayer
from django.conf import settings

from sessions.room_events import group_name, send_to_room

pytestmark = [pytest.mark.asyncio]


def layer_on(url: str) -> RedisChannelLayer:
    """A channel layer configured as the platform's, on the given Redis."""
    config = copy.deepcopy(settings.CHANNEL_LAYERS["default"]["CONFIG"])
    config["hosts"] = [{**config["hosts"][0], "address": url}]
    return RedisChannelLayer(**config)


async def listener(url: str, session_id: int) -> tuple[RedisChannelLayer, str]:
    layer = layer_on(url)
    channel = await layer.new_channel("hub.")
    await layer.group_add(group_name(session_id), channel)
    return layer, channel


async def test_the_first_event_after_a_redis_restart_reaches_the_room(private_redis):
    sender = layer_on(private_redis.url)
    before, before_channel = await listener(private_redis.url, 1)
    # Several sends at once leave several connections in the sender's pool.
    await asyncio.gather(
        *(send_to_room(sender, 1, {"type": "room.event", "seq": n}) for n in range(1, 4))
    )
    got = [await asyncio.wait_for(before.receive(before_channel), 5) for _ in range(3)]
    assert sorted(m["seq"] for m in got) == [1, 2, 3]

    private_redis.stop()
    private_redis.start()
    # Redis lost every group with its data; a process subscribes again (the hub does so
    # on its own, see RoomHub._recover), here with a fresh layer.
    after, after_channel = await listener(private_redis.url, 1)

    await send_to_room(sender, 1, {"type": "room.event", "seq": 4})
    message = await asyncio.wait_for(after.receive(after_channel), 5)
    assert message["seq"] == 4
    for layer in (sender, before, after):
        await layer.close_pools()


async def test_a_send_while_redis_is_down_raises_after_trying_again(private_redis):
    sender = layer_on(private_redis.url)
    await send_to_room(sender, 1, {"type": "room.event", "seq": 1})
    private_redis.stop()
    with pytest.raises(redis.ConnectionError):
        await send_to_room(sender, 1, {"type": "room.event", "seq": 2})
    await sender.close_pools()
