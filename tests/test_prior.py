"""Prior predictive draws: in range, reproducible, honouring fixed parameters."""

import numpy as np

import bayescale as bs

POINTS = {"params": [1e8, 1e9, 7e10], "tokens": [2e9, 2e10, 1.4e12]}


def test_prior_predictive_losses_are_positive_and_reproducible():
    a = bs.prior_predictive("chinchilla", POINTS, draws=400, seed=3)
    b = bs.prior_predictive("chinchilla", POINTS, draws=400, seed=3)
    np.testing.assert_array_equal(a["loss"]["new_run"], b["loss"]["new_run"])
    assert a["loss"]["mean"].shape == (400, 3)
    assert (a["loss"]["mean"] > 0).all() and np.isfinite(a["loss"]["new_run"]).all()
    # more parameters and tokens never raise the loss in any prior draw
    assert (np.diff(a["loss"]["mean"], axis=1) < 0).all()


def test_fixed_parameter_is_used_in_every_draw():
    low = bs.prior_predictive("chinchilla", POINTS, draws=200, seed=1, fixed={"E": 1.69})["loss"]["mean"]
    high = bs.prior_predictive("chinchilla", POINTS, draws=200, seed=1, fixed={"E": 2.69})["loss"]["mean"]
    np.testing.assert_allclose(high - low, 1.0)
    assert (low > 1.69).all()
