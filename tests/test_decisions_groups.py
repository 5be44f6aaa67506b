"""Decisions and chains on a grouped fit: one group's optimum, two groups compared with paired draws."""

from __future__ import annotations

import json

import arviz_stats
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import bayescale as bs
from bayescale.cli import app
from bayescale.decisions import compare_recipes, compute_to_target, next_run, optimal
from tests import saved_fits

BUDGETS = np.array([1e20, 1e22, 1e24])


@pytest.fixture(scope="module")
def grouped_fit():
    """Three datasets (pile's floor and data term above c4's); E and B vary by dataset."""
    return saved_fits.load("grouped_fit")


def closed_form(fit, group, budgets: np.ndarray) -> np.ndarray:
    """Chinchilla's N* per draw (rows) and budget from the group's draws (Hoffmann et al. 2022, Eq. 4)."""
    d = fit.param_draws(group)
    s_n, s_d = fit.scales["params"], fit.scales["tokens"]
    alpha, beta = d["alpha"][:, None], d["beta"][:, None]
    g = (alpha * d["A"][:, None] / (beta * d["B"][:, None])) ** (1 / (alpha + beta))
    return g * (budgets[None, :] / (6 * s_n * s_d)) ** (beta / (alpha + beta)) * s_n


def test_optimal_for_one_group_uses_that_groups_draws(grouped_fit):
    allocations = {g: optimal(grouped_fit, BUDGETS, group=g) for g in ("c4", "pile")}
    for group, allocation in allocations.items():
        assert allocation.group == group and allocation.params.dims == ("chain", "draw", "budget")
        expected = closed_form(grouped_fit, group, BUDGETS)
        np.testing.assert_allclose(allocation.params.values.reshape(-1, 3), expected, rtol=1e-10)
    # A larger data term makes pile hungrier for tokens: smaller models at every budget, in
    # nearly every draw (the draws are paired: the same posterior draw for both groups).
    smaller = (allocations["pile"].params < allocations["c4"].params).mean(("chain", "draw"))
    assert (smaller > 0.95).all(), smaller.values
    # A new group (None, or a name the fit has not seen) is drawn from the population: its
    # allocation is uncertain by the groups' spread as well, so its interval is wider.
    new = optimal(grouped_fit, BUDGETS, group=None)
    unseen = optimal(grouped_fit, BUDGETS, group="books")
    np.testing.assert_allclose(unseen.params, new.params)
    width = {k: a.table(0.9).eval("params_upper / params_lower") for k, a in (("new", new), ("c4", allocations["c4"]))}
    assert (width["new"] > width["c4"]).all()


def test_decisions_refuse_a_group_of_an_ungrouped_fit(quick_fit):
    for decide in (lambda: optimal(quick_fit, 1e21, group="c4"), lambda: compute_to_target(quick_fit, 2.0, group="c4")):
        with pytest.raises(bs.BayescaleInputError, match="no groups"):
            decide()


def test_two_groups_of_one_fit_are_compared_draw_by_draw(grouped_fit):
    result = compare_recipes(grouped_fit, grouped_fit, BUDGETS, groups=("c4", "pile"))
    assert result.names == ("c4", "pile") and result.draws.sizes == {"chain": 2, "draw": 200, "budget": 3}
    # Each recipe's loss is its group's optimum under the same posterior draw, in the same order.
    for group, loss in (("c4", result.loss_a), ("pile", result.loss_b)):
        np.testing.assert_allclose(loss, optimal(grouped_fit, BUDGETS, group=group).loss, rtol=1e-10)
    table = result.table()
    assert (table["p_c4_better"] > 0.95).all() and (table["difference_upper"] < 0).all()
    # Paired draws keep the groups' correlation (shared A, alpha, beta, and the population):
    # 0.48 at 1e24 on this fit, where independent pairing of 400 draws gives 0 +/- 0.05.
    a, b = result.loss_a.values.reshape(-1, 3), result.loss_b.values.reshape(-1, 3)
    assert np.corrcoef(a[:, -1], b[:, -1])[0, 1] > 0.25


def test_two_new_groups_are_different_groups(grouped_fit):
    result = compare_recipes(grouped_fit, grouped_fit, BUDGETS)
    assert result.names == ("a", "b")
    assert not np.allclose(result.loss_a, result.loss_b)  # two unseen groups, not one twice
    assert 0.2 < result.prob_a_better[1] < 0.8  # exchangeable: neither is known to be better


