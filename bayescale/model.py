"""Turn a law, its priors and data into a ``pm.Model``: a pure function, written once.

:class:`ModelSpec` holds everything but the data (law, priors, fixed and tied
parameters, noise). It is plain data, serializable and hashable by :meth:`ModelSpec.key`,
so a compiled model can be cached per spec and reused for any data of the same law.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from bayescale.errors import BayescaleInputError
from bayescale.law import Law
from bayescale.likelihood import OUTPUT_SCALES, Noise
from bayescale.priors import Prior
from bayescale.runs import Runs

RUN_DIM = "run"


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

    @classmethod
    def create(
        cls,
        law: Law,
        priors: Mapping[str, Prior] | None = None,
        fixed: Mapping[str, float] | None = None,
        tied: Mapping[str, str] | None = None,
        noise: Noise | None = None,
    ) -> ModelSpec:
        """Merge user overrides into the law's defaults, checking every name."""
        names = [*law.param_names, *law.noise_names]
        priors, fixed, tied = dict(priors or {}), dict(fixed or {}), dict(tied or {})
        for arg, given in (("priors", priors), ("fixed", fixed), ("tied", tied)):
            unknown = sorted(set(given) - set(names))
            if unknown:
                raise BayescaleInputError(
                    f"{arg}= names {', '.join(unknown)}, not a parameter of law {law.name!r} ({', '.join(names)})"
                )
        for name, prior in priors.items():
            if not isinstance(prior, Prior):
                raise BayescaleInputError(f"priors[{name!r}] must be a Prior, e.g. Prior('Normal', mu=0, sigma=1)")
        for name, value in fixed.items():
            if not (isinstance(value, int | float) and math.isfinite(value)):
                raise BayescaleInputError(f"fixed[{name!r}] must be a finite number, got {value!r}")
        for name, source in tied.items():
            if source not in law.param_names or source in tied or source in fixed or source == name:
                raise BayescaleInputError(
                    f"tied[{name!r}] = {source!r} must name another free parameter of law {law.name!r}"
                )
        both = sorted(set(fixed) & set(tied))
        if both:
            raise BayescaleInputError(f"{', '.join(both)} cannot be both fixed and tied")
        noise_priors = {
            law.noise_name(name): law.noise.prior if law.noise else OUTPUT_SCALES[output.kind].default_noise
            for name, output in law.outputs.items()
        }
        merged = {**law.priors, **noise_priors}
        merged.update(priors)
        return cls(law=law, priors=merged, fixed=fixed, tied=tied, noise=noise or Noise())

    @property
    def free_params(self) -> list[str]:
        """Parameters that are sampled (not fixed, not tied), noise scale included."""
        return [n for n in self.priors if n not in self.fixed and n not in self.tied]

    def to_dict(self) -> dict:
        """JSON-ready description (the law by its origin, name and fingerprint)."""
        return {
            "law": {"name": self.law.name, "origin": self.law.origin, "fingerprint": self.law.fingerprint},
            "priors": {n: p.to_dict() for n, p in self.priors.items()},
            "fixed": dict(self.fixed),
            "tied": dict(self.tied),
            "noise": {"family": self.noise.family, "nu": self.noise.nu},
        }

    @classmethod
    def from_dict(cls, data: Mapping, law: Law) -> ModelSpec:
        return cls(
            law=law,
            priors={n: Prior.from_dict(p) for n, p in data["priors"].items()},
            fixed=data["fixed"],
            tied=data["tied"],
            noise=Noise(**data["noise"]),
        )

    def __reduce__(self):
        """Pickle as data (priors as dicts, the law by name or path)."""
        return ModelSpec.from_dict, (self.to_dict(), self.law)

    def key(self) -> str:
        """Identity of the compiled model: same key, same graph."""
        return json.dumps(self.to_dict(), sort_keys=True, default=float)


def resolve_scales(law: Law, runs: Runs, overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """Reference scale of each input: the law's, a user's override, or a power of ten near the data."""
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(law.input_names))
    if unknown:
        raise BayescaleInputError(f"scales= names {', '.join(unknown)}, not an input of law {law.name!r}")
    scales = {}
    for name, spec in law.inputs.items():
        scale = overrides.get(name, spec.scale)
        if scale is None:
            scale = 10.0 ** round(float(np.mean(np.log10(runs.column(name)))))
        if not scale > 0:
            raise BayescaleInputError(f"scale of input {name!r} must be positive, got {scale}")
        scales[name] = float(scale)
    return scales


def model_data(law: Law, runs: Runs, scales: Mapping[str, float]) -> dict[str, np.ndarray]:
    """The arrays the model's data containers hold: scaled inputs, output on the noise scale."""
    data = {name: runs.column(name) / scales[name] for name in law.input_names}
    for name, output in law.outputs.items():
        data[data_name(name)] = OUTPUT_SCALES[output.kind].to_scale(runs.column(name))
    return data


def parameter_variables(spec: ModelSpec) -> dict[str, pt.TensorVariable]:
    """Create the law's parameters (and noise scale) in the current model context."""
    variables: dict[str, pt.TensorVariable] = {}
    for name in spec.priors:
        if name in spec.fixed:
            variables[name] = pm.Deterministic(name, pt.constant(float(spec.fixed[name])))
        elif name not in spec.tied:
            variables[name] = spec.priors[name].create_variable(name)
    for name, source in spec.tied.items():
        variables[name] = pm.Deterministic(name, variables[source])
    return variables


def build_model(spec: ModelSpec, data: Mapping[str, np.ndarray]) -> pm.Model:
    """The PyMC model of ``spec`` on ``data`` (as made by :func:`model_data`).

    Examples
    --------
    >>> from bayescale import datasets, get_law, load_runs
    >>> law = get_law("chinchilla")
    >>> runs = load_runs(datasets.load("chinchilla"), law)
    >>> spec = ModelSpec.create(law)
    >>> model = build_model(spec, model_data(law, runs, resolve_scales(law, runs)))
    >>> sorted(model.named_vars)[:3]
    ['A', 'A_raw', 'B']
    """
    law = spec.law
    n_runs = len(data[law.input_names[0]])
    with pm.Model(coords={RUN_DIM: np.arange(n_runs)}) as model:
        inputs = {n: pm.Data(n, np.asarray(data[n]), dims=RUN_DIM) for n in law.input_names}
        observed = {o: pm.Data(data_name(o), np.asarray(data[data_name(o)]), dims=RUN_DIM) for o in law.outputs}
        params = parameter_variables(spec)
        law_params = {n: params[n] for n in law.param_names}
        if law.derived is not None:
            for name, value in law.derived(**law_params).items():
                pm.Deterministic(name, value)
        means = law.split_mean(law.mean(**inputs, **law_params))
        for name, output in law.outputs.items():
            location = OUTPUT_SCALES[output.kind].to_scale_tensor(means[name])
            spec.noise.observe(name, location, params[law.noise_name(name)], observed[name], RUN_DIM)
    return model
