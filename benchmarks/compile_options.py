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
- ``callback``: ``sampling.compile_nutpie(model, "callback")``, PyTensor's Numba functions
  called from nutpie through Python instead of nutpie's compiled C wrappers (which are rebuilt
  in every process); chains then take turns holding the interpreter lock.
"""

from __future__ import annotations

import json
import sys
import time
import warnings

from bayescale import datasets, get_law, load_runs, sampling
from bayescale.model import ModelSpec, build_model, model_data, resolve_scales


def chinchilla_model():
    law = get_law("chinchilla")
    runs = load_runs(datasets.load("chinchilla").query("not epoch_excluded"), law)
    spec = ModelSpec.create(law)
    return build_model(spec, model_data(spec, runs, resolve_scales(law, runs)))


def numba_cfunc(model, **kwargs):
    import nutpie

    with warnings.catch_warnings(), sampling.exact_math():
        warnings.simplefilter("ignore", UserWarning)
        return nutpie.compile_pymc_model(model, **kwargs)


OPTIONS = {
    "numba": sampling.compile_nutpie,
    "numba-cache": lambda model: numba_cfunc(model, cache=True),
    "numba-free-only": lambda model: numba_cfunc(model, var_names=[v.name for v in model.free_RVs]),
    "callback": lambda model: sampling.compile_nutpie(model, "callback"),
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
