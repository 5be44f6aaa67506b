"""Compute needed to reach a target loss, per posterior draw."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayescale.errors import BayescaleInputError
from bayescale.fit import Fit

from .allocation import LOG_RATIO_RANGE, LossSurface, _quantiles
from .search import bisect_decreasing, grid_minimum

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
    """Loss at the compute-optimal allocation (C = 6ND) and the optimal log N, per draw
    (``log_flops`` holds one budget per draw)."""
    log_flops = np.asarray(log_flops, dtype=float)
    center = 0.5 * (log_flops - np.log(6.0))

    def loss_at(log_n):
        n = np.exp(log_n)
        flops = np.exp(log_flops).reshape(-1, *([1] * (np.ndim(log_n) - 1)))
        return surface.loss(n, flops / (6.0 * n))

    log_n, _ = grid_minimum(loss_at, center - 0.5 * LOG_RATIO_RANGE[1], center - 0.5 * LOG_RATIO_RANGE[0])
    return loss_at(log_n), log_n


def policy_loss(surface: LossSurface, log_flops: np.ndarray, ratio: float | None = None) -> np.ndarray:
    """Loss per draw at compute exp(log_flops) (one per draw), allocated compute-optimally
    or at ``ratio`` tokens per parameter."""
    if ratio is None:
        return optimal_loss(surface, log_flops)[0]
    params = np.sqrt(np.exp(log_flops) / (6.0 * ratio))
    return surface.loss(params, ratio * params)


def flops_to_reach(surface: LossSurface, target: np.ndarray, ratio: float | None = None) -> np.ndarray:
    """Compute at which each draw reaches its ``target`` loss (NaN where it never does, or
    where it does with under 1e10 FLOPs)."""
    lo, hi = np.full(surface.n_draws, LOG_FLOPS_RANGE[0]), np.full(surface.n_draws, LOG_FLOPS_RANGE[1])
    return np.exp(bisect_decreasing(lambda x: policy_loss(surface, x, ratio), target, lo, hi, iters=50))


def compute_to_target(fit: Fit, loss, *, ratio: float | None = None) -> ComputeToTarget:
    """Posterior of the compute C = 6ND needed to reach ``loss`` (a number or one per draw).

    At the compute-optimal allocation by default, or at a fixed tokens-per-parameter ``ratio``
    (e.g. 20). Draws whose law cannot reach the target (it lies below their floor) are NaN;
    :attr:`ComputeToTarget.unreachable` says how many.
    """
    if ratio is not None and not ratio > 0:
        raise BayescaleInputError(f"ratio={ratio} must be a positive number of tokens per parameter")
    surface = LossSurface(fit)
    try:
        target = np.broadcast_to(np.asarray(loss, dtype=float), (surface.n_draws,)).copy()
    except ValueError:
        raise BayescaleInputError(f"loss must be one number or one per draw ({surface.n_draws})") from None
    if np.any(policy_loss(surface, np.full(surface.n_draws, LOG_FLOPS_RANGE[0]), ratio) < target):
        raise BayescaleInputError(f"loss={loss}: reached with under 1e10 FLOPs; ask for a lower target loss")
    flops = flops_to_reach(surface, target, ratio)
    if ratio is None:
        log_n = optimal_loss(surface, np.log(np.nan_to_num(flops, nan=np.exp(LOG_FLOPS_RANGE[1]))))[1]
        params = np.where(np.isnan(flops), np.nan, np.exp(log_n))
    else:
        params = np.sqrt(flops / (6.0 * ratio))
    return ComputeToTarget(target, flops, params, flops / (6.0 * params))
