"""Data in: map a user's table onto a law's inputs and output, and validate it."""

from __future__ import annotations

import csv
import datetime
import functools
import warnings
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from bayescale.catalog import get_law
from bayescale.errors import PACKAGE_DIR, BayescaleInputError, DataWarning, one_line
from bayescale.errors import shown as shown_value
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
    source: str = "the table"

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
        return Runs(frame, dict(self.columns), self.law_name, dict(self.structure), names, self.source)


def row_list(index: pd.Index) -> str:
    """``row 3`` or ``rows 2, 5, 7 and 4 more``: rows named by the table's index, for messages."""
    shown = ", ".join(str(i) for i in index[:MAX_ROWS_SHOWN])
    more = f" and {len(index) - MAX_ROWS_SHOWN} more" if len(index) > MAX_ROWS_SHOWN else ""
    return f"row{'s' if len(index) > 1 else ''} {shown}{more}"


def _duplicate_names(names: list, where: str) -> None:
    seen, twice = set(), []
    for name in names:
        if name in seen and name not in twice:
            twice.append(name)
        seen.add(name)
    if twice:
        listed = ", ".join(repr(str(n)) for n in twice)
        raise BayescaleInputError(
            f"{where} has more than one column named {listed}: rename or drop the copies so each name is used once"
        )


