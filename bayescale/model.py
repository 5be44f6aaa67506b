"""Turn a law, its priors and data into a ``pm.Model``: a pure function, written once.

:class:`ModelSpec` holds everything but the data (law, priors, fixed and tied
parameters, noise). It is plain data, serializable and hashable by :meth:`ModelSpec.key`,
so a compiled model can be cached per spec and reused for any data of the same law.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from bayescale.errors import BayescaleInputError, check_number, shown
from bayescale.law import Law
from bayescale.likelihood import OUTPUT_SCALES, Noise
from bayescale.population import default_spread, link_of, offset_name, pop_name, spread_name
from bayescale.prior_checks import check_fixed, check_prior
from bayescale.priors import Prior
from bayescale.runs import Runs
from bayescale.structure import scale_coordinate, series_links

RUN_DIM = "run"
GROUP_DIM = "group"
SERIES_DIM = "series"
SERIES_OFFSET = "series_offset"
SERIES_LENGTH = "series_length"
SERIES_PRIORS = {
    SERIES_OFFSET: Prior("HalfNormal", sigma=0.02),
    SERIES_LENGTH: Prior("LogNormal", mu=float(np.log(0.03)), sigma=0.5),
}
SERIES_REASONS = {
    SERIES_OFFSET: "runs of one series sit a percent or two above or below the law together "
    "(seed-to-seed spread of final losses is 0.5-2%)",
    SERIES_LENGTH: "checkpoint errors of one run stay correlated over a few hundredths of a decade "
    "(learning curves: lag-1 autocorrelation about 0.5 at their spacing); a smooth misfit of the law "
    "over the whole curve is the discrepancy's job, not the noise's, so the length stays below a tenth",
}
MAX_CORRELATION = 0.995


def data_name(output: str) -> str:
    """Name of the data container holding an observed output (on the noise scale)."""
    return f"{output}_data"


@dataclass(frozen=True)
class ModelSpec:
    """Everything that defines a model except the data."""

    law: Law
    priors: Mapping[str, Prior] = field(default_factory=dict)
    fixed: Mapping[str, float] = field(default_factory=dict)
    tied: Mapping[str, str] = field(default_factory=dict)
    noise: Noise = Noise()
    varying: tuple[str, ...] = ()
    series: bool = False

    @classmethod
    def create(
        cls,
        law: Law,
        priors: Mapping[str, Prior] | None = None,
        fixed: Mapping[str, float] | None = None,
        tied: Mapping[str, str] | None = None,
        noise: Noise | None = None,
        varying: tuple[str, ...] | list[str] = (),
        series: bool = False,
    ) -> ModelSpec:
        """Merge user overrides into the law's defaults, checking every name.

        ``varying`` names the law parameters that take one value per group (partial
        pooling); ``series`` adds shared, correlated errors for rows of one series.
        """
        varying = tuple(varying)
        priors, fixed, tied = (_mapping(v, arg) for v, arg in ((priors, "priors"), (fixed, "fixed"), (tied, "tied")))
        for name in varying:
            if name not in law.param_names or name in fixed or name in tied:
                raise BayescaleInputError(
                    f"varying= names {name!r}: not a free parameter of law {law.name!r} "
                    f"({', '.join(n for n in law.param_names if n not in fixed and n not in tied)})"
                )
        if len(set(varying)) != len(varying):
            raise BayescaleInputError(f"varying= names a parameter twice: {', '.join(varying)}")
        structural = [spread_name(n) for n in varying] + (list(SERIES_PRIORS) if series else [])
        names = [*law.param_names, *law.noise_names, *structural]
        for arg, given in (("priors", priors), ("fixed", fixed), ("tied", tied)):
            unknown = sorted(map(str, set(given) - set(names)))
            if unknown:
                raise BayescaleInputError(
                    f"{arg}= names {', '.join(unknown)}, not a parameter of law {law.name!r} ({', '.join(names)})"
                )
        for name, prior in priors.items():
            check_prior(prior, f"priors[{name!r}]")
        for name in set(fixed) | set(tied):
            if name in structural:
                raise BayescaleInputError(f"{name} describes groups or series and cannot be fixed or tied")
        for name, source in tied.items():
            if source in varying or name in varying:
                raise BayescaleInputError(f"tied[{name!r}] = {source!r}: a varying parameter cannot be tied")
            if source not in law.param_names or source in tied or source in fixed or source == name:
                raise BayescaleInputError(
                    f"tied[{name!r}] = {source!r} must name another free parameter of law {law.name!r}"
                )
        both = sorted(set(fixed) & set(tied))
        if both:
            raise BayescaleInputError(f"{', '.join(both)} cannot be both fixed and tied")
        if noise is not None and not isinstance(noise, Noise):
            raise BayescaleInputError(f"noise={noise!r} must be a Noise, e.g. Noise('student_t', nu=4)")
        noise_priors = {
            law.noise_name(name): law.noise.prior if law.noise else OUTPUT_SCALES[output.kind].default_noise
            for name, output in law.outputs.items()
        }
        merged = {**law.priors, **noise_priors}
        merged.update({spread_name(n): default_spread(merged[n]) for n in varying})
        if series:
            merged.update(SERIES_PRIORS)
        merged.update(priors)
        fixed = {n: check_fixed(v, merged[n], n, noise=n in law.noise_names) for n, v in fixed.items()}
        return cls(
            law=law,
            priors=merged,
            fixed=fixed,
            tied=tied,
            noise=noise or Noise(),
            varying=varying,
            series=series,
        )

    @property
    def free_params(self) -> list[str]:
        """Parameters that are sampled (not fixed, not tied), noise scale and structure included."""
        return [n for n in self.priors if n not in self.fixed and n not in self.tied]

    @property
    def law_free_params(self) -> list[str]:
        """The law's own sampled parameters (no noise scales, spreads or series terms)."""
        return [n for n in self.law.param_names if n not in self.fixed and n not in self.tied]

    def to_dict(self) -> dict:
        """JSON-ready description (the law by its origin, name and fingerprint)."""
        return {
            "law": {"name": self.law.name, "origin": self.law.origin, "fingerprint": self.law.fingerprint},
            "priors": {n: p.to_dict() for n, p in self.priors.items()},
            "fixed": dict(self.fixed),
            "tied": dict(self.tied),
            "noise": {"family": self.noise.family, "nu": self.noise.nu},
            "varying": list(self.varying),
            "series": self.series,
        }

    @classmethod
    def from_dict(cls, data: Mapping, law: Law) -> ModelSpec:
        return cls(
            law=law,
            priors={n: Prior.from_dict(p) for n, p in data["priors"].items()},
            fixed=data["fixed"],
            tied=data["tied"],
            noise=Noise(**data["noise"]),
            varying=tuple(data.get("varying", ())),
            series=bool(data.get("series", False)),
        )

    def __reduce__(self):
        """Pickle as data (priors as dicts, the law by name or path)."""
        return ModelSpec.from_dict, (self.to_dict(), self.law)

    def key(self) -> str:
        """Identity of the compiled graph: same key, same graph. Fixed values are data, so a
        new fixed value reuses the compiled model; which parameters are fixed is part of the key."""
        record = self.to_dict()
        record["fixed"] = sorted(self.fixed)
        return json.dumps(record, sort_keys=True, default=float)


