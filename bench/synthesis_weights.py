"""The weights part of the synthesis scenario (``make bench ARGS="--scenario synthesis"``).

2,000 generated respondents over stakeholder group, region and gender, with an
unbalanced mix, raked to a target mix with the default trimming cap (5 x the mean,
active on this fixture) by synthesis/weights.py, and by the reference (the ipfn
package, synthesis/reference.py). Reported: the largest absolute difference between
the two sets of weights (target <= 1e-6) and the time our weighting took.
"""

from __future__ import annotations

import os
import time

RESPONDENTS = 2000
SEED = 2026
DIMENSIONS = {
    "stakeholder_group": [
        "industry_upstream",
        "industry_downstream",
        "civil_society",
        "policy",
        "research",
    ],
    "region": ["europe", "asia", "sub_saharan_africa", "latin_america"],
    "gender": ["woman", "man", "non_binary"],
}
TARGETS = {
    "stakeholder_group": {
        "industry_upstream": 20,
        "industry_downstream": 20,
        "civil_society": 20,
        "policy": 20,
        "research": 20,
    },
    "region": {"europe": 30, "asia": 25, "sub_saharan_africa": 25, "latin_america": 20},
    "gender": {"woman": 48, "man": 48, "non_binary": 4},
}


def measure() -> dict:
    """{"weights_max_abs_diff": float, "weights_s": seconds of our raking,
    "weights_reference_s": seconds of the reference's, ...}."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consult.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
    import numpy as np

    from synthesis.reference import generated_respondents, reference_weights
    from synthesis.weights import CAP_RATIO, rake_to_targets

    respondents = generated_respondents(n=RESPONDENTS, seed=SEED, dimensions=DIMENSIONS, skew=0.5)
    started = time.perf_counter()
    ours = rake_to_targets(respondents=respondents, targets=TARGETS, cap_ratio=CAP_RATIO)
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    theirs = reference_weights(respondents=respondents, targets=TARGETS, cap_ratio=CAP_RATIO)
    reference_s = time.perf_counter() - started
    return {
        "weights_max_abs_diff": float(np.max(np.abs(ours.weights - theirs))),
        "weights_s": round(elapsed, 4),
        # The baseline, in the same run: the reference library's raking of the same input.
        "weights_reference_s": round(reference_s, 4),
        "weights_respondents": RESPONDENTS,
        "weights_trimmed": ours.trimmed,
        "weights_converged": ours.converged,
        "weights_design_effect": round(ours.design_effect, 4),
    }


if __name__ == "__main__":
    import json
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    print(json.dumps(measure()))
