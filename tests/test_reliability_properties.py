"""Generated bad input: malformed CSVs, argument lists, damaged saved fits and Python calls.

Every case holds exactly one defect. On the command line it must end with exit status 2 and
one line on stderr that names the defect (the column, file, option or parameter), without a
traceback and without writing or changing any file; from Python it must raise
``BayescaleInputError`` and nothing else. Validation stops every case before sampling, so the
suite needs no fit beyond the one small saved fit of the session (``tiny_fit_file``).
"""

from __future__ import annotations

import hashlib
import json
import keyword
import shutil
import string
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import bayescale as bs
from bayescale.cli import app
from bayescale.fit import _read_tree
from bayescale.priors import Prior
from bayescale.saved import GROUPS
from tests.conftest import simulate_chinchilla

runner = CliRunner()
CASES = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

BASE = simulate_chinchilla().iloc[::3].reset_index(drop=True)  # 20 runs: params, tokens, loss
COLUMNS = list(BASE.columns)
PARAMS = ["E", "A", "alpha", "B", "beta"]  # the chinchilla law's, each with a LogNormal prior
NOISE = "sigma"
FREE = len(PARAMS)
CSV_NAME = "runs.csv"
FIT_NAME = "damaged.nc"

names = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=10)
unknown_names = names.filter(lambda n: n not in {*COLUMNS, *PARAMS, NOISE, *bs.available_laws()})
identifiers = unknown_names.filter(lambda n: n.isidentifier() and not keyword.iskeyword(n))
non_positive = st.floats(max_value=0.0, allow_nan=False, allow_infinity=False)
non_finite = st.sampled_from(["inf", "-inf", "nan", "1e999", "-1e999"])
not_a_number = st.text(alphabet=string.ascii_letters + "_-/:", min_size=1, max_size=8)


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with a hash of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()
    }


@contextmanager
def workspace(tiny_fit_file: Path | None = None):
    """A fresh folder holding the good runs (and a copy of the tiny fit): the case's files go here."""
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        BASE.to_csv(folder / "good.csv", index=False)
        if tiny_fit_file is not None:
            shutil.copy(tiny_fit_file, folder / "fit.nc")
        yield folder


def assert_one_clear_line(args: list[str], expected: str, folder: Path) -> None:
    """Run the command; it must exit 2 with one line naming ``expected`` and leave ``folder`` as it was."""
    before = snapshot(folder)
    result = runner.invoke(app, args)
    lines = result.stderr.strip().splitlines()
    shown = f"args={args}\nstderr={result.stderr}\nexception={result.exception!r}"
    assert result.exit_code == 2, shown
    assert len(lines) == 1, shown
    assert expected in lines[0], f"{expected!r} not named: {shown}"
    assert "Traceback" not in result.output, shown
    assert snapshot(folder) == before, f"files written or changed: {shown}"


# -- malformed CSVs --------------------------------------------------------------------------------


def _with_cell(column: str, row: int, text: str) -> bytes:
    frame = BASE.astype(object)
    frame.loc[row, column] = text
    return frame.to_csv(index=False).encode()


