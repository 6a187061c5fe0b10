"""``make bench ARGS="--scenario synthesis"``: the figures of issue 17 in one JSON line:
common ground recomputed (2,000 participants x 200 statements, about a third answered),
in memory and as the background task runs it on the benchmark's database,
themes of 500 notes and their adjusted Rand index on the labelled fixture, and the
weighting engine against the reference raking (``ipfn``), whose own time is the
baseline measured in the same run. No server: these run in the process."""

from __future__ import annotations

import os

from bench.synthesis_consensus import measure as measure_consensus
from bench.synthesis_task import measure as measure_task
from bench.synthesis_themes import measure as measure_themes
from bench.synthesis_weights import measure as measure_weights

TARGETS = {
    "consensus_recompute_s": ("<=", 5),
    "consensus_task_s": ("<=", 5),
    "themes_s": ("<=", 10),
    "themes_ari": (">=", 0.5),
    "weights_max_abs_diff": ("<=", 1e-6),
}


def run_synthesis(args) -> dict:
    figures: dict = {"scenario": "synthesis"}
    for measure in (measure_consensus, measure_task, measure_themes, measure_weights):
        figures.update(measure())
    figures["targets_met"] = {
        name: (figures[name] <= limit if op == "<=" else figures[name] >= limit)
        for name, (op, limit) in TARGETS.items()
    }
    figures["load_avg_1m"] = round(os.getloadavg()[0], 2)
    return figures
