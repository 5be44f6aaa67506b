"""Learn how fast the law's error grows beyond the runs, by leave-future-out inside the runs.

The runs are ordered along the scale coordinate (see :mod:`bayescale.structure`). At each
cut the model is refitted on the runs below the cut (short chains, the compiled model reused,
the optimizer that places the chains started from the modes of the fit on all runs; the
refits sample at once, in threads, where the sampler allows) and
asked to predict those above: their errors beyond the refit's own
predictive spread, against their distance beyond the refit's runs, are the evidence about
the discrepancy's growth (:mod:`bayescale.discrepancy`). With several series, a series is
never split: whole series are held out, ordered by their largest row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import partial

import numpy as np
import xarray as xr

from bayescale.discrepancy import HeldOut, Hull
from bayescale.likelihood import OUTPUT_SCALES
from bayescale.model import SERIES_DIM, SERIES_OFFSET, ModelSpec, model_data
from bayescale.predict import law_mean
from bayescale.predictive import Posterior
from bayescale.runs import Runs
from bayescale.sampling import SamplerSettings, known_modes, sample_posterior
from bayescale.structure import log_inputs, scale_coordinate

CUTS = (0.5, 0.6, 0.7, 0.8)
REFIT = {"draws": 200, "tune": 150, "chains": 2}
MIN_EXTRA_RUNS = 2


def _units(spec: ModelSpec, runs: Runs, coordinate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What is held out together (rows, or whole series when there are several) and each unit's scale."""
    if spec.series:
        series = runs.labels("series")
        if len(series) > 1:
            largest = np.full(len(series), -np.inf)
            np.maximum.at(largest, series.codes, coordinate)
            return series.codes, largest
    return np.arange(len(runs)), coordinate


def _held_out_evidence(
    spec: ModelSpec, runs: Runs, fitted: np.ndarray, scales: Mapping[str, float], refit, weight: np.ndarray, cut: int
) -> HeldOut:
    """Errors of the refit's law at the held-out rows, its predictive scale there and their distance."""
    law = spec.law
    output = next(iter(law.outputs))
    scale = OUTPUT_SCALES[law.outputs[output].kind]
    inputs = {n: runs.column(n) for n in law.input_names}
    held = ~fitted
    posterior = Posterior(spec, refit, scales, {n: v[fitted] for n, v in inputs.items()})
    groups = runs.labels("groups") if spec.varying else None
    location = np.empty((refit.sizes["chain"] * refit.sizes["draw"], int(held.sum())))
    codes = groups.codes[held] if groups is not None else np.zeros(int(held.sum()), dtype=int)
    for code in np.unique(codes):
        group = groups.names[code] if groups is not None else None
        rows = codes == code
        points = {n: v[held][rows] / scales[n] for n, v in inputs.items()}
        mean = law_mean(law, posterior.parameters(group), points)[output]
        with np.errstate(divide="ignore", invalid="ignore"):
            location[:, rows] = scale.to_scale(mean)
    observed = scale.to_scale(runs.column(output)[held])
    noise = np.median(posterior.flat(law.noise_name(output))) ** 2
    if SERIES_OFFSET in refit and SERIES_DIM in refit.dims:
        noise = noise + np.median(posterior.flat(SERIES_OFFSET)) ** 2
    spread = np.sqrt(np.nanvar(location, axis=0) + noise)
    hull = Hull.of(log_inputs(law, {n: v[fitted] for n, v in inputs.items()}, scales))
    distance = hull.distance(log_inputs(law, {n: v[held] for n, v in inputs.items()}, scales))
    error = observed - np.nanmedian(location, axis=0)
    ok = np.isfinite(error) & np.isfinite(spread)
    return HeldOut(error[ok], spread[ok], distance[ok], weight[ok], np.full(int(ok.sum()), float(cut)))


def independent_share(evidence: HeldOut) -> float:
    """The fraction of a cut's held-out errors that is independent information.

    Errors of one refit share its parameter error and the law's smooth misfit: ordered by
    distance, neighbouring standardized errors are correlated (lag-1 correlation r), and n
    of them carry about n (1 - r) / (1 + r) independent errors' worth of evidence.
    """
    if len(evidence.error) < 3:
        return 1.0
    z = (evidence.error / evidence.scale)[np.argsort(evidence.distance, kind="stable")]
    r = float(np.corrcoef(z[:-1], z[1:])[0, 1]) if np.std(z) > 0 else 0.0
    r = min(max(r if np.isfinite(r) else 0.0, 0.0), 0.99)
    return (1 - r) / (1 + r)


