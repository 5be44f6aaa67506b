"""Decisions from the posterior: allocation, iso-FLOP, inference-aware optimum, compute to a
target, recipes, next run, and their commands."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import bayescale as bs
from bayescale.cli import app
from bayescale.decisions import compare_recipes, compute_to_target, inference_optimal, isoflop, next_run, optimal
from bayescale.decisions.surface import LossSurface
from bayescale.search import crossing, grid_minimum
from tests.conftest import CHINCHILLA_TRUTH, SHARED_DATA, needs_shared_data, simulate_chinchilla

SHORT = {"draws": 300, "tune": 300, "chains": 2, "remedies": False, "allow_unconverged": True}  # short on purpose


def test_vectorized_searches():
    # Each element has its own problem, passed through args (SciPy calls f on unfinished elements only).
    centers = np.array([0.5, -2.0, 3.0])
    found, edge = grid_minimum(lambda x, c: (x - c) ** 2 + 1.0, np.full(3, -10.0), np.full(3, 10.0), args=(centers,))
    np.testing.assert_allclose(found, centers, atol=1e-6)
    assert not edge.any()
    roots = crossing(lambda x: -x, np.array([-1.0, -5.0, 20.0]), np.zeros(3), np.full(3, 10.0))
    np.testing.assert_allclose(roots[:2], [1.0, 5.0], atol=1e-9)
    assert np.isnan(roots[2])  # -x never reaches 20 on [0, 10]
    slopes = np.array([1.0, 2.0, 4.0])
    np.testing.assert_allclose(crossing(lambda x, k: k * x, 8.0, 0.0, 10.0, args=(slopes,)), [8.0, 4.0, 2.0])

    # Two valleys: the grid finds the deeper one, where a golden-section search from the whole
    # range would settle in whichever valley its first bracket keeps.
    def two_valleys(x):
        return np.minimum((x - 1.0) ** 2, 0.5 * (x - 8.0) ** 2 - 1.0)

    found, edge = grid_minimum(two_valleys, np.zeros(2), np.full(2, 10.0))
    np.testing.assert_allclose(found, 8.0, atol=1e-6)
    assert not edge.any()
    assert grid_minimum(lambda x: x, np.zeros(1), np.ones(1))[1].all()  # minimum at the range's end


def test_closed_form_and_numerical_optimum_agree_per_draw(quick_fit):
    budgets = [1e20, 1e22, 1e24]
    closed = optimal(quick_fit, budgets)
    numerical = optimal(quick_fit, budgets, method="numerical")
    assert closed.method == "closed" and numerical.method == "numerical"
    assert np.max(np.abs(numerical.params / closed.params - 1)) < 1e-3
    assert np.max(np.abs(numerical.tokens / closed.tokens - 1)) < 1e-3
    assert np.max(np.abs(numerical.a / closed.a - 1)) < 1e-3
    # A user cost function equal to 6ND takes the numerical route to the same answer, and
    # one twice as dear is the closed form at half the budget.
    custom = optimal(quick_fit, budgets, cost=lambda n, d: 6 * n * d)
    assert np.max(np.abs(custom.params / closed.params - 1)) < 1e-3
    dear = optimal(quick_fit, budgets, cost=lambda n, d: 12 * n * d)
    half = optimal(quick_fit, np.array(budgets) / 2)
    assert np.max(np.abs(dear.params.values / half.params.values - 1)) < 1e-3  # budgets differ: compare values
    # One budget: the exponents are the local slope between C / 1.5 and 1.5 C.
    single = optimal(quick_fit, 1e22, method="numerical")
    assert np.max(np.abs(single.a / closed.a - 1)) < 1e-3 and np.max(np.abs(single.b / closed.b - 1)) < 1e-3


def test_allocation_table_and_exponents(quick_fit):
    allocation = optimal(quick_fit, [1e21, 1e24])
    table = allocation.table(0.9)
    for name in ("params", "tokens", "ratio", "loss"):
        assert (table[f"{name}_lower"] <= table[f"{name}_median"]).all()
        assert (table[f"{name}_median"] <= table[f"{name}_upper"]).all()
    assert allocation.params.dims == ("chain", "draw", "budget") and allocation.a.dims == ("chain", "draw")
    assert allocation.params.shape == (2, 300, 2) and list(allocation.params["budget"]) == [1e21, 1e24]
    np.testing.assert_allclose(6 * allocation.params * allocation.tokens, np.broadcast_to([1e21, 1e24], (2, 300, 2)))
    exponents = allocation.exponents(0.9)
    a = CHINCHILLA_TRUTH["beta"] / (CHINCHILLA_TRUTH["alpha"] + CHINCHILLA_TRUTH["beta"])
    assert exponents["a_lower"] < a < exponents["a_upper"]
    assert exponents["a_median"] + exponents["b_median"] == pytest.approx(1.0)
    with pytest.raises(bs.BayescaleInputError, match="flops"):
        optimal(quick_fit, [-1.0])
    with pytest.raises(bs.BayescaleInputError, match="interval"):
        optimal(quick_fit, 1e21, interval=1.5)
    with pytest.raises(bs.BayescaleInputError, match="method='closed'"):
        optimal(quick_fit, 1e21, cost=lambda n, d: 6 * n * d, method="closed")
    # The interval given to optimal() is the summaries' default.
    wide = optimal(quick_fit, [1e21, 1e24], interval=0.99)
    assert wide.table().equals(allocation.table(0.99)) and wide.exponents() == allocation.exponents(0.99)


@pytest.fixture(scope="module")
def power_law_fit():
    x = np.geomspace(1e6, 1e9, 12)
    noise = np.exp(0.01 * np.random.default_rng(0).standard_normal(12))
    runs = pd.DataFrame({"x": x, "y": (2 + 50 * x**-0.3) * noise})
    return bs.fit("power_law", runs, seed=1, warn=False, **SHORT)


def test_decisions_refuse_laws_without_params_and_tokens(power_law_fit):
    with pytest.raises(bs.BayescaleInputError, match="params and tokens"):
        optimal(power_law_fit, 1e21)
    with pytest.raises(bs.BayescaleInputError, match="params and tokens"):
        compute_to_target(power_law_fit, 2.1)
    with pytest.raises(bs.BayescaleInputError, match="params and tokens"):
        next_run(power_law_fit, {"x": 1e10}, pd.DataFrame({"x": [2e9]}), budget=1e20)
    # Without a budget any law can rank candidates.
    ranked = next_run(power_law_fit, {"x": 1e10}, pd.DataFrame({"x": [2e9, 1e7]}), n_sim=50)
    assert ranked["x"].iloc[0] == 2e9  # the run nearer the extrapolation target informs it more


def test_compute_to_target_matches_the_allocation(quick_fit):
    reach = compute_to_target(quick_fit, 2.0)
    assert reach.unreachable == 0.0
    # At the compute each draw needs, its optimal loss is the target.
    allocation = optimal(quick_fit, np.nanmedian(reach.flops))
    assert np.median(allocation.loss) == pytest.approx(2.0, abs=0.01)
    fixed = compute_to_target(quick_fit, 2.0, ratio=20)
    assert np.median(fixed.flops) >= np.median(reach.flops) * 0.999  # fixed ratio is never cheaper
    np.testing.assert_allclose(fixed.tokens / fixed.params, 20)
    assert compute_to_target(quick_fit, 1.0).unreachable == 1.0  # below every draw's E
    table = fixed.table(0.9)
    assert len(table) == 1 and table["unreachable"].iloc[0] == 0
    for name in ("flops", "params", "tokens"):
        assert table[f"{name}_lower"].iloc[0] < table[f"{name}_median"].iloc[0] < table[f"{name}_upper"].iloc[0]
    with pytest.raises(bs.BayescaleInputError, match="ratio"):
        compute_to_target(quick_fit, 2.0, ratio=0)
    with pytest.raises(bs.BayescaleInputError, match="lower target"):
        compute_to_target(quick_fit, 50.0)


def test_inference_demand_favours_smaller_models(quick_fit):
    none = inference_optimal(quick_fit, 2.0, inference_tokens=0)
    heavy = inference_optimal(quick_fit, 2.0, inference_tokens=1e13)
    reach = compute_to_target(quick_fit, 2.0)
    np.testing.assert_allclose(none.params, reach.params, rtol=1e-3)  # no inference: Chinchilla-optimal
    assert np.median(heavy.params) < 0.7 * np.median(none.params)
    assert np.median(heavy.tokens / heavy.params) > np.median(none.tokens / none.params)
    # Every draw reaches exactly the target loss at its optimum.
    surface = LossSurface(quick_fit)
    np.testing.assert_allclose(surface.loss(heavy.params.values.ravel(), heavy.tokens.values.ravel()), 2.0, atol=1e-6)
    table = heavy.table(0.9)
    assert table["total_flops_median"].iloc[0] > table["training_flops_median"].iloc[0]
    unreachable = inference_optimal(quick_fit, 1.0, inference_tokens=1e13)  # below every draw's E
    assert unreachable.unreachable == 1.0 and np.isnan(unreachable.params).all()


@pytest.fixture(scope="module")
def recipe_fits():
    worse = dict(CHINCHILLA_TRUTH, E=1.9)
    fit_a = bs.fit("chinchilla", simulate_chinchilla(seed=1), seed=1, warn=False, **SHORT)
    fit_b = bs.fit("chinchilla", simulate_chinchilla(seed=2, truth=worse), seed=2, warn=False, **SHORT)
    fit_a2 = bs.fit("chinchilla", simulate_chinchilla(seed=1), seed=3, warn=False, **SHORT)
    return fit_a, fit_b, fit_a2


def test_recipe_with_clearly_lower_loss_wins(recipe_fits):
    fit_a, fit_b, _ = recipe_fits
    result = compare_recipes(fit_a, fit_b, np.geomspace(1e19, 1e24, 6))
    assert (result.prob_a_better > 0.95).all()
    table = result.table()
    assert (table["multiplier_median"] > 1).all()  # B needs more compute to match A


def test_identical_recipes_are_a_coin_flip(recipe_fits):
    fit_a, _, fit_a2 = recipe_fits
    result = compare_recipes(fit_a, fit_a2, np.geomspace(1e19, 1e24, 6))
    # The same runs fitted twice with different sampler seeds: two independent sets of draws
    # from one posterior, so P(A better) is 0.5 up to Monte Carlo error. With 600 paired draws
    # and bulk ESS above 200 that error is under 0.04; 0.15 is over three and a half of it.
    assert np.all(np.abs(result.prob_a_better - 0.5) < 0.15), result.prob_a_better
    assert compare_recipes(fit_a, fit_a, [1e21]).prob_a_better[0] == 0.5  # exact ties count one half


def test_recipes_pair_thinned_draws(recipe_fits):
    fit_a, fit_b, _ = recipe_fits
    longer = bs.fit(
        "chinchilla", simulate_chinchilla(seed=2), seed=4, warn=False, draws=600, tune=300, chains=2, remedies=False
    )
    result = compare_recipes(longer, fit_b, [1e20, 1e22, 1e24], ratio=20)
    # 2 chains of 600 draws thinned to the other fit's 2 chains of 300
    assert result.loss_a.shape == result.loss_b.shape == (2, 300, 3)
    assert (result.prob_a_better > 0.95).all()
    summary = result.crossover_summary()
    assert summary["fraction"] == result.crossover_fraction < 0.05  # A stays ahead: curves rarely cross
    with pytest.raises(bs.BayescaleInputError, match="ratio"):
        compare_recipes(fit_a, fit_b, [1e21], ratio=-1)
    with pytest.raises(bs.BayescaleInputError, match="flops"):
        compare_recipes(fit_a, fit_b, [])


def test_next_run_prefers_informative_runs(quick_fit):
    sizes, ratios = np.meshgrid(np.geomspace(1e8, 2e10, 6), [5.0, 20.0, 80.0])
    candidates = pd.DataFrame({"params": sizes.ravel(), "tokens": (sizes * ratios).ravel()})
    ranked = next_run(quick_fit, {"params": 7e10, "tokens": 1.4e12}, candidates, budget=1e21, n_sim=100)
    assert (ranked["cost"] <= 1e21).all() and len(ranked) < len(candidates)
    assert ranked["expected_width"].is_monotonic_increasing
    assert (ranked["expected_width"] <= ranked["current_width"] * 1.01).all()
    with pytest.raises(bs.BayescaleInputError, match="budget"):
        next_run(quick_fit, {"params": 7e10, "tokens": 1.4e12}, candidates, budget=1.0)
    # The interval for a new run includes the noise, which no run removes: wider, shrinks less.
    predictive = next_run(quick_fit, {"params": 7e10, "tokens": 1.4e12}, candidates, 1e21, predictive=True, n_sim=100)
    assert predictive["current_width"].iloc[0] > ranked["current_width"].iloc[0]
    assert predictive["expected_shrinkage"].max() < ranked["expected_shrinkage"].max()


def simulate_isoflop(seed: int, truth=CHINCHILLA_TRUTH) -> pd.DataFrame:
    """Runs at 6 budgets, 7 model sizes each around the true optimum, 1% noise."""
    rng = np.random.default_rng(seed)
    t = truth
    rows = []
    for budget in np.geomspace(1e18, 1e21, 6):
        g = (t["alpha"] * t["A_raw"] / (t["beta"] * t["B_raw"])) ** (1 / (t["alpha"] + t["beta"]))
        n_opt = g * (budget / 6) ** (t["beta"] / (t["alpha"] + t["beta"]))
        for params in n_opt * np.geomspace(0.2, 5, 7):
            tokens = budget / (6 * params)
            loss = t["E"] + t["A_raw"] / params ** t["alpha"] + t["B_raw"] / tokens ** t["beta"]
            rows.append({"flops_budget": budget, "params": params, "loss": loss * np.exp(0.01 * rng.standard_normal())})
    return pd.DataFrame(rows)


def test_isoflop_interval_contains_the_true_exponent():
    runs = simulate_isoflop(0)
    result = isoflop(runs, draws=500, tune=500, chains=2, seed=1, warn=False)
    a = CHINCHILLA_TRUTH["beta"] / (CHINCHILLA_TRUTH["alpha"] + CHINCHILLA_TRUTH["beta"])
    exponents = result.exponents(0.94)
    assert exponents["a_lower"] < a < exponents["a_upper"], exponents
    np.testing.assert_allclose(result.b, 1 - result.a)  # no tokens column: D* = C / (6 N*)
    table = result.table()
    assert len(table) == 6 and (table["params_opt_lower"] < table["params_opt_upper"]).all()
    np.testing.assert_allclose(6 * table["params_opt_median"] * table["tokens_opt_median"], table["flops"], rtol=1e-5)
    # A tokens column whose N x D is a third of C / 6 (another FLOP count) rescales D*, not b.
    with_tokens = runs.assign(tokens=runs["flops_budget"] / (18 * runs["params"]))
    same = isoflop(with_tokens, draws=500, tune=500, chains=2, seed=1, warn=False)
    np.testing.assert_allclose(same.tokens_opt, result.tokens_opt / 3)
    np.testing.assert_allclose(same.b, 1 - same.a)


def test_isoflop_bad_input_names_the_column():
    runs = simulate_isoflop(0)
    with pytest.raises(bs.BayescaleInputError, match="budget='C'"):
        isoflop(runs, budget="C")
    with pytest.raises(bs.BayescaleInputError, match="fewer than 3 runs"):
        isoflop(runs.groupby("flops_budget").head(2))
    with pytest.raises(bs.BayescaleInputError, match="tokens='D'"):
        isoflop(runs, tokens="D")
    with pytest.raises(bs.BayescaleInputError, match="one budget"):
        isoflop(runs[runs["flops_budget"] == runs["flops_budget"].iloc[0]])
    with pytest.raises(bs.BayescaleInputError, match="'loss' must be positive"):
        isoflop(runs.assign(loss=np.where(runs.index == 3, np.nan, runs["loss"])))


@needs_shared_data
def test_isoflop_reproduces_published_exponents():
    """Porian et al. (2024): every configuration's 90% interval for a holds the published value,
    and Kaplan's setup (first) has a larger a than the tuned one (last) with probability ~1."""
    runs = pd.read_csv(SHARED_DATA / "isoflop" / "runs.csv").dropna()
    published = pd.read_csv(SHARED_DATA / "isoflop" / "published.csv").set_index("config")
    draws = {}
    for config in published.index:
        result = isoflop(runs[runs["config"] == config], budget="budget_flops", seed=1, warn=False)
        exponents = result.exponents(0.9)
        for name, column in (("a", "n_exponent"), ("b", "t_exponent")):
            value = published.loc[config, column]
            assert exponents[f"{name}_lower"] < value < exponents[f"{name}_upper"], (config, name, exponents)
        draws[config] = result.a
    first, last = draws[published.index[0]], draws[published.index[-1]]
    assert np.mean(first > last) > 0.99


