"""Combined predictions: stacking of predictive distributions (Yao et al. 2018, arXiv:1704.02030)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import logsumexp, softmax

from bayescale.errors import BayescaleInputError
from bayescale.fit import Fit, prediction_table
from bayescale.points import prediction_points

from .compare import Comparison, compare
from .holdout import with_compute


def stacking_weights(lpd: np.ndarray) -> np.ndarray:
    """Weights maximizing sum_i log sum_k w_k p_k(y_i), from pointwise log densities (runs x laws)."""
    lpd = np.asarray(lpd, dtype=float)
    n_laws = lpd.shape[1]
    if n_laws == 1:
        return np.ones(1)

    def loss(z):
        logw = np.log(softmax(np.append(z, 0.0)))
        return -logsumexp(lpd + logw, axis=1).sum()

    best = minimize(loss, np.zeros(n_laws - 1), method="BFGS")
    return softmax(np.append(best.x, 0.0))


class Stack:
    """Several fits combined with weights; predicts like a :class:`~bayescale.Fit`."""

    def __init__(self, fits: Mapping[str, Fit], weights: Mapping[str, float]):
        total = sum(weights.values())
        if set(weights) != set(fits) or not total > 0 or any(w < 0 for w in weights.values()):
            raise BayescaleInputError(f"weights must be non-negative, one per fit ({', '.join(fits)})")
        self.fits = dict(fits)
        self.weights = {name: float(weights[name] / total) for name in fits}

    def __repr__(self) -> str:
        parts = ", ".join(f"{n} {w:.2f}" for n, w in self.weights.items())
        return f"<Stack of {len(self.fits)} fits: {parts}>"

    def predict(
        self, table: pd.DataFrame | None = None, *, interval: float = 0.9, seed: int | None = 0, **inputs
    ) -> pd.DataFrame:
        """Median and intervals of the weighted mixture of the fits' predictions.

        Inputs are given by law input names or the fits' own column names; ``flops`` is
        derived from ``params`` and ``tokens`` for laws in compute.
        """
        if table is None:
            arrays = np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, dtype=float)) for v in inputs.values()))
            table = pd.DataFrame(dict(zip(inputs, arrays, strict=True)))
        given = with_compute(table.reset_index(drop=True))
        rng = np.random.default_rng(seed)
        n_total = min(len(f.posterior["draw"]) * len(f.posterior["chain"]) for f in self.fits.values())
        counts = rng.multinomial(n_total, list(self.weights.values()))
        means, new_runs = [], []
        for f, count in zip(self.fits.values(), counts, strict=True):
            if count == 0:
                continue
            points = prediction_points(f.law, given, f.columns)
            keep = rng.choice(n_total, size=count, replace=False)
            mean = f.mean_draws(**points)
            means.append(mean[keep])
            new_runs.append(f.new_runs(f.output_name(), mean, rng, points)[keep])
        shown = {c: given[c].to_numpy() for c in given.columns}
        return prediction_table(shown, {"y": np.vstack(means)}, {"y": np.vstack(new_runs)}, interval)


def stack(
    fits: Sequence[Fit] | Mapping[str, Fit] | Comparison,
    weights: str | Sequence[float] | Mapping[str, float] = "loo",
    *,
    holdout=None,
    runs=None,
    seed: int = 0,
) -> Stack:
    """Combine fits: ``weights="loo"`` (stacking on PSIS-LOO), ``"holdout"`` (stacking on held-out
    runs; pass ``holdout=``) or explicit weights, one per fit."""
    comparison = fits if isinstance(fits, Comparison) else None
    if comparison is not None and comparison.separate:
        raise BayescaleInputError(
            "a pooling comparison's separate fits (one per group) do not predict as one fit: stack the pooled fits"
        )
    if isinstance(weights, str):
        if weights not in ("loo", "holdout"):
            raise BayescaleInputError(f"weights={weights!r}: use 'loo', 'holdout' or one number per fit")
        if weights == "holdout" and holdout is None and (comparison is None or not comparison.holdout_scores):
            raise BayescaleInputError("weights='holdout' needs holdout= (which runs to score)")
        if comparison is None or (weights == "holdout" and not comparison.holdout_scores):
            comparison = compare(
                fits if comparison is None else comparison.fits,
                runs=runs,
                holdout=holdout if weights == "holdout" else None,
                seed=seed,
            )
        if weights == "loo":
            return Stack(comparison.fits, comparison.table["weight"].to_dict())
        names = list(comparison.fits)
        lpd = np.column_stack([comparison.holdout_scores[n]["lpd"].to_numpy() for n in names])
        return Stack(comparison.fits, dict(zip(names, stacking_weights(lpd), strict=True)))
    named = comparison.fits if comparison else (dict(fits) if isinstance(fits, Mapping) else None)
    if named is None:
        named = {}
        for i, f in enumerate(fits):
            named[f.law.name if f.law.name not in named else f"{f.law.name}_{i + 1}"] = f
    values = dict(weights) if isinstance(weights, Mapping) else dict(zip(named, weights, strict=False))
    if len(values) != len(named):
        raise BayescaleInputError(f"give one weight per fit ({len(named)}), got {len(values)}")
    return Stack(named, values)
