"""Sampler checks, reported in plain words: one summary per fit naming the worst parameter."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import arviz_stats
import numpy as np
import xarray as xr
from arviz_stats.base import array_stats
from arviz_stats.validate import validate_ci_prob

from bayescale.errors import PACKAGE_DIR, SamplingWarning

MAX_RHAT = 1.01
MIN_ESS = 400
# Classic split R-hat (not rank-normalized: that one stays below about 1.8 even for chains in separate
# modes) squared is about 1 + (between-chain variance) / (within-chain variance): at 2 the chains' means
# lie about 1.7 posterior widths apart, so they sample separate regions and longer runs do not merge them.
FAILED_RHAT = 2.0
MIN_BFMI = 0.3  # below it momentum resampling cannot keep up with the energy's spread (Betancourt 2016)


@dataclass(frozen=True)
class Diagnostics:
    """Convergence numbers of one fit and the problems found, as sentences."""

    divergences: int
    draws: int
    rhat: dict[str, float]
    ess_bulk: dict[str, float]
    ess_tail: dict[str, float]
    problems: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    bfmi: tuple[float, ...] = ()  # E-BFMI of each chain
    max_depth_draws: int = 0  # draws whose trajectory stopped at the sampler's maximum tree depth

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def failed(self) -> bool:
        """The draws are unusable (non-finite, or chains far apart): nothing computed from them holds."""
        return bool(self.failures)

    @property
    def unsettled(self) -> list[str]:
        """Parameters whose R-hat is above ``MAX_RHAT``, the worst first."""
        return sorted((n for n, v in self.rhat.items() if not v <= MAX_RHAT), key=lambda n: -_finite(self.rhat[n]))

    @property
    def short(self) -> list[str]:
        """Parameters whose bulk or tail ESS is below ``MIN_ESS``, the fewest effective draws first."""
        return sorted((n for n in self.rhat if not self.min_ess(n) >= MIN_ESS), key=self.min_ess)

    def min_ess(self, name: str) -> float:
        return min(_finite(self.ess_bulk[name], 0.0), _finite(self.ess_tail[name], 0.0))

    @property
    def worst(self) -> str | None:
        """The parameter to name first: the highest R-hat above the limit, else the fewest effective draws."""
        for names in (self.unsettled, self.short):
            if names:
                return names[0]
        return None

    def report(self) -> str:
        """One line when all is well, else one line per problem."""
        if self.ok:
            return (
                f"Sampling looks healthy: no divergences, R-hat <= {MAX_RHAT}, "
                f"bulk and tail ESS >= {MIN_ESS} for every parameter."
            )
        return "\n".join(self.problems)


def _finite(value: float, default: float = np.inf) -> float:
    return float(value) if np.isfinite(value) else default


def _per_param(tree: xr.DataTree, names: Sequence[str], **kwargs) -> dict[str, float]:
    """R-hat (``rhat=True``) or ESS (``method=...``) of each of ``names``, one array call for all.

    A parameter with a group or series dimension gets one value per label, e.g. ``E[c4]``.
    """
    fn = array_stats.rhat if kwargs.pop("rhat", False) else array_stats.ess
    if kwargs.get("method") == "tail":  # the quantiles ArviZ's own tail ESS uses
        kwargs["prob"] = validate_ci_prob(None)
    posterior = tree["posterior"]
    labels, rows = [], []
    for name in names:
        values = posterior[name].transpose("chain", "draw", ...)
        if values.ndim == 2:
            labels.append(name)
            rows.append(values.values[None])
        else:
            dim = values.dims[2]
            labels.extend(f"{name}[{label}]" for label in values[dim].values)
            rows.append(np.moveaxis(values.values.reshape(*values.shape[:2], -1), -1, 0))
    if not rows:
        return {}
    result = fn(np.concatenate(rows), chain_axis=-2, draw_axis=-1, **kwargs)
    return {label: float(v) for label, v in zip(labels, np.atleast_1d(result), strict=True)}


def _listed(names: list[str], values: dict[str, float], fmt: str, limit: int = 3) -> str:
    shown = ", ".join(f"{n} {values[n]:{fmt}}" for n in names[:limit])
    more = len(names) - limit
    return shown + (f" and {more} more" if more > 0 else "")


def _problems(d: Diagnostics) -> list[str]:
    """At most three sentences: divergences, R-hat, effective draws (worst parameters first)."""
    out = []
    if d.divergences:
        out.append(
            f"{d.divergences} of {d.draws} draws diverged: the sampler could not follow the posterior's "
            "curvature there, so intervals may be biased."
        )
    if d.unsettled:
        out.append(
            f"R-hat above {MAX_RHAT}: {_listed(d.unsettled, d.rhat, '.3f')}: the chains disagree, "
            "so the posterior is not yet explored."
        )
    low = [f"{chain} ({value:.2f})" for chain, value in enumerate(d.bfmi) if value < MIN_BFMI]
    if low:
        out.append(
            f"E-BFMI below {MIN_BFMI} in chain {', '.join(low)}: the sampler moves slowly between energy levels "
            "(heavy tails or a funnel), which longer chains do not fix."
        )
    if d.max_depth_draws:
        out.append(
            f"{d.max_depth_draws} of {d.draws} draws stopped at the maximum tree depth: the steps are tiny "
            "against the posterior's extent, so sampling is slow and may not reach all of it."
        )
    if d.short:
        ess = {n: d.min_ess(n) for n in d.short}
        out.append(
            f"effective draws (bulk or tail ESS) below {MIN_ESS}: {_listed(d.short, ess, '.0f')}: "
            "medians and interval ends are not yet stable."
        )
    return out


def _failures(tree: xr.DataTree, names: Sequence[str]) -> list[str]:
    """Problems no longer run repairs: non-finite draws, split R-hat undefined or beyond FAILED_RHAT."""
    posterior = tree["posterior"]
    broken = [n for n in names if not np.isfinite(posterior[n].values).all()]
    out = []
    if broken:
        out.append(
            f"sampling failed: draws of {', '.join(broken)} include NaN or infinite values, so the fit cannot be "
            "used; check the law's mean for overflow at the runs, the input scales and the priors"
        )
    measurable = posterior.sizes["chain"] >= 2 and posterior.sizes["draw"] >= 4  # else R-hat is undefined
    finite = [n for n in names if n not in broken]
    rhat = _per_param(tree, finite, rhat=True, method="split") if measurable and finite else {}
    far = {n: v for n, v in rhat.items() if not v <= FAILED_RHAT}
    if far:
        values = ", ".join(f"{n} {v:.3g}" for n, v in far.items())
        out.append(
            f"sampling failed: split R-hat of {values} (beyond {FAILED_RHAT}): the chains sample separate regions or "
            "did not move, so the fit cannot be used; fix a parameter the runs cannot pin down or narrow its prior"
        )
    return out


def _bfmi(stats: xr.DataTree) -> tuple[float, ...]:
    """E-BFMI per chain from the recorded energy (none without it, or with too few draws)."""
    if "energy" not in stats or stats.sizes.get("draw", 0) < 4:
        return ()
    per_chain = arviz_stats.bfmi(stats.to_dataset()[["energy"]], group=None)["energy"]
    return tuple(float(v) for v in per_chain.values)


def check(tree: xr.DataTree, names: Sequence[str], warn: bool = True) -> Diagnostics:
    """Check divergences, R-hat and bulk/tail ESS of ``names``; warn once, in plain words."""
    stats = tree["sample_stats"]
    divergences = int(stats["diverging"].sum()) if "diverging" in stats else 0
    posterior = tree["posterior"]
    draws = int(posterior.sizes["chain"] * posterior.sizes["draw"])
    diag = Diagnostics(
        divergences=divergences,
        draws=draws,
        rhat=_per_param(tree, names, rhat=True),
        ess_bulk=_per_param(tree, names, method="bulk"),
        ess_tail=_per_param(tree, names, method="tail"),
        bfmi=_bfmi(stats),
        max_depth_draws=int(stats["maxdepth_reached"].sum()) if "maxdepth_reached" in stats else 0,
    )
    diag.failures.extend(_failures(tree, names))
    diag.problems.extend([*diag.failures, *_problems(diag)])
    if warn and len(diag.problems) > len(diag.failures):  # failures are raised or reported, not warned
        warn_once(summary(diag))
    return diag


def summary(d: Diagnostics, done: Sequence[str] = (), modes: str = "", advice: str = "") -> str:
    """One message for a fit with problems: the worst parameter, what was done, what to try."""
    parts = []
    worst = d.worst
    if worst is not None:
        rhat, ess = d.rhat[worst], d.min_ess(worst)
        parts.append(f"Worst parameter: {worst} (R-hat {rhat:.3f}, ESS {ess:.0f}).")
    parts.extend(p[0].upper() + p[1:] for p in d.problems)
    if done:
        parts.append("Done: " + "; ".join(done) + ".")
    if modes:
        parts.append(modes)
    parts.append("Try: " + (advice or default_advice(d)))
    return " ".join(parts)


def default_advice(d: Diagnostics) -> str:
    """What a user can change, matched to the problem."""
    tips = []
    if d.draws < 2 * MIN_ESS and (d.unsettled or d.short):
        tips.append(f"longer chains: {d.draws} draws in all cannot give {MIN_ESS} effective ones (draws=1000)")
    elif d.unsettled:
        tips.append(
            f"a tighter prior on {d.unsettled[0]} or fixing a parameter the runs cannot pin down, "
            "or a law with fewer parameters"
        )
    elif d.short:
        tips.append("more draws (draws=2000) or more chains")
    if d.divergences:
        tips.append("target_accept=0.99 and tune=2000")
    return "; ".join(tips) + "."


def warn_once(message: str) -> None:
    """Issue a fit's single sampling warning, pointing at the caller's line."""
    warnings.warn(message, SamplingWarning, skip_file_prefixes=(PACKAGE_DIR,))
