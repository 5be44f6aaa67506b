"""When the sampler's checks fail, act before reporting.

A fit whose chains disagree (R-hat above 1.01), have too few effective draws or diverge is
rerun with longer warm-up, more draws, smaller steps (after divergences) and fresh starts,
up to ``MAX_RUNS`` runs in all; the reruns' chains are pooled when together they are healthier
than any one run. What is still wrong then is described once, in words:
the worst parameter, what was done, and, when the chains sit in separate modes, which
values each group of chains found. A fit whose R-hat stays above ``MAX_RETURNED_RHAT`` is
refused unless the caller asks for it.

The policy only changes :class:`~bayescale.sampling.SamplerSettings` and calls the sampler
again, so it works for any model spec and either sampler.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from bayescale.diagnostics import MIN_ESS, Diagnostics, check, default_advice, summary, warn_once
from bayescale.errors import SamplingError
from bayescale.model import ModelSpec
from bayescale.sampling import SamplerSettings, sample_posterior

MAX_RUNS = 3  # the first run and up to two reruns
MAX_RETURNED_RHAT = 1.05  # above this a fit is refused unless the caller asks for it
MAX_DRAWS_FACTOR = 4  # reruns draw at most this many times the requested draws
MIN_TUNE = 1000  # warm-up steps of a rerun, at least, before doubling
RERUN_TARGET_ACCEPT = (0.95, 0.99)  # after divergences, first and second rerun

Sample = Callable[[ModelSpec, Mapping[str, np.ndarray], SamplerSettings], xr.DataTree]


@dataclass(frozen=True)
class Outcome:
    """The run kept, its settings and checks, and what was done to get there."""

    posterior: xr.DataTree
    settings: SamplerSettings
    diagnostics: Diagnostics
    done: list[str] = field(default_factory=list)
    modes: tuple[str, str] = ("", "")  # the parameter whose chains sit in separate modes, and where


MIXING_FRACTION = 0.1  # effective draws below a tenth of the draws: the chains mix poorly


def checked_names(spec: ModelSpec, posterior: xr.DataTree) -> list[str]:
    """Sampled parameters and the law's derived quantities (the paper's parameters where a law
    samples better-conditioned ones); quantities that do not vary are left out."""
    post = posterior["posterior"]
    derived = [n for n in post.data_vars if n not in spec.priors and float(post[n].std()) > 0]
    return [*(n for n in spec.free_params if n in post.data_vars), *derived]


def diagnose(spec: ModelSpec, posterior: xr.DataTree) -> Diagnostics:
    return check(posterior, checked_names(spec, posterior), warn=False)


def severity(d: Diagnostics) -> tuple[bool, float, float, int]:
    """Sort key of a run's health: whether R-hat or the effective draws miss their targets,
    then the worst R-hat, the fewest effective draws and the divergences."""
    worst_rhat = max((v if np.isfinite(v) else np.inf for v in d.rhat.values()), default=1.0)
    fewest = min((d.min_ess(n) for n in d.rhat), default=np.inf)
    return (bool(d.unsettled or d.short), round(worst_rhat, 3), -fewest, d.divergences)


def needs_rerun(d: Diagnostics, settings: SamplerSettings) -> bool:
    """Whether a run is worth repeating: divergences, chains that disagree, or far fewer effective
    draws than draws (poor mixing). Few effective draws because few draws were asked for is not
    the sampler's fault; it is reported, not rerun."""
    if d.divergences or d.unsettled:
        return True
    draws = settings.draws * settings.chains
    return any(d.min_ess(n) < MIXING_FRACTION * draws for n in d.short)


