"""Refit a law to a subset of its runs, many at once, reusing each law's compiled model.

A refit is a pure function of (model spec, runs, input scales, sampler settings), so it
pickles to any executor: a local process pool here, a Dask ``Client.get_executor()`` for
a cluster. Within a process the compiled model of each spec is built once and its data
containers are swapped for every refit (see :mod:`bayescale.sampling`).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass

import pandas as pd

from bayescale.fit import Fit, fit_spec
from bayescale.model import ModelSpec
from bayescale.runs import Runs
from bayescale.sampling import SamplerSettings


@dataclass(frozen=True)
class RefitTask:
    """One refit: the spec, the runs (law variable names as columns), scales and settings."""

    spec: ModelSpec
    runs: pd.DataFrame
    scales: dict[str, float]
    settings: SamplerSettings

    def run(self) -> Fit:
        law = self.spec.law
        names = [*law.input_names, *law.outputs]
        runs = Runs(self.runs[names].reset_index(drop=True), {n: n for n in names}, law.name)
        return fit_spec(self.spec, runs, self.scales, self.settings, warn=False)


def settings_of(fit: Fit, seed: int | None = None) -> SamplerSettings:
    """The sampler settings a fit was made with, optionally with a new seed."""
    s = fit.settings
    return SamplerSettings(
        s["draws"], s["tune"], s["chains"], s["seed"] if seed is None else seed, s["sampler"], False, s["target_accept"]
    ).with_init(s.get("init", "modes"))


def refit_task(fit: Fit, runs: pd.DataFrame, seed: int | None = None) -> RefitTask:
    """A task that refits ``fit``'s model (same priors, scales and settings) to ``runs``."""
    return RefitTask(fit.spec, runs, dict(fit.scales), settings_of(fit, seed))


def _run(task: RefitTask) -> Fit:
    return task.run()


def default_workers(tasks: Sequence[RefitTask]) -> int:
    """Processes worth starting: nutpie already runs a fit's chains on separate cores, so extra
    processes pay off only when cores outnumber chains."""
    if not tasks:
        return 1
    cores = os.cpu_count() or 1
    return max(1, min(len(tasks), cores // max(t.settings.chains for t in tasks)))


def run_refits(tasks: Iterable[RefitTask], workers: int | None = None, executor: Executor | None = None) -> list[Fit]:
    """Run refits, in order: in this process, in a pool of ``workers`` processes, or on ``executor``."""
    tasks = list(tasks)
    if executor is not None:
        return list(executor.map(_run, tasks))
    workers = default_workers(tasks) if workers is None else workers
    if workers <= 1:
        return [task.run() for task in tasks]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(_run, tasks))
