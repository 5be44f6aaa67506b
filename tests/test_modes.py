"""Finding a posterior's modes by optimization: on log densities known in closed form, and on
the Chinchilla model when a refit on fewer runs starts from the full fit's modes."""

from dataclasses import replace

import numpy as np

import bayescale as bs
from bayescale import datasets
from bayescale.model import ModelSpec, model_data, resolve_scales
from bayescale.modes import find_modes, mode_weights, start_near
from bayescale.sampling import SamplerSettings, known_modes, posterior_modes


def two_bumps(point: np.ndarray) -> tuple[float, np.ndarray]:
    """Log density of 0.75 N(-3, 1) + 0.25 N(3, 0.5^2) in one dimension, with its gradient."""
    x = float(point[0])
    parts = np.array([np.log(0.75) - 0.5 * (x + 3) ** 2, np.log(0.25) - np.log(0.5) - 0.5 * ((x - 3) / 0.5) ** 2])
    slopes = np.array([-(x + 3), -(x - 3) / 0.25])
    share = np.exp(parts - parts.max())
    share /= share.sum()
    return float(parts.max() + np.log(np.exp(parts - parts.max()).sum())), np.array([share @ slopes])


def test_separated_bumps_are_two_modes_weighted_by_mass():
    modes = find_modes(two_bumps, np.linspace(-6, 6, 9)[:, None])
    assert [round(float(m.point[0]), 2) for m in modes] == [-3.0, 3.0]
    # Laplace variances are the components' own (1 and 0.25), as the bumps barely overlap
    assert np.allclose([m.covariance[0, 0] for m in modes], [1.0, 0.25], rtol=1e-3)
    assert np.allclose(mode_weights(modes), [0.75, 0.25], atol=1e-3)
    assert sum(m.starts for m in modes) == 9


def test_a_flat_ridge_counts_as_one_mode():
    def ridge(point):  # log density flat along x - y, curved across it
        u = point[0] + point[1]
        return -0.5 * u**2 - 1e-4 * (point[0] ** 2 + point[1] ** 2), -u - 2e-4 * point

    modes = find_modes(ridge, np.array([[-5.0, 5.0], [4.0, -3.0], [0.0, 1.0]]))
    assert len(modes) == 1
    assert modes[0].starts == 3


def test_starts_stay_near_the_chosen_mode():
    modes = find_modes(two_bumps, np.array([[-4.0], [4.0]]))
    rng = np.random.default_rng(0)
    starts = np.array([start_near(modes, np.array([0.0, 1.0]), rng)[0] for _ in range(400)])
    # all from the mode at 3 (weight 1), spread by its s.d. of 0.5 and never moved beyond 2
    assert np.all(np.abs(starts - 3) <= 2)
    assert abs(starts.std() - 0.5) < 0.05


def test_refits_on_fewer_runs_find_their_mode_from_the_full_fits_modes():
    """Leave-future-out refits optimize from the full fit's modes, not from fresh prior draws:
    on the smaller Chinchilla runs both ways reach the same mode (to the optimizer's tolerance),
    from one start instead of nine; the callback backend finds the same mode."""
    law = bs.get_law("chinchilla")
    runs = bs.load_runs(datasets.load("chinchilla"), law)
    spec = ModelSpec.create(law)
    scales = resolve_scales(law, runs)
    settings = SamplerSettings(seed=3)
    near = known_modes(spec, model_data(spec, runs, scales), settings)
    flops = runs.column("params") * runs.column("tokens")
    smaller = model_data(spec, runs.subset(np.flatnonzero(flops <= np.quantile(flops, 0.5))), scales)
    fresh = posterior_modes(spec, smaller, settings.seed)
    hinted = posterior_modes(spec, smaller, settings.seed, near)

    assert near.shape == (1, len(fresh[0].point))
    assert sum(m.starts for m in hinted) == 1 and sum(m.starts for m in fresh) == 9
    np.testing.assert_allclose(hinted[0].point, fresh[0].point, atol=1e-3)
    assert abs(hinted[0].log_density - fresh[0].log_density) < 1e-6
    assert not np.allclose(near[0], hinted[0].point, atol=1e-2)  # the smaller runs' mode is elsewhere
    # the callback backend's optimizer calls the same density through Python: the same mode
    through_python = known_modes(spec, smaller, replace(settings, backend="callback"))
    np.testing.assert_allclose(through_python, known_modes(spec, smaller, settings), atol=1e-3)
