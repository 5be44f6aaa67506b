"""Leave-future-out in scale: fit on every run below a scale, score the next, step by step.

With series (checkpoints of one run), a series is never split: it goes whole to the fitted
or the scored side, placed by its largest row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bayescale.errors import BayescaleInputError
from bayescale.fit import Fit

from .compare import holdout_frame, named_fits
from .holdout import score_runs, summarize_scores
from .refit import refit_task, run_refits
from .units import Units, choose_units

if TYPE_CHECKING:
    from distributed import Client


def scale_bins(values: np.ndarray, bin_dex: float) -> np.ndarray:
    """Bin index of each run on a log10 grid ``bin_dex`` decades wide."""
    if np.any(values <= 0) or not np.all(np.isfinite(values)):
        raise BayescaleInputError("the scale column must be positive and finite to order runs by scale")
    return np.floor(np.log10(values) / bin_dex).astype(int)


def unit_scale(scale: np.ndarray, units: Units) -> np.ndarray:
    """Each row's scale for ordering: its own, or with series the largest of its series."""
    if units.kind == "run":
        return scale
    largest = np.full(len(units.names), -np.inf)
    codes = units.codes()
    np.maximum.at(largest, codes, scale)
    return largest[codes]


def compare_sequential(
    items: Sequence[Fit | str | Path] | Mapping[str, Fit | str | Path],
    *,
    runs: pd.DataFrame | str | Path | None = None,
    columns: Mapping[str, str] | None = None,
    by: str = "flops",
    steps: int = 4,
    bin_dex: float = 0.25,
    seed: int = 0,
    workers: int | None = None,
    executor: Executor | None = None,
    scheduler: str | Client | None = None,
    **fit_kwargs,
) -> pd.DataFrame:
    """How each law's extrapolation error grows with the distance extrapolated.

    Runs are ordered by ``by`` (compute, 6 N D, by default) and grouped into bins
    ``bin_dex`` decades wide. For each of the last ``steps`` bins, every law is refitted on
    all runs of smaller bins (same priors, scales, groups, series and sampler settings; the
    compiled model is reused) and scored on the runs of that bin. ``distance_dex`` is how
    many decades the bin's median lies beyond the largest fitted run. When the fits have
    several series, each series is placed in the bin of its largest row and moves whole.

    Returns one row per (law, step): ``law``, ``step``, ``n_fit``, ``n_scored``,
    ``distance_dex``, ``elpd_holdout``, ``coverage_50``, ``coverage_90``,
    ``median_abs_rel_error``. Refits run as in :func:`compare` (``workers``, ``executor``,
    ``scheduler``).
    """
    if steps < 1:
        raise BayescaleInputError(f"steps={steps} must be at least 1")
    fits = named_fits(items, runs, columns, seed=seed, **fit_kwargs)
    frame = holdout_frame(fits, runs)
    if by not in frame.columns:
        raise BayescaleInputError(f"by={by!r}: no such column; columns: {', '.join(frame.columns)}")
    scale = frame[by].to_numpy(dtype=float)
    units = choose_units(fits, "auto")
    bins = scale_bins(unit_scale(scale, units), bin_dex)
    levels = np.unique(bins)
    if len(levels) <= steps:
        what = "series (each at its largest row)" if units.kind == "series" else "runs"
        raise BayescaleInputError(
            f"{what} span only {len(levels)} bins of {bin_dex} decades in {by!r}: use fewer steps or narrower bins"
        )
    plan, tasks = [], []
    for step, level in enumerate(levels[-steps:], start=1):
        train, scored = bins < level, bins == level
        distance = float(np.log10(np.median(scale[scored])) - np.log10(scale[train].max()))
        for name, f in fits.items():
            law_frame = f.runs()
            if len(law_frame) != len(frame):
                raise BayescaleInputError(f"fit {name!r} has {len(law_frame)} runs, the runs table {len(frame)}")
            if train.sum() <= len(f.spec.free_params):
                raise BayescaleInputError(
                    f"step {step}: only {int(train.sum())} runs below the scored bin, too few to fit {name!r}"
                )
            tasks.append(refit_task(f, train, seed))
            plan.append((name, step, int(train.sum()), distance, law_frame[scored]))
    refits = run_refits(tasks, workers=workers, executor=scheduler if scheduler is not None else executor)
    rows = []
    for (name, step, n_fit, distance, scored_runs), refit in zip(plan, refits, strict=True):
        summary = summarize_scores(score_runs(refit, scored_runs, seed))
        rows.append(
            {
                "law": name,
                "step": step,
                "n_fit": n_fit,
                "n_scored": summary.pop("n_holdout"),
                "distance_dex": distance,
                **summary,
            }
        )
    return pd.DataFrame(rows)
