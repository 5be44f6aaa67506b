"""Compute needed to reach a target loss, per posterior draw."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayescale.errors import BayescaleInputError
from bayescale.fit import Fit

from .allocation import LOG_RATIO_RANGE, LossSurface, _quantiles
from .search import bisect_decreasing, golden_minimum

LOG_FLOPS_RANGE = (np.log(1e10), np.log(1e40))


@dataclass
class ComputeToTarget:
    """Draws of the compute (and N, D) reaching ``target``; NaN where a draw's law never gets there."""

    target: np.ndarray
    flops: np.ndarray
    params: np.ndarray
    tokens: np.ndarray

    @property
    def unreachable(self) -> float:
        """Fraction of draws for which the target lies below the law's floor (within 1e40 FLOPs)."""
        return float(np.mean(np.isnan(self.flops)))

    def summary(self, interval: float = 0.9) -> pd.DataFrame:
        rows = {}
        for name, values in (("flops", self.flops), ("params", self.params), ("tokens", self.tokens)):
            median, lower, upper = _quantiles(values, interval)
            rows[name] = {"median": median, "lower": lower, "upper": upper}
        table = pd.DataFrame(rows).T
        table["unreachable"] = self.unreachable
        return table


def optimal_loss(surface: LossSurface, log_flops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Loss at the compute-optimal allocation (C = 6ND) and the optimal log N, per draw."""
    flops = np.exp(log_flops)
    center = 0.5 * np.log(flops / 6.0)

    def loss_at(log_n):
        n = np.exp(log_n)
        return surface.loss(n, flops / (6.0 * n))

    log_n = golden_minimum(loss_at, center - 0.5 * LOG_RATIO_RANGE[1], center - 0.5 * LOG_RATIO_RANGE[0], iters=60)
    return loss_at(log_n), log_n


def compute_to_target(fit: Fit, loss, *, ratio: float | None = None) -> ComputeToTarget:
    """Posterior of the compute C = 6ND needed to reach ``loss`` (a number or one per draw).

    At the compute-optimal allocation by default, or at a fixed tokens-per-parameter ``ratio``
    (e.g. 20). Draws whose law cannot reach the target (it lies below their floor) are NaN;
    :attr:`ComputeToTarget.unreachable` says how many.
    """
    surface = LossSurface(fit)
    target = np.broadcast_to(np.asarray(loss, dtype=float), (surface.n_draws,)).copy()
    if ratio is not None and not ratio > 0:
        raise BayescaleInputError(f"ratio={ratio} must be a positive number of tokens per parameter")
    lo, hi = np.full(surface.n_draws, LOG_FLOPS_RANGE[0]), np.full(surface.n_draws, LOG_FLOPS_RANGE[1])
    if ratio is None:
        log_flops = bisect_decreasing(lambda x: optimal_loss(surface, x)[0], target, lo, hi, iters=50)
        log_n = optimal_loss(surface, np.nan_to_num(log_flops, nan=LOG_FLOPS_RANGE[1]))[1]
        params = np.where(np.isnan(log_flops), np.nan, np.exp(log_n))
    else:

        def loss_at(log_flops):
            n = np.sqrt(np.exp(log_flops) / (6.0 * ratio))
            return surface.loss(n, ratio * n)

        log_flops = bisect_decreasing(loss_at, target, lo, hi, iters=60)
        params = np.sqrt(np.exp(log_flops) / (6.0 * ratio))
    flops = np.exp(log_flops)
    return ComputeToTarget(target, flops, params, flops / (6.0 * params))
