"""Compute-optimal allocation: the N and D that minimize a law's loss at a compute budget, per draw."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayescale.errors import BayescaleInputError, check_interval
from bayescale.fit import Fit
from bayescale.predict import law_mean_paired

from .search import bisect_decreasing, grid_minimum

Cost = Callable[[np.ndarray, np.ndarray], np.ndarray]
LOG_RATIO_RANGE = (np.log(1e-2), np.log(1e5))  # tokens per parameter searched: 0.01 to 100,000


def six_nd(params: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """Training compute of a dense transformer, C = 6 N D (Kaplan et al. 2020)."""
    return 6.0 * params * tokens


def _quantiles(values: np.ndarray, interval: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    tail = (1 - interval) / 2
    return tuple(np.nanquantile(values, [0.5, tail, 1 - tail], axis=0))


class LossSurface:
    """A fit's law as loss(N, D) per posterior draw, for laws whose inputs are params and tokens.

    ``draws`` thins the posterior to that many evenly spaced draws (all by default), so two
    fits can be paired draw by draw.
    """

    def __init__(self, fit: Fit, draws: int | None = None):
        if sorted(fit.law.input_names) != ["params", "tokens"]:
            raise BayescaleInputError(
                f"law {fit.law.name!r} takes {', '.join(fit.law.input_names)}: allocation needs a law of "
                "params and tokens alone"
            )
        self.fit = fit
        self.output = fit.output_name()
        all_draws = fit.draws(fit.law.param_names)
        total = len(next(iter(all_draws.values())))
        keep = np.arange(total) if draws is None else np.linspace(0, total - 1, draws).round().astype(int)
        self.draws = {n: v[keep] for n, v in all_draws.items()}
        self.n_draws = len(keep)

    def loss(self, params: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        """Law's mean with draw s at params[s], tokens[s] (arrays of shape (draws, k) or (draws,))."""
        params, tokens = np.asarray(params, dtype=float), np.asarray(tokens, dtype=float)
        shape = np.broadcast_shapes(params.shape, tokens.shape)
        inputs = {
            "params": np.broadcast_to(params, shape).reshape(self.n_draws, -1) / self.fit.scales["params"],
            "tokens": np.broadcast_to(tokens, shape).reshape(self.n_draws, -1) / self.fit.scales["tokens"],
        }
        return law_mean_paired(self.fit.law, self.draws, inputs)[self.output].reshape(shape)


def tokens_for_budget(params: np.ndarray, flops: np.ndarray, cost: Cost | None) -> np.ndarray:
    """D such that cost(N, D) = C: closed form for 6ND, else bisection in log D."""
    if cost is None:
        return flops / (6.0 * params)
    log_d = bisect_decreasing(
        lambda x: -cost(params, np.exp(x)), -flops, np.zeros_like(params), np.full_like(params, 70.0)
    )
    return np.exp(log_d)


@dataclass
class Allocation:
    """Posterior of the optimal allocation: arrays of shape (draws, budgets), exponents (draws,).

    ``interval`` is the default width of :meth:`table` and :meth:`exponents`.
    """

    flops: np.ndarray
    params: np.ndarray
    tokens: np.ndarray
    loss: np.ndarray
    a: np.ndarray
    b: np.ndarray
    method: str
    interval: float = 0.9

    @property
    def ratio(self) -> np.ndarray:
        """Tokens per parameter D*/N*, per draw and budget."""
        return self.tokens / self.params

    def table(self, interval: float | None = None) -> pd.DataFrame:
        """Per budget: median and interval of N*, D*, D*/N* and the loss at the optimum."""
        interval = check_interval(self.interval if interval is None else interval)
        columns: dict[str, np.ndarray] = {"flops": self.flops}
        for name, values in (
            ("params", self.params),
            ("tokens", self.tokens),
            ("ratio", self.ratio),
            ("loss", self.loss),
        ):
            median, lower, upper = _quantiles(values, interval)
            columns.update({f"{name}_median": median, f"{name}_lower": lower, f"{name}_upper": upper})
        return pd.DataFrame(columns)

    def exponents(self, interval: float | None = None) -> dict[str, float]:
        """Median and interval of a and b in N* ∝ C^a, D* ∝ C^b."""
        interval = check_interval(self.interval if interval is None else interval)
        out = {}
        for name, values in (("a", self.a), ("b", self.b)):
            median, lower, upper = _quantiles(values, interval)
            out.update({f"{name}_median": float(median), f"{name}_lower": float(lower), f"{name}_upper": float(upper)})
        return out


def _budgets(flops) -> np.ndarray:
    try:
        budgets = np.atleast_1d(np.asarray(flops, dtype=float))
    except (TypeError, ValueError):
        budgets = np.array([np.nan])
    if budgets.ndim != 1 or not len(budgets) or not np.all(np.isfinite(budgets)) or np.any(budgets <= 0):
        raise BayescaleInputError(f"flops={flops!r} must be positive numbers (a scalar or a list)")
    return budgets


