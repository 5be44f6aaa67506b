"""PSIS-LOO of fits from their stored pointwise log-likelihoods, with exact refits for bad runs."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
from arviz_stats import compare as az_compare
from arviz_stats import loo as az_loo

from bayescale.errors import BayescaleInputError
from bayescale.fit import Fit

from .holdout import score_runs
from .refit import refit_task, run_refits

K_THRESHOLD = 0.7


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


def loo(fit: Fit):
    """PSIS-LOO (arviz-stats) of one fit, pointwise."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # bad k is reported by bad_k_message, in plain words
        return az_loo(fit.tree, pointwise=True, var_name=fit.output_name())


def bad_runs(result, threshold: float | None = None) -> np.ndarray:
    """Indices of runs whose Pareto k exceeds ``threshold`` (default 0.7)."""
    return np.flatnonzero(np.asarray(result.pareto_k) > (K_THRESHOLD if threshold is None else threshold))


def bad_k_message(name: str, runs: np.ndarray, refitted: bool) -> str:
    """What a high Pareto k means, for one fit, in plain words."""
    shown = ", ".join(map(str, runs[:10])) + (" ..." if len(runs) > 10 else "")
    what = (
        f"{name}: {len(runs)} run(s) (rows {shown}) have Pareto k > {K_THRESHOLD}: leaving one of them out "
        "changes the posterior too much for PSIS to estimate (influential or outlying runs, often the largest)."
    )
    if refitted:
        return what + " Their LOO terms were recomputed by exact refits."
    return what + " Their LOO terms are unreliable: pass reloo=True (CLI: --reloo) to refit exactly without each."


def exact_loo(fit: Fit, result, runs: np.ndarray, workers=None, executor=None):
    """``result`` with the LOO terms of ``runs`` replaced by exact leave-one-out refits."""
    frame = fit.runs()
    tasks = [refit_task(fit, frame.drop(index=i)) for i in runs]
    refits = run_refits(tasks, workers=workers, executor=executor)
    fixed = copy.deepcopy(result)
    elpd_i = np.array(fixed.elpd_i, dtype=float)
    for i, refit in zip(runs, refits, strict=True):
        elpd_i[i] = score_runs(refit, frame.iloc[[i]])["lpd"].iloc[0]
    fixed.elpd_i = fixed.elpd_i.copy(data=elpd_i)
    fixed.pareto_k = fixed.pareto_k.copy(data=np.where(np.isin(np.arange(elpd_i.size), runs), 0.0, fixed.pareto_k))
    fixed.elpd = float(elpd_i.sum())
    fixed.se = float(np.sqrt(elpd_i.size * np.var(elpd_i)))
    return fixed


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
