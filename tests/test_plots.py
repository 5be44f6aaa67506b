"""Figures and the HTML report: labelled, log-scaled, the right number of lines and bands, not blank."""

import io
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.image import imread  # noqa: E402

import bayescale as bs  # noqa: E402
from bayescale.cli import app  # noqa: E402
from bayescale.decisions import optimal  # noqa: E402
from bayescale.plots import plot_extrapolation, plot_frontier, plot_posterior  # noqa: E402
from bayescale.plots.ticks import human  # noqa: E402
from bayescale.report import build_report  # noqa: E402

PIXEL_VARIANCE_FLOOR = 1e-3  # a blank white canvas has variance 0; any drawn figure is well above


def pixel_variance(figure) -> float:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=60)
    buffer.seek(0)
    return float(imread(buffer)[..., :3].var())


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize(
    ("value", "text"), [(7e10, "70B"), (1.4e12, "1.4T"), (5e6, "5M"), (3e21, "3e21"), (0.5, "0.5")]
)
def test_human_tick_labels(value, text):
    assert human(value) == text


def test_extrapolation_plot_has_bands_lines_and_targets(quick_fit):
    targets = [{"params": 70e9, "tokens": 1.4e12, "label": "Chinchilla-70B"}]
    ax = plot_extrapolation(quick_fit, targets=targets)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.get_xlabel() == "training tokens D (tokens)" and ax.get_ylabel() == "loss L (nats/token)"
    n_series = len([line for line in ax.get_lines() if line.get_label().startswith("N = ")])
    assert 2 <= n_series <= 6  # a few model sizes plus the target's
    assert any(line.get_label() == "N = 70B" for line in ax.get_lines())
    assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 3 * n_series
    assert any("Chinchilla-70B" in t.get_text() for t in ax.texts)
    assert pixel_variance(ax.figure) > PIXEL_VARIANCE_FLOOR


def test_extrapolation_plot_of_one_input_law():
    rng = np.random.default_rng(0)
    x = np.geomspace(1e18, 1e21, 20)
    runs = {"x": x, "y": (1.7 + 0.8 * (x / 1e19) ** -0.15) * np.exp(0.01 * rng.standard_normal(20))}
    result = bs.fit("power_law", pd.DataFrame(runs), draws=200, tune=300, chains=2, seed=1, warn=False)
    ax = plot_extrapolation(result, targets={"x": 1e23})
    assert len([line for line in ax.get_lines() if line.get_label() == "law median"]) == 1
    assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 3
    assert ax.get_xlim()[1] > 1e23


def test_extrapolation_targets_must_name_every_input(quick_fit):
    with pytest.raises(bs.BayescaleInputError, match="missing tokens"):
        plot_extrapolation(quick_fit, targets={"params": 1e10})


def test_posterior_plot_overlays_published_values(quick_fit):
    figure = plot_posterior(quick_fit, var_names=["E", "alpha", "beta"], published={"Epoch 2024": {"alpha": 0.348}})
    labels = [ax.get_xlabel() for ax in figure.axes]
    assert {"E", "alpha", "beta"} <= set(labels)
    dashed = [line for ax in figure.axes for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 1 and np.isclose(dashed[0].get_xdata()[0], 0.348)
    assert pixel_variance(figure) > PIXEL_VARIANCE_FLOOR


def test_report_has_sections_and_embedded_image(quick_fit):
    page = build_report(quick_fit)
    for section in ("Data", "Parameters", "Diagnostics", "Extrapolation", "Predictions at the targets"):
        assert f"<h2>{section}" in page
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 1 and len(images[0]) > 10_000


def test_plot_and_report_commands(quick_fit, tmp_path):
    from typer.testing import CliRunner

    path = quick_fit.save(tmp_path / "fit.nc")
    runner = CliRunner()
    png = tmp_path / "fig.png"
    done = runner.invoke(
        app, ["plot", str(path), "--kind", "extrapolation", "--target", "params=7e10,tokens=1.4e12", "-o", str(png)]
    )
    assert done.exit_code == 0, done.output
    assert imread(png)[..., :3].var() > PIXEL_VARIANCE_FLOOR
    html = tmp_path / "report.html"
    assert runner.invoke(app, ["report", str(path), "-o", str(html)]).exit_code == 0
    assert "<h2>Extrapolation" in html.read_text()
    bad = runner.invoke(app, ["plot", str(path), "--kind", "pie", "-o", str(png)])
    assert bad.exit_code == 2 and "--kind 'pie'" in bad.stderr


def test_frontier_plot_has_bands_and_published_points(quick_fit, tmp_path):
    from typer.testing import CliRunner

    published = {"Chinchilla-70B": pd.DataFrame({"flops": [5.88e23], "params": [70e9], "tokens": [1.4e12]})}
    allocation = optimal(quick_fit, np.geomspace(1e19, 1e25, 20))
    figure = plot_frontier(allocation, published=published)
    params_ax, tokens_ax = figure.axes
    for ax in (params_ax, tokens_ax):
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
        assert ax.get_xlabel() == "training compute C (FLOPs, C = 6 N D)"
        np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), allocation.flops)  # the allocation's budgets
        assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 2  # 50% and 90% bands
        assert len(ax.get_lines()) == 1
        assert any(c.get_label() == "Chinchilla-70B" for c in ax.collections)
    assert params_ax.get_title().startswith(f"N* ∝ C^a: a = {allocation.exponents(0.9)['a_median']:.3f}")
    assert pixel_variance(figure) > PIXEL_VARIANCE_FLOOR
    path = quick_fit.save(tmp_path / "fit.nc")
    png = tmp_path / "frontier.png"
    done = CliRunner().invoke(app, ["plot", str(path), "--kind", "frontier", "-o", str(png)])
    assert done.exit_code == 0, done.output
    assert imread(png)[..., :3].var() > PIXEL_VARIANCE_FLOOR
    grouped = CliRunner().invoke(app, ["plot", str(path), "--kind", "extrapolation", "--group", "c4", "-o", str(png)])
    assert grouped.exit_code == 2 and "--group" in grouped.stderr


def test_isoflop_plot_shows_valleys_and_optima():
    from bayescale.plots import plot_isoflop
    from tests.test_decisions import simulate_isoflop

    runs = simulate_isoflop(0)
    result = bs.isoflop(runs, draws=200, tune=300, chains=2, seed=1, warn=False)  # short chains: a figure test
    figure = plot_isoflop(result, runs)
    valley_ax, frontier_ax = figure.axes
    assert valley_ax.get_xscale() == "log" and valley_ax.get_xlabel() == "parameters N"
    assert len(valley_ax.get_lines()) >= 6  # one valley per budget (plus error-bar lines)
    assert len(valley_ax.get_legend().get_texts()) == 6
    assert frontier_ax.get_xscale() == "log" and frontier_ax.get_yscale() == "log"
    assert len([c for c in frontier_ax.collections if isinstance(c, PolyCollection)]) == 2
    assert pixel_variance(figure) > PIXEL_VARIANCE_FLOOR
