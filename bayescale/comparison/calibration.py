"""Are a fit's predictive intervals honest on runs it never saw?"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayescale.errors import BayescaleInputError
from bayescale.fit import Fit
from bayescale.points import prediction_points

from .holdout import covered, score_runs

LEVELS = (0.5, 0.8, 0.9, 0.95)
MIN_RUNS = 10


@dataclass
class Calibration:
    """Coverage of nominal predictive intervals on held-out runs, PIT values and a verdict."""

    table: pd.DataFrame
    pit: np.ndarray
    verdict: str

    def __repr__(self) -> str:
        return f"{self.table.to_string(float_format=lambda v: f'{v:.3f}')}\n{self.verdict}"


def law_frame(fit: Fit, runs: pd.DataFrame) -> pd.DataFrame:
    """Held-out runs with the law's variable names as columns (inputs and the output)."""
    output = fit.output_name()
    points = prediction_points(fit.law, runs, fit.columns)
    column = output if output in runs.columns else fit.columns.get(output, output)
    if column not in runs.columns:
        raise BayescaleInputError(
            f"held-out runs have no column {column!r} (the observed {output}); columns: {', '.join(runs.columns)}"
        )
    return pd.DataFrame({**points, output: runs[column].to_numpy(dtype=float)})


def verdict(table: pd.DataFrame, n: int) -> str:
    """Plain words: overconfident, about right or underconfident, judged against binomial noise."""
    if n < MIN_RUNS:
        return f"only {n} held-out runs: too few to judge calibration (coverage is noisy at +-{0.5 / np.sqrt(n):.0%})"
    z = (table["coverage"] - table["nominal"]) / np.sqrt(table["nominal"] * (1 - table["nominal"]) / n)
    worst = table.loc[z.abs().idxmax()]
    detail = f"{worst['coverage']:.0%} of {n} held-out runs fall inside the {worst['nominal']:.0%} interval"
    if z.min() < -2:
        return f"overconfident: {detail}; the intervals are too narrow for extrapolation"
    if z.max() > 2:
        return f"underconfident: {detail}; the intervals are wider than they need to be"
    return f"about right: coverage is within binomial noise of nominal at every level ({detail})"


def calibration(fit: Fit, holdout_runs: pd.DataFrame, levels=LEVELS, seed: int = 0) -> Calibration:
    """Coverage of the nominal 50/80/90/95% predictive intervals on ``holdout_runs`` (the
    user's columns or the law's names), the PIT values, and a plain-words verdict."""
    scores = score_runs(fit, law_frame(fit, holdout_runs), seed)
    pit = scores["pit"].to_numpy()
    table = pd.DataFrame({"nominal": list(levels), "coverage": [covered(pit, lv).mean() for lv in levels]})
    table["n_runs"] = len(pit)
    return Calibration(table, pit, verdict(table, len(pit)))
