"""Comparison with groups and series: what one leave-one-out term scores, and how."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.special import logsumexp
from scipy.stats import multivariate_normal
from typer.testing import CliRunner

import bayescale as bs
from bayescale.cli import app
from bayescale.comparison.calibration import distance_band
from bayescale.comparison.loo import in_sample_density, leave_out_refits, loo
from bayescale.comparison.sequential import unit_scale
from bayescale.comparison.units import Units, choose_units
from bayescale.structure import scale_coordinate
from tests.conftest import CHINCHILLA_TRUTH

TINY = {"draws": 200, "tune": 300, "chains": 2, "remedies": False, "allow_unconverged": True}  # short chains on purpose
GROUP_E = {"a": 1.7, "b": 1.85, "c": 2.0}


def law_loss(params: np.ndarray, tokens: np.ndarray, E: float | np.ndarray) -> np.ndarray:
    t = CHINCHILLA_TRUTH
    return E + t["A_raw"] / params ** t["alpha"] + t["B_raw"] / tokens ** t["beta"]


def simulate_series(seed: int = 0) -> pd.DataFrame:
    """Six model sizes, five token counts each; the runs of one size share a 2% offset."""
    rng = np.random.default_rng(seed)
    params = np.repeat(np.geomspace(4e7, 4e9, 6), 5)
    tokens = params * np.tile(np.geomspace(5, 200, 5), 6)
    size = np.repeat(np.arange(6), 5)
    noise = 0.02 * rng.standard_normal(6)[size] + 0.01 * rng.standard_normal(len(size))
    loss = law_loss(params, tokens, CHINCHILLA_TRUTH["E"]) * np.exp(noise)
    return pd.DataFrame({"params": params, "tokens": tokens, "loss": loss, "model": [f"m{i}" for i in size]})


def simulate_groups(seed: int = 0) -> pd.DataFrame:
    """Three datasets of ten runs each, differing in their irreducible loss E."""
    rng = np.random.default_rng(seed)
    params = np.tile(np.repeat(np.geomspace(4e7, 4e9, 5), 2), 3)
    tokens = params * np.tile([10.0, 100.0], 15)
    dataset = np.repeat(list(GROUP_E), 10)
    E = np.array([GROUP_E[d] for d in dataset])
    loss = law_loss(params, tokens, E) * np.exp(0.01 * rng.standard_normal(len(params)))
    return pd.DataFrame({"params": params, "tokens": tokens, "loss": loss, "dataset": dataset})


@pytest.fixture(scope="module")
def series_runs() -> pd.DataFrame:
    return simulate_series()


@pytest.fixture(scope="module")
def series_fit(series_runs):
    # Normal noise: the joint density of a series is then a multivariate normal, checked below.
    return bs.fit("chinchilla", series_runs, series="model", likelihood="normal", seed=1, warn=False, **TINY)


@pytest.fixture(scope="module")
def group_runs() -> pd.DataFrame:
    return simulate_groups()


@pytest.fixture(scope="module")
def grouped_fit(group_runs):
    return bs.fit(
        "chinchilla", group_runs, groups="dataset", varying=["E"], uncertainty="iid", seed=2, warn=False, **TINY
    )


@pytest.fixture(scope="module")
def pooled_fit(group_runs):
    return bs.fit("chinchilla", group_runs, uncertainty="iid", seed=2, warn=False, **TINY)


def series_log_likelihood(fit) -> dict[str, np.ndarray]:
    """Each series' sum of its rows' pointwise log-likelihoods, per draw (chains stacked)."""
    loglik = fit.tree["log_likelihood"]["loss"].values.reshape(-1, len(fit.runs()))
    labels = fit.runs()["model"].to_numpy()
    return {name: loglik[:, labels == name].sum(axis=1) for name in pd.unique(labels)}


def test_series_are_scored_whole_by_default(series_fit):
    comparison = bs.compare([series_fit], reloo=False)
    assert comparison.unit == "series"
    assert comparison.table["unit"].iloc[0] == "series"
    result = comparison.loo["chinchilla"]
    assert list(result.elpd_i["series"].values) == [f"m{i}" for i in range(6)]
    assert "scored by series" in comparison.messages[0]
    by_run = bs.compare([series_fit], unit="run")
    assert by_run.unit == "run" and by_run.loo["chinchilla"].elpd_i.size == 30
    assert "optimistic" in by_run.messages[0]


def test_leave_one_series_out_is_psis_on_each_series_joint_density(series_fit):
    comparison = bs.compare([series_fit], reloo=False)
    result = comparison.loo["chinchilla"]
    sums = series_log_likelihood(series_fit)
    weights = result.log_weights.transpose("chain", "draw", "series").values.reshape(-1, 6)
    terms = []
    for i, name in enumerate(sums):
        lw = weights[:, i]
        # Outside the smoothed tail the PSIS weights are the raw ones, 1 / p(series | draw): the
        # weights were built on the series' summed log-likelihood, not on any single row.
        raw = -sums[name]
        body = raw < np.quantile(raw, 0.5)
        assert np.ptp((lw - raw)[body]) < 1e-8
        terms.append(logsumexp(lw + sums[name]) - logsumexp(lw))
    np.testing.assert_allclose(result.elpd_i.values, terms, atol=1e-8)
    assert comparison.table["elpd_loo"].iloc[0] == pytest.approx(sum(terms), abs=1e-8)


def test_a_series_row_terms_sum_to_its_joint_density(series_fit):
    """The row terms are conditional on each row's predecessor, so their sum over a series is the
    series' joint density: here a multivariate normal with AR(1) correlation along the series."""
    fit = series_fit
    post = fit.posterior.stack(sample=("chain", "draw"))
    runs = fit.runs()
    coordinate = scale_coordinate(fit.law, {n: runs[n].to_numpy() for n in fit.law.input_names}, fit.scales)
    mean = fit.mean_draws(params=runs["params"].to_numpy(), tokens=runs["tokens"].to_numpy())
    sums = series_log_likelihood(fit)
    for draw in (0, 57, 311):
        for name in ("m0", "m3"):
            rows = np.flatnonzero(runs["model"].to_numpy() == name)
            rows = rows[np.argsort(coordinate[rows])]
            offset = float(post["series_offset"][draw] * post["series_z"].sel(series=name)[draw])
            sigma, length = float(post["sigma"][draw]), float(post["series_length"][draw])
            rho = np.minimum(np.exp(-np.diff(coordinate[rows]) / length), 0.995)
            chain = np.concatenate([[1.0], np.cumprod(rho)])
            correlation = np.minimum.outer(chain, chain) / np.maximum.outer(chain, chain)
            location = np.log(mean[draw, rows]) + offset
            joint = multivariate_normal(location, sigma**2 * correlation).logpdf(np.log(runs["loss"].to_numpy()[rows]))
            assert sums[name][draw] == pytest.approx(joint, abs=1e-6)


