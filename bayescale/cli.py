"""The ``bayescale`` command: a thin layer over the Python API.

With ``--json`` stdout holds only the JSON document; progress, warnings and errors go to
stderr. Exit status: 0 on success, 2 on bad input (one line naming the problem).
"""

from __future__ import annotations

import functools
import json
import math
import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from bayescale.catalog import available_laws, get_law
from bayescale.errors import BayescaleInputError
from bayescale.fit import Fit, fit, load_fit

app = typer.Typer(
    help="Bayesian inference of neural scaling laws: fit, extrapolate with credible intervals.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out = Console(width=None if sys.stdout.isatty() else 140)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 140)

DEMO_TARGETS = {"Chinchilla-70B": (70e9, 1.4e12), "Llama-3-405B": (405e9, 15.6e12)}


def user_errors(command):
    """Turn user-input errors into one line on stderr and exit status 2."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except BayescaleInputError as problem:
            err.print(f"[bold red]error:[/] {problem}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


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


def _finite(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def print_json(document) -> None:
    typer.echo(json.dumps(document, indent=2))


def print_diagnostics(result: Fit) -> None:
    style = "green" if result.diagnostics.ok else "yellow"
    err.print(f"[{style}]{result.diagnostics.report()}[/]", highlight=False)


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
        cells = [f"{row[c]:.3g}" for c in inputs]
        cells += [
            f"{row['median']:.4f}",
            f"{row['lower']:.4f} – {row['upper']:.4f}",
            f"{row['predictive_lower']:.4f} – {row['predictive_upper']:.4f}",
        ]
        table.add_row(*([labels[i]] if labels else []), *cells)
    return table


PREDICTION_KEYS = ("median", "lower", "upper", "predictive_lower", "predictive_upper")


@app.command()
@user_errors
def demo(
    seed: Annotated[int, typer.Option(help="Sampler seed.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Fit the Chinchilla law to Epoch AI's 240 runs and extrapolate to 70B and 405B models."""
    from bayescale import datasets

    runs = datasets.load("chinchilla").query("not epoch_excluded")
    err.print(f"Fitting chinchilla to {len(runs)} runs of Hoffmann et al. (2022) ...", highlight=False)
    result = fit("chinchilla", runs, seed=seed, progress=not as_json, warn=False)
    params, tokens = zip(*DEMO_TARGETS.values(), strict=True)
    predictions = result.predict(params=list(params), tokens=list(tokens), interval=0.9)
    if as_json:
        print_json({
            "summary": summary_document(result, 0.9),
            "predictions": prediction_documents(predictions, list(DEMO_TARGETS)),
        })
    else:
        out.print(summary_table(result, 0.9))
        out.print(prediction_table(predictions, list(DEMO_TARGETS)))
        out.print(f"Data: {datasets.CITATIONS['chinchilla']}", highlight=False)
    print_diagnostics(result)


@app.command()
@user_errors
def laws(name: Annotated[str | None, typer.Argument(help="Show one law's priors.")] = None) -> None:
    """List the law catalog, or show one law's inputs and default priors."""
    if name is None:
        table = Table(title="bayescale law catalog")
        for column in ("law", "formula", "inputs -> output", "citation"):
            table.add_column(column)
        for law_name in available_laws():
            law = get_law(law_name)
            io = f"{', '.join(law.input_names)} -> {law.output.name}"
            table.add_row(law_name, law.formula, io, law.citation)
        out.print(table)
        return
    law = get_law(name)
    out.print(law.describe(), highlight=False)
    table = Table(title="default priors")
    for column in ("parameter", "prior", "why"):
        table.add_column(column)
    for param, spec in law.params.items():
        table.add_row(param, str(spec.prior), spec.reason)
    out.print(table)


@app.command("fit")
@user_errors
def fit_command(
    runs: Annotated[Path, typer.Argument(help="CSV of runs, one row per training run.")],
    law: Annotated[str, typer.Option(help="Catalog name or path to a law .py file.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to save the fit (.nc).")],
    column: Annotated[list[str], typer.Option(help="Map law variables to columns: params=n_params.")] = [],  # noqa: B006
    fix: Annotated[list[str], typer.Option(help="Fix parameters: E=1.69.")] = [],  # noqa: B006
    tie: Annotated[list[str], typer.Option(help="Tie parameters: beta=alpha.")] = [],  # noqa: B006
    likelihood: Annotated[str, typer.Option(help="student_t or normal.")] = "student_t",
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    seed: int | None = None,
) -> None:
    """Fit a law to runs and save the fit."""
    result = fit(
        law, runs, columns=parse_pairs(column, "--column"), fixed=parse_pairs(fix, "--fix", numeric=True),
        tied=parse_pairs(tie, "--tie"), likelihood=likelihood, draws=draws, tune=tune, chains=chains,
        seed=seed, progress=True, warn=False,
    )
    result.save(output)
    out.print(summary_table(result, 0.94))
    print_diagnostics(result)
    err.print(f"saved {output}", highlight=False)


def prediction_documents(frame: pd.DataFrame, labels: list[str] | None = None) -> list[dict]:
    docs = [{k: _finite(v) for k, v in row.items()} for row in frame.to_dict("records")]
    if labels:
        for doc, label in zip(docs, labels, strict=True):
            doc["label"] = label
    return docs


def summary_document(result: Fit, interval: float) -> dict:
    table = result.summary(interval)
    keys = ("median", "lower", "upper", "r_hat", "ess_bulk", "ess_tail")
    return {name: {k: _finite(row[k]) for k in keys} | {"status": row["status"]} for name, row in table.iterrows()}


@app.command()
@user_errors
def predict(
    fit_file: Annotated[Path, typer.Argument(help="A saved fit (.nc).")],
    at: Annotated[list[str], typer.Option(help="A point: params=7e10,tokens=1.4e12 (repeatable).")],
    interval: float = 0.9,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Predict at new inputs: the law's median and interval, and the interval for a new run."""
    result = load_fit(fit_file)
    points = [parse_pairs([a], "--at", numeric=True) for a in at]
    names = {tuple(sorted(p)) for p in points}
    if len(names) > 1:
        raise BayescaleInputError("every --at must name the same inputs")
    frame = result.predict(pd.DataFrame(points), interval=interval)
    if as_json:
        print_json(prediction_documents(frame))
    else:
        out.print(prediction_table(frame, interval=interval))


@app.command()
@user_errors
def summary(
    fit_file: Annotated[Path, typer.Argument(help="A saved fit (.nc).")],
    interval: float = 0.94,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Parameter table of a saved fit, with sampler diagnostics."""
    result = load_fit(fit_file)
    if as_json:
        print_json(summary_document(result, interval))
    else:
        out.print(summary_table(result, interval))
    print_diagnostics(result)


if __name__ == "__main__":
    app()
