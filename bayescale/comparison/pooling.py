"""Separate fits, partial pooling and complete pooling of grouped runs, compared on the same runs.

- ``separate``: one fit per group, nothing shared (a group's runs alone pin down its law);
- ``partial``: one fit, the ``varying`` parameters drawn per group from a population whose
  spread is learned, the others shared;
- ``complete``: one fit, every group the same law.

All three are scored on the same units: by run or series (PSIS-LOO, the separate fits'
terms put together), or by group (each group left out whole and predicted as a new one;
separate fits know nothing of a group they never saw, so they have no such score), and,
with ``holdout``, on the same held-out runs.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from pathlib import Path

import numpy as np
import pandas as pd

from bayescale.catalog import get_law
from bayescale.errors import BayescaleInputError
from bayescale.fit import fit
from bayescale.law import Law
from bayescale.runs import load_runs

from .compare import Comparison, add_holdout_scores, fits_loo, holdout_frame, holdout_scores, unit_loo
from .holdout import holdout_mask, score_runs
from .loo import loo_table
from .refit import refit_task, run_refits
from .units import Units, check_unit, choose_units, run_units

KINDS = ("separate", "partial", "complete")


def compare_pooling(
    law: str | Path | Law,
    runs: pd.DataFrame | str | Path,
    *,
    groups: str,
    varying: Sequence[str],
    series: str | None = None,
    columns: Mapping[str, str] | None = None,
    unit: str = "auto",
    holdout=None,
    reloo: bool | None = None,
    seed: int = 0,
    workers: int | None = None,
    executor: Executor | None = None,
    **fit_kwargs,
) -> Comparison:
    """Fit ``law`` to grouped runs three ways and compare them on the same runs.

    Parameters
    ----------
    groups, varying
        The column naming each run's group and the parameters that vary by group in the
        partially pooled fit (as in :func:`bayescale.fit`).
    series, columns
        As in :func:`bayescale.fit`, for all three.
    unit
        ``"run"``, ``"series"``, ``"group"`` or ``"auto"`` (series when there are several,
        else runs), as in :func:`compare`. By group, the separate fits have no score.
    holdout
        Runs to hold out, as in :func:`compare`: every fit (each separate one on its group's
        remaining runs) is refitted without them and scored on them.
    fit_kwargs
        Any other :func:`bayescale.fit` argument (priors, sampler settings).

    Returns a :class:`Comparison` with rows ``separate``, ``partial`` and ``complete``; its
    ``fits`` hold the two pooled fits and ``separate`` the per-group fits.

    Examples
    --------
    >>> bs.compare_pooling("chinchilla", runs, groups="train_dataset", varying=["E", "B"])  # doctest: +SKIP
    """
    check_unit(unit)
    law = get_law(law)
    frame = load_runs(runs, law, columns, groups=groups, series=series).frame.reset_index(drop=True)
    labels = frame[groups].astype(str).to_numpy()
    common = {"columns": columns, "series": series, "seed": seed, "warn": False, **fit_kwargs}
    rows = {name: np.flatnonzero(labels == name) for name in pd.unique(labels)}
    separate = {name: _separate_fit(law, frame.iloc[where], name, common) for name, where in rows.items()}
    pooled = {
        "partial": fit(law, frame, groups=groups, varying=list(varying), **common),
        "complete": fit(law, frame, **common),
    }
    units = choose_units(pooled, unit)
    comparison = _leave_one_out(pooled, separate, rows, units, reloo, workers, executor)
    if holdout is not None:
        mask = holdout_mask(holdout_frame(pooled, frame), holdout)
        scores = holdout_scores(pooled, mask, seed, workers, executor)
        scores.update(_separate_holdout(separate, rows, mask, seed, workers, executor, comparison.messages))
        add_holdout_scores(comparison, scores, mask)
    return comparison


def _separate_fit(law: Law, frame: pd.DataFrame, group: str, common: Mapping):
    """One group's own fit; a problem with it names the group."""
    try:
        return fit(law, frame, **common)
    except BayescaleInputError as err:
        raise BayescaleInputError(f"separate fit of group {group!r}: {err}") from None


def _leave_one_out(pooled, separate, rows, units: Units, reloo, workers, executor) -> Comparison:
    """Leave-one-out of the pooled fits, and of the separate fits put together on the same units."""
    results, bad, messages = fits_loo(pooled, units, reloo, workers, executor)
    if units.kind == "group":
        messages.append(
            "separate: one fit per group knows nothing of a group it never saw, so it has no leave-one-group-out score"
        )
        table = pd.concat([loo_table(results, bad), pd.DataFrame({"n_bad_k": [0]}, index=["separate"])])
    else:
        results["separate"], bad["separate"] = _separate_loo(
            separate, rows, units, results["partial"], reloo, workers, executor, messages
        )
        table = loo_table(results, bad)
    return Comparison(
        table.assign(unit=units.kind), dict(pooled), results, messages, unit=units.kind, separate=dict(separate)
    )


def _separate_loo(separate, rows, units: Units, template, reloo, workers, executor, messages: list[str]):
    """The separate fits' leave-one-out terms put together on the units of the pooled fits."""
    elpd_i = np.full(len(units.names), np.nan)
    pareto_k = np.full(len(units.names), np.nan)
    position = {name: i for i, name in enumerate(units.names)}
    p_loo, bad = 0.0, []
    for name, f in separate.items():
        local = run_units(len(rows[name])) if units.kind == "run" else Units(units.kind, units.labels[rows[name]])
        result, local_bad, message = unit_loo(f"separate[{name}]", f, local, reloo, workers, executor)
        where = rows[name] if units.kind == "run" else np.array([position[n] for n in local.names])
        if np.any(~np.isnan(elpd_i[where])):
            raise BayescaleInputError(f"a {units.kind} spans several groups: score by run or by group instead")
        elpd_i[where], pareto_k[where] = np.asarray(result.elpd_i), np.asarray(result.pareto_k)
        p_loo += float(result.p)
        bad.append(where[local_bad])
        messages += [message] if message else []
    return _combined(template, elpd_i, pareto_k, p_loo), np.concatenate(bad)


def _combined(template, elpd_i: np.ndarray, pareto_k: np.ndarray, p_loo: float):
    """A leave-one-out result with the given terms, on the units of ``template``."""
    result = copy.deepcopy(template)
    result.elpd_i = template.elpd_i.copy(data=elpd_i)
    result.pareto_k = template.pareto_k.copy(data=pareto_k)
    result.elpd = float(elpd_i.sum())
    result.se = float(np.sqrt(elpd_i.size * np.var(elpd_i)))
    result.p = p_loo
    return result


def _separate_holdout(separate, rows, mask, seed, workers, executor, messages: list[str]) -> dict:
    """The separate fits' scores on the held-out runs, in the runs' order; none when a group is
    held out whole (a separate fit cannot predict a group it never saw)."""
    whole = [name for name, where in rows.items() if mask[where].all()]
    if whole:
        messages.append(
            f"separate: groups {', '.join(map(repr, whole))} are held out whole, so separate fits cannot predict "
            "them and have no held-out score"
        )
        return {}
    scored = {name: where for name, where in rows.items() if mask[where].any()}
    tasks = [refit_task(separate[name], ~mask[where], seed) for name, where in scored.items()]
    refits = run_refits(tasks, workers=workers, executor=executor)
    pieces = []
    for (name, where), refit in zip(scored.items(), refits, strict=True):
        frame = separate[name].runs()
        pieces.append(score_runs(refit, frame[mask[where]], seed).set_index(where[mask[where]]))
    return {"separate": pd.concat(pieces).sort_index().reset_index(drop=True)}