def test_decision_draws_work_with_arviz_stats(grouped_fit):
    allocation = optimal(grouped_fit, BUDGETS, group="c4")
    ess = arviz_stats.ess(allocation.draws)
    assert ess["params"].dims == ("budget",) and (ess["params"] > 50).all() and float(ess["a"]) > 50
    summary = arviz_stats.summary(allocation.draws)
    assert "params[1e+22]" in summary.index and summary.loc["a", "r_hat"] < 1.05
    reach = compute_to_target(grouped_fit, 2.0, group="c4")
    assert reach.draws["flops"].dims == ("chain", "draw")
    assert float(arviz_stats.mcse(reach.draws)["flops"]) < 0.1 * float(reach.flops.std())


def test_next_run_for_a_group(grouped_fit):
    candidates = pd.DataFrame({"params": [1e8, 2e9], "tokens": [2e9, 4e10]})
    target = {"params": 7e10, "tokens": 1.4e12}
    ranked = next_run(grouped_fit, target, candidates, group="pile", n_sim=50)
    law = grouped_fit.predict(group="pile", **target).iloc[0]
    assert ranked["current_width"].iloc[0] == pytest.approx(law["upper"] - law["lower"], rel=1e-9)
    # A run cannot be expected to widen the interval; 50 simulated outcomes reweighting 1000 draws
    # leave a few percent of Monte Carlo error in each expected width (2.3% seen on this fit).
    assert (ranked["expected_width"] <= ranked["current_width"] * 1.05).all()
    new = next_run(grouped_fit, target, candidates, group=None, n_sim=50)
    assert new["current_width"].iloc[0] > 1.5 * ranked["current_width"].iloc[0]  # a new group: the population's spread


def downstream_runs(seed: int = 0) -> pd.DataFrame:
    """Error rates falling with loss (Gadre et al.'s form, their C4 fit's shape), 2% noise on the logit."""
    rng = np.random.default_rng(seed)
    loss = np.linspace(2.0, 3.2, 20)
    error = 0.85 * (1 - 0.85 * np.exp(-0.75 * (loss - 1.5)))
    logit = np.log(error / (1 - error)) + 0.02 * rng.standard_normal(len(loss))
    return pd.DataFrame({"loss": loss, "error": 1 / (1 + np.exp(-logit))})


def test_predict_chain_takes_a_group_for_each_stage(grouped_fit):
    error_fit = bs.fit("downstream_error", downstream_runs(), uncertainty="iid", draws=200, tune=300, chains=2, seed=1,
                       warn=False)  # fmt: skip
    point = {"params": 7e9, "tokens": 1.4e11}
    chained = {g: bs.predict_chain(grouped_fit, error_fit, groups=(g, None), **point) for g in ("c4", "pile")}
    # pile's higher loss floor means a higher downstream error for the same model and data.
    assert chained["pile"]["median"].iloc[0] > chained["c4"]["median"].iloc[0]
    # The chain's median follows the error law at the group's predicted loss.
    loss = grouped_fit.predict(group="c4", **point)["median"].iloc[0]
    direct = error_fit.predict(loss=loss)["median"].iloc[0]
    assert chained["c4"]["median"].iloc[0] == pytest.approx(direct, abs=0.01)
    with pytest.raises(bs.BayescaleInputError, match="no groups"):
        bs.predict_chain(grouped_fit, error_fit, groups=("c4", "task"), **point)


def test_group_options_of_the_commands(grouped_fit, tmp_path):
    saved = grouped_fit.save(tmp_path / "grouped.nc")
    runner = CliRunner()
    done = runner.invoke(app, ["optimal", str(saved), "--flops", "1e20,1e22", "--group", "pile", "--json"])
    assert done.exit_code == 0, done.output
    rows = json.loads(done.stdout)
    expected = optimal(grouped_fit, [1e20, 1e22], group="pile").table()
    np.testing.assert_allclose([r["params"]["median"] for r in rows], expected["params_median"], rtol=1e-9)
    compared = runner.invoke(
        app, ["recipes", str(saved), "--group-a", "c4", "--group-b", "pile", "--flops", "1e20,1e22", "--json"]
    )
    assert compared.exit_code == 0, compared.output
    assert all(r["p_c4_better"] > 0.95 for r in json.loads(compared.stdout)["budgets"])
    dear = runner.invoke(app, ["optimal", str(saved), "--flops", "1e22", "--cost-factor", "12", "--group", "c4"])
    assert dear.exit_code == 0 and "C = 12 N D" in dear.output and "group c4" in dear.output
    bad = runner.invoke(app, ["optimal", str(saved), "--flops", "1e22", "--cost-factor", "-1"])
    assert bad.exit_code == 2 and "--cost-factor" in bad.output
