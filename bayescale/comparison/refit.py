"""Refit a law to a subset of its runs, many at once, reusing each law's compiled model.

A refit is a pure function of (model spec, runs, input scales, sampler settings), so it
pickles to any executor: a local process pool here, a Dask ``Client.get_executor()`` for
a cluster. Within a process the compiled model of each spec is built once and its data
containers are swapped for every refit (see :mod:`bayescale.sampling`). The runs of a
refit keep every group and series label of the original fit (:meth:`Runs.subset`), so a
group or series left out still has its coordinates: its parameters or offset are then
drawn from the population, as for one never seen.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bayescale.cluster import is_scheduler, map_tasks
from bayescale.fit import Fit, fit_spec
from bayescale.model import ModelSpec
from bayescale.runs import Runs
from bayescale.sampling import SamplerSettings

if TYPE_CHECKING:
    from distributed import Client


@dataclass(frozen=True)
class RefitTask:
    """One refit: the spec, the runs (with the fit's labels), scales, settings, and whether the
    law's discrepancy is learned again (for extrapolation) or left out (for leave-one-out terms)."""

    spec: ModelSpec
    runs: Runs
    scales: dict[str, float]
    settings: SamplerSettings
    discrepancy: bool = False

    def run(self) -> Fit:
        return fit_spec(
            self.spec, self.runs, self.scales, self.settings, warn=False, discrepancy=self.discrepancy,
            allow_unconverged=True,  # a refit's health is reported with the comparison, not raised
        )  # fmt: skip


def settings_of(fit: Fit, seed: int | None = None) -> SamplerSettings:
    """The sampler settings a fit was made with, optionally with a new seed."""
    s = fit.settings
    return SamplerSettings(
        s["draws"], s["tune"], s["chains"], s["seed"] if seed is None else seed, s["sampler"], False, s["target_accept"]
    ).with_init(s.get("init", "modes"))


def is_calibrated(fit: Fit) -> bool:
    """Whether the fit learned the law's discrepancy beyond its runs."""
    return fit.settings.get("uncertainty", "iid") == "calibrated"


def refit_task(
    fit: Fit, rows: np.ndarray | pd.DataFrame, seed: int | None = None, *, extrapolation: bool = True
) -> RefitTask:
    """A task that refits ``fit``'s model (same priors, scales, settings, groups and series) to
    some of its runs: ``rows`` are positions or a boolean mask of :meth:`Fit.runs`, or a
    subset of that table (its index gives the positions).

    With ``extrapolation`` a calibrated fit learns its discrepancy again from the kept runs
    (the refit predicts beyond them); without, the refit samples the model alone, like the
    posterior that PSIS-LOO reweights.
    """
    positions = rows.index.to_numpy() if isinstance(rows, pd.DataFrame) else np.asarray(rows)
    kept = fit.fitted_runs().subset(positions)
    return RefitTask(fit.spec, kept, dict(fit.scales), settings_of(fit, seed), extrapolation and is_calibrated(fit))


def _run(task: RefitTask) -> Fit:
    return task.run()


def default_workers(tasks: Sequence[RefitTask]) -> int:
    """Processes worth starting: nutpie already runs a fit's chains on separate cores, so extra
    processes pay off only when cores outnumber chains."""
    if not tasks:
        return 1
    cores = os.cpu_count() or 1
    return max(1, min(len(tasks), cores // max(t.settings.chains for t in tasks)))


def run_refits(
    tasks: Iterable[RefitTask], workers: int | None = None, executor: Executor | str | Client | None = None
) -> list[Fit]:
    """Run refits, in order: in this process, in a pool of ``workers`` processes, or on ``executor``:
    a ``concurrent.futures.Executor``, or a Dask scheduler (its address or a ``distributed.Client``),
    which sends the refits of one model to the same workers so each compiles it once."""
    tasks = list(tasks)
    if is_scheduler(executor):
        return map_tasks(_run, tasks, executor, groups=[task.spec.key() for task in tasks])
    if executor is not None:
        return list(executor.map(_run, tasks))
    workers = default_workers(tasks) if workers is None else workers
    if workers <= 1:
        return [task.run() for task in tasks]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(_run, tasks))
