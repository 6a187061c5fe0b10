"""How the platform runs Daphne: one command line for ``make run``, the container, and
the tests' and the benchmark's server processes (``python -m consult.asgi_server``).

Two of Daphne's defaults do not hold a whole conference joining at once
(docs/performance.md, "5,000 in one room"):

- Twisted listens with a backlog of 50 connections. A join storm of thousands of
  sockets overflows it; the kernel then drops the connection attempts, which clients
  send again only after 1, 3, 7 seconds. ``LISTEN_BACKLOG`` (the kernel caps it at
  ``net.core.somaxconn``).
- Daphne's command line drops a WebSocket whose opening handshake has not finished
  within 5 seconds; in a storm of 5,000 on one process the last handshakes wait longer
  than that in the event loop's queue. ``HANDSHAKE_TIMEOUT_S``.
"""

from __future__ import annotations

import argparse
import os
import sys

LISTEN_BACKLOG = 4096
HANDSHAKE_TIMEOUT_S = 30


def endpoint(*, host: str, port: int, backlog: int = LISTEN_BACKLOG) -> str:
    """Twisted's description of a TCP listening socket (colons in an IPv6 address
    escaped, as Daphne's own ``-b`` does)."""
    interface = host.replace(":", r"\:")
    return f"tcp:port={port}:interface={interface}:backlog={backlog}"


def daphne_command(*, host: str, port: int, python: str = sys.executable) -> list[str]:
    """The command line of one Daphne process serving the platform."""
    return [
        python,
        "-m",
        "daphne",
        "-e",
        endpoint(host=host, port=port),
        "--websocket_connect_timeout",
        str(HANDSHAKE_TIMEOUT_S),
        "asgi:application",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    command = daphne_command(host=args.host, port=args.port)
    os.execv(command[0], command)  # noqa: S606 - our own fixed command line


if __name__ == "__main__":
    main()
