"""Chains of laws: push one law's predictions through another, uncertainty included.

E.g. compute -> loss (``overtraining``) -> downstream error (``downstream_error``): draw new
runs' losses from the first fit's posterior predictive and evaluate the second fit's law
at them, draw by draw, so the loss uncertainty reaches the error prediction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayescale.errors import BayescaleInputError
from bayescale.fit import Fit, prediction_table
from bayescale.points import prediction_points
from bayescale.predict import law_mean_paired


def predict_chain(
    first: Fit,
    second: Fit,
    table: pd.DataFrame | None = None,
    *,
    groups: tuple[str | None, str | None] = (None, None),
    interval: float = 0.9,
    seed: int | None = 0,
    **inputs,
) -> pd.DataFrame:
    """Predict ``second``'s output at ``first``'s inputs via ``first``'s output.

    The second law's only input must be the first law's output (e.g. ``loss``). Draws are
    paired by index (the shorter posterior sets the count); the first stage contributes a
    new run's value (law plus noise), as the measured loss a real run would reach.
    ``groups`` names a group for each stage (a dataset of a grouped loss fit, a task of a
    grouped downstream fit); None or an unknown name is a new group from that fit's
    population. Returns the same columns as :meth:`Fit.predict`.

    Examples
    --------
    >>> predict_chain(loss_fit, error_fit, params=7e10, tokens=1.4e12, groups=("c4", None))  # doctest: +SKIP
    """
    if len(groups) != 2:
        raise BayescaleInputError(f"groups={groups!r}: give one group per stage, e.g. ('c4', None)")
    link = first.output_name()
    if second.law.input_names != [link]:
        raise BayescaleInputError(
            f"cannot chain {first.law.name!r} into {second.law.name!r}: the second law's input must be "
            f"{link!r} alone, not {', '.join(second.law.input_names)}"
        )
    rng = np.random.default_rng(seed)
    points = prediction_points(first.law, table, first.columns, **inputs)
    middle = first.new_runs(link, first.mean_draws(link, group=groups[0], **points), rng, points)
    second_draws = second.param_draws(groups[1], seed)
    n = min(len(middle), len(next(iter(second_draws.values()))))
    params = {k: v[:n] for k, v in second_draws.items()}
    output = second.output_name()
    mean = law_mean_paired(second.law, params, {link: middle[:n] / second.scales[link]})[output]
    return prediction_table(points, {output: mean}, {output: second.new_runs(output, mean, rng)}, interval)
