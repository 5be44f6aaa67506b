"""Ways to compile the Chinchilla model for nutpie, each timed in a process of its own.

``python benchmarks/compile_options.py OPTION`` builds the model of Epoch AI's 240 runs, compiles
it the way OPTION says, samples it twice (4 chains x 1000 draws, seeds 1 and 2) and prints one JSON
line: compile wall and CPU seconds, sampling seconds, bulk ESS of alpha and beta, and a checksum
of the draws (the sum of alpha's draws) to compare a fresh compile with a load from the cache.
``fit_chinchilla.py --startup`` runs every option with an empty and then a filled PyTensor
compile directory. The options:

- ``numba``: today's ``sampling.compile_nutpie``, nutpie's Numba backend.
- ``numba-cache``: the same with ``cache=True`` passed on to ``numba.cfunc`` for nutpie's wrappers.
- ``numba-free-only``: the trace keeps only the sampled variables (no Deterministics), so the
  function that expands each draw is smaller.
- ``python-callback``: PyTensor's Numba function for logp and gradient, called from nutpie
  through a Python callback instead of nutpie's compiled C wrapper (which is rebuilt in every
  process); chains then take turns holding the interpreter lock.
"""

from __future__ import annotations

import json
import sys
import time
import warnings

import numpy as np

from bayescale import datasets, get_law, load_runs, sampling
from bayescale.model import ModelSpec, build_model, model_data, resolve_scales


def chinchilla_model():
    law = get_law("chinchilla")
    runs = load_runs(datasets.load("chinchilla").query("not epoch_excluded"), law)
    data = model_data(law, runs, resolve_scales(law, runs))
    return build_model(ModelSpec.create(law), data)


def numba_cfunc(model, **kwargs):
    import nutpie

    with warnings.catch_warnings(), sampling.exact_math():
        warnings.simplefilter("ignore", UserWarning)
        return nutpie.compile_pymc_model(model, **kwargs)


def python_callback(model):
    """nutpie model whose logp and gradient are PyTensor's Numba function, called from Python."""
    import nutpie.compile_pymc as nutpie_pymc
    from nutpie.compiled_pyfunc import from_pyfunc
    from pymc.initial_point import make_initial_point_fn

    with warnings.catch_warnings(), sampling.exact_math():
        warnings.simplefilter("ignore", UserWarning)
        start = make_initial_point_fn(model=model, return_transformed=True, jitter_rvs=set(model.free_RVs))
        n_dim, _, logp_fn, expand_fn, initial_point, shape_info, reparameterized = nutpie_pymc._make_functions(
            model, mode="NUMBA", compute_grad=True, join_expanded=False, pymc_initial_point_fn=start
        )
    names, _, shapes = shape_info
    logp_data = [v.name for v in logp_fn.get_shared()]
    expand_data = [v.name for v in expand_fn.get_shared()]
    shared = {v.name: np.asarray(v.get_value()) for v in [*logp_fn.get_shared(), *expand_fn.get_shared()]}

    def make_logp():
        jitted = logp_fn.vm.jit_fn

        def logp(x, **data):
            value, grad = jitted(x, *[data[n] for n in logp_data])
            return float(value), grad

        return logp

    def make_expand(seed1, seed2, chain):
        jitted = expand_fn.vm.jit_fn

        def expand(x, **data):
            values = jitted(x, *[data[n] for n in expand_data])
            return {n: np.asarray(v, dtype="float64").reshape(s) for n, v, s in zip(names, values, shapes, strict=True)}

        return expand

    point = np.zeros(n_dim)
    make_logp()(point, **shared), make_expand(0, 0, 0)(point, **shared)  # Numba compiles on first call
    dims, coords = nutpie_pymc._prepare_dims_and_coords(model, shape_info, reparameterized)
    return from_pyfunc(
        ndim=n_dim,
        make_logp_fn=make_logp,
        make_expand_fn=make_expand,
        make_initial_point_fn=initial_point,
        expanded_dtypes=[np.dtype("float64")] * len(names),
        expanded_shapes=shapes,
        expanded_names=names,
        shared_data=shared,
        dims=dims,
        coords=coords,
        reparameterized_names=reparameterized,
    )


OPTIONS = {
    "numba": sampling.compile_nutpie,
    "numba-cache": lambda model: numba_cfunc(model, cache=True),
    "numba-free-only": lambda model: numba_cfunc(model, var_names=[v.name for v in model.free_RVs]),
    "python-callback": python_callback,
}


def measure(option: str) -> dict:
    from arviz_stats import ess

    model = chinchilla_model()
    wall, cpu = time.perf_counter(), time.process_time()
    compiled = OPTIONS[option](model)
    result = {"option": option, "compile_wall": time.perf_counter() - wall, "compile_cpu": time.process_time() - cpu}
    for seed in (1, 2):
        wall, cpu = time.perf_counter(), time.process_time()
        tree = sampling.run_nutpie(compiled, sampling.SamplerSettings(seed=seed))
        result[f"sample_wall_{seed}"] = time.perf_counter() - wall
        result[f"sample_cpu_{seed}"] = time.process_time() - cpu
        if seed == 1:
            result["checksum"] = float(tree.posterior["alpha"].values.sum())
            result.update({f"ess_{p}": float(ess(tree.posterior[p].values)) for p in ("alpha", "beta")})
    return result


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1])))
