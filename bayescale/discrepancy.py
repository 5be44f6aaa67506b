"""Law discrepancy: the law's own error, zero inside the fitted runs and growing beyond them.

No law is exactly right, and the further a prediction lies from the runs the more its
misfit shows. The discrepancy at a point is Normal on the output's noise scale with
standard deviation ``growth * distance``, where ``distance`` is how many decades the point
lies beyond the convex hull of the fitted runs' log inputs (0 inside) and ``growth`` is the
misfit per decade of extrapolation.

``growth`` is learned from the runs themselves by leave-future-out: refit on the smaller
runs, predict the larger ones, and see how far the errors exceed the refit's own
predictive spread as a function of distance (:func:`growth_posterior`). Its prior, used
alone when there are too few runs to hold any out, is half-normal with scale
:data:`GROWTH_PRIOR_SCALE`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr
from scipy import special, stats
from scipy.spatial import ConvexHull, QhullError

GROWTH_PRIOR_SCALE = 0.05
GROWTH_REASON = (
    "published laws miss runs a decade beyond their fits by 1-5% of the loss (Chinchilla refits; "
    "learning-curve benchmarks): half-normal with scale 0.05 per decade on the output's noise scale"
)
GROWTH_FLOOR = 0.02
FLOOR_REASON = (
    "a law can bend beyond its runs in ways no run inside them reveals (Chinchilla's largest runs miss a law "
    "fitted below them by about 1% within half a decade): at least 2% per decade, whatever the held-out errors say"
)
GRID = np.linspace(0.0, 0.6, 601)
DISTANCE_BINS = [-0.001, 0.1, 0.25, 0.5, 1.0, np.inf]
RANK_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Hull:
    """The convex hull of fitted runs in decades of their inputs; distances beyond it."""

    center: np.ndarray
    basis: np.ndarray  # (rank, inputs): directions in which the runs vary
    equations: np.ndarray  # (faces, rank + 1): unit outward normals and offsets
    low: float
    high: float

    @classmethod
    def of(cls, points: np.ndarray) -> Hull:
        """Hull of (runs, inputs) points; runs that span fewer dimensions get a lower-dimensional hull."""
        points = np.unique(np.asarray(points, dtype=float), axis=0)
        center = points.mean(axis=0)
        centred = points - center
        _, singular, vt = np.linalg.svd(centred, full_matrices=False)
        rank = int(np.sum(singular > RANK_TOLERANCE * max(singular.max(initial=0.0), 1.0)))
        basis = vt[:rank]
        projected = centred @ basis.T
        equations, low, high = np.zeros((0, rank + 1)), 0.0, 0.0
        if rank == 1:
            low, high = float(projected.min()), float(projected.max())
        elif rank > 1:
            try:
                equations = ConvexHull(projected).equations
            except QhullError:
                basis = basis[:1]
                projected = centred @ basis.T
                low, high = float(projected.min()), float(projected.max())
        return cls(center, basis, equations, low, high)

    def distance(self, points: np.ndarray) -> np.ndarray:
        """Decades each point lies beyond the hull (0 inside); Euclidean in log10 inputs."""
        centred = np.atleast_2d(np.asarray(points, dtype=float)) - self.center
        projected = centred @ self.basis.T
        across = np.linalg.norm(centred - projected @ self.basis, axis=1)
        if len(self.basis) == 1:
            along = np.maximum(projected[:, 0] - self.high, 0) + np.maximum(self.low - projected[:, 0], 0)
        elif len(self.equations):
            outside = projected @ self.equations[:, :-1].T + self.equations[:, -1]
            along = np.maximum(outside.max(axis=1), 0.0)
        else:
            along = np.zeros(len(centred))
        return np.hypot(along, across)


@dataclass(frozen=True)
class HeldOut:
    """Leave-future-out evidence about the growth: per held-out row, its error on the noise
    scale, the refit's predictive scale there, its distance beyond the refit's runs and a weight."""

    error: np.ndarray
    scale: np.ndarray
    distance: np.ndarray
    weight: np.ndarray
    cut: np.ndarray

    FIELDS = ("error", "scale", "distance", "weight", "cut")

    def to_dataset(self) -> xr.Dataset:
        """The evidence as a Dataset with dim ``held_out`` (stored with the fit)."""
        return xr.Dataset({f: ("held_out", getattr(self, f)) for f in self.FIELDS})

    @classmethod
    def from_dataset(cls, data: xr.Dataset) -> HeldOut:
        return cls(*(np.asarray(data[f].values, dtype=float) for f in cls.FIELDS))

    @classmethod
    def concat(cls, parts: list[HeldOut]) -> HeldOut:
        if not parts:
            return cls(*(np.zeros(0) for _ in cls.FIELDS))
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in cls.FIELDS))


def growth_log_posterior(evidence: HeldOut, nu: float, prior_scale: float = GROWTH_PRIOR_SCALE) -> np.ndarray:
    """Log posterior of the growth on :data:`GRID`: half-normal prior, Student-t errors whose
    scale adds the refit's predictive scale and ``growth * distance`` in quadrature."""
    log_post = stats.halfnorm.logpdf(GRID, scale=prior_scale)
    if len(evidence.error):
        total = np.sqrt(evidence.scale[None, :] ** 2 + (GRID[:, None] * evidence.distance[None, :]) ** 2)
        loglik = stats.t.logpdf(evidence.error[None, :], df=nu, scale=total)
        log_post = log_post + (loglik * evidence.weight[None, :]).sum(axis=1)
    return log_post - special.logsumexp(log_post)


def growth_draws(
    evidence: HeldOut,
    nu: float,
    n: int,
    rng: np.random.Generator,
    prior_scale: float = GROWTH_PRIOR_SCALE,
    floor: float = GROWTH_FLOOR,
) -> np.ndarray:
    """``n`` draws of the growth: the learned part from its posterior on the grid (jittered
    within a grid step), added in quadrature to ``floor``, the misfit no held-out run inside
    the data can reveal."""
    probabilities = np.exp(growth_log_posterior(evidence, nu, prior_scale))
    index = rng.choice(len(GRID), size=n, p=probabilities / probabilities.sum())
    step = GRID[1] - GRID[0]
    learned = np.clip(GRID[index] + step * (rng.random(n) - 0.5), 0.0, None)
    return np.hypot(learned, floor)


def evidence_by_distance(evidence: HeldOut, growth: np.ndarray, nu: float, level: float = 0.9) -> pd.DataFrame:
    """How the leave-future-out errors inside the runs compare with the intervals the fit now gives,
    by decades beyond each refit's runs: count, median |error|, median interval half-width, coverage."""
    bins = pd.cut(evidence.distance, DISTANCE_BINS)
    total = np.sqrt(evidence.scale**2 + (np.median(growth) * evidence.distance) ** 2)
    half_width = stats.t.ppf(0.5 + level / 2, df=nu) * total
    frame = pd.DataFrame(
        {"decades beyond": bins, "abs_error": np.abs(evidence.error), "half_width": half_width}
    ).assign(covered=lambda f: f["abs_error"] <= f["half_width"])
    return frame.groupby("decades beyond", observed=True).agg(
        held_out=("covered", "size"),
        median_abs_error=("abs_error", "median"),
        median_half_width=("half_width", "median"),
        coverage=("covered", "mean"),
    )
