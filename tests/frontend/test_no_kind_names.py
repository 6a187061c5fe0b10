"""The room and the pages know no activity kind: ``frontend/`` and ``sessions/`` talk
to the kind registry (sessions/kinds.py) only, so a kind is added or removed in its
own app. This scans their Python, templates, scripts and style sheets for the name of
every registered kind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sessions.kinds import kind_choices

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("frontend", "sessions")
SUFFIXES = {".py", ".html", ".js", ".css"}


def scanned_files() -> list[Path]:
    return sorted(
        path
        for app in SCANNED
        for path in (ROOT / app).rglob("*")
        if path.suffix in SUFFIXES and "migrations" not in path.parts  # frozen history
    )


def mentions(name: str, text: str) -> list[int]:
    """Line numbers where ``name`` stands as a word of its own: not part of a longer
    identifier, a hyphenated word or a CSS property ("initial-scale")."""
    pattern = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])")
    return [n for n, line in enumerate(text.splitlines(), start=1) if pattern.search(line)]


def test_the_scan_reads_the_room_and_finds_a_name_where_one_stands():
    files = {path.relative_to(ROOT).as_posix() for path in scanned_files()}
    assert {
        "frontend/static/frontend/room.js",
        "frontend/templates/frontend/console.html",
        "frontend/views.py",
        "sessions/kinds.py",
    } <= files
    assert mentions("scale", 'if (activity.kind === "scale")\n.scale { }') == [1, 2]
    assert mentions("scale", '<meta content="initial-scale=1">\nscale_min\nupscale') == []


@pytest.mark.parametrize("name", [name for name, _label in kind_choices()])
def test_frontend_and_sessions_name_no_registered_kind(name):
    found = {
        path.relative_to(ROOT).as_posix(): lines
        for path in scanned_files()
        if (lines := mentions(name, path.read_text(encoding="utf-8")))
    }
    assert found == {}, f"{name!r} is named in {found}"
