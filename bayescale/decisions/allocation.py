"""Compute-optimal allocation: the size N and data D that minimize a law's loss at a compute budget, per draw."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from bayescale.cost import Cost, CostFunction
from bayescale.errors import BayescaleInputError, check_interval
from bayescale.fit import Fit
from bayescale.search import grid_minimum

from .draws import check_budgets, draws_dataset, interval_dict, interval_table
from .surface import LossSurface

LOG_RATIO_RANGE = (np.log(1e-2), np.log(1e5))  # tokens per parameter searched: 0.01 to 100,000
METHODS = ("auto", "closed", "numerical")


@dataclass
class Allocation:
    """Posterior of the optimal allocation.

    ``draws`` holds ``params`` (N*), ``tokens`` (D*), ``ratio`` (D*/N*) and ``loss`` at the
    optimum with dims (chain, draw, budget), and the exponents ``a`` and ``b`` (N* ∝ C^a,
    D* ∝ C^b) with dims (chain, draw). ``interval`` is the default width of :meth:`table`
    and :meth:`exponents`.
    """

    draws: xr.Dataset
    method: str
    cost: Cost
    group: str | None = None
    interval: float = 0.9

    @property
    def flops(self) -> np.ndarray:
        return self.draws["budget"].values

    @property
    def params(self) -> xr.DataArray:
        return self.draws["params"]

    @property
    def tokens(self) -> xr.DataArray:
        return self.draws["tokens"]

    @property
    def ratio(self) -> xr.DataArray:
        return self.draws["ratio"]

    @property
    def loss(self) -> xr.DataArray:
        return self.draws["loss"]

    @property
    def a(self) -> xr.DataArray:
        return self.draws["a"]

    @property
    def b(self) -> xr.DataArray:
        return self.draws["b"]

    def table(self, interval: float | None = None) -> pd.DataFrame:
        """Per budget: median and interval of N*, D*, D*/N* and the loss at the optimum."""
        return interval_table(self.draws[["params", "tokens", "ratio", "loss"]], self._interval(interval))

    def exponents(self, interval: float | None = None) -> dict[str, float]:
        """Median and interval of a and b in N* ∝ C^a, D* ∝ C^b."""
        return interval_dict(self.draws[["a", "b"]], self._interval(interval))

    def _interval(self, interval: float | None) -> float:
        return check_interval(self.interval if interval is None else interval)


def size_range(surface: LossSurface, log_flops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The log sizes searched at a budget: from 0.01 to 100,000 tokens per parameter."""
    center = np.log(surface.cost.size_at_ratio(np.exp(log_flops), 1.0))  # N = D
    return center - 0.5 * LOG_RATIO_RANGE[1], center - 0.5 * LOG_RATIO_RANGE[0]


