"""Checks of priors and fixed values, read through the prior's own description (``to_dict``).

A prior that the sampler cannot start from (a negative ``sigma``, an infinite ``mu``,
``lower`` above ``upper``) and a fixed value the prior rules out (``E = -5`` under a
LogNormal) are refused here, before any model is built, with one line naming them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from bayescale.errors import BayescaleInputError, is_number, shown
from bayescale.priors import Prior

# Parameters that are scales, rates, shapes or degrees of freedom: positive wherever they appear,
# except ``alpha``, which is a location (Cauchy) or a skewness (SkewNormal) in two distributions.
POSITIVE_ARGUMENTS = {"sigma", "tau", "lam", "nu", "b", "kappa", "beta", "s", "m"}
REAL_ALPHA = {"Cauchy", "SkewNormal"}

# Where each distribution puts its mass: (lowest, highest, lowest value included).
POSITIVE_OPEN = {"LogNormal", "Gamma", "InverseGamma", "Weibull", "Wald", "ChiSquared"}
POSITIVE_CLOSED = {"HalfNormal", "HalfCauchy", "HalfStudentT", "HalfFlat", "Exponential"}
UNIT_OPEN = {"Beta", "Kumaraswamy", "LogitNormal"}
BOUNDED = {"Uniform", "TruncatedNormal", "Triangular"}


def _description(prior: Prior, where: str) -> dict:
    try:
        description = prior.to_dict()
    except Exception as err:  # a prior that cannot describe itself cannot be saved either
        raise BayescaleInputError(f"{where}: {prior!r} cannot be described ({err})") from err
    if not isinstance(description, Mapping) or not isinstance(description.get("dist"), str):
        raise BayescaleInputError(f"{where}: {prior!r} does not describe its distribution")
    return dict(description)


def _values(value) -> np.ndarray | None:
    """The numbers in a prior argument, or None for a nested prior or anything non-numeric."""
    if isinstance(value, Mapping):
        return None
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return array if array.dtype.kind == "f" else None


def _check_description(description: Mapping, where: str, shown_as: str) -> None:
    dist, kwargs = description["dist"], description.get("kwargs", {}) or {}
    for arg, value in kwargs.items():
        if isinstance(value, Mapping) and "dist" in value:
            _check_description(value, where, shown_as)
            continue
        if isinstance(value, bool) or (not is_number(value) and _values(value) is None):
            raise BayescaleInputError(f"{where}: {shown_as} has {arg}={shown(value)}, which is not a number")
        numbers = _values(value)
        if not np.all(np.isfinite(numbers)):
            raise BayescaleInputError(f"{where}: {shown_as} has {arg}={shown(value)}; it must be finite")
        positive = arg in POSITIVE_ARGUMENTS or (arg == "alpha" and dist not in REAL_ALPHA)
        if positive and not np.all(numbers > 0):
            raise BayescaleInputError(f"{where}: {shown_as} has {arg}={shown(value)}; it must be positive")
    lower, upper = kwargs.get("lower"), kwargs.get("upper")
    if lower is not None and upper is not None and is_number(lower) and is_number(upper) and not lower < upper:
        raise BayescaleInputError(f"{where}: {shown_as} has lower={shown(lower)} not below upper={shown(upper)}")


def check_prior(prior: object, where: str) -> Prior:
    """``prior`` checked to be a Prior whose arguments the sampler can use.

    ``where`` names it in the message, e.g. ``"priors['alpha']"`` or ``"law file my_law.py, parameter 'A'"``.
    """
    if not isinstance(prior, Prior):
        raise BayescaleInputError(
            f"{where} must be a Prior, e.g. Prior('LogNormal', mu=0, sigma=1), not {shown(prior)}"
        )
    description = _description(prior, where)
    _check_description(description, where, str(prior))
    return prior


def support(prior: Prior) -> tuple[float, float, bool]:
    """Lowest and highest value the prior allows, and whether the lowest itself is allowed.

    Unknown or transformed distributions allow every real number (nothing is refused).
    """
    description = prior.to_dict()
    dist, kwargs = description["dist"], description.get("kwargs", {}) or {}
    if description.get("transform"):
        return -math.inf, math.inf, True
    if dist in POSITIVE_OPEN:
        return 0.0, math.inf, False
    if dist in POSITIVE_CLOSED:
        return 0.0, math.inf, True
    if dist in UNIT_OPEN:
        return 0.0, 1.0, False
    if dist in BOUNDED:
        low, high = kwargs.get("lower", -math.inf), kwargs.get("upper", math.inf)
        if is_number(low) and is_number(high):
            return float(low), float(high), True
    if dist == "Pareto" and is_number(kwargs.get("m")):
        return float(kwargs["m"]), math.inf, True
    return -math.inf, math.inf, True


def check_fixed(value: object, prior: Prior, name: str, *, noise: bool = False) -> float:
    """A fixed parameter value: a finite number inside its prior's support (a noise scale above 0)."""
    if not is_number(value) or not math.isfinite(value):
        raise BayescaleInputError(f"fixed[{name!r}]={shown(value)} must be a finite number")
    value = float(value)
    if noise and not value > 0:
        raise BayescaleInputError(f"fixed[{name!r}]={shown(value)}: a noise scale must be above 0")
    low, high, low_included = support(prior)
    inside = (low <= value if low_included else low < value) and value <= high
    if not inside:
        bound = "at least" if low_included else "above"
        raise BayescaleInputError(
            f"fixed[{name!r}]={shown(value)} lies outside its prior {prior}, which needs values "
            f"{bound} {shown(low)}" + (f" and at most {shown(high)}" if math.isfinite(high) else "")
        )
    return value
