"""Figures: each function returns its matplotlib Axes or Figure so it can be restyled."""

from bayescale.plots.calibration import plot_calibration
from bayescale.plots.comparison import plot_compare
from bayescale.plots.decisions import plot_frontier, plot_isoflop
from bayescale.plots.extrapolation import plot_extrapolation
from bayescale.plots.posterior import plot_posterior

__all__ = [
    "plot_calibration",
    "plot_compare",
    "plot_extrapolation",
    "plot_frontier",
    "plot_isoflop",
    "plot_posterior",
]
