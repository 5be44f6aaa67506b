"""Fit a law to runs; the :class:`Fit` result predicts, summarizes and saves itself."""

from __future__ import annotations

import io
import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pymc as pm
import xarray as xr

from bayescale.catalog import get_law
from bayescale.diagnostics import Diagnostics, check
from bayescale.discrepancy import GROWTH_PRIOR_SCALE, HeldOut, growth_draws
from bayescale.errors import (
    PACKAGE_DIR,
    BayescaleInputError,
    SamplingFailedError,
    check_interval,
    check_seed,
    one_line,
    shown,
)
from bayescale.extrapolation import start_leave_future_out
from bayescale.files import check_output_path, write_atomically
from bayescale.law import Law
from bayescale.likelihood import OUTPUT_SCALES, Noise
from bayescale.model import GROUP_DIM, RUN_DIM, SERIES_DIM, ModelSpec, build_model, model_data, resolve_scales
from bayescale.observation import observation_groups
from bayescale.points import prediction_points
from bayescale.population import pop_name, spread_name
from bayescale.predictive import GROWTH, Posterior, predictive_dataset, uncertainty_parts
from bayescale.preflight import check_before_sampling
from bayescale.priors import Prior
from bayescale.remedies import MAX_RUNS, checked_names, sample_with_remedies, settle
from bayescale.runs import Runs, load_runs
from bayescale.sampling import SamplerSettings, sample_posterior
from bayescale.saved import META, check_saved_tree
from bayescale.version import __version__

Uncertainty = Literal["calibrated", "iid"]
UNCERTAINTIES = ("calibrated", "iid")
LABEL_VARIABLES = {"groups": "group_label", "series": "series_label"}
EVIDENCE = "discrepancy_evidence"