@st.composite
def malformed_csvs(draw) -> tuple[str, bytes, str]:
    """(defect, file content, what the message must name: a quoted column or the file name)."""
    column = draw(st.sampled_from(COLUMNS))
    named = repr(column)
    row = draw(st.integers(0, len(BASE) - 1))
    defect = draw(
        st.sampled_from(
            [
                "missing column",
                "renamed column",
                "duplicate column",
                "text in a cell",
                "empty cell",
                "non-finite",
                "not positive",
                "true/false column",
                "dates",
                "complex numbers",
                "too few runs",
                "empty file",
                "random bytes",
                "not UTF-8",
                "ragged row",
            ]
        )
    )
    event(f"csv: {defect}")
    if defect == "missing column":
        return defect, BASE.drop(columns=column).to_csv(index=False).encode(), named
    if defect == "renamed column":
        return defect, BASE.rename(columns={column: draw(unknown_names)}).to_csv(index=False).encode(), named
    if defect == "duplicate column":
        return defect, pd.concat([BASE, BASE[[column]]], axis=1).to_csv(index=False).encode(), named
    if defect == "text in a cell":
        return defect, _with_cell(column, row, draw(not_a_number)), named
    if defect == "empty cell":
        return defect, _with_cell(column, row, ""), named
    if defect == "non-finite":
        return defect, _with_cell(column, row, draw(non_finite)), named
    if defect == "not positive":
        return defect, _with_cell(column, row, repr(draw(non_positive))), named
    if defect == "true/false column":
        # all True reads as 1.0 and passes every range check: only the column's type gives it away
        values = draw(st.sampled_from([[True] * len(BASE), [i % 2 == 0 for i in range(len(BASE))]]))
        return defect, BASE.assign(**{column: values}).to_csv(index=False).encode(), named
    if defect == "dates":
        dates = pd.date_range("2024-01-01", periods=len(BASE)).strftime("%Y-%m-%d")
        return defect, BASE.assign(**{column: dates}).to_csv(index=False).encode(), named
    if defect == "complex numbers":
        return defect, BASE.assign(**{column: [f"{v}+1j" for v in BASE[column]]}).to_csv(index=False).encode(), named
    if defect == "too few runs":
        return defect, BASE.head(draw(st.integers(0, FREE - 1))).to_csv(index=False).encode(), CSV_NAME
    if defect == "empty file":
        return defect, draw(st.sampled_from([b"", b"\n", b"  \n\n"])), CSV_NAME
    if defect == "random bytes":
        return defect, draw(st.binary(min_size=1, max_size=400)), CSV_NAME
    if defect == "not UTF-8":
        text = BASE.to_csv(index=False).encode()
        return defect, text.replace(b"\n", b"\n\xff\xfe", 1 + row % 5), CSV_NAME
    lines = BASE.to_csv(index=False).splitlines()
    lines[1 + row] += ",1.0" * draw(st.integers(1, 3))  # a row with more fields than the header
    return defect, ("\n".join(lines) + "\n").encode(), CSV_NAME


@settings(CASES, max_examples=70)
@given(case=malformed_csvs())
def test_malformed_csv_gets_one_line_naming_the_column_or_file(case):
    defect, content, expected = case
    with workspace() as folder:
        path = folder / CSV_NAME
        path.write_bytes(content)
        args = [
            "fit",
            str(path),
            "--law",
            "chinchilla",
            "-o",
            str(folder / "out.nc"),
            "--draws",
            "20",
            "--tune",
            "20",
            "--chains",
            "1",
            "--seed",
            "0",
        ]
        assert_one_clear_line(args, expected, folder)
        with pytest.raises(bs.BayescaleInputError, match=None) as caught:
            bs.load_runs(path, "chinchilla")
        assert expected in str(caught.value), f"{defect}: {caught.value}"


# -- bad argument lists ------------------------------------------------------------------------------


Case = Callable[[Path], tuple[list[str], str]]  # folder -> (arguments, what the message must name)


def fit_args(folder: Path, *extra: str, output: str | None = None, runs: str | None = None) -> list[str]:
    return [
        "fit",
        runs or str(folder / "good.csv"),
        "--law",
        "chinchilla",
        "-o",
        output or str(folder / "out.nc"),
        "--draws",
        "20",
        "--tune",
        "20",
        "--chains",
        "1",
        "--seed",
        "0",
        *extra,
    ]


def _law_file(folder: Path, body: str | bytes) -> str:
    path = folder / "bad_law.py"
    path.write_bytes(body if isinstance(body, bytes) else body.encode())
    return str(path)


BROKEN_LAW_FILES = [
    "raise RuntimeError('no')",
    "raise ValueError('no')",
    "1 / 0",
    "{}['key']",
    "None.attribute",
    "import sys\nsys.exit(3)",
    "raise SystemExit",
    "def (:",
    "import a_module_that_is_not_there",
    b"law = '\xff\xfe'\n",
    "law = 3",
    "x = 1",
    "from bayescale.law import Law, Input, Output, Param\n"
    "law = Law(lambda x, a: a * x, 'l', '', '', {'x': Input('x', '')}, Output('y', 'y', ''),\n"
    "          {'a': Param('Normal', '')})",
]