def optimal_size(
    surface: LossSurface, log_flops: np.ndarray, params: tuple[np.ndarray, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per element, the log N minimizing the loss at compute exp(``log_flops``), whether it lies
    at an end of the searched range, and the loss there. ``params`` (one array per law
    parameter) broadcast with ``log_flops``."""

    def loss_at(log_size, log_flops, *params):
        size = np.exp(log_size)
        return surface.loss(size, surface.cost.data_for(size, np.exp(log_flops)), *params)

    lo, hi = size_range(surface, log_flops)
    log_size, edge = grid_minimum(loss_at, lo, hi, args=(log_flops, *params))
    return log_size, edge, loss_at(log_size, log_flops, *params)


def has_closed_form(surface: LossSurface) -> bool:
    """Whether the law declares its optimum and the cost is proportional to N D (in the law's order)."""
    law = surface.law
    return law.optimum is not None and surface.cost.factor is not None and law.input_names[0] == surface.cost.size


def closed_form(surface: LossSurface, budgets: np.ndarray) -> np.ndarray:
    """N* per draw and budget from the law's declared optimum, in the fit's scaled units."""
    scale_size, scale_data = surface.scales
    product = budgets[None, :] / (surface.cost.factor * scale_size * scale_data)  # N D, scaled
    return np.asarray(surface.law.optimum(product, *surface.along_draws(2))) * scale_size


def numerical(surface: LossSurface, budgets: np.ndarray) -> np.ndarray:
    """N* per draw and budget by search in log N: a 48-point grid over D/N from 0.01 to
    100,000, refined by SciPy's bracketed minimizer."""
    log_size, edge, _ = optimal_size(surface, np.log(budgets)[None, :], surface.along_draws(2))
    at_edge = edge.any(axis=1)
    if at_edge.any():
        warnings.warn(
            f"for {at_edge.mean():.1%} of draws the optimum lies at the end of the searched range "
            "(0.01 to 100,000 tokens per parameter): their N* and D* are bounds, not optima",
            UserWarning,
            stacklevel=3,
        )
    return np.exp(log_size)


def optimal(
    fit: Fit,
    flops,
    *,
    cost: Cost | CostFunction | None = None,
    group: str | None = None,
    interval: float = 0.9,
    method: str = "auto",
    spread: float = 1.5,
    seed: int | None = 0,
) -> Allocation:
    """Posterior of the compute-optimal N*, D*, D*/N* and loss at each budget, and the exponents a, b.

    Parameters
    ----------
    fit
        A fit of a law of model size and data alone (params and tokens, or the inputs the
        cost names).
    flops
        One budget or several.
    cost
        The :class:`~bayescale.cost.Cost` (default 6 N D), or a training cost function
        ``cost(N, D)``; D is solved from cost(N, D) = C.
    group
        A group of a grouped fit (its own parameters), or None / an unknown name for a new
        group from the population (drawn with ``seed``).
    method
        ``"closed"`` uses the law's declared optimum (Chinchilla's, under a cost proportional
        to N D), the default where it applies; ``"numerical"`` searches log N per draw.
    spread
        For one budget, the exponents are the slope between C / spread and C * spread; for
        several, the least-squares slope of log N* and log D* against log C per draw.
    interval
        The default width of the summaries.

    Examples
    --------
    >>> allocation = optimal(fit, [1e21, 1e24])  # doctest: +SKIP
    >>> allocation.table()[["flops", "params_median", "ratio_median"]]  # doctest: +SKIP
    >>> optimal(grouped_fit, 1e22, group="c4").exponents()["a_median"]  # doctest: +SKIP
    """
    budgets = check_budgets(flops)
    interval = check_interval(interval)
    if method not in METHODS:
        raise BayescaleInputError(f"method={method!r}: use 'auto', 'closed' or 'numerical'")
    if not spread > 1:
        raise BayescaleInputError(f"spread={spread} must be above 1")
    surface = LossSurface(fit, cost, group, seed=seed, what="allocation")
    closed = has_closed_form(surface)
    if method == "closed" and not closed:
        raise BayescaleInputError(
            f"method='closed' needs a law that declares its optimum (law {fit.law.name!r} "
            f"{'does' if fit.law.optimum else 'does not'}) and a cost proportional to N D "
            f"({surface.cost.describe()})"
        )
    closed = closed and method != "numerical"
    solve = closed_form if closed else numerical
    params = solve(surface, budgets)
    if len(budgets) > 1:
        slope_budgets, slope_params = budgets, params
    else:
        slope_budgets = budgets[0] * np.array([1 / spread, spread])
        slope_params = solve(surface, slope_budgets)
    tokens = surface.cost.data_for(params, budgets[None, :])
    slope_tokens = surface.cost.data_for(slope_params, slope_budgets[None, :])
    values = {
        "params": params,
        "tokens": tokens,
        "ratio": tokens / params,
        "loss": surface.loss(params, tokens),
        "a": log_slope(slope_budgets, slope_params),
        "b": log_slope(slope_budgets, slope_tokens),
    }
    draws = draws_dataset(values, surface.shape, budgets)
    return Allocation(draws, "closed" if closed else "numerical", surface.cost, group, interval)


def log_slope(budgets: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Least-squares slope of log(values) (draws, budgets) against log(budgets), per draw."""
    x = np.log(budgets) - np.log(budgets).mean()
    y = np.log(values)
    return (y - y.mean(axis=1, keepdims=True)) @ x / (x @ x)
