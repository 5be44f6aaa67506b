"""Shared pieces of the command line: the app, consoles, error boundary, parsing, JSON."""

from __future__ import annotations

import ast
import functools
import importlib
import json
import math
import sys
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer import Abort
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
from typer.core import TyperGroup

from bayescale.errors import BayescaleInputError, SamplingError, one_line
from bayescale.law import Law
from bayescale.priors import Prior

if TYPE_CHECKING:  # the engine is imported by the commands that use it, so --help stays fast
    import pandas as pd

    from bayescale.diagnostics import Diagnostics
    from bayescale.fit import Fit


class OneLineErrors(TyperGroup):
    """Command-line usage errors (an unknown option, ``--draws abc``) as one line and exit status 2,
    like every other bad input, instead of a usage box."""

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except NoArgsIsHelpError as problem:  # the help is already shown
            sys.exit(problem.exit_code)
        except ClickException as problem:
            command = problem.ctx.command_path if getattr(problem, "ctx", None) else "bayescale"
            message = f"{command}: {one_line(problem.format_message())} (see {command} --help)"
            err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
            sys.exit(2 if isinstance(problem, UsageError) else problem.exit_code)
        except Abort:
            err.print("aborted", highlight=False)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    cls=OneLineErrors,
    help="Bayesian inference of neural scaling laws: fit, extrapolate with credible intervals.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _print_version(value: bool) -> None:
    if value:
        from bayescale.version import __version__

        print(f"bayescale {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Bayesian inference of neural scaling laws: fit, extrapolate with credible intervals."""


# Options shared by several commands, with their help text written once.
Draws = Annotated[int, typer.Option(help="Posterior draws per chain, after tuning.")]
Tune = Annotated[int, typer.Option(help="Tuning (warm-up) steps per chain, discarded.")]
Chains = Annotated[int, typer.Option(help="Independent chains; more chains make R-hat a sharper check.")]
SEED_HELP = "Random seed: the same seed and inputs give the same draws."
Seed = Annotated[int, typer.Option(help=SEED_HELP)]
OptionalSeed = Annotated[int | None, typer.Option(help=SEED_HELP)]
Interval = Annotated[float, typer.Option(help="Probability mass of the central intervals, in (0, 1).")]

out = Console(width=None if sys.stdout.isatty() else 140)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 140)


def _show_warning(previous, message, category, filename, lineno, file=None, line=None) -> None:
    """bayescale's warnings (and other UserWarnings) as one line on stderr; the rest as Python shows them."""
    if issubclass(category, UserWarning):
        err.print(f"[yellow]warning:[/] {escape(one_line(message))}", highlight=False, soft_wrap=True)
    else:
        previous(message, category, filename, lineno, file, line)


def user_errors(command):
    """Turn user-input errors into one line on stderr and exit status 2, warnings into one line each;
    an unsettled fit exits 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("default", category=UserWarning)  # always shown as a line, never raised
                warnings.showwarning = functools.partial(_show_warning, warnings.showwarning)
                return command(*args, **kwargs)
        except BayescaleInputError as problem:
            err.print(f"[bold red]error:[/] {escape(one_line(problem))}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except SamplingError as problem:
            err.print(f"[bold red]error:[/] {problem}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper


def check_names(points: dict, law: Law, columns: Mapping[str, str], option: str) -> dict:
    """Points given on the command line must name the law's inputs (or the fit's columns for them)."""
    known = {*law.input_names, *(columns.get(n, n) for n in law.input_names)}
    unknown = [n for n in points if n not in known]
    if unknown:
        raise BayescaleInputError(
            f"{option} names {', '.join(unknown)}, not an input of law {law.name!r}: use {', '.join(law.input_names)}"
        )
    return points


def parse_pairs(items: list[str], option: str, numeric: bool = False) -> dict:
    """``["a=1,b=2", "c=3"]`` -> ``{"a": 1.0, "b": 2.0, "c": 3.0}``, naming the bad item."""
    pairs = {}
    for item in items:
        for part in filter(None, item.split(",")):
            key, sep, value = part.partition("=")
            if not sep or not key.strip() or not value.strip():
                raise BayescaleInputError(f"{option} {part!r}: expected NAME=VALUE")
            if numeric:
                try:
                    pairs[key.strip()] = float(value)
                except ValueError:
                    raise BayescaleInputError(f"{option} {part!r}: {value!r} is not a number") from None
            else:
                pairs[key.strip()] = value.strip()
    return pairs


def parse_priors(items: list[str]) -> dict[str, Prior]:
    """``["alpha=LogNormal(mu=-1.2, sigma=0.3)"]`` -> ``{"alpha": Prior("LogNormal", mu=-1.2, sigma=0.3)}``."""
    priors = {}
    for item in items:
        name, sep, text = item.partition("=")
        try:
            call = ast.parse(text.strip(), mode="eval").body if sep else None
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and not call.args):
                raise ValueError
            kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}
            priors[name.strip()] = Prior(call.func.id, **kwargs)
        except (SyntaxError, ValueError, TypeError, AttributeError, KeyError) as problem:
            example = "e.g. alpha=LogNormal(mu=-1.2, sigma=0.3)"
            detail = f" ({problem})" if str(problem) else ""
            raise BayescaleInputError(
                f"--prior {item!r}: expected NAME=Distribution(arg=number, ...), {example}{detail}"
            ) from None
    return priors


def _finite(value):
    """JSON-safe value: NaN and infinities become null, labels pass through."""
    if isinstance(value, str | bool):
        return value
    return None if value is None or not math.isfinite(value) else float(value)


PREDICTION_KEYS = ("median", "lower", "upper", "predictive_lower", "predictive_upper")


def print_json(document) -> None:
    typer.echo(json.dumps(document, indent=2))


def print_diagnostics(result: Fit | Diagnostics) -> None:
    """The sampler's health in plain words, on stderr: green when fine, yellow otherwise."""
    from bayescale.diagnostics import Diagnostics

    diagnostics = result if isinstance(result, Diagnostics) else result.diagnostics
    style = "green" if diagnostics.ok else ("red" if diagnostics.failed else "yellow")
    err.print(f"[{style}]{diagnostics.report()}[/]", highlight=False)


