"""Commands that compare laws: PSIS-LOO of saved fits, or held-out extrapolation from runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bayescale.cli.common import app, err, frame_table, out, parse_pairs, print_json, user_errors
from bayescale.errors import BayescaleInputError


@app.command()
@user_errors
def compare(
    inputs: Annotated[list[Path], typer.Argument(help="Saved fits (.nc), or one CSV of runs with --laws.")],
    laws: Annotated[str | None, typer.Option(help="With a CSV: laws to fit, e.g. chinchilla,kaplan.")] = None,
    holdout: Annotated[
        str | None, typer.Option(help='Runs to hold out: "flops>=1e21", a boolean column, "largest 2 flops".')
    ] = None,
    sequential: Annotated[int, typer.Option(help="Also score the last N scale steps (leave-future-out).")] = 0,
    reloo: Annotated[bool, typer.Option(help="Refit exactly for runs with Pareto k > 0.7.")] = False,
    column: Annotated[list[str], typer.Option(help="Map law variables to columns: params=n_params.")] = [],  # noqa: B006
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    seed: int = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Compare laws by PSIS-LOO and, with --holdout, by how well they predict held-out runs."""
    from bayescale.comparison import compare as compare_laws
    from bayescale.comparison import compare_sequential
    from bayescale.fit import load_fit

    runs = None
    if len(inputs) == 1 and inputs[0].suffix.lower() == ".csv":
        if not laws:
            raise BayescaleInputError("comparing from a CSV of runs needs --laws, e.g. --laws chinchilla,kaplan")
        if not inputs[0].is_file():
            raise BayescaleInputError(f"runs file not found: {inputs[0]}")
        runs, items = inputs[0], [name.strip() for name in laws.split(",") if name.strip()]
    else:
        if laws:
            raise BayescaleInputError("--laws goes with one CSV of runs, not with saved fits")
        items = [load_fit(path) for path in inputs]
    settings = {"draws": draws, "tune": tune, "chains": chains} if runs is not None else {}
    columns = parse_pairs(column, "--column")
    result = compare_laws(items, runs=runs, columns=columns, holdout=holdout, reloo=reloo, seed=seed, **settings)
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
    out.print(frame_table(result.table, "Comparison (elpd: higher is better)", index="law"))
    if steps is not None:
        out.print(frame_table(steps.set_index("law"), "Sequential extrapolation", index="law"))
