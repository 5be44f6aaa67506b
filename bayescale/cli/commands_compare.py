"""Commands that compare laws: leave-one-out of saved fits, or held-out extrapolation from runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bayescale.cli.common import (
    Chains,
    Draws,
    Seed,
    Tune,
    app,
    err,
    frame_table,
    out,
    parse_pairs,
    print_json,
    user_errors,
)
from bayescale.errors import BayescaleInputError, check_seed, check_whole


def _names(text: str | None) -> list[str]:
    return [name.strip() for name in (text or "").split(",") if name.strip()]


@app.command()
@user_errors
def compare(
    inputs: Annotated[list[Path], typer.Argument(help="Saved fits (.nc), or one CSV of runs with --laws.")],
    laws: Annotated[str | None, typer.Option(help="With a CSV: laws to fit, e.g. chinchilla,kaplan.")] = None,
    holdout: Annotated[
        str | None, typer.Option(help='Runs to hold out: "flops>=1e21", a boolean column, "largest 2 flops".')
    ] = None,
    sequential: Annotated[int, typer.Option(help="Also score the last N scale steps (leave-future-out).")] = 0,
    unit: Annotated[
        str, typer.Option(help="Leave out one run, series or group at a time (auto: series when there are several).")
    ] = "auto",
    reloo: Annotated[
        bool | None,
        typer.Option("--reloo/--no-reloo", help="Refit exactly where Pareto k is too high (default: series only)."),
    ] = None,
    group: Annotated[str | None, typer.Option(help="With a CSV: column naming each run's group (with --vary).")] = None,
    vary: Annotated[str | None, typer.Option(help="With a CSV: parameters that vary by group, e.g. E,B.")] = None,
    series: Annotated[str | None, typer.Option(help="With a CSV: column naming each row's series.")] = None,
    pooling: Annotated[
        bool, typer.Option(help="With a CSV, one law, --group and --vary: separate vs partial vs complete pooling.")
    ] = False,
    uncertainty: Annotated[str, typer.Option(help="With a CSV: calibrated (default) or iid.")] = "calibrated",
    column: Annotated[list[str], typer.Option(help="Map law variables to columns: params=n_params.")] = [],  # noqa: B006
    draws: Draws = 1000,
    tune: Tune = 1000,
    chains: Chains = 4,
    seed: Seed = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Compare laws by leave-one-out (by run, series or group) and, with --holdout, by how well
    they predict held-out runs."""
    from bayescale.comparison import compare as compare_laws
    from bayescale.comparison import compare_pooling, compare_sequential
    from bayescale.fit import load_fit

    check_seed(seed, "--seed")
    check_whole(sequential, "--sequential", 0, 10**6)
    runs = None
    if len(inputs) == 1 and inputs[0].suffix.lower() == ".csv":
        if not laws:
            raise BayescaleInputError("comparing from a CSV of runs needs --laws, e.g. --laws chinchilla,kaplan")
        if not inputs[0].is_file():
            raise BayescaleInputError(f"runs file not found: {inputs[0]}")
        runs, items = inputs[0], _names(laws)
    else:
        if laws or group or vary or series or pooling:
            raise BayescaleInputError("--laws, --group, --vary, --series and --pooling go with one CSV of runs")
        items = [load_fit(path) for path in inputs]
    columns = parse_pairs(column, "--column")
    options = {"unit": unit, "reloo": reloo, "seed": seed, "holdout": holdout}
    if runs is not None:
        options |= {"draws": draws, "tune": tune, "chains": chains, "uncertainty": uncertainty, "series": series}
    if pooling:
        if len(items) != 1 or not group or not vary or sequential:
            raise BayescaleInputError(
                "--pooling compares one law (--laws NAME) with --group COLUMN and --vary E,B, without --sequential"
            )
        result = compare_pooling(items[0], runs, groups=group, varying=_names(vary), columns=columns, **options)
    else:
        if bool(group) != bool(vary):
            raise BayescaleInputError("--group and --vary go together, e.g. --group dataset --vary E")
        structure = {"groups": group, "varying": _names(vary)} if group else {}
        result = compare_laws(items, runs=runs, columns=columns, **options, **structure)
    document = result.to_dict()
    steps = None
    if sequential:
        steps = compare_sequential(result.fits, runs=runs, steps=sequential, seed=seed)
        for name, rows in steps.groupby("law"):
            document[name]["sequential"] = rows.drop(columns="law").to_dict("records")
    for message in result.messages:
        err.print(message, highlight=False)
    if as_json:
        print_json(document)
        return
    out.print(frame_table(result.table, f"Comparison by {result.unit} (elpd: higher is better)", index="law"))
    if steps is not None:
        out.print(frame_table(steps.set_index("law"), "Sequential extrapolation", index="law"))
