"""Sampling: nutpie with a compiled-model cache, PyMC's own NUTS as fallback.

Compilation dominates a single fit, so each :class:`~bayescale.model.ModelSpec` is
compiled once per process and refitted to new data by swapping its data containers.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import functools
import logging
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import xarray as xr

from bayescale.errors import BayescaleInputError, SamplingFailedError, check_seed, check_whole, is_number, shown
from bayescale.identity import law_identity
from bayescale.memo import Memo
from bayescale.model import ModelData, ModelSpec, build_model
from bayescale.modes import LogDensity, Mode, find_modes, mode_weights, start_near

log = logging.getLogger(__name__)

Sampler = Literal["nutpie", "pymc"]
Backend = Literal["numba", "callback"]
Init = Literal["modes", "jitter"]
MAX_DRAWS = 10_000_000  # per chain; far beyond any useful run, well inside what the samplers can count
MAX_CHAINS = 1024
_compiled: Memo[object] = Memo()


@dataclass(frozen=True)
class SamplerSettings:
    """How long and how many chains to run, and with which sampler."""

    draws: int = 1000
    tune: int = 1000
    chains: int = 4
    seed: int | None = None
    sampler: Sampler = "nutpie"
    progress: bool = False
    target_accept: float = 0.9
    backend: Backend = "numba"
    init: Init = "modes"

    def __post_init__(self) -> None:
        check_whole(self.draws, "draws", 1, MAX_DRAWS)
        check_whole(self.tune, "tune", 0, MAX_DRAWS)
        check_whole(self.chains, "chains", 1, MAX_CHAINS)
        check_seed(self.seed)
        if not isinstance(self.sampler, str) or self.sampler not in ("nutpie", "pymc"):
            raise BayescaleInputError(f"sampler={self.sampler!r}: use 'nutpie' or 'pymc'")
        if not is_number(self.target_accept) or not 0.5 <= self.target_accept < 1:
            raise BayescaleInputError(f"target_accept={shown(self.target_accept)} must be in [0.5, 1), e.g. 0.9")
        if self.backend not in ("numba", "callback"):
            raise BayescaleInputError(f"backend={self.backend!r}: use 'numba' or 'callback'")
        if self.init not in ("modes", "jitter"):
            raise BayescaleInputError(f"init={self.init!r}: use 'modes' or 'jitter'")

    def with_init(self, init: Init) -> SamplerSettings:
        """The same settings with chains started another way."""
        return dataclasses.replace(self, init=init)


def exact_math():
    """PyTensor compilation with Numba's fastmath off.

    With fastmath, a function compiled afresh and the same function loaded from PyTensor's
    disk cache round differently, so one seed gave different draws on a new machine than on
    one that had compiled the model before. Without it both agree, at no measured cost in speed.
    """
    import pytensor

    return pytensor.config.change_flags(numba__fastmath=False)


def compile_nutpie(model, backend: Backend = "numba"):
    """Compile a PyMC model for nutpie (fastmath off, see :func:`exact_math`).

    ``"numba"``: nutpie's compiled C wrappers around PyTensor's Numba function; the wrappers
    are rebuilt in every process (about 5 s), then every gradient is a C call. ``"callback"``:
    nutpie calls PyTensor's Numba function through Python; it compiles in a third of the time
    but samples on one core, as every call holds the interpreter lock (its chains run one
    after another in one thread: in parallel threads they queue for the lock, about 40%
    slower). The same seed gives the same draws with either.
    """
    import nutpie

    with warnings.catch_warnings(), exact_math():
        warnings.simplefilter("ignore", UserWarning)
        if backend == "callback":
            return _compile_callback(model)
        return nutpie.compile_pymc_model(model)


def one_at_a_time(function: Callable) -> Callable:
    """``function`` behind a lock. PyMC's jittered start reseeds shared random generators and
    then draws, so two chains' threads calling it at once could swap or repeat their starts."""
    lock = threading.Lock()

    @functools.wraps(function)
    def locked(*args, **kwargs):
        with lock:
            return function(*args, **kwargs)

    return locked