@st.composite
def bad_fit_arguments(draw) -> Case:
    kind = draw(
        st.sampled_from(
            ["seed", "draws", "tune", "chains", "likelihood", "fix", "prior", "column", "tie", "output", "law"]
        )
    )
    event(f"fit {kind}")
    if kind == "seed":
        seed = draw(st.one_of(st.integers(max_value=-1), st.integers(min_value=2**63), st.sampled_from(["1.5", "x"])))
        return lambda f: (fit_args(f, "--seed", str(seed)), "seed")
    if kind in ("draws", "tune", "chains"):
        low = 0 if kind == "tune" else 1
        high = 1024 if kind == "chains" else 10**7
        value = draw(st.one_of(st.integers(max_value=low - 1), st.integers(min_value=high + 1), not_a_number))
        return lambda f: (fit_args(f, f"--{kind}", str(value)), kind)
    if kind == "likelihood":
        value = draw(
            st.text(alphabet=string.ascii_letters + "_", max_size=10).filter(lambda v: v not in ("student_t", "normal"))
        )
        return lambda f: (fit_args(f, "--likelihood", value), "likelihood")
    if kind == "fix":
        name = draw(st.sampled_from([*PARAMS, NOISE]))
        problem = draw(st.sampled_from(["outside the prior", "not finite", "not a number", "unknown name"]))
        if problem == "outside the prior":
            value = repr(draw(non_positive))
            return lambda f: (fit_args(f, "--fix", f"{name}={value}"), f"fixed[{name!r}]")
        if problem == "not finite":
            value = draw(non_finite)
            return lambda f: (fit_args(f, "--fix", f"{name}={value}"), f"fixed[{name!r}]")
        if problem == "not a number":
            value = draw(not_a_number)
            return lambda f: (fit_args(f, "--fix", f"{name}={value}"), "--fix")
        unknown = draw(unknown_names)
        return lambda f: (fit_args(f, "--fix", f"{unknown}=1.0"), unknown)
    if kind == "prior":
        name = draw(st.sampled_from([*PARAMS, NOISE]))
        low = draw(st.floats(-10, 10))
        text = draw(
            st.sampled_from(
                [
                    "Normal(mu=1e999, sigma=1)",
                    f"Normal(mu=0, sigma={-abs(low) - 0.1})",
                    "LogNormal(mu=0, sigma=0)",
                    "HalfNormal(sigma=-1e999)",
                    f"Uniform(lower={low}, upper={low - 1})",
                    f"Uniform(lower={low}, upper={low})",
                ]
            )
        )
        if draw(st.booleans()):
            return lambda f: (fit_args(f, "--prior", f"{name}={text}"), f"priors[{name!r}]")
        garbage = draw(st.sampled_from(["Nope(mu=0)", "((", "Normal(0, 1)", "Normal(mu=x)", "", "Normal"]))
        return lambda f: (fit_args(f, "--prior", f"{name}={garbage}"), "--prior")
    if kind == "column":
        if draw(st.booleans()):
            unknown = draw(unknown_names)
            return lambda f: (fit_args(f, "--column", f"{unknown}=loss"), unknown)
        variable, missing = draw(st.sampled_from(COLUMNS)), draw(unknown_names)
        return lambda f: (fit_args(f, "--column", f"{variable}={missing}"), repr(missing))
    if kind == "tie":
        name = draw(st.sampled_from(PARAMS))
        target = draw(st.one_of(unknown_names, st.just(name)))
        return lambda f: (fit_args(f, "--tie", f"{name}={target}"), f"tied[{name!r}]")
    if kind == "output":
        where = draw(st.sampled_from(["missing folder", "a folder", "the input", "not a file"]))
        if where == "missing folder":
            return lambda f: (fit_args(f, output=str(f / "nowhere" / "out.nc")), str(f / "nowhere" / "out.nc"))
        if where == "a folder":
            return lambda f: (fit_args(f, output=str(f)), str(f))
        if where == "the input":
            return lambda f: (fit_args(f, output=str(f / "good.csv")), "refusing to overwrite")
        return lambda f: (fit_args(f, output="/dev/null"), "/dev/null")
    where = draw(st.sampled_from(["missing file", "not python", "unknown name", "broken file"]))
    if where == "missing file":
        missing = draw(unknown_names) + ".py"
        return lambda f: (fit_args(f) + ["--law", str(f / missing)], str(f / missing))
    if where == "not python":
        return lambda f: (fit_args(f) + ["--law", str(f / "good.csv")], str(f / "good.csv"))
    if where == "unknown name":
        unknown = draw(unknown_names)
        return lambda f: (fit_args(f) + ["--law", unknown], unknown)
    body = draw(st.sampled_from(BROKEN_LAW_FILES))
    return lambda f: (fit_args(f) + ["--law", _law_file(f, body)], str(f / "bad_law.py"))


