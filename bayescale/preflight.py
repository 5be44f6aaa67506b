"""Checks between validated runs and sampling: can these runs identify the law, and can the
sampler start at all?

The sampler starts near the priors' centre. If the law's mean is NaN, infinite or outside
its output's range (a negative loss, an accuracy above 1) at some run for every draw from the
priors, no starting point works and the sampler fails deep inside with "All initialization
points failed". Checking a few hundred prior draws first names the runs at fault instead.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from bayescale.errors import SamplingFailedError
from bayescale.identity import law_identity
from bayescale.likelihood import OUTPUT_SCALES
from bayescale.memo import Memo
from bayescale.model import ModelSpec
from bayescale.predict import law_mean
from bayescale.prior import prior_draws
from bayescale.runs import Runs, row_list, warn_identifiability

PRIOR_DRAWS = 200


_draws: Memo[dict[str, np.ndarray]] = Memo()


def _prior_draws(spec: ModelSpec, seed: int) -> dict[str, np.ndarray]:
    """Prior draws per spec and seed, drawn once per process (refits of one spec reuse them)."""
    return _draws.get((law_identity(spec.law), spec.key(), seed), lambda: prior_draws(spec, PRIOR_DRAWS, seed))


def check_law_at_runs(spec: ModelSpec, runs: Runs, scales: Mapping[str, float], seed: int = 0) -> None:
    """Raise :class:`SamplingFailedError` naming the runs where the law's mean is unusable under every
    prior draw (so that no starting point of the sampler could work)."""
    law = spec.law
    draws = _prior_draws(spec, seed)
    inputs = {n: runs.column(n) / scales[n] for n in law.input_names}
    with np.errstate(all="ignore"):
        means = law_mean(law, {n: draws[n] for n in law.param_names}, inputs)
    usable = np.ones((PRIOR_DRAWS, len(runs)), dtype=bool)
    for name, mean in means.items():
        usable &= np.isfinite(mean) & OUTPUT_SCALES[law.outputs[name].kind].valid(mean)
    if usable.all(axis=1).any():
        return
    never = ~usable.any(axis=0)
    failures = (~usable).sum(axis=0)
    rows = np.flatnonzero(never) if never.any() else np.argsort(-failures, kind="stable")[: int((failures > 0).sum())]
    first = rows[0]
    at = ", ".join(f"{runs.columns[n]}={runs.column(n)[first]:.4g}" for n in law.input_names)
    listed = row_list(runs.frame.index[rows])
    words = " or ".join(sorted({OUTPUT_SCALES[o.kind].valid_words for o in law.outputs.values()}))
    remedy = "so the sampler cannot start: check those runs' inputs, the law's mean function and its priors"
    if never.any():
        raise SamplingFailedError(
            f"law {law.name!r} gives no finite, {words} mean at {listed} of {runs.source} (first: {at}) "
            f"for any of {PRIOR_DRAWS} draws from its priors, {remedy}"
        )
    raise SamplingFailedError(
        f"none of {PRIOR_DRAWS} draws from the priors of law {law.name!r} gives a finite, {words} mean at every "
        f"run of {runs.source} ({listed} fail most often; first: {at}), {remedy}"
    )


def check_before_sampling(spec: ModelSpec, runs: Runs, scales: Mapping[str, float]) -> None:
    """Warn where the runs cannot identify the law; fail where the sampler could not start."""
    warn_identifiability(runs, spec.law, spec.free_params)
    check_law_at_runs(spec, runs, scales)
