"""Themes in seconds, measured (part of ``make bench ARGS="--scenario synthesis"``).

``measure()`` themes 500 notes (the labelled fixture, its notes repeated with a varied
suffix up to 500) and scores ``find_themes`` on the fixture itself against its labels
with the adjusted Rand index.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from sklearn.metrics import adjusted_rand_score

from synthesis.themes import ThemeInput, assignment, find_themes

FIXTURE = Path(__file__).resolve().parents[1] / "synthesis" / "fixtures" / "themes_fixture.json"
ITEMS = 500
# Appended to repeated notes so that the 500 are not exact duplicates.
VARIANTS = ("", "please", "urgent", "for 2030", "in Europe", "globally")


def _rows() -> list[dict]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def measure() -> dict:
    rows = _rows()
    notes = []
    for n in range(ITEMS):
        row = rows[n % len(rows)]
        suffix = VARIANTS[(n // len(rows)) % len(VARIANTS)]
        notes.append(
            ThemeInput(id=f"b{n}", text=f"{row['text']} {suffix}".strip(), group=row["group"])
        )
    start = time.perf_counter()
    themes = find_themes(texts=notes)
    seconds = time.perf_counter() - start
    assert sum(len(t.items) for t in themes) == ITEMS

    found = assignment(
        themes=find_themes(
            texts=[ThemeInput(id=r["id"], text=r["text"], group=r["group"]) for r in rows]
        )
    )
    ari = adjusted_rand_score([r["theme"] for r in rows], [found[r["id"]] for r in rows])
    return {"themes_items": ITEMS, "themes_s": round(seconds, 3), "themes_ari": round(ari, 3)}


if __name__ == "__main__":
    print(json.dumps(measure()))
