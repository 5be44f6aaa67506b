"""Small saved fits for tests that only need a fit: how each is made, and loading it.

The files live in ``tests/data``; ``python scripts/make_test_fits.py`` writes them again.
``tests/test_fit.py`` refits each and checks the saved one is still what the engine makes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

import bayescale as bs
from tests.conftest import CHINCHILLA_TRUTH, simulate_chinchilla

DATA = Path(__file__).resolve().parent / "data"

# Three datasets: pile has a higher floor and a larger data term than c4 (web in between).
GROUP_TRUTHS = {
    "c4": dict(CHINCHILLA_TRUTH),
    "pile": dict(CHINCHILLA_TRUTH, E=1.9, B_raw=3000.0),
    "web": dict(CHINCHILLA_TRUTH, E=1.85, B_raw=2400.0),
}


def grouped_runs() -> pd.DataFrame:
    """60 simulated runs per dataset, each dataset with its own truth."""
    frames = [simulate_chinchilla(seed=i, truth=t).assign(dataset=g) for i, (g, t) in enumerate(GROUP_TRUTHS.items())]
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class Recipe:
    """A saved fit's law, runs and the ``bs.fit`` settings that make it."""

    law: str
    runs: Callable[[], pd.DataFrame]
    settings: dict = field(default_factory=dict)

    def make(self) -> bs.Fit:
        return bs.fit(self.law, self.runs(), warn=False, **self.settings)


SHORT = {"draws": 300, "tune": 300, "chains": 2, "remedies": False}
RECIPES = {
    "quick_fit": Recipe("chinchilla", simulate_chinchilla, {**SHORT, "seed": 11}),
    "grouped_fit": Recipe(
        "chinchilla",
        grouped_runs,
        {
            "groups": "dataset",
            "varying": ["E", "B"],
            "uncertainty": "iid",
            **SHORT,
            "draws": 200,
            "seed": 1,
            "allow_unconverged": True,
        },
    ),  # fmt: skip
}


def path(name: str) -> Path:
    return DATA / f"{name}.nc"


def load(name: str) -> bs.Fit:
    """A saved fit, loaded as a user would load it."""
    return bs.load_fit(path(name))
