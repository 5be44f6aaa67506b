"""Commands that fit and use one law: demo, laws, fit, predict, summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from bayescale.catalog import available_laws, get_law
from bayescale.cli.common import (
    Chains,
    Draws,
    Interval,
    OptionalSeed,
    Tune,
    app,
    check_names,
    err,
    out,
    parse_pairs,
    parse_priors,
    prediction_documents,
    prediction_table,
    print_diagnostics,
    print_json,
    summary_document,
    summary_table,
    user_errors,
)
from bayescale.errors import BayescaleInputError, check_seed
from bayescale.files import check_output_path

DEMO_TARGETS = {"Chinchilla-70B": (70e9, 1.4e12), "Llama-3-405B": (405e9, 15.6e12)}
DEMO_DRAWS = 500  # per chain, and as many tuning steps: a quick first answer


@app.command()
@user_errors
def demo(
    seed: Annotated[int, typer.Option(help="Sampler seed.")] = 1,
    draws: Draws = DEMO_DRAWS,
    tune: Tune = DEMO_DRAWS,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Fit the Chinchilla law to Epoch AI's 240 runs and extrapolate to 70B and 405B models.

    A quick first look: 4 chains of 500 draws after 500 tuning steps, which give each exponent
    well over 1,000 effective draws; bayescale fit defaults to 1000 and 1000.
    """
    check_seed(seed, "--seed")
    import pytensor

    from bayescale import datasets
    from bayescale.fit import fit

    runs = datasets.load("chinchilla").query("not epoch_excluded")
    err.print(
        f"Fitting chinchilla to {len(runs)} runs of Hoffmann et al. (2022), 4 chains x {draws} draws ...",
        highlight=False,
    )
    # Everything the demo compiles runs in Numba or NumPy, so PyTensor need not build its C virtual
    # machine first (about 0.6 s with the C compiler on a machine that never built it).
    with pytensor.config.change_flags(cxx=""):
        result = fit(
            "chinchilla", runs, seed=seed, draws=draws, tune=tune, progress=not as_json, warn=False, backend="callback"
        )
        params, tokens = zip(*DEMO_TARGETS.values(), strict=True)
        predictions = result.predict(params=list(params), tokens=list(tokens), interval=0.9)
    if as_json:
        print_json(
            {
                "summary": summary_document(result, 0.9),
                "predictions": prediction_documents(predictions, 0.9, list(DEMO_TARGETS)),
            }
        )
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
            io = f"{', '.join(law.input_names)} -> {', '.join(law.outputs)}"
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
    prior: Annotated[list[str], typer.Option(help="Replace a prior: alpha=LogNormal(mu=-1.2, sigma=0.3).")] = [],  # noqa: B006
    likelihood: Annotated[str, typer.Option(help="student_t or normal.")] = "student_t",
    group: Annotated[str | None, typer.Option(help="Column naming each run's group (with --vary).")] = None,
    vary: Annotated[str | None, typer.Option(help="Parameters that vary by group, partially pooled: E,B.")] = None,
    series: Annotated[str | None, typer.Option(help="Column naming each row's series (checkpoints of a run).")] = None,
    uncertainty: Annotated[str, typer.Option(help="calibrated (default) or iid.")] = "calibrated",
    draws: Draws = 1000,
    tune: Tune = 1000,
    chains: Chains = 4,
    seed: OptionalSeed = None,
    allow_unconverged: Annotated[bool, typer.Option(help="Save the fit even if its chains did not settle.")] = False,
) -> None:
    """Fit a law to runs and save the fit."""
    from bayescale.fit import fit

    inputs = [runs, *([Path(law)] if Path(law).is_file() else [])]
    check_output_path(output, "-o", inputs=inputs)  # before sampling, not after
    check_seed(seed, "--seed")
    result = fit(
        law,
        runs,
        columns=parse_pairs(column, "--column"),
        fixed=parse_pairs(fix, "--fix", numeric=True),
        tied=parse_pairs(tie, "--tie"),
        priors=parse_priors(prior),
        likelihood=likelihood,
        groups=group,
        varying=[v.strip() for v in vary.split(",") if v.strip()] if vary else None,
        series=series,
        uncertainty=uncertainty,
        draws=draws,
        tune=tune,
        chains=chains,
        seed=seed,
        progress=True,
        warn=False,
        allow_unconverged=allow_unconverged,
    )
    result.save(output)
    out.print(summary_table(result, 0.94))
    print_diagnostics(result)
    err.print(f"saved {output}", highlight=False)


@app.command()
@user_errors
def predict(
    fit_file: Annotated[Path, typer.Argument(help="A saved fit (.nc).")],
    at: Annotated[list[str], typer.Option(help="A point: params=7e10,tokens=1.4e12 (repeatable).")],
    interval: Interval = 0.9,
    group: Annotated[str | None, typer.Option(help="A group of the fit; unknown or absent: a new group.")] = None,
    series: Annotated[str | None, typer.Option(help="A series of the fit; absent: a new series.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Predict at new inputs: the law's median and interval, and the interval for a new run."""
    import pandas as pd

    from bayescale.fit import load_fit

    result = load_fit(fit_file)
    points = [check_names(parse_pairs([a], "--at", numeric=True), result.law, result.columns, "--at") for a in at]
    names = {tuple(sorted(p)) for p in points}
    if len(names) > 1:
        raise BayescaleInputError("every --at must name the same inputs")
    frame = result.predict(pd.DataFrame(points), interval=interval, group=group, series=series)
    if as_json:
        print_json(prediction_documents(frame, interval))
    else:
        out.print(prediction_table(frame, interval=interval))


@app.command()
@user_errors
def summary(
    fit_file: Annotated[Path, typer.Argument(help="A saved fit (.nc).")],
    interval: Interval = 0.94,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Parameter table of a saved fit, with sampler diagnostics."""
    from bayescale.fit import load_fit

    result = load_fit(fit_file)
    if as_json:
        print_json(summary_document(result, interval))
    else:
        out.print(summary_table(result, interval))
    print_diagnostics(result)
