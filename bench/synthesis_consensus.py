"""The consensus recomputation of the synthesis scenario (issue 17, "Figures").

2,000 participants answer about a third of 200 statements (agree, disagree or pass),
spread over three opinion camps and six declared stakeholder groups, with 20 statements
every camp leans towards. Measured: one full recomputation of a consensus-statements
result from its answer rows: the votes matrix, the per-group tallies, the map and the
opinion groups, both consensus scores and the lists (``synthesis.opinions``). One
warm-up run first (imports, caches), then the slowest of three runs is reported.

Run alone: ``.venv/bin/python bench/synthesis_consensus.py`` prints the JSON line.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from consensus.opinions import analyse, votes_matrix  # noqa: E402

PARTICIPANTS = 2000
STATEMENTS = 200
ANSWERED = 1 / 3
CAMPS = 3
GROUPS = ["industry_upstream", "industry_downstream", "civil_society", "policy", "research", ""]
RUNS = 3


def answer_rows(*, seed: int = 17) -> tuple[list[tuple[int, int, int]], list[str]]:
    """``(participant, statement, vote)`` rows and each participant's declared group."""
    rng = np.random.default_rng(seed)
    camp = rng.integers(0, CAMPS, PARTICIPANTS)
    lean = rng.choice([-1, 1], size=(CAMPS, STATEMENTS))
    lean[:, :20] = 1
    agree_p = np.where(lean[camp] == 1, 0.75, 0.15)
    draw = rng.random((PARTICIPANTS, STATEMENTS))
    votes = np.where(draw < agree_p, 1, np.where(draw < agree_p + 0.1, 0, -1))
    seen = rng.random((PARTICIPANTS, STATEMENTS)) < ANSWERED
    rows = [(int(i), int(j), int(votes[i, j])) for i, j in zip(*np.nonzero(seen), strict=True)]
    groups = [str(g) for g in rng.choice(GROUPS, PARTICIPANTS)]
    return rows, groups


def recompute(*, rows: list[tuple[int, int, int]], groups: list[str]) -> float:
    """Seconds for one recomputation from the answer rows."""
    start = time.perf_counter()
    matrix = votes_matrix(
        votes=rows, participant_ids=range(PARTICIPANTS), statement_ids=range(STATEMENTS)
    )
    result = analyse(votes=matrix, declared_groups=groups)
    elapsed = time.perf_counter() - start
    assert result.opinion_groups, result.no_opinion_groups
    return elapsed


def measure() -> dict:
    rows, groups = answer_rows()
    recompute(rows=rows, groups=groups)
    slowest = max(recompute(rows=rows, groups=groups) for _ in range(RUNS))
    return {
        "consensus_participants": PARTICIPANTS,
        "consensus_statements": STATEMENTS,
        "consensus_recompute_s": round(slowest, 3),
    }


if __name__ == "__main__":
    print(json.dumps(measure()))