def closed_form(fit: Fit, budgets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chinchilla under C = 6ND (Hoffmann et al. 2022, Eq. 4): N* = G (C/6)^a, a = beta/(alpha+beta),
    G = (alpha A_raw / (beta B_raw))^(1/(alpha+beta)); done in the fit's scaled units."""
    d = fit.draws(["A", "alpha", "B", "beta"])
    s_n, s_d = fit.scales["params"], fit.scales["tokens"]
    alpha, beta = d["alpha"][:, None], d["beta"][:, None]
    product = budgets[None, :] / (6.0 * s_n * s_d)  # N D in scaled units
    n_star = (alpha * d["A"][:, None] / (beta * d["B"][:, None])) ** (1 / (alpha + beta)) * product ** (
        beta / (alpha + beta)
    )
    params = n_star * s_n
    a = d["beta"] / (d["alpha"] + d["beta"])
    return params, budgets[None, :] / (6.0 * params), a


def numerical(surface: LossSurface, budgets: np.ndarray, cost: Cost | None) -> tuple[np.ndarray, np.ndarray]:
    """Per draw and budget, the loss-minimizing log N: a 48-point grid over D/N from 0.01 to
    100,000, refined by golden-section search; D from the budget."""
    params = np.empty((surface.n_draws, len(budgets)))
    at_edge = np.zeros(surface.n_draws, dtype=bool)
    for j, flops in enumerate(budgets):

        def loss_at(log_n, flops=flops):
            n = np.exp(log_n)
            return surface.loss(n, tokens_for_budget(n, np.full_like(n, flops), cost))

        center = 0.5 * np.log(flops / 6.0)  # N = D
        lo = np.full(surface.n_draws, center - 0.5 * LOG_RATIO_RANGE[1])
        hi = np.full(surface.n_draws, center - 0.5 * LOG_RATIO_RANGE[0])
        log_n, edge = grid_minimum(loss_at, lo, hi)
        params[:, j], at_edge = np.exp(log_n), at_edge | edge
    if at_edge.any():
        warnings.warn(
            f"for {at_edge.mean():.1%} of draws the optimum lies at the end of the searched range "
            "(0.01 to 100,000 tokens per parameter): their N* and D* are bounds, not optima",
            UserWarning,
            stacklevel=3,
        )
    tokens = tokens_for_budget(params, np.broadcast_to(budgets, params.shape), cost)
    return params, tokens


def optimal(
    fit: Fit,
    flops,
    *,
    cost: Cost | None = None,
    interval: float = 0.9,
    method: str = "auto",
    spread: float = 1.5,
) -> Allocation:
    """Posterior of the compute-optimal N*, D*, D*/N* and loss at each budget, and the exponents a, b.

    ``flops`` is one budget or several; ``cost(N, D)`` (vectorized, increasing in D) defaults
    to 6 N D, and D is solved from cost(N, D) = C. ``method="closed"`` uses Chinchilla's
    closed form (the default for that law under 6 N D); ``"numerical"`` searches log N per
    posterior draw (any law of params and tokens alone). The exponents are, per draw, the
    closed form's beta/(alpha+beta) and alpha/(alpha+beta), or the least-squares slope of
    log N* and log D* against log C across the budgets (for one budget, between C / spread
    and C * spread). ``interval`` is the default width of the summaries.

    Examples
    --------
    >>> allocation = optimal(fit, [1e21, 1e24])  # doctest: +SKIP
    >>> allocation.table()[["flops", "params_median", "ratio_median"]]  # doctest: +SKIP
    >>> allocation.exponents()["a_median"]  # doctest: +SKIP
    """
    budgets = _budgets(flops)
    interval = check_interval(interval)
    if method not in ("auto", "closed", "numerical"):
        raise BayescaleInputError(f"method={method!r}: use 'auto', 'closed' or 'numerical'")
    if cost is not None and not callable(cost):
        raise BayescaleInputError(f"cost={cost!r} must be a function cost(N, D) returning FLOPs")
    if not spread > 1:
        raise BayescaleInputError(f"spread={spread} must be above 1")
    surface = LossSurface(fit)
    use_closed = fit.law.name == "chinchilla" and cost is None and method != "numerical"
    if method == "closed" and not use_closed:
        raise BayescaleInputError("method='closed' holds for the chinchilla law with C = 6ND only")
    if use_closed:
        params, tokens, a = closed_form(fit, budgets)
        b = 1.0 - a
    else:
        params, tokens = numerical(surface, budgets, cost)
        if len(budgets) > 1:
            slope_budgets, slope_params, slope_tokens = budgets, params, tokens
        else:
            slope_budgets = budgets[0] * np.array([1 / spread, spread])
            slope_params, slope_tokens = numerical(surface, slope_budgets, cost)
        a, b = _slope(slope_budgets, slope_params), _slope(slope_budgets, slope_tokens)
    loss = surface.loss(params, tokens)
    return Allocation(budgets, params, tokens, loss, a, b, "closed" if use_closed else "numerical", interval)


def _slope(budgets: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Least-squares slope of log(values) against log(budgets), per draw."""
    x = np.log(budgets) - np.log(budgets).mean()
    y = np.log(values)
    return (y - y.mean(axis=1, keepdims=True)) @ x / (x @ x)
