"""Priors as data: a distribution's name and parameters, made into a PyMC variable on demand.

A :class:`Prior` is cheap to create, compare, print and save: PyMC is imported only when
:meth:`Prior.create_variable` builds the variable inside a model, so listing laws or
reading a saved fit does not pay for importing the inference stack.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

# The continuous univariate PyMC distributions a scalar law parameter can take, with the
# parameter names their PyMC constructors accept (several are alternative parameterizations).
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "AsymmetricLaplace": ("kappa", "mu", "b", "q"),
    "Beta": ("alpha", "beta", "mu", "sigma", "nu"),
    "Cauchy": ("alpha", "beta"),
    "ChiSquared": ("nu",),
    "ExGaussian": ("mu", "sigma", "nu"),
    "Exponential": ("lam", "scale"),
    "Gamma": ("alpha", "beta", "mu", "sigma"),
    "Gumbel": ("mu", "beta"),
    "HalfCauchy": ("beta",),
    "HalfNormal": ("sigma", "tau"),
    "HalfStudentT": ("nu", "sigma", "lam"),
    "InverseGamma": ("alpha", "beta", "mu", "sigma"),
    "Kumaraswamy": ("a", "b"),
    "Laplace": ("mu", "b"),
    "LogNormal": ("mu", "sigma", "tau"),
    "Logistic": ("mu", "s"),
    "LogitNormal": ("mu", "sigma", "tau"),
    "Moyal": ("mu", "sigma"),
    "Normal": ("mu", "sigma", "tau"),
    "Pareto": ("alpha", "m"),
    "Rice": ("nu", "sigma", "b"),
    "SkewNormal": ("alpha", "mu", "sigma", "tau"),
    "SkewStudentT": ("a", "b", "mu", "sigma", "lam"),
    "StudentT": ("nu", "mu", "sigma", "lam"),
    "Triangular": ("lower", "upper", "c"),
    "TruncatedNormal": ("mu", "sigma", "tau", "lower", "upper"),
    "Uniform": ("lower", "upper"),
    "VonMises": ("mu", "kappa"),
    "Wald": ("mu", "lam", "phi", "alpha"),
    "Weibull": ("alpha", "beta"),
}

Dims = tuple[str, ...]


class Prior:
    """A prior distribution: a PyMC distribution's name and its parameters.

    Parameters are numbers or other priors (a hierarchical prior: the parameter becomes
    its own variable, named ``<name>_<parameter>``). ``dims`` gives the variable named
    dimensions of the model; a scalar parameter has none.

    Examples
    --------
    >>> prior = Prior("LogNormal", mu=-1.2, sigma=0.3)
    >>> prior
    Prior("LogNormal", mu=-1.2, sigma=0.3)
    >>> Prior.from_dict(prior.to_dict()) == prior
    True
    """

    __slots__ = ("distribution", "parameters", "dims")

    def __init__(self, distribution: str, *, dims: str | Dims | None = None, **parameters: float | Prior) -> None:
        if distribution not in DISTRIBUTIONS:
            raise ValueError(f"unknown distribution {distribution!r}: use one of {', '.join(DISTRIBUTIONS)}")
        unknown = sorted(set(parameters) - set(DISTRIBUTIONS[distribution]))
        if unknown:
            raise ValueError(
                f"{distribution} has no parameter {', '.join(unknown)} "
                f"(it takes {', '.join(DISTRIBUTIONS[distribution])})"
            )
        object.__setattr__(self, "distribution", distribution)
        object.__setattr__(self, "parameters", {k: _checked_value(distribution, k, v) for k, v in parameters.items()})
        object.__setattr__(self, "dims", _as_dims(dims))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a Prior cannot be changed; create a new one")

    def __getitem__(self, parameter: str) -> float | Prior:
        return self.parameters[parameter]

    def create_variable(self, name: str, dims: str | Dims | None = None):
        """The PyMC random variable ``name`` with this prior, in the current model context.

        ``dims`` overrides the prior's own dims for this variable.
        """
        import pymc as pm

        values = {
            key: value.create_variable(f"{name}_{key}") if isinstance(value, Prior) else value
            for key, value in self.parameters.items()
        }
        return getattr(pm, self.distribution)(name, **values, dims=_as_dims(dims) or self.dims)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``{"dist": name, "kwargs": {...}}`` (and ``"dims"`` when set)."""
        data: dict[str, Any] = {"dist": self.distribution}
        if self.parameters:
            data["kwargs"] = {
                key: value.to_dict() if isinstance(value, Prior) else value for key, value in self.parameters.items()
            }
        if self.dims is not None:
            data["dims"] = list(self.dims)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Prior:
        """The prior described by :meth:`to_dict`'s output."""
        if not isinstance(data, Mapping) or "dist" not in data:
            raise ValueError(f"a prior's dict needs a 'dist' key, got {data!r}")
        unknown = sorted(set(data) - {"dist", "kwargs", "dims"})
        if unknown:
            raise ValueError(f"prior {data['dist']!r}: unsupported keys {', '.join(unknown)}")
        kwargs = {
            key: cls.from_dict(value) if isinstance(value, Mapping) else value
            for key, value in data.get("kwargs", {}).items()
        }
        return cls(data["dist"], dims=data.get("dims"), **kwargs)

    def __reduce__(self):
        return Prior.from_dict, (self.to_dict(),)

    def _key(self) -> tuple:
        return self.distribution, tuple(sorted(self.parameters.items())), self.dims

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Prior) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        parts = [f'"{self.distribution}"', *(f"{key}={value!r}" for key, value in self.parameters.items())]
        if self.dims is not None:
            parts.append(f"dims={self.dims!r}")
        return f"Prior({', '.join(parts)})"


def _checked_value(distribution: str, key: str, value: Any) -> float | Prior:
    """A parameter as a plain Python number, or a nested prior."""
    if isinstance(value, Prior):
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{distribution}({key}=...) must be a number or a Prior, got {value!r}")
    return int(value) if isinstance(value, numbers.Integral) else float(value)


def _as_dims(dims: str | Dims | None) -> Dims | None:
    if dims is None:
        return None
    dims = (dims,) if isinstance(dims, str) else tuple(dims)
    if len(set(dims)) != len(dims):
        raise ValueError(f"dims {dims} repeat a name")
    return dims
