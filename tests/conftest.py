"""Shared fixtures: real data from ../shared/data when present, simulated runs otherwise."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

needs_shared_data = pytest.mark.skipif(
    not SHARED_DATA.is_dir(), reason=f"real-data test: {SHARED_DATA} is not on this machine"
)

CHINCHILLA_TRUTH = {"E": 1.8, "A_raw": 480.0, "B_raw": 2000.0, "alpha": 0.35, "beta": 0.37}


def simulate_chinchilla(seed: int = 0, noise: float = 0.02, truth: dict | None = None) -> pd.DataFrame:
    """Runs on a realistic grid (40M-16B parameters, 5-200 tokens per parameter) with log-normal noise."""
    t = truth or CHINCHILLA_TRUTH
    rng = np.random.default_rng(seed)
    params = np.repeat(np.geomspace(4e7, 1.6e10, 12), 5)
    tokens = params * np.tile(np.geomspace(5, 200, 5), 12)
    mean = t["E"] + t["A_raw"] / params ** t["alpha"] + t["B_raw"] / tokens ** t["beta"]
    loss = mean * np.exp(noise * rng.standard_normal(len(mean)))
    return pd.DataFrame({"params": params, "tokens": tokens, "loss": loss})


@pytest.fixture(scope="session")
def simulated_runs() -> pd.DataFrame:
    return simulate_chinchilla()


@pytest.fixture(scope="session")
def quick_fit():
    """A short saved fit of :func:`simulate_chinchilla`'s runs, for tests that only need a Fit."""
    from tests.saved_fits import load

    return load("quick_fit")


@pytest.fixture(scope="session")
def fresh_fit():
    """The same fit as ``quick_fit``, made in this process (for tests of fitting itself)."""
    from tests.saved_fits import RECIPES

    return RECIPES["quick_fit"].make()


@pytest.fixture(scope="session")
def tiny_runs() -> pd.DataFrame:
    """20 simulated runs: every third of :func:`simulate_chinchilla`'s grid."""
    return simulate_chinchilla().iloc[::3].reset_index(drop=True)


@pytest.fixture(scope="session")
def tiny_fit_file(tmp_path_factory, tiny_runs) -> Path:
    """One small saved fit (2 chains x 100 draws on 20 runs), for tests that need a file, not a good posterior."""
    import bayescale as bs

    path = tmp_path_factory.mktemp("tiny_fit") / "fit.nc"
    bs.fit("chinchilla", tiny_runs, draws=100, tune=100, chains=2, seed=3, warn=False).save(path)
    return path
