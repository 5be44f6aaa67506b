"""Marginals and pairs of a fit's parameters (arviz-plots), with published estimates overlaid."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import arviz_plots as azp
from matplotlib.figure import Figure


def plot_posterior(
    fit,
    var_names: Sequence[str] | None = None,
    published: Mapping[str, Mapping[str, float]] | None = None,
) -> Figure:
    """Pair plot with marginal densities on the diagonal.

    Parameters
    ----------
    var_names
        Parameters to show (default: the law's sampled parameters).
    published
        ``{"Epoch 2024": {"alpha": 0.348, "beta": 0.366}, ...}``: point estimates drawn as
        vertical lines on the marginals and as markers on the pairs.

    Examples
    --------
    >>> fig = plot_posterior(fit, published={"Epoch": {"E": 1.817, "alpha": 0.348}})  # doctest: +SKIP
    """
    names = list(var_names or [n for n in fit.law.param_names if n in fit.spec.free_params])
    size = 2.3 * len(names)
    matrix = azp.plot_pair(
        fit.tree, var_names=names, backend="matplotlib", marginal=True, figure_kwargs={"figsize": (size, size)}
    )
    figure = matrix.viz["figure"].item()
    axes = matrix.viz["plot"].values
    legend_axes = set()
    for k, (source, values) in enumerate((published or {}).items()):
        color = f"C{k + 1}"
        for i, row_name in enumerate(names):
            for j, col_name in enumerate(names):
                ax = axes[i, j]
                if ax is None or col_name not in values:
                    continue
                if i == j:
                    ax.axvline(values[col_name], color=color, linestyle="--", label=source)
                    legend_axes.add(ax)
                elif i > j and row_name in values:
                    ax.plot(values[col_name], values[row_name], marker="X", color=color, markersize=8)
    for ax in legend_axes:
        ax.legend(fontsize=7)
    figure.suptitle(f"{fit.law.name}: posterior marginals and pairs")
    return figure
