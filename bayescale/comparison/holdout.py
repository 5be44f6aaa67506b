"""Which runs are "the future": holdout rules, and scores of a fit on runs it never saw."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy.special import logsumexp

from bayescale.cost import DENSE_TRANSFORMER, Cost
from bayescale.errors import BayescaleInputError
from bayescale.fit import Fit
from bayescale.predictive import log_density

LARGEST = re.compile(r"^\s*largest\s+(\d+)\s+(\w+)\s*$")


def with_compute(frame: pd.DataFrame, cost: Cost = DENSE_TRANSFORMER) -> pd.DataFrame:
    """The table with a ``flops`` column (the cost's training compute, 6 N D by default) added
    when it has the cost's inputs (params and tokens)."""
    if "flops" not in frame.columns and {cost.size, cost.data} <= set(frame.columns):
        frame = frame.assign(flops=cost.training_flops(frame[cost.size], frame[cost.data]))
    return frame


def holdout_mask(frame: pd.DataFrame, rule) -> np.ndarray:
    """Boolean mask of held-out runs.

    ``rule`` is a boolean array, the name of a boolean column, an expression on the
    columns (``"flops >= 1e21"``), or ``"largest K COLUMN"`` (the runs at the K largest
    distinct values of a column, e.g. the largest 2 compute budgets).
    """
    frame = with_compute(frame)
    if isinstance(rule, str):
        largest = LARGEST.match(rule)
        if largest:
            k, column = int(largest.group(1)), largest.group(2)
            _require_column(frame, column, rule)
            values = np.sort(frame[column].unique())
            mask = frame[column].to_numpy() >= values[-min(k, len(values))]
        elif rule in frame.columns:
            mask = frame[rule].to_numpy()
        else:
            try:
                mask = frame.eval(rule)
            except Exception as err:  # pandas raises many kinds for a bad expression
                raise BayescaleInputError(
                    f"holdout rule {rule!r} could not be evaluated ({err}); columns: {', '.join(frame.columns)}"
                ) from None
            mask = np.asarray(mask)
    else:
        mask = np.asarray(rule)
    if mask.shape != (len(frame),) or mask.dtype != bool:
        raise BayescaleInputError(f"holdout must select runs with one True/False per run ({len(frame)} runs)")
    if not mask.any() or mask.all():
        raise BayescaleInputError(
            f"holdout {rule if isinstance(rule, str) else 'mask'} holds out {int(mask.sum())} of {len(frame)} runs: "
            "it must leave some runs to fit and some to score"
        )
    return mask


def _require_column(frame: pd.DataFrame, column: str, rule: str) -> None:
    if column not in frame.columns:
        raise BayescaleInputError(f"holdout rule {rule!r}: no column {column!r}; columns: {', '.join(frame.columns)}")


def score_runs(fit: Fit, runs: pd.DataFrame, seed: int = 0, *, new_group: bool = False) -> pd.DataFrame:
    """Per held-out run: log predictive density, PIT, posterior median, the observed value and
    the distance in decades beyond the fitted runs.

    ``runs`` has the law's variable names as columns (as :meth:`Fit.runs` returns them). A
    grouped fit predicts each run for its group (the fit's group column); a run without one,
    or every run with ``new_group``, for a new group drawn from the population. Every run is
    predicted as a new series.
    """
    column = fit.structure.get("groups") if fit.spec.varying else None
    if column is None or new_group or column not in runs.columns:
        parts = [(None, np.arange(len(runs)))]
    else:
        labels = runs[column].astype(str).to_numpy()
        parts = [(group, np.flatnonzero(labels == group)) for group in pd.unique(labels)]
    pieces = [_score_group(fit, runs.iloc[rows], group, seed).set_index(rows) for group, rows in parts]
    label_columns = [c for c in fit.structure.values() if c in runs.columns]
    scores = pd.concat(pieces).sort_index()
    return scores.assign(**{c: runs[c].to_numpy() for c in label_columns})


def _score_group(fit: Fit, runs: pd.DataFrame, group: str | None, seed: int) -> pd.DataFrame:
    output = fit.output_name()
    points = {n: runs[n].to_numpy(dtype=float) for n in fit.law.input_names}
    observed = runs[output].to_numpy(dtype=float)
    draws = fit.predictive(seed=seed, group=group, **points)
    mean = draws[output].values.reshape(-1, len(observed))
    new_runs = draws[f"{output}_new_run"].values.reshape(mean.shape)
    loglik = log_density(fit.posterior_view(), points, observed, output, group=group, seed=seed)
    return pd.DataFrame(
        {
            **points,
            "observed": observed,
            "median": np.median(mean, axis=0),
            "lpd": logsumexp(loglik, axis=0) - np.log(len(loglik)),
            "pit": (new_runs <= observed).mean(axis=0),
            "distance": draws["distance"].values,
        }
    )


def covered(pit: np.ndarray, level: float) -> np.ndarray:
    """Whether each observed run lies inside the central ``level`` predictive interval."""
    tail = (1 - level) / 2
    return (pit >= tail) & (pit <= 1 - tail)


def summarize_scores(scores: pd.DataFrame) -> dict[str, float]:
    """Held-out log predictive density, interval coverage and relative error of the median."""
    rel = np.abs(scores["median"] - scores["observed"]) / np.abs(scores["observed"])
    return {
        "elpd_holdout": float(scores["lpd"].sum()),
        "coverage_50": float(covered(scores["pit"].to_numpy(), 0.5).mean()),
        "coverage_90": float(covered(scores["pit"].to_numpy(), 0.9).mean()),
        "median_abs_rel_error": float(np.median(rel)),
        "n_holdout": len(scores),
    }
