"""The ASGI entry point: what it leaves loaded and frozen for the processes serving it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_entry_point_loads_every_view_and_freezes_it_out_of_the_collector():
    probe = (
        "import gc, json, sys; gc.collect();"
        "before = gc.get_freeze_count();"
        "import asgi;"
        "print(json.dumps({'before': before, 'after': gc.get_freeze_count(),"
        " 'views': sorted(m for m in ('consult.views', 'frontend.views', 'sessions.api')"
        " if m in sys.modules)}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found["before"] == 0
    # Django, the apps, the URL configuration and the views it imports: many thousands
    # of long-lived objects the full collections no longer walk.
    assert found["after"] > 50_000
    assert found["views"] == ["consult.views", "frontend.views", "sessions.api"]
