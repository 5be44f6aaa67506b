"""The observation model, written once for every law.

An output kind fixes the scale on which noise is added (log for positive quantities,
logit for probabilities, identity for unbounded values); a noise family (Student-t by
default, normal as an option) fixes its shape. The same definitions serve the PyMC
model, the pointwise log-likelihood and the predictive draws.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from bayescale.errors import BayescaleInputError, check_number
from bayescale.priors import Prior


def _tensor_math():
    """pytensor.tensor, imported when a model is built (not when laws are listed)."""
    import pytensor.tensor as pt

    return pt


@dataclass(frozen=True)
class OutputScale:
    """Where the noise lives for one output kind, and the noise scale's default prior."""

    name: str
    to_scale: Callable[[np.ndarray], np.ndarray]
    from_scale: Callable[[np.ndarray], np.ndarray]
    to_scale_tensor: Callable
    default_noise: Prior
    noise_reason: str
    valid: Callable[[np.ndarray], np.ndarray]
    valid_words: str


OUTPUT_SCALES: dict[str, OutputScale] = {
    "positive": OutputScale(
        "log",
        np.log,
        np.exp,
        lambda x: _tensor_math().log(x),
        Prior("HalfNormal", sigma=0.05),
        "scatter of repeated runs is 0.5-3% of the loss (Chinchilla runs: about 0.5%)",
        lambda y: y > 0,
        "positive",
    ),
    "probability": OutputScale(
        "logit",
        lambda p: np.log(p) - np.log1p(-p),
        lambda x: 1.0 / (1.0 + np.exp(-x)),
        lambda x: _tensor_math().log(x) - _tensor_math().log1p(-x),
        Prior("HalfNormal", sigma=0.5),
        "benchmark scores scatter by a few points, a few tenths on the logit scale",
        lambda y: (y > 0) & (y < 1),
        "strictly between 0 and 1",
    ),
    "real": OutputScale(
        "identity",
        np.asarray,
        np.asarray,
        lambda x: x,
        Prior("HalfNormal", sigma=1.0),
        "unbounded outputs such as log-densities scatter by order one",
        lambda y: np.isfinite(y),
        "finite",
    ),
}


@dataclass(frozen=True)
class Noise:
    """Noise family on the output's scale: ``"student_t"`` (robust, default) or ``"normal"``."""

    family: Literal["student_t", "normal"] = "student_t"
    nu: float = 4.0

    def __post_init__(self) -> None:
        if not isinstance(self.family, str) or self.family not in ("student_t", "normal"):
            raise BayescaleInputError(f"likelihood={self.family!r} is not supported: use 'student_t' or 'normal'")
        check_number(self.nu, "nu", positive=True)

    def observe(self, name: str, mu, sigma, observed, dims: str):
        """Create the observed PyMC variable."""
        import pymc as pm

        if self.family == "normal":
            return pm.Normal(name, mu=mu, sigma=sigma, observed=observed, dims=dims)
        return pm.StudentT(name, nu=self.nu, mu=mu, sigma=sigma, observed=observed, dims=dims)

    def logpdf(self, y: np.ndarray, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
        """Pointwise log density, matching :meth:`observe`."""
        if self.family == "normal":
            from scipy import stats

            return stats.norm.logpdf(y, loc=mu, scale=sigma)
        from scipy import stats

        return stats.t.logpdf(y, df=self.nu, loc=mu, scale=sigma)

    def draw(self, mu: np.ndarray, sigma: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One new observation per element of ``mu``."""
        shape = np.broadcast_shapes(np.shape(mu), np.shape(sigma))
        if self.family == "normal":
            eps = rng.standard_normal(shape)
        else:
            eps = rng.standard_t(self.nu, shape)
        return mu + sigma * eps
