"""Model comparison: PSIS-LOO, held-out and sequential extrapolation, stacking, calibration."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import bayescale as bs
from bayescale.cli import app
from bayescale.comparison.holdout import holdout_mask
from bayescale.comparison.loo import exact_loo, loo
from bayescale.comparison.refit import refit_task, run_refits
from bayescale.comparison.stacking import stacking_weights
from tests.conftest import simulate_chinchilla

SHORT = {"draws": 300, "tune": 300, "chains": 2}


@pytest.fixture(scope="module")
def runs() -> pd.DataFrame:
    return simulate_chinchilla(seed=4)


@pytest.fixture(scope="module")
def comparison(runs):
    return bs.compare(["chinchilla", "kaplan"], runs=runs, holdout="flops >= 1e21", seed=2, **SHORT)


def test_loo_prefers_the_law_that_generated_the_runs(comparison):
    table = comparison.table
    assert table.index[0] == "chinchilla"
    # Kaplan's law has no irreducible loss: far worse, many standard errors of the difference away.
    assert table.loc["kaplan", "elpd_diff"] < -4 * table.loc["kaplan", "dse"]
    assert table["weight"].sum() == pytest.approx(1.0)
    assert table.loc["chinchilla", "weight"] > 0.9
    assert (table["n_bad_k"] == 0).all()


def test_holdout_scores_the_runs_beyond_the_rule(comparison, runs):
    table = comparison.table
    held = int((6 * runs["params"] * runs["tokens"] >= 1e21).sum())
    assert (table["n_holdout"] == held).all()
    assert table.loc["chinchilla", "median_abs_rel_error"] < table.loc["kaplan", "median_abs_rel_error"]
    assert table.loc["chinchilla", "elpd_holdout"] > table.loc["kaplan", "elpd_holdout"]
    assert table[["coverage_50", "coverage_90"]].apply(lambda c: c.between(0, 1)).all().all()
    assert len(comparison.holdout_scores["kaplan"]) == held


def test_holdout_rules(runs):
    frame = runs.assign(big=runs["params"] > 5e9)
    flops = 6 * frame["params"] * frame["tokens"]
    assert (holdout_mask(frame, "flops >= 1e21") == (flops >= 1e21)).all()
    assert (holdout_mask(frame, "big") == frame["big"]).all()
    largest = holdout_mask(frame, "largest 2 params")
    assert largest.sum() == 10 and frame.loc[largest, "params"].min() == np.sort(frame["params"].unique())[-2]
    with pytest.raises(bs.BayescaleInputError, match="columns"):
        holdout_mask(frame, "compute > 1e21")
    with pytest.raises(bs.BayescaleInputError, match="some runs to fit"):
        holdout_mask(frame, "flops > 0")
    with pytest.raises(bs.BayescaleInputError, match="one True/False per run"):
        holdout_mask(frame, np.ones(3, dtype=bool))


def test_fits_of_different_runs_are_refused(quick_fit, runs):
    other = bs.fit("chinchilla", runs.iloc[:40], seed=1, warn=False, **SHORT)
    with pytest.raises(bs.BayescaleInputError, match="same observations"):
        bs.compare([quick_fit, other])


def test_exact_refits_agree_with_psis_where_k_is_good(comparison):
    fit = comparison.fits["chinchilla"]
    psis = loo(fit)
    exact = exact_loo(fit, psis, np.array([0, 30]))
    # For well-behaved runs PSIS-LOO estimates the exact LOO term; both carry Monte Carlo error
    # of a few hundredths with 600 draws, so they agree to 0.1 nats.
    np.testing.assert_allclose(exact.elpd_i.values[[0, 30]], psis.elpd_i.values[[0, 30]], atol=0.1)
    assert exact.elpd == pytest.approx(float(exact.elpd_i.sum()))
    assert float(exact.pareto_k.values[0]) == 0.0


def test_reloo_refits_the_runs_psis_cannot_handle(runs, monkeypatch):
    from bayescale.comparison import loo as loo_module

    fitted = bs.fit("chinchilla", runs, seed=2, warn=False, **SHORT)
    k = np.asarray(loo(fitted).pareto_k)
    threshold = float(np.sort(k)[-3])  # pretend the three most influential runs are beyond PSIS
    monkeypatch.setattr(loo_module, "K_THRESHOLD", threshold - 1e-9)
    plain = bs.compare([fitted])
    assert plain.table["n_bad_k"].iloc[0] == 3
    assert "pass reloo=True" in plain.messages[0] and "3 run(s)" in plain.messages[0]
    refitted = bs.compare([fitted], reloo=True)
    assert "recomputed by exact refits" in refitted.messages[0]
    assert refitted.table["n_bad_k"].iloc[0] == 3  # counted before the refits, reported with them
    # Exact LOO terms replace PSIS ones for those runs only; the total moves by at most a few nats.
    assert refitted.table["elpd_loo"].iloc[0] == pytest.approx(plain.table["elpd_loo"].iloc[0], abs=3.0)
    assert refitted.table["elpd_loo"].iloc[0] != plain.table["elpd_loo"].iloc[0]


def test_sequential_comparison_steps_up_in_scale(runs):
    table = bs.compare_sequential(["chinchilla"], runs=runs, steps=3, seed=1, **SHORT)
    assert list(table["step"]) == [1, 2, 3]
    assert table["n_fit"].is_monotonic_increasing
    assert (table["distance_dex"] > 0).all()
    assert table["n_fit"].iloc[-1] + table["n_scored"].iloc[-1] <= len(runs)


def test_stacking_weights_pick_the_better_predictor():
    rng = np.random.default_rng(0)
    good = rng.normal(0.0, 0.1, 200)
    lpd = np.column_stack([good, good - 1.0])
    weights = stacking_weights(lpd)
    assert weights[0] > 0.99 and weights.sum() == pytest.approx(1.0)


def test_stack_predicts_as_a_weighted_mixture(comparison):
    only_chinchilla = bs.stack(comparison, weights=[1.0, 0.0])
    direct = comparison.fits["chinchilla"].predict(params=7e10, tokens=1.4e12)
    stacked = only_chinchilla.predict(params=7e10, tokens=1.4e12)
    # Same posterior, a random subset of its draws: medians agree to a small fraction of the interval.
    width = float(direct["upper"].iloc[0] - direct["lower"].iloc[0])
    assert abs(float(stacked["median"].iloc[0] - direct["median"].iloc[0])) < 0.1 * width
    loo_stack = bs.stack(comparison)
    assert loo_stack.weights["chinchilla"] > 0.9
    half = bs.stack(comparison, weights={"chinchilla": 1.0, "kaplan": 1.0}).predict(params=7e10, tokens=1.4e12)
    kaplan = comparison.fits["kaplan"].predict(params=7e10, tokens=1.4e12)
    # An even mixture spans both laws' predictions.
    assert half["lower"].iloc[0] <= min(direct["median"].iloc[0], kaplan["median"].iloc[0])
    assert half["upper"].iloc[0] >= max(direct["median"].iloc[0], kaplan["median"].iloc[0])
    holdout_stack = bs.stack(comparison, weights="holdout")
    assert sum(holdout_stack.weights.values()) == pytest.approx(1.0)
    with pytest.raises(bs.BayescaleInputError, match="one weight per fit"):
        bs.stack(comparison, weights=[1.0])


def test_calibration_verdicts(quick_fit):
    points = simulate_chinchilla(seed=9)[["params", "tokens"]]
    # Each run drawn from the fit's own posterior predictive (a new posterior draw per run) is
    # calibrated by construction: its PIT is uniform.
    draws = quick_fit.predictive(points, seed=5)["loss_new_run"].values.reshape(-1, len(points))
    which = np.random.default_rng(5).integers(len(draws), size=len(points))
    own = draws[which, np.arange(len(points))]
    honest = bs.calibration(quick_fit, points.assign(loss=own))
    assert list(honest.table["nominal"]) == [0.5, 0.8, 0.9, 0.95]
    assert honest.verdict.startswith("about right"), honest
    shifted = points.assign(loss=own * 1.08)  # 8% worse than the law: far outside 2% noise
    assert bs.calibration(quick_fit, shifted).verdict.startswith("overconfident")
    assert "too few" in bs.calibration(quick_fit, points.iloc[:5].assign(loss=2.0)).verdict


def test_refits_in_worker_processes_match_refits_here(quick_fit):
    task = refit_task(quick_fit, quick_fit.runs().iloc[:50], seed=5)
    here, there = run_refits([task], workers=1)[0], run_refits([task, task], workers=2)[0]
    np.testing.assert_array_equal(here.posterior["alpha"].values, there.posterior["alpha"].values)


def test_compare_command_from_runs(tmp_path, runs):
    path = tmp_path / "runs.csv"
    runs.to_csv(path, index=False)
    result = CliRunner().invoke(
        app,
        [
            "compare",
            str(path),
            "--laws",
            "chinchilla,kaplan",
            "--holdout",
            "flops>=1e21",
            "--json",
            "--draws",
            "200",
            "--tune",
            "200",
            "--chains",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) == {"chinchilla", "kaplan"}
    for key in ("elpd_loo", "se", "weight", "n_bad_k", "elpd_holdout", "coverage_90", "median_abs_rel_error"):
        assert key in document["chinchilla"]


def test_compare_command_of_saved_fits_and_bad_input(tmp_path, quick_fit):
    saved = quick_fit.save(tmp_path / "a.nc")
    result = CliRunner().invoke(app, ["compare", str(saved), str(saved), "--json"])
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.stdout)) == {"chinchilla", "chinchilla_2"}
    missing_laws = CliRunner().invoke(app, ["compare", str(tmp_path / "runs.csv")])
    assert missing_laws.exit_code == 2 and "--laws" in missing_laws.output


def test_compare_and_calibration_figures(comparison, runs, quick_fit):
    import matplotlib

    matplotlib.use("Agg")
    from bayescale.plots import plot_calibration, plot_compare
    from tests.test_plots import PIXEL_VARIANCE_FLOOR, pixel_variance

    steps = pd.DataFrame(
        {"law": ["chinchilla", "chinchilla", "kaplan", "kaplan"], "distance_dex": [0.2, 0.5, 0.2, 0.5],
         "median_abs_rel_error": [0.01, 0.02, 0.03, 0.05]}
    )  # fmt: skip
    figure = plot_compare(comparison, sequential=steps)
    elpd_ax, holdout_ax, steps_ax = figure.axes
    assert "elpd difference" in elpd_ax.get_xlabel()
    assert len(elpd_ax.get_yticklabels()) == 2
    assert len(holdout_ax.patches) == 2
    assert len(steps_ax.get_lines()) == 2
    assert pixel_variance(figure) > PIXEL_VARIANCE_FLOOR
    calibration = bs.calibration(quick_fit, runs)
    figure = plot_calibration(calibration)
    pit_ax, cov_ax = figure.axes
    assert sum(p.get_height() for p in pit_ax.patches) == len(runs)
    assert cov_ax.get_xlabel() == "nominal interval"
    assert calibration.verdict in figure._suptitle.get_text()
    assert pixel_variance(figure) > PIXEL_VARIANCE_FLOOR
