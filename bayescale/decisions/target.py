"""Compute needed to reach a target loss, per posterior draw."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from bayescale.cost import Cost, CostFunction
from bayescale.errors import BayescaleInputError
from bayescale.fit import Fit
from bayescale.search import crossing

from .allocation import optimal_size
from .draws import draws_dataset, interval_table, unreachable
from .surface import LossSurface

LOG_FLOPS_RANGE = (np.log(1e10), np.log(1e40))


@dataclass
class ComputeToTarget:
    """Draws (dims chain, draw) of the compute ``flops`` and the ``params`` and ``tokens``
    reaching ``target``; NaN where a draw's law never gets there."""

    draws: xr.Dataset
    target: np.ndarray
    cost: Cost
    group: str | None = None

    @property
    def flops(self) -> xr.DataArray:
        return self.draws["flops"]

    @property
    def params(self) -> xr.DataArray:
        return self.draws["params"]

    @property
    def tokens(self) -> xr.DataArray:
        return self.draws["tokens"]

    @property
    def unreachable(self) -> float:
        """Fraction of draws for which the target lies below the law's floor (within 1e40 FLOPs)."""
        return unreachable(self.flops)

    def table(self, interval: float = 0.9) -> pd.DataFrame:
        """One row: median and interval of the compute, N and D, and the unreachable fraction."""
        return interval_table(self.draws, interval).assign(unreachable=self.unreachable)


def policy_loss(
    surface: LossSurface, log_flops: np.ndarray, params: tuple[np.ndarray, ...], ratio: float | None = None
) -> np.ndarray:
    """Loss at compute exp(``log_flops``), allocated compute-optimally or at ``ratio`` tokens
    per parameter, elementwise; ``params`` (one array per law parameter) broadcast with it."""
    if ratio is None:
        return optimal_size(surface, log_flops, params)[2]
    size = surface.cost.size_at_ratio(np.exp(log_flops), ratio)
    return surface.loss(size, ratio * size, *params)


def flops_to_reach(
    surface: LossSurface, target: np.ndarray, ratio: float | None = None, params: tuple[np.ndarray, ...] = ()
) -> np.ndarray:
    """Compute at which each element reaches its ``target`` loss (NaN where it never does, or
    where it does with under 1e10 FLOPs); ``params`` default to every draw along the first axis."""
    target = np.asarray(target, dtype=float)
    params = params or surface.along_draws(max(target.ndim, 1))

    def loss_at(log_flops, *params):
        return policy_loss(surface, log_flops, params, ratio)

    return np.exp(crossing(loss_at, target, *LOG_FLOPS_RANGE, args=params))


def compute_to_target(
    fit: Fit,
    loss,
    *,
    ratio: float | None = None,
    cost: Cost | CostFunction | None = None,
    group: str | None = None,
    seed: int | None = 0,
) -> ComputeToTarget:
    """Posterior of the compute needed to reach ``loss`` (a number or one per draw).

    At the compute-optimal allocation by default, or at a fixed tokens-per-parameter
    ``ratio`` (e.g. 20). ``cost`` is the cost model (default 6 N D); ``group`` a group of a
    grouped fit (None or an unknown name: a new group from the population). Draws whose law
    cannot reach the target (it lies below their floor) are NaN;
    :attr:`ComputeToTarget.unreachable` says how many.

    Examples
    --------
    >>> compute_to_target(fit, 2.0).table(0.9)  # doctest: +SKIP
    """
    if ratio is not None and not ratio > 0:
        raise BayescaleInputError(f"ratio={ratio} must be a positive number of tokens per parameter")
    surface = LossSurface(fit, cost, group, seed=seed, what="compute to a target")
    try:
        target = np.broadcast_to(np.asarray(loss, dtype=float), (surface.n_draws,)).copy()
    except ValueError:
        raise BayescaleInputError(f"loss must be one number or one per draw ({surface.n_draws})") from None
    params = surface.along_draws(1)
    if np.any(policy_loss(surface, np.full(surface.n_draws, LOG_FLOPS_RANGE[0]), params, ratio) < target):
        raise BayescaleInputError(f"loss={loss}: reached with under 1e10 FLOPs; ask for a lower target loss")
    flops = flops_to_reach(surface, target, ratio, params)
    if ratio is None:
        log_flops = np.log(np.nan_to_num(flops, nan=np.exp(LOG_FLOPS_RANGE[1])))
        sizes = np.where(np.isnan(flops), np.nan, np.exp(optimal_size(surface, log_flops, params)[0]))
    else:
        sizes = surface.cost.size_at_ratio(flops, ratio)
    values = {"flops": flops, "params": sizes, "tokens": surface.cost.data_for(sizes, flops)}
    return ComputeToTarget(draws_dataset(values, surface.shape), target, surface.cost, group)
