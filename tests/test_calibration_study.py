"""Simulation study: are extrapolation intervals honest over many datasets from a known law?"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bayescale as bs
from bayescale.comparison.holdout import covered

TRUTH = {"E": 1.8, "A_raw": 480.0, "B_raw": 2000.0, "alpha": 0.35, "beta": 0.37}
DATASETS = 50


def simulate(seed: int) -> pd.DataFrame:
    """Runs from 40M to 16B parameters at 5-200 tokens per parameter; Student-t(4) noise with a
    standard deviation of 2% of the loss, so a few runs sit far off the law, as real runs do."""
    rng = np.random.default_rng(seed)
    params = np.repeat(np.geomspace(4e7, 1.6e10, 12), 5)
    tokens = params * np.tile(np.geomspace(5, 200, 5), 12)
    t = TRUTH
    mean = t["E"] + t["A_raw"] / params ** t["alpha"] + t["B_raw"] / tokens ** t["beta"]
    noise = 0.02 / np.sqrt(2) * rng.standard_t(4, size=len(mean))
    return pd.DataFrame({"params": params, "tokens": tokens, "loss": mean * np.exp(noise)})


@pytest.mark.slow
def test_ninety_percent_intervals_cover_larger_runs():
    pits = []
    for seed in range(DATASETS):
        runs = simulate(seed)
        larger = 6 * runs["params"] * runs["tokens"] >= 1e21
        fitted = bs.fit("chinchilla", runs[~larger], draws=500, tune=500, chains=2, seed=seed, warn=False)
        pits.append(bs.calibration(fitted, runs[larger]).pit)
    coverage = covered(np.concatenate(pits), 0.9).mean()
    # 50 datasets x 20 larger runs: binomial s.e. of a 90% coverage is about 0.01, and runs of
    # one dataset share its posterior, so 0.85 is about 3 s.e. below nominal. Above nominal the
    # default is wide on purpose: its discrepancy keeps a floor of 2% per decade beyond the runs
    # (misfit no held-out run inside them can reveal, as on the real Chinchilla splits), which is
    # pure cost when the law is exactly true (0.975 measured); 0.99 would mean vacuous intervals.
    assert 0.85 <= coverage <= 0.99, f"90% intervals covered {coverage:.3f} of the larger runs"
