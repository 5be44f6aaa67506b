"""Commands that decide: optimal allocation, iso-FLOP analysis, recipe comparison, next run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bayescale.cli.common import (
    app,
    err,
    frame_table,
    out,
    parse_pairs,
    print_diagnostics,
    print_json,
    user_errors,
)
from bayescale.errors import BayescaleInputError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

JSON_OPTION = typer.Option("--json", help="Print JSON only.")


def parse_flops(text: str) -> np.ndarray:
    """``"1e22,1e24"`` -> the list; ``"1e20:1e25"`` -> one budget per decade (``1e20:1e25:11`` for 11 points)."""
    import numpy as np

    try:
        if ":" in text:
            parts = [float(p) for p in text.split(":")]
            if len(parts) not in (2, 3) or parts[0] <= 0 or parts[1] <= parts[0]:
                raise ValueError
            count = int(parts[2]) if len(parts) == 3 else int(round(np.log10(parts[1] / parts[0]))) + 1
            return np.geomspace(parts[0], parts[1], max(count, 2))
        values = np.array([float(p) for p in text.split(",") if p.strip()])
    except ValueError:
        raise BayescaleInputError(f"--flops {text!r}: expected 1e22,1e24 or a range 1e20:1e25[:points]") from None
    if not len(values) or np.any(values <= 0):
        raise BayescaleInputError(f"--flops {text!r}: budgets must be positive numbers")
    return values


def _records(frame: pd.DataFrame) -> list[dict]:
    import pandas as pd

    return [{k: (None if pd.isna(v) else float(v)) for k, v in row.items()} for row in frame.to_dict("records")]


@app.command("optimal")
@user_errors
def optimal_command(
    fit_file: Annotated[Path, typer.Argument(help="A saved fit (.nc) of a law of params and tokens.")],
    flops: Annotated[str, typer.Option(help="Budgets: 1e22,1e24 or a range 1e20:1e25.")],
    interval: float = 0.9,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Compute-optimal parameters, tokens and loss per budget (C = 6ND), with the exponents a and b."""
    from bayescale.decisions import optimal
    from bayescale.fit import load_fit

    allocation = optimal(load_fit(fit_file), parse_flops(flops), interval=interval)
    table, exponents = allocation.table(interval), allocation.exponents(interval)
    if as_json:
        print_json([row | exponents for row in _records(table)])
        return
    out.print(frame_table(table.set_index("flops"), f"Compute-optimal allocation ({interval:.0%} intervals)", "flops"))
    out.print(
        f"N* ∝ C^a: a = {exponents['a_median']:.3f} ({exponents['a_lower']:.3f} to {exponents['a_upper']:.3f}); "
        f"D* ∝ C^b: b = {exponents['b_median']:.3f} ({allocation.method} solution)",
        highlight=False,
    )


@app.command("isoflop")
@user_errors
def isoflop_command(
    runs: Annotated[Path, typer.Argument(help="CSV of runs grouped by compute budget.")],
    budget_column: Annotated[str, typer.Option(help="Column holding each run's compute budget.")] = "flops_budget",
    params_column: Annotated[str, typer.Option(help="Column of parameter counts.")] = "params",
    tokens_column: Annotated[str, typer.Option(help="Column of training tokens, if any (else D = C / 6N).")] = "tokens",
    loss_column: Annotated[str, typer.Option(help="Column of losses.")] = "loss",
    interval: float = 0.9,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    seed: int = 0,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Iso-FLOP analysis: each budget's optimal N and D, and the power laws N* ∝ C^a, D* ∝ C^b."""
    from bayescale.decisions import isoflop

    result = isoflop(
        runs, budget=budget_column, params=params_column, tokens=tokens_column, loss=loss_column,
        draws=draws, tune=tune, chains=chains, seed=seed, warn=False,
    )  # fmt: skip
    table, exponents = result.table(interval), result.exponents(interval)
    if as_json:
        print_json({"budgets": _records(table), "exponents": exponents})
    else:
        out.print(frame_table(table.set_index("flops"), f"Iso-FLOP optima ({interval:.0%} intervals)", "flops"))
        out.print(
            f"N* ∝ C^a: a = {exponents['a_median']:.3f} ({exponents['a_lower']:.3f} to {exponents['a_upper']:.3f}); "
            f"D* ∝ C^b: b = {exponents['b_median']:.3f} ({exponents['b_lower']:.3f} to {exponents['b_upper']:.3f})",
            highlight=False,
        )
    print_diagnostics(result.diagnostics)


@app.command()
@user_errors
def recipes(
    fit_a: Annotated[Path, typer.Argument(help="Fit of recipe A (.nc).")],
    fit_b: Annotated[Path, typer.Argument(help="Fit of recipe B (.nc), same law.")],
    flops: Annotated[str, typer.Option(help="Budgets: 1e20:1e25 or a list.")],
    ratio: Annotated[float | None, typer.Option(help="Fixed tokens per parameter instead of optimal.")] = None,
    interval: float = 0.9,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Probability that recipe A beats B per budget, the crossover compute and B's compute multiplier."""
    from bayescale.decisions import compare_recipes
    from bayescale.fit import load_fit

    result = compare_recipes(load_fit(fit_a), load_fit(fit_b), parse_flops(flops), ratio=ratio)
    table, crossover = result.table(interval), result.crossover_summary(interval)
    if as_json:
        print_json({"budgets": _records(table), "crossover": crossover})
        return
    out.print(frame_table(table.set_index("flops"), "Recipe A against B", "flops"))
    if crossover["fraction"]:
        out.print(f"curves cross in {crossover['fraction']:.0%} of draws, median at {crossover['median']:.3g} FLOPs")
    else:
        out.print("the curves do not cross within these budgets in any draw")


@app.command("next-run")
@user_errors
def next_run_command(
    fit_file: Annotated[Path, typer.Argument(help="A saved fit (.nc).")],
    target: Annotated[str, typer.Option(help="Where to predict: params=7e10,tokens=1.4e12.")],
    candidates: Annotated[Path, typer.Option(help="CSV of candidate runs (the law's input columns).")],
    budget: Annotated[float | None, typer.Option(help="Largest affordable cost (FLOPs, C = 6ND).")] = None,
    interval: float = 0.9,
    predictive: Annotated[bool, typer.Option(help="Rank by the new-run interval, not the law's.")] = False,
    n_sim: Annotated[int, typer.Option(help="Simulated outcomes per candidate.")] = 200,
    top: Annotated[int, typer.Option(help="How many candidates to show.")] = 10,
    seed: int = 0,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Rank candidate runs by how much each is expected to shrink the target's interval."""
    import pandas as pd

    from bayescale.decisions import next_run
    from bayescale.fit import load_fit

    if not candidates.is_file():
        raise BayescaleInputError(f"--candidates: file not found: {candidates}")
    ranked = next_run(
        load_fit(fit_file), parse_pairs([target], "--target", numeric=True), pd.read_csv(candidates), budget,
        interval=interval, predictive=predictive, n_sim=n_sim, seed=seed,
    ).head(top)  # fmt: skip
    if as_json:
        print_json(_records(ranked))
        return
    out.print(frame_table(ranked, "Next run to train (best first)"))
    kind = "interval for a new run" if predictive else "law's interval"
    err.print(f"width: the {kind} ({interval:.0%}) at the target, expected after the candidate", highlight=False)
