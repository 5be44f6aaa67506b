"""Vectorized one-dimensional searches, one problem per element (per posterior draw, per budget).

Both wrap SciPy's elementwise solvers (Chandrupatla's bracketing algorithms). A function
``f(x, *args)`` must be elementwise: SciPy calls it with the unfinished elements only, and
with the matching elements of ``args``, so anything that differs between problems (a draw's
parameters, a budget) goes in ``args``, never in a closure.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.optimize.elementwise import find_minimum, find_root

Elementwise = Callable[..., np.ndarray]


def crossing(f: Elementwise, target, lo, hi, args: tuple = ()) -> np.ndarray:
    """x in [lo, hi] where ``f(x, *args)`` equals ``target``, elementwise, for ``f`` monotonic
    in x; NaN where [lo, hi] does not bracket the crossing (or ``f`` is not finite there)."""

    def gap(x, target, *args):
        return f(x, *args) - target

    found = find_root(gap, (lo, hi), args=(target, *args))
    return np.where(found.success, found.x, np.nan)


def grid_minimum(f: Elementwise, lo, hi, args: tuple = (), points: int = 48) -> tuple[np.ndarray, np.ndarray]:
    """Minimize ``f(x, *args)`` over x in [lo, hi], elementwise: the best of ``points`` evenly
    spaced values first (so the deepest of several valleys wins), then SciPy's bracketed
    minimizer between its neighbours.

    ``lo``, ``hi`` and ``args`` broadcast together. Returns the minimizer and whether it lies at
    an end of the range (then the grid value, a bound rather than a minimum). Where the
    refinement fails (``f`` not finite in the bracket) the grid value is kept.
    """
    lo, hi, *args = np.broadcast_arrays(np.asarray(lo, dtype=float), np.asarray(hi, dtype=float), *args)
    steps = np.linspace(0.0, 1.0, points)
    grid = lo[..., None] + (hi - lo)[..., None] * steps
    values = f(grid, *(np.asarray(a)[..., None] for a in args))
    best = np.argmin(np.where(np.isnan(values), np.inf, values), axis=-1)

    def at(index):
        return np.take_along_axis(grid, index[..., None], axis=-1)[..., 0]

    left, middle, right = at(np.maximum(best - 1, 0)), at(best), at(np.minimum(best + 1, points - 1))
    edge = (best == 0) | (best == points - 1)
    if edge.all():
        return middle, edge
    # At an end of the range the bracket is degenerate: SciPy flags it invalid, the grid value stays.
    with np.errstate(invalid="ignore", over="ignore"):
        found = find_minimum(f, (left, middle, right), args=tuple(args))
    return np.where(found.success & ~edge, found.x, middle), edge