def cut_masks(spec: ModelSpec, runs: Runs, scales: Mapping[str, float]) -> list[np.ndarray]:
    """The fitted rows at each usable cut: more runs than the free parameters by
    :data:`MIN_EXTRA_RUNS` below it, some runs above it, and not the same split twice."""
    law = spec.law
    coordinate = scale_coordinate(law, {n: runs.column(n) for n in law.input_names}, scales)
    unit, unit_scale = _units(spec, runs, coordinate)
    needed = len(spec.free_params) + MIN_EXTRA_RUNS
    masks: list[np.ndarray] = []
    for q in CUTS:
        fitted = unit_scale[unit] <= np.quantile(unit_scale, q)
        if fitted.sum() >= needed and not fitted.all() and not any((fitted == m).all() for m in masks):
            masks.append(fitted)
    return masks


def refits_in_parallel(settings: SamplerSettings) -> bool:
    """Whether refits may sample at once in threads: nutpie's compiled backend releases the
    interpreter while it samples. The callback backend holds it (see
    :func:`~bayescale.sampling.compile_nutpie`) and PyMC's sampler is not thread-safe."""
    return settings.sampler == "nutpie" and settings.backend == "numba"


def _started[T](jobs: list[Callable[[], T]], in_threads: bool) -> Callable[[], list[T]]:
    """Start ``jobs`` in background threads, or run them here, one after another; the function
    returned gives their results in order (waiting for them)."""
    if not in_threads or len(jobs) < 2:
        results = [job() for job in jobs]
        return lambda: results
    pool = ThreadPoolExecutor(len(jobs), thread_name_prefix="bayescale-refit")
    pending = [pool.submit(job) for job in jobs]
    pool.shutdown(wait=False)  # the threads end with their jobs
    return lambda: [job.result() for job in pending]


def start_leave_future_out(
    spec: ModelSpec, runs: Runs, scales: Mapping[str, float], settings: SamplerSettings
) -> Callable[[], tuple[HeldOut, int]]:
    """Start the refits of :func:`leave_future_out` and return the function that waits for them
    and gives its result. Where :func:`refits_in_parallel`, they sample in background threads,
    so the caller can go on meanwhile (their seeds are fixed per cut: the draws do not depend
    on the order they finish in); otherwise they run here, one after another."""
    masks = cut_masks(spec, runs, scales)
    refit_settings = replace(settings, **REFIT, progress=False)
    near = known_modes(spec, model_data(spec, runs, scales), settings) if masks else None

    def refit(cut: int, fitted: np.ndarray) -> xr.Dataset:
        seed = None if settings.seed is None else settings.seed + 7919 * (cut + 1)
        data = model_data(spec, runs.subset(np.flatnonzero(fitted)), scales)
        return sample_posterior(spec, data, replace(refit_settings, seed=seed), near, False)["posterior"].to_dataset()

    posteriors = _started([partial(refit, i, m) for i, m in enumerate(masks)], refits_in_parallel(settings))

    def finish() -> tuple[HeldOut, int]:
        counts = np.sum([~m for m in masks], axis=0) if masks else np.zeros(len(runs))
        parts = []
        for i, (fitted, posterior) in enumerate(zip(masks, posteriors(), strict=True)):
            part = _held_out_evidence(spec, runs, fitted, scales, posterior, 1.0 / counts[~fitted], i)
            parts.append(replace(part, weight=part.weight * independent_share(part)))
        return HeldOut.concat(parts), len(parts)

    return finish


def leave_future_out(
    spec: ModelSpec, runs: Runs, scales: Mapping[str, float], settings: SamplerSettings
) -> tuple[HeldOut, int]:
    """Evidence about the discrepancy's growth from refits at :data:`CUTS`, and how many refits ran.

    Rows held out at several cuts share their weight across them, and the rows of one cut
    count only as much as their errors are independent (:func:`independent_share`).
    """
    return start_leave_future_out(spec, runs, scales, settings)()
