"""The cost model: its inversions, and every decision honouring a cost other than 6 N D."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import bayescale as bs
from bayescale.cost import DENSE_TRANSFORMER, Cost, as_cost
from bayescale.decisions import compare_recipes, compute_to_target, inference_optimal, next_run, optimal
from bayescale.decisions.surface import LossSurface
from bayescale.law import Input
from tests.conftest import simulate_chinchilla

BUDGETS = np.array([1e20, 1e22, 1e24])


def power_cost(params, tokens):
    """A cost growing faster than linearly in model size: C = 6 N^1.2 D."""
    return 6.0 * params**1.2 * tokens


def raw_draws(fit) -> dict[str, np.ndarray]:
    """Chinchilla's parameters on the raw scale, L = E + A N^-alpha + B D^-beta, per draw."""
    d = fit.param_draws()
    return {
        "alpha": d["alpha"],
        "beta": d["beta"],
        "A": d["A"] * fit.scales["params"] ** d["alpha"],
        "B": d["B"] * fit.scales["tokens"] ** d["beta"],
        "E": d["E"],
    }


def power_cost_optimum(d: dict[str, np.ndarray], flops: np.ndarray, p: float = 1.2, k: float = 6.0) -> np.ndarray:
    """N* per draw (rows) under C = k N^p D at ``flops`` (broadcast against (draws, 1)), in
    closed form: with D = C / (k N^p), dL/dN = 0 gives N^(alpha + p beta) = alpha A / (p beta B) (C / k)^beta."""
    alpha, beta = d["alpha"][:, None], d["beta"][:, None]
    exponent = 1 / (alpha + p * beta)
    return (alpha * d["A"][:, None] / (p * beta * d["B"][:, None])) ** exponent * (flops / k) ** (beta * exponent)


def test_default_cost_is_six_n_d_and_inverts_in_closed_form():
    cost = Cost()
    assert cost.factor == 6.0 and as_cost(None) is DENSE_TRANSFORMER and cost.describe() == "C = 6 N D"
    assert float(cost.training_flops(70e9, 1.4e12)) == pytest.approx(5.88e23)
    assert float(cost.inference_flops(70e9, 1e12)) == pytest.approx(1.4e23)
    np.testing.assert_allclose(cost.data_for(np.array([1e9, 1e10]), 6e20), [1e11, 1e10])
    np.testing.assert_allclose(cost.size_at_ratio(6e22 * 20, 20.0), 1e11)


def test_a_cost_function_inverts_numerically():
    cost = as_cost(power_cost)
    assert cost.factor is None and "custom" in cost.describe()
    sizes = np.array([1e8, 1e9, 3e10])
    data = cost.data_for(sizes, 1e22)
    np.testing.assert_allclose(power_cost(sizes, data), 1e22, rtol=1e-9)
    np.testing.assert_allclose(data, 1e22 / (6 * sizes**1.2), rtol=1e-9)
    size = cost.size_at_ratio(np.array([1e20, 1e24]), 20.0)
    np.testing.assert_allclose(power_cost(size, 20 * size), [1e20, 1e24], rtol=1e-9)


@pytest.mark.parametrize(
    ("arguments", "words"),
    [({"training": -6.0}, "training=-6.0"), ({"inference": "two"}, "inference='two'"), ({"size": "x", "data": "x"},
     "two different inputs")],
)  # fmt: skip
def test_bad_costs_get_one_line(arguments, words):
    with pytest.raises(bs.BayescaleInputError, match=words):
        Cost(**arguments)
    with pytest.raises(bs.BayescaleInputError, match="cost=3"):
        as_cost(3)


