"""Commands that draw: plot, report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import numpy as np
import typer

from bayescale.cli.common import app, check_names, err, lazy, parse_pairs, user_errors
from bayescale.errors import BayescaleInputError
from bayescale.files import check_output_path, write_atomically

if TYPE_CHECKING:
    import pandas as pd

optimal = lazy("bayescale.decisions", "optimal")
load_fit = lazy("bayescale.fit", "load_fit")
plot_extrapolation = lazy("bayescale.plots", "plot_extrapolation")
plot_frontier = lazy("bayescale.plots", "plot_frontier")
plot_posterior = lazy("bayescale.plots", "plot_posterior")
write_report = lazy("bayescale.report", "write_report")


def _headless() -> None:
    """Draw to files without a display: matplotlib's Agg backend, chosen before pyplot is imported."""
    import matplotlib

    matplotlib.use("Agg")


KINDS = ("extrapolation", "posterior", "frontier")
FRONTIER_FLOPS = np.geomspace(1e18, 1e26, 40)


def _targets(items: list[str], result) -> pd.DataFrame | None:
    points = [check_names(parse_pairs([t], "--target", numeric=True), result.law, result.columns, "--target")
              for t in items]  # fmt: skip
    import pandas as pd  # here, not at the top: the command line's help stays fast

    return pd.DataFrame(points) if points else None


def figure_suffixes() -> list[str]:
    """File types matplotlib can write: .png, .pdf, .svg and the rest."""
    _headless()
    from matplotlib.backend_bases import FigureCanvasBase

    return [f".{kind}" for kind in FigureCanvasBase.get_supported_filetypes()]


@app.command()
@user_errors
def plot(
    fit_file: Annotated[Path, typer.Argument(help="A saved fit (.nc).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Figure file (.png, .pdf, .svg).")],
    kind: Annotated[str, typer.Option(help=f"One of: {', '.join(KINDS)}.")] = "extrapolation",
    target: Annotated[list[str], typer.Option(help="Mark a target: params=7e10,tokens=1.4e12.")] = [],  # noqa: B006
    group: Annotated[
        str | None, typer.Option(help="Frontier of one group of a grouped fit; unknown or absent: a new group.")
    ] = None,
) -> None:
    """Draw a figure of a saved fit."""
    if kind not in KINDS:
        raise BayescaleInputError(f"--kind {kind!r}: choose one of {', '.join(KINDS)}")
    check_output_path(output, "-o", suffixes=figure_suffixes(), inputs=[fit_file])
    if group is not None and kind != "frontier":
        raise BayescaleInputError(f"--group draws the frontier of one group; --kind {kind!r} has none")
    result = load_fit(fit_file)
    if kind == "extrapolation":
        figure = plot_extrapolation(result, targets=_targets(target, result)).figure
    elif kind == "frontier":
        figure = plot_frontier(optimal(result, FRONTIER_FLOPS, group=group))
    else:
        figure = plot_posterior(result)
    file_type = output.suffix.lower().lstrip(".")
    write_atomically(output, lambda path: figure.savefig(path, format=file_type, dpi=130, bbox_inches="tight"))
    err.print(f"saved {output}", highlight=False)


@app.command()
@user_errors
def report(
    fit_file: Annotated[Path, typer.Argument(help="A saved fit (.nc).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="HTML file to write.")],
    target: Annotated[list[str], typer.Option(help="Predict at: params=7e10,tokens=1.4e12.")] = [],  # noqa: B006
) -> None:
    """Write a self-contained HTML report of a saved fit."""
    check_output_path(output, "-o", suffixes=[".html", ".htm"], inputs=[fit_file])
    _headless()
    result = load_fit(fit_file)
    write_report(result, output, _targets(target, result))
    err.print(f"saved {output}", highlight=False)
