"""Fitting, prediction, save/load and diagnostics on simulated runs."""

import ast
import json
import os
import subprocess
import sys
import warnings

import arviz_stats
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import stats

import bayescale as bs
from bayescale import sampling
from tests import saved_fits
from tests.conftest import CHINCHILLA_TRUTH, simulate_chinchilla


def test_recovers_known_chinchilla_parameters(fresh_fit):
    table = fresh_fit.summary(interval=0.94)
    for name, truth in CHINCHILLA_TRUTH.items():
        assert table.loc[name, "lower"] < truth < table.loc[name, "upper"], (name, truth, table.loc[name])
    assert fresh_fit.diagnostics.divergences == 0


def test_tree_holds_posterior_loglik_and_data(fresh_fit, simulated_runs):
    tree = fresh_fit.tree
    assert {"posterior", "sample_stats", "log_likelihood", "observed_data", "constant_data"} <= set(tree.children)
    assert tree["log_likelihood"]["loss"].shape == (2, 300, len(simulated_runs))
    np.testing.assert_allclose(tree["constant_data"]["params"].values, simulated_runs["params"])
    assert np.isfinite(tree["log_likelihood"]["loss"].values).all()


def test_log_prior_group_holds_each_priors_density_at_the_draws(fresh_fit):
    log_prior = fresh_fit.tree["log_prior"]
    assert set(log_prior.data_vars) == {"E", "A", "alpha", "B", "beta", "sigma"}
    alpha = fresh_fit.posterior["alpha"].values
    expected = stats.lognorm.logpdf(alpha, s=0.6, scale=0.3)  # the law file's prior on alpha
    np.testing.assert_allclose(log_prior["alpha"].values, expected, rtol=1e-9)
    sensitivity = arviz_stats.psense_summary(fresh_fit.tree)  # power-scaling works on a fit as it is
    assert np.isfinite(sensitivity.loc["alpha", ["prior", "likelihood"]].astype(float)).all()


def test_same_seed_same_draws(simulated_runs):
    a = bs.fit("chinchilla", simulated_runs, draws=100, tune=100, chains=2, seed=7, warn=False)
    b = bs.fit("chinchilla", simulated_runs, draws=100, tune=100, chains=2, seed=7, warn=False)
    c = bs.fit("chinchilla", simulated_runs, draws=100, tune=100, chains=2, seed=8, warn=False)
    xr.testing.assert_equal(a.posterior, b.posterior)
    assert not np.array_equal(a.posterior["alpha"].values, c.posterior["alpha"].values)


FRESH_PROCESS_FIT = """
import sys
import pandas as pd
import bayescale as bs
runs = pd.read_csv(sys.argv[1])
fit = bs.fit("chinchilla", runs, draws=100, tune=100, chains=2, seed=7, warn=False)
print(repr(fit.posterior["alpha"].values[:, -5:].tolist()))
"""


def test_same_seed_same_draws_on_a_machine_that_never_compiled_the_model(simulated_runs, tmp_path):
    # The first process compiles everything afresh into an empty PyTensor cache; the second
    # loads the same functions from that disk cache. Both must give the same draws.
    simulated_runs.to_csv(tmp_path / "runs.csv", index=False)
    env = {**os.environ, "PYTENSOR_FLAGS": f"base_compiledir={tmp_path / 'pytensor'}"}
    fresh, cached = (
        subprocess.run(
            [sys.executable, "-c", FRESH_PROCESS_FIT, str(tmp_path / "runs.csv")],
            env=env, capture_output=True, text=True, check=True,
        ).stdout.strip().splitlines()[-1]
        for _ in range(2)
    )  # fmt: skip
    np.testing.assert_array_equal(np.array(ast.literal_eval(fresh)), np.array(ast.literal_eval(cached)))


