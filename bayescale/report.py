"""One self-contained HTML page about a fit: data, parameters, diagnostics, extrapolation."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import matplotlib
import pandas as pd
from matplotlib.figure import Figure

from bayescale.discrepancy import HeldOut, evidence_by_distance
from bayescale.fit import EVIDENCE
from bayescale.plots import plot_extrapolation
from bayescale.predictive import GROWTH

STYLE = """body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;color:#222}
table{border-collapse:collapse;font-size:0.9em}td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}
th:first-child,td:first-child{text-align:left}.ok{color:#176317}.warn{color:#a35a00}img{max-width:100%}"""


def figure_to_base64(figure: Figure) -> str:
    """PNG bytes of a figure, base64-encoded for an ``<img src="data:...">``."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    matplotlib.pyplot.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()


def default_targets(fit) -> pd.DataFrame:
    """Ten times the largest run along every input: the next step a team usually asks about."""
    runs = fit.runs()
    return pd.DataFrame([{n: 10 * runs[n].max() for n in fit.law.input_names}])


def _data_summary(fit) -> pd.DataFrame:
    runs = fit.runs()
    return runs.agg(["min", "median", "max"]).T.rename_axis("variable")


def _extrapolation_section(fit) -> str:
    """Leave-future-out inside the runs: errors and the fit's intervals by distance beyond each refit."""
    if EVIDENCE not in fit.tree.children:
        return ""
    evidence = HeldOut.from_dataset(fit.tree[EVIDENCE].to_dataset())
    if not len(evidence.error):
        return (
            "<h2>Extrapolation honesty</h2><p>Too few runs to hold any out: the discrepancy's growth is its prior.</p>"
        )
    table = evidence_by_distance(evidence, fit.posterior[GROWTH].values, fit.spec.noise.nu)
    words = (
        "Refits on the smaller runs, scored on the larger ones (errors on the output's noise scale), "
        "against the 90% intervals the fit gives at those distances."
    )
    return f"<h2>Extrapolation honesty</h2><p>{words}</p>{table.to_html(float_format='{:.4g}'.format)}"


def build_report(fit, targets: pd.DataFrame | None = None) -> str:
    """The report as an HTML string (figures embedded as PNG)."""
    targets = default_targets(fit) if targets is None or not len(targets) else targets
    sections = [
        f"<h1>{html.escape(fit.law.name)}: {html.escape(fit.law.formula)}</h1>",
        f"<p>{html.escape(fit.law.citation)}</p>",
        f"<h2>Data</h2><p>{len(fit.runs())} runs.</p>{_data_summary(fit).to_html(float_format='{:.4g}'.format)}",
        f"<h2>Parameters</h2>{fit.summary().to_html(float_format='{:.4g}'.format, na_rep='')}",
        "<h2>Diagnostics</h2>"
        + "".join(
            f'<p class="{"ok" if fit.diagnostics.ok else "warn"}">{html.escape(line)}</p>'
            for line in fit.diagnostics.report().splitlines()
        ),
    ]
    if len(fit.law.inputs) <= 2:
        image = figure_to_base64(plot_extrapolation(fit, targets=targets).figure)
        sections.append(f'<h2>Extrapolation</h2><img alt="extrapolation" src="data:image/png;base64,{image}">')
    honesty = _extrapolation_section(fit)
    if honesty:
        sections.append(honesty)
    predictions = fit.predict(targets[fit.law.input_names], interval=0.9)
    sections.append(
        f"<h2>Predictions at the targets (90% intervals)</h2>{predictions.to_html(float_format='{:.4g}'.format)}"
    )
    body = "\n".join(sections)
    head = f"<meta charset='utf-8'><title>{html.escape(fit.law.name)} fit</title><style>{STYLE}</style>"
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"


def write_report(fit, path: str | Path, targets: pd.DataFrame | None = None) -> Path:
    """Write :func:`build_report` to ``path``."""
    path = Path(path)
    path.write_text(build_report(fit, targets))
    return path
