"""Evaluate a law on posterior draws: the law's mean, new observations, log-likelihoods.

The mean function is compiled once per law into a vectorized function of
(draws x points), so predicting at new inputs never recompiles the model.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pytensor
import pytensor.tensor as pt

from bayescale.identity import law_identity
from bayescale.law import Law, Output
from bayescale.likelihood import OUTPUT_SCALES, Noise
from bayescale.memo import Memo

CHUNK_POINTS = 2048
# Functions evaluated on whole arrays of draws run as NumPy calls: they compile in tens of
# milliseconds where Numba takes seconds per graph (about 10 s for a fit's log-likelihood on an
# empty compile cache), and vectorized over thousands of draws they run as fast.
ON_DRAWS_MODE = "FAST_COMPILE"
_mean_functions: Memo[object] = Memo()


def compile_on_draws(inputs: list, outputs: list):
    """A PyTensor function for evaluating a graph on arrays of draws (see ``ON_DRAWS_MODE``)."""
    return pytensor.function(inputs, outputs, mode=ON_DRAWS_MODE, on_unused_input="ignore")


def _compiled_mean(law: Law, paired: bool = False):
    """The law's mean as a compiled function: inputs (1, points) by parameters (draws, 1) give
    (draws, points); with ``paired``, inputs come per draw, (draws, points)."""
    key = (law_identity(law), paired)  # the law's code, never its name alone

    def compile_it():
        input_shape = (None, None) if paired else (1, None)
        inputs = [pt.tensor(n, shape=input_shape, dtype="float64") for n in law.input_names]
        params = [pt.tensor(n, shape=(None, 1), dtype="float64") for n in law.param_names]
        outputs = law.split_mean(law.mean(*inputs, *params))
        return compile_on_draws([*inputs, *params], [outputs[o] for o in law.outputs])

    return _mean_functions.get(key, compile_it)


def law_mean(law: Law, params: Mapping[str, np.ndarray], inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The law's mean per output, for every draw (rows) at every point (columns).

    ``params`` holds one 1-d array of draws per law parameter; ``inputs`` one 1-d array
    of points per input, already divided by the input's reference scale.
    """
    fn = _compiled_mean(law)
    draws = [np.asarray(params[n], dtype=float).reshape(-1, 1) for n in law.param_names]
    points = [np.asarray(inputs[n], dtype=float).reshape(-1) for n in law.input_names]
    n_points, n_draws = len(points[0]), len(draws[0])
    out = {o: np.empty((n_draws, n_points)) for o in law.outputs}
    for start in range(0, n_points, CHUNK_POINTS):
        chunk = [p[start : start + CHUNK_POINTS].reshape(1, -1) for p in points]
        for name, values in zip(law.outputs, fn(*chunk, *draws), strict=True):
            out[name][:, start : start + CHUNK_POINTS] = np.broadcast_to(values, (n_draws, chunk[0].shape[1]))
    return out


def law_mean_paired(
    law: Law, params: Mapping[str, np.ndarray], inputs: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """The law's mean per output where each draw has its own inputs: ``inputs`` are
    (draws, points) arrays, already scaled; row s uses parameter draw s."""
    fn = _compiled_mean(law, paired=True)
    draws = [np.asarray(params[n], dtype=float).reshape(-1, 1) for n in law.param_names]
    points = [np.atleast_2d(np.asarray(inputs[n], dtype=float)) for n in law.input_names]
    shape = np.broadcast_shapes(*(p.shape for p in points), (len(draws[0]), 1))
    values = fn(*(np.broadcast_to(p, shape) for p in points), *draws)
    return {name: np.broadcast_to(v, shape).copy() for name, v in zip(law.outputs, values, strict=True)}


def predictive_draws(
    output: Output, noise: Noise, mean: np.ndarray, sigma: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """One new observed run per draw and point, noise added on the output's scale."""
    scale = OUTPUT_SCALES[output.kind]
    with np.errstate(divide="ignore", over="ignore"):
        location = scale.to_scale(mean)
    return scale.from_scale(noise.draw(location, np.reshape(sigma, (-1, 1)), rng))


def pointwise_log_likelihood(
    output: Output, noise: Noise, mean: np.ndarray, sigma: np.ndarray, observed: np.ndarray
) -> np.ndarray:
    """log p(observed run | draw), on the output's noise scale, shape (draws, runs)."""
    scale = OUTPUT_SCALES[output.kind]
    with np.errstate(divide="ignore", invalid="ignore"):
        location = scale.to_scale(mean)
    return noise.logpdf(scale.to_scale(observed)[None, :], location, np.reshape(sigma, (-1, 1)))
