"""The observation model evaluated on posterior draws, derived from the PyMC model itself.

For every observed output the model's graph holds the location and scale of each row's
observation (the law's mean, series offset and correlation included) and its log density.
This module compiles those, vectorized over draws, once per compiled-model identity, and
evaluates them on a posterior: the pointwise log-likelihood for PSIS-LOO, a posterior
predictive draw per row, and each parameter's log prior density (for power-scaling prior
sensitivity). Adding a term to the model adds it here with no other change.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pymc as pm
import pytensor.tensor as pt
import xarray as xr
from pytensor.graph.replace import graph_replace, vectorize_graph

from bayescale.likelihood import OUTPUT_SCALES
from bayescale.memo import Memo
from bayescale.model import RUN_DIM, ModelData, ModelSpec, build_model
from bayescale.predict import compile_on_draws
from bayescale.sampling import cache_key

_functions: Memo[tuple[pm.Model, object, list[str]]] = Memo()


def _compile(model: pm.Model) -> tuple[object, list[str]]:
    """f(draws of every free variable) -> [log p, location, scale] per observed output, (draws, runs),
    then the log prior density of each free variable at its draws, (draws, *its shape)."""
    outputs = []
    for rv in model.observed_RVs:
        *_, location, scale = rv.owner.inputs
        outputs += [pm.logp(rv, model.rvs_to_values[rv]), location, scale]
    free = list(model.free_RVs)
    outputs += [pm.logp(rv, rv) for rv in free]  # each at its own value, given its parents' values
    single = [rv.type() for rv in free]
    outputs = graph_replace(outputs, dict(zip(free, single, strict=True)), strict=False)
    batched = [pt.tensor(dtype=s.dtype, shape=(None, *s.type.shape)) for s in single]
    outputs = vectorize_graph(outputs, replace=dict(zip(single, batched, strict=True)))
    return compile_on_draws(batched, outputs), [rv.name for rv in free]


def _cached(spec: ModelSpec, data: ModelData) -> tuple[pm.Model, object, list[str]]:

    def compile_it() -> tuple[pm.Model, object, list[str]]:
        model = build_model(spec, data)
        return (model, *_compile(model))

    model, fn, names = _functions.get(cache_key(spec, data), compile_it)
    n_runs = len(data[spec.law.input_names[0]])
    with model:
        pm.set_data(
            {n: np.asarray(v) for n, v in data.items() if n in model.named_vars}, coords={RUN_DIM: np.arange(n_runs)}
        )
    return model, fn, names


def _evaluated(spec: ModelSpec, data: ModelData, posterior: xr.Dataset) -> tuple[list[np.ndarray], list[str]]:
    """Every compiled output on the posterior's draws (chains stacked), and the free variables' names."""
    _, fn, names = _cached(spec, data)
    chains, draws = posterior.sizes["chain"], posterior.sizes["draw"]
    values = [posterior[n].values.reshape(chains * draws, *posterior[n].shape[2:]) for n in names]
    return fn(*values), names


def _per_output(spec: ModelSpec, results: list[np.ndarray], posterior: xr.Dataset) -> dict[str, dict[str, np.ndarray]]:
    chains, draws = posterior.sizes["chain"], posterior.sizes["draw"]
    out = {}
    for i, output in enumerate(spec.law.outputs):
        loglik, location, scale = (np.broadcast_to(r, results[3 * i].shape) for r in results[3 * i : 3 * i + 3])
        out[output] = {
            k: np.asarray(v).reshape(chains, draws, -1)
            for k, v in (("loglik", loglik), ("location", location), ("scale", scale))
        }
    return out


def _log_prior(spec: ModelSpec, results: list[np.ndarray], names: list[str], posterior: xr.Dataset) -> xr.Dataset:
    """Each sampled variable's log prior density at its draws, with the posterior's dims
    (``arviz_stats.psense`` power-scales it to check prior sensitivity)."""
    variables = {}
    for name, value in zip(names, results[3 * len(spec.law.outputs) :], strict=True):
        draws = posterior[name]
        stacked = np.broadcast_to(value, (draws.sizes["chain"] * draws.sizes["draw"], *draws.shape[2:]))
        variables[name] = (draws.dims, stacked.reshape(draws.shape))
    return xr.Dataset(variables, coords={d: posterior[d] for d in posterior.dims})


def evaluate(spec: ModelSpec, data: ModelData, posterior: xr.Dataset) -> dict[str, dict[str, np.ndarray]]:
    """Per output: ``loglik``, ``location`` and ``scale`` of each row's observation, (chain, draw, run)."""
    results, _ = _evaluated(spec, data, posterior)
    return _per_output(spec, results, posterior)


def observation_groups(
    spec: ModelSpec, data: ModelData, posterior: xr.Dataset, seed: int | None = 0
) -> dict[str, xr.Dataset]:
    """The ``log_likelihood``, ``posterior_predictive`` (dims chain, draw, run) and ``log_prior``
    groups of a fit, from one evaluation of the compiled observation model."""
    results, names = _evaluated(spec, data, posterior)
    evaluated = _per_output(spec, results, posterior)
    rng = np.random.default_rng(seed)
    coords = {"chain": posterior["chain"].values, "draw": posterior["draw"].values}
    dims = ("chain", "draw", RUN_DIM)
    loglik, predictive = {}, {}
    for output, parts in evaluated.items():
        scale = OUTPUT_SCALES[spec.law.outputs[output].kind]
        loglik[output] = (dims, parts["loglik"])
        draw = spec.noise.draw(parts["location"], parts["scale"], rng)
        with np.errstate(over="ignore"):
            predictive[output] = (dims, scale.from_scale(draw))
    n_runs = next(iter(loglik.values()))[1].shape[-1]
    coords[RUN_DIM] = np.arange(n_runs)
    return {
        "log_likelihood": xr.Dataset(loglik, coords=coords),
        "posterior_predictive": xr.Dataset(predictive, coords=coords),
        "log_prior": _log_prior(spec, results, names, posterior),
    }


def in_sample_location(evaluated: Mapping[str, dict[str, np.ndarray]], output: str) -> np.ndarray:
    """Each row's expected value on the noise scale, per draw."""
    return evaluated[output]["location"]
