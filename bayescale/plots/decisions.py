"""Decision figures: the compute-optimal frontier and iso-FLOP valleys."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from bayescale.decisions import Allocation
from bayescale.decisions.draws import stacked
from bayescale.decisions.isoflop import valley
from bayescale.plots.ticks import human, log_axes


def _band(ax, x, draws, color, label):
    lower90, lower50, median, upper50, upper90 = np.nanquantile(draws, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    ax.fill_between(x, lower90, upper90, color=color, alpha=0.15, lw=0)
    ax.fill_between(x, lower50, upper50, color=color, alpha=0.3, lw=0)
    ax.plot(x, median, color=color, lw=1.8, label=label)


def plot_frontier(
    allocation: Allocation,
    published: Mapping[str, pd.DataFrame] | None = None,
) -> Figure:
    """N* and D* of an :class:`~bayescale.decisions.Allocation` against compute, with 50% and 90%
    bands; ``published`` maps a label to a table with ``flops`` and ``params`` and/or
    ``tokens`` columns, drawn as points.

    Examples
    --------
    >>> plot_frontier(bs.decisions.optimal(fit, np.geomspace(1e18, 1e26, 40)))  # doctest: +SKIP
    """
    grid = allocation.flops
    figure, (params_ax, tokens_ax) = plt.subplots(1, 2, figsize=(11, 4.2))
    _band(params_ax, grid, stacked(allocation.params), "C0", "posterior median N*")
    _band(tokens_ax, grid, stacked(allocation.tokens), "C1", "posterior median D*")
    for i, (label, table) in enumerate((published or {}).items()):
        for ax, column in ((params_ax, "params"), (tokens_ax, "tokens")):
            if column in table:
                ax.scatter(table["flops"], table[column], marker="s", s=28, color=f"C{i + 3}", label=label, zorder=3)
    exponents = allocation.exponents(0.9)
    for ax, name, symbol in ((params_ax, "a", "N*"), (tokens_ax, "b", "D*")):
        log_axes(ax)
        ax.set_xlabel(f"training compute C (FLOPs, {allocation.cost.describe()})")
        ax.set_ylabel(f"compute-optimal {'parameters' if symbol == 'N*' else 'tokens'} {symbol}")
        ax.set_title(
            f"{symbol} ∝ C^{name}: {name} = {exponents[f'{name}_median']:.3f} "
            f"({exponents[f'{name}_lower']:.3f}-{exponents[f'{name}_upper']:.3f}, 90%)",
            fontsize=10,
        )
        ax.legend(frameon=False, fontsize=8)
    figure.tight_layout()
    return figure


def plot_isoflop(result, runs: pd.DataFrame, budget: str = "flops_budget", params: str = "params",
                 loss: str = "loss", max_lines: int = 400) -> Figure:  # fmt: skip
    """Loss against N per compute budget: the runs, the fitted valleys (posterior median) and each
    budget's optimum with its 90% interval; right, the optima against compute with the power law."""
    post = result.posterior
    floor, curvature, skew = (stacked(post[n])[:max_lines] for n in ("floor", "curvature", "skew"))
    log_opt = stacked(post["log_params_opt"])
    figure, (valley_ax, frontier_ax) = plt.subplots(1, 2, figsize=(12, 4.5))
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(result.budgets)))
    for k, (flops, color) in enumerate(zip(result.budgets, colors, strict=True)):
        group = runs[np.isclose(runs[budget], flops)]
        valley_ax.scatter(group[params], group[loss], color=color, s=14, zorder=3)
        x = np.linspace(np.log(group[params].min()), np.log(group[params].max()), 60)
        curve = valley(
            x[None, :], floor[:, k, None], curvature[:, k, None], skew[:, k, None], log_opt[:max_lines, k, None]
        )
        valley_ax.plot(np.exp(x), np.median(curve, axis=0), color=color, lw=1.2, label=human(flops))
        lower, median, upper = np.exp(np.quantile(log_opt[:, k], [0.05, 0.5, 0.95]))
        y = float(np.median(floor[:, k]))
        valley_ax.errorbar(median, y, xerr=[[median - lower], [upper - median]], fmt="v", color=color, ms=6, capsize=2)
    log_axes(valley_ax, y=False)
    valley_ax.set_xlabel("parameters N")
    valley_ax.set_ylabel("loss")
    valley_ax.set_title("Iso-FLOP valleys and each budget's optimum (90%)", fontsize=10)
    valley_ax.legend(title="budget (FLOPs)", frameon=False, fontsize=7, ncol=2)
    optima = np.exp(log_opt)
    lower, median, upper = np.quantile(optima, [0.05, 0.5, 0.95], axis=0)
    frontier_ax.errorbar(result.budgets, median, yerr=[median - lower, upper - median], fmt="o", color="C0", capsize=2)
    exponents = result.exponents(0.9)
    level, a = stacked(post["log_params_ref"]), stacked(post["a"])
    grid = np.geomspace(result.budgets.min(), result.budgets.max(), 50)
    line = np.exp(level[:, None] + a[:, None] * (np.log(grid) - np.log(result.budgets).mean())[None, :])
    _band(frontier_ax, grid, line, "C0", f"N* ∝ C^a, a = {exponents['a_median']:.3f}")
    log_axes(frontier_ax)
    frontier_ax.set_xlabel("compute budget C (FLOPs)")
    frontier_ax.set_ylabel("optimal parameters N*")
    frontier_ax.legend(frameon=False, fontsize=8)
    figure.tight_layout()
    return figure