@dataclass
class Fit:
    """A fitted law: the ArviZ ``DataTree`` plus what is needed to use it.

    The tree has the groups ``posterior``, ``sample_stats``, ``log_likelihood``,
    ``posterior_predictive``, ``log_prior``, ``observed_data`` and ``constant_data`` (inputs
    in raw units, dim ``run``); any ArviZ function accepts it (``arviz_stats.loo_pit``,
    ``arviz_stats.psense_summary`` for prior sensitivity). Everything else (law, priors, column
    mapping, input scales, sampler settings, groups and series) is recorded in
    ``tree.attrs["bayescale"]``.
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

    @property
    def structure(self) -> dict[str, str]:
        """The columns naming each run's group and series, where the fit has them."""
        return dict(json.loads(self.tree.attrs[META]).get("structure", {}))

    @property
    def groups(self) -> tuple[str, ...]:
        """The fit's groups (empty without varying parameters)."""
        post = self.posterior
        return tuple(str(g) for g in post[GROUP_DIM].values) if GROUP_DIM in post.dims else ()

    def __repr__(self) -> str:
        n_runs = self.tree["observed_data"].sizes[RUN_DIM]
        grouped = f", {len(self.groups)} groups" if self.groups else ""
        return f"<Fit {self.law.name}: {n_runs} runs{grouped}, {self.diagnostics.draws} draws; {self.law.formula}>"

    # -- data ----------------------------------------------------------------------------

    def runs(self) -> pd.DataFrame:
        """The fitted runs, with the law's variable names as columns (and group and series labels)."""
        const = self.tree["constant_data"]
        data = {n: const[n].values for n in self.law.input_names}
        data.update({o: self.tree["observed_data"][o].values for o in self.law.outputs})
        for kind, variable in LABEL_VARIABLES.items():
            if variable in const:
                data[self.structure[kind]] = const[variable].values.astype(str)
        return pd.DataFrame(data)

    def fitted_runs(self) -> Runs:
        """The fitted runs as validated :class:`Runs`, with the fit's groups and series."""
        frame = self.runs()
        names = [*self.law.input_names, *self.law.outputs]
        labels = {kind: self._label_names(kind) for kind in self.structure}
        return Runs(frame, {n: n for n in names}, self.law.name, self.structure, labels)

    def _label_names(self, kind: str) -> tuple[str, ...]:
        dim = GROUP_DIM if kind == "groups" else SERIES_DIM
        post = self.posterior
        if dim in post.dims:
            return tuple(str(v) for v in post[dim].values)
        return tuple(sorted(set(self.tree["constant_data"][LABEL_VARIABLES[kind]].values.astype(str))))

    @property
    def model(self) -> pm.Model:
        """The PyMC model of this fit, rebuilt from its spec and data, for inspection."""
        return build_model(self.spec, model_data(self.spec, self.fitted_runs(), self.scales))

    # -- draws ---------------------------------------------------------------------------

    def draws(self, names: list[str] | None = None) -> dict[str, np.ndarray]:
        """Posterior draws (chains stacked) of law parameters and noise scales; a varying
        parameter's draws are (draws, groups)."""
        names = names or [*self.law.param_names, *self.law.noise_names]
        post = self.posterior
        return {n: post[n].values.reshape(post.sizes["chain"] * post.sizes["draw"], *post[n].shape[2:]) for n in names}

    def posterior_view(self) -> Posterior:
        """What prediction needs: spec, draws, input scales and the fitted inputs."""
        const = self.tree["constant_data"]
        inputs = {n: const[n].values for n in self.law.input_names}
        outputs = {o: self.tree["observed_data"][o].values for o in self.law.outputs}
        series = const[LABEL_VARIABLES["series"]].values.astype(str) if LABEL_VARIABLES["series"] in const else None
        return Posterior(self.spec, self.posterior, self.scales, inputs, outputs, series)

    def param_draws(self, group: str | None = None, seed: int | None = 0) -> dict[str, np.ndarray]:
        """One 1-d array of draws per law parameter, for ``group`` (a new group if None or unknown)."""
        view = self.posterior_view()
        view.check_group(group)
        return view.parameters(group, seed)

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

    def predictive(
        self,
        table: pd.DataFrame | None = None,
        *,
        group: str | None = None,
        series: str | None = None,
        seed: int | None = 0,
        **inputs: float | np.ndarray,
    ) -> xr.Dataset:
        """Draws (dims chain, draw, point) of the law, the law with its discrepancy, and a new run."""
        points = prediction_points(self.law, table, self.columns, **inputs)
        return predictive_dataset(self.posterior_view(), points, group=group, series=series, seed=seed)

    def mean_draws(self, output: str | None = None, group: str | None = None, **points: np.ndarray) -> np.ndarray:
        """The law's mean per draw (rows, chains stacked) at raw input points (columns), for one output."""
        name = self.output_name(output)
        data = self.predictive(group=group, **points)[name].values
        return data.reshape(-1, data.shape[-1])

    def new_runs(
        self,
        output: str,
        mean: np.ndarray,
        rng: np.random.Generator,
        points: Mapping[str, np.ndarray] | None = None,
    ) -> np.ndarray:
        """New observed runs given the law's mean per draw (rows): the law's discrepancy at
        ``points`` (none without points), a new series' offset and the noise added."""
        view = self.posterior_view()
        scale = OUTPUT_SCALES[self.law.outputs[output].kind]
        n_draws = mean.shape[0]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            location = scale.to_scale(mean)
            if points is not None and GROWTH in view.draws:
                distance = view.distance({n: np.asarray(points[n], dtype=float) for n in self.law.input_names})
                growth = view.flat(GROWTH)[:n_draws, None]
                location = location + growth * distance[None, :] * rng.standard_normal(mean.shape)
            location = location + view.series_offsets(None, mean.shape[1], rng)[:n_draws]
            sigma = view.flat(self.law.noise_name(output))[:n_draws, None]
            return scale.from_scale(self.spec.noise.draw(location, sigma, rng))

    # -- user-facing results ---------------------------------------------------------------

    def predict(
        self,
        table: pd.DataFrame | None = None,
        *,
        interval: float = 0.9,
        group: str | None = None,
        series: str | None = None,
        seed: int | None = 0,
        **inputs: float | np.ndarray,
    ) -> pd.DataFrame:
        """Posterior median and interval of the law, and the interval for a new run.

        ``lower``/``upper`` bound the law (its parameters' uncertainty); ``predictive_lower``/
        ``predictive_upper`` a new run (the law's discrepancy beyond the runs and the noise
        added). ``sd_params``, ``sd_discrepancy`` and ``sd_noise`` are the three parts on the
        output's noise scale (log for losses); ``distance`` is in decades beyond the runs.
        ``group`` picks a group's parameters (None or an unknown name: a new group);
        ``series`` a series' offset (None: a new series).

        Examples
        --------
        >>> fit.predict(params=70e9, tokens=1.4e12)  # doctest: +SKIP
        """
        check_interval(interval)  # before any work, so a bad argument is the only message
        check_seed(seed)
        points = prediction_points(self.law, table, self.columns, **inputs)
        data = predictive_dataset(self.posterior_view(), points, group=group, series=series, seed=seed)
        frames = []
        for output in self.law.outputs:
            mean = data[output].values.reshape(-1, len(data["point"]))
            _warn_outside_range(self.law, output, mean, points)
            new_run = data[f"{output}_new_run"].values.reshape(mean.shape)
            table_ = prediction_table(points, {output: mean}, {output: new_run}, interval)
            parts = uncertainty_parts(data, self.law.outputs, output)
            if len(self.law.outputs) > 1:
                table_.insert(len(points), "output", output)
            frames.append(table_.assign(**parts, distance=data["distance"].values))
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]

    def summary(self, interval: float = 0.94) -> pd.DataFrame:
        """Parameter table: median, equal-tailed interval, R-hat, bulk and tail ESS, MCSE.

        A varying parameter has one row per group (``E[c4]``) beside its population
        location (``E_pop``) and spread (``E_spread``).
        """
        check_interval(interval)
        tail = (1 - interval) / 2
        post = self.posterior
        hidden = {n for n in post.data_vars if n.endswith("_z")}
        names = [n for n in post.data_vars if n not in hidden]
        rows = []
        for name in names:
            values = post[name]
            extra = [d for d in values.dims if d not in ("chain", "draw")]
            labels = [(name, {})] if not extra else [(f"{name}[{v}]", {extra[0]: v}) for v in post[extra[0]].values]
            for label, where in labels:
                flat = values.sel(where).values.reshape(-1)
                lower, median, upper = np.quantile(flat, [tail, 0.5, 1 - tail])
                rows.append(
                    {
                        "parameter": label,
                        "median": median,
                        "lower": lower,
                        "upper": upper,
                        "r_hat": self.diagnostics.rhat.get(label, np.nan),
                        "ess_bulk": self.diagnostics.ess_bulk.get(label, np.nan),
                        "ess_tail": self.diagnostics.ess_tail.get(label, np.nan),
                        "mcse_median": _mcse_median(values.sel(where)),
                        "status": self._status(name),
                    }
                )
        return pd.DataFrame(rows).set_index("parameter")

    def _status(self, name: str) -> str:
        if name in self.spec.fixed:
            return "fixed"
        if name in self.spec.tied:
            return f"= {self.spec.tied[name]}"
        if name in self.spec.varying:
            return "by group"
        if any(name == pop_name(v) for v in self.spec.varying):
            return "population location"
        if any(name == spread_name(v) for v in self.spec.varying):
            return "population spread"
        if name == GROWTH:
            return "leave-future-out"
        return "sampled" if name in self.spec.priors else "derived"

    def __reduce__(self):
        """Pickle as netCDF bytes plus the law's name or path (for worker processes); no code is pickled."""
        return fit_from_bytes, (bytes(self.tree.to_netcdf(engine="h5netcdf")),)

    def save(self, path: str | Path) -> Path:
        """Write the fit to a netCDF file (``.nc``) that :func:`load_fit` reads back.

        The file is written under a temporary name beside ``path`` and renamed into place, so an
        interrupted save leaves an earlier file at ``path`` whole.
        """
        path = check_output_path(path, "path")
        return write_atomically(path, lambda temporary: self.tree.to_netcdf(temporary, engine="h5netcdf"))