def rerun_settings(first: SamplerSettings, last: SamplerSettings, d: Diagnostics, rerun: int) -> SamplerSettings:
    """Settings of rerun number ``rerun`` (1, 2, ...): doubled warm-up, enough draws for the
    effective-draw target (at most ``MAX_DRAWS_FACTOR`` times the request), smaller steps
    after divergences, a new seed."""
    tune = max(first.tune, MIN_TUNE // 2) * 2**rerun
    draws = last.draws
    fewest = min(d.min_ess(n) for n in d.rhat)
    wants_more = d.short or d.unsettled
    if wants_more and first.draws * first.chains >= MIN_ESS:
        factor = 2.0 if fewest <= 0 else min(max(1.25 * MIN_ESS / fewest, 1.5), 2.0 * MAX_DRAWS_FACTOR)
        draws = min(math.ceil(last.draws * factor / 100) * 100, first.draws * MAX_DRAWS_FACTOR)
    target_accept = last.target_accept
    if d.divergences:
        target_accept = max(target_accept, RERUN_TARGET_ACCEPT[min(rerun, len(RERUN_TARGET_ACCEPT)) - 1])
    seed = None if first.seed is None else first.seed + rerun
    return dataclasses.replace(last, tune=tune, draws=draws, target_accept=target_accept, seed=seed)


def describe_rerun(old: SamplerSettings, new: SamplerSettings) -> str:
    changes = [f"{name}={getattr(new, name)}" for name in ("tune", "draws", "target_accept")
               if getattr(new, name) != getattr(old, name)]  # fmt: skip
    return "reran with " + (", ".join(changes) if changes else "new starting points")


def pooled_chains(spec: ModelSpec, runs: list[Outcome]) -> Outcome:
    """The chains of several runs as one run, checked: each chain's last draws, as many as the
    shortest run has (every run's draws come after its own warm-up, so each chain is valid)."""
    draws = min(run.settings.draws for run in runs)
    groups = {}
    for group in ("posterior", "sample_stats"):
        parts = [run.posterior[group].to_dataset().isel(draw=slice(-draws, None)) for run in runs]
        joined = xr.concat([p.assign_coords(draw=np.arange(draws)) for p in parts], dim="chain", join="exact")
        groups[f"/{group}"] = joined.assign_coords(chain=np.arange(joined.sizes["chain"]))
    settings = dataclasses.replace(
        runs[-1].settings, draws=draws, chains=groups["/posterior"].sizes["chain"],
        tune=min(run.settings.tune for run in runs),
    )  # fmt: skip
    tree = xr.DataTree.from_dict(groups)
    return Outcome(tree, settings, diagnose(spec, tree))


def chain_groups(values: np.ndarray) -> list[list[int]]:
    """Chains (rows of draws) grouped where their central 90% ranges overlap, ordered by median."""
    low, mid, high = np.quantile(values, [0.05, 0.5, 0.95], axis=1)
    order = np.argsort(mid)
    groups = [[int(order[0])]]
    for chain in order[1:]:
        if low[chain] <= max(high[c] for c in groups[-1]):
            groups[-1].append(int(chain))
        else:
            groups.append([int(chain)])
    return groups


def separated_modes(posterior: xr.DataTree, names: list[str]) -> tuple[str, str]:
    """The first of ``names`` whose chains sit in separate groups, and a sentence saying where
    each group sits; empty strings when every parameter's chains overlap."""
    post = posterior["posterior"]
    for name in names:
        values = _element(post, name).reshape(post.sizes["chain"], -1)
        groups = chain_groups(values)
        if len(groups) > 1:
            where = "; ".join(f"{_chains(group)} near {np.median(values[group]):.3g}" for group in groups)
            return name, (
                f"The chains sit in separate modes of {name}: {where}. The runs allow each of these "
                "values, and the sampler cannot move between them."
            )
    return "", ""


def _element(post, name: str) -> np.ndarray:
    """Draws of a parameter, or of one element of it named as diagnostics name it (``E[c4]``)."""
    if name in post.data_vars or "[" not in name:
        return post[name].values
    base, label = name[:-1].split("[", 1)
    values = post[base]
    dim = next(d for d in values.dims if d not in ("chain", "draw"))
    labels = [str(v) for v in values[dim].values]
    return values.isel({dim: labels.index(label)}).values


def _chains(group: list[int]) -> str:
    numbers = [str(c + 1) for c in sorted(group)]
    if len(numbers) == 1:
        return f"chain {numbers[0]}"
    return "chains " + ", ".join(numbers[:-1]) + " and " + numbers[-1]


def sample_with_remedies(
    spec: ModelSpec,
    data: Mapping[str, np.ndarray],
    settings: SamplerSettings,
    sample: Sample = sample_posterior,
    max_runs: int = MAX_RUNS,
) -> Outcome:
    """Sample, and rerun while the checks fail (at most ``max_runs`` runs); keep the healthiest run.

    Reruns stop early when the chains sit in the same separate modes twice: longer runs do
    not join modes. Two or more reruns are also tried as one run of all their chains
    (:func:`pooled_chains`): slow mixing that no single run settles often settles so. The first
    run is left out of the pool, as its shorter warm-up is what the reruns lengthen.
    """
    posterior = sample(spec, data, settings)
    d = diagnose(spec, posterior)
    best = Outcome(posterior, settings, d)
    reruns: list[Outcome] = []
    done: list[str] = []
    last, modes = settings, ""
    for rerun in range(1, max_runs):
        if not needs_rerun(d, last):
            break
        previous_modes, modes = modes, separated_modes(posterior, d.unsettled)[0]
        if modes and previous_modes:
            break
        new = rerun_settings(settings, last, d, rerun)
        done.append(describe_rerun(last, new))
        posterior, last = sample(spec, data, new), new
        d = diagnose(spec, posterior)
        reruns.append(Outcome(posterior, new, d))
        candidates = [reruns[-1], pooled_chains(spec, reruns)] if len(reruns) > 1 else [reruns[-1]]
        for candidate in candidates:
            if severity(candidate.diagnostics) <= severity(best.diagnostics):
                best = candidate
    if best.settings.chains > settings.chains:
        done.append(
            f"pooled the {len(reruns)} reruns' chains ({best.settings.chains} chains of {best.settings.draws} draws)"
        )
    return dataclasses.replace(best, done=done, modes=separated_modes(best.posterior, best.diagnostics.unsettled))


def settle(outcome: Outcome, allow_unconverged: bool, warn: bool, fit=None) -> None:
    """Report a fit's remaining problems once: refuse it (:class:`SamplingError`) when R-hat is
    above ``MAX_RETURNED_RHAT`` unless ``allow_unconverged``, else one ``SamplingWarning``."""
    d = outcome.diagnostics
    if d.ok:
        return
    name, where = outcome.modes
    advice = (
        f"a prior on {name} that keeps one of these values, fixing {name}, or a law with fewer parameters."
        if name
        else default_advice(d)
    )
    message = summary(d, outcome.done, where, advice)
    worst_rhat = max((v for v in d.rhat.values() if math.isfinite(v)), default=1.0)  # one chain: undefined
    if not worst_rhat <= MAX_RETURNED_RHAT and not allow_unconverged:
        raise SamplingError(
            f"the sampler did not settle (R-hat {worst_rhat:.3f} > {MAX_RETURNED_RHAT}), so no fit is "
            f"returned. {message} To get the unsettled draws anyway, pass allow_unconverged=True "
            "(--allow-unconverged on the command line).",
            fit,
        )
    if warn:
        warn_once(message)