@needs_shared_data
def test_chinchilla_allocation_on_epoch_runs():
    """Epoch AI's refit (SOURCE.md): a = 0.513 (s.e. 0.020) and about 20 tokens per parameter."""
    runs = pd.read_csv(SHARED_DATA / "chinchilla" / "runs.csv").query("not epoch_excluded")
    fitted = bs.fit("chinchilla", runs, seed=1, warn=False)
    allocation = optimal(fitted, [1e21, 5.88e23, 1e24, 1e26])
    exponents = allocation.exponents(0.9)
    assert exponents["a_lower"] < 0.513 < exponents["a_upper"]
    # Not asserted: the posterior sd of a (about 0.010) is half Epoch's bootstrap s.e. (0.020),
    # as are those of alpha and beta; the Student-t likelihood treats the runs as independent.
    table = allocation.table(0.9)
    assert (table["ratio_lower"] < 20).all() and (table["ratio_upper"] > 20).all()
    # Epoch's point estimate gives D*/N* = 21.5, 18.3, 18.1 and 16.1 at these budgets.
    np.testing.assert_allclose(table["ratio_median"], [21.5, 18.3, 18.1, 16.1], rtol=0.1)


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_optimal_command_json(tmp_path, quick_fit):
    saved = quick_fit.save(tmp_path / "fit.nc")
    result = invoke("optimal", saved, "--flops", "1e22,1e24", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["flops"] for r in rows] == [1e22, 1e24]
    for name in ("params", "tokens", "ratio", "loss", "a", "b"):  # every interval in the one shape
        assert set(rows[0][name]) == {"median", "lower", "upper", "interval"} and rows[0][name]["interval"] == 0.9
        assert rows[0][name]["lower"] <= rows[0][name]["median"] <= rows[0][name]["upper"]
    assert rows[0]["a"] == rows[1]["a"] and rows[0]["a"]["lower"] < rows[0]["a"]["median"] < rows[0]["a"]["upper"]
    text = invoke("optimal", saved, "--flops", "1e20:1e24", "--interval", "0.5")
    assert text.exit_code == 0 and "50% intervals" in text.output and "a = " in text.output
    bad = invoke("optimal", saved, "--flops", "lots")
    assert bad.exit_code == 2 and "--flops" in bad.output
    assert len(bad.output.strip().splitlines()) == 1
    assert invoke("optimal", tmp_path / "missing.nc", "--flops", "1e22").exit_code == 2


