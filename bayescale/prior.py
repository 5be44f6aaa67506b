"""Prior predictive checks: what a law and its priors predict before seeing any run."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pymc as pm

from bayescale.catalog import get_law
from bayescale.law import Law
from bayescale.model import ModelSpec, parameter_variables
from bayescale.points import prediction_points
from bayescale.predict import ON_DRAWS_MODE, law_mean, predictive_draws
from bayescale.priors import Prior


def prior_draws(spec: ModelSpec, draws: int = 500, seed: int | None = 0) -> dict[str, np.ndarray]:
    """Draws of every parameter (and noise scale) from the spec's priors; a varying parameter's
    draws are its population location's."""
    spec = dataclasses.replace(spec, varying=())
    with pm.Model():
        variables = parameter_variables(spec)
        values = pm.draw(list(variables.values()), draws=draws, random_seed=seed, mode=ON_DRAWS_MODE)
    return {
        name: np.broadcast_to(np.asarray(v, dtype=float), (draws,)) for name, v in zip(variables, values, strict=True)
    }


def prior_predictive(
    law: str | Path | Law,
    points: pd.DataFrame | Mapping[str, np.ndarray],
    *,
    draws: int = 500,
    seed: int | None = 0,
    priors: Mapping[str, Prior] | None = None,
    fixed: Mapping[str, float] | None = None,
    scales: Mapping[str, float] | None = None,
) -> dict[str, dict[str, np.ndarray]]:
    """The law's mean and a new run at raw input ``points``, per prior draw.

    Returns ``{output: {"mean": (draws, points), "new_run": (draws, points)}}``. Inputs whose
    law gives no reference scale use the power of ten nearest the points' geometric mean
    (as a fit to runs at those points would).

    Examples
    --------
    >>> out = prior_predictive("chinchilla", {"params": [1e9, 1e10], "tokens": [2e10, 2e11]}, draws=100)
    >>> out["loss"]["mean"].shape
    (100, 2)
    """
    law = get_law(law)
    spec = ModelSpec.create(law, priors, fixed)
    table = points if isinstance(points, pd.DataFrame) else None
    raw = prediction_points(law, table, **({} if table is not None else dict(points)))
    scales = dict(scales or {})
    for name, spec_input in law.inputs.items():
        default = spec_input.scale or 10.0 ** round(float(np.mean(np.log10(raw[name]))))
        scales.setdefault(name, default)
    values = prior_draws(spec, draws, seed)
    means = law_mean(law, {n: values[n] for n in law.param_names}, {n: raw[n] / scales[n] for n in raw})
    rng = np.random.default_rng(seed)
    return {
        name: {
            "mean": mean,
            "new_run": predictive_draws(law.outputs[name], spec.noise, mean, values[law.noise_name(name)], rng),
        }
        for name, mean in means.items()
    }