def test_a_custom_cost_moves_the_optimum_where_its_closed_form_says(quick_fit):
    allocation = optimal(quick_fit, BUDGETS, cost=power_cost)
    assert allocation.method == "numerical"
    d = raw_draws(quick_fit)
    expected = power_cost_optimum(d, BUDGETS[None, :])
    np.testing.assert_allclose(allocation.params.values.reshape(-1, 3), expected, rtol=1e-4)
    np.testing.assert_allclose(power_cost(allocation.params, allocation.tokens), np.broadcast_to(BUDGETS, (2, 300, 3)))
    # N* ∝ C^a with a = beta / (alpha + 1.2 beta), and D* ∝ C^(1 - 1.2 a): not Chinchilla's exponents.
    a = d["beta"] / (d["alpha"] + 1.2 * d["beta"])
    np.testing.assert_allclose(allocation.a.values.ravel(), a, rtol=1e-4)
    np.testing.assert_allclose(allocation.b.values.ravel(), 1 - 1.2 * a, rtol=1e-4)
    default = optimal(quick_fit, BUDGETS)
    assert np.all(allocation.params.values < default.params.values)  # dearer parameters: smaller models


def test_a_proportional_cost_keeps_the_closed_form(quick_fit):
    dear = optimal(quick_fit, BUDGETS, cost=Cost(training=12.0))
    searched = optimal(quick_fit, BUDGETS, cost=lambda n, d: 12.0 * n * d)
    half = optimal(quick_fit, BUDGETS / 2)
    assert dear.method == "closed" and searched.method == "numerical" and half.method == "closed"
    np.testing.assert_allclose(dear.params.values, half.params.values, rtol=1e-12)  # 12 N D = C is 6 N D = C / 2
    np.testing.assert_allclose(searched.params.values, dear.params.values, rtol=1e-4)


def test_compute_to_target_reaches_the_target_under_the_cost(quick_fit):
    reach = compute_to_target(quick_fit, 2.0, cost=power_cost)
    flops = reach.flops.values.ravel()
    assert reach.unreachable == 0.0
    # At each draw's compute, the closed-form optimum under the same cost reaches exactly 2.0.
    d = raw_draws(quick_fit)
    params = power_cost_optimum(d, flops[:, None])[:, 0]
    tokens = flops / (6 * params**1.2)
    loss = d["E"] + d["A"] / params ** d["alpha"] + d["B"] / tokens ** d["beta"]
    np.testing.assert_allclose(loss, 2.0, atol=1e-6)
    np.testing.assert_allclose(reach.params.values.ravel(), params, rtol=1e-4)
    # A proportional cost twice as dear needs twice the FLOPs, at the same N and D.
    default = compute_to_target(quick_fit, 2.0, ratio=20)
    dear = compute_to_target(quick_fit, 2.0, ratio=20, cost=Cost(12.0))
    np.testing.assert_allclose(dear.flops, 2 * default.flops, rtol=1e-6)
    np.testing.assert_allclose(dear.params, default.params, rtol=1e-6)


def test_inference_cost_enters_the_inference_optimum(quick_fit):
    twice = inference_optimal(quick_fit, 2.0, inference_tokens=1e12, cost=Cost(inference=4.0))
    doubled = inference_optimal(quick_fit, 2.0, inference_tokens=2e12)
    np.testing.assert_allclose(twice.params, doubled.params, rtol=1e-6)  # 4 N T = 2 N (2 T)
    np.testing.assert_allclose(twice.total_flops, doubled.total_flops, rtol=1e-6)
    served = inference_optimal(quick_fit, 2.0, inference_tokens=1e12, cost=Cost(inference=lambda n, t: 4.0 * n * t))
    np.testing.assert_allclose(served.params, twice.params, rtol=1e-6)


def test_recipes_and_next_run_use_the_cost(quick_fit):
    dear = compare_recipes(quick_fit, quick_fit, BUDGETS * 2, cost=Cost(training=12.0))
    default = optimal(quick_fit, BUDGETS)
    np.testing.assert_allclose(dear.loss_a.values, default.loss.values, rtol=1e-9)
    candidates = pd.DataFrame({"params": [1e8, 1e9], "tokens": [2e9, 2e10]})
    ranked = next_run(quick_fit, {"params": 7e10, "tokens": 1.4e12}, candidates, cost=power_cost, n_sim=20)
    np.testing.assert_allclose(ranked["cost"], power_cost(ranked["params"], ranked["tokens"]))
    affordable = next_run(quick_fit, {"params": 7e10, "tokens": 1.4e12}, candidates, budget=1e20, cost=Cost(12.0),
                          n_sim=20)  # fmt: skip
    assert list(affordable["params"]) == [1e8]  # 12 x 1e9 x 2e10 = 2.4e20 is over the budget, 6 N D was not