def _compile_callback(model):
    """nutpie model whose logp, gradient and draws come from PyTensor's Numba functions via Python."""
    import nutpie.compile_pymc as nutpie_pymc
    from nutpie.compiled_pyfunc import from_pyfunc
    from pymc.initial_point import make_initial_point_fn

    start = one_at_a_time(make_initial_point_fn(model=model, return_transformed=True, jitter_rvs=set(model.free_RVs)))
    n_dim, _, logp_fn, expand_fn, initial_point, shape_info, reparameterized = nutpie_pymc._make_functions(
        model, mode="NUMBA", compute_grad=True, join_expanded=True, pymc_initial_point_fn=start
    )
    names, _, shapes = shape_info
    sizes = [int(np.prod(s)) for s in shapes]
    offsets = np.cumsum([0, *sizes[:-1]])
    pieces = [(n, slice(a, a + k), s) for n, a, k, s in zip(names, offsets, sizes, shapes, strict=True)]
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
            (joined,) = jitted(x, *[data[n] for n in expand_data])  # one array: far cheaper to return
            values = np.asarray(joined, dtype="float64")
            return {n: values[where].reshape(s) for n, where, s in pieces}

        return expand

    point = np.zeros(n_dim)
    make_logp()(point, **shared), make_expand(0, 0, 0)(point, **shared)  # Numba compiles on the first call
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


def run_nutpie(compiled, settings: SamplerSettings, statistics: bool = True) -> xr.DataTree:
    """Sample a compiled nutpie model (low-rank mass matrix adaptation), without warm-up draws;
    without ``statistics``, only the posterior's draws (nutpie's sample statistics are not converted)."""
    import nutpie

    result = nutpie.sample(
        compiled,
        draws=settings.draws,
        tune=settings.tune,
        chains=settings.chains,
        cores=1 if _is_callback(compiled) else None,  # see compile_nutpie
        seed=settings.seed,
        adaptation="low_rank",
        target_accept=settings.target_accept,
        save_warmup=False,
        progress_bar=settings.progress,
        return_raw_trace=not statistics,
    )
    if not statistics:
        return xr.DataTree.from_dict({"/posterior": _posterior_draws(result, compiled)})
    return _drop_object_vars(result)


def _posterior_draws(trace, compiled) -> xr.Dataset:
    """The constrained draws after warm-up of a raw nutpie trace, with the model's dims and coords."""
    import pyarrow

    draw_batches, stat_batches = trace.get_arrow_trace()
    chains: dict[str, list[np.ndarray]] = {}
    dims: dict[str, list[str]] = {}
    for draws, stats in zip(draw_batches, stat_batches, strict=True):
        warmup = int(np.sum(np.asarray(stats.column("tuning"))))
        for name in draws.column_names:
            if name in compiled.reparameterized_names:
                continue
            column = draws.column(name)
            meta = column.field.metadata
            shape = [int(n) for n in meta.get(b"shape", b"").decode().split(",") if n]
            dims[name] = [d for d in meta.get(b"dims", b"").decode().split(",") if d]
            values = pyarrow.array(column)
            values = values.flatten() if hasattr(values, "flatten") else values
            chains.setdefault(name, []).append(values.to_numpy(zero_copy_only=False).reshape(-1, *shape)[warmup:])
    values = {n: np.stack(v) for n, v in chains.items()}
    coords = {d: compiled.coords[d] for names in dims.values() for d in names if d in compiled.coords}
    chain_draw = {"chain": np.arange(len(draw_batches)), "draw": np.arange(next(iter(values.values())).shape[1])}
    return xr.Dataset({n: (("chain", "draw", *dims[n]), v) for n, v in values.items()}, coords=chain_draw | coords)


def cache_key(spec: ModelSpec, data: ModelData | None = None) -> tuple[str, str]:
    """Identity of a compiled model: the law's code (:func:`~bayescale.identity.law_identity`), the spec
    (priors, which parameters are fixed or tied, noise, groups, series) and the sizes of the group and
    series dimensions, so two laws of the same name never share a model."""
    return law_identity(spec.law), spec.key() + (data.shape_key() if data is not None else "")


def compiled_model(spec: ModelSpec, data: ModelData, backend: Backend = "numba"):
    """The nutpie model for ``spec`` holding ``data``; compiled on first use only (see :func:`cache_key`)."""
    key = cache_key(spec, data)
    key = key if backend == "numba" else (backend, *key)

    def compile_it():
        log.info("compiling the %s model", spec.law.name)
        return compile_nutpie(build_model(spec, data), backend)

    return _compiled.get(key, compile_it).with_data(**{n: np.asarray(v) for n, v in data.items()})


def cache_info() -> dict[str, int]:
    """How many compiled models the process holds."""
    return {"compiled_models": len(_compiled)}


