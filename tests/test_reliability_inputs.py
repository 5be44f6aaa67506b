"""Bad input named in one line before any sampling: law files, priors and fixed values, tables,
runs that cannot identify the law, laws the sampler could not start from, command-line usage."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import bayescale as bs
from bayescale.cli import app
from bayescale.errors import DataWarning, SamplingFailedError
from bayescale.law import Input, Law, Output, Param
from bayescale.model import ModelSpec, resolve_scales
from bayescale.preflight import check_law_at_runs
from bayescale.prior_checks import check_fixed, check_prior
from bayescale.priors import Prior
from bayescale.runs import input_dependencies, warn_identifiability

runner = CliRunner()
CHINCHILLA = bs.get_law("chinchilla")


# -- law files -------------------------------------------------------------------------------------

LAW_HEADER = "from bayescale.priors import Prior\nfrom bayescale.law import Input, Law, Output, Param\n"


@pytest.mark.parametrize(
    "body, words",
    [
        ("raise RuntimeError('boom')", "RuntimeError: boom"),
        ("raise ValueError('bad')", "ValueError: bad"),
        ("1 / 0", "ZeroDivisionError"),
        ("None.x", "AttributeError"),
        ("{}['k']", "KeyError"),
        ("import sys\nsys.exit(3)", "sys.exit(3)"),
        ("def (:", "is not valid Python"),
        ("x = 1", "defines no `law = Law(...)`"),
        (
            LAW_HEADER + "law = Law(lambda x, a: a * x, 'l', '', '', {'x': Input('x', '')}, Output('y', 'y', ''), "
            "{'a': Param('Normal(0, 1)', 'why')})",
            "parameter 'a' must be a Prior",
        ),
        (
            LAW_HEADER + "law = Law(lambda x, a: a * x, 'l', '', '', {'x': Input('x', '')}, Output('y', 'y', ''), "
            "{'a': Param(Prior('Normal', mu=0, sigma=-1), 'why')})",
            "has sigma=-1; it must be positive",
        ),
    ],
)
def test_a_failing_law_file_is_one_line_naming_the_file(tmp_path, body, words):
    path = tmp_path / "my_law.py"
    path.write_text(body)
    with pytest.raises(bs.BayescaleInputError) as caught:
        bs.get_law(path)
    message = str(caught.value)
    assert str(path) in message and words in message and "\n" not in message


def test_law_file_that_is_not_utf8_or_not_python_is_named(tmp_path):
    latin = tmp_path / "latin.py"
    latin.write_bytes(b"law = '\xe9t\xe9'\n")
    with pytest.raises(bs.BayescaleInputError, match=r"latin\.py is not UTF-8"):
        bs.get_law(latin)
    table = tmp_path / "runs.csv"
    table.write_text("params,tokens,loss\n1,2,3\n")
    with pytest.raises(bs.BayescaleInputError, match=r"runs\.csv is not a Python file"):
        bs.get_law(table)


def test_law_file_printing_does_not_reach_stdout(tmp_path, capsys):
    path = tmp_path / "noisy.py"
    path.write_text("print('hello from the law file')\n" + LAW_HEADER + (
        "law = Law(lambda x, a: a * x, 'noisy', '', '', {'x': Input('x', '')}, Output('y', 'y', ''),"
        " {'a': Param(Prior('LogNormal', mu=0, sigma=1), 'why')})"
    ))  # fmt: skip
    assert bs.get_law(path).name == "noisy"
    printed = capsys.readouterr()
    assert printed.out == "" and "hello from the law file" in printed.err  # --json output stays pure


@pytest.mark.parametrize("law", [None, 3, ["chinchilla"], b"chinchilla"])
def test_law_argument_of_the_wrong_type(law):
    with pytest.raises(bs.BayescaleInputError, match="give a law name"):
        bs.get_law(law)


# -- priors and fixed values -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "prior, words",
    [
        (Prior("LogNormal", mu=0, sigma=-1), "sigma=-1; it must be positive"),
        (Prior("HalfNormal", sigma=0), "sigma=0; it must be positive"),
        (Prior("Normal", mu=np.inf, sigma=1), "mu=inf; it must be finite"),
        (Prior("Normal", mu=float("nan"), sigma=1), "it must be finite"),
        (Prior("Uniform", lower=2, upper=1), "lower=2 not below upper=1"),
        (Prior("Gamma", alpha=-2, beta=1), "alpha=-2; it must be positive"),
        (Prior("Normal", mu=Prior("Normal", mu=0, sigma=-3), sigma=1), "sigma=-3"),
        ("Normal(0, 1)", "must be a Prior"),
    ],
)
def test_unusable_prior_is_refused(prior, words):
    with pytest.raises(bs.BayescaleInputError, match="priors\\['E'\\]") as caught:
        check_prior(prior, "priors['E']")
    assert words in str(caught.value)


def test_usable_priors_pass_including_real_valued_alpha():
    for prior in (Prior("Normal", mu=0, sigma=1), Prior("SkewNormal", mu=0, sigma=1, alpha=-3),
                  Prior("Cauchy", alpha=-1, beta=2), Prior("Uniform", lower=-1, upper=1)):  # fmt: skip
        assert check_prior(prior, "p") is prior


@pytest.mark.parametrize(
    "value, prior, noise, words",
    [
        (-5.0, Prior("LogNormal", mu=0, sigma=1), False, "above 0"),
        (0.0, Prior("LogNormal", mu=0, sigma=1), False, "above 0"),
        (0.0, Prior("HalfNormal", sigma=1), True, "noise scale must be above 0"),
        (1.5, Prior("Beta", alpha=2, beta=2), False, "at most 1"),
        (3.0, Prior("Uniform", lower=0, upper=2), False, "at most 2"),
        (True, Prior("Normal", mu=0, sigma=1), False, "must be a finite number"),
        (np.nan, Prior("Normal", mu=0, sigma=1), False, "must be a finite number"),
        ("1.0", Prior("Normal", mu=0, sigma=1), False, "must be a finite number"),
    ],
)
def test_fixed_value_outside_its_prior_is_refused(value, prior, noise, words):
    with pytest.raises(bs.BayescaleInputError, match="fixed\\['p'\\]") as caught:
        check_fixed(value, prior, "p", noise=noise)
    assert words in str(caught.value)


def test_fixed_values_inside_the_support_pass_as_floats():
    assert check_fixed(0.0, Prior("HalfNormal", sigma=1), "E") == 0.0  # HalfNormal includes 0
    assert check_fixed(np.int64(2), Prior("LogNormal", mu=0, sigma=1), "E") == 2.0
    assert check_fixed(-4.0, Prior("Normal", mu=0, sigma=1), "E") == -4.0


def test_model_spec_names_the_bad_override():
    with pytest.raises(bs.BayescaleInputError, match=r"fixed\['E'\]=-5.0 lies outside its prior"):
        ModelSpec.create(CHINCHILLA, fixed={"E": -5})
    with pytest.raises(bs.BayescaleInputError, match=r"fixed\['sigma'\]=0.0: a noise scale must be above 0"):
        ModelSpec.create(CHINCHILLA, fixed={"sigma": 0})
    with pytest.raises(bs.BayescaleInputError, match=r"fixed=\['E'\] must map"):
        ModelSpec.create(CHINCHILLA, fixed=["E"])


def test_input_scales_must_be_finite_positive_numbers(tiny_runs):
    runs = bs.load_runs(tiny_runs, CHINCHILLA)
    for bad in (np.inf, 0.0, -1.0, "1e9", True, 1e-320):
        with pytest.raises(bs.BayescaleInputError, match=r"scales\['params'\]"):
            resolve_scales(CHINCHILLA, runs, {"params": bad})


# -- tables ----------------------------------------------------------------------------------------


def test_duplicate_column_names_are_refused_in_a_csv_and_a_frame(tmp_path, tiny_runs):
    path = tmp_path / "runs.csv"
    rows = "\n".join(f"{n},{d},{y},{y}" for n, d, y in tiny_runs.to_numpy())
    path.write_text("params,tokens,loss,loss\n" + rows)
    with pytest.raises(bs.BayescaleInputError, match="runs.csv has more than one column named 'loss'"):
        bs.load_runs(path, "chinchilla")
    frame = pd.concat([tiny_runs, tiny_runs[["params"]]], axis=1)
    with pytest.raises(bs.BayescaleInputError, match="more than one column named 'params'"):
        bs.load_runs(frame, "chinchilla")


@pytest.mark.parametrize(
    "column, values, words",
    [
        ("params", lambda r: r["params"] > 0, "true/false values"),
        ("params", lambda r: pd.to_datetime(r["params"]), "dates"),
        ("tokens", lambda r: pd.to_timedelta(r["tokens"]), "durations"),
        ("loss", lambda r: r["loss"] + 0j, "complex numbers"),
        ("loss", lambda r: pd.Series([True, *r["loss"].iloc[1:]], dtype=object), "true/false values"),
    ],
)
def test_columns_that_only_look_numeric_are_refused(tiny_runs, column, values, words):
    frame = tiny_runs.assign(**{column: values(tiny_runs)})
    with pytest.raises(bs.BayescaleInputError, match=f"column '{column}' in the table holds {words}"):
        bs.load_runs(frame, "chinchilla")


@pytest.mark.parametrize("data", [None, np.ones((3, 3)), [1.0, 2.0], {"params": [1.0]}, pd.Series([1.0]), b"x", ""])
def test_runs_of_the_wrong_type(data):
    with pytest.raises(bs.BayescaleInputError, match="CSV path or a pandas DataFrame"):
        bs.load_runs(data, "chinchilla")


# -- runs that cannot identify the law ---------------------------------------------------------------


def test_dependencies_are_read_from_the_mean_function():
    assert input_dependencies(CHINCHILLA) == {"params": ["A", "alpha"], "tokens": ["B", "beta"]}
    assert input_dependencies(bs.get_law("kaplan_steps")) == {"params": ["N_c", "alpha_N"], "steps": ["S_c", "alpha_S"]}


def identifiability_warnings(frame: pd.DataFrame, free=None) -> list[str]:
    runs = bs.load_runs(frame, CHINCHILLA)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_identifiability(runs, CHINCHILLA, free or CHINCHILLA.param_names)
    return [str(w.message) for w in caught if issubclass(w.category, DataWarning)]


def test_runs_at_one_model_size_warn_that_its_parameters_are_not_identified(tiny_runs):
    messages = identifiability_warnings(tiny_runs.assign(params=1e9))
    assert len(messages) == 1
    assert "column 'params' (input 'params') in the table has one value, 1e+09, in every run" in messages[0]
    assert "A, alpha cannot be identified" in messages[0]


def test_fewer_distinct_values_than_dependent_parameters_warn(tiny_runs):
    kaplan = bs.get_law("kaplan")  # all four parameters depend on both inputs
    frame = tiny_runs.assign(params=np.where(np.arange(len(tiny_runs)) % 2, 1e9, 2e9))
    runs = bs.load_runs(frame, kaplan)
    with pytest.warns(DataWarning, match=r"takes 2 distinct values, fewer than the 4 parameters depending on it"):
        warn_identifiability(runs, kaplan, kaplan.param_names)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # fixing two of them leaves two, which two values can pin down
        warn_identifiability(runs, kaplan, ["N_c", "alpha_N"])


def test_identical_rows_warn(tiny_runs):
    repeated = identifiability_warnings(pd.concat([tiny_runs, tiny_runs.iloc[[3, 7]]], ignore_index=True))
    assert repeated == [
        "rows 20, 21 of the table repeat earlier rows exactly: each copy counts as another independent run; "
        "drop the repeats unless they are real reruns"
    ]
    same = identifiability_warnings(pd.DataFrame([tiny_runs.iloc[0]] * 8))
    assert any("all 8 runs in the table are identical" in m for m in same)
    assert any("'params'" in m for m in same) and any("'tokens'" in m for m in same)


def test_runs_spread_over_the_inputs_raise_no_identifiability_warning(tiny_runs):
    assert identifiability_warnings(tiny_runs) == []


# -- laws the sampler could not start from ---------------------------------------------------------


def simple_law(mean, name="simple", prior=None) -> Law:
    return Law(mean, name=name, formula="", citation="", inputs={"x": Input("x", "")}, output=Output("y", "y", ""),
               params={"A": Param(prior or Prior("LogNormal", mu=0, sigma=0.5), "")})  # fmt: skip


LINE = pd.DataFrame({"x": np.linspace(1, 3, 12), "y": 2.0 * np.linspace(1, 3, 12)})


@pytest.mark.parametrize(
    "mean, words",
    [
        (lambda x, A: A * x * np.nan, "gives no finite, positive mean at rows 0, 1, 2, 3, 4, 5, 6, 7 and 4 more"),
        (lambda x, A: A * x - 100.0, "gives no finite, positive mean at rows 0, 1, 2"),
    ],
)
def test_a_law_with_no_usable_mean_at_the_runs_fails_before_sampling(mean, words):
    with pytest.raises(SamplingFailedError) as caught:
        bs.fit(simple_law(mean), LINE, draws=20, tune=20, chains=1, seed=0)
    assert words in str(caught.value) and "(first: x=1)" in str(caught.value)


def test_a_denormal_input_names_its_row(tiny_runs):
    frame = tiny_runs.assign(params=np.where(tiny_runs.index == 4, 5e-324, tiny_runs["params"]))
    runs = bs.load_runs(frame, CHINCHILLA)
    spec = ModelSpec.create(CHINCHILLA)
    with pytest.raises(SamplingFailedError, match=r"at row 4 of the table \(first: params=4.941e-324"):
        check_law_at_runs(spec, runs, resolve_scales(CHINCHILLA, runs))


def test_a_law_usable_only_far_from_the_priors_centre_fails_in_one_line():
    # A > 500 makes the mean positive: 2% of LogNormal(0, 3) draws (ln 500 = 2.07 sigma), but none of the
    # sampler's starting points, which lie within e^+-1 of the prior's mean exp(4.5) = 90.
    law = simple_law(lambda x, A: A * x - 500.0, "far", Prior("LogNormal", mu=0, sigma=3))
    with pytest.raises(SamplingFailedError, match="could not start") as caught:
        bs.fit(law, LINE.assign(x=1.0 + LINE["x"] / 100), draws=20, tune=20, chains=1, seed=0, warn=False)
    assert "\n" not in str(caught.value)


# -- command-line usage ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, words",
    [
        (["fit", "x.csv", "--law", "chinchilla", "-o", "x.nc", "--draws", "abc"], "'--draws'"),
        (["fit", "x.csv", "--frobnicate"], "No such option: --frobnicate"),
        (["fit", "x.csv", "-o", "x.nc"], "Missing option '--law'"),
        (["nonsense"], "No such command 'nonsense'"),
    ],
)
def test_usage_errors_are_one_line_with_status_2(args, words):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and words in result.stderr


def test_a_changed_law_warns_in_one_line_and_json_stays_pure(tmp_path, tiny_fit_file):
    law_file = tmp_path / "my_chinchilla.py"
    source = (bs.get_law("chinchilla").source).replace('name="chinchilla"', 'name="mine"')
    law_file.write_text(source)
    fit = bs.load_fit(tiny_fit_file)
    record = json.loads(fit.tree.attrs["bayescale"])
    record["spec"]["law"]["origin"] = str(law_file)
    fit.tree.attrs["bayescale"] = json.dumps(record)
    path = fit.save(tmp_path / "changed.nc")
    result = runner.invoke(app, ["summary", str(path), "--json"])
    assert result.exit_code == 0
    assert set(json.loads(result.stdout)) >= {"E", "A", "alpha", "B", "beta", "sigma"}
    warning = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warning == [f"warning: law 'mine' has changed since {path} was saved; predictions use the current file"]
