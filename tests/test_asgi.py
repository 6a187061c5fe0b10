"""The ASGI entry point: what it leaves loaded and frozen for the processes serving it,
and the GIL switch interval it sets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


PROBE = (
    "import gc, json, sys; gc.collect();"
    "before = gc.get_freeze_count();"
    "import asgi;"
    "print(json.dumps({'before': before, 'after': gc.get_freeze_count(),"
    " 'switch': sys.getswitchinterval(),"
    " 'views': sorted(m for m in ('consult.views', 'frontend.views', 'sessions.api')"
    " if m in sys.modules)}))"
)


def load_entry_point(**env: str) -> subprocess.CompletedProcess:
    """Import ``asgi`` in a new interpreter, as Daphne does."""
    environ = {k: v for k, v in os.environ.items() if k != "LIVE_SWITCH_INTERVAL_MS"}
    environ.update(PYTHONPATH=str(ROOT), **env)
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


def probed(**env: str) -> dict:
    out = load_entry_point(**env)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_entry_point_loads_every_view_and_freezes_it_out_of_the_collector():
    found = probed()
    assert found["before"] == 0
    # Django, the apps, the URL configuration and the views it imports: many thousands
    # of long-lived objects the full collections no longer walk.
    assert found["after"] > 50_000
    assert found["views"] == ["consult.views", "frontend.views", "sessions.api"]


def test_the_entry_point_hands_the_gil_over_every_millisecond_unless_told_otherwise():
    assert probed()["switch"] == 0.001
    assert probed(LIVE_SWITCH_INTERVAL_MS="2.5")["switch"] == 0.0025


def test_a_switch_interval_that_is_not_a_positive_number_stops_the_start_with_its_name():
    for bad in ("0", "-1", "fast"):
        out = load_entry_point(LIVE_SWITCH_INTERVAL_MS=bad)
        assert out.returncode != 0
        assert f"LIVE_SWITCH_INTERVAL_MS must be a number above 0 (got '{bad}')" in out.stderr


def test_daphne_runs_with_a_backlog_and_handshake_time_for_join_storms():
    """One command line for every Daphne the project starts (consult/asgi_server.py)."""
    from consult.asgi_server import HANDSHAKE_TIMEOUT_S, LISTEN_BACKLOG, daphne_command, endpoint

    command = daphne_command(host="127.0.0.1", port=8123, python="python")
    assert command == [
        "python",
        "-m",
        "daphne",
        "-e",
        f"tcp:port=8123:interface=127.0.0.1:backlog={LISTEN_BACKLOG}",
        "--websocket_connect_timeout",
        str(HANDSHAKE_TIMEOUT_S),
        "asgi:application",
    ]
    assert endpoint(host="::1", port=80, backlog=9) == r"tcp:port=80:interface=\:\:1:backlog=9"


def test_a_started_server_listens_with_the_larger_backlog(static_root):
    """The listening socket's backlog as the kernel reports it (``ss``: Send-Q of a
    listening socket), on a real server process."""
    from consult.asgi_server import LISTEN_BACKLOG
    from tests.servers import DaphneProcess

    server = DaphneProcess(static_root=static_root).start()
    try:
        listing = subprocess.run(
            ["ss", "-ltnH", f"sport = :{server.port}"], capture_output=True, text=True, check=True
        ).stdout.split()
        somaxconn = int(Path("/proc/sys/net/core/somaxconn").read_text())
        assert listing[0] == "LISTEN" and int(listing[2]) == min(LISTEN_BACKLOG, somaxconn)
    finally:
        server.stop()