def _mcse_median(values: xr.DataArray) -> float:
    """Monte Carlo standard error of the posterior median (arviz-stats)."""
    import arviz_stats

    try:
        return float(arviz_stats.mcse(values.to_dataset(name="x"), method="median")["x"])
    except (ValueError, TypeError, KeyError):
        return float("nan")


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


def _metadata(spec: ModelSpec, runs: Runs, scales, settings) -> str:
    return json.dumps(
        {
            "version": __version__,
            "spec": spec.to_dict(),
            "columns": runs.columns,
            "structure": runs.structure,
            "scales": scales,
            "settings": settings,
        }
    )


def derived_quantities(law: Law, posterior: xr.Dataset) -> dict[str, xr.DataArray]:
    """The law's derived quantities (e.g. raw-scale coefficients), computed from the draws.

    The law's function receives NumPy arrays broadcast to common dimensions (it may use
    ``pytensor.tensor`` functions, like the mean), and its results get those dimensions back.
    """
    if law.derived is None:
        return {}
    params = xr.broadcast(*(posterior[n] for n in law.param_names))
    dims, coords = params[0].dims, params[0].coords
    values = law.derived(**{n: p.values for n, p in zip(law.param_names, params, strict=True)})
    out = {}
    for name, value in values.items():
        value = np.asarray(value.eval() if hasattr(value, "eval") else value, dtype=float)
        out[name] = xr.DataArray(np.broadcast_to(value, params[0].shape), dims=dims, coords=coords)
    return out


