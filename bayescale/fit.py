"""Fit a law to runs; the :class:`Fit` result predicts, summarizes and saves itself."""

from __future__ import annotations

import io
import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pymc as pm
import xarray as xr
from pymc_extras.prior import Prior

from bayescale import __version__
from bayescale.catalog import get_law
from bayescale.diagnostics import Diagnostics, check
from bayescale.errors import PACKAGE_DIR, BayescaleInputError, check_interval
from bayescale.law import Law
from bayescale.likelihood import OUTPUT_SCALES, Noise
from bayescale.model import RUN_DIM, ModelSpec, build_model, model_data, resolve_scales
from bayescale.points import prediction_points
from bayescale.predict import law_mean, pointwise_log_likelihood, predictive_draws
from bayescale.remedies import MAX_RUNS, checked_names, sample_with_remedies, settle
from bayescale.runs import Runs, load_runs
from bayescale.sampling import SamplerSettings, sample_posterior

META = "bayescale"


@dataclass
class Fit:
    """A fitted law: the ArviZ ``DataTree`` plus what is needed to use it.

    The tree has the groups ``posterior``, ``sample_stats``, ``log_likelihood``,
    ``observed_data`` and ``constant_data`` (inputs in raw units, dim ``run``); any ArviZ
    function accepts it. Everything else (law, priors, column mapping, input scales,
    sampler settings) is recorded in ``tree.attrs["bayescale"]``.
    """

    tree: xr.DataTree
    spec: ModelSpec
    columns: dict[str, str]
    scales: dict[str, float]
    settings: dict
    diagnostics: Diagnostics

    @property
    def law(self) -> Law:
        return self.spec.law

    @property
    def posterior(self) -> xr.Dataset:
        return self.tree["posterior"].to_dataset()

    def __repr__(self) -> str:
        n_runs = self.tree["observed_data"].sizes[RUN_DIM]
        return f"<Fit {self.law.name}: {n_runs} runs, {self.diagnostics.draws} draws; {self.law.formula}>"

    # -- data ----------------------------------------------------------------------------

    def runs(self) -> pd.DataFrame:
        """The fitted runs, with the law's variable names as columns."""
        data = {n: self.tree["constant_data"][n].values for n in self.law.input_names}
        data.update({o: self.tree["observed_data"][o].values for o in self.law.outputs})
        return pd.DataFrame(data)

    @property
    def model(self) -> pm.Model:
        """The PyMC model of this fit, rebuilt from its spec and data, for inspection."""
        runs = Runs(self.runs(), {n: n for n in [*self.law.input_names, *self.law.outputs]}, self.law.name)
        return build_model(self.spec, model_data(self.law, runs, self.scales))

    # -- draws ---------------------------------------------------------------------------

    def draws(self, names: list[str] | None = None) -> dict[str, np.ndarray]:
        """Posterior draws (chains stacked) of law parameters and noise scales."""
        names = names or [*self.law.param_names, *self.law.noise_names]
        return {n: self.posterior[n].values.reshape(-1) for n in names}

    def output_name(self, output: str | None = None) -> str:
        """The name of one output: the only one, or ``output`` checked against the law."""
        if output is None:
            if len(self.law.outputs) > 1:
                raise BayescaleInputError(
                    f"law {self.law.name!r} has several outputs: pass output= one of {list(self.law.outputs)}"
                )
            return next(iter(self.law.outputs))
        if output not in self.law.outputs:
            raise BayescaleInputError(
                f"output={output!r}: law {self.law.name!r} predicts {', '.join(self.law.outputs)}"
            )
        return output

    def mean_draws(self, output: str | None = None, **points: np.ndarray) -> np.ndarray:
        """The law's mean per draw (rows) at raw input points (columns), for one output."""
        scaled = {n: np.asarray(v, dtype=float) / self.scales[n] for n, v in points.items()}
        return law_mean(self.law, self.draws(self.law.param_names), scaled)[self.output_name(output)]

    def predictive_draws(self, seed: int | None = 0, output: str | None = None, **points: np.ndarray) -> np.ndarray:
        """A new observed run per draw and point: the law's mean plus noise, for one output."""
        name = self.output_name(output)
        return self.new_runs(name, self.mean_draws(name, **points), np.random.default_rng(seed))

    def new_runs(self, output: str, mean: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """New observed runs given the law's mean per draw (rows): the fit's noise added."""
        sigma = self.draws([self.law.noise_name(output)])[self.law.noise_name(output)]
        return predictive_draws(self.law.outputs[output], self.spec.noise, mean, sigma, rng)

    # -- user-facing results ---------------------------------------------------------------

    def predict(
        self,
        table: pd.DataFrame | None = None,
        *,
        interval: float = 0.9,
        seed: int | None = 0,
        **inputs: float | np.ndarray,
    ) -> pd.DataFrame:
        """Posterior median and intervals of the law's mean, and the interval for a new run.

        Examples
        --------
        >>> fit.predict(params=70e9, tokens=1.4e12)  # doctest: +SKIP
                 params        tokens  median  lower  upper  predictive_lower  predictive_upper
        0  7.000000e+10  1.400000e+12   1.972  1.960  1.984             1.947             1.997
        """
        points = prediction_points(self.law, table, self.columns, **inputs)
        rng = np.random.default_rng(seed)
        scaled = {n: v / self.scales[n] for n, v in points.items()}
        means = law_mean(self.law, self.draws(self.law.param_names), scaled)
        for output, mean in means.items():
            _warn_outside_range(self.law, output, mean, points)
        new_runs = {output: self.new_runs(output, mean, rng) for output, mean in means.items()}
        return prediction_table(points, means, new_runs, interval)

    def summary(self, interval: float = 0.94) -> pd.DataFrame:
        """Parameter table: median, equal-tailed interval, R-hat, bulk and tail ESS."""
        check_interval(interval)
        tail = (1 - interval) / 2
        derived = [n for n in self.posterior.data_vars if n not in self.spec.priors]
        rows = []
        for name in [*self.spec.priors, *derived]:
            values = self.posterior[name].values.reshape(-1)
            lower, median, upper = np.quantile(values, [tail, 0.5, 1 - tail])
            status = (
                "fixed"
                if name in self.spec.fixed
                else (
                    f"= {self.spec.tied[name]}"
                    if name in self.spec.tied
                    else ("derived" if name in derived else "sampled")
                )
            )
            rows.append(
                {
                    "parameter": name,
                    "median": median,
                    "lower": lower,
                    "upper": upper,
                    "r_hat": self.diagnostics.rhat.get(name, np.nan),
                    "ess_bulk": self.diagnostics.ess_bulk.get(name, np.nan),
                    "ess_tail": self.diagnostics.ess_tail.get(name, np.nan),
                    "status": status,
                }
            )
        return pd.DataFrame(rows).set_index("parameter")

    def optimal(self, flops, **kwargs):
        """Compute-optimal N*, D*, D*/N* and loss per budget, and the exponents a, b; see
        :func:`bayescale.decisions.optimal`."""
        from bayescale.decisions import optimal

        return optimal(self, flops, **kwargs)

    def plot_extrapolation(self, targets=None, **kwargs):
        """Runs, the law's fan and targets on log-log axes; see :func:`bayescale.plots.plot_extrapolation`."""
        from bayescale.plots import plot_extrapolation

        return plot_extrapolation(self, targets=targets, **kwargs)

    def __reduce__(self):
        """Pickle as netCDF bytes plus the law's name or path (for worker processes); no code is pickled."""
        return fit_from_bytes, (bytes(self.tree.to_netcdf(engine="h5netcdf")),)

    def save(self, path: str | Path) -> Path:
        """Write the fit to a netCDF file (``.nc``) that :func:`load_fit` reads back."""
        path = Path(path)
        self.tree.to_netcdf(path, engine="h5netcdf")
        return path


def _warn_outside_range(law: Law, output: str, mean: np.ndarray, points: Mapping[str, np.ndarray]) -> None:
    """Warn where the law's mean leaves its output's range (e.g. an accuracy above 1): the
    law is not defined there, so its predictions mean nothing."""
    scale = OUTPUT_SCALES[law.outputs[output].kind]
    bad = ~np.all(scale.valid(mean), axis=0)
    if bad.any():
        first = int(np.argmax(bad))
        where = ", ".join(f"{n}={v[first]:.3g}" for n, v in points.items())
        warnings.warn(
            f"the law's {output} is not {scale.valid_words} for some posterior draws at {int(bad.sum())} of "
            f"{len(bad)} points (first: {where}): the law leaves its range there, so those predictions "
            "mean nothing; predict closer to the runs or use a law that stays in range",
            UserWarning,
            skip_file_prefixes=(PACKAGE_DIR,),
        )


def prediction_table(
    points: Mapping[str, np.ndarray],
    means: Mapping[str, np.ndarray],
    new_runs: Mapping[str, np.ndarray],
    interval: float = 0.9,
) -> pd.DataFrame:
    """Tidy predictions from draws (rows) at points (columns): the law's median and
    interval, and the interval for a new run; an ``output`` column for several outputs."""
    check_interval(interval)
    tail = (1 - interval) / 2
    frames = []
    for output, mean in means.items():
        lower, median, upper = np.quantile(mean, [tail, 0.5, 1 - tail], axis=0)
        pred_lower, pred_upper = np.quantile(new_runs[output], [tail, 1 - tail], axis=0)
        several = {"output": output} if len(means) > 1 else {}
        frames.append(
            pd.DataFrame(
                {
                    **points,
                    **several,
                    "median": median,
                    "lower": lower,
                    "upper": upper,
                    "predictive_lower": pred_lower,
                    "predictive_upper": pred_upper,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _metadata(spec: ModelSpec, columns, scales, settings) -> str:
    return json.dumps(
        {
            "version": __version__,
            "spec": spec.to_dict(),
            "columns": columns,
            "scales": scales,
            "settings": settings,
        }
    )


def _assemble(posterior: xr.DataTree, spec: ModelSpec, runs: Runs, scales: dict[str, float]) -> xr.DataTree:
    """Add the log-likelihood and the data to the sampler's output."""
    law = spec.law
    post = posterior["posterior"].to_dataset()
    chains, draws = post.sizes["chain"], post.sizes["draw"]
    params = {n: post[n].values.reshape(-1) for n in law.param_names}
    inputs = {n: runs.column(n) for n in law.input_names}
    means = law_mean(law, params, {n: v / scales[n] for n, v in inputs.items()})
    observed = {o: runs.column(o) for o in law.outputs}
    loglik = {
        o: pointwise_log_likelihood(
            output, spec.noise, means[o], post[law.noise_name(o)].values.reshape(-1), observed[o]
        ).reshape(chains, draws, -1)
        for o, output in law.outputs.items()
    }
    coords = {"chain": post["chain"].values, "draw": post["draw"].values, RUN_DIM: np.arange(len(runs))}
    run_coords = {RUN_DIM: coords[RUN_DIM]}
    return xr.DataTree.from_dict(
        {
            "/posterior": post,
            "/sample_stats": posterior["sample_stats"].to_dataset(),
            "/log_likelihood": xr.Dataset(
                {o: (("chain", "draw", RUN_DIM), values) for o, values in loglik.items()}, coords=coords
            ),
            "/observed_data": xr.Dataset({o: (RUN_DIM, v) for o, v in observed.items()}, coords=run_coords),
            "/constant_data": xr.Dataset({n: (RUN_DIM, v) for n, v in inputs.items()}, coords=run_coords),
        }
    )


def fit(
    law: str | Path | Law,
    runs: Runs | pd.DataFrame | str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    priors: Mapping[str, Prior] | None = None,
    fixed: Mapping[str, float] | None = None,
    tied: Mapping[str, str] | None = None,
    likelihood: str = "student_t",
    nu: float = 4.0,
    scales: Mapping[str, float] | None = None,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    seed: int | None = None,
    sampler: str = "nutpie",
    target_accept: float = 0.9,
    progress: bool = False,
    warn: bool = True,
    init: str = "modes",
    remedies: bool = True,
    allow_unconverged: bool = False,
) -> Fit:
    """Fit a scaling law to training runs by NUTS.

    Parameters
    ----------
    law
        A catalog name (``"chinchilla"``), a path to a law file, or a :class:`Law`.
    runs
        A :class:`Runs`, a DataFrame or a CSV path; ``columns`` maps the law's variable
        names to yours, e.g. ``{"params": "n_params"}``.
    priors, fixed, tied
        Replace default priors (``{"alpha": Prior("Normal", mu=0.3, sigma=0.05)}``), fix
        parameters (``{"E": 1.69}``) or tie them (``{"beta": "alpha"}``).
    likelihood, nu
        Noise family on the output's scale: ``"student_t"`` with ``nu`` degrees of
        freedom (robust to outlying runs) or ``"normal"``.
    scales
        Override the reference scale the engine divides an input by.
    draws, tune, chains, seed, sampler, target_accept
        Sampler settings; the same seed gives the same draws. The default
        ``target_accept=0.9`` (smaller steps than NUTS' usual 0.8) removes the rare
        divergences of these strongly correlated posteriors at little cost.
    init
        Where chains start: ``"modes"`` (near the posterior's modes, found by optimizing
        it from several prior draws) or ``"jitter"`` (PyMC's default point, jittered).
    remedies, allow_unconverged
        When the checks fail, rerun with longer warm-up and more draws before reporting
        (:mod:`bayescale.remedies`); ``remedies=False`` reports the first run as it is. A fit
        whose R-hat stays above 1.05 raises :class:`~bayescale.errors.SamplingError` (its
        ``fit`` attribute holds the draws) unless ``allow_unconverged=True``.

    Examples
    --------
    >>> import bayescale as bs
    >>> runs = bs.datasets.load("chinchilla").query("not epoch_excluded")
    >>> result = bs.fit("chinchilla", runs, seed=1)  # doctest: +SKIP
    >>> result.predict(params=70e9, tokens=1.4e12)  # doctest: +SKIP
    """
    law = get_law(law)
    spec = ModelSpec.create(law, priors, fixed, tied, Noise(likelihood, nu))
    if not isinstance(runs, Runs):
        free = [n for n in spec.free_params if n not in law.noise_names]
        runs = load_runs(runs, law, columns, n_free_params=len(free))
    if seed is None:
        seed = int(np.random.default_rng().integers(2**31))
    settings = SamplerSettings(draws, tune, chains, seed, sampler, progress, target_accept, init)
    return fit_spec(
        spec, runs, resolve_scales(law, runs, scales), settings, warn, remedies=remedies,
        allow_unconverged=allow_unconverged,
    )  # fmt: skip


def fit_spec(
    spec: ModelSpec,
    runs: Runs,
    scales: Mapping[str, float],
    settings: SamplerSettings,
    warn: bool = True,
    remedies: bool = True,
    allow_unconverged: bool = False,
) -> Fit:
    """Sample a model spec on validated runs at given input scales: the core of :func:`fit`,
    shared by refits (held-out and sequential comparison), which reuse the compiled model."""
    scales = dict(scales)
    requested = settings
    outcome = sample_with_remedies(
        spec, model_data(spec.law, runs, scales), settings, sample_posterior, MAX_RUNS if remedies else 1
    )
    posterior, settings = outcome.posterior, outcome.settings
    tree = _assemble(posterior, spec, runs, scales)
    record = {
        "draws": settings.draws,
        "tune": settings.tune,
        "chains": settings.chains,
        "seed": settings.seed,
        "sampler": settings.sampler,
        "target_accept": settings.target_accept,
        "init": settings.init,
        "reruns": outcome.done,
    }
    if settings != requested:
        record["requested"] = {"draws": requested.draws, "tune": requested.tune, "seed": requested.seed}
    tree.attrs[META] = _metadata(spec, runs.columns, scales, record)
    result = Fit(tree, spec, dict(runs.columns), scales, record, outcome.diagnostics)
    settle(outcome, allow_unconverged, warn, result)
    return result


def fit_from_tree(tree: xr.DataTree, where: str = "the tree") -> Fit:
    """Rebuild a :class:`Fit` from its DataTree; the law is found again by name or file path."""
    if META not in tree.attrs:
        raise BayescaleInputError(f"{where} is not a bayescale fit (no '{META}' record)")
    meta = json.loads(tree.attrs[META])
    law = get_law(meta["spec"]["law"]["origin"])
    if law.fingerprint != meta["spec"]["law"]["fingerprint"]:
        warnings.warn(
            f"law {law.name!r} has changed since this fit was saved; predictions use the current file",
            UserWarning,
            stacklevel=3,
        )
    spec = ModelSpec.from_dict(meta["spec"], law)
    diagnostics = check(tree, checked_names(spec, tree), warn=False)
    return Fit(tree, spec, meta["columns"], meta["scales"], meta["settings"], diagnostics)


def _read_tree(source) -> xr.DataTree:
    with xr.open_datatree(source, engine="h5netcdf") as tree:
        return tree.load()


def fit_from_bytes(data: bytes) -> Fit:
    """Inverse of pickling a Fit: the netCDF bytes of its tree."""
    return fit_from_tree(_read_tree(io.BytesIO(data)))


def load_fit(path: str | Path) -> Fit:
    """Read a fit written by :meth:`Fit.save`; its law is found again by name or file path."""
    path = Path(path)
    if not path.is_file():
        raise BayescaleInputError(f"fit file not found: {path}")
    try:
        tree = _read_tree(path)
    except (OSError, ValueError) as err:
        raise BayescaleInputError(f"{path} is not a saved bayescale fit: {err}") from err
    return fit_from_tree(tree, str(path))
