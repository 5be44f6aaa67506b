"""Commands that draw: plot, report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bayescale.cli.common import app, err, parse_pairs, user_errors
from bayescale.errors import BayescaleInputError

if TYPE_CHECKING:
    import pandas as pd

KINDS = ("extrapolation", "posterior", "frontier")


def _headless() -> None:
    """Draw to files without a display: matplotlib's Agg backend, chosen before pyplot is imported."""
    import matplotlib

    matplotlib.use("Agg")


def _targets(items: list[str]) -> pd.DataFrame | None:
    import pandas as pd

    return pd.DataFrame([parse_pairs([t], "--target", numeric=True) for t in items]) if items else None


@app.command()
@user_errors
def plot(
    fit_file: Annotated[Path, typer.Argument(help="A saved fit (.nc).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Figure file (.png, .pdf, .svg).")],
    kind: Annotated[str, typer.Option(help=f"One of: {', '.join(KINDS)}.")] = "extrapolation",
    target: Annotated[list[str], typer.Option(help="Mark a target: params=7e10,tokens=1.4e12.")] = [],  # noqa: B006
) -> None:
    """Draw a figure of a saved fit."""
    if kind not in KINDS:
        raise BayescaleInputError(f"--kind {kind!r}: choose one of {', '.join(KINDS)}")
    _headless()
    from bayescale.fit import load_fit
    from bayescale.plots import plot_extrapolation, plot_frontier, plot_posterior

    result = load_fit(fit_file)
    if kind == "extrapolation":
        figure = plot_extrapolation(result, targets=_targets(target)).figure
    elif kind == "frontier":
        figure = plot_frontier(result)
    else:
        figure = plot_posterior(result)
    figure.savefig(output, dpi=130, bbox_inches="tight")
    err.print(f"saved {output}", highlight=False)


@app.command()
@user_errors
def report(
    fit_file: Annotated[Path, typer.Argument(help="A saved fit (.nc).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="HTML file to write.")],
    target: Annotated[list[str], typer.Option(help="Predict at: params=7e10,tokens=1.4e12.")] = [],  # noqa: B006
) -> None:
    """Write a self-contained HTML report of a saved fit."""
    _headless()
    from bayescale.fit import load_fit
    from bayescale.report import write_report

    write_report(load_fit(fit_file), output, _targets(target))
    err.print(f"saved {output}", highlight=False)