def _assemble(
    sampled: xr.DataTree, spec: ModelSpec, runs: Runs, scales: dict[str, float], data, seed: int | None
) -> xr.DataTree:
    """The fit's DataTree: posterior (with derived quantities), sample stats, pointwise
    log-likelihood, posterior predictive, log prior, observed and constant data."""
    law = spec.law
    post = sampled["posterior"].to_dataset()
    post = post.assign(derived_quantities(law, post))
    run_coords = {RUN_DIM: np.arange(len(runs))}
    constant = {n: (RUN_DIM, runs.column(n)) for n in law.input_names}
    for kind, variable in LABEL_VARIABLES.items():
        if kind in runs.structure:
            constant[variable] = (RUN_DIM, np.asarray(runs.labels(kind).names)[runs.labels(kind).codes].astype(str))
    groups = observation_groups(spec, data, post, seed)
    return xr.DataTree.from_dict(
        {
            "/posterior": post,
            "/sample_stats": sampled["sample_stats"].to_dataset(),
            "/log_likelihood": groups["log_likelihood"],
            "/posterior_predictive": groups["posterior_predictive"],
            "/log_prior": groups["log_prior"],
            "/observed_data": xr.Dataset({o: (RUN_DIM, runs.column(o)) for o in law.outputs}, coords=run_coords),
            "/constant_data": xr.Dataset(constant, coords=run_coords),
        }
    )


def _add_growth(tree: xr.DataTree, spec: ModelSpec, evidence: HeldOut, settings: SamplerSettings) -> None:
    """Add draws of the discrepancy's growth, learned from the leave-future-out ``evidence``, to the posterior."""
    post = tree["posterior"].to_dataset()
    chains, draws = post.sizes["chain"], post.sizes["draw"]
    rng = np.random.default_rng(None if settings.seed is None else settings.seed + 1)
    growth = growth_draws(evidence, spec.noise.nu if spec.noise.family == "student_t" else 1e6, chains * draws, rng)
    tree["posterior"] = xr.DataTree(post.assign({GROWTH: (("chain", "draw"), growth.reshape(chains, draws))}))
    tree[EVIDENCE] = xr.DataTree(evidence.to_dataset())


