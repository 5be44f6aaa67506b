"""Two recipes (datasets, architectures) under the same law: which is better, where, by how much.

The recipes are two fits of one law, or two groups of one grouped fit. Two groups of one fit
share its posterior draws, so their comparison keeps the correlation between them (shared
parameters, a common population); two separate fits are independent and are paired by index.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from bayescale.cost import Cost, CostFunction
from bayescale.errors import BayescaleInputError
from bayescale.fit import Fit

from .draws import SAMPLE_DIMS, check_budgets, draws_dataset, interval_dict, interval_table
from .surface import LossSurface, paired_shape
from .target import flops_to_reach, policy_loss


@dataclass
class RecipeComparison:
    """Recipe A against B over compute budgets, from paired posterior draws.

    ``draws`` holds ``loss_a``, ``loss_b``, their ``difference`` and the ``multiplier`` (the
    compute B needs to match A's loss at C, divided by C; NaN where B never gets there) with
    dims (chain, draw, budget), and the ``crossover`` compute, the first budget where the
    better recipe changes (NaN where it does not), with dims (chain, draw).
    """

    draws: xr.Dataset
    names: tuple[str, str]
    cost: Cost
    groups: tuple[str | None, str | None] = (None, None)

    @property
    def flops(self) -> np.ndarray:
        return self.draws["budget"].values

    @property
    def loss_a(self) -> xr.DataArray:
        return self.draws["loss_a"]

    @property
    def loss_b(self) -> xr.DataArray:
        return self.draws["loss_b"]

    @property
    def multiplier(self) -> xr.DataArray:
        return self.draws["multiplier"]

    @property
    def crossover(self) -> xr.DataArray:
        return self.draws["crossover"]

    @property
    def prob_a_better(self) -> np.ndarray:
        """P(loss of A < loss of B) at each budget (ties count one half)."""
        a, b = self.loss_a, self.loss_b
        return ((a < b).mean(SAMPLE_DIMS) + 0.5 * (a == b).mean(SAMPLE_DIMS)).values

    @property
    def crossover_fraction(self) -> float:
        return float(np.isfinite(self.crossover).mean())

    def table(self, interval: float = 0.9) -> pd.DataFrame:
        """Per budget: each recipe's median loss, P(A better), the difference and the multiplier."""
        a, b = self.names
        table = interval_table(self.draws[["difference", "multiplier"]], interval)
        medians = self.draws[["loss_a", "loss_b"]].median(SAMPLE_DIMS)
        table.insert(1, f"loss_{a}", medians["loss_a"].values)
        table.insert(2, f"loss_{b}", medians["loss_b"].values)
        table.insert(3, f"p_{a}_better", self.prob_a_better)
        return table.assign(multiplier_unreachable=np.isnan(self.multiplier).mean(SAMPLE_DIMS).values)

    def crossover_summary(self, interval: float = 0.9) -> dict[str, float | None]:
        """Fraction of draws whose curves cross within the budgets, and the crossover compute among them."""
        if not self.crossover_fraction:
            return {"fraction": 0.0, "median": None, "lower": None, "upper": None}
        among = interval_dict(self.draws[["crossover"]], interval)  # NaN draws (no crossing) left out
        quantiles = {k: among[f"crossover_{k}"] for k in ("median", "lower", "upper")}
        return {"fraction": self.crossover_fraction, **quantiles}


def crossovers(budgets: np.ndarray, diff: np.ndarray) -> np.ndarray:
    """Compute of the first sign change of ``diff`` (draws, budgets) along the budgets, log-linearly interpolated."""
    if len(budgets) < 2:
        return np.full(len(diff), np.nan)
    sign = np.sign(diff)
    change = sign[:, 1:] * sign[:, :-1] < 0
    first = np.argmax(change, axis=1)
    has = change.any(axis=1)
    rows = np.arange(len(diff))
    d0, d1 = diff[rows, first], diff[rows, first + 1]
    x0, x1 = np.log(budgets[first]), np.log(budgets[first + 1])
    with np.errstate(divide="ignore", invalid="ignore"):
        x = x0 + (x1 - x0) * d0 / (d0 - d1)
    return np.exp(np.where(has, x, np.nan))


def compare_recipes(
    fit_a: Fit,
    fit_b: Fit,
    flops,
    ratio: float | None = None,
    *,
    groups: tuple[str | None, str | None] = (None, None),
    names: tuple[str, str] | None = None,
    cost: Cost | CostFunction | None = None,
    seed: int | None = 0,
) -> RecipeComparison:
    """Compare two recipes over compute budgets ``flops``.

    At each budget (compute-optimal allocation per draw, or ``ratio`` tokens per parameter):
    P(A's loss < B's), the loss difference, and the compute multiplier B needs to match A's
    loss; across budgets, the crossover compute where the better recipe changes.

    The recipes are ``fit_a`` and ``fit_b`` (fits of the same law), each for its group in
    ``groups`` (None or an unknown name: a new group of that fit). Pass the same grouped fit
    twice to compare two of its groups: both then use the same posterior draws, so what the
    groups share (parameters, population) cancels in the comparison, as it should. Two
    separate fits are independent: the longer is thinned to the shorter's chains and draws
    (evenly spaced) and the draws are paired by index. ``names`` label the table (default:
    the groups, else "a" and "b").

    Examples
    --------
    >>> compare_recipes(fit_c4, fit_pile, [1e20, 1e22], ratio=20).table()  # doctest: +SKIP
    >>> compare_recipes(pooled, pooled, [1e20, 1e22], groups=("c4", "pile")).prob_a_better  # doctest: +SKIP
    """
    if fit_a.law.name != fit_b.law.name:
        raise BayescaleInputError(
            f"recipes must be fits of the same law, not {fit_a.law.name!r} and {fit_b.law.name!r}"
        )
    if ratio is not None and not ratio > 0:
        raise BayescaleInputError(f"ratio={ratio} must be a positive number of tokens per parameter")
    if len(groups) != 2:
        raise BayescaleInputError(f"groups={groups!r}: give one group per recipe, e.g. ('c4', 'pile')")
    budgets = np.unique(check_budgets(flops))
    shape = paired_shape(fit_a, fit_b)
    same = fit_a is fit_b
    # Two new groups of one fit are two different unseen groups: draw them with different seeds.
    seed_b = None if seed is None else seed + int(same)
    surface_a = LossSurface(fit_a, cost, groups[0], shape=shape, seed=seed, what="recipe comparison")
    surface_b = LossSurface(fit_b, cost, groups[1], shape=shape, seed=seed_b, what="recipe comparison")
    log_flops = np.log(budgets)[None, :]
    loss_a = policy_loss(surface_a, log_flops, surface_a.along_draws(2), ratio)
    loss_b = policy_loss(surface_b, log_flops, surface_b.along_draws(2), ratio)
    # "B needs k times the compute to match A": NaN where B's law never reaches A's loss.
    multiplier = flops_to_reach(surface_b, loss_a, ratio, surface_b.along_draws(2)) / budgets[None, :]
    values = {
        "loss_a": loss_a,
        "loss_b": loss_b,
        "difference": loss_a - loss_b,
        "multiplier": multiplier,
        "crossover": crossovers(budgets, loss_a - loss_b),
    }
    if names is None:
        distinct = None not in groups and groups[0] != groups[1]
        names = (str(groups[0]), str(groups[1])) if distinct else ("a", "b")
    return RecipeComparison(draws_dataset(values, shape, budgets), tuple(names), surface_a.cost, tuple(groups))