def _drop_object_vars(tree: xr.DataTree) -> xr.DataTree:
    """Remove per-draw message strings that netCDF cannot store."""
    stats = tree["sample_stats"].to_dataset()
    keep = [v for v in stats.data_vars if stats[v].dtype != object]
    return tree.assign({"sample_stats": xr.DataTree(stats[keep])})


def _sample_nutpie(
    spec: ModelSpec, data: ModelData, settings: SamplerSettings, near: np.ndarray | None, statistics: bool
) -> xr.DataTree:
    compiled = compiled_model(spec, data, settings.backend)
    if _starts_near_modes(settings):
        compiled = start_near_modes(compiled, spec, data, settings.seed, near, settings.backend)
    return run_nutpie(compiled, settings, statistics)


def _starts_near_modes(settings: SamplerSettings) -> bool:
    """Whether chains start near modes: nutpie with ``init="modes"``, either backend (the optimizer
    calls the density the sampler calls)."""
    return settings.sampler == "nutpie" and settings.init == "modes"


def _is_callback(compiled) -> bool:
    """Whether a nutpie model calls its density through Python (the ``"callback"`` backend)."""
    return hasattr(compiled, "_make_logp_func")


def _default_start(compiled, seed: int | None) -> np.ndarray:
    """nutpie's own start for ``seed``: PyMC's jittered initial point."""
    return np.asarray(
        compiled._make_initial_points(seed) if _is_callback(compiled) else compiled.initial_point_func(seed)
    )


def _with_start(compiled, initial_point: Callable):
    """The compiled model asking ``initial_point(seed)`` for each chain's start."""
    if _is_callback(compiled):
        return dataclasses.replace(compiled, _make_initial_points=initial_point)
    return dataclasses.replace(compiled, initial_point_func=initial_point)


# -- starting points -------------------------------------------------------------------------

OPTIMIZATION_STARTS = 8  # prior draws the posterior is optimized from, to find its modes
_prior_starts: Memo[tuple[Callable, list[str]]] = Memo()
_found_modes: Memo[list[Mode]] = Memo()


def log_density(compiled) -> LogDensity:
    """The compiled model's log density and gradient at an unconstrained point, on its current data.

    Calls the same compiled function the sampler calls, so it costs no compilation.
    """
    if _is_callback(compiled):
        return _callback_log_density(compiled)
    function = compiled.compiled_logp_func.ctypes
    n_dim = compiled.n_dim
    pointer = ctypes.POINTER(ctypes.c_double)

    def evaluate(point: np.ndarray) -> tuple[float, np.ndarray]:
        x = np.ascontiguousarray(point, dtype=np.float64)
        grad = np.zeros(n_dim)
        logp = np.zeros(())
        status = function(
            n_dim, x.ctypes.data_as(pointer), grad.ctypes.data_as(pointer), logp.ctypes.data_as(pointer),
            compiled.user_data.ctypes.data,  # through the model: it owns the data the pointer points to
        )  # fmt: skip
        return (float(logp), grad) if status == 0 else (-np.inf, grad)

    return evaluate


def _callback_log_density(compiled) -> LogDensity:
    function = functools.partial(compiled._make_logp_func(), **compiled._shared_data)

    def evaluate(point: np.ndarray) -> tuple[float, np.ndarray]:
        try:
            logp, grad = function(np.ascontiguousarray(point, dtype=np.float64))
        except (ValueError, ArithmeticError):  # not computable there: as the compiled backend's status
            return -np.inf, np.zeros(len(point))
        return (logp, np.asarray(grad)) if np.isfinite(logp) else (-np.inf, np.asarray(grad))

    return evaluate


def prior_starts(spec: ModelSpec, data: ModelData, count: int, seed: int | None) -> np.ndarray:
    """``count`` draws from the priors on the sampler's unconstrained scale (rows), in its order."""
    from pymc.initial_point import make_initial_point_fn

    def prior_point_function() -> tuple[Callable, list[str]]:
        model = build_model(spec, data)
        draw = make_initial_point_fn(model=model, default_strategy="prior", return_transformed=True)
        return draw, [model.rvs_to_values[rv].name for rv in model.free_RVs]

    draw, names = _prior_starts.get(cache_key(spec, data), prior_point_function)
    seeds = np.random.default_rng(seed).integers(2**31, size=count)
    return np.array([np.concatenate([np.ravel(draw(int(s))[n]) for n in names]) for s in seeds])


