"""The command line: JSON on stdout only, exit status 2 with one line on bad input."""

import json
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

import bayescale as bs
from bayescale.cli import app
from bayescale.fit import load_fit

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(args))


@pytest.fixture(scope="module")
def fit_file(tmp_path_factory, simulated_runs):
    folder = tmp_path_factory.mktemp("cli")
    csv = folder / "runs.csv"
    simulated_runs.rename(columns={"params": "n_params"}).to_csv(csv, index=False)
    path = folder / "fit.nc"
    result = run(
        "fit",
        str(csv),
        "--law",
        "chinchilla",
        "--column",
        "params=n_params",
        "--draws",
        "200",
        "--tune",
        "300",
        "--chains",
        "2",
        "--seed",
        "1",
        "-o",
        str(path),
    )
    assert result.exit_code == 0, result.output
    return path


def test_predict_json_is_a_list_of_points(fit_file):
    result = run(
        "predict", str(fit_file), "--at", "params=7e10,tokens=1.4e12", "--at", "params=1e9,tokens=2e10", "--json"
    )
    assert result.exit_code == 0
    points = json.loads(result.stdout)
    assert len(points) == 2
    parts = {"sd_params", "sd_discrepancy", "sd_noise", "distance"}
    assert set(points[0]) == {"params", "tokens", "law", "new_run"} | parts
    law, new_run = points[0]["law"], points[0]["new_run"]
    assert set(law) == set(new_run) == {"median", "lower", "upper", "interval"} and law["interval"] == 0.9
    assert points[0]["params"] == 7e10 and law["lower"] < law["median"] < law["upper"]
    assert new_run["lower"] < law["lower"] and law["upper"] < new_run["upper"] and new_run["median"] == law["median"]


def test_summary_json_is_keyed_by_parameter(fit_file):
    result = run("summary", str(fit_file), "--json")
    assert result.exit_code == 0
    table = json.loads(result.stdout)
    assert {"E", "A", "alpha", "B", "beta", "sigma"} <= set(table)
    assert {"median", "lower", "upper", "interval", "r_hat", "ess_bulk"} <= set(table["alpha"])
    assert 0.2 < table["alpha"]["median"] < 0.5


def test_json_stdout_holds_only_json_when_run_as_a_process(fit_file):
    done = subprocess.run(
        [sys.executable, "-m", "bayescale.cli", "summary", str(fit_file), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    json.loads(done.stdout)  # nothing else on stdout
    report = load_fit(fit_file).diagnostics.report()
    assert " ".join(done.stderr.split()) == " ".join(report.split())  # diagnostics go to stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["summary", "missing.nc"], "fit file not found: missing.nc"),
        (["predict", "missing.nc", "--at", "params=1"], "fit file not found"),
        (["fit", "missing.csv", "--law", "chinchilla", "-o", "x.nc"], "runs file not found: missing.csv"),
        (["laws", "nonsense"], "unknown law 'nonsense'"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_missing_column_exits_2_naming_it(tmp_path):
    csv = tmp_path / "runs.csv"
    csv.write_text(
        "n,tokens,loss\n" + "\n".join(f"{10 ** (8 + i / 5)},{10 ** (10 + i / 5)},{3 - i / 20}" for i in range(10))
    )
    result = run("fit", str(csv), "--law", "chinchilla", "-o", str(tmp_path / "f.nc"))
    assert result.exit_code == 2
    assert "column 'params'" in result.stderr and "columns found: n, tokens, loss" in result.stderr


def test_bad_at_point_exits_2(fit_file):
    result = run("predict", str(fit_file), "--at", "params=abc,tokens=1e9")
    assert result.exit_code == 2 and "'abc' is not a number" in result.stderr


def test_laws_lists_catalog_and_shows_priors():
    listing = run("laws")
    assert listing.exit_code == 0 and "arXiv:2203.15556" in listing.stdout
    for name in bs.available_laws():
        assert name in listing.stdout, f"{name} missing from `bayescale laws`"
    detail = run("laws", "chinchilla")
    assert detail.exit_code == 0 and "LogNormal" in detail.stdout and "Epoch" in detail.stdout


def test_demo_json_reports_both_targets(monkeypatch):
    import importlib

    import pytensor

    engine = importlib.import_module("bayescale.fit")  # the module, not the function of the same name
    compilers = []
    fit = engine.fit
    monkeypatch.setattr(engine, "fit", lambda *a, **k: compilers.append(pytensor.config.cxx) or fit(*a, **k))
    result = run("demo", "--json")
    assert result.exit_code == 0
    assert compilers == [""]  # nothing the demo compiles runs as C, so PyTensor's C machinery stays off
    doc = json.loads(result.stdout)
    labels = [p["label"] for p in doc["predictions"]]
    assert labels == ["Chinchilla-70B", "Llama-3-405B"]
    chinchilla = doc["predictions"][0]
    assert 1.93 <= chinchilla["law"]["median"] <= 2.02
    assert np.isclose(doc["summary"]["alpha"]["median"], 0.348, atol=0.03)


def test_fit_command_records_fixed_tied_and_prior(tmp_path, simulated_runs):
    csv = tmp_path / "runs.csv"
    simulated_runs.to_csv(csv, index=False)
    path = tmp_path / "fit.nc"
    result = run("fit", str(csv), "--law", "chinchilla", "--fix", "E=1.8", "--tie", "beta=alpha",
                 "--prior", "alpha=LogNormal(mu=-1.0, sigma=0.2)", "--draws", "100", "--tune", "200",
                 "--chains", "2", "--seed", "1", "-o", str(path))  # fmt: skip
    assert result.exit_code == 0, result.output
    spec = load_fit(path).spec
    assert spec.fixed == {"E": 1.8} and spec.tied == {"beta": "alpha"}
    assert spec.priors["alpha"].to_dict() == {"dist": "LogNormal", "kwargs": {"mu": -1.0, "sigma": 0.2}}


def test_bad_prior_exits_2(tmp_path, simulated_runs):
    csv = tmp_path / "runs.csv"
    simulated_runs.to_csv(csv, index=False)
    result = run(
        "fit", str(csv), "--law", "chinchilla", "--prior", "alpha=Lognormal(mu=x)", "-o", str(tmp_path / "f.nc")
    )
    assert result.exit_code == 2 and "--prior 'alpha=Lognormal(mu=x)'" in result.stderr


def test_version_prints_the_package_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"bayescale {bs.__version__}"


def test_every_option_and_argument_has_help_text():
    import typer.main

    def undocumented(command, path):
        for param in command.params:
            if not getattr(param, "help", None):
                yield f"{path} {param.name}"
        for name, sub in getattr(command, "commands", {}).items():
            yield from undocumented(sub, f"{path} {name}")

    assert list(undocumented(typer.main.get_command(app), "bayescale")) == []
