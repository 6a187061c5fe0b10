"""A bare ``websockets`` broadcast server: the baseline the live room is compared with.

Clients connect to ``/``; a control client connects to ``/control`` and sends
``{"count": M, "rate": B, "payload": {...}}``; the server then broadcasts M messages
``{"type": "event", "seq": i, "ts": <unix time>, "data": payload}`` at B per second to
every other client (each message serialised once) and answers ``{"done": M}``.
Run: ``python bench/baseline_server.py PORT``; it prints ``ready`` when listening.
"""

import asyncio
import json
import sys
import time

from websockets.asyncio.server import broadcast, serve

clients = set()


async def handler(ws):
    if ws.request.path == "/control":
        order = json.loads(await ws.recv())
        interval = 1 / order["rate"]
        start = time.monotonic()
        for i in range(1, order["count"] + 1):
            text = json.dumps(
                {"type": "event", "seq": i, "ts": time.time(), "data": order["payload"]},
                separators=(",", ":"),
            )
            broadcast(clients, text)
            await asyncio.sleep(max(0.0, start + i * interval - time.monotonic()))
        await ws.send(json.dumps({"done": order["count"]}))
        await ws.wait_closed()
        return
    clients.add(ws)
    try:
        await ws.wait_closed()
    finally:
        clients.discard(ws)


async def main(port: int) -> None:
    async with serve(handler, "127.0.0.1", port, max_queue=None, ping_interval=None):
        print("ready", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
