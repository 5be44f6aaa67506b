"""Commands that decide: optimal allocation, iso-FLOP analysis, recipe comparison, next run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from bayescale.cli.common import (
    Chains,
    Draws,
    Seed,
    Tune,
    app,
    check_names,
    err,
    frame_table,
    interval_document,
    interval_documents,
    lazy,
    out,
    parse_pairs,
    print_diagnostics,
    print_json,
    user_errors,
)
from bayescale.errors import BayescaleInputError, check_interval, check_number, check_seed, check_whole

Cost = lazy("bayescale.cost", "Cost")
compare_recipes = lazy("bayescale.decisions", "compare_recipes")
isoflop = lazy("bayescale.decisions", "isoflop")
next_run = lazy("bayescale.decisions", "next_run")
optimal = lazy("bayescale.decisions", "optimal")
load_fit = lazy("bayescale.fit", "load_fit")
read_table = lazy("bayescale.runs", "read_table")

JSON_OPTION = typer.Option("--json", help="Print JSON only.")
COST_OPTION = typer.Option(help="Training FLOPs per parameter per token: C = k N D (6 for a dense transformer).")
GROUP_OPTION = typer.Option(help="A group of a grouped fit; unknown or absent: a new group from the population.")


def cost_of(factor: float | None):
    """The cost model C = factor N D (None: the default, 6 N D), with the option named in its error."""
    if factor is None:
        return None
    try:
        return Cost(training=factor)
    except BayescaleInputError:
        raise BayescaleInputError(f"--cost-factor {factor}: must be a positive number of FLOPs") from None


MAX_BUDGETS = 1000


def parse_flops(text: str) -> np.ndarray:
    """``"1e22,1e24"`` -> the list; ``"1e20:1e25"`` -> one budget per decade (``1e20:1e25:11`` for 11 points)."""
    usage = f"--flops {text!r}: expected budgets 1e22,1e24 or a range 1e20:1e25[:points]"
    try:
        parts = [float(p) for p in text.split(":")] if ":" in text else None
        values = None if parts else np.array([float(p) for p in text.split(",") if p.strip()])
    except ValueError:
        raise BayescaleInputError(usage) from None
    if parts is not None:
        if len(parts) not in (2, 3) or not np.all(np.isfinite(parts)):
            raise BayescaleInputError(usage)
        low, high = parts[:2]
        if not 0 < low < high:
            raise BayescaleInputError(f"--flops {text!r}: a range needs 0 < start < end")
        if len(parts) == 3:
            if parts[2] != int(parts[2]) or not 2 <= parts[2] <= MAX_BUDGETS:
                raise BayescaleInputError(
                    f"--flops {text!r}: the number of points must be a whole number, 2 to {MAX_BUDGETS}"
                )
            count = int(parts[2])
        else:
            count = max(int(round(np.log10(high / low))) + 1, 2)
        return np.geomspace(low, high, count)
    if not len(values) or not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise BayescaleInputError(f"--flops {text!r}: budgets must be finite positive numbers")
    if len(values) > MAX_BUDGETS:
        raise BayescaleInputError(f"--flops {text!r}: at most {MAX_BUDGETS} budgets")
    return values


@app.command("optimal")
@user_errors
def optimal_command(
    fit_file: Annotated[Path, typer.Argument(help="A saved fit (.nc) of a law of params and tokens.")],
    flops: Annotated[str, typer.Option(help="Budgets: 1e22,1e24 or a range 1e20:1e25.")],
    group: Annotated[str | None, GROUP_OPTION] = None,
    cost_factor: Annotated[float | None, COST_OPTION] = None,
    interval: Annotated[float, typer.Option(help="Width of the intervals.")] = 0.9,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Compute-optimal parameters, tokens and loss per budget (C = k N D), with the exponents a and b."""
    allocation = optimal(load_fit(fit_file), parse_flops(flops), cost=cost_of(cost_factor), group=group,
                         interval=interval)  # fmt: skip
    table, exponents = allocation.table(interval), allocation.exponents(interval)
    if as_json:
        print_json([row | interval_document(exponents, interval) for row in interval_documents(table, interval)])
        return
    title = f"Compute-optimal allocation, {allocation.cost.describe()}" + (f", group {group}" if group else "")
    out.print(frame_table(table.set_index("flops"), f"{title} ({interval:.0%} intervals)", "flops"))
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
    tokens_column: Annotated[
        str, typer.Option(help="Column of training tokens, if any (else D from the cost).")
    ] = "tokens",
    loss_column: Annotated[str, typer.Option(help="Column of losses.")] = "loss",
    cost_factor: Annotated[float | None, COST_OPTION] = None,
    interval: Annotated[float, typer.Option(help="Width of the intervals.")] = 0.9,
    draws: Draws = 1000,
    tune: Tune = 1000,
    chains: Chains = 4,
    seed: Seed = 0,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Iso-FLOP analysis: each budget's optimal N and D, and the power laws N* ∝ C^a, D* ∝ C^b."""
    check_seed(seed, "--seed")
    check_interval(interval)
    result = isoflop(
        runs, budget=budget_column, params=params_column, tokens=tokens_column, loss=loss_column,
        cost=cost_of(cost_factor), draws=draws, tune=tune, chains=chains, seed=seed, warn=False,
    )  # fmt: skip
    table, exponents = result.table(interval), result.exponents(interval)
    if as_json:
        print_json(
            {"budgets": interval_documents(table, interval), "exponents": interval_document(exponents, interval)}
        )
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
    flops: Annotated[str, typer.Option(help="Budgets: 1e20:1e25 or a list.")],
    fit_b: Annotated[
        Path | None, typer.Argument(help="Fit of recipe B (.nc), same law; absent: A's fit (compare two groups).")
    ] = None,
    group_a: Annotated[str | None, typer.Option(help="Recipe A's group in its fit.")] = None,
    group_b: Annotated[str | None, typer.Option(help="Recipe B's group in its fit.")] = None,
    ratio: Annotated[float | None, typer.Option(help="Fixed tokens per parameter instead of optimal.")] = None,
    cost_factor: Annotated[float | None, COST_OPTION] = None,
    interval: Annotated[float, typer.Option(help="Width of the intervals.")] = 0.9,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Probability that recipe A beats B per budget, the crossover compute and B's compute multiplier."""
    if ratio is not None:
        check_number(ratio, "--ratio", positive=True)
    first = load_fit(fit_a)
    second = first if fit_b is None else load_fit(fit_b)
    result = compare_recipes(
        first, second, parse_flops(flops), ratio=ratio, groups=(group_a, group_b), cost=cost_of(cost_factor)
    )
    table, crossover = result.table(interval), result.crossover_summary(interval)
    if as_json:
        print_json({"budgets": interval_documents(table, interval), "crossover": crossover | {"interval": interval}})
        return
    a, b = result.names
    out.print(frame_table(table.set_index("flops"), f"Recipe {a} against {b}", "flops"))
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
    budget: Annotated[float | None, typer.Option(help="Largest affordable cost (FLOPs, C = k N D).")] = None,
    group: Annotated[str | None, GROUP_OPTION] = None,
    cost_factor: Annotated[float | None, COST_OPTION] = None,
    interval: Annotated[float, typer.Option(help="Width of the intervals.")] = 0.9,
    predictive: Annotated[bool, typer.Option(help="Rank by the new-run interval, not the law's.")] = False,
    n_sim: Annotated[int, typer.Option(help="Simulated outcomes per candidate.")] = 200,
    top: Annotated[int, typer.Option(help="How many candidates to show.")] = 10,
    seed: Seed = 0,
    as_json: Annotated[bool, JSON_OPTION] = False,
) -> None:
    """Rank candidate runs by how much each is expected to shrink the target's interval."""
    check_seed(seed, "--seed")
    check_whole(top, "--top", 1, 10**9)
    if budget is not None:
        check_number(budget, "--budget", positive=True)
    if not candidates.is_file():
        raise BayescaleInputError(f"--candidates: file not found: {candidates}")
    table, _ = read_table(candidates)
    result = load_fit(fit_file)
    point = check_names(parse_pairs([target], "--target", numeric=True), result.law, result.columns, "--target")
    ranked = next_run(
        result,
        point,
        table,
        budget,
        cost=cost_of(cost_factor),
        group=group,
        interval=interval,
        predictive=predictive,
        n_sim=n_sim,
        seed=seed,
    ).head(top)
    if as_json:
        print_json(interval_documents(ranked, interval))
        return
    out.print(frame_table(ranked, "Next run to train (best first)"))
    kind = "interval for a new run" if predictive else "law's interval"
    err.print(f"width: the {kind} ({interval:.0%}) at the target, expected after the candidate", highlight=False)
