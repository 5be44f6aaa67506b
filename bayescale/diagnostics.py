"""Sampler checks, reported in plain words with what to try."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import arviz_stats
import numpy as np
import xarray as xr

from bayescale.errors import PACKAGE_DIR, SamplingWarning

MAX_RHAT = 1.01
MIN_ESS = 400
# Classic split R-hat (not rank-normalized: that one stays below about 1.8 even for chains in separate
# modes) squared is about 1 + (between-chain variance) / (within-chain variance): at 2 the chains' means
# lie about 1.7 posterior widths apart, so they sample separate regions and longer runs do not merge them.
FAILED_RHAT = 2.0


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

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def failed(self) -> bool:
        """The draws are unusable (non-finite, or chains far apart): nothing computed from them holds."""
        return bool(self.failures)

    def report(self) -> str:
        """One line when all is well, else one line per problem."""
        if self.ok:
            return (
                f"Sampling looks healthy: no divergences, R-hat <= {MAX_RHAT}, "
                f"bulk and tail ESS >= {MIN_ESS} for every parameter."
            )
        return "\n".join(self.problems)


def _per_param(tree: xr.DataTree, names: Sequence[str], **kwargs) -> dict[str, float]:
    fn = arviz_stats.rhat if kwargs.pop("rhat", False) else arviz_stats.ess
    ds = fn(tree, var_names=list(names), **kwargs)
    ds = ds.to_dataset() if isinstance(ds, xr.DataTree) else ds
    out = {}
    for name in names:
        values = ds[name]
        if values.ndim == 0:
            out[name] = float(values)
        else:  # one value per group or series: label each, e.g. E[c4]
            dim = values.dims[0]
            out.update(
                {f"{name}[{label}]": float(v) for label, v in zip(values[dim].values, values.values, strict=True)}
            )
    return out


def _problems(d: Diagnostics) -> list[str]:
    out = []
    if d.divergences:
        out.append(
            f"{d.divergences} of {d.draws} draws diverged: the sampler could not follow the "
            "posterior's curvature there, so intervals may be biased. Try tune=2000, tighter "
            "priors, or fixing a parameter the data cannot pin down."
        )
    for name, value in d.rhat.items():
        if value > MAX_RHAT:
            out.append(
                f"R-hat of {name} is {value:.3f} (above {MAX_RHAT}): the chains disagree, so the "
                "posterior is not yet explored. Run longer (draws=2000, tune=2000) and check for "
                "several modes."
            )
    for kind, values, what in (
        ("bulk", d.ess_bulk, "medians"),
        ("tail", d.ess_tail, "interval ends"),
    ):
        for name, value in values.items():
            if value < MIN_ESS:
                out.append(
                    f"{kind} ESS of {name} is {value:.0f} (below {MIN_ESS}): too few effective "
                    f"draws for stable {what}. Run more draws or chains."
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


def check(tree: xr.DataTree, names: Sequence[str], warn: bool = True) -> Diagnostics:
    """Check divergences, R-hat and bulk/tail ESS of ``names``; warn in plain words."""
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
    )
    diag.failures.extend(_failures(tree, names))
    diag.problems.extend([*diag.failures, *_problems(diag)])
    if warn:
        for problem in diag.problems[len(diag.failures) :]:  # failures are raised or reported, not warned
            warnings.warn(problem, SamplingWarning, skip_file_prefixes=(PACKAGE_DIR,))
    return diag