bad_intervals = st.one_of(
    st.floats(max_value=0.0, allow_nan=False), st.floats(min_value=1.0, allow_nan=False), st.just(float("nan"))
)
bad_flops = st.one_of(
    st.sampled_from(
        [
            "1e20:inf",
            "1e25:1e20",
            "1e20:1e20",
            "0:1e20",
            "-1e20:1e22",
            "1e20:1e25:0",
            "1e20:1e25:1",
            "1e20:1e25:1.5",
            "1e20:1e25:-3",
            "1e20:1e25:100000",
            "1e20:1e25:3:4",
            "abc",
            "-1e20",
            "0",
            "",
            ",",
            "nan",
            "1e22,inf",
            "1e22,-1",
            ":",
        ]
    ),
    not_a_number,
)
POINT = "params=7e10,tokens=1.4e12"


@st.composite
def bad_other_arguments(draw) -> Case:
    command = draw(
        st.sampled_from(
            ["predict", "summary", "optimal", "plot", "report", "next-run", "isoflop", "compare", "recipes"]
        )
    )
    event(command)
    if command == "predict":
        problem = draw(
            st.sampled_from(["unknown input", "not a number", "not positive", "no =", "missing input", "interval"])
        )
        if problem == "unknown input":
            unknown = draw(unknown_names)
            return lambda f: (["predict", str(f / "fit.nc"), "--at", f"{POINT},{unknown}=2"], unknown)
        if problem == "not a number":
            value = draw(not_a_number)
            return lambda f: (["predict", str(f / "fit.nc"), "--at", f"params={value},tokens=1e10"], "--at")
        if problem == "not positive":
            value = draw(st.one_of(non_positive.map(repr), non_finite))
            return lambda f: (["predict", str(f / "fit.nc"), "--at", f"params={value},tokens=1e10"], "'params'")
        if problem == "no =":
            token = draw(names)
            return lambda f: (["predict", str(f / "fit.nc"), "--at", token], "--at")
        if problem == "missing input":
            return lambda f: (["predict", str(f / "fit.nc"), "--at", "params=1e9"], "tokens")
        interval = draw(bad_intervals)
        return lambda f: (["predict", str(f / "fit.nc"), "--at", POINT, "--interval", str(interval)], "interval")
    if command == "summary":
        interval = draw(st.one_of(bad_intervals.map(str), not_a_number))
        return lambda f: (["summary", str(f / "fit.nc"), "--interval", interval], "interval")
    if command == "optimal":
        if draw(st.booleans()):
            flops = draw(bad_flops)
            return lambda f: (["optimal", str(f / "fit.nc"), "--flops", flops], "--flops")
        interval = draw(bad_intervals)
        return lambda f: (["optimal", str(f / "fit.nc"), "--flops", "1e22", "--interval", str(interval)], "interval")
    if command == "plot":
        problem = draw(st.sampled_from(["suffix", "kind", "target", "folder"]))
        if problem == "suffix":
            suffix = draw(st.sampled_from(["", ".nc", ".csv", ".xyz", ".html", ".PNG~", ".p"]))
            return lambda f: (["plot", str(f / "fit.nc"), "-o", str(f / f"figure{suffix}")], str(f / f"figure{suffix}"))
        if problem == "kind":
            kind = draw(names.filter(lambda k: k not in ("extrapolation", "posterior", "frontier")))
            return lambda f: (["plot", str(f / "fit.nc"), "-o", str(f / "p.png"), "--kind", kind], "--kind")
        if problem == "target":
            unknown = draw(unknown_names)
            return lambda f: (
                ["plot", str(f / "fit.nc"), "-o", str(f / "p.png"), "--target", f"{POINT},{unknown}=1"],
                unknown,
            )
        return lambda f: (["plot", str(f / "fit.nc"), "-o", str(f / "no" / "p.png")], str(f / "no" / "p.png"))
    if command == "report":
        target = draw(st.sampled_from(["fit.nc", "good.csv", "report.txt", "no/report.html", "."]))
        return lambda f: (["report", str(f / "fit.nc"), "-o", str(f / target)], str(f / target))
    if command == "next-run":
        problem = draw(st.sampled_from(["top", "budget", "n-sim", "seed", "candidates", "target"]))
        base = ["next-run", "{fit}", "--target", POINT, "--candidates", "{csv}"]
        if problem == "top":
            extra, named = ["--top", str(draw(st.integers(max_value=0)))], "--top"
        elif problem == "budget":
            extra, named = ["--budget", draw(st.one_of(non_positive.map(repr), st.just("inf")))], "--budget"
        elif problem == "n-sim":
            extra, named = ["--n-sim", str(draw(st.integers(max_value=9)))], "n_sim"
        elif problem == "seed":
            extra, named = ["--seed", str(draw(st.integers(max_value=-1)))], "--seed"
        elif problem == "candidates":
            base[5], extra, named = "{missing}", [], "--candidates"
        else:
            unknown = draw(unknown_names)
            base[3], extra, named = f"{POINT},{unknown}=1", [], unknown

        def next_run_case(f: Path) -> tuple[list[str], str]:
            paths = {"fit": str(f / "fit.nc"), "csv": str(f / "good.csv"), "missing": str(f / "none.csv")}
            return [a.format(**paths) for a in base] + extra, named

        return next_run_case
    if command == "isoflop":
        problem = draw(st.sampled_from(["missing file", "seed", "column"]))
        if problem == "missing file":
            return lambda f: (["isoflop", str(f / "none.csv")], str(f / "none.csv"))
        if problem == "seed":
            seed = str(draw(st.integers(max_value=-1)))
            return lambda f: (["isoflop", str(f / "good.csv"), "--seed", seed], "seed")
        unknown = draw(unknown_names)
        return lambda f: (["isoflop", str(f / "good.csv"), "--budget-column", unknown], repr(unknown))
    if command == "compare":
        option = draw(st.sampled_from(["--sequential", "--seed"]))
        value = draw(st.integers(max_value=-1))
        return lambda f: (["compare", str(f / "fit.nc"), str(f / "fit.nc"), option, str(value)], option)
    ratio = draw(st.one_of(non_positive.map(repr), st.just("inf"), st.just("nan")))
    return lambda f: (["recipes", str(f / "fit.nc"), str(f / "fit.nc"), "--flops", "1e22", "--ratio", ratio], "ratio")


