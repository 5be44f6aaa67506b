"""Real data: Epoch AI's 240 Chinchilla runs reproduce their refit (SOURCE.md in ../shared/data/chinchilla).

Tolerances: two posterior standard deviations, as the posterior itself says how precisely
the data pin each number down.
"""

import numpy as np
import pandas as pd
import pytest

import bayescale as bs
from tests.conftest import SHARED_DATA, needs_shared_data

EPOCH_REFIT = {"alpha": 0.348, "beta": 0.366, "E": 1.817}


@pytest.fixture(scope="module")
def epoch_fit():
    runs = pd.read_csv(SHARED_DATA / "chinchilla" / "runs.csv").query("not epoch_excluded")
    return bs.fit("chinchilla", runs, seed=2024, warn=False)


@needs_shared_data
@pytest.mark.parametrize("name", sorted(EPOCH_REFIT))
def test_posterior_median_within_two_sd_of_epoch(epoch_fit, name):
    draws = epoch_fit.posterior[name].values.ravel()
    assert abs(np.median(draws) - EPOCH_REFIT[name]) < 2 * draws.std(), (name, np.median(draws), draws.std())


@needs_shared_data
def test_chinchilla_70b_prediction(epoch_fit):
    row = epoch_fit.predict(params=70e9, tokens=1.4e12).iloc[0]
    assert 1.93 <= row["median"] <= 2.02
    assert row["lower"] < 1.973 < row["upper"]  # Epoch's point prediction (SOURCE.md)


@needs_shared_data
def test_sampling_is_healthy_on_real_runs(epoch_fit):
    assert epoch_fit.diagnostics.ok, epoch_fit.diagnostics.report()


@needs_shared_data
def test_shipped_dataset_is_the_shared_table():
    shared = pd.read_csv(SHARED_DATA / "chinchilla" / "runs.csv")
    pd.testing.assert_frame_equal(bs.datasets.load("chinchilla"), shared, check_like=False)