def fit(
    law: str | Path | Law,
    runs: Runs | pd.DataFrame | str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    priors: Mapping[str, Prior] | None = None,
    fixed: Mapping[str, float] | None = None,
    tied: Mapping[str, str] | None = None,
    groups: str | None = None,
    varying: list[str] | tuple[str, ...] | None = None,
    series: str | None = None,
    uncertainty: Uncertainty = "calibrated",
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
    backend: str = "numba",
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
    groups, varying
        A column naming each run's group (a dataset, a model family) and the law
        parameters that take one value per group, drawn from a population whose location
        and spread are learned (``E_pop``, ``E_spread``; priors replaceable by name).
    series
        A column naming each row's series: rows of one series (checkpoints of one training
        run) share an error offset and have errors correlated along the series.
    uncertainty
        ``"calibrated"`` (default): series as given, and the law's discrepancy beyond the
        runs learned by leave-future-out refits; ``"iid"``: every row an independent run
        and the law taken as exact (narrower intervals that do not hold on real
        extrapolation).
    likelihood, nu
        Noise family on the output's scale: ``"student_t"`` with ``nu`` degrees of
        freedom (robust to outlying runs) or ``"normal"``.
    scales
        Override the reference scale the engine divides an input by.
    draws, tune, chains, seed, sampler, target_accept
        Sampler settings; the same seed gives the same draws. The default
        ``target_accept=0.9`` (smaller steps than NUTS' usual 0.8) removes the rare
        divergences of these strongly correlated posteriors at little cost.
    backend
        How nutpie calls the model (same draws either way): ``"numba"`` compiles longer and
        samples fast, the choice for refits; ``"callback"`` compiles in about a third of the
        time and samples about half as fast, the choice for a single fit in a new process.
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
    >>> result = bs.fit("chinchilla", runs, seed=1, draws=300, chains=2, warn=False)
    >>> table = result.predict(params=70e9, tokens=1.4e12)  # Chinchilla-70B
    >>> round(float(table["median"].iloc[0]), 1), list(table.columns[:5])
    (2.0, ['params', 'tokens', 'median', 'lower', 'upper'])
    """
    law = get_law(law)
    if uncertainty not in UNCERTAINTIES:
        raise BayescaleInputError(f"uncertainty={uncertainty!r}: use 'calibrated' or 'iid'")
    if (groups is None) != (not varying):
        raise BayescaleInputError(
            "groups= and varying= go together: name the group column and the parameters that vary by group, "
            "e.g. groups='dataset', varying=['E']"
        )
    calibrated = uncertainty == "calibrated"
    structure = {"varying": tuple(varying or ()), "series": calibrated and series is not None}
    spec = ModelSpec.create(law, priors, fixed, tied, Noise(likelihood, nu), **structure)
    if not isinstance(runs, Runs):
        free = [n for n in spec.free_params if n not in law.noise_names]
        runs = load_runs(runs, law, columns, n_free_params=len(free), groups=groups, series=series)
    if seed is None:
        seed = int(np.random.default_rng().integers(2**31))
    settings = SamplerSettings(draws, tune, chains, seed, sampler, progress, target_accept, backend=backend, init=init)
    scales = resolve_scales(law, runs, scales)
    check_before_sampling(spec, runs, scales)
    return fit_spec(
        spec, runs, scales, settings, warn=warn, discrepancy=calibrated, remedies=remedies,
        allow_unconverged=allow_unconverged,
    )  # fmt: skip


def fit_spec(
    spec: ModelSpec,
    runs: Runs,
    scales: Mapping[str, float],
    settings: SamplerSettings,
    warn: bool = True,
    discrepancy: bool = True,
    remedies: bool = True,
    allow_unconverged: bool = False,
) -> Fit:
    """Sample a model spec on validated runs at given input scales: the core of :func:`fit`,
    shared by refits (held-out and sequential comparison), which reuse the compiled model.
    With ``discrepancy``, the law's error growth beyond the runs is learned by leave-future-out."""
    scales = dict(scales)
    data = model_data(spec, runs, scales)
    requested = settings
    outcome = sample_with_remedies(spec, data, settings, sample_posterior, MAX_RUNS if remedies else 1)
    sampled, settings = outcome.posterior, outcome.settings
    diagnostics = outcome.diagnostics
    if diagnostics.failed and not outcome.modes[0]:  # separate modes are named (and refused) by settle
        others = f" ({len(diagnostics.failures) - 1} more such problems)" if len(diagnostics.failures) > 1 else ""
        raise SamplingFailedError(f"{diagnostics.failures[0]}{others}")
    growth_evidence = start_leave_future_out(spec, runs, scales, settings) if discrepancy else None
    tree = _assemble(sampled, spec, runs, scales, data, settings.seed)
    record = {
        "draws": settings.draws,
        "tune": settings.tune,
        "chains": settings.chains,
        "seed": settings.seed,
        "sampler": settings.sampler,
        "target_accept": settings.target_accept,
        "uncertainty": "calibrated" if discrepancy else "iid",
        "init": settings.init,
        "reruns": outcome.done,
    }
    if settings != requested:
        record["requested"] = {"draws": requested.draws, "tune": requested.tune, "seed": requested.seed}
    if growth_evidence is not None:
        evidence, record["discrepancy_refits"] = growth_evidence()
        _add_growth(tree, spec, evidence, settings)
        record["discrepancy_prior_scale"] = GROWTH_PRIOR_SCALE
    tree.attrs[META] = _metadata(spec, runs, scales, record)
    diagnostics = check(tree, checked_names(spec, tree), warn=False)  # as a loaded fit checks it
    result = Fit(tree, spec, dict(runs.columns), scales, record, diagnostics)
    settle(outcome, allow_unconverged, warn, result)
    return result


def fit_from_tree(tree: xr.DataTree, where: str = "the tree") -> Fit:
    """Rebuild a :class:`Fit` from its DataTree; the law is found again by name or file path.

    Everything is checked first; a damaged or mismatched tree gives one line naming ``where``
    and what is wrong.
    """
    meta, law = check_saved_tree(tree, where)
    try:
        spec = ModelSpec.from_dict(meta["spec"], law)
    except Exception as err:  # damaged priors or noise record: whatever Prior.from_dict or Noise raises
        raise BayescaleInputError(
            f"{where}: its recorded priors or noise model are damaged ({one_line(err)})"
        ) from None
    if law.fingerprint != meta["spec"]["law"]["fingerprint"]:
        warnings.warn(
            f"law {law.name!r} has changed since {where} was saved; predictions use the current file",
            UserWarning,
            skip_file_prefixes=(PACKAGE_DIR,),
        )
    diagnostics = check(tree, checked_names(spec, tree), warn=False)
    return Fit(tree, spec, meta["columns"], meta["scales"], meta["settings"], diagnostics)


def _read_tree(source) -> xr.DataTree:
    with xr.open_datatree(source, engine="h5netcdf") as tree:
        return tree.load()


def fit_from_bytes(data: bytes) -> Fit:
    """Inverse of pickling a Fit: the netCDF bytes of its tree."""
    return fit_from_tree(_read_tree(io.BytesIO(data)))


def load_fit(path: str | Path) -> Fit:
    """Read a fit written by :meth:`Fit.save`; its law is found again by name or file path.

    A missing, damaged or mismatched file (its law gone, changed or failing to load) gives a
    :class:`BayescaleInputError` naming the file and what is wrong.
    """
    if not isinstance(path, str | PathLike) or not str(path).strip():
        raise BayescaleInputError(f"load_fit needs the path of a saved fit (.nc), not {shown(path)}")
    path = Path(path)
    if not path.is_file():
        raise BayescaleInputError(f"fit file not found: {path}")
    try:
        tree = _read_tree(path)
    except Exception as err:  # h5py, h5netcdf and xarray raise many kinds for a file that is not theirs
        raise BayescaleInputError(f"{path} is not a saved bayescale fit: {one_line(err)}") from None
    return fit_from_tree(tree, str(path))
