"""Draws of a decision as xarray objects with named dimensions, and the one table built from them.

Every decision returns its draws with dims ``chain`` and ``draw`` (and ``budget`` where it is
asked at several compute budgets), so ``arviz_stats.summary``, ``ess`` and ``mcse`` apply to
them directly; :func:`interval_table` turns them into the table each result shows.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
import xarray as xr

from bayescale.errors import BayescaleInputError, check_interval

SAMPLE_DIMS = ("chain", "draw")
BUDGET_DIM = "budget"


def check_budgets(flops) -> np.ndarray:
    """Compute budgets as a 1-d array of positive numbers (from a scalar or a list)."""
    try:
        budgets = np.atleast_1d(np.asarray(flops, dtype=float))
    except (TypeError, ValueError):
        budgets = np.array([np.nan])
    if budgets.ndim != 1 or not len(budgets) or not np.all(np.isfinite(budgets)) or np.any(budgets <= 0):
        raise BayescaleInputError(f"flops={flops!r} must be positive numbers (a scalar or a list)")
    return budgets


def draws_dataset(
    values: Mapping[str, np.ndarray], shape: tuple[int, int], budgets: np.ndarray | None = None
) -> xr.Dataset:
    """Arrays whose first axis runs over draws (chains stacked), and a second over ``budgets``
    where they have one, as a Dataset with dims (chain, draw[, budget])."""
    chains, draws = shape
    coords = {"chain": np.arange(chains), "draw": np.arange(draws)}
    if budgets is not None:
        coords[BUDGET_DIM] = np.asarray(budgets, dtype=float)
    data = {}
    for name, array in values.items():
        array = np.asarray(array, dtype=float)
        dims = (*SAMPLE_DIMS, *([BUDGET_DIM] if array.ndim == 2 else []))
        data[name] = (dims, array.reshape(chains, draws, *array.shape[1:]))
    return xr.Dataset(data, coords=coords)


def stacked(values: xr.DataArray) -> np.ndarray:
    """Draws with chains stacked on the first axis: (draws, ...) for plotting and sorting."""
    other = [d for d in values.dims if d not in SAMPLE_DIMS]
    return values.transpose(*SAMPLE_DIMS, *other).values.reshape(-1, *(values.sizes[d] for d in other))


def interval_table(draws: xr.Dataset, interval: float) -> pd.DataFrame:
    """Median and central ``interval`` of each variable: columns ``<name>_median``,
    ``<name>_lower``, ``<name>_upper``; one row per budget (with a ``flops`` column) or one row.

    NaN draws (a target a draw never reaches) are left out of the quantiles.
    """
    tail = (1 - check_interval(interval)) / 2
    columns: dict[str, np.ndarray] = {}
    if BUDGET_DIM in draws.dims:
        columns["flops"] = draws[BUDGET_DIM].values
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
        quantiles = draws.quantile([0.5, tail, 1 - tail], dim=SAMPLE_DIMS, skipna=True)
    for name in draws.data_vars:
        for i, stat in enumerate(("median", "lower", "upper")):
            columns[f"{name}_{stat}"] = np.atleast_1d(quantiles[name].isel(quantile=i).values)
    return pd.DataFrame(columns)


def interval_dict(draws: xr.Dataset, interval: float) -> dict[str, float]:
    """:func:`interval_table` of variables without a budget dim, as one flat dict."""
    return {k: float(v) for k, v in interval_table(draws, interval).iloc[0].items()}


def unreachable(values: xr.DataArray) -> xr.DataArray | float:
    """Fraction of draws that are NaN (a target those draws never reach), per budget if any."""
    fraction = np.isnan(values).mean(SAMPLE_DIMS)
    return float(fraction) if fraction.ndim == 0 else fraction
