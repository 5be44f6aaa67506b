"""Iso-FLOP analysis (Hoffmann et al. 2022, Approach 2), Bayesian and joint across budgets.

Runs are grouped by compute budget C_k. Within a budget the loss is a valley in ln N with
its minimum at ln N*_k, a parabola with a cubic term for its skew,

    loss = c_k + (ln N - ln N*_k)^2 (w_k + s_k (ln N - ln N*_k)),

and the optima follow a power law across budgets, with scatter tau:

    ln N*_k = ln N*_ref + a (ln C_k - ln C_ref) + tau z_k,   z_k ~ Normal(0, 1).

The skew term is there because iso-FLOP profiles are lopsided (from a Chinchilla-type law
the loss climbs faster towards small models than towards small data); a symmetric parabola
through all runs of a budget pulls the optimum towards the gentler side. On the five
training setups of Porian et al. (2024) the symmetric form missed two published exponents;
with the skew term every published value lies inside the 90% interval.

All parabolas and the power law are fitted in one PyMC model, so each budget's optimum and
the exponent a carry their uncertainty together (Hoffmann fit each parabola separately, then
a line through the point estimates). D*_k = (N D)_k / N*_k with (N D)_k the budget's
product of parameters and tokens; without a tokens column D*_k solves cost(N*_k, D) = C_k
(C_k / (6 N*_k) under C = 6ND, so D* ∝ C^b with b = 1 - a).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pymc as pm
import xarray as xr

from bayescale.cost import DENSE_TRANSFORMER, Cost, CostFunction, as_cost
from bayescale.diagnostics import Diagnostics, check
from bayescale.errors import BayescaleInputError
from bayescale.runs import read_table
from bayescale.sampling import SamplerSettings, compile_nutpie, run_nutpie

from .draws import BUDGET_DIM, SAMPLE_DIMS, interval_dict, interval_table

MIN_RUNS_PER_BUDGET = 3


def valley(log_params, floor, curvature, skew, log_opt):
    """The iso-FLOP valley: lowest at ``log_opt`` (ln N*), skewed by ``skew`` (tensors or arrays)."""
    offset = log_params - log_opt
    return floor + offset**2 * (curvature + skew * offset)


def isoflop_model(budget_index: np.ndarray, budgets: np.ndarray, log_params: np.ndarray, loss: np.ndarray) -> pm.Model:
    """The joint parabola-and-power-law model; priors scaled to the data."""
    log_c = np.log(budgets) - np.log(budgets).mean()
    lowest = np.array([loss[budget_index == k].min() for k in range(len(budgets))])
    # Where each budget's lowest run sits: the prior's centre for the power law's level.
    best = np.array([log_params[budget_index == k][np.argmin(loss[budget_index == k])] for k in range(len(budgets))])
    coords = {"budget": budgets, "run": np.arange(len(loss))}
    with pm.Model(coords=coords) as model:
        level = pm.Normal("log_params_ref", mu=best.mean(), sigma=2.0)
        a = pm.Normal("a", mu=0.5, sigma=0.3)  # Chinchilla 0.5, Kaplan 0.73: both well inside
        tau = pm.HalfNormal("tau", sigma=0.3)  # budgets' optima off the power law, in ln N
        z = pm.Normal("z", 0.0, 1.0, dims="budget")
        log_opt = pm.Deterministic("log_params_opt", level + a * log_c + tau * z, dims="budget")
        floor = pm.Normal("floor", mu=lowest, sigma=0.3, dims="budget")
        curvature = pm.LogNormal("curvature", mu=np.log(0.05), sigma=1.5, dims="budget")
        skew = pm.Normal("skew", mu=0.0, sigma=0.05, dims="budget")
        sigma = pm.HalfNormal("sigma", sigma=0.05)
        k = budget_index
        mu = valley(log_params, floor[k], curvature[k], skew[k], log_opt[k])
        pm.StudentT("loss", nu=4, mu=mu, sigma=sigma, observed=loss, dims="run")
    return model


@dataclass
class IsoflopResult:
    """Posterior of each budget's optimum and of the exponents; ``tree`` is the full DataTree.

    ``products`` holds each budget's N x D from the runs' tokens column (None without one:
    then D*_k solves cost(N*_k, D) = C_k under ``cost``, C / (6 N*) by default).
    """

    budgets: np.ndarray
    products: np.ndarray | None
    tree: xr.DataTree
    diagnostics: Diagnostics
    cost: Cost = DENSE_TRANSFORMER

    @property
    def posterior(self) -> xr.Dataset:
        """The joint model's posterior (valleys, optima, power law), dims chain, draw[, budget]."""
        return self.tree["posterior"].to_dataset()

    def tokens_at(self, params: xr.DataArray) -> xr.DataArray:
        """D for N at each budget: N x D of the budget's runs over N, or from the cost."""
        if self.products is not None:
            return xr.DataArray(self.products, coords={BUDGET_DIM: self.budgets}) / params
        return xr.apply_ufunc(self.cost.data_for, params, xr.DataArray(self.budgets, coords={BUDGET_DIM: self.budgets}))

    @property
    def draws(self) -> xr.Dataset:
        """N*, D* and D*/N* per budget (``params_opt``, ``tokens_opt``, ``ratio_opt``; dims
        chain, draw, budget) and the exponents ``a``, ``b`` and scatter ``tau`` (chain, draw).

        b is the slope of log D* against log C along the power law (without the budgets'
        scatter): 1 - a under C = 6ND."""
        post = self.posterior
        params = np.exp(post["log_params_opt"])
        tokens = self.tokens_at(params)
        log_c = np.log(self.budgets)
        log_c = xr.DataArray(log_c - log_c.mean(), coords={BUDGET_DIM: self.budgets})
        line = np.exp(post["log_params_ref"] + post["a"] * log_c)
        log_tokens = np.log(self.tokens_at(line))
        b = ((log_tokens - log_tokens.mean(BUDGET_DIM)) * log_c).sum(BUDGET_DIM) / float((log_c**2).sum())
        values = {
            "params_opt": params,
            "tokens_opt": tokens,
            "ratio_opt": tokens / params,
            "a": post["a"],
            "b": b,
            "tau": post["tau"],
        }
        return xr.Dataset({k: v.transpose(*SAMPLE_DIMS, ...) for k, v in values.items()})

    @property
    def a(self) -> xr.DataArray:
        """Draws of a in N* ∝ C^a."""
        return self.posterior["a"]

    @property
    def b(self) -> xr.DataArray:
        """Draws of b in D* ∝ C^b: 1 - a under C = 6ND."""
        return self.draws["b"]

    @property
    def params_opt(self) -> xr.DataArray:
        return self.draws["params_opt"]

    @property
    def tokens_opt(self) -> xr.DataArray:
        return self.draws["tokens_opt"]

    def table(self, interval: float = 0.9) -> pd.DataFrame:
        """Per budget: N*, D* and D*/N*, medians and intervals."""
        return interval_table(self.draws[["params_opt", "tokens_opt", "ratio_opt"]], interval)

    def exponents(self, interval: float = 0.9) -> dict[str, float]:
        """a in N* ∝ C^a and b in D* ∝ C^b (b = 1 - a under C = 6ND), medians and intervals;
        tau, the scatter of the budgets' optima about the power law in ln N."""
        return interval_dict(self.draws[["a", "b", "tau"]], interval)