@settings(CASES, max_examples=70)
@given(case=st.one_of(bad_fit_arguments(), bad_other_arguments()))
def test_bad_argument_gets_one_line_naming_it(case, tiny_fit_file):
    with workspace(tiny_fit_file) as folder:
        args, expected = case(folder)
        assert_one_clear_line(args, expected, folder)


# -- damaged saved fits -------------------------------------------------------------------------------


def _edit_record(tree: xr.DataTree, edit: Callable[[dict], object]) -> xr.DataTree:
    record = json.loads(tree.attrs["bayescale"])
    edit(record)
    tree.attrs["bayescale"] = json.dumps(record)
    return tree


def _without_group(tree: xr.DataTree, group: str) -> xr.DataTree:
    kept = xr.DataTree.from_dict({f"/{g}": tree[g].to_dataset() for g in tree.children if g != group})
    kept.attrs.update(tree.attrs)
    return kept


def _without_variable(tree: xr.DataTree, group: str, name: str) -> xr.DataTree:
    return tree.assign({group: xr.DataTree(tree[group].to_dataset().drop_vars(name))})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


@st.composite
def damages(draw) -> Callable[[xr.DataTree, bytes, Path], bytes | xr.DataTree]:
    """A way to damage a saved fit: given its tree, its bytes and the folder, the damaged tree or bytes."""
    kind = draw(
        st.sampled_from(
            [
                "truncated",
                "random bytes",
                "record text",
                "record json",
                "record removed",
                "record part removed",
                "record part replaced",
                "unknown law",
                "broken law file",
                "renamed parameter",
                "group removed",
                "variable removed",
                "scales",
                "priors",
                "noise",
                "fixed or tied",
                "columns",
            ]
        )
    )
    event(f"saved fit: {kind}")
    if kind == "truncated":
        fraction = draw(st.floats(0.0, 0.99))
        return lambda tree, data, folder: data[: int(fraction * len(data))]
    if kind == "random bytes":
        garbage = draw(st.binary(max_size=300))
        return lambda tree, data, folder: garbage
    if kind == "record text":
        text = draw(st.text(alphabet=string.printable, max_size=30))
        return lambda tree, data, folder: _set_attr(tree, text)
    if kind == "record json":
        value = draw(json_values)
        return lambda tree, data, folder: _set_attr(tree, json.dumps(value))
    if kind == "record removed":
        return lambda tree, data, folder: _set_attr(tree, None)
    if kind in ("record part removed", "record part replaced"):
        path = draw(
            st.sampled_from(
                [
                    ("spec",),
                    ("columns",),
                    ("scales",),
                    ("settings",),
                    ("spec", "law"),
                    ("spec", "priors"),
                    ("spec", "fixed"),
                    ("spec", "tied"),
                    ("spec", "noise"),
                    ("spec", "law", "origin"),
                    ("spec", "law", "fingerprint"),
                ]
            )
        )
        replacement = draw(st.one_of(st.none(), st.integers(), st.lists(st.integers(), max_size=2)))

        def edit(record: dict) -> None:
            *parents, last = path
            for key in parents:
                record = record[key]
            if kind == "record part removed":
                del record[last]
            else:
                record[last] = replacement

        return lambda tree, data, folder: _edit_record(tree, edit)
    if kind == "unknown law":
        origin = draw(st.one_of(unknown_names, st.just(""), st.just("nowhere/law.py")))
        return lambda tree, data, folder: _edit_record(tree, lambda r: r["spec"]["law"].update(origin=origin))
    if kind == "broken law file":
        body = draw(st.sampled_from(BROKEN_LAW_FILES))
        return lambda tree, data, folder: _edit_record(
            tree, lambda r: r["spec"]["law"].update(origin=_law_file(folder, body))
        )
    if kind == "renamed parameter":
        old, new = draw(st.sampled_from(PARAMS)), draw(identifiers)

        def renamed(tree: xr.DataTree, data: bytes, folder: Path) -> xr.DataTree:
            path = folder / "changed_law.py"
            path.write_text(_law_with_parameter_renamed(old, new))
            return _edit_record(tree, lambda r: r["spec"]["law"].update(origin=str(path)))

        return renamed
    if kind == "group removed":
        group = draw(st.sampled_from(GROUPS))
        return lambda tree, data, folder: _without_group(tree, group)
    if kind == "variable removed":
        group, name = draw(
            st.sampled_from(
                [
                    *(("posterior", p) for p in [*PARAMS, NOISE]),
                    ("constant_data", "params"),
                    ("constant_data", "tokens"),
                    ("observed_data", "loss"),
                ]
            )
        )
        return lambda tree, data, folder: _without_variable(tree, group, name)
    if kind == "scales":
        scales = draw(
            st.sampled_from(
                [
                    {},
                    {"params": -1.0, "tokens": 1e11},
                    {"params": "x", "tokens": 1e11},
                    {"params": 1e9},
                    {"params": 1e9, "tokens": 1e11, "flops": 1.0},
                ]
            )
        )
        return lambda tree, data, folder: _edit_record(tree, lambda r: r.update(scales=scales))
    if kind == "priors":
        name = draw(st.sampled_from([*PARAMS, NOISE]))
        prior = draw(st.sampled_from([{"dist": "Nope", "kwargs": {}}, "x", {}, {"kwargs": {"mu": 0}}, None]))
        return lambda tree, data, folder: _edit_record(tree, lambda r: r["spec"]["priors"].update({name: prior}))
    if kind == "noise":
        noise = draw(
            st.sampled_from(
                [
                    {"family": "cauchy", "nu": 4},
                    {"family": "student_t", "nu": -1},
                    {"family": "normal", "nu": "x"},
                    {"shape": 1},
                ]
            )
        )
        return lambda tree, data, folder: _edit_record(tree, lambda r: r["spec"].update(noise=noise))
    if kind == "fixed or tied":
        part = draw(
            st.sampled_from(
                [
                    ("fixed", {"E": "x"}),
                    ("fixed", {"nope": 1.0}),
                    ("tied", {"beta": "nope"}),
                    ("tied", {"nope": "alpha"}),
                ]
            )
        )
        return lambda tree, data, folder: _edit_record(tree, lambda r: r["spec"].update({part[0]: part[1]}))
    columns = draw(st.sampled_from([{"nope": "x"}, {"params": 3}]))
    return lambda tree, data, folder: _edit_record(tree, lambda r: r.update(columns=columns))


