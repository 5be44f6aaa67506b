"""The extrapolation fan: runs, the law's median with 50%/90% bands, the 90% new-run band."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm

from bayescale.errors import BayescaleInputError
from bayescale.plots.ticks import human, log_axes

MAX_SERIES = 5


def _targets_frame(targets) -> pd.DataFrame:
    if targets is None:
        return pd.DataFrame()
    if isinstance(targets, pd.DataFrame):
        return targets
    if isinstance(targets, Mapping):
        return pd.DataFrame([targets])
    return pd.DataFrame(list(targets))


def _series_values(observed: np.ndarray, extra: np.ndarray) -> np.ndarray:
    """A few representative values of the second input: log-spaced picks from the runs, plus targets."""
    distinct = np.unique(observed)
    if len(distinct) > MAX_SERIES:
        wanted = np.geomspace(distinct.min(), distinct.max(), MAX_SERIES)
        distinct = np.unique([distinct[np.argmin(abs(np.log(distinct / w)))] for w in wanted])
    return np.unique(np.concatenate([distinct, extra]))


def _label(law, name: str) -> str:
    spec = law.inputs[name]
    return f"{spec.description or name} {spec.symbol} ({spec.unit})"


def plot_extrapolation(
    fit,
    targets: pd.DataFrame | Mapping | Sequence[Mapping] | None = None,
    along: str | None = None,
    output: str | None = None,
    ax: Axes | None = None,
    n_grid: int = 120,
    seed: int = 0,
) -> Axes:
    """Runs as points and the law extended beyond them, with its uncertainty.

    For each line: the posterior median of the law's mean, its 50% and 90% credible bands,
    and a lighter 90% band for a new run (law plus noise). Laws of two inputs get one line
    per value of the input not on the x axis (a few log-spaced values from the runs, and the
    targets' values). Targets are marked with their median and 90% new-run interval.

    Parameters
    ----------
    fit
        A :class:`~bayescale.Fit` of a law of one or two inputs.
    targets
        Points to extrapolate to, e.g. ``{"params": 70e9, "tokens": 1.4e12}``, a list of
        such dicts or a DataFrame; an optional ``label`` key names each.
    along
        The input on the x axis (default: the law's last input, e.g. tokens).

    Examples
    --------
    >>> target = {"params": 70e9, "tokens": 1.4e12, "label": "Chinchilla"}
    >>> ax = plot_extrapolation(fit, targets=target)  # doctest: +SKIP
    """
    law = fit.law
    names = law.input_names
    if len(names) > 2:
        raise BayescaleInputError(f"plot_extrapolation draws laws of one or two inputs; {law.name!r} has {len(names)}")
    along = along or names[-1]
    if along not in names:
        raise BayescaleInputError(f"along={along!r} is not an input of law {law.name!r} ({', '.join(names)})")
    output = fit.output_name(output)
    other = next((n for n in names if n != along), None)
    runs = fit.runs()
    goals = _targets_frame(targets)
    missing = [n for n in names if len(goals) and n not in goals.columns]
    if missing:
        raise BayescaleInputError(f"targets need every input of law {law.name!r}; missing {', '.join(missing)}")

    ax = ax or plt.subplots(figsize=(7.5, 5))[1]
    x_all = np.concatenate([runs[along].to_numpy(), goals[along].to_numpy() if len(goals) else []])
    grid = np.geomspace(x_all.min() / 1.5, x_all.max() * 1.5, n_grid)
    series = _series_values(runs[other].to_numpy(), goals[other].to_numpy() if len(goals) else []) if other else [None]
    norm = LogNorm(min(series), max(series)) if other and min(series) < max(series) else None
    cmap = plt.get_cmap("viridis")

    def color(value):
        return cmap(norm(value)) if norm is not None else "C0"

    for value in series:
        points = {along: grid, **({other: np.full_like(grid, value)} if other else {})}
        mean = fit.mean_draws(output, **points)
        new_run = fit.new_runs(output, mean, np.random.default_rng(seed), points)
        q05, q25, q50, q75, q95 = np.quantile(mean, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
        p05, p95 = np.quantile(new_run, [0.05, 0.95], axis=0)
        c = color(value)
        label = f"{law.inputs[other].symbol} = {human(value)}" if other else "law median"
        ax.fill_between(grid, p05, p95, color=c, alpha=0.08, linewidth=0)
        ax.fill_between(grid, q05, q95, color=c, alpha=0.2, linewidth=0)
        ax.fill_between(grid, q25, q75, color=c, alpha=0.35, linewidth=0)
        ax.plot(grid, q50, color=c, linewidth=1.6, label=label)

    observed = runs[output].to_numpy()
    colors = [color(v) for v in runs[other]] if other else "C0"
    ax.scatter(runs[along], observed, s=14, c=colors, edgecolors="black", linewidths=0.3, zorder=3, label="runs")
    if len(goals):
        predicted = fit.predict(goals[names], interval=0.9, seed=seed)
        predicted = predicted[predicted.get("output", output) == output] if "output" in predicted else predicted
        for i, row in enumerate(predicted.itertuples(index=False)):
            x, med = getattr(row, along), row.median
            err = [[med - row.predictive_lower], [row.predictive_upper - med]]
            ax.errorbar([x], [med], yerr=err, fmt="*", markersize=12, color="crimson", capsize=3, zorder=4)
            name = goals["label"].iloc[i] if "label" in goals else f"target {i + 1}"
            ax.annotate(f"{name}: {med:.3f}", (x, med), textcoords="offset points", xytext=(6, 6), fontsize=8)
    log_axes(ax)
    out = law.outputs[output]
    ax.set_xlabel(_label(law, along))
    ax.set_ylabel(f"{output} {out.symbol} ({out.unit})")
    ax.set_title(f"{law.name}: {law.formula}\nmedian, 50%/90% law bands, 90% new-run band", fontsize=9)
    ax.legend(fontsize=7, loc="best")
    return ax