def test_refit_on_new_data_reuses_the_compiled_model(fresh_fit):
    key = sampling.cache_key(fresh_fit.spec)
    compiled_before = sampling._compiled[key]
    other = simulate_chinchilla(seed=99).iloc[:40]
    refit = bs.fit(
        "chinchilla", other, draws=100, tune=100, chains=2, seed=1, warn=False, remedies=False, allow_unconverged=True
    )
    assert sampling.cache_key(refit.spec) == key
    assert sampling._compiled[key] is compiled_before
    assert refit.tree["log_likelihood"]["loss"].shape[-1] == 40


@pytest.mark.parametrize("name", sorted(saved_fits.RECIPES))
def test_saved_test_fits_are_what_the_engine_makes_now(name, fresh_fit):
    """The saved fits other tests load are current: same groups, variables and dims, and each
    parameter's mean within 5 Monte Carlo standard errors of a fresh fit's (the draws may differ
    in the last digits between machines). Regenerate with ``python scripts/make_test_fits.py``."""
    saved = saved_fits.load(name)
    fresh = fresh_fit if name == "quick_fit" else saved_fits.RECIPES[name].make()
    assert set(saved.tree.children) == set(fresh.tree.children), "run scripts/make_test_fits.py"
    for group in fresh.tree.children:
        old, new = saved.tree[group].to_dataset(), fresh.tree[group].to_dataset()
        assert {v: old[v].dims for v in old.data_vars} == {v: new[v].dims for v in new.data_vars}, group
    assert saved.spec.key() == fresh.spec.key() and saved.settings == fresh.settings
    saved_mcse = arviz_stats.mcse(saved.tree, group="posterior", method="mean")
    fresh_mcse = arviz_stats.mcse(fresh.tree, group="posterior", method="mean")
    for variable in fresh.spec.law.params:
        if variable not in fresh.posterior:
            continue
        gap = abs(saved.posterior[variable].mean(("chain", "draw")) - fresh.posterior[variable].mean(("chain", "draw")))
        allowed = 5 * np.hypot(saved_mcse[variable], fresh_mcse[variable])
        assert (gap <= allowed).all(), (name, variable, gap.values, allowed.values)


def test_predict_scalar_gives_ordered_intervals(quick_fit):
    row = quick_fit.predict(params=70e9, tokens=1.4e12, interval=0.9).iloc[0]
    assert row["predictive_lower"] < row["lower"] < row["median"] < row["upper"] < row["predictive_upper"]
    truth = CHINCHILLA_TRUTH
    true_loss = truth["E"] + truth["A_raw"] / 70e9 ** truth["alpha"] + truth["B_raw"] / 1.4e12 ** truth["beta"]
    assert row["lower"] < true_loss < row["upper"]


def test_predict_is_vectorized_over_thousands_of_points(quick_fit):
    params = np.geomspace(1e8, 1e12, 5000)
    frame = quick_fit.predict(params=params, tokens=20 * params)
    assert len(frame) == 5000
    assert list(frame.columns) == [
        "params",
        "tokens",
        "median",
        "lower",
        "upper",
        "predictive_lower",
        "predictive_upper",
        "sd_params",
        "sd_discrepancy",
        "sd_noise",
        "distance",
    ]
    assert (np.diff(frame["median"]) < 0).all()  # more compute at 20 tokens/param, lower loss


def test_predict_accepts_a_table_with_user_column_names(simulated_runs):
    runs = simulated_runs.rename(columns={"params": "n"})
    result = bs.fit("chinchilla", runs, columns={"params": "n"}, draws=100, tune=200, chains=2, seed=2, warn=False)
    points = pd.DataFrame({"n": [1e9, 1e10], "tokens": [2e10, 2e11]})
    frame = result.predict(points)
    assert frame["params"].tolist() == [1e9, 1e10]


def test_predict_rejects_bad_inputs(quick_fit):
    with pytest.raises(bs.BayescaleInputError, match="missing tokens"):
        quick_fit.predict(params=1e9)
    with pytest.raises(bs.BayescaleInputError, match="'params' must be finite and positive"):
        quick_fit.predict(params=-1.0, tokens=1e9)
    with pytest.raises(bs.BayescaleInputError, match="interval=1.5"):
        quick_fit.predict(params=1e9, tokens=1e9, interval=1.5)


