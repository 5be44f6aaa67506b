"""Where to predict: turn scalars, arrays or a table into one array per law input."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from bayescale.errors import BayescaleInputError, one_line
from bayescale.law import Law


def prediction_points(
    law: Law,
    table: pd.DataFrame | None = None,
    columns: Mapping[str, str] | None = None,
    **inputs: float | np.ndarray,
) -> dict[str, np.ndarray]:
    """Raw input values per law input, all the same length.

    Inputs come either as keyword arguments (scalars or arrays, broadcast together) or
    as a table whose columns are the law's input names or the user's mapped columns.
    """
    columns = dict(columns or {})
    if table is not None and not isinstance(table, pd.DataFrame):
        raise BayescaleInputError(
            f"prediction points must be a DataFrame with a column per law input, or keywords such as "
            f"{law.input_names[0]}=1e9, not {type(table).__name__}"
        )
    if table is not None:
        if inputs:
            raise BayescaleInputError("give prediction inputs either as a table or as keywords, not both")
        inputs = {}
        for name in law.input_names:
            column = name if name in table.columns else columns.get(name, name)
            if column not in table.columns:
                raise BayescaleInputError(
                    f"prediction table has no column {name!r} (law input); columns found: "
                    f"{', '.join(map(str, table.columns))}"
                )
            inputs[name] = table[column].to_numpy()
    unknown = sorted(set(inputs) - set(law.input_names))
    missing = [n for n in law.input_names if n not in inputs]
    if unknown or missing:
        raise BayescaleInputError(
            f"law {law.name!r} predicts from {', '.join(law.input_names)}"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unknown {', '.join(unknown)}" if unknown else "")
        )
    for name in law.input_names:
        kind = np.asarray(inputs[name]).dtype.kind
        if kind not in "iuf" and kind != "O":  # booleans, text, dates, complex numbers
            raise BayescaleInputError(
                f"prediction input {name!r} must be numbers, not {np.asarray(inputs[name]).dtype}"
            )
    try:
        arrays = np.broadcast_arrays(*(np.atleast_1d(np.asarray(inputs[n], dtype=float)) for n in law.input_names))
    except (TypeError, ValueError) as err:
        raise BayescaleInputError(f"prediction inputs must be numbers of matching lengths: {one_line(err)}") from None
    points = {n: np.ravel(a) for n, a in zip(law.input_names, arrays, strict=True)}
    for name, values in points.items():
        bad = ~np.isfinite(values) | ((values <= 0) & law.inputs[name].positive)
        if bad.any():
            where = np.flatnonzero(bad)[:8].tolist()
            raise BayescaleInputError(f"prediction input {name!r} must be finite and positive; bad at points {where}")
    return points