def resolve_scales(law: Law, runs: Runs, overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """Reference scale of each input: the law's, a user's override, or a power of ten near the data."""
    overrides = _mapping(overrides, "scales")
    unknown = sorted(map(str, set(overrides) - set(law.input_names)))
    if unknown:
        raise BayescaleInputError(f"scales= names {', '.join(unknown)}, not an input of law {law.name!r}")
    scales = {}
    for name, spec in law.inputs.items():
        scale = overrides.get(name, spec.scale)
        if scale is None:
            scale = 10.0 ** round(float(np.mean(np.log10(runs.column(name)))))
        scales[name] = check_number(scale, f"scales[{name!r}]", positive=True)
        if scales[name] < np.finfo(float).tiny:  # 1e-320 and the like: dividing by it overflows
            raise BayescaleInputError(f"scales[{name!r}]={scale}: too small to divide by; give a larger scale")
    return scales


def _mapping(value: object, arg: str) -> dict:
    """A ``name: value`` argument as a dict, or one line saying it must be one."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise BayescaleInputError(
            f"{arg}={shown(value)} must map parameter or input names to values, e.g. {{'E': 1.7}}"
        )
    return dict(value)


class ModelData(dict):
    """The arrays a model's data containers hold, by container name, plus the coordinates of
    its group and series dimensions (which fix the graph's shape)."""

    def __init__(self, arrays: Mapping[str, np.ndarray], coords: Mapping[str, tuple[str, ...]] | None = None):
        super().__init__(arrays)
        self.coords = dict(coords or {})

    def shape_key(self) -> str:
        """The part of a compiled model's identity that depends on the data: dimension sizes."""
        if not self.coords:
            return ""
        return json.dumps({dim: len(names) for dim, names in sorted(self.coords.items())})


def fixed_name(param: str) -> str:
    """Name of the data container holding a fixed parameter's value."""
    return f"{param}_fixed"


def model_data(spec: ModelSpec, runs: Runs, scales: Mapping[str, float]) -> ModelData:
    """The arrays the model's data containers hold: scaled inputs, outputs on the noise scale,
    fixed values, and the group and series structure of the rows."""
    law = spec.law
    data = {name: runs.column(name) / scales[name] for name in law.input_names}
    for name, output in law.outputs.items():
        data[data_name(name)] = OUTPUT_SCALES[output.kind].to_scale(runs.column(name))
    data.update({fixed_name(n): np.asarray(float(v)) for n, v in spec.fixed.items()})
    coords = {}
    if spec.varying:
        groups = runs.labels("groups")
        data["group_index"] = groups.codes
        coords[GROUP_DIM] = groups.names
    if spec.series:
        series = runs.labels("series")
        coordinate = scale_coordinate(law, {n: runs.column(n) for n in law.input_names}, scales)
        data.update(series_links(series.codes, coordinate))
        if len(series) > 1:
            data["series_index"] = series.codes
            coords[SERIES_DIM] = series.names
    return ModelData(data, coords)


def _varying_variable(spec: ModelSpec, name: str) -> pt.TensorVariable:
    """One value per group of a varying parameter, non-centred around its population location."""
    prior = spec.priors[name]
    link = link_of(prior)
    pop = prior.create_variable(pop_name(name))
    spread = spec.priors[spread_name(name)].create_variable(spread_name(name))
    z = pm.Normal(offset_name(name), 0.0, 1.0, dims=GROUP_DIM)
    return pm.Deterministic(name, link.backward(link.forward(pop, pt) + spread * z, pt), dims=GROUP_DIM)


def parameter_variables(spec: ModelSpec) -> dict[str, pt.TensorVariable]:
    """Create the law's parameters, noise scales and structure terms in the current model context.

    A varying parameter has the group dimension; fixed values are read from data containers
    (so a new fixed value does not change the graph).
    """
    variables: dict[str, pt.TensorVariable] = {}
    for name in spec.priors:
        if name in spec.fixed:
            value = pm.Data(fixed_name(name), np.asarray(float(spec.fixed[name])))
            variables[name] = pm.Deterministic(name, value)
        elif name in spec.varying:
            variables[name] = _varying_variable(spec, name)
        elif name not in spec.tied and not _is_structural(spec, name):
            variables[name] = spec.priors[name].create_variable(name)
    for name, source in spec.tied.items():
        variables[name] = pm.Deterministic(name, variables[source])
    return variables


def _is_structural(spec: ModelSpec, name: str) -> bool:
    """Spreads are created with their parameter; series terms with the observation model."""
    return name in SERIES_PRIORS or any(name == spread_name(v) for v in spec.varying)


def _per_run(spec: ModelSpec, variables: Mapping[str, pt.TensorVariable], group_index) -> dict:
    """The law's parameters as the mean function takes them: varying ones indexed by each run's group."""
    return {n: variables[n][group_index] if n in spec.varying else variables[n] for n in spec.law.param_names}


def _series_terms(spec: ModelSpec, data: ModelData):
    """Per-run series offset (or 0) and correlation with the previous row of the series (or None)."""
    if not spec.series:
        return 0.0, None
    offset = 0.0
    if SERIES_DIM in data.coords:
        index = pm.Data("series_index", data["series_index"], dims=RUN_DIM)
        scale = spec.priors[SERIES_OFFSET].create_variable(SERIES_OFFSET)
        z = pm.Normal("series_z", 0.0, 1.0, dims=SERIES_DIM)
        offset = (scale * z)[index]
    length = spec.priors[SERIES_LENGTH].create_variable(SERIES_LENGTH)
    prev = pm.Data("prev_row", data["prev_row"], dims=RUN_DIM)
    has_prev = pm.Data("has_prev", data["has_prev"], dims=RUN_DIM)
    lag = pm.Data("lag", data["lag"], dims=RUN_DIM)
    rho = has_prev * pt.minimum(pt.exp(-lag / length), MAX_CORRELATION)
    return offset, (rho, prev)


def build_model(spec: ModelSpec, data: ModelData) -> pm.Model:
    """The PyMC model of ``spec`` on ``data`` (as made by :func:`model_data`).

    Each output is observed on its noise scale around the law's mean plus, with series, the
    series' offset; rows of a series are conditioned on their predecessor with correlation
    ``exp(-lag / series_length)``, so the likelihood is the joint density of each series.

    The model skips PyMC's checks of distribution arguments: every prior's arguments are
    checked when the prior is made, every bounded parameter is sampled through a transform
    that keeps it in bounds, and the likelihood's scale is such a parameter, so the checks
    never fire; without them the log density compiles in about 10% less time.

    Examples
    --------
    >>> from bayescale import datasets, get_law, load_runs
    >>> law = get_law("chinchilla")
    >>> runs = load_runs(datasets.load("chinchilla"), law)
    >>> spec = ModelSpec.create(law)
    >>> model = build_model(spec, model_data(spec, runs, resolve_scales(law, runs)))
    >>> sorted(model.named_vars)[:3]
    ['A', 'B', 'E']
    """
    law = spec.law
    n_runs = len(data[law.input_names[0]])
    with pm.Model(coords={RUN_DIM: np.arange(n_runs), **data.coords}, check_bounds=False) as model:
        inputs = {n: pm.Data(n, np.asarray(data[n]), dims=RUN_DIM) for n in law.input_names}
        observed = {o: pm.Data(data_name(o), np.asarray(data[data_name(o)]), dims=RUN_DIM) for o in law.outputs}
        variables = parameter_variables(spec)
        group_index = pm.Data("group_index", data["group_index"], dims=RUN_DIM) if spec.varying else None
        means = law.split_mean(law.mean(**inputs, **_per_run(spec, variables, group_index)))
        offset, correlation = _series_terms(spec, data)
        for name, output in law.outputs.items():
            location = OUTPUT_SCALES[output.kind].to_scale_tensor(means[name]) + offset
            sigma = variables[law.noise_name(name)]
            if correlation is not None:
                rho, prev = correlation
                location = location + rho * (observed[name][prev] - location[prev])
                sigma = sigma * pt.sqrt(1.0 - rho**2)
            spec.noise.observe(name, location, sigma, observed[name], RUN_DIM)
    return model