def test_series_with_bad_k_are_refitted_without_the_series(series_fit):
    comparison = bs.compare([series_fit])  # series: exact refits where Pareto k is too high
    result = comparison.loo["chinchilla"]
    n_bad = int(comparison.table["n_bad_k"].iloc[0])
    assert n_bad >= 1 and "recomputed by exact refits" in comparison.messages[1]
    assert int((result.pareto_k.values == 0.0).sum()) == n_bad
    units = choose_units({"chinchilla": series_fit})
    # p_loo follows the refitted terms: in-sample density minus leave-one-out density.
    assert result.p == pytest.approx(float(in_sample_density(series_fit, units).sum() - result.elpd), abs=1e-8)
    (refit,) = leave_out_refits(series_fit, units, np.array([0]))
    assert "m0" not in set(refit.runs()["model"]) and len(refit.runs()) == 25
    # The refit keeps m0's offset coordinate, but no row informs it: its draws are the prior's N(0, 1)
    # (400 draws: Monte Carlo error of the mean about 0.07, of the sd about 0.05).
    z = refit.posterior["series_z"].sel(series="m0").values.reshape(-1)
    assert abs(z.mean()) < 0.3 and 0.75 < z.std() < 1.25


def test_leave_one_group_out_predicts_each_group_as_a_new_one(grouped_fit, pooled_fit):
    comparison = bs.compare({"partial": grouped_fit, "complete": pooled_fit}, unit="group")
    table = comparison.table
    assert comparison.unit == "group" and (table["unit"] == "group").all()
    assert list(comparison.loo["partial"].elpd_i["group"].values) == ["a", "b", "c"]
    assert (comparison.loo["partial"].pareto_k.values == 0.0).all()  # every group by an exact refit
    # Groups differ by 0.15 in E (8% of the loss) against 1% noise: one law for all predicts badly.
    assert table.index[0] == "partial"
    assert table.loc["complete", "elpd_diff"] < -2 * table.loc["complete", "dse"]
    assert "scored by group" in comparison.messages[0]


