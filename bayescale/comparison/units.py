"""What a comparison leaves out and scores as one: a run, a series or a group.

Rows of one series (checkpoints of one training run) share errors, so leaving out one row
while its neighbours stay in the fit flatters every law: a series is scored whole. A group
(a dataset, a model family) is scored whole when the question is how well a fit predicts
a group it never saw.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayescale.errors import BayescaleInputError
from bayescale.fit import Fit

UNITS = ("run", "series", "group")
KINDS = {"series": "series", "group": "groups"}


@dataclass(frozen=True)
class Units:
    """The unit scored (``"run"``, ``"series"`` or ``"group"``) and each row's unit label."""

    kind: str
    labels: np.ndarray

    @property
    def names(self) -> np.ndarray:
        """The units in order of first appearance."""
        return pd.unique(self.labels)

    def rows(self, name) -> np.ndarray:
        """Boolean mask of the rows of one unit."""
        return self.labels == name

    def codes(self) -> np.ndarray:
        """Each row's position in :attr:`names`."""
        index = {name: i for i, name in enumerate(self.names)}
        return np.array([index[v] for v in self.labels], dtype="int64")

    @property
    def plural(self) -> str:
        """``"runs"``, ``"series"`` or ``"groups"``, for messages."""
        return self.kind if self.kind == "series" else f"{self.kind}s"


def run_units(n_rows: int) -> Units:
    """Every row its own unit."""
    return Units("run", np.arange(n_rows))


def fit_labels(fit: Fit, kind: str) -> np.ndarray | None:
    """A fit's ``"series"`` or ``"group"`` label per row, or None where it has none."""
    column = fit.structure.get(KINDS[kind])
    if column is None:
        return None
    return fit.runs()[column].to_numpy(dtype=str)


def check_unit(unit: str) -> None:
    """Refuse an unknown unit before anything is fitted."""
    if unit not in (*UNITS, "auto"):
        raise BayescaleInputError(f"unit={unit!r}: use 'auto', 'run', 'series' or 'group'")


def choose_units(fits: Mapping[str, Fit], unit: str = "auto", labels: np.ndarray | None = None) -> Units:
    """The unit a comparison of ``fits`` scores, with each row's label.

    ``"auto"``: whole series when the fits name series (at least two of them), else runs.
    ``"series"`` and ``"group"`` take the labels from the fits that have them (they must
    agree), or from ``labels`` when given (fits of one table that do not all carry them).
    """
    check_unit(unit)
    n_rows = len(next(iter(fits.values())).runs())
    if unit == "run":
        return run_units(n_rows)
    kind = "series" if unit == "auto" else unit
    found = labels if labels is not None else _shared_labels(fits, kind)
    if unit == "auto" and (found is None or len(set(found)) < 2):
        return run_units(n_rows)
    if found is None:
        option = "series=" if kind == "series" else "groups= and varying="
        raise BayescaleInputError(f"unit={unit!r} needs fits with {kind} labels: fit with {option}")
    if len(found) != n_rows:
        raise BayescaleInputError(f"{len(found)} {kind} labels given for {n_rows} runs")
    if len(set(found)) < 2:
        raise BayescaleInputError(f"unit={unit!r}: the runs form a single {kind}, nothing to leave out")
    return Units(kind, np.asarray(found))


def _shared_labels(fits: Mapping[str, Fit], kind: str) -> np.ndarray | None:
    found, source = None, None
    for name, f in fits.items():
        labels = fit_labels(f, kind)
        if labels is None:
            continue
        if found is not None and not _same_partition(found, labels):
            raise BayescaleInputError(
                f"fits {source!r} and {name!r} split the runs into different {kind}: compare fits of the same {kind}"
            )
        found, source = (labels, name) if found is None else (found, source)
    return found


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two label arrays group the rows the same way (label names may differ)."""
    if len(a) != len(b):
        return False
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))