def summary_table(result: Fit, interval: float) -> Table:
    table = Table(title=f"{result.law.name}: {result.law.formula}  ({interval:.0%} intervals)")
    for column in ("parameter", "median", "lower", "upper", "R-hat", "ESS bulk", "ESS tail", "status"):
        table.add_column(column, justify="left" if column in ("parameter", "status") else "right")
    for name, row in result.summary(interval).iterrows():
        numbers = [f"{row[c]:.4g}" for c in ("median", "lower", "upper")]
        checks = [f"{row['r_hat']:.3f}", f"{row['ess_bulk']:.0f}", f"{row['ess_tail']:.0f}"]
        checks = ["" if c == "nan" else c for c in checks]
        table.add_row(name, *numbers, *checks, row["status"])
    return table


def prediction_table(frame: pd.DataFrame, labels: list[str] | None = None, interval: float = 0.9) -> Table:
    table = Table(title=f"Predictions ({interval:.0%} intervals)")
    inputs = [c for c in frame.columns if c not in PREDICTION_KEYS]
    for column in ([""] if labels else []) + inputs + ["median", "law interval", "new-run interval"]:
        table.add_column(column, justify="right")
    for i, row in frame.iterrows():
        cells = [row[c] if isinstance(row[c], str) else f"{row[c]:.3g}" for c in inputs]
        cells += [
            f"{row['median']:.4f}",
            f"{row['lower']:.4f} – {row['upper']:.4f}",
            f"{row['predictive_lower']:.4f} – {row['predictive_upper']:.4f}",
        ]
        table.add_row(*([labels[i]] if labels else []), *cells)
    return table


INTERVAL_STATS = ("median", "lower", "upper")


def interval_document(values: Mapping[str, Any], interval: float) -> dict[str, Any]:
    """The one JSON shape of interval-valued answers: every ``<name>_median``, ``<name>_lower``,
    ``<name>_upper`` becomes ``<name>: {"median", "lower", "upper", "interval"}``; other values
    pass through. NaN and infinities become null."""
    document: dict[str, Any] = {}
    for key, value in values.items():
        name, _, stat = str(key).rpartition("_")
        if stat in INTERVAL_STATS and name and all(f"{name}_{s}" in values for s in INTERVAL_STATS):
            document.setdefault(name, {"interval": interval})[stat] = _finite(value)
        else:
            document[key] = _finite(value)
    return document


def interval_documents(frame: pd.DataFrame, interval: float) -> list[dict[str, Any]]:
    """:func:`interval_document` of every row of a table."""
    return [interval_document(row, interval) for row in frame.to_dict("records")]


def prediction_documents(frame: pd.DataFrame, interval: float, labels: list[str] | None = None) -> list[dict]:
    """Predictions in the one interval shape: ``law`` (the law's interval) and ``new_run``
    (the interval for a new run's observed value), each with the same median."""
    names = {"lower": "law_lower", "upper": "law_upper", "predictive_lower": "new_run_lower"}
    renamed = frame.rename(columns=names | {"predictive_upper": "new_run_upper"})
    renamed = renamed.assign(law_median=frame["median"], new_run_median=frame["median"]).drop(columns="median")
    docs = interval_documents(renamed, interval)
    if labels:
        for doc, label in zip(docs, labels, strict=True):
            doc["label"] = label
    return docs


def summary_document(result: Fit, interval: float) -> dict:
    table = result.summary(interval)
    keys = ("median", "lower", "upper", "r_hat", "ess_bulk", "ess_tail")
    return {
        name: {"interval": interval} | {k: _finite(row[k]) for k in keys} | {"status": row["status"]}
        for name, row in table.iterrows()
    }


def frame_table(frame: pd.DataFrame, title: str, index: str | None = None) -> Table:
    """Any DataFrame as a console table, numbers to four significant digits."""
    table = Table(title=title)
    columns = ([index] if index else []) + [str(c) for c in frame.columns]
    for column in columns:
        table.add_column(column, justify="right")
    for label, row in frame.iterrows():
        cells = [v if isinstance(v, str) else f"{v:.4g}" for v in row.tolist()]
        table.add_row(*([str(label)] if index else []), *cells)
    return table


def lazy(module: str, name: str):
    """``module.name``, imported when first called: commands name the engine's functions at the top
    of their module while ``--help`` and ``laws`` load no inference stack."""

    def call(*args, **kwargs):
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = name
    return call
