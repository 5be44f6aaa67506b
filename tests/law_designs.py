"""Simulation designs for every catalog law: where runs are placed and the true parameters.

A design's truth lies inside its law's prior bulk; ``simulate`` draws one observed run per
point from the law's own observation model (noise on the output's scale), so a recovery
test fits exactly the generative model it checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

import bayescale as bs
from bayescale.likelihood import Noise
from bayescale.predict import law_mean, predictive_draws


@dataclass(frozen=True)
class Design:
    """Inputs of the simulated runs (raw units), the true parameters and noise scales."""

    points: Callable[[np.random.Generator], dict[str, np.ndarray]]
    truth: dict[str, float]
    noise: dict[str, float] = field(default_factory=lambda: {"sigma": 0.02})
    scales: dict[str, float] = field(default_factory=dict)


def grid(*axes: np.ndarray) -> list[np.ndarray]:
    """Every combination of the axes, flattened."""
    return [a.reshape(-1) for a in np.meshgrid(*axes, indexing="ij")]


def simulate(name: str, design: Design, seed: int = 0) -> pd.DataFrame:
    """One observed run per design point, drawn from the law with its true parameters."""
    law = bs.get_law(name)
    rng = np.random.default_rng(seed)
    points = {k: np.asarray(v, dtype=float) for k, v in design.points(rng).items()}
    scales = {n: design.scales.get(n, law.inputs[n].scale or 1.0) for n in law.input_names}
    params = {n: np.array([design.truth[n]]) for n in law.param_names}
    means = law_mean(law, params, {n: points[n] / scales[n] for n in law.input_names})
    frame = pd.DataFrame(points)
    for output, mean in means.items():
        sigma = np.array([design.noise[law.noise_name(output)]])
        frame[output] = predictive_draws(law.outputs[output], Noise("normal"), mean, sigma, rng)[0]
    return frame


DESIGNS: dict[str, Design] = {
    "chinchilla": Design(
        lambda rng: dict(zip(["params", "tokens"], grid(np.geomspace(4e7, 1.6e10, 8), np.geomspace(1e9, 4e11, 6)))),
        {"E": 1.8, "A": 0.35, "alpha": 0.35, "B": 0.2, "beta": 0.37},
    ),
    "power_law": Design(
        lambda rng: {"x": np.geomspace(1e6, 1e10, 25)},
        {"E": 1.6, "A": 0.5, "alpha": 0.3},
        scales={"x": 1e8},
    ),
}
