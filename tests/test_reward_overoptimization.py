"""The best-of-n form of the reward over-optimization law, built on request beside the catalog's RL form."""

import numpy as np
import pytest

from bayescale.models.reward_overoptimization import make_law
from bayescale.predict import law_mean


@pytest.mark.parametrize("method", ["rl", "best_of_n"])
def test_gold_reward_peaks_where_the_law_says(method):
    law = make_law(method)
    alpha, beta = 0.5, 0.2
    kl = np.linspace(0.01, 60.0, 6001)
    reward = law_mean(law, {"alpha": np.array([alpha]), "beta": np.array([beta])}, {"kl": kl})["gold_reward"][0]
    peak = law.derived(alpha, beta)
    assert kl[np.argmax(reward)] == pytest.approx(peak["kl_peak"], abs=0.02)
    assert peak["kl_peak"] == pytest.approx(peak["d_peak"] ** 2)


def test_best_of_n_form_is_quadratic_in_sqrt_kl():
    law = make_law("best_of_n")
    kl = np.array([1.0, 4.0, 9.0])
    reward = law_mean(law, {"alpha": np.array([0.6]), "beta": np.array([0.1])}, {"kl": kl})["gold_reward"][0]
    np.testing.assert_allclose(reward, [0.5, 1.2 - 0.4, 1.8 - 0.9])
    assert law.name == "reward_overoptimization_best_of_n"


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="best_of_n"):
        make_law("ppo")
