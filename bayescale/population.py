"""Group-level parameters drawn from a population, non-centred.

A varying parameter theta gets one value per group:

    theta_g = back(forward(theta_pop) + theta_spread * z_g),   z_g ~ Normal(0, 1)

where ``forward`` maps the parameter's support onto the real line (log for positive
parameters, logit for those in (0, 1), identity for unbounded ones). ``theta_pop``, the
population's location (the value of a typical group), takes the law's default prior for
theta; ``theta_spread``, how far groups sit from it on the real-line scale, takes a
half-normal prior half as wide as that default prior: groups of one study differ less than
the values the prior allows across all studies, and the spread shrinks toward a shared
value when the data show no difference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayescale.priors import Prior

POSITIVE = {"LogNormal", "HalfNormal", "Gamma", "Exponential", "HalfCauchy", "HalfStudentT", "InverseGamma", "Weibull"}
UNIT_INTERVAL = {"Beta", "Kumaraswamy"}
SPREAD_REASON = (
    "groups of one study differ less than the default prior allows across all studies: half its width "
    "on the parameter's log, logit or natural scale, shrinking toward a shared value when groups agree"
)


def pop_name(param: str) -> str:
    """Name of a varying parameter's population location."""
    return f"{param}_pop"


def spread_name(param: str) -> str:
    """Name of a varying parameter's spread across groups."""
    return f"{param}_spread"


def offset_name(param: str) -> str:
    """Name of a varying parameter's standardized group offsets."""
    return f"{param}_z"


@dataclass(frozen=True)
class Link:
    """The map from a parameter's support to the real line, in NumPy and PyTensor."""

    kind: str  # "log", "logit" or "identity"

    def forward(self, value, math=np):
        if self.kind == "log":
            return math.log(value)
        if self.kind == "logit":
            return math.log(value) - math.log1p(-value)
        return value

    def backward(self, value, math=np):
        if self.kind == "log":
            return math.exp(value)
        if self.kind == "logit":
            return 1.0 / (1.0 + math.exp(-value))
        return value


def link_of(prior: Prior) -> Link:
    """The real-line map for a parameter with this prior."""
    if prior.distribution in POSITIVE:
        return Link("log")
    if prior.distribution in UNIT_INTERVAL:
        return Link("logit")
    return Link("identity")


def default_spread(prior: Prior) -> Prior:
    """Half-normal spread, half as wide as ``prior`` on its real-line scale."""
    width = 1.0
    if prior.distribution in ("LogNormal", "Normal", "StudentT") and "sigma" in prior.parameters:
        sigma = prior.parameters["sigma"]
        width = float(sigma) if isinstance(sigma, int | float) else 1.0
    return Prior("HalfNormal", sigma=round(0.5 * width, 6))


def new_group_values(pop: np.ndarray, spread: np.ndarray, link: Link, rng: np.random.Generator) -> np.ndarray:
    """A parameter's value in a group never seen, per posterior draw: the population integrated over."""
    z = rng.standard_normal(np.shape(pop))
    return link.backward(link.forward(pop) + spread * z)
