"""Law structure: the catalog, validation at creation, and a user's own law file."""

import textwrap

import numpy as np
import pandas as pd
import pytest

import bayescale as bs
from bayescale.errors import BayescaleInputError

USER_LAW = textwrap.dedent(
    '''
    """A user's law: loss against compute with an irreducible term, written like a built-in."""
    import numpy as np
    from bayescale.priors import Prior
    from bayescale import Input, Law, Output, Param

    def saturating_mean(flops, L_inf, k, gamma):
        return L_inf + k * flops**-gamma

    law = Law(
        saturating_mean,
        name="my_compute_law",
        formula="L = L_inf + k C^-gamma",
        citation="my notes (2026)",
        inputs={"flops": Input("C", "FLOP", scale=1e20)},
        output=Output("loss", "L", "nats/token"),
        params={
            "L_inf": Param(Prior("LogNormal", mu=np.log(2.0), sigma=0.5), "irreducible loss near 2 nats"),
            "k": Param(Prior("LogNormal", mu=np.log(0.5), sigma=1.0), "reducible loss at 1e20 FLOP"),
            "gamma": Param(Prior("LogNormal", mu=np.log(0.1), sigma=0.6), "compute exponents ~0.05-0.2"),
        },
    )
    '''
)


@pytest.fixture
def user_law_file(tmp_path):
    path = tmp_path / "my_law.py"
    path.write_text(USER_LAW)
    return path


def test_catalog_lists_the_founding_laws():
    assert {"chinchilla", "kaplan", "power_law"} <= set(bs.available_laws())


def test_catalog_is_importable_as_bayescale_models():
    import bayescale.models.chinchilla as module

    assert module.law.name == "chinchilla"
    assert bs.get_law("chinchilla").origin == "chinchilla"


def test_law_reads_names_from_the_mean_function():
    law = bs.get_law("chinchilla")
    assert law.input_names == ["params", "tokens"]
    assert law.param_names == ["E", "A", "alpha", "B", "beta"]
    assert all(p.reason for p in law.params.values())


def test_law_signature_must_match_declared_inputs_and_params():
    def mean(x, a):
        return a * x

    with pytest.raises(TypeError, match=r"must take the inputs then the parameters.*\('x', 'a', 'b'\)"):
        bs.Law(
            mean,
            name="bad",
            formula="",
            citation="",
            inputs={"x": bs.Input("x", "-")},
            output=bs.Output("y", "y", "-"),
            params={n: bs.Param(bs.Prior("Normal"), "r") for n in ("a", "b")},
        )


def test_unknown_law_name_lists_the_catalog():
    with pytest.raises(BayescaleInputError, match=r"unknown law 'chinchila'.*chinchilla"):
        bs.get_law("chinchila")


def test_missing_law_file():
    with pytest.raises(BayescaleInputError, match="law file not found"):
        bs.get_law("no_such_law.py")


def test_user_law_file_fits_and_predicts_like_a_builtin(user_law_file, tmp_path):
    rng = np.random.default_rng(3)
    flops = np.geomspace(1e18, 1e22, 30)
    loss = (1.9 + 0.6 * (flops / 1e20) ** -0.12) * np.exp(0.01 * rng.standard_normal(30))
    runs = pd.DataFrame({"compute": flops, "final_loss": loss})
    result = bs.fit(
        str(user_law_file),
        runs,
        columns={"flops": "compute", "loss": "final_loss"},
        draws=400,
        tune=400,
        chains=2,
        seed=5,
        warn=False,
    )
    table = result.summary()
    for name, truth in {"L_inf": 1.9, "k": 0.6, "gamma": 0.12}.items():
        assert table.loc[name, "lower"] < truth < table.loc[name, "upper"], name
    path = result.save(tmp_path / "user.nc")
    loaded = bs.load_fit(path)
    assert loaded.law.origin == str(user_law_file.resolve())
    pd.testing.assert_frame_equal(loaded.predict(flops=1e23), result.predict(flops=1e23))


