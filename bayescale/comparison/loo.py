"""Leave-one-out of fits: PSIS-LOO by run, series or group, with exact refits where PSIS fails.

A series' or group's term is the log predictive density of all its rows together: PSIS on the
sum of its rows' pointwise log-likelihoods (the engine's row terms are conditional on the
row's predecessor in its series, so the sum is the series' joint log density), or an exact
refit without the unit, scored on the unit's rows by the fit's own observation model. In a
refit the left-out group's parameters and series' offsets keep their coordinates but see no
data, so their draws are those of a new group or series from the population.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
import xarray as xr
from arviz_stats import compare as az_compare
from arviz_stats import loo as az_loo
from scipy.special import logsumexp

from bayescale.errors import BayescaleInputError
from bayescale.fit import Fit
from bayescale.model import model_data
from bayescale.observation import evaluate

from .refit import refit_task, run_refits
from .units import Units, run_units

K_THRESHOLD: float | None = None  # None: arviz-stats' sample-size-aware threshold, min(1 - 1/log10 S, 0.7)


def check_same_observations(fits: Mapping[str, Fit]) -> None:
    """PSIS-LOO values are comparable only for the same observed runs on the same scale."""
    (first, ref), *rest = fits.items()
    ref_y = ref.tree["observed_data"][ref.output_name()].values
    ref_kind = ref.law.outputs[ref.output_name()].kind
    for name, other in rest:
        y = other.tree["observed_data"][other.output_name()].values
        kind = other.law.outputs[other.output_name()].kind
        if kind != ref_kind:
            raise BayescaleInputError(
                f"fits {first!r} and {name!r} model different kinds of output ({ref_kind}, {kind}): "
                "their log-likelihoods are on different scales and cannot be compared"
            )
        if y.shape != ref_y.shape or not np.allclose(y, ref_y):
            raise BayescaleInputError(
                f"fits {first!r} ({ref_y.size} runs) and {name!r} ({y.size} runs) are not fits of the same "
                "observations: compare laws fitted to the same runs"
            )


def unit_log_likelihood(fit: Fit, units: Units) -> xr.DataArray:
    """Pointwise log-likelihood summed over each unit's rows, dims (chain, draw, unit)."""
    loglik = fit.tree["log_likelihood"][fit.output_name()]
    if units.kind == "run":
        return loglik
    onehot = np.zeros((len(units.labels), len(units.names)))
    onehot[np.arange(len(units.labels)), units.codes()] = 1.0
    summed = loglik.transpose("chain", "draw", ...).values @ onehot
    coords = {"chain": loglik["chain"].values, "draw": loglik["draw"].values, units.kind: units.names}
    return xr.DataArray(summed, dims=("chain", "draw", units.kind), coords=coords, name=loglik.name)