def test_leave_one_group_out_refits_never_see_the_group(grouped_fit):
    units = Units("group", grouped_fit.runs()["dataset"].to_numpy())
    refits = leave_out_refits(grouped_fit, units, np.arange(3))
    for name, refit in zip(units.names, refits, strict=True):
        assert name not in set(refit.runs()["dataset"]) and len(refit.runs()) == 20
        assert refit.groups == ("a", "b", "c")  # coordinates kept, so the compiled model is reused
        # No run informs the left-out group's offset: it keeps its N(0, 1) prior (400 draws: Monte
        # Carlo error of the mean about 0.07, of the sd about 0.05), so its E is a new group's.
        z = refit.posterior["E_z"].sel(group=name).values.reshape(-1)
        assert abs(z.mean()) < 0.3 and 0.75 < z.std() < 1.25
        E = refit.posterior["E"].stack(sample=("chain", "draw"))
        seen = [float(E.sel(group=g).std()) for g in units.names if g != name]
        assert float(E.sel(group=name).std()) > 3 * max(seen)  # ten runs with 1% noise pin a seen group's E


def test_compare_pooling_scores_three_ways_on_the_same_runs(group_runs):
    comparison = bs.compare_pooling(
        "chinchilla", group_runs, groups="dataset", varying=["E"], unit="run", uncertainty="iid", seed=3, **TINY
    )
    table = comparison.table
    assert set(table.index) == {"separate", "partial", "complete"} and (table["unit"] == "run").all()
    assert comparison.loo["separate"].elpd_i.size == 30 and set(comparison.separate) == {"a", "b", "c"}
    assert np.isfinite(table["elpd_loo"]).all() and table["weight"].sum() == pytest.approx(1.0)
    # Same runs, same unit: the separate row is the sum of each group's own PSIS-LOO terms.
    # (by run no term is refitted unless asked, so the sums agree exactly).
    own = sum(loo(f).elpd for f in comparison.separate.values())
    assert table.loc["separate", "elpd_loo"] == pytest.approx(own, abs=1e-8)
    assert table.loc["complete", "elpd_diff"] < -2 * table.loc["complete", "dse"]


def test_compare_pooling_by_group_with_held_out_runs(group_runs):
    comparison = bs.compare_pooling(
        "chinchilla",
        group_runs,
        groups="dataset",
        varying=["E"],
        unit="group",
        holdout="params > 1e9",
        uncertainty="iid",
        seed=3,
        **TINY,
    )
    table = comparison.table
    assert (table["unit"] == "group").all()
    assert (
        np.isnan(table.loc["separate", "elpd_loo"])
        and np.isfinite(table.loc[["partial", "complete"], "elpd_loo"]).all()
    )
    assert (table["n_holdout"] == 12).all() and np.isfinite(table["elpd_holdout"]).all()
    assert len(comparison.holdout_scores["separate"]) == 12
    assert table.loc["partial", "rank_holdout"] < table.loc["complete", "rank_holdout"]
    assert table["coverage_90"].between(0, 1).all()