def _set_attr(tree: xr.DataTree, value: str | None) -> xr.DataTree:
    if value is None:
        tree.attrs.pop("bayescale")
    else:
        tree.attrs["bayescale"] = value
    return tree


def _law_with_parameter_renamed(old: str, new: str) -> str:
    """A law file like chinchilla's with one parameter renamed: a law that changed since the fit."""
    names = [new if p == old else p for p in PARAMS]
    listed = ", ".join(names)
    return (
        "from bayescale.priors import Prior\n"
        "from bayescale.law import Input, Law, Output, Param\n"
        f"def mean(params, tokens, {listed}):\n"
        f"    E, A, alpha, B, beta = {listed}\n"
        "    return E + A / params**alpha + B / tokens**beta\n"
        "law = Law(mean, name='chinchilla', formula='', citation='',\n"
        "          inputs={'params': Input('N', '', scale=1e9), 'tokens': Input('D', '', scale=1e11)},\n"
        "          output=Output('loss', 'L', ''),\n"
        f"          params={{n: Param(Prior('LogNormal', mu=-1.0, sigma=1.0), '') for n in {names!r}}})\n"
    )


@pytest.fixture(scope="module")
def tiny_tree(tiny_fit_file) -> xr.DataTree:
    return _read_tree(tiny_fit_file)


