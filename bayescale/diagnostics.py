"""Sampler checks, reported in plain words with what to try."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import arviz_stats
import xarray as xr

from bayescale.errors import PACKAGE_DIR, SamplingWarning

MAX_RHAT = 1.01
MIN_ESS = 400


@dataclass(frozen=True)
class Diagnostics:
    """Convergence numbers of one fit and the problems found, as sentences."""

    divergences: int
    draws: int
    rhat: dict[str, float]
    ess_bulk: dict[str, float]
    ess_tail: dict[str, float]
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

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
    diag.problems.extend(_problems(diag))
    if warn:
        for problem in diag.problems:
            warnings.warn(problem, SamplingWarning, skip_file_prefixes=(PACKAGE_DIR,))
    return diag
