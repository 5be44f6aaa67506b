"""Readable log-axis labels for scaling plots: 1M, 10B, 1T instead of 1e+09."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

SUFFIXES = ((1e15, "P"), (1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))


def human(value: float) -> str:
    """``7e10`` -> ``'70B'``, ``1.4e12`` -> ``'1.4T'``, ``3e21`` -> ``'3e21'``."""
    if value <= 0 or not np.isfinite(value):
        return ""
    if value >= 1e18:
        mantissa, exponent = f"{value:.0e}".split("e")
        return f"{mantissa}e{int(exponent)}"
    for size, suffix in SUFFIXES:
        if value >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}"


def log_axes(ax: Axes, x: bool = True, y: bool = True) -> None:
    """Log scales with human labels: at the decades, or at 1-9 times them on a short axis."""
    for use, axis, set_scale, limits in (
        (x, ax.xaxis, ax.set_xscale, ax.get_xlim),
        (y, ax.yaxis, ax.set_yscale, ax.get_ylim),
    ):
        if not use:
            continue
        set_scale("log")
        low, high = limits()
        short = low > 0 and high / low < 30
        axis.set_major_locator(LogLocator(base=10, subs=np.arange(1, 10) if short else (1.0,)))
        axis.set_major_formatter(FuncFormatter(lambda v, _: human(v)))
        if short:
            axis.set_minor_formatter(NullFormatter())
