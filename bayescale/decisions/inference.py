"""Inference-aware optimum (Sardana et al. 2024, "Beyond Chinchilla-Optimal", arXiv:2401.00448).

Minimize training plus inference compute, 6 N D + 2 N T for T inference tokens under the
default cost, subject to reaching a target loss: larger inference demand favours smaller
models trained longer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from bayescale.cost import Cost, CostFunction
from bayescale.errors import BayescaleInputError
from bayescale.fit import Fit
from bayescale.search import crossing, grid_minimum

from .draws import draws_dataset, interval_table, unreachable
from .surface import LossSurface

LOG_PARAMS_RANGE = (np.log(1e6), np.log(1e15))
LOG_TOKENS_RANGE = (np.log(1e6), np.log(1e18))
# A size that cannot reach the target costs this much: finite, because SciPy's minimizer
# stops at non-finite values, and far above any real compute (1e40 FLOPs at most).
UNREACHABLE_FLOPS = 1e300


@dataclass
class InferenceOptimum:
    """Draws (dims chain, draw) of the ``params`` and ``tokens`` minimizing training plus
    inference compute at the target loss, with ``ratio``, ``training_flops`` and
    ``total_flops``; NaN where the target is out of reach."""

    draws: xr.Dataset
    inference_tokens: float
    cost: Cost
    group: str | None = None

    @property
    def params(self) -> xr.DataArray:
        return self.draws["params"]

    @property
    def tokens(self) -> xr.DataArray:
        return self.draws["tokens"]

    @property
    def training_flops(self) -> xr.DataArray:
        return self.draws["training_flops"]

    @property
    def total_flops(self) -> xr.DataArray:
        return self.draws["total_flops"]

    @property
    def unreachable(self) -> float:
        return unreachable(self.params)

    def table(self, interval: float = 0.9) -> pd.DataFrame:
        """One row: median and interval of N, D, D/N, training and total compute; unreachable fraction."""
        return interval_table(self.draws, interval).assign(unreachable=self.unreachable)


def tokens_to_reach(
    surface: LossSurface, size: np.ndarray, loss: np.ndarray, params: tuple[np.ndarray, ...]
) -> np.ndarray:
    """Training data at which a model of ``size`` reaches ``loss``, elementwise (NaN if never)."""

    def loss_at(log_data, size, *params):
        return surface.loss(size, np.exp(log_data), *params)

    return np.exp(crossing(loss_at, loss, *LOG_TOKENS_RANGE, args=(size, *params)))


def inference_optimal(
    fit: Fit,
    loss: float,
    inference_tokens: float,
    *,
    cost: Cost | CostFunction | None = None,
    group: str | None = None,
    seed: int | None = 0,
) -> InferenceOptimum:
    """Per posterior draw, the model size N and training data D that reach ``loss`` with the
    least training plus inference compute (6 N D + 2 N T under the default ``cost``, for
    T = ``inference_tokens``).

    D is solved from L(N, D) = loss for each N on a grid in log N (1e6 to 1e15 parameters)
    and the cheapest grid point refined by SciPy's bracketed minimizer. ``group`` picks a
    group of a grouped fit (None or an unknown name: a new group). Draws for which the
    target lies below the law's floor are NaN; :attr:`InferenceOptimum.unreachable` says
    how many.

    Examples
    --------
    >>> inference_optimal(fit, 2.0, inference_tokens=1e13).table(0.9)  # doctest: +SKIP
    """
    if not inference_tokens >= 0:
        raise BayescaleInputError(f"inference_tokens={inference_tokens} must be zero or positive")
    if not np.isfinite(loss) or loss <= 0:
        raise BayescaleInputError(f"loss={loss} must be a positive target loss")
    surface = LossSurface(fit, cost, group, seed=seed, what="an inference-aware optimum")
    target = np.full(surface.n_draws, float(loss))

    def total(log_size, target, *params):
        size = np.exp(log_size)
        data = tokens_to_reach(surface, size, target, params)
        flops = surface.cost.training_flops(size, data) + surface.cost.inference_flops(size, inference_tokens)
        return np.where(np.isnan(flops), UNREACHABLE_FLOPS, flops)

    params = surface.along_draws(1)
    log_size, _ = grid_minimum(total, *LOG_PARAMS_RANGE, args=(target, *params), points=60)
    reachable = total(log_size, target, *params) < UNREACHABLE_FLOPS
    sizes = np.where(reachable, np.exp(log_size), np.nan)
    data = tokens_to_reach(surface, sizes, target, params)
    training = surface.cost.training_flops(sizes, data)
    values = {
        "params": sizes,
        "tokens": data,
        "ratio": data / sizes,
        "training_flops": training,
        "total_flops": training + surface.cost.inference_flops(sizes, inference_tokens),
    }
    return InferenceOptimum(draws_dataset(values, surface.shape), float(inference_tokens), surface.cost, group)
