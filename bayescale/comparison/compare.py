"""``compare``: which law to trust, by PSIS-LOO and by how well it predicts held-out larger runs."""

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
from .loo import bad_k_message, bad_runs, check_same_observations, exact_loo, loo, loo_table
from .refit import refit_task, run_refits

if TYPE_CHECKING:
    from distributed import Client


@dataclass
class Comparison:
    """A comparison of fits: one row per law in ``table``, plain-words ``messages``.

    ``loo`` holds each fit's arviz-stats ``ELPDData``; ``holdout_scores`` each law's
    per-run scores on the held-out runs (log predictive density, PIT, median).
    """

    table: pd.DataFrame
    fits: dict[str, Fit]
    loo: dict[str, object]
    messages: list[str] = field(default_factory=list)
    holdout_scores: dict[str, pd.DataFrame] = field(default_factory=dict)

    def __repr__(self) -> str:
        return self.table.to_string(float_format=lambda v: f"{v:.4g}") + "".join(f"\n{m}" for m in self.messages)

    def to_dict(self) -> dict:
        """JSON-ready: one object per law."""
        return {name: {k: _json_number(k, v) for k, v in row.items()} for name, row in self.table.iterrows()}


COUNTS = ("n_bad_k", "n_holdout", "rank_holdout")


def _json_number(key: str, value) -> float | int | None:
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
    reloo: bool = False,
    seed: int = 0,
    workers: int | None = None,
    executor: Executor | None = None,
    scheduler: str | Client | None = None,
    **fit_kwargs,
) -> Comparison:
    """Compare laws by PSIS-LOO and, with ``holdout``, by prediction of held-out runs.

    Parameters
    ----------
    items
        Fits, or law names/paths to fit to ``runs`` (with ``columns``), or a dict of them by name.
    holdout
        The runs that play "the future": a boolean array, a boolean column, an expression
        such as ``"flops >= 1e21"`` (``flops`` = 6 N D is added when absent), or
        ``"largest 2 flops"``. Each law is refitted on the other runs (same priors,
        scales and sampler settings, compiled model reused) and scored on these.
    reloo
        Replace the LOO terms of runs with Pareto k > 0.7 by exact leave-one-out refits.
    workers, executor, scheduler
        Where refits run: this process (1), a pool of processes, any
        ``concurrent.futures.Executor``, or a Dask cluster (``scheduler``: its address or a
        ``distributed.Client``; each law's refits go to the same workers).

    Returns a :class:`Comparison` whose ``table`` has ``elpd_loo``, ``se``, ``elpd_diff``,
    ``dse``, ``weight`` (stacking), ``n_bad_k`` and, with ``holdout``, ``elpd_holdout``,
    ``coverage_50``, ``coverage_90``, ``median_abs_rel_error`` and ``n_holdout``.
    """
    fits = named_fits(items, runs, columns, seed=seed, **fit_kwargs)
    executor = scheduler if scheduler is not None else executor
    check_same_observations(fits)
    results = {name: loo(f) for name, f in fits.items()}
    bad = {name: bad_runs(r) for name, r in results.items()}
    messages = []
    for name, runs_bad in bad.items():
        if len(runs_bad) and reloo:
            results[name] = exact_loo(fits[name], results[name], runs_bad, workers, executor)
        if len(runs_bad):
            messages.append(bad_k_message(name, runs_bad, refitted=reloo))
    table = loo_table(results, bad) if len(fits) > 1 else _single_loo(results, bad)
    comparison = Comparison(table, fits, results, messages)
    if holdout is not None:
        _add_holdout(comparison, holdout, runs, seed, workers, executor)
    return comparison


def _single_loo(results, bad) -> pd.DataFrame:
    ((name, r),) = results.items()
    row = {"elpd_loo": r.elpd, "se": r.se, "elpd_diff": 0.0, "dse": 0.0, "p_loo": r.p, "weight": 1.0}
    return pd.DataFrame([row | {"n_bad_k": len(bad[name])}], index=[name])


def _add_holdout(comparison: Comparison, rule, runs, seed: int, workers, executor) -> None:
    mask = holdout_mask(holdout_frame(comparison.fits, runs), rule)
    tasks, held = [], {}
    for name, f in comparison.fits.items():
        frame = f.runs()
        if len(frame) != len(mask):
            raise BayescaleInputError(f"holdout selects among {len(mask)} runs but fit {name!r} has {len(frame)}")
        tasks.append(refit_task(f, frame[~mask], seed))
        held[name] = frame[mask]
    refits = run_refits(tasks, workers=workers, executor=executor)
    rows = {}
    for (name, runs_out), refit in zip(held.items(), refits, strict=True):
        scores = score_runs(refit, runs_out, seed)
        comparison.holdout_scores[name] = scores
        rows[name] = summarize_scores(scores)
    comparison.table = comparison.table.join(pd.DataFrame(rows).T)
    n_out = int(mask.sum())
    comparison.messages.append(
        f"held out {n_out} of {len(mask)} runs; each law refitted on the other {len(mask) - n_out} and scored on them"
    )
    order = np.argsort(-comparison.table["elpd_holdout"].to_numpy())
    comparison.table["rank_holdout"] = np.argsort(order) + 1