def test_isoflop_without_tokens_takes_d_from_the_cost():
    from tests.test_decisions import simulate_isoflop

    result = bs.isoflop(simulate_isoflop(0), draws=200, tune=300, chains=2, seed=1, warn=False)
    dear = dataclasses.replace(result, cost=Cost(training=12.0))
    np.testing.assert_allclose(dear.tokens_opt, result.tokens_opt / 2)
    np.testing.assert_allclose(dear.draws["b"], 1 - result.a)
    curved = dataclasses.replace(result, cost=as_cost(power_cost))
    np.testing.assert_allclose(curved.tokens_opt, result.budgets / (6 * result.params_opt**1.2))
    np.testing.assert_allclose(curved.draws["b"], 1 - 1.2 * result.a, rtol=1e-9)


@pytest.fixture(scope="module")
def renamed_fit():
    """Chinchilla's law with inputs named n and d, and no declared optimum."""
    chinchilla = bs.get_law("chinchilla")

    def mean(n, d, E, A, alpha, B, beta):
        return E + A / n**alpha + B / d**beta

    law = bs.Law(
        mean,
        name="chinchilla_nd",
        formula=chinchilla.formula,
        citation=chinchilla.citation,
        inputs={"n": Input("N", "parameters", scale=1e9), "d": Input("D", "tokens", scale=1e11)},
        output=chinchilla.output,
        params=chinchilla.params,
    )
    runs = simulate_chinchilla(seed=4).rename(columns={"params": "n", "tokens": "d"})
    return bs.fit(law, runs, uncertainty="iid", draws=200, tune=300, chains=2, seed=2, warn=False)


def test_a_cost_names_the_law_inputs_it_takes(renamed_fit):
    with pytest.raises(bs.BayescaleInputError, match="needs a law of params and tokens alone"):
        optimal(renamed_fit, 1e22)
    cost = Cost(size="n", data="d")
    with pytest.raises(bs.BayescaleInputError, match="declares its optimum"):
        optimal(renamed_fit, 1e22, cost=cost, method="closed")
    allocation = optimal(renamed_fit, BUDGETS, cost=cost)
    assert allocation.method == "numerical"  # the law declares no closed form: searched
    d = renamed_fit.param_draws()
    scale_n, scale_d = renamed_fit.scales["n"], renamed_fit.scales["d"]
    raw = {
        "alpha": d["alpha"],
        "beta": d["beta"],
        "A": d["A"] * scale_n ** d["alpha"],
        "B": d["B"] * scale_d ** d["beta"],
    }
    expected = power_cost_optimum(raw, BUDGETS[None, :], p=1.0)  # Chinchilla's own closed form
    np.testing.assert_allclose(allocation.params.values.reshape(-1, 3), expected, rtol=1e-4)
    assert LossSurface(renamed_fit, cost).scales == (scale_n, scale_d)


@pytest.mark.parametrize("name", [n for n in bs.available_laws() if bs.get_law(n).optimum is not None])
def test_a_declared_optimum_minimizes_the_law_at_fixed_product(name):
    from bayescale.predict import law_mean

    law = bs.get_law(name)
    # Five draws from the law's priors: the closed form must hold wherever the priors reach.
    import pymc as pm

    params = {}
    for k, p in enumerate(law.param_names):
        with pm.Model():
            variable = law.params[p].prior.create_variable(p)
            params[p] = np.ravel(pm.draw(variable, draws=5, random_seed=k))
    first, second = law.input_names
    for product in (1e-2, 1.0, 1e4):  # N D in the law's scaled units
        best = np.asarray(law.optimum(product, *(params[p] for p in law.param_names)))
        for factor in (1 - 1e-3, 1 + 1e-3, 0.5, 2.0):  # any other split of the product is worse
            for i in range(5):
                draw = {p: v[[i]] for p, v in params.items()}
                sizes = np.array([best[i], best[i] * factor])
                mean = law_mean(law, draw, {first: sizes, second: product / sizes})[next(iter(law.outputs))][0]
                assert mean[0] < mean[1]
