"""Vectorized one-dimensional searches, one problem per posterior draw."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

GOLDEN = (np.sqrt(5) - 1) / 2


def golden_minimum(f: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray, iters: int = 60):
    """Minimize ``f`` elementwise on [lo, hi] (arrays of the same shape); returns the argmin."""
    lo, hi = np.array(lo, dtype=float), np.array(hi, dtype=float)
    x1, x2 = hi - GOLDEN * (hi - lo), lo + GOLDEN * (hi - lo)
    f1, f2 = f(x1), f(x2)
    for _ in range(iters):
        left = f1 < f2  # the minimum lies in [lo, x2]
        hi = np.where(left, x2, hi)
        lo = np.where(left, lo, x1)
        x2_new = np.where(left, x1, lo + GOLDEN * (hi - lo))
        x1_new = np.where(left, hi - GOLDEN * (hi - lo), x2)
        f_new = f(np.where(left, x1_new, x2_new))
        f2, f1 = np.where(left, f1, f_new), np.where(left, f_new, f2)
        x1, x2 = x1_new, x2_new
    return (lo + hi) / 2


def bisect_decreasing(f: Callable[[np.ndarray], np.ndarray], target, lo, hi, iters: int = 60) -> np.ndarray:
    """x in [lo, hi] with f(x) = target for f decreasing in x, elementwise; NaN where no root is bracketed."""
    lo, hi = np.array(lo, dtype=float), np.array(hi, dtype=float)
    target = np.broadcast_to(np.asarray(target, dtype=float), lo.shape)
    bracketed = (f(lo) >= target) & (f(hi) <= target)
    for _ in range(iters):
        mid = (lo + hi) / 2
        above = f(mid) > target
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    return np.where(bracketed, (lo + hi) / 2, np.nan)


def grid_minimum(
    f: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray, points: int = 48, iters: int = 40
) -> tuple[np.ndarray, np.ndarray]:
    """Minimize ``f`` elementwise on [lo, hi]: the best of ``points`` grid values, then a
    golden-section search between its neighbours. ``f`` takes arrays of shape (n,) and
    (n, points). Returns the argmin and whether it lies at an end of the range."""
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    grid = lo[:, None] + (hi - lo)[:, None] * np.linspace(0.0, 1.0, points)[None, :]
    values = f(grid)
    best = np.argmin(np.where(np.isnan(values), np.inf, values), axis=1)
    rows = np.arange(len(lo))
    left, right = grid[rows, np.maximum(best - 1, 0)], grid[rows, np.minimum(best + 1, points - 1)]
    return golden_minimum(f, left, right, iters=iters), (best == 0) | (best == points - 1)
