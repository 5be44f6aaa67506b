"""Groups, series and the law's discrepancy: the pieces, and fits that use them."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import bayescale as bs
from bayescale.discrepancy import GRID, HeldOut, Hull, growth_log_posterior
from bayescale.model import SERIES_LENGTH, SERIES_OFFSET
from bayescale.population import Link, link_of
from bayescale.predict import law_mean, pointwise_log_likelihood
from bayescale.priors import Prior
from bayescale.sampling import cache_info
from bayescale.structure import series_links

SHORT = {"draws": 300, "tune": 400, "chains": 2, "warn": False}


# -- pieces -------------------------------------------------------------------------------


def test_hull_distance_is_zero_inside_and_euclidean_beyond():
    square = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.5, 0.5]])
    hull = Hull.of(square)
    distance = hull.distance(np.array([[0.5, 0.5], [1.0, 1.0], [2.0, 0.5], [0.5, -0.25]]))
    np.testing.assert_allclose(distance, [0.0, 0.0, 1.0, 0.25], atol=1e-12)


def test_hull_of_one_input_is_its_range():
    hull = Hull.of(np.array([[1.0], [2.0], [3.0]]))
    np.testing.assert_allclose(hull.distance(np.array([[0.5], [2.5], [4.0]])), [0.5, 0.0, 1.0])


def test_hull_of_collinear_runs_counts_distance_off_their_line():
    line = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    hull = Hull.of(line)
    np.testing.assert_allclose(hull.distance(np.array([[1.0, 1.0], [3.0, 3.0], [1.0, 2.0]])),
                               [0.0, np.sqrt(2.0), np.sqrt(0.5)], atol=1e-12)  # fmt: skip


def test_series_links_order_rows_within_each_series():
    series = np.array([1, 0, 1, 0, 1])
    coordinate = np.array([3.0, 2.0, 1.0, 1.0, 2.0])
    links = series_links(series, coordinate)
    np.testing.assert_array_equal(links["prev_row"], [4, 3, 2, 3, 2])
    np.testing.assert_array_equal(links["has_prev"], [1, 1, 0, 0, 1])
    np.testing.assert_allclose(links["lag"], [1.0, 1.0, 0.0, 0.0, 1.0])


def test_growth_posterior_recovers_a_known_growth():
    rng = np.random.default_rng(3)
    distance = rng.uniform(0, 1.5, 4000)
    scale = np.full_like(distance, 0.01)
    error = rng.normal(0, np.sqrt(scale**2 + (0.06 * distance) ** 2))
    evidence = HeldOut(error, scale, distance, np.ones_like(distance), np.zeros_like(distance))
    posterior = np.exp(growth_log_posterior(evidence, nu=1e6))
    mean = float((GRID * posterior).sum())
    sd = float(np.sqrt(((GRID - mean) ** 2 * posterior).sum()))
    assert abs(mean - 0.06) < 4 * sd + (GRID[1] - GRID[0])  # within the posterior's spread (and a grid step)


def test_growth_posterior_without_evidence_is_the_prior():
    empty = HeldOut.concat([])
    posterior = np.exp(growth_log_posterior(empty, nu=4.0, prior_scale=0.05))
    mean = float((GRID * posterior).sum())
    assert mean == pytest.approx(0.05 * np.sqrt(2 / np.pi), rel=0.01)  # half-normal mean


@pytest.mark.parametrize(
    ("prior", "kind"),
    [(Prior("LogNormal", mu=0, sigma=1), "log"), (Prior("Beta", alpha=2, beta=2), "logit"),
     (Prior("Normal", mu=0, sigma=1), "identity")],
)  # fmt: skip
def test_links_invert(prior, kind):
    link = link_of(prior)
    assert link == Link(kind)
    values = np.array([0.2, 0.5, 0.9])
    np.testing.assert_allclose(link.backward(link.forward(values)), values)


# -- the observation model from the graph ------------------------------------------------


def test_graph_log_likelihood_matches_the_vectorized_path(quick_fit):
    """The pointwise log-likelihood comes from the PyMC graph; the fast NumPy path used at new
    points must give the same numbers at the fitted runs."""
    law, post = quick_fit.law, quick_fit.posterior
    runs = quick_fit.runs()
    params = {n: post[n].values.reshape(-1) for n in law.param_names}
    mean = law_mean(law, params, {n: runs[n].to_numpy() / quick_fit.scales[n] for n in law.input_names})["loss"]
    fast = pointwise_log_likelihood(law.outputs["loss"], quick_fit.spec.noise, mean, post["sigma"].values.reshape(-1),
                                    runs["loss"].to_numpy())  # fmt: skip
    graph = quick_fit.tree["log_likelihood"]["loss"].values.reshape(fast.shape)
    np.testing.assert_allclose(graph, fast, rtol=1e-9, atol=1e-9)
    assert set(quick_fit.tree.children) >= {"posterior_predictive", "log_likelihood"}


def test_new_fixed_value_reuses_the_compiled_model(simulated_runs):
    first = bs.fit("chinchilla", simulated_runs, fixed={"E": 1.7}, seed=1, uncertainty="iid", **SHORT)
    compiled = cache_info()["compiled_models"]
    second = bs.fit("chinchilla", simulated_runs, fixed={"E": 1.9}, seed=1, uncertainty="iid", **SHORT)
    assert cache_info()["compiled_models"] == compiled
    assert float(first.posterior["E"].mean()) == pytest.approx(1.7)
    assert float(second.posterior["E"].mean()) == pytest.approx(1.9)


# -- groups ------------------------------------------------------------------------------

GROUP_E = {"a": 1.6, "b": 1.9, "c": 2.2}


def grouped_runs(seed: int = 0, per_group: int = 12) -> pd.DataFrame:
    """A power law whose floor E differs by group; A and alpha shared. The law is sampled as its
    value at the centre of the runs and the reducible share there, so both vary by group."""
    rng = np.random.default_rng(seed)
    frames = []
    for group, floor in GROUP_E.items():
        x = np.geomspace(1e6, 1e9, per_group)
        y = (floor + 3.0 * (x / 1e7) ** -0.4) * np.exp(0.01 * rng.standard_normal(per_group))
        frames.append(pd.DataFrame({"x": x, "y": y, "dataset": group}))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def grouped_fit():
    return bs.fit(
        "power_law", grouped_runs(), groups="dataset", varying=["y_c", "r_c"], seed=5, uncertainty="iid", **SHORT
    )


def test_grouped_fit_recovers_each_groups_parameter(grouped_fit):
    summary = grouped_fit.summary(0.94)
    for group, floor in GROUP_E.items():
        row = summary.loc[f"E[{group}]"]
        assert row["lower"] <= floor <= row["upper"], (group, row.to_dict())
        assert summary.loc[f"y_c[{group}]", "status"] == "by group"
    assert {"y_c_pop", "y_c_spread", "r_c_pop", "r_c_spread"} <= set(summary.index)
    assert grouped_fit.groups == ("a", "b", "c")


def test_predict_for_a_known_and_a_new_group(grouped_fit):
    known = grouped_fit.predict(x=1e10, group="c", interval=0.9).iloc[0]
    new = grouped_fit.predict(x=1e10, interval=0.9).iloc[0]
    assert known["lower"] > 2.0  # group c's floor is 2.2
    assert (new["upper"] - new["lower"]) > 3 * (known["upper"] - known["lower"])  # population integrated over


def test_grouped_fit_round_trips(grouped_fit, tmp_path):
    loaded = bs.load_fit(grouped_fit.save(tmp_path / "grouped.nc"))
    assert loaded.spec.varying == ("y_c", "r_c")
    pd.testing.assert_frame_equal(loaded.predict(x=1e9, group="a"), grouped_fit.predict(x=1e9, group="a"))


def test_group_on_an_ungrouped_fit_is_refused(quick_fit):
    with pytest.raises(bs.BayescaleInputError, match="no groups"):
        quick_fit.predict(params=1e10, tokens=2e11, group="a")


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [({"groups": "dataset"}, "go together"), ({"varying": ["y_c"]}, "go together"),
     ({"groups": "dataset", "varying": ["Q"]}, "not a free parameter"),
     ({"groups": "nope", "varying": ["y_c"]}, "names no column")],
)  # fmt: skip
def test_bad_group_arguments_get_one_line(kwargs, words):
    with pytest.raises(bs.BayescaleInputError, match=words):
        bs.fit("power_law", grouped_runs(), **kwargs, **SHORT)


# -- series ------------------------------------------------------------------------------


def series_runs(seed: int, n_series: int = 4, per_series: int = 30, rho_length: float = 0.05) -> pd.DataFrame:
    """Checkpoints of several runs: a power law plus, per run, an offset and errors correlated along x."""
    rng = np.random.default_rng(seed)
    frames = []
    for s in range(n_series):
        x = np.geomspace(1e6, 1e8, per_series) * (1 + s)
        lag = np.diff(np.log10(x), prepend=np.log10(x[0]))
        error = np.zeros(per_series)
        for i in range(per_series):
            rho = np.exp(-lag[i] / rho_length) if i else 0.0
            error[i] = rho * (error[i - 1] if i else 0.0) + 0.01 * np.sqrt(1 - rho**2) * rng.standard_normal()
        offset = 0.02 * rng.standard_normal()
        y = (1.5 + 2.0 * (x / 1e7) ** -0.3) * np.exp(offset + error)
        frames.append(pd.DataFrame({"x": x, "y": y, "run": f"r{s}"}))
    return pd.concat(frames, ignore_index=True)


def test_series_fit_learns_correlation_and_widens_the_law():
    runs = series_runs(seed=2)
    with_series = bs.fit("power_law", runs, series="run", seed=3, **SHORT)
    iid = bs.fit("power_law", runs, seed=3, uncertainty="iid", **SHORT)
    assert with_series.spec.series and not iid.spec.series
    assert {SERIES_OFFSET, SERIES_LENGTH} <= set(with_series.posterior.data_vars)
    length = with_series.posterior[SERIES_LENGTH].values
    assert np.quantile(length, 0.03) < 0.05 < np.quantile(length, 0.97)  # the simulated correlation length
    width = {name: float(np.diff(f.predict(x=1e9).loc[0, ["lower", "upper"]])[0])
             for name, f in (("series", with_series), ("iid", iid))}  # fmt: skip
    # neighbours correlate by exp(-0.067 / 0.05) = 0.26: (1 - 0.26) / (1 + 0.26) of the rows count, and
    # the 4 offsets add their own spread, so the law interval should widen by about 1.3x or more
    assert width["series"] > 1.2 * width["iid"]  # 120 correlated rows are not 120 runs


def test_calibrated_fit_reports_the_parts_of_its_interval(simulated_runs):
    result = bs.fit("chinchilla", simulated_runs, seed=4, **SHORT)
    assert result.settings["uncertainty"] == "calibrated"
    assert result.settings["discrepancy_refits"] >= 1
    table = result.predict(params=[1e9, 1e12], tokens=[2e10, 2e13])
    assert table.loc[0, "distance"] == 0.0 and table.loc[1, "distance"] > 1.0
    assert table.loc[0, "sd_discrepancy"] == 0.0 and table.loc[1, "sd_discrepancy"] > 0.0
    assert (table["sd_noise"] > 0).all() and (table["sd_params"] > 0).all()
    far = table.loc[1]
    assert far["predictive_upper"] - far["predictive_lower"] > far["upper"] - far["lower"]


def test_refits_in_threads_give_the_evidence_of_refits_in_turn(simulated_runs, monkeypatch):
    from bayescale import extrapolation
    from bayescale.sampling import SamplerSettings

    fitted = bs.fit("chinchilla", simulated_runs, seed=4, uncertainty="iid", **SHORT)
    spec, runs, scales = fitted.spec, fitted.fitted_runs(), fitted.scales
    settings = SamplerSettings(draws=300, tune=400, chains=2, seed=4)
    assert extrapolation.refits_in_parallel(settings)
    threaded, refits = extrapolation.leave_future_out(spec, runs, scales, settings)
    monkeypatch.setattr(extrapolation, "refits_in_parallel", lambda settings: False)
    in_turn, _ = extrapolation.leave_future_out(spec, runs, scales, settings)
    assert refits >= 2  # else nothing ran in parallel
    for name in ("error", "scale", "distance", "weight", "cut"):
        np.testing.assert_array_equal(getattr(threaded, name), getattr(in_turn, name))


# -- command line ------------------------------------------------------------------------


def _cli(*args: str):
    from typer.testing import CliRunner

    from bayescale.cli import app

    return CliRunner().invoke(app, list(args))


CLI_SHORT = ("--draws", "200", "--tune", "300", "--chains", "2", "--seed", "3")


def test_cli_groups_round_trip(tmp_path):
    csv, path = tmp_path / "grouped.csv", tmp_path / "grouped.nc"
    grouped_runs().to_csv(csv, index=False)
    fitted = _cli(
        "fit", str(csv), "--law", "power_law", "--group", "dataset", "--vary", "y_c,r_c", *CLI_SHORT, "-o", str(path)
    )
    assert fitted.exit_code == 0, fitted.output
    known = json.loads(_cli("predict", str(path), "--at", "x=1e10", "--group", "c", "--json").stdout)[0]
    new = json.loads(_cli("predict", str(path), "--at", "x=1e10", "--json").stdout)[0]
    known, new = known["law"], new["law"]
    assert known["lower"] > 2.0
    assert new["upper"] - new["lower"] > known["upper"] - known["lower"]
    loaded = bs.load_fit(path)
    assert loaded.spec.varying == ("y_c", "r_c") and loaded.structure == {"groups": "dataset"}


def test_cli_series_round_trip(tmp_path):
    csv, path = tmp_path / "series.csv", tmp_path / "series.nc"
    series_runs(seed=1).to_csv(csv, index=False)
    fitted = _cli("fit", str(csv), "--law", "power_law", "--series", "run", *CLI_SHORT, "-o", str(path))
    assert fitted.exit_code == 0, fitted.output
    loaded = bs.load_fit(path)
    assert loaded.spec.series and loaded.structure == {"series": "run"}
    result = _cli("predict", str(path), "--at", "x=1e9", "--series", "r0", "--json")
    assert result.exit_code == 0, result.output
    point = json.loads(result.stdout)[0]
    new_run = point["new_run"]
    assert new_run["lower"] < new_run["median"] < new_run["upper"]
    assert point["distance"] > 0 and point["sd_discrepancy"] > 0


def test_cli_unknown_group_column_exits_2(tmp_path):
    csv = tmp_path / "grouped.csv"
    grouped_runs().to_csv(csv, index=False)
    result = _cli(
        "fit", str(csv), "--law", "power_law", "--group", "nope", "--vary", "y_c", "-o", str(tmp_path / "x.nc")
    )
    assert result.exit_code == 2
    assert "nope" in result.output and "Traceback" not in result.output