def test_law_of_several_equations_fits_each_output_with_its_own_noise():
    rng = np.random.default_rng(8)
    n = np.repeat(np.geomspace(1e8, 3e9, 6), 4)
    d = n * np.tile([10.0, 30.0, 100.0, 300.0], 6)
    truth = {"a": 1.6e-3, "alpha": -0.7, "beta": 0.3, "b": 1.1e6, "gamma": 0.57}
    lr = truth["a"] * (n / 1e9) ** truth["alpha"] * (d / 1e11) ** truth["beta"] * np.exp(0.05 * rng.standard_normal(24))
    bs_ = truth["b"] * (d / 1e11) ** truth["gamma"] * np.exp(0.08 * rng.standard_normal(24))
    runs = pd.DataFrame({"params": n, "tokens": d, "learning_rate": lr, "batch_size": bs_})
    result = bs.fit("optimal_hyperparameters", runs, draws=500, tune=500, chains=2, seed=3, warn=False)
    table = result.summary()
    for name, value in truth.items():
        assert table.loc[name, "lower"] < value < table.loc[name, "upper"], name
    assert {"sigma_learning_rate", "sigma_batch_size"} <= set(table.index)
    assert set(result.tree["log_likelihood"].data_vars) == {"learning_rate", "batch_size"}
    frame = result.predict(params=7e10, tokens=1.4e12)
    assert frame["output"].tolist() == ["learning_rate", "batch_size"]
    n_draws = result.posterior.sizes["chain"] * result.posterior.sizes["draw"]
    assert result.mean_draws("batch_size", params=[7e10], tokens=[1.4e12]).shape == (n_draws, 1)
    with pytest.raises(BayescaleInputError, match="several outputs"):
        result.mean_draws(params=[7e10], tokens=[1.4e12])


ACCURACY_LAW = textwrap.dedent(
    '''
    """A user's law with a probability output: benchmark accuracy against model size."""
    import numpy as np
    from bayescale.priors import Prior
    from bayescale import Input, Law, Output, Param

    def accuracy(params, err_1b, gamma):
        return 1 - err_1b * params**-gamma

    law = Law(
        accuracy,
        name="my_accuracy_law",
        formula="acc = 1 - e N^-gamma",
        citation="my notes (2026)",
        inputs={"params": Input("N", "parameters", scale=1e9)},
        output=Output("accuracy", "acc", "fraction correct", kind="probability"),
        params={
            "err_1b": Param(Prior("Beta", alpha=2.0, beta=2.0), "error rate of a 1B model, anywhere in (0, 1)"),
            "gamma": Param(Prior("LogNormal", mu=np.log(0.2), sigma=0.6), "error exponents ~0.05-0.5"),
        },
    )
    '''
)


def test_user_law_with_an_accuracy_output_fits_like_a_builtin(tmp_path):
    path = tmp_path / "accuracy_law.py"
    path.write_text(ACCURACY_LAW)
    rng = np.random.default_rng(4)
    params = np.geomspace(1e8, 3e10, 24)
    truth = 1 - 0.45 * (params / 1e9) ** -0.25
    logit = np.log(truth / (1 - truth)) + 0.05 * rng.standard_normal(len(params))
    runs = pd.DataFrame({"n_params": params, "acc": 1 / (1 + np.exp(-logit))})
    result = bs.fit(
        str(path), runs, columns={"params": "n_params", "accuracy": "acc"}, draws=400, tune=400, chains=2, seed=2,
        warn=False,
    )  # fmt: skip
    assert result.law.outputs["accuracy"].kind == "probability"
    table = result.summary(interval=0.94)
    for name, value in {"err_1b": 0.45, "gamma": 0.25}.items():
        assert table.loc[name, "lower"] < value < table.loc[name, "upper"], (name, table.loc[name])
    # Far beyond the runs, where accuracy nears 1 and noise on the raw scale would cross it,
    # the logit-scale likelihood keeps every new run inside (0, 1).
    predicted = result.predict(params=np.geomspace(1e8, 1e15, 50))
    assert ((predicted["predictive_lower"] > 0) & (predicted["predictive_upper"] < 1)).all()
    # Far below the runs this law's accuracy turns negative: predict says so instead of
    # returning a number that means nothing.
    with pytest.warns(UserWarning, match=r"accuracy is not strictly between 0 and 1 .* \(first: params=1e\+06\)"):
        result.predict(params=[1e6, 1e9])
    loaded = bs.load_fit(result.save(tmp_path / "accuracy.nc"))
    pd.testing.assert_frame_equal(loaded.predict(params=1e11), result.predict(params=1e11))
