"""Simulation study: a law that is not exactly right, measured along correlated curves.

Each dataset is one learning curve (one series) of 60 checkpoints from 1e6 to 1e9: a power
law, times a smooth misfit that tilts away from it beyond the middle of the fitted range at
``GROWTH`` per decade in a random direction, plus errors correlated along the curve. The
law is fitted to the first decades and asked for the last one, with the default (calibrated)
model: series correlation, and the discrepancy's growth learned by leave-future-out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bayescale as bs
from bayescale.discrepancy import GROWTH_PRIOR_SCALE
from bayescale.model import SERIES_LENGTH

DATASETS = 40
GROWTH = 0.10  # misfit per decade: twice the prior's scale, so learning it has to move the prior
LENGTH = 0.05  # correlation length of the errors, decades
NOISE = 0.01


def simulate_curve(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = np.geomspace(1e6, 1e9, 60)
    decades = np.log10(x / 1e7)
    misfit = GROWTH * rng.standard_normal() * np.maximum(decades, 0.0)
    rho = np.exp(-np.diff(np.log10(x), prepend=0.0) / LENGTH)
    error = np.zeros(len(x))
    for i in range(len(x)):
        previous = error[i - 1] if i else 0.0
        r = rho[i] if i else 0.0
        error[i] = r * previous + NOISE * np.sqrt(1 - r**2) * rng.standard_normal()
    y = (1.5 + 2.0 * (x / 1e7) ** -0.3) * np.exp(misfit + error)
    return pd.DataFrame({"x": x, "y": y, "curve": "c"})


@pytest.mark.slow
def test_intervals_hold_when_the_law_misfits_and_rows_are_correlated():
    covered, growth_means, lengths, widths = [], [], [], []
    for seed in range(DATASETS):
        curve = simulate_curve(seed)
        later = curve["x"] > 1e8
        fit = bs.fit("power_law", curve[~later], series="curve", seed=seed, draws=400, tune=500, chains=2, warn=False)
        table = fit.predict(curve.loc[later, ["x"]], interval=0.9, series="c")  # the curve continued
        observed = curve.loc[later, "y"].to_numpy()
        covered.append(((observed >= table["predictive_lower"]) & (observed <= table["predictive_upper"])).mean())
        widths.append(float(((table["predictive_upper"] - table["predictive_lower"]) / observed).median()))
        growth_means.append(float(fit.posterior["discrepancy_growth"].mean()))
        lengths.append(float(fit.posterior[SERIES_LENGTH].median()))
    coverage = float(np.mean(covered))
    # The 20 targets of one curve share its misfit, so the curve is the unit: 40 curves, and a
    # per-curve coverage whose spread is at most that of a 0/1 outcome (s.e. <= 0.3 / sqrt(40)
    # = 0.047). Overconfidence is the failure that matters: 0.80 is 2 s.e. below 0.90 (false
    # alarm <= 2.5%). The method is conservative in this design (measured: 0.997 with 20 seeds
    # of 40 and 0.99+ with all), because the power law bends toward part of the tilt it is fitted
    # to; the bound above checks that the intervals are not merely infinite.
    assert coverage >= 0.80, f"90% intervals covered {coverage:.3f} of later checkpoints"
    assert np.median(widths) < 0.25, f"median relative 90% width {np.median(widths):.3f}"
    # The growth is learned: its posterior mean moves from the prior's mean toward the truth.
    prior_mean = GROWTH_PRIOR_SCALE * np.sqrt(2 / np.pi)
    assert prior_mean < np.mean(growth_means) < 2 * GROWTH, np.mean(growth_means)
    # The correlation length is recovered within a factor of three (its prior is centred at 0.03).
    assert LENGTH / 3 < np.median(lengths) < 3 * LENGTH, np.median(lengths)