def test_save_load_round_trip_is_lossless(quick_fit, tmp_path):
    path = quick_fit.save(tmp_path / "fit.nc")
    loaded = bs.load_fit(path)
    for group in ("posterior", "sample_stats", "log_likelihood", "observed_data", "constant_data"):
        xr.testing.assert_identical(loaded.tree[group].to_dataset(), quick_fit.tree[group].to_dataset())
    assert loaded.columns == quick_fit.columns and loaded.scales == quick_fit.scales
    assert loaded.spec.key() == quick_fit.spec.key()
    pd.testing.assert_frame_equal(
        loaded.predict(params=7e10, tokens=1.4e12), quick_fit.predict(params=7e10, tokens=1.4e12)
    )
    pd.testing.assert_frame_equal(loaded.summary(), quick_fit.summary())


def test_fixed_tied_and_priors_are_applied_and_saved(simulated_runs, tmp_path):
    prior = bs.Prior("LogNormal", mu=np.log(0.36), sigma=0.1)
    result = bs.fit(
        "chinchilla",
        simulated_runs,
        fixed={"E": 1.8},
        tied={"beta": "alpha"},
        priors={"alpha": prior},
        draws=200,
        tune=300,
        chains=2,
        seed=3,
        warn=False,
    )
    post = result.posterior
    assert np.all(post["E"].values == 1.8)
    np.testing.assert_array_equal(post["beta"].values, post["alpha"].values)
    assert result.summary().loc["E", "status"] == "fixed"
    meta = json.loads(bs.load_fit(result.save(tmp_path / "f.nc")).tree.attrs["bayescale"])
    assert meta["spec"]["fixed"] == {"E": 1.8} and meta["spec"]["tied"] == {"beta": "alpha"}
    assert meta["spec"]["priors"]["alpha"] == prior.to_dict()


def test_bad_fit_arguments_are_named(simulated_runs):
    with pytest.raises(bs.BayescaleInputError, match="fixed= names gamma"):
        bs.fit("chinchilla", simulated_runs, fixed={"gamma": 1.0})
    with pytest.raises(bs.BayescaleInputError, match="likelihood='cauchy'"):
        bs.fit("chinchilla", simulated_runs, likelihood="cauchy")
    with pytest.raises(bs.BayescaleInputError, match="draws=0"):
        bs.fit("chinchilla", simulated_runs, draws=0)


def test_normal_likelihood_option(simulated_runs):
    result = bs.fit(
        "chinchilla", simulated_runs, likelihood="normal", draws=200, tune=300, chains=2, seed=4, warn=False
    )
    assert result.spec.noise.family == "normal"
    assert result.summary().loc["alpha", "lower"] < CHINCHILLA_TRUTH["alpha"] < result.summary().loc["alpha", "upper"]