def read_table(data: str | Path | pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Read a CSV path or take a DataFrame; return it with a name for messages."""
    if isinstance(data, pd.DataFrame):
        _duplicate_names(list(data.columns), "the table")
        return data, "the table"
    if not isinstance(data, str | PathLike) or not str(data).strip():
        raise BayescaleInputError(
            f"runs must be a CSV path or a pandas DataFrame (one row per run), not {shown_value(data)}"
        )
    path = Path(data)
    if not path.is_file():
        raise BayescaleInputError(f"runs file not found: {path}")
    try:
        header = pd.read_csv(path, header=None, nrows=1, dtype=str)
        frame = pd.read_csv(path)
    except (ValueError, UnicodeError, OSError, csv.Error) as err:  # pandas' parser errors are ValueErrors
        detail = "it is empty" if isinstance(err, pd.errors.EmptyDataError) else one_line(err)
        raise BayescaleInputError(f"{path.name} is not a readable CSV table: {detail}") from err
    _duplicate_names(header.iloc[0].tolist() if len(header) else [], path.name)
    return frame, path.name


def _bad_kind(raw: pd.Series) -> str | None:
    """What a column holds if it is not plain numbers or text: booleans, dates, durations, complex numbers."""
    kinds = {"b": "true/false values", "M": "dates", "m": "durations", "c": "complex numbers"}
    kind = getattr(raw.dtype, "kind", "O")
    if kind in kinds:
        return kinds[kind]
    if kind != "O":
        return None
    for value in raw.dropna():
        if isinstance(value, bool | np.bool_):
            return "true/false values"
        if isinstance(value, datetime.date | np.datetime64):
            return "dates"
        if isinstance(value, datetime.timedelta | np.timedelta64):
            return "durations"
        if isinstance(value, complex | np.complexfloating):
            return "complex numbers"
        if isinstance(value, bytes):
            return "bytes"
    return None


def _column_values(frame: pd.DataFrame, column: str, where: str) -> pd.Series:
    raw = frame[column]
    kind = _bad_kind(raw)
    if kind:
        raise BayescaleInputError(f"column {column!r} in {where} holds {kind}, not numbers: give it as plain numbers")
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & raw.notna()
    if bad.any():
        examples = ", ".join(repr(v) for v in raw[bad].head(3))
        raise BayescaleInputError(
            f"column {column!r} in {where} has non-numeric values at {row_list(raw.index[bad])} "
            f"(e.g. {examples}): fix or drop those rows"
        )
    missing = ~np.isfinite(values.to_numpy(dtype=float))
    if missing.any():
        raise BayescaleInputError(
            f"column {column!r} in {where} has missing, NaN or infinite values at "
            f"{row_list(raw.index[missing])}: fill or drop those rows"
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
    columns = _column_mapping(columns)
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
                f"column {column!r} ({name}) in {where} must be {words} but is not at {row_list(clean.index[~ok])}"
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
    return Runs(frame=clean, columns=mapping, law_name=law.name, structure=structure, source=where)


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
            f"column {column!r} ({kind}) in {where} is empty at {row_list(frame.index[missing])}: "
            "give every run a label"
        )


def _column_mapping(columns: object) -> dict[str, str]:
    """``columns=`` checked to map law variable names to column names (strings both)."""
    if columns is None:
        return {}
    if not isinstance(columns, Mapping):
        raise BayescaleInputError(
            f"columns={shown_value(columns)} must map law variables to your columns, e.g. {{'params': 'n_params'}}"
        )
    bad = [f"{k!r}: {v!r}" for k, v in columns.items() if not isinstance(k, str) or not isinstance(v, str)]
    if bad:
        raise BayescaleInputError(
            f"columns= maps {', '.join(bad)}: names must be strings, e.g. {{'params': 'n_params'}}"
        )
    return dict(columns)


@functools.cache
def input_dependencies(law: Law) -> dict[str, list[str]] | None:
    """For each input, the parameters whose effect on the law's mean changes with it.

    ``E`` in ``E + A / N^alpha`` shifts the mean by the same amount at every N, so it does not
    depend on N; ``A`` and ``alpha`` do. Read from the mean function's graph: a parameter depends
    on an input when the input appears in the derivative of the mean with respect to it. ``None``
    when the mean function cannot be differentiated symbolically.
    """
    import pytensor
    import pytensor.tensor as pt
    from pytensor.graph.rewriting.utils import rewrite_graph
    from pytensor.graph.traversal import ancestors

    inputs = {n: pt.scalar(n, dtype="float64") for n in law.input_names}
    params = {n: pt.scalar(n, dtype="float64") for n in law.param_names}
    try:
        means = law.split_mean(law.mean(**inputs, **params))
        total = sum(pt.sum(pt.as_tensor_variable(m)) for m in means.values())
        depends: dict[str, list[str]] = {n: [] for n in inputs}
        for name, param in params.items():
            gradient = pytensor.grad(total, param, disconnected_inputs="ignore")
            found = set(ancestors([rewrite_graph(gradient, include=("canonicalize",))]))
            for input_name, variable in inputs.items():
                if variable in found:
                    depends[input_name].append(name)
    except Exception:  # a law written with operations that have no symbolic gradient: no claim made
        return None
    return depends


def warn_identifiability(runs: Runs, law: Law, free_params: Collection[str]) -> None:
    """Warn where the runs cannot pin down the law: an input at one value, fewer distinct values
    of an input than free parameters depending on it, runs repeated exactly."""
    free = [p for p in law.param_names if p in set(free_params)]
    messages = []
    dependencies = None
    for name in law.input_names:
        column = runs.columns[name]
        values = runs.column(name)
        distinct = len(np.unique(values))
        if distinct > len(free):
            continue
        if dependencies is None:
            dependencies = input_dependencies(law) or {}
        depending = [p for p in dependencies.get(name, []) if p in free]
        if distinct == 1:
            what = (
                f"{', '.join(depending)} cannot be identified from these runs; add runs at other values or fix them"
                if depending
                else "the law's dependence on it cannot be seen"
            )
            messages.append(
                f"column {column!r} (input {name!r}) in {runs.source} has one value, {values[0]:.4g}, "
                f"in every run: {what}"
            )
        elif distinct < len(depending):
            messages.append(
                f"column {column!r} (input {name!r}) in {runs.source} takes {distinct} distinct values, fewer than "
                f"the {len(depending)} parameters depending on it ({', '.join(depending)}): they cannot all be "
                "identified from these runs; add runs at other values, fix some of them or narrow their priors"
            )
    used = [runs.columns[n] for n in [*law.input_names, *law.outputs]]
    repeated = runs.frame.duplicated(subset=list(dict.fromkeys(used)))
    if repeated.any():
        if repeated.sum() == len(runs) - 1:
            messages.append(
                f"all {len(runs)} runs in {runs.source} are identical: they say nothing about how the law changes"
            )
        else:
            messages.append(
                f"{row_list(runs.frame.index[repeated.to_numpy()])} of {runs.source} repeat earlier rows exactly: each "
                "copy counts as another independent run; drop the repeats unless they are real reruns"
            )
    for message in messages:
        warnings.warn(message, DataWarning, skip_file_prefixes=(PACKAGE_DIR,))