def test_recipes_and_next_run_commands(tmp_path, recipe_fits):
    fit_a, fit_b, _ = recipe_fits
    a, b = fit_a.save(tmp_path / "a.nc"), fit_b.save(tmp_path / "b.nc")
    result = invoke("recipes", a, b, "--flops", "1e20:1e24", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert len(document["budgets"]) == 5 and all(r["p_a_better"] > 0.95 for r in document["budgets"])
    candidates = tmp_path / "candidates.csv"
    pd.DataFrame({"params": [1e8, 1e9, 5e9], "tokens": [2e9, 2e10, 1e11]}).to_csv(candidates, index=False)
    ranked = invoke("next-run", a, "--target", "params=7e10,tokens=1.4e12", "--candidates", candidates,
                    "--budget", "1e21", "--json")  # fmt: skip
    assert ranked.exit_code == 0, ranked.output
    rows = json.loads(ranked.stdout)
    assert len(rows) == 2  # the 5e9 x 1e11 run costs 3e21
    crossover = document["crossover"]
    assert crossover["interval"] == 0.9 and {"fraction", "median", "lower", "upper"} <= set(crossover)
    missing = invoke("next-run", a, "--target", "params=7e10,tokens=1.4e12", "--candidates", tmp_path / "no.csv")
    assert missing.exit_code == 2 and "--candidates" in missing.output
    bad_target = invoke("next-run", a, "--target", "params=big", "--candidates", candidates)
    assert bad_target.exit_code == 2 and "--target" in bad_target.output
    bad_ratio = invoke("recipes", a, b, "--flops", "1e20:1e24", "--ratio", "-5")
    assert bad_ratio.exit_code == 2 and "ratio" in bad_ratio.output


def test_isoflop_command(tmp_path):
    path = tmp_path / "isoflop.csv"
    simulate_isoflop(0).to_csv(path, index=False)
    result = invoke("isoflop", path, "--budget-column", "flops_budget", "--draws", "300", "--chains", "2", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    exponents = document["exponents"]
    assert len(document["budgets"]) == 6 and 0 < exponents["a"]["median"] < 1
    assert exponents["b"]["median"] == pytest.approx(1 - exponents["a"]["median"])
    assert {"params_opt", "tokens_opt", "ratio_opt"} <= set(document["budgets"][0])
    assert set(document["budgets"][0]["ratio_opt"]) == {"median", "lower", "upper", "interval"}
    bad = invoke("isoflop", path, "--budget-column", "C")
    assert bad.exit_code == 2 and "'C'" in bad.output
