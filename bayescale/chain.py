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
    interval: float = 0.9,
    seed: int | None = 0,
    **inputs,
) -> pd.DataFrame:
    """Predict ``second``'s output at ``first``'s inputs via ``first``'s output.

    The second law's only input must be the first law's output (e.g. ``loss``). Draws are
    paired by index (the shorter posterior sets the count); the first stage contributes a
    new run's value (law plus noise), as the measured loss a real run would reach.
    Returns the same columns as :meth:`Fit.predict`.
    """
    link = first.output_name()
    if second.law.input_names != [link]:
        raise BayescaleInputError(
            f"cannot chain {first.law.name!r} into {second.law.name!r}: the second law's input must be "
            f"{link!r} alone, not {', '.join(second.law.input_names)}"
        )
    rng = np.random.default_rng(seed)
    points = prediction_points(first.law, table, first.columns, **inputs)
    middle = first.new_runs(link, first.mean_draws(link, **points), rng, points)
    second_draws = second.draws(second.law.param_names)
    n = min(len(middle), len(next(iter(second_draws.values()))))
    params = {k: v[:n] for k, v in second_draws.items()}
    output = second.output_name()
    mean = law_mean_paired(second.law, params, {link: middle[:n] / second.scales[link]})[output]
    return prediction_table(points, {output: mean}, {output: second.new_runs(output, mean, rng)}, interval)
