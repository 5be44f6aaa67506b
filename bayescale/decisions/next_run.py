"""Which run to train next: the affordable candidate expected to shrink a target's interval most.

For a candidate run, outcomes are simulated from the current posterior predictive; each
simulated outcome reweights the posterior draws by its likelihood (importance sampling, the
fit's own noise model), and the target's interval is recomputed under those weights.
Averaged over outcomes this is the expected interval width after training the run:
preposterior analysis without refitting.

By default the interval is the law's credible interval at the target (its epistemic part):
a run can shrink it, while the scatter of a single new run around the law stays whatever it
is; ``predictive=True`` ranks by the interval for a new run at the target instead.
Every candidate sees the same simulation draws (common random numbers), so differences
between candidates are not Monte Carlo noise.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bayescale.cluster import map_tasks
from bayescale.cost import Cost, CostFunction, as_cost
from bayescale.errors import BayescaleInputError, check_interval, check_seed
from bayescale.fit import Fit
from bayescale.points import prediction_points
from bayescale.predict import pointwise_log_likelihood, predictive_draws

if TYPE_CHECKING:
    from distributed import Client


def weighted_interval_width(values: np.ndarray, weights: np.ndarray, interval: float) -> np.ndarray:
    """Width of the central ``interval`` of ``values`` (draws,) under each row of ``weights`` (sims, draws)."""
    order = np.argsort(values)
    sorted_values = values[order]
    cumulative = np.cumsum(weights[:, order], axis=1)
    cumulative /= cumulative[:, -1:]
    tail = (1 - interval) / 2
    lower = sorted_values[np.argmax(cumulative >= tail, axis=1)]
    upper = sorted_values[np.argmax(cumulative >= 1 - tail, axis=1)]
    return upper - lower


def expected_width(fit: Fit, candidate: Mapping[str, float], target_draws: np.ndarray, n_sim: int, interval: float,
                   seed: int, group: str | None = None) -> tuple[float, float]:  # fmt: skip
    """Expected width of the target's interval after observing one run at ``candidate`` (of ``group``)."""
    rng = np.random.default_rng(seed)
    output = fit.output_name()
    points = {n: np.atleast_1d(float(candidate[n])) for n in fit.law.input_names}
    mean = fit.mean_draws(output, group=group, **points)[:, 0]
    sigma = fit.draws([fit.law.noise_name(output)])[fit.law.noise_name(output)]
    sims = rng.choice(len(mean), size=n_sim, replace=n_sim > len(mean))
    outcomes = predictive_draws(fit.law.outputs[output], fit.spec.noise, mean[sims, None], sigma[sims], rng)[:, 0]
    loglik = pointwise_log_likelihood(fit.law.outputs[output], fit.spec.noise, mean[:, None], sigma, outcomes).T
    weights = np.exp(loglik - loglik.max(axis=1, keepdims=True))
    ess = weights.sum(axis=1) ** 2 / (weights**2).sum(axis=1)
    return float(weighted_interval_width(target_draws, weights, interval).mean()), float(np.median(ess))


def next_run(
    fit: Fit,
    target: Mapping[str, float],
    candidates: pd.DataFrame,
    budget: float | None = None,
    *,
    cost: Cost | CostFunction | None = None,
    group: str | None = None,
    interval: float = 0.9,
    predictive: bool = False,
    n_sim: int = 200,
    seed: int = 0,
    scheduler: str | Client | None = None,
) -> pd.DataFrame:
    """Rank affordable candidate runs by the expected width of the interval at the target.

    ``target`` is one point (``{"params": 7e10, "tokens": 1.4e12}``); ``candidates`` has one
    row per possible run (law input names or the fit's column names). For laws with the
    cost's inputs (params and tokens), each candidate's ``cost`` is its training compute
    (default 6 N D) and candidates costing more than ``budget`` are dropped. The interval is
    the law's credible interval at the target, or with ``predictive=True`` the interval for a
    new run there (the law's plus the fit's noise). ``group`` is the group the target and
    the candidate runs belong to (None or an unknown name: a new group).

    Returns the affordable candidates sorted best first, with ``cost``, ``expected_width``,
    ``current_width``, ``expected_shrinkage`` (fraction of the current width removed) and
    ``effective_draws`` (median importance-sampling ESS: small values mean the run would
    move the posterior far and the estimate is rough). With ``scheduler`` (a Dask scheduler's
    address or a ``distributed.Client``) the candidates are evaluated on that cluster.
    """
    if n_sim < 10:
        raise BayescaleInputError(f"n_sim={n_sim} is too few simulated outcomes; use 100 or more")
    check_interval(interval)
    check_seed(seed)
    if budget is not None and not budget > 0:
        raise BayescaleInputError(f"budget={budget} must be a positive number of FLOPs")
    cost_model = as_cost(cost)
    target_point = prediction_points(fit.law, pd.DataFrame([dict(target)]), fit.columns)
    target_draws = fit.mean_draws(group=group, **target_point)[:, 0]
    if predictive:
        output = fit.output_name()
        rng = np.random.default_rng(seed)
        target_draws = fit.new_runs(output, target_draws[:, None], rng, target_point)[:, 0]
    table = pd.DataFrame(prediction_points(fit.law, candidates, fit.columns))
    size, data = cost_model.size, cost_model.data
    if {size, data} <= set(table.columns):
        table["cost"] = cost_model.training_flops(table[size].to_numpy(), table[data].to_numpy())
    elif cost is not None or budget is not None:
        raise BayescaleInputError(
            f"law {fit.law.name!r} has no {size} and {data} inputs: cost= and budget= need a law of both"
        )
    else:
        table["cost"] = np.nan
    if budget is not None:
        table = table[table["cost"] <= budget]
        if table.empty:
            raise BayescaleInputError(f"budget={budget:.3g}: no candidate run costs that little")
    tail = (1 - interval) / 2
    current = float(np.diff(np.quantile(target_draws, [tail, 1 - tail]))[0])
    evaluate = partial(
        expected_width, fit, target_draws=target_draws, n_sim=n_sim, interval=interval, seed=seed, group=group
    )
    rows = [row for _, row in table.iterrows()]
    results = [evaluate(row) for row in rows] if scheduler is None else map_tasks(evaluate, rows, scheduler)
    table["expected_width"] = [r[0] for r in results]
    table["effective_draws"] = [r[1] for r in results]
    table["current_width"] = current
    table["expected_shrinkage"] = 1 - table["expected_width"] / current
    return table.sort_values("expected_width").reset_index(drop=True)