@settings(CASES, max_examples=60)
@given(damage=damages(), command=st.sampled_from(["summary", "predict", "plot", "report", "optimal", "next-run"]))
def test_damaged_saved_fit_gets_one_line_naming_the_file(damage, command, tiny_fit_file, tiny_tree):
    with workspace() as folder:
        path = folder / FIT_NAME
        damaged = damage(tiny_tree.copy(deep=True), tiny_fit_file.read_bytes(), folder)
        if isinstance(damaged, bytes):
            path.write_bytes(damaged)
        else:
            damaged.to_netcdf(path, engine="h5netcdf")
        args = {
            "summary": ["summary", str(path)],
            "predict": ["predict", str(path), "--at", POINT],
            "plot": ["plot", str(path), "-o", str(folder / "figure.png")],
            "report": ["report", str(path), "-o", str(folder / "report.html")],
            "optimal": ["optimal", str(path), "--flops", "1e22"],
            "next-run": ["next-run", str(path), "--target", POINT, "--candidates", str(folder / "good.csv")],
        }[command]
        assert_one_clear_line(args, FIT_NAME, folder)
        with pytest.raises(bs.BayescaleInputError) as caught:
            bs.load_fit(path)
        assert FIT_NAME in str(caught.value)


# -- the Python API ------------------------------------------------------------------------------------


not_tables = st.one_of(
    st.none(),
    st.integers(),
    st.floats(),
    st.binary(max_size=20),
    st.lists(st.floats(), max_size=3),
    st.dictionaries(st.sampled_from(COLUMNS), st.lists(st.floats(), max_size=3), max_size=3),
    st.builds(np.ones, st.integers(0, 4)),
    st.builds(pd.Series, st.lists(st.floats(), max_size=3), dtype=st.just(float)),
)
not_whole = st.one_of(st.floats(), st.text(max_size=4), st.booleans(), st.none())


