"""``compare``: which law to trust, by leave-one-out (by run, series or group) and by how well
it predicts held-out larger runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bayescale.catalog import get_law
from bayescale.errors import BayescaleInputError
from bayescale.fit import Fit, fit

from .holdout import holdout_mask, score_runs, summarize_scores, with_compute
from .loo import bad_k_message, bad_units, check_same_observations, exact_loo, loo, loo_table
from .refit import refit_task, run_refits
from .units import Units, check_unit, choose_units

if TYPE_CHECKING:
    from distributed import Client


@dataclass
class Comparison:
    """A comparison of fits: one row per law in ``table``, plain-words ``messages``.

    ``unit`` is what each leave-one-out term scored: ``"run"``, ``"series"`` (a whole series
    left out) or ``"group"`` (a whole group left out, predicted as a new group); the table's
    ``unit`` column says the same. ``loo`` holds each fit's arviz-stats ``ELPDData`` (one term
    per unit); ``holdout_scores`` each law's per-run scores on the held-out runs (log
    predictive density, PIT, median, distance beyond the fitted runs). ``separate`` holds the
    per-group fits behind a ``"separate"`` row (:func:`compare_pooling`).
    """

    table: pd.DataFrame
    fits: dict[str, Fit]
    loo: dict[str, object]
    messages: list[str] = field(default_factory=list)
    holdout_scores: dict[str, pd.DataFrame] = field(default_factory=dict)
    unit: str = "run"
    separate: dict[str, Fit] = field(default_factory=dict)

    def __repr__(self) -> str:
        return self.table.to_string(float_format=lambda v: f"{v:.4g}") + "".join(f"\n{m}" for m in self.messages)

    def to_dict(self) -> dict:
        """JSON-ready: one object per law."""
        return {name: {k: _json_value(k, v) for k, v in row.items()} for name, row in self.table.iterrows()}


COUNTS = ("n_bad_k", "n_holdout", "rank_holdout")


def _json_value(key: str, value) -> float | int | str | None:
    if isinstance(value, str):
        return value
    if pd.isna(value):
        return None
    return int(value) if key in COUNTS else float(value)


def named_fits(
    items: Sequence[Fit | str | Path] | Mapping[str, Fit | str | Path],
    runs: pd.DataFrame | str | Path | None = None,
    columns: Mapping[str, str] | None = None,
    **fit_kwargs,
) -> dict[str, Fit]:
    """Fits keyed by a unique name; laws given by name or path are fitted to ``runs``."""
    pairs = list(items.items()) if isinstance(items, Mapping) else [(None, item) for item in items]
    if len(pairs) < 1:
        raise BayescaleInputError("compare needs at least one fit or law")
    fits: dict[str, Fit] = {}
    for name, item in pairs:
        if not isinstance(item, Fit):
            if runs is None:
                raise BayescaleInputError(f"law {item!r} given without runs: pass runs= to fit it")
            law = get_law(item)
            law_columns = {k: v for k, v in (columns or {}).items() if k in [*law.input_names, *law.outputs]}
            item = fit(law, runs, columns=law_columns, warn=False, **fit_kwargs)
        base = name or item.law.name
        unique, n = base, 2
        while unique in fits:
            unique, n = f"{base}_{n}", n + 1
        fits[unique] = item
    return fits


def holdout_frame(fits: Mapping[str, Fit], runs) -> pd.DataFrame:
    """The table a holdout rule is evaluated on: the user's runs, else the first fit's."""
    if isinstance(runs, str | Path):
        runs = pd.read_csv(runs)
    if isinstance(runs, pd.DataFrame):
        return with_compute(runs.reset_index(drop=True))
    return with_compute(next(iter(fits.values())).runs())


def compare(
    items: Sequence[Fit | str | Path] | Mapping[str, Fit | str | Path],
    *,
    runs: pd.DataFrame | str | Path | None = None,
    columns: Mapping[str, str] | None = None,
    holdout=None,
    unit: str = "auto",
    reloo: bool | None = None,
    seed: int = 0,
    workers: int | None = None,
    executor: Executor | None = None,
    scheduler: str | Client | None = None,
    **fit_kwargs,
) -> Comparison:
    """Compare laws by leave-one-out and, with ``holdout``, by prediction of held-out runs.

    Parameters
    ----------
    items
        Fits, or law names/paths to fit to ``runs`` (with ``columns`` and any :func:`bayescale.fit`
        argument, e.g. ``groups=``, ``varying=``, ``series=``), or a dict of them by name.
    holdout
        The runs that play "the future": a boolean array, a boolean column, an expression
        such as ``"flops >= 1e21"`` (``flops`` = 6 N D is added when absent), or
        ``"largest 2 flops"``. Each law is refitted on the other runs (same priors,
        scales, groups, series and sampler settings, compiled model reused) and scored on these.
    unit
        What one leave-one-out term scores. ``"run"``: PSIS-LOO by row. ``"series"``: each
        series left out whole, by PSIS on the sum of its rows' log-likelihoods (their joint
        density) and by an exact refit where Pareto k is too high; rows of one series share
        errors, so leaving out one row at a time is optimistic. ``"group"``: each group left
        out whole by an exact refit and predicted as a new group from the population.
        ``"auto"`` (default): ``"series"`` when the fits have several series, else ``"run"``.
    reloo
        Replace the terms whose Pareto k exceeds arviz-stats' sample-size-aware threshold
        by exact refits without the run or series. Default: yes for series, no for runs.
    workers, executor, scheduler
        Where refits run: this process (1), a pool of processes, any
        ``concurrent.futures.Executor``, or a Dask cluster (``scheduler``: its address or a
        ``distributed.Client``; each law's refits go to the same workers).

    Returns a :class:`Comparison` whose ``table`` has ``elpd_loo``, ``se``, ``elpd_diff``,
    ``dse``, ``p_loo``, ``weight`` (stacking), ``n_bad_k`` (before any refit), ``unit`` and,
    with ``holdout``, ``elpd_holdout``, ``coverage_50``, ``coverage_90``,
    ``median_abs_rel_error``, ``n_holdout`` and ``rank_holdout``.

    Examples
    --------
    >>> bs.compare(["chinchilla", "kaplan"], runs=runs, holdout="flops >= 1e21")  # doctest: +SKIP
    >>> bs.compare([grouped_fit, pooled_fit], unit="group")  # doctest: +SKIP
    """
    check_unit(unit)
    fits = named_fits(items, runs, columns, seed=seed, **fit_kwargs)
    executor = scheduler if scheduler is not None else executor
    check_same_observations(fits)
    units = choose_units(fits, unit)
    comparison = leave_one_out(fits, units, reloo, workers, executor)
    if units.kind == "run" and choose_units(fits).kind == "series":
        comparison.messages.insert(
            0, "scored by run although the runs form series: leaving out one row of a series is optimistic"
        )
    if holdout is not None:
        add_holdout(comparison, holdout, runs, seed, workers, executor)
    return comparison


def leave_one_out(
    fits: Mapping[str, Fit], units: Units, reloo: bool | None = None, workers=None, executor=None
) -> Comparison:
    """The leave-one-out part of :func:`compare`: one term per unit for every fit, and the table."""
    results, bad, messages = fits_loo(fits, units, reloo, workers, executor)
    table = loo_table(results, bad) if len(results) > 1 else single_loo(results, bad)
    return Comparison(table.assign(unit=units.kind), dict(fits), results, messages, unit=units.kind)


def fits_loo(fits: Mapping[str, Fit], units: Units, reloo: bool | None = None, workers=None, executor=None):
    """Leave-one-out results by unit of several fits, their units with bad Pareto k, and messages."""
    results, bad, messages = {}, {}, [unit_message(units, len(fits))] if units.kind != "run" else []
    for name, f in fits.items():
        results[name], bad[name], message = unit_loo(name, f, units, reloo, workers, executor)
        messages += [message] if message else []
    return results, bad, messages


def unit_loo(name: str, fit: Fit, units: Units, reloo: bool | None = None, workers=None, executor=None):
    """One fit's leave-one-out result by unit, its units with bad Pareto k, and a message about them.

    Groups are always refitted exactly; series and runs where PSIS fails and ``reloo``
    asks for it (default: series yes, runs no).
    """
    result = loo(fit, units)
    bad = bad_units(result)
    if units.kind == "group":
        return exact_loo(fit, result, np.arange(len(units.names)), workers, executor, units), bad, None
    refit = (units.kind == "series") if reloo is None else reloo
    if not len(bad):
        return result, bad, None
    message = bad_k_message(name, bad, refitted=refit, result=result, units=units)
    if refit:
        result = exact_loo(fit, result, bad, workers, executor, units)
    return result, bad, message


def unit_message(units: Units, n_fits: int) -> str:
    """What one term of the comparison scored, in plain words."""
    n = len(units.names)
    if units.kind == "series":
        return (
            f"scored by series: each of the {n} series left out whole (PSIS-LOO on the joint density of its rows, "
            "exact refits where Pareto k is too high), since rows of one series share errors"
        )
    return (
        f"scored by group: each of the {n} groups left out whole by an exact refit ({n * n_fits} refits) "
        "and predicted as a new group drawn from the population"
    )


def single_loo(results, bad) -> pd.DataFrame:
    """The table of a comparison of one fit."""
    ((name, r),) = results.items()
    row = {"elpd_loo": r.elpd, "se": r.se, "elpd_diff": 0.0, "dse": 0.0, "p_loo": r.p, "weight": 1.0}
    return pd.DataFrame([row | {"n_bad_k": len(bad[name])}], index=[name])


def add_holdout(comparison: Comparison, rule, runs, seed: int, workers, executor) -> None:
    """Refit every fit of ``comparison`` without the held-out runs and score it on them."""
    mask = holdout_mask(holdout_frame(comparison.fits, runs), rule)
    add_holdout_scores(comparison, holdout_scores(comparison.fits, mask, seed, workers, executor), mask)


def holdout_scores(fits: Mapping[str, Fit], mask: np.ndarray, seed: int, workers=None, executor=None) -> dict:
    """Each fit refitted without the runs at ``mask`` (all refits at once) and scored on them."""
    tasks, held = [], {}
    for name, f in fits.items():
        frame = f.runs()
        if len(frame) != len(mask):
            raise BayescaleInputError(f"holdout selects among {len(mask)} runs but fit {name!r} has {len(frame)}")
        tasks.append(refit_task(f, ~mask, seed))
        held[name] = frame[mask]
    refits = run_refits(tasks, workers=workers, executor=executor)
    return {
        name: score_runs(refit, runs_out, seed) for (name, runs_out), refit in zip(held.items(), refits, strict=True)
    }


def add_holdout_scores(comparison: Comparison, scores: Mapping[str, pd.DataFrame], mask: np.ndarray) -> None:
    """Held-out columns of the table, from each fit's scores on the held-out runs."""
    comparison.holdout_scores.update(scores)
    rows = {name: summarize_scores(s) for name, s in scores.items()}
    comparison.table = comparison.table.join(pd.DataFrame(rows).T)
    n_out = int(mask.sum())
    comparison.messages.append(
        f"held out {n_out} of {len(mask)} runs; each law refitted on the other {len(mask) - n_out} and scored on them"
    )
    elpd = comparison.table["elpd_holdout"].to_numpy(dtype=float)
    order = np.argsort(-np.where(np.isnan(elpd), -np.inf, elpd))
    comparison.table["rank_holdout"] = np.argsort(order) + 1
