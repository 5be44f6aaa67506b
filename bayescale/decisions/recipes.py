"""Two recipes (datasets, architectures) fitted with the same law: which is better, where, by how much."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayescale.errors import BayescaleInputError
from bayescale.fit import Fit

from .allocation import LossSurface, _budgets, _quantiles
from .target import flops_to_reach, policy_loss


def _loss_curve(surface: LossSurface, budgets: np.ndarray, ratio: float | None) -> np.ndarray:
    """Loss per draw and budget: at the compute-optimal allocation or at a fixed ratio."""
    return np.column_stack([policy_loss(surface, np.full(surface.n_draws, np.log(c)), ratio) for c in budgets])


@dataclass
class RecipeComparison:
    """Recipe A against B over compute budgets, from paired posterior draws."""

    flops: np.ndarray
    loss_a: np.ndarray
    loss_b: np.ndarray
    multiplier: np.ndarray  # compute B needs to match A's loss at C, divided by C
    crossover: np.ndarray  # per draw: first budget where the better recipe changes (NaN if none)
    names: tuple[str, str]

    @property
    def prob_a_better(self) -> np.ndarray:
        """P(loss of A < loss of B) at each budget (ties count one half)."""
        return np.mean(self.loss_a < self.loss_b, axis=0) + 0.5 * np.mean(self.loss_a == self.loss_b, axis=0)

    @property
    def crossover_fraction(self) -> float:
        return float(np.mean(np.isfinite(self.crossover)))

    def table(self, interval: float = 0.9) -> pd.DataFrame:
        a, b = self.names
        diff_median, diff_lower, diff_upper = _quantiles(self.loss_a - self.loss_b, interval)
        mult_median, mult_lower, mult_upper = _quantiles(self.multiplier, interval)
        return pd.DataFrame(
            {
                "flops": self.flops,
                f"loss_{a}": np.median(self.loss_a, axis=0),
                f"loss_{b}": np.median(self.loss_b, axis=0),
                f"p_{a}_better": self.prob_a_better,
                "difference_median": diff_median,
                "difference_lower": diff_lower,
                "difference_upper": diff_upper,
                "multiplier_median": mult_median,
                "multiplier_lower": mult_lower,
                "multiplier_upper": mult_upper,
                "multiplier_unreachable": np.mean(np.isnan(self.multiplier), axis=0),
            }
        )

    def crossover_summary(self, interval: float = 0.9) -> dict[str, float | None]:
        """Fraction of draws whose curves cross within the budgets, and the crossover compute among them."""
        found = self.crossover[np.isfinite(self.crossover)]
        if not len(found):
            return {"fraction": 0.0, "median": None, "lower": None, "upper": None}
        median, lower, upper = _quantiles(found, interval)
        return {
            "fraction": self.crossover_fraction,
            "median": float(median),
            "lower": float(lower),
            "upper": float(upper),
        }


def _crossovers(budgets: np.ndarray, diff: np.ndarray) -> np.ndarray:
    """Compute of the first sign change of ``diff`` along the budgets, log-linearly interpolated."""
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
    fit_a: Fit, fit_b: Fit, flops, ratio: float | None = None, *, names: tuple[str, str] = ("a", "b")
) -> RecipeComparison:
    """Compare two fits of the same law over compute budgets ``flops``.

    At each budget (compute-optimal allocation per draw, or ``ratio`` tokens per parameter):
    P(A's loss < B's), the loss difference, and the compute multiplier B needs to match A's
    loss; across budgets, the crossover compute where the better recipe changes. The two
    posteriors are independent: the longer one is thinned to the shorter's count (evenly
    spaced draws) and the draws are paired by index.
    """
    if fit_a.law.name != fit_b.law.name:
        raise BayescaleInputError(
            f"recipes must be fits of the same law, not {fit_a.law.name!r} and {fit_b.law.name!r}"
        )
    if ratio is not None and not ratio > 0:
        raise BayescaleInputError(f"ratio={ratio} must be a positive number of tokens per parameter")
    budgets = np.unique(_budgets(flops))
    n = min(fit_a.diagnostics.draws, fit_b.diagnostics.draws)
    surface_a, surface_b = LossSurface(fit_a, draws=n), LossSurface(fit_b, draws=n)
    loss_a = _loss_curve(surface_a, budgets, ratio)
    loss_b = _loss_curve(surface_b, budgets, ratio)
    # "B needs k times the compute to match A": NaN where B's law never reaches A's loss.
    multiplier = np.column_stack(
        [flops_to_reach(surface_b, loss_a[:, j], ratio) / flops_j for j, flops_j in enumerate(budgets)]
    )
    crossover = _crossovers(budgets, loss_a - loss_b) if len(budgets) > 1 else np.full(n, np.nan)
    return RecipeComparison(budgets, loss_a, loss_b, multiplier, crossover, names)
