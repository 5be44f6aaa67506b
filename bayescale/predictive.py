"""Predictions at new inputs from posterior draws: the law, its discrepancy, a new run.

A prediction at a point is built in three parts, each on the output's noise scale (log for
losses, logit for probabilities):

- the law's mean under each posterior draw (parameter uncertainty), with the parameters of
  the requested group, or of a new group drawn from the population;
- the law's discrepancy, Normal with standard deviation ``growth * distance`` beyond the
  fitted runs (see :mod:`bayescale.discrepancy`);
- a new run's noise: the noise family at the fitted scale, plus a new series' offset when
  the fit has several series.

Draws keep the dimensions ``chain``, ``draw`` and ``point``. The law's mean is evaluated by
a compiled, vectorized function of the law (:func:`bayescale.predict.law_mean`), the same
expression the PyMC model uses, so predicting never recompiles the model.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from bayescale.discrepancy import Hull
from bayescale.errors import BayescaleInputError
from bayescale.likelihood import OUTPUT_SCALES
from bayescale.model import GROUP_DIM, MAX_CORRELATION, SERIES_DIM, SERIES_LENGTH, SERIES_OFFSET, ModelSpec
from bayescale.population import link_of, new_group_values, pop_name, spread_name
from bayescale.predict import law_mean
from bayescale.structure import log_inputs, scale_coordinate

POINT_DIM = "point"
GROWTH = "discrepancy_growth"


@dataclass(frozen=True)
class Posterior:
    """What prediction needs from a fit: spec, posterior draws, input scales and fitted inputs."""

    spec: ModelSpec
    draws: xr.Dataset
    scales: Mapping[str, float]
    fitted_inputs: Mapping[str, np.ndarray]
    fitted_outputs: Mapping[str, np.ndarray] = field(default_factory=dict)
    fitted_series: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return self.draws.sizes["chain"], self.draws.sizes["draw"]

    def flat(self, name: str) -> np.ndarray:
        """Draws of a scalar variable, chains stacked."""
        return self.draws[name].values.reshape(-1)

    def groups(self) -> tuple[str, ...]:
        return tuple(str(g) for g in self.draws[GROUP_DIM].values) if GROUP_DIM in self.draws.dims else ()

    def parameters(self, group: str | None = None, seed: int | None = 0) -> dict[str, np.ndarray]:
        """One 1-d array of draws per law parameter, for ``group``; a new group when ``group`` is
        None or not one of the fit's groups (its values drawn from the population)."""
        rng = np.random.default_rng(seed)
        out = {}
        for name in self.spec.law.param_names:
            if name not in self.spec.varying:
                out[name] = self.flat(name)
            elif group is not None and group in self.groups():
                out[name] = self.draws[name].sel({GROUP_DIM: group}).values.reshape(-1)
            else:
                link = link_of(self.spec.priors[name])
                out[name] = new_group_values(self.flat(pop_name(name)), self.flat(spread_name(name)), link, rng)
        return out

    def check_group(self, group: str | None) -> None:
        if group is not None and not self.spec.varying:
            raise BayescaleInputError(f"group={group!r}: this fit has no groups (fit with groups= and varying=)")

    def distance(self, points: Mapping[str, np.ndarray]) -> np.ndarray:
        """Decades each point lies beyond the fitted runs."""
        law = self.spec.law
        hull = Hull.of(log_inputs(law, self.fitted_inputs, self.scales))
        return hull.distance(log_inputs(law, points, self.scales))

    def series_offsets(self, series: str | None, n_points: int, rng: np.random.Generator) -> np.ndarray:
        """Per draw and point, the series offset: a known series' own, else a new series' draw."""
        if SERIES_OFFSET not in self.draws:
            return np.zeros((1, 1))
        scale = self.flat(SERIES_OFFSET)
        if series is not None and SERIES_DIM in self.draws.dims and series in self.draws[SERIES_DIM].values:
            z = self.draws["series_z"].sel({SERIES_DIM: series}).values.reshape(-1)
            return (scale * z)[:, None]
        return scale[:, None] * rng.standard_normal((len(scale), n_points))

    def series_continuation(
        self, series: str | None, output: str, params: Mapping[str, np.ndarray], points: Mapping[str, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        """For points continuing a known series: the shift of a new row's error toward the series'
        nearest earlier row (rho e) and the factor on its noise scale (sqrt(1 - rho^2)), per draw.

        Rows of a series are correlated with correlation exp(-lag / series_length), so a row
        just past the last checkpoint is predicted from that checkpoint's error; far beyond it
        the prediction returns to the law with the full noise.
        """
        if series is None or SERIES_LENGTH not in self.draws or self.fitted_series is None:
            return np.zeros((1, 1)), np.ones((1, 1))
        rows = np.flatnonzero(self.fitted_series == series)
        if not len(rows) or output not in self.fitted_outputs:
            return np.zeros((1, 1)), np.ones((1, 1))
        law = self.spec.law
        at_rows = {n: np.asarray(v, dtype=float)[rows] for n, v in self.fitted_inputs.items()}
        row_coordinate = scale_coordinate(law, at_rows, self.scales)
        point_coordinate = scale_coordinate(law, points, self.scales)
        before = row_coordinate[None, :] <= point_coordinate[:, None]
        anchor = np.where(
            before.any(axis=1),
            np.argmax(np.where(before, row_coordinate[None, :], -np.inf), axis=1),
            np.argmin(row_coordinate),
        )
        lag = np.abs(point_coordinate - row_coordinate[anchor])
        scale = OUTPUT_SCALES[law.outputs[output].kind]
        anchor_inputs = {n: v[anchor] / self.scales[n] for n, v in at_rows.items()}
        with np.errstate(divide="ignore", invalid="ignore"):
            location = scale.to_scale(law_mean(law, params, anchor_inputs)[output])
            observed = scale.to_scale(np.asarray(self.fitted_outputs[output], dtype=float)[rows][anchor])
        error = observed[None, :] - location - self.series_offsets(series, 1, np.random.default_rng(0))
        rho = np.minimum(np.exp(-lag[None, :] / self.flat(SERIES_LENGTH)[:, None]), MAX_CORRELATION)
        return rho * error, np.sqrt(1.0 - rho**2)


def predictive_dataset(
    posterior: Posterior,
    points: Mapping[str, np.ndarray],
    *,
    group: str | None = None,
    series: str | None = None,
    seed: int | None = 0,
) -> xr.Dataset:
    """Draws of the law, the law with its discrepancy, and a new run at raw input ``points``.

    Per output ``o``: ``o`` (the law's mean), ``o_discrepancy`` (mean plus discrepancy) and
    ``o_new_run`` (plus noise), with dims (chain, draw, point) on the output's own scale;
    plus ``distance`` (decades beyond the runs, dim point).
    """
    posterior.check_group(group)
    spec, law = posterior.spec, posterior.spec.law
    rng = np.random.default_rng(seed)
    params = posterior.parameters(group, seed)
    scaled = {n: np.asarray(points[n], dtype=float) / posterior.scales[n] for n in law.input_names}
    means = law_mean(law, params, scaled)
    distance = posterior.distance(points)
    n_points = len(distance)
    growth = posterior.flat(GROWTH) if GROWTH in posterior.draws else np.zeros(len(next(iter(params.values()))))
    chains, draws = posterior.shape
    dims = ("chain", "draw", POINT_DIM)
    data = {"distance": ((POINT_DIM,), distance)}
    for output, mean in means.items():
        scale = OUTPUT_SCALES[law.outputs[output].kind]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            location = scale.to_scale(mean)
            shifted = location + growth[:, None] * distance[None, :] * rng.standard_normal(mean.shape)
            offsets = posterior.series_offsets(series, n_points, rng)
            shift, factor = posterior.series_continuation(series, output, params, points)
            sigma = posterior.flat(law.noise_name(output))[:, None] * factor
            noisy = spec.noise.draw(shifted + offsets + shift, sigma, rng)
            parts = {
                output: mean,
                f"{output}_discrepancy": scale.from_scale(shifted),
                f"{output}_new_run": scale.from_scale(noisy),
            }
        for name, values in parts.items():
            data[name] = (dims, np.broadcast_to(values, mean.shape).reshape(chains, draws, n_points))
    coords = {
        "chain": posterior.draws["chain"].values,
        "draw": posterior.draws["draw"].values,
        POINT_DIM: np.arange(n_points),
    }
    return xr.Dataset(data, coords=coords)


def uncertainty_parts(dataset: xr.Dataset, law_outputs: Mapping, output: str) -> dict[str, np.ndarray]:
    """Standard deviations on the noise scale of the three parts of a new run's uncertainty:
    ``sd_params`` (the law's parameters), ``sd_discrepancy`` and ``sd_noise``, per point."""
    scale = OUTPUT_SCALES[law_outputs[output].kind]
    with np.errstate(divide="ignore", invalid="ignore"):
        law = scale.to_scale(dataset[output].values)
        shifted = scale.to_scale(dataset[f"{output}_discrepancy"].values)
        noisy = scale.to_scale(dataset[f"{output}_new_run"].values)
    axes = (0, 1)
    with warnings.catch_warnings():  # a point where no draw has a mean (outside the output's range) gets NaN
        warnings.filterwarnings("ignore", "Degrees of freedom <= 0", RuntimeWarning)
        sd_params = np.nanstd(law, axis=axes)
        sd_discrepancy = np.nanstd(shifted - law, axis=axes)
        sd_noise = np.nanstd(noisy - shifted, axis=axes)
    return {"sd_params": sd_params, "sd_discrepancy": sd_discrepancy, "sd_noise": sd_noise}


def log_density(
    posterior: Posterior,
    points: Mapping[str, np.ndarray],
    observed: np.ndarray,
    output: str,
    *,
    group: str | None = None,
    seed: int | None = 0,
) -> np.ndarray:
    """log p(observed new run | draw) at each point, (draws, points), on the output's noise scale.

    The noise family's density around the law's mean, its scale widened in quadrature by the
    discrepancy at the point and, with several series, a new series' offset (exact for normal
    noise, a close approximation for Student-t).
    """
    spec, law = posterior.spec, posterior.spec.law
    scale = OUTPUT_SCALES[law.outputs[output].kind]
    params = posterior.parameters(group, seed)
    mean = law_mean(law, params, {n: np.asarray(points[n], dtype=float) / posterior.scales[n] for n in law.input_names})
    sigma2 = posterior.flat(law.noise_name(output))[:, None] ** 2
    if GROWTH in posterior.draws:
        sigma2 = sigma2 + (posterior.flat(GROWTH)[:, None] * posterior.distance(points)[None, :]) ** 2
    if SERIES_OFFSET in posterior.draws and SERIES_DIM in posterior.draws.dims:
        sigma2 = sigma2 + posterior.flat(SERIES_OFFSET)[:, None] ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        location = scale.to_scale(mean[output])
    return spec.noise.logpdf(scale.to_scale(np.asarray(observed, dtype=float))[None, :], location, np.sqrt(sigma2))