def _column(runs: pd.DataFrame, name: str, argument: str) -> np.ndarray:
    if name not in runs.columns:
        raise BayescaleInputError(f"{argument}={name!r}: no such column; columns: {', '.join(map(str, runs.columns))}")
    values = pd.to_numeric(runs[name], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values <= 0)
    if bad.any():
        raise BayescaleInputError(
            f"column {name!r} must be positive numbers; bad at rows {np.flatnonzero(bad)[:8].tolist()}"
        )
    return values


def isoflop(
    runs: pd.DataFrame | str | Path,
    budget: str = "flops_budget",
    params: str = "params",
    tokens: str | None = "tokens",
    loss: str = "loss",
    *,
    cost: Cost | CostFunction | None = None,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    seed: int = 0,
    warn: bool = True,
) -> IsoflopResult:
    """Fit every budget's valley in ln N and the power law N* ∝ C^a through their optima, jointly.

    ``runs`` (a DataFrame or CSV path) has one row per run with its compute budget, parameter
    count and loss, in the columns named by ``budget``, ``params``, ``loss``; each budget needs
    three runs or more. The ``tokens`` column, if present (``None`` to ignore it), gives each
    budget's N x D for D* = N x D / N*; without it D* solves cost(N*, D*) = C under ``cost``
    (default 6 N D: D* = C / (6 N*)). Sampled with nutpie; ``warn`` reports sampler
    problems as warnings.

    Examples
    --------
    >>> result = isoflop("runs.csv", budget="budget_flops")  # doctest: +SKIP
    >>> result.exponents(0.9)["a_median"], result.table()  # doctest: +SKIP
    """
    runs, _ = read_table(runs)
    frame = runs.reset_index(drop=True)
    budget_values = _column(frame, budget, "budget")
    log_params = np.log(_column(frame, params, "params"))
    loss_values = _column(frame, loss, "loss")
    budgets, index = np.unique(budget_values, return_inverse=True)
    counts = np.bincount(index)
    if len(budgets) < 2:
        raise BayescaleInputError(f"column {budget!r} holds one budget: an iso-FLOP analysis needs two or more")
    if counts.min() < MIN_RUNS_PER_BUDGET:
        small = budgets[counts < MIN_RUNS_PER_BUDGET]
        raise BayescaleInputError(
            f"budgets {', '.join(f'{b:.3g}' for b in small)} have fewer than {MIN_RUNS_PER_BUDGET} runs: "
            "a valley needs three"
        )
    if tokens is not None and (tokens in frame.columns or tokens != "tokens"):
        log_product = log_params + np.log(_column(frame, tokens, "tokens"))
        products = np.exp(np.bincount(index, weights=log_product) / counts)  # geometric mean per budget
    else:
        products = None
    model = isoflop_model(index, budgets, log_params, loss_values)
    tree = run_nutpie(compile_nutpie(model), SamplerSettings(draws, tune, chains, seed))
    diagnostics = check(tree, ["log_params_ref", "a", "tau"], warn=warn)
    return IsoflopResult(budgets, products, tree, diagnostics, as_cost(cost))
