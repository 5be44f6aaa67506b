"""Are a fit's predictive intervals honest on runs it never saw, near the runs and far beyond?"""

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
DISTANCE_EDGES = (0.0, 0.25, 0.5, 1.0, np.inf)  # decades beyond the fitted runs
INSIDE = 1e-6  # decades: a run on the edge of the fitted runs is inside up to rounding


@dataclass
class Calibration:
    """Coverage of nominal predictive intervals on held-out runs, PIT values and a verdict.

    ``table`` has one row per nominal level; ``by_distance`` one row per band of distance
    beyond the fitted runs (``inside``, then bands in decades), with the coverage at every
    level; ``scores`` the per-run scores (PIT, log density, median, distance).
    """

    table: pd.DataFrame
    pit: np.ndarray
    verdict: str
    by_distance: pd.DataFrame | None = None
    scores: pd.DataFrame | None = None

    def __repr__(self) -> str:
        text = self.table.to_string(float_format=lambda v: f"{v:.3f}")
        if self.by_distance is not None:
            text += "\n" + self.by_distance.to_string(float_format=lambda v: f"{v:.3f}")
        return f"{text}\n{self.verdict}"


def law_frame(fit: Fit, runs: pd.DataFrame) -> pd.DataFrame:
    """Held-out runs with the law's variable names as columns (inputs and the output), and the
    fit's group and series columns where the runs have them."""
    output = fit.output_name()
    points = prediction_points(fit.law, runs, fit.columns)
    column = output if output in runs.columns else fit.columns.get(output, output)
    if column not in runs.columns:
        raise BayescaleInputError(
            f"held-out runs have no column {column!r} (the observed {output}); columns: {', '.join(runs.columns)}"
        )
    labels = {c: runs[c].to_numpy() for c in fit.structure.values() if c in runs.columns}
    return pd.DataFrame({**points, output: runs[column].to_numpy(dtype=float), **labels})


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


def distance_band(distance: np.ndarray, edges=DISTANCE_EDGES) -> np.ndarray:
    """Label of each run's band of distance beyond the fitted runs: ``inside`` or ``a-b dex``."""
    distance = np.asarray(distance, dtype=float)
    labels = np.full(distance.shape, "inside", dtype=object)
    for lower, upper in zip(edges[:-1], edges[1:], strict=True):
        rows = (distance > max(lower, INSIDE)) & (distance <= upper)
        labels[rows] = f"{lower:g}-{upper:g} dex" if np.isfinite(upper) else f">{lower:g} dex"
    return labels


def coverage_by_distance(scores: pd.DataFrame, levels=LEVELS) -> pd.DataFrame:
    """Coverage at each level within each band of distance beyond the fitted runs (bands with
    runs only, nearest first): ``band``, ``n_runs``, ``median_distance``, ``coverage_50`` ..."""
    band = distance_band(scores["distance"].to_numpy())
    rows = []
    for label in pd.unique(band[np.argsort(scores["distance"].to_numpy(), kind="stable")]):
        inside = band == label
        pit = scores["pit"].to_numpy()[inside]
        row = {
            "band": label,
            "n_runs": int(inside.sum()),
            "median_distance": float(np.median(scores["distance"][inside])),
        }
        row.update({f"coverage_{round(100 * lv)}": float(covered(pit, lv).mean()) for lv in levels})
        rows.append(row)
    return pd.DataFrame(rows).set_index("band")


def calibration(fit: Fit, holdout_runs: pd.DataFrame, levels=LEVELS, seed: int = 0) -> Calibration:
    """Coverage of the nominal 50/80/90/95% predictive intervals on ``holdout_runs`` (the
    user's columns or the law's names), overall and by distance beyond the fitted runs, the
    PIT values, and a plain-words verdict.

    A grouped fit predicts each run for its group when the runs carry the fit's group column,
    else for a new group.

    Examples
    --------
    >>> result = bs.calibration(fit, larger_runs)  # doctest: +SKIP
    >>> result.by_distance  # doctest: +SKIP
    """
    scores = score_runs(fit, law_frame(fit, holdout_runs), seed)
    pit = scores["pit"].to_numpy()
    table = pd.DataFrame({"nominal": list(levels), "coverage": [covered(pit, lv).mean() for lv in levels]})
    table["n_runs"] = len(pit)
    return Calibration(table, pit, verdict(table, len(pit)), coverage_by_distance(scores, levels), scores)