def loo(fit: Fit, units: Units | None = None):
    """PSIS-LOO (arviz-stats) of one fit, one term per unit (per run by default)."""
    loglik = unit_log_likelihood(fit, units or run_units(fit.tree["observed_data"].sizes["run"]))
    tree = xr.DataTree.from_dict({"/posterior": fit.posterior, "/log_likelihood": loglik.to_dataset()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # bad k is reported by bad_k_message, in plain words
        return az_loo(tree, pointwise=True, var_name=loglik.name)


def threshold(result) -> float:
    """The Pareto k above which PSIS is unreliable for this result."""
    return float(result.good_k) if K_THRESHOLD is None else K_THRESHOLD


def bad_units(result, threshold_: float | None = None) -> np.ndarray:
    """Positions of the units whose Pareto k exceeds the threshold (arviz-stats' by default)."""
    limit = threshold(result) if threshold_ is None else threshold_
    return np.flatnonzero(np.asarray(result.pareto_k) > limit)


def bad_k_message(name: str, bad: np.ndarray, refitted: bool, result=None, units: Units | None = None) -> str:
    """What a high Pareto k means, for one fit, in plain words."""
    units = units or run_units(0)
    labels = bad if units.kind == "run" else units.names[bad]
    shown = ", ".join(map(str, labels[:10])) + (" ..." if len(bad) > 10 else "")
    counted = f"{len(bad)} series" if units.kind == "series" else f"{len(bad)} {units.kind}(s)"
    limit = threshold(result) if result is not None else K_THRESHOLD
    where = f"Pareto k > {limit:.2f}" if limit is not None else "a high Pareto k"
    text = (
        f"{name}: {counted} ({'rows' if units.kind == 'run' else units.plural} {shown}) have {where}: "
        "leaving one of them out changes the posterior too much for PSIS to estimate "
        "(influential or outlying, often the largest)."
    )
    if refitted:
        return text + " Their LOO terms were recomputed by exact refits."
    return text + " Their LOO terms are unreliable: pass reloo=True (CLI: --reloo) to refit exactly without each."


def held_out_density(fit: Fit, refit: Fit, rows: np.ndarray) -> float:
    """log p(the fit's runs at ``rows`` | the refit's posterior), jointly: the model's own row
    terms (series offsets and correlation included) summed per draw, then averaged."""
    data = model_data(fit.spec, fit.fitted_runs(), fit.scales)
    loglik = evaluate(fit.spec, data, refit.posterior)[fit.output_name()]["loglik"]
    joint = loglik[..., np.asarray(rows)].sum(axis=-1).reshape(-1)
    return float(logsumexp(joint) - np.log(joint.size))


def leave_out_refits(fit: Fit, units: Units, which: np.ndarray, workers=None, executor=None) -> list[Fit]:
    """One refit per unit at positions ``which``, without that unit's rows (coordinates kept)."""
    names = units.names[np.asarray(which, dtype=int)]
    tasks = [refit_task(fit, ~units.rows(name), extrapolation=False) for name in names]
    return run_refits(tasks, workers=workers, executor=executor)


def exact_loo(fit: Fit, result, which: np.ndarray, workers=None, executor=None, units: Units | None = None):
    """``result`` with the terms of the units at ``which`` replaced by exact refits without each;
    their Pareto k set to 0, and ``p`` (p_loo) and ``se`` recomputed."""
    units = units or run_units(fit.tree["observed_data"].sizes["run"])
    which = np.asarray(which, dtype=int)
    refits = leave_out_refits(fit, units, which, workers, executor)
    fixed = copy.deepcopy(result)
    elpd_i = np.array(fixed.elpd_i, dtype=float)
    for position, refit in zip(which, refits, strict=True):
        elpd_i[position] = held_out_density(fit, refit, units.rows(units.names[position]))
    fixed.elpd_i = fixed.elpd_i.copy(data=elpd_i)
    fixed.pareto_k = fixed.pareto_k.copy(data=np.where(np.isin(np.arange(elpd_i.size), which), 0.0, fixed.pareto_k))
    fixed.elpd = float(elpd_i.sum())
    fixed.se = float(np.sqrt(elpd_i.size * np.var(elpd_i)))
    fixed.p = float((in_sample_density(fit, units) - elpd_i).sum())
    return fixed


def in_sample_density(fit: Fit, units: Units) -> np.ndarray:
    """log of the posterior mean density of each unit's rows (lppd by unit)."""
    loglik = unit_log_likelihood(fit, units).transpose("chain", "draw", ...).values
    flat = loglik.reshape(-1, loglik.shape[-1])
    return logsumexp(flat, axis=0) - np.log(flat.shape[0])


def loo_table(results: Mapping[str, object], bad: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """elpd, its standard error, difference to the best with its s.e., stacking weight, bad-k count."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = az_compare(dict(results), method="stacking", round_to="none")
    out = pd.DataFrame(
        {
            "elpd_loo": table["elpd"],
            "se": table["se"],
            "elpd_diff": table["elpd_diff"],
            "dse": table["dse"],
            "p_loo": table["p"],
            "weight": table["weight"],
        }
    )
    out["n_bad_k"] = [len(bad[name]) for name in out.index]
    return out