def test_holdout_scores_each_run_for_its_own_group(grouped_fit, group_runs):
    own = bs.calibration(grouped_fit, group_runs)
    new = bs.calibration(grouped_fit, group_runs.drop(columns="dataset"))
    error = {
        k: np.median(np.abs(c.scores["median"] / c.scores["observed"] - 1)) for k, c in (("own", own), ("new", new))
    }
    # Known groups sit on their own E (1% noise); a new group's median is the population's, 8% off
    # for two of the three groups.
    assert error["own"] < 0.015 and error["new"] > 3 * error["own"]
    assert (own.scores["dataset"] == group_runs["dataset"]).all()


def test_calibration_by_distance(grouped_fit, group_runs):
    larger = group_runs.assign(params=group_runs["params"] * 1000, tokens=group_runs["tokens"] * 1000)
    larger = larger.assign(loss=law_loss(larger["params"], larger["tokens"], larger["dataset"].map(GROUP_E)))
    result = bs.calibration(grouped_fit, pd.concat([group_runs, larger], ignore_index=True))
    bands = result.by_distance
    assert bands.index[0] == "inside" and bands.loc["inside", "n_runs"] == 30
    assert bands["n_runs"].sum() == 60 and bands["median_distance"].is_monotonic_increasing
    assert {"coverage_50", "coverage_80", "coverage_90", "coverage_95"} <= set(bands.columns)
    # The fitted runs themselves: their 90% intervals cover nearly all (30 runs, binomial s.d. 0.055).
    assert bands.loc["inside", "coverage_90"] >= 0.8
    assert "inside" in repr(result)
    labels = distance_band(np.array([0.0, 0.1, 0.25, 0.3, 0.9, 2.0]))
    assert list(labels) == ["inside", "0-0.25 dex", "0-0.25 dex", "0.25-0.5 dex", "0.5-1 dex", ">1 dex"]


def test_sequential_comparison_moves_series_whole(series_fit, series_runs):
    labels = series_runs["model"].to_numpy()
    scale = (6 * series_runs["params"] * series_runs["tokens"]).to_numpy()
    largest = unit_scale(scale, Units("series", labels))
    for name in pd.unique(labels):
        assert (largest[labels == name] == scale[labels == name].max()).all()
    table = bs.compare_sequential([series_fit], runs=series_runs, steps=2, bin_dex=0.5, seed=1)
    assert list(table["step"]) == [1, 2]
    # Five rows per series: a split series would leave a count that is not a multiple of five.
    assert (table["n_fit"] % 5 == 0).all() and (table["n_scored"] % 5 == 0).all()
    assert table["n_fit"].is_monotonic_increasing and (table["n_fit"] + table["n_scored"] <= 30).all()


def test_compare_command_by_group(tmp_path, group_runs):
    path = tmp_path / "runs.csv"
    group_runs.to_csv(path, index=False)
    base = ["compare", str(path), "--laws", "chinchilla", "--uncertainty", "iid", "--json"]
    sampler = ["--draws", "200", "--tune", "300", "--chains", "2"]
    result = CliRunner().invoke(app, [*base, "--group", "dataset", "--vary", "E", "--unit", "group", *sampler])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["chinchilla"]["unit"] == "group" and np.isfinite(document["chinchilla"]["elpd_loo"])
    bad = CliRunner().invoke(app, [*base, "--pooling", "--group", "dataset"])
    assert bad.exit_code == 2 and "--vary" in bad.output
    wrong_unit = CliRunner().invoke(app, [*base, "--unit", "groups", *sampler])
    assert wrong_unit.exit_code == 2 and "unit=" in wrong_unit.output
