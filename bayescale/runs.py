"""Data in: map a user's table onto a law's inputs and output, and validate it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bayescale.catalog import get_law
from bayescale.errors import BayescaleInputError
from bayescale.law import Law
from bayescale.likelihood import OUTPUT_SCALES

MAX_ROWS_SHOWN = 8


@dataclass(frozen=True)
class Runs:
    """Validated training runs: the user's table and which column feeds which law variable."""

    frame: pd.DataFrame
    columns: dict[str, str]
    law_name: str

    def __len__(self) -> int:
        return len(self.frame)

    def column(self, name: str) -> np.ndarray:
        """Values of a law variable (an input or the output) as float64."""
        return self.frame[self.columns[name]].to_numpy(dtype=float)


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
    return Runs(frame=clean, columns=mapping, law_name=law.name)
