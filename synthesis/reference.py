"""An independent reference for the raking of synthesis/weights.py, for the tests and
the benchmark only: the same target-mix weights computed with the ``ipfn`` package
(a development dependency, imported on use) on a pandas data frame, and a generator of
respondents for fixtures. Nothing of the product imports this module.

Scope: every respondent declares a value that has a target on every dimension with
targets (ipfn has no notion of a respondent left out of a margin); target categories
without respondents are dropped and the remaining shares renormalised here, by their
own code, not ``weights.py``'s.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Mapping, Sequence

import numpy as np

from .weights import DIMENSIONS, Respondent

# Tight enough that the reference's own stopping error is far below 1e-6.
IPFN_CONVERGENCE = 1e-14
IPFN_MAX_ITERATIONS = 5000


def _ipfn_rake(frame, shares: dict[str, dict[str, float]]):
    import pandas as pd
    from ipfn import ipfn

    n = len(frame)
    aggregates, dimensions = [], []
    for dimension, values in shares.items():
        aggregates.append(pd.Series({v: s * n for v, s in values.items()}).rename_axis(dimension))
        dimensions.append([dimension])
    fitter = ipfn.ipfn(
        frame,
        aggregates,
        dimensions,
        weight_col="w",
        convergence_rate=IPFN_CONVERGENCE,
        max_iteration=IPFN_MAX_ITERATIONS,
        rate_tolerance=0,
    )
    # ipfn prints its stopping reason and uses pandas arguments pandas 3 deprecates.
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fitter.iteration().sort_index()


def reference_weights(
    *,
    respondents: Sequence[Respondent],
    targets: Mapping[str, Mapping[str, float]],
    cap_ratio: float | None = None,
    trim_rounds: int = 100,
) -> np.ndarray:
    """The target-mix weights by ipfn: rake, then (with a cap) cut at cap_ratio x the
    mean and rake again, ``trim_rounds`` times at most, and a last cut."""
    import pandas as pd

    frame = pd.DataFrame({d: [r.value(d) for r in respondents] for d in DIMENSIONS if d in targets})
    shares: dict[str, dict[str, float]] = {}
    for dimension, values in targets.items():
        present = set(frame[dimension])
        kept = {v: float(s) for v, s in values.items() if float(s) > 0 and v in present}
        total = sum(kept.values())
        shares[dimension] = {v: s / total for v, s in kept.items()}
    frame["w"] = 1.0
    frame = _ipfn_rake(frame, shares)
    if cap_ratio is None:
        return frame["w"].to_numpy(dtype=float)
    cap = cap_ratio * frame["w"].mean()
    for _round in range(trim_rounds):
        if not (frame["w"] > cap).any():
            break
        frame["w"] = frame["w"].clip(upper=cap)
        frame = _ipfn_rake(frame, shares)
    return frame["w"].clip(upper=cap).to_numpy(dtype=float)


def generated_respondents(
    *,
    n: int,
    seed: int,
    dimensions: Mapping[str, Sequence[str]],
    skew: float = 1.0,
) -> list[Respondent]:
    """``n`` respondents with values drawn at random, the first values of each dimension
    more likely (``skew`` > 0 makes the mix unbalanced), every category non-empty."""
    rng = np.random.default_rng(seed)
    columns: dict[str, list[str]] = {}
    for dimension, values in dimensions.items():
        p = np.exp(-skew * np.arange(len(values)))
        drawn = list(rng.choice(list(values), size=n, p=p / p.sum()))
        drawn[: len(values)] = list(values)  # no category left empty by chance
        columns[dimension] = [str(v) for v in drawn]
    return [Respondent(**{d: columns[d][i] for d in columns}) for i in range(n)]
