"""How rows relate to each other: groups of runs and series of rows that share errors.

A *group* (a dataset, a model family, a task) gets its own value of each varying law
parameter, drawn from a population. A *series* (the checkpoints of one training run)
shares one error offset and has errors correlated along the series, so many rows of one
run count as less than many runs. The two are independent: groups change the law, series
change the noise.

Rows are placed on one *scale coordinate*, the sum of the log10 inputs (each divided by its
reference scale): for ``L(N, D)`` that is log10 of N D, compute up to a constant; for a
learning curve, log10 of the steps or tokens. Series are ordered along it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bayescale.law import Law


def log_inputs(law: Law, inputs: Mapping[str, np.ndarray], scales: Mapping[str, float]) -> np.ndarray:
    """Inputs as a (points, inputs) array in decades (log10 of input / scale); inputs that may be
    zero or negative enter as input / scale."""
    columns = []
    for name, spec in law.inputs.items():
        value = np.asarray(inputs[name], dtype=float) / scales[name]
        columns.append(np.log10(value) if spec.positive else value)
    return np.column_stack(columns)


def scale_coordinate(law: Law, inputs: Mapping[str, np.ndarray], scales: Mapping[str, float]) -> np.ndarray:
    """Where each point sits along the direction of scaling up: the sum of its log10 inputs."""
    return log_inputs(law, inputs, scales).sum(axis=1)


@dataclass(frozen=True)
class Labels:
    """Integer codes of a label column and the labels in code order."""

    codes: np.ndarray
    names: tuple[str, ...]

    @classmethod
    def of(cls, values: Sequence) -> Labels:
        names, codes = np.unique(np.asarray([str(v) for v in values]), return_inverse=True)
        return cls(codes.astype("int64"), tuple(str(n) for n in names))

    def __len__(self) -> int:
        return len(self.names)


def series_links(series: np.ndarray, coordinate: np.ndarray) -> dict[str, np.ndarray]:
    """For each row, its predecessor in its series (ordered by ``coordinate``) and the distance to it.

    Returns ``prev_row`` (the row's own index when it opens its series), ``has_prev`` (1.0 or
    0.0) and ``lag`` (decades along the scale coordinate to the predecessor; 0 for first rows).
    """
    n = len(series)
    prev_row = np.arange(n)
    has_prev = np.zeros(n)
    lag = np.zeros(n)
    order = np.lexsort((coordinate, series))
    same = series[order][1:] == series[order][:-1]
    rows, before = order[1:][same], order[:-1][same]
    prev_row[rows] = before
    has_prev[rows] = 1.0
    lag[rows] = coordinate[rows] - coordinate[before]
    return {"prev_row": prev_row, "has_prev": has_prev, "lag": lag}
