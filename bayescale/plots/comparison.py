"""Comparison figures: elpd differences with standard errors, and held-out extrapolation error."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def _elpd_panel(ax, table: pd.DataFrame) -> None:
    order = table.sort_values("elpd_loo").index
    y = np.arange(len(order))
    ax.errorbar(table.loc[order, "elpd_diff"], y, xerr=table.loc[order, "dse"], fmt="o", color="C0", capsize=3)
    ax.axvline(0, color="0.5", lw=0.8, ls="--")
    ax.set_yticks(y, order)
    ax.set_xlabel("elpd difference to the best (PSIS-LOO, ± s.e.)")
    ax.set_title("Which law predicts a left-out run")


def _holdout_panel(ax, table: pd.DataFrame) -> None:
    order = table.sort_values("elpd_loo").index
    y = np.arange(len(order))
    ax.barh(y, 100 * table.loc[order, "median_abs_rel_error"], color="C1")
    for yi, name in zip(y, order, strict=True):
        ax.annotate(f" 90% cov. {table.loc[name, 'coverage_90']:.0%}", (0, yi), va="center", fontsize=8)
    ax.set_yticks(y, order)
    ax.set_xlabel("median |relative error| on held-out runs (%)")
    ax.set_title("Which law predicts the larger runs")


def _sequential_panel(ax, steps: pd.DataFrame) -> None:
    for name, rows in steps.groupby("law", sort=False):
        ax.plot(rows["distance_dex"], 100 * rows["median_abs_rel_error"], "o-", label=name)
    ax.set_xlabel("decades extrapolated beyond the largest fitted run")
    ax.set_ylabel("median |relative error| (%)")
    ax.set_title("Extrapolation error against distance")
    ax.legend(frameon=False)


def plot_compare(comparison, sequential: pd.DataFrame | None = None) -> Figure:
    """elpd differences with standard errors, and, when present, the held-out error per law
    (from ``compare(..., holdout=...)``) and its growth with distance (``compare_sequential``)."""
    table = comparison.table
    panels = [_elpd_panel]
    if "median_abs_rel_error" in table:
        panels.append(_holdout_panel)
    if sequential is not None:
        panels.append(lambda ax, _: _sequential_panel(ax, sequential))
    figure, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 0.6 * len(table) + 2.6), squeeze=False)
    for ax, draw in zip(axes[0], panels, strict=True):
        draw(ax, table)
    figure.tight_layout()
    return figure