def test_sampler_trouble_is_reported_in_plain_words(simulated_runs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = bs.fit("chinchilla", simulated_runs, draws=30, tune=30, chains=2, seed=1, allow_unconverged=True)
    messages = [str(w.message) for w in caught if issubclass(w.category, bs.SamplingWarning)]
    assert not result.diagnostics.ok
    assert len(messages) == 1, "one summary per fit"
    assert messages[0].startswith(f"Worst parameter: {result.diagnostics.worst} ")
    assert "effective draws" in messages[0].lower() and "Done: reran with" in messages[0]
    assert "Try: longer chains: 60 draws in all" in messages[0]
    assert result.diagnostics.report() == "\n".join(result.diagnostics.problems)


def test_pymc_sampler_fallback_gives_the_same_posterior_shape(simulated_runs):
    result = bs.fit(
        "chinchilla", simulated_runs, sampler="pymc", draws=200, tune=300, chains=2, seed=5, warn=False, remedies=False
    )
    assert result.posterior["alpha"].shape == (2, 200)
    assert result.summary().loc["alpha", "lower"] < CHINCHILLA_TRUTH["alpha"] < result.summary().loc["alpha", "upper"]


def test_model_is_a_real_pymc_model(fresh_fit):
    model = fresh_fit.model
    assert {"E", "A", "alpha", "B", "beta", "sigma", "loss"} <= set(model.named_vars)
    assert model["params"].get_value().shape == (60,)


def test_fit_and_spec_pickle_for_worker_processes(quick_fit):
    import pickle

    clone = pickle.loads(pickle.dumps(quick_fit))
    xr.testing.assert_equal(clone.posterior, quick_fit.posterior)
    assert clone.spec.key() == quick_fit.spec.key()
    assert pickle.loads(pickle.dumps(quick_fit.spec)).key() == quick_fit.spec.key()
    pd.testing.assert_frame_equal(clone.predict(params=1e10, tokens=2e11), quick_fit.predict(params=1e10, tokens=2e11))


@pytest.mark.parametrize("init", ["jitter", "modes"])
def test_callback_backend_gives_the_same_draws_as_numba(simulated_runs, init):
    # Both backends evaluate the same PyTensor function; only the way nutpie calls it differs,
    # so the optimizer that places the chains near the modes finds the same starts too.
    settings = dict(draws=100, tune=100, chains=2, seed=3, warn=False, init=init, remedies=False,
                    allow_unconverged=True)  # fmt: skip
    numba = bs.fit("chinchilla", simulated_runs, backend="numba", **settings)
    callback = bs.fit("chinchilla", simulated_runs, backend="callback", **settings)
    for name in ("E", "alpha", "A_raw", "sigma"):
        np.testing.assert_array_equal(numba.posterior[name].values, callback.posterior[name].values)
    with pytest.raises(bs.BayescaleInputError, match="backend='jax'"):
        bs.fit("chinchilla", simulated_runs, backend="jax")


def test_callback_starts_depend_only_on_the_seed_when_chains_ask_at_once(simulated_runs):
    """nutpie asks for each chain's start from its own thread. PyMC's jittered start reseeds
    shared generators and then draws, so without a lock concurrent calls crash or swap starts."""
    from concurrent.futures import ThreadPoolExecutor

    from bayescale.model import ModelSpec, model_data, resolve_scales

    law = bs.get_law("chinchilla")
    runs = bs.load_runs(simulated_runs, law)
    spec = ModelSpec.create(law)
    compiled = sampling.compiled_model(spec, model_data(spec, runs, resolve_scales(law, runs)), "callback")
    start = compiled._make_initial_points  # the function nutpie calls per chain
    seeds = range(200)
    serial = [np.asarray(start(s)) for s in seeds]
    with ThreadPoolExecutor(8) as pool:
        concurrent = [np.asarray(p) for p in pool.map(start, seeds)]
    assert all(np.array_equal(a, b) for a, b in zip(serial, concurrent, strict=True))


def test_draws_without_sample_statistics_are_the_same_draws(simulated_runs):
    """Leave-future-out refits skip converting nutpie's sample statistics; the posterior's draws,
    dims and coords must be what the full conversion gives, with a group dimension too."""
    from bayescale.model import ModelSpec, model_data, resolve_scales

    law = bs.get_law("chinchilla")
    grouped = simulated_runs.assign(dataset=np.where(np.arange(len(simulated_runs)) % 2, "web", "code"))
    settings = sampling.SamplerSettings(draws=50, tune=50, chains=2, seed=4)
    for spec, groups in ((ModelSpec.create(law), None), (ModelSpec.create(law, varying=["E"]), "dataset")):
        runs = bs.load_runs(grouped, law, groups=groups)
        data = model_data(spec, runs, resolve_scales(law, runs))
        full = sampling.sample_posterior(spec, data, settings)
        draws_only = sampling.sample_posterior(spec, data, settings, statistics=False)
        assert list(draws_only.children) == ["posterior"]
        # equal, not identical: the attributes hold a creation time
        xr.testing.assert_equal(full["posterior"].to_dataset(), draws_only["posterior"].to_dataset())