def posterior_modes(
    spec: ModelSpec, data: ModelData, seed: int | None, near: np.ndarray | None = None, backend: Backend = "numba"
) -> list[Mode]:
    """The posterior's modes on ``data`` (memoized), found from prior draws and the default start,
    or from the rows of ``near`` (points already known to be close, such as the modes on more runs);
    the optimizer calls the density of the model compiled for ``backend``."""
    compiled = compiled_model(spec, data, backend)
    hint = b"" if near is None else np.asarray(near).tobytes()
    key = (*cache_key(spec, data), backend, seed, hint, *(np.asarray(v).tobytes() for v in data.values()))

    def search() -> list[Mode]:
        if near is None:
            starts = np.vstack([prior_starts(spec, data, OPTIMIZATION_STARTS, seed), _default_start(compiled, seed)])
        else:
            starts = np.atleast_2d(near)
        return find_modes(log_density(compiled), starts)

    return _found_modes.get(key, search)


def known_modes(spec: ModelSpec, data: ModelData, settings: SamplerSettings) -> np.ndarray | None:
    """The points of the modes a fit with ``settings`` on ``data`` started near (rows; memoized, so
    free after that fit), or None when its chains do not start near modes. Refits on part of
    the runs optimize from these instead of from fresh prior draws."""
    if not _starts_near_modes(settings):
        return None
    modes = posterior_modes(spec, data, settings.seed, backend=settings.backend)
    return np.array([m.point for m in modes]) if modes else None


def start_near_modes(
    compiled,
    spec: ModelSpec,
    data: ModelData,
    seed: int | None,
    near: np.ndarray | None = None,
    backend: Backend = "numba",
):
    """The compiled model with each chain starting near a posterior mode (picked by its mass);
    ``near`` as in :func:`posterior_modes`.

    nutpie asks for a start with a seed per chain; the start is a function of that seed, so
    the same seed gives the same starts. Falls back to nutpie's default start when no
    optimization reached a finite density.
    """
    modes = posterior_modes(spec, data, seed, near, backend)
    if not modes:
        return compiled
    weights = mode_weights(modes)

    def initial_point(chain_seed=None) -> np.ndarray:
        return start_near(modes, weights, np.random.default_rng(chain_seed))

    return _with_start(compiled, initial_point)


def _sample_pymc(spec: ModelSpec, data: ModelData, settings: SamplerSettings) -> xr.DataTree:
    import pymc as pm

    with build_model(spec, data), exact_math():
        tree = pm.sample(
            draws=settings.draws,
            tune=settings.tune,
            chains=settings.chains,
            random_seed=settings.seed,
            target_accept=settings.target_accept,
            progressbar=settings.progress,
            compute_convergence_checks=False,
            idata_kwargs={"log_likelihood": False},
        )
    groups = {g: tree[g] for g in ("posterior", "sample_stats")}
    return xr.DataTree.from_dict({f"/{g}": node.to_dataset() for g, node in groups.items()})


def sample_posterior(
    spec: ModelSpec,
    data: ModelData,
    settings: SamplerSettings,
    near: np.ndarray | None = None,
    statistics: bool = True,
) -> xr.DataTree:
    """Posterior and sample statistics of ``spec`` on ``data``; ``near``: points (rows) to find
    the modes from, as in :func:`posterior_modes`. ``statistics=False`` may leave the sample
    statistics out (nutpie's cost a tenth of a second to convert), for draws used only as draws."""
    with _start_failures(spec):
        if settings.sampler == "nutpie":
            try:
                return _sample_nutpie(spec, data, settings, near, statistics)
            except ImportError:
                log.warning("nutpie is not installed: sampling with PyMC's NUTS instead")
        return _sample_pymc(spec, data, settings)


START_FAILURES = ("All initialization points failed", "Initial evaluation of model at starting point failed")


@contextlib.contextmanager
def _start_failures(spec: ModelSpec):
    """A sampler that finds no starting point with a finite log-density: one line saying what to check."""
    try:
        yield
    except Exception as err:
        if not any(text in str(err) for text in START_FAILURES):
            raise
        raise SamplingFailedError(
            f"sampling law {spec.law.name!r} could not start: the log-density is not finite at any starting "
            "point (the law's mean is NaN, infinite or out of its output's range at some run for parameters "
            "near the priors' centre); check the runs' inputs, the law's mean function and the priors"
        ) from None
