"""Data in: map a user's table onto a law's inputs and output, and validate it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from bayescale.catalog import get_law
from bayescale.errors import BayescaleInputError
from bayescale.law import Law
from bayescale.likelihood import OUTPUT_SCALES
from bayescale.structure import Labels

MAX_ROWS_SHOWN = 8


@dataclass(frozen=True)
class Runs:
    """Validated training runs: the user's table and which column feeds which law variable."""

    frame: pd.DataFrame
    columns: dict[str, str]
    law_name: str
    structure: dict[str, str] = field(default_factory=dict)
    label_names: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.frame)

    def column(self, name: str) -> np.ndarray:
        """Values of a law variable (an input or the output) as float64."""
        return self.frame[self.columns[name]].to_numpy(dtype=float)

    def labels(self, kind: str) -> Labels:
        """Codes of the ``"groups"`` or ``"series"`` column; one series or group if none was given.

        Codes refer to the full set of labels the runs were loaded with, so a subset of the
        runs (a refit) keeps the same groups and series.
        """
        column = self.structure.get(kind)
        if column is None:
            return Labels(np.zeros(len(self), dtype="int64"), ("all",))
        values = self.frame[column].astype(str).to_numpy()
        names = self.label_names.get(kind) or tuple(sorted(set(values)))
        index = {name: i for i, name in enumerate(names)}
        return Labels(np.array([index[v] for v in values], dtype="int64"), names)

    def subset(self, rows: np.ndarray) -> Runs:
        """The runs at ``rows`` (positions or a mask), keeping every group and series label."""
        names = {kind: self.labels(kind).names for kind in self.structure}
        frame = self.frame.iloc[rows].reset_index(drop=True)
        return Runs(frame, dict(self.columns), self.law_name, dict(self.structure), names)


def _rows(index: pd.Index) -> str:
    shown = ", ".join(str(i) for i in index[:MAX_ROWS_SHOWN])
    more = f" and {len(index) - MAX_ROWS_SHOWN} more" if len(index) > MAX_ROWS_SHOWN else ""
    return f"row{'s' if len(index) > 1 else ''} {shown}{more}"


def read_table(data: str | Path | pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Read a CSV path or take a DataFrame; return it with a name for messages."""
    if isinstance(data, pd.DataFrame):
        return data, "the table"
    path = Path(data)
    if not path.is_file():
        raise BayescaleInputError(f"runs file not found: {path}")
    try:
        return pd.read_csv(path), path.name
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise BayescaleInputError(f"{path.name} is not a readable CSV table: {err}") from err


def _column_values(frame: pd.DataFrame, column: str, where: str) -> pd.Series:
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & raw.notna()
    if bad.any():
        examples = ", ".join(repr(v) for v in raw[bad].head(3))
        raise BayescaleInputError(
            f"column {column!r} in {where} has non-numeric values at {_rows(raw.index[bad])} "
            f"(e.g. {examples}): fix or drop those rows"
        )
    missing = ~np.isfinite(values.to_numpy(dtype=float))
    if missing.any():
        raise BayescaleInputError(
            f"column {column!r} in {where} has missing, NaN or infinite values at "
            f"{_rows(raw.index[missing])}: fill or drop those rows"
        )
    return values.astype(float)


def load_runs(
    data: str | Path | pd.DataFrame,
    law: str | Path | Law,
    columns: Mapping[str, str] | None = None,
    n_free_params: int | None = None,
    *,
    groups: str | None = None,
    series: str | None = None,
) -> Runs:
    """Read runs and map their columns onto a law's inputs and output.

    Parameters
    ----------
    data
        A CSV path or a DataFrame, one row per training run.
    law
        The law (name, law file path or :class:`~bayescale.law.Law`) whose inputs and
        output the columns feed.
    columns
        ``{law_variable: your_column}`` where the names differ, e.g.
        ``{"params": "n_params", "loss": "final_loss"}``; unmapped variables are looked
        up under their own name.
    n_free_params
        Parameters the fit will estimate (default: all of the law's, plus the noise
        scale); there must be more runs than that.
    groups, series
        Columns whose values name each run's group (its varying parameters) and series
        (rows sharing errors, e.g. checkpoints of one training run).

    Examples
    --------
    >>> from bayescale import datasets
    >>> runs = load_runs(datasets.load("chinchilla"), "chinchilla")
    >>> len(runs)
    245
    """
    law = get_law(law)
    frame, where = read_table(data)
    columns = dict(columns or {})
    wanted = [*law.input_names, *law.outputs]
    unknown = sorted(set(columns) - set(wanted))
    if unknown:
        raise BayescaleInputError(
            f"columns= maps {', '.join(unknown)}, which law {law.name!r} does not use; "
            f"its variables are {', '.join(wanted)}"
        )
    mapping = {name: columns.get(name, name) for name in wanted}
    for name, column in mapping.items():
        if column not in frame.columns:
            found = ", ".join(map(str, frame.columns))
            raise BayescaleInputError(
                f"column {column!r} (law {'output' if name in law.outputs else 'input'} "
                f"{name!r}) not found in {where}; columns found: {found}. "
                f"Map it with --column {name}=<your column>"
            )
    clean = frame.copy()
    for name, column in mapping.items():
        clean[column] = _column_values(frame, column, where)
        values = clean[column].to_numpy()
        if name in law.outputs:
            scale = OUTPUT_SCALES[law.outputs[name].kind]
            ok, words = scale.valid(values), scale.valid_words
        else:
            ok = values > 0 if law.inputs[name].positive else np.ones_like(values, bool)
            words = "positive"
        if not ok.all():
            raise BayescaleInputError(
                f"column {column!r} ({name}) in {where} must be {words} but is not at {_rows(clean.index[~ok])}"
            )
    needed = len(law.params) if n_free_params is None else n_free_params
    if len(clean) < needed:
        raise BayescaleInputError(
            f"{len(clean)} runs in {where} are fewer than the {needed} free parameters of law {law.name!r}: "
            f"give at least {needed} runs or fix some parameters"
        )
    structure = {kind: column for kind, column in (("groups", groups), ("series", series)) if column is not None}
    for kind, column in structure.items():
        _check_label_column(clean, column, kind, where)
    return Runs(frame=clean, columns=mapping, law_name=law.name, structure=structure)


def _check_label_column(frame: pd.DataFrame, column: str, kind: str, where: str) -> None:
    option = "--group" if kind == "groups" else "--series"
    if not isinstance(column, str) or column not in frame.columns:
        raise BayescaleInputError(
            f"{kind}={column!r} ({option}) names no column of {where}; columns found: "
            f"{', '.join(map(str, frame.columns))}"
        )
    missing = frame[column].isna().to_numpy()
    if missing.any():
        raise BayescaleInputError(
            f"column {column!r} ({kind}) in {where} is empty at {_rows(frame.index[missing])}: give every run a label"
        )
