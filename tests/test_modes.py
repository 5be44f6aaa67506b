"""Finding a posterior's modes by optimization, on log densities known in closed form."""

import numpy as np

from bayescale.modes import find_modes, mode_weights, start_near


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
