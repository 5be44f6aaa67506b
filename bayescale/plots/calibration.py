"""Calibration figure: PIT histogram and interval coverage against nominal."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure


def plot_calibration(calibration, bins: int = 10) -> Figure:
    """PIT values of held-out runs (flat when calibrated) and coverage against nominal (on the diagonal
    when calibrated), with a binomial band of ±2 standard errors; the verdict as the title."""
    figure, (pit_ax, cov_ax) = plt.subplots(1, 2, figsize=(10, 4))
    n = len(calibration.pit)
    pit_ax.hist(calibration.pit, bins=np.linspace(0, 1, bins + 1), color="C0", alpha=0.8, label="held-out runs")
    pit_ax.axhline(n / bins, color="0.3", ls="--", lw=1, label="calibrated")
    pit_ax.set_xlabel("PIT: predictive probability below the observed run")
    pit_ax.set_ylabel("runs")
    pit_ax.legend(frameon=False)
    nominal = np.linspace(0.01, 0.99, 99)
    band = 2 * np.sqrt(nominal * (1 - nominal) / max(n, 1))
    cov_ax.fill_between(nominal, nominal - band, nominal + band, color="0.85", label="±2 s.e. (binomial)")
    cov_ax.plot([0, 1], [0, 1], color="0.3", ls="--", lw=1)
    table = calibration.table
    cov_ax.plot(table["nominal"], table["coverage"], "o-", color="C1", label="observed coverage")
    cov_ax.set_xlabel("nominal interval")
    cov_ax.set_ylabel("fraction of held-out runs inside")
    cov_ax.set_xlim(0, 1)
    cov_ax.set_ylim(0, 1)
    cov_ax.legend(frameon=False, loc="upper left")
    figure.suptitle(calibration.verdict, fontsize=9)
    figure.tight_layout()
    return figure
