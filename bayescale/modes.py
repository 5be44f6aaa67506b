"""The posterior's modes, found by optimizing its log density from many starts.

Chains that start where the posterior has its mass need less warm-up and do not get
stuck in a region of negligible mass. The log density and its gradient come from the
compiled sampler model (on the sampler's unconstrained scale, Jacobian included), so
optimizing costs no extra compilation. Each optimum gets a Laplace approximation: its
covariance (inverse negative Hessian) and an estimate of the posterior mass near it.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize

LogDensity = Callable[[np.ndarray], tuple[float, np.ndarray]]

SAME_MODE_DIP = 3.0  # nats: optima joined by a path that never falls further below both are one mode
MAX_STEP = 2.0  # a start is at most this far from its mode in each unconstrained coordinate
_QUIET = threading.Lock()  # refits optimize in threads; changing warning filters must not interleave


@dataclass(frozen=True)
class Mode:
    """A local maximum of the log density (unconstrained coordinates) and its Laplace approximation."""

    point: np.ndarray
    log_density: float
    covariance: np.ndarray
    starts: int = 1

    @property
    def log_mass(self) -> float:
        """Log of the Laplace estimate of the posterior mass around the mode (up to a constant)."""
        sign, logdet = np.linalg.slogdet(self.covariance)
        return self.log_density + 0.5 * logdet if sign > 0 else self.log_density


def hessian(log_density: LogDensity, point: np.ndarray, step: float = 1e-5) -> np.ndarray:
    """Hessian of the log density by central differences of its gradient, symmetrized."""
    n = len(point)
    out = np.empty((n, n))
    for i in range(n):
        shift = np.zeros(n)
        shift[i] = step
        out[i] = (log_density(point + shift)[1] - log_density(point - shift)[1]) / (2 * step)
    return 0.5 * (out + out.T)


def laplace_covariance(log_density: LogDensity, point: np.ndarray) -> np.ndarray:
    """Inverse of the negative Hessian; a unit matrix where the mode is not a proper maximum."""
    neg = -hessian(log_density, point)
    values, vectors = np.linalg.eigh(neg)
    if not np.all(np.isfinite(values)) or values.max() <= 0:
        return np.eye(len(point))
    values = np.maximum(values, values.max() * 1e-10)
    return (vectors / values) @ vectors.T


def maximize(log_density: LogDensity, start: np.ndarray, max_iter: int = 500) -> tuple[np.ndarray, float] | None:
    """Local maximum reached from ``start`` by BFGS, or None where the density is not finite."""

    def negative(x):
        logp, grad = log_density(x)
        if not np.isfinite(logp):
            return np.inf, np.zeros_like(x)
        return -logp, -grad

    with _QUIET, warnings.catch_warnings():  # the warning filters are global: one thread at a time
        warnings.simplefilter("ignore", RuntimeWarning)
        result = optimize.minimize(negative, start, jac=True, method="BFGS", options={"maxiter": max_iter})
    if not np.isfinite(result.fun):
        return None
    return result.x, -float(result.fun)


def connected(log_density: LogDensity, a: Mode, b: Mode, points: int = 9) -> bool:
    """Whether the straight path from one mode to the other stays within ``SAME_MODE_DIP`` nats
    of the lower of the two: then they are one mode (e.g. two ends of a flat ridge)."""
    floor = min(a.log_density, b.log_density) - SAME_MODE_DIP
    for t in np.linspace(0, 1, points + 2)[1:-1]:
        logp, _ = log_density((1 - t) * a.point + t * b.point)
        if not np.isfinite(logp) or logp < floor:
            return False
    return True


def find_modes(log_density: LogDensity, starts: np.ndarray) -> list[Mode]:
    """Distinct local maxima reached from ``starts`` (rows), the most massive first.

    Optima joined by a path without a dip of ``SAME_MODE_DIP`` nats are merged into the
    higher one, so a flat ridge counts once.
    """
    modes: list[Mode] = []
    found = [maximize(log_density, np.asarray(s, dtype=float)) for s in starts]
    for point, logp in sorted((f for f in found if f is not None), key=lambda f: -f[1]):
        candidate = Mode(point, logp, np.eye(len(point)))
        for i, mode in enumerate(modes):
            if connected(log_density, mode, candidate):
                modes[i] = Mode(mode.point, mode.log_density, mode.covariance, mode.starts + 1)
                break
        else:
            modes.append(Mode(point, logp, laplace_covariance(log_density, point)))
    return sorted(modes, key=lambda m: -m.log_mass)


def mode_weights(modes: list[Mode]) -> np.ndarray:
    """Each mode's share of the posterior mass by the Laplace estimates."""
    log_mass = np.array([m.log_mass for m in modes])
    weights = np.exp(log_mass - log_mass.max())
    return weights / weights.sum()


def start_near(modes: list[Mode], weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A chain's start: a mode picked by weight, then a draw from its Laplace approximation
    (each coordinate moved at most ``MAX_STEP`` from the mode)."""
    mode = modes[rng.choice(len(modes), p=weights)]
    values, vectors = np.linalg.eigh(mode.covariance)
    step = vectors @ (np.sqrt(np.maximum(values, 0)) * rng.standard_normal(len(values)))
    return mode.point + np.clip(step, -MAX_STEP, MAX_STEP)