@st.composite
def bad_api_calls(draw) -> tuple[str, Callable[[bs.Fit], object]]:
    """(what is wrong, a call that must raise BayescaleInputError) on the session's tiny fit."""
    kind = draw(
        st.sampled_from(
            [
                "runs",
                "law",
                "columns",
                "seed",
                "draws",
                "tune",
                "chains",
                "nu",
                "likelihood",
                "scales",
                "priors",
                "fixed",
                "tied",
                "target_accept",
                "sampler",
                "load_fit",
                "predict table",
                "predict seed",
                "predict input",
                "interval",
            ]
        )
    )

    def fit(law="chinchilla", runs=BASE, **bad):
        arguments = {"draws": 20, "tune": 20, "chains": 1, "seed": 0} | bad  # short, should validation ever let it by
        return lambda result: bs.fit(law, runs, **arguments)

    event(f"python: {kind}")
    if kind == "runs":
        return kind, fit(runs=draw(not_tables))
    if kind == "law":
        law = draw(st.one_of(st.none(), st.integers(), unknown_names, st.lists(st.text(max_size=3), max_size=2)))
        return kind, fit(law=law)
    if kind == "columns":
        columns = draw(
            st.one_of(
                st.text(max_size=6),
                st.lists(st.text(max_size=3), min_size=1, max_size=2),
                st.dictionaries(unknown_names, st.sampled_from(COLUMNS), min_size=1, max_size=2),
                st.dictionaries(st.sampled_from(COLUMNS), unknown_names, min_size=1, max_size=2),
                st.dictionaries(st.sampled_from(COLUMNS), st.integers(), min_size=1, max_size=2),
            )
        )
        return kind, fit(columns=columns)
    if kind == "seed":
        return kind, fit(
            seed=draw(
                st.one_of(
                    st.integers(max_value=-1),
                    st.integers(min_value=2**63),
                    st.floats(),
                    st.text(max_size=3),
                    st.booleans(),
                )
            )
        )
    if kind in ("draws", "tune", "chains"):
        low = 0 if kind == "tune" else 1
        return kind, fit(**{kind: draw(st.one_of(st.integers(max_value=low - 1), not_whole))})
    if kind == "nu":
        return kind, fit(
            nu=draw(st.one_of(non_positive, st.sampled_from([np.inf, np.nan]), st.text(max_size=3), st.booleans()))
        )
    if kind == "likelihood":
        return kind, fit(
            likelihood=draw(
                st.one_of(
                    st.text(max_size=6).filter(lambda t: t not in ("student_t", "normal")), st.integers(), st.none()
                )
            )
        )
    if kind == "scales":
        scales = draw(
            st.one_of(
                st.text(max_size=4),
                st.lists(st.floats(), min_size=1, max_size=2),
                st.fixed_dictionaries(
                    {"params": st.one_of(non_positive, st.just(np.inf), st.text(max_size=3), st.booleans())}
                ),
                st.dictionaries(unknown_names, st.floats(1, 10), min_size=1, max_size=1),
            )
        )
        return kind, fit(scales=scales)
    if kind == "priors":
        name = draw(st.sampled_from([*PARAMS, NOISE]))
        prior = draw(
            st.sampled_from(
                [
                    Prior("Normal", mu=np.inf, sigma=1),
                    Prior("Normal", mu=0, sigma=-1),
                    Prior("HalfNormal", sigma=0),
                    Prior("Uniform", lower=1, upper=0),
                    Prior("LogNormal", mu=np.nan, sigma=1),
                    "Normal(0, 1)",
                    None,
                    1.0,
                ]
            )
        )
        priors = draw(
            st.one_of(st.just({name: prior}), st.just({draw(unknown_names): Prior("Normal")}), st.just([prior]))
        )
        return kind, fit(priors=priors)
    if kind == "fixed":
        name = draw(st.sampled_from([*PARAMS, NOISE]))
        value = draw(st.one_of(non_positive, st.sampled_from([np.inf, np.nan, True, False, "1.0", None])))
        return kind, fit(fixed=draw(st.one_of(st.just({name: value}), st.just({draw(unknown_names): 1.0}))))
    if kind == "tied":
        name = draw(st.sampled_from(PARAMS))
        return kind, fit(
            tied=draw(
                st.one_of(
                    st.just({name: name}),
                    st.just({name: draw(unknown_names)}),
                    st.just({draw(unknown_names): name}),
                    st.just([name]),
                )
            )
        )
    if kind == "target_accept":
        value = draw(st.one_of(st.floats(max_value=0.49), st.floats(min_value=1.0), st.text(max_size=3)))
        return kind, fit(target_accept=value)
    if kind == "sampler":
        return kind, fit(sampler=draw(st.one_of(st.text(max_size=5), st.none(), st.integers())))
    if kind == "load_fit":
        source = draw(st.one_of(not_tables, unknown_names.map(lambda n: f"{n}.nc")))
        return kind, lambda result: bs.load_fit(source)
    if kind == "predict table":
        table = draw(
            st.one_of(
                st.lists(st.floats(), max_size=3),
                st.builds(np.ones, st.integers(1, 3)),
                st.text(max_size=5),
                st.dictionaries(st.sampled_from(COLUMNS), st.floats()),
            )
        )
        return kind, lambda result: result.predict(table)
    if kind == "predict seed":
        seed = draw(
            st.one_of(st.integers(max_value=-1), st.integers(min_value=2**63), st.floats(), st.text(max_size=3))
        )
        return kind, lambda result: result.predict(params=1e9, tokens=1e10, seed=seed)
    if kind == "predict input":
        value = draw(st.one_of(non_positive, st.sampled_from([np.inf, np.nan, "abc", True, None, [1.0, "x"]])))
        extra = draw(st.one_of(st.just({}), st.dictionaries(unknown_names, st.floats(1, 2), min_size=1, max_size=1)))
        if extra:
            return kind, lambda result: result.predict(params=1e9, tokens=1e10, **extra)
        return kind, lambda result: result.predict(params=value, tokens=1e10)
    interval = draw(st.one_of(bad_intervals, st.text(max_size=4), st.booleans(), st.none()))
    if draw(st.booleans()):
        return kind, lambda result: result.summary(interval)
    return kind, lambda result: result.predict(params=1e9, tokens=1e10, interval=interval)


@pytest.fixture(scope="module")
def tiny_fit(tiny_fit_file) -> bs.Fit:
    return bs.load_fit(tiny_fit_file)


@settings(CASES, max_examples=60)
@given(call=bad_api_calls())
def test_bad_python_call_raises_bayescale_input_error_only(call, tiny_fit):
    kind, make_call = call
    with pytest.raises(bs.BayescaleInputError) as caught:
        make_call(tiny_fit)
    assert len(str(caught.value).splitlines()) == 1, f"{kind}: {caught.value}"
