"""Acting on failed sampler checks: reruns, one summary message per fit, refusing unsettled fits."""

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import bayescale as bs
from bayescale.diagnostics import Diagnostics, _problems, summary
from bayescale.errors import SamplingError
from bayescale.remedies import chain_groups, diagnose, pooled_chains, rerun_settings, sample_with_remedies
from bayescale.sampling import SamplerSettings


def mirrored(x, s):
    return 1 + s**2 * x


# y = 1 + s^2 x cannot tell s from -s: two mirror-image modes, far apart for the sampler
MIRRORED = bs.Law(
    mirrored,
    name="mirrored",
    formula="y = 1 + s^2 x",
    citation="a test law with two modes",
    inputs={"x": bs.Input("x", "-")},
    output=bs.Output("y", "y", "-"),
    params={"s": bs.Param(bs.Prior("Normal", mu=0, sigma=1), "symmetric about zero, so the modes weigh the same")},
)


@pytest.fixture(scope="module")
def mirrored_runs():
    x = np.linspace(0.5, 2.0, 20)
    y = (1 + 0.64 * x) * np.exp(0.01 * np.random.default_rng(0).standard_normal(20))
    return pd.DataFrame({"x": x, "y": y})


def sampling_warnings(caught) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, bs.SamplingWarning)]


def test_separate_modes_are_rerun_once_then_named_and_refused(mirrored_runs):
    with pytest.raises(SamplingError) as refused:
        bs.fit(MIRRORED, mirrored_runs, draws=200, tune=200, chains=4, seed=3)
    message = str(refused.value)
    assert "Worst parameter: s" in message
    assert "separate modes of s" in message
    assert "near -0.798" in message and "near 0.798" in message
    assert "Try: a prior on s that keeps one of these values" in message
    assert "allow_unconverged=True" in message
    # the second run found the same modes, so no third run was tried
    assert refused.value.fit.settings["reruns"] == ["reran with tune=1000, draws=800"]


def test_unsettled_fit_is_returned_on_request_with_one_warning(mirrored_runs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = bs.fit(MIRRORED, mirrored_runs, draws=200, tune=200, chains=4, seed=3, allow_unconverged=True)
    messages = sampling_warnings(caught)
    assert len(messages) == 1
    assert "separate modes of s" in messages[0]
    s = result.posterior["s"].values
    assert (s > 0.7).any() and (s < -0.7).any()


def test_few_draws_asked_for_are_reported_once_not_rerun():
    # 2 x 250 draws of a well-mixing posterior give fewer than 400 effective draws: the request's
    # doing, not the sampler's, so the run is kept as asked and the shortfall said once.
    x = np.geomspace(1e6, 1e10, 25)
    y = (1.6 + 0.5 * (x / 1e8) ** -0.3) * np.exp(0.02 * np.random.default_rng(1).standard_normal(25))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = bs.fit("power_law", pd.DataFrame({"x": x, "y": y}), draws=250, tune=100, chains=2, seed=2)
    d = result.diagnostics
    assert d.divergences == 0 and not d.unsettled and d.short
    assert result.settings["reruns"] == []
    assert result.posterior.sizes["draw"] == 250
    messages = sampling_warnings(caught)
    assert len(messages) == 1 and "Effective draws" in messages[0] and "draws=1000" in messages[0]


def test_without_remedies_the_first_run_is_reported_once(mirrored_runs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = bs.fit(
            MIRRORED, mirrored_runs, draws=200, tune=200, chains=4, seed=3, remedies=False, allow_unconverged=True
        )
    assert result.settings["reruns"] == []
    assert result.posterior.sizes["draw"] == 200
    assert len(sampling_warnings(caught)) == 1


def test_reruns_lengthen_warm_up_and_draws_and_shrink_steps_after_divergences():
    first = SamplerSettings(draws=1000, tune=1000, chains=4, seed=7)
    checks = Diagnostics(3, 4000, {"a": 1.2, "b": 1.0}, {"a": 40.0, "b": 900.0}, {"a": 60.0, "b": 800.0})
    second = rerun_settings(first, first, checks, 1)
    assert (second.tune, second.target_accept, second.seed) == (2000, 0.95, 8)
    assert second.draws == 4000  # 12.5 times short, capped at 4 times the request
    third = rerun_settings(first, second, checks, 2)
    assert (third.tune, third.draws, third.target_accept, third.seed) == (4000, 4000, 0.99, 9)


def test_summary_names_the_worst_parameter_first():
    checks = Diagnostics(0, 4000, {"a": 1.02, "b": 1.3}, {"a": 300.0, "b": 12.0}, {"a": 500.0, "b": 30.0})
    checks.problems.extend(["R-hat above 1.01: b 1.300, a 1.020.", "effective draws below 400: b 12, a 300."])
    message = summary(checks, ["reran with tune=2000"])
    assert message.startswith("Worst parameter: b (R-hat 1.300, ESS 12).")
    assert "Done: reran with tune=2000." in message
    assert "Try: a tighter prior on b" in message


def test_chains_are_grouped_where_their_draws_overlap():
    rng = np.random.default_rng(0)
    chains = np.vstack([rng.normal(-1, 0.1, 500), rng.normal(1, 0.1, 500), rng.normal(-1, 0.1, 500)])
    assert chain_groups(chains) == [[0, 2], [1]]
    assert len(chain_groups(rng.normal(0, 1, (4, 500)))) == 1


def test_low_energy_fraction_and_tree_depth_hits_are_named():
    checks = Diagnostics(0, 2000, {"a": 1.0}, {"a": 900.0}, {"a": 800.0}, bfmi=(0.9, 0.21), max_depth_draws=12)
    problems = _problems(checks)
    assert any("E-BFMI below 0.3 in chain 1 (0.21)" in p for p in problems)
    assert any("12 of 2000 draws stopped at the maximum tree depth" in p for p in problems)
    assert not _problems(Diagnostics(0, 2000, {"a": 1.0}, {"a": 900.0}, {"a": 800.0}, bfmi=(0.9, 0.8)))


ONE_PARAMETER = SimpleNamespace(priors={"a": None}, free_params=["a"])  # what the checks read of a model spec


def slow_mixing(settings: SamplerSettings, phi: float) -> xr.DataTree:
    """Stationary AR(1) chains of ``a``: about (1 - phi) / (1 + phi) effective draws per draw."""
    rng = np.random.default_rng(settings.seed)
    a = np.empty((settings.chains, settings.draws))
    a[:, 0] = rng.standard_normal(settings.chains)
    for t in range(1, settings.draws):
        a[:, t] = phi * a[:, t - 1] + np.sqrt(1 - phi**2) * rng.standard_normal(settings.chains)
    diverging = np.zeros_like(a, dtype=bool)
    return xr.DataTree.from_dict(
        {
            "/posterior": xr.Dataset({"a": (("chain", "draw"), a)}),
            "/sample_stats": xr.Dataset({"diverging": (("chain", "draw"), diverging)}),
        }
    )


def test_pooled_runs_keep_each_chains_last_draws():
    short, long = SamplerSettings(draws=300, chains=2, seed=1), SamplerSettings(draws=500, chains=3, seed=2, tune=4000)
    runs = [SimpleNamespace(posterior=slow_mixing(s, 0.5), settings=s, diagnostics=None) for s in (short, long)]
    pool = pooled_chains(ONE_PARAMETER, runs)
    a = pool.posterior["posterior"]["a"]
    assert a.sizes == {"chain": 5, "draw": 300}
    assert list(a["chain"].values) == [0, 1, 2, 3, 4] and list(a["draw"].values) == list(range(300))
    np.testing.assert_array_equal(a.values[:2], runs[0].posterior["posterior"]["a"].values)
    np.testing.assert_array_equal(a.values[2:], runs[1].posterior["posterior"]["a"].values[:, -300:])
    assert pool.posterior["sample_stats"]["diverging"].shape == (5, 300)
    assert (pool.settings.chains, pool.settings.draws, pool.settings.tune) == (5, 300, 1000)
    assert pool.diagnostics.draws == 1500


def test_reruns_short_of_effective_draws_alone_are_kept_together():
    # the first run mixes very slowly; each rerun (4 x 4000 draws) falls short of 400 effective
    # draws, and their 8 chains together do not
    def sample(spec, data, settings):
        return slow_mixing(settings, 0.99 if settings.draws == 1000 else 0.95)

    first = SamplerSettings(seed=0)
    reruns = [rerun_settings(first, first, diagnose(ONE_PARAMETER, sample(None, None, first)), 1)]
    reruns.append(rerun_settings(first, reruns[0], diagnose(ONE_PARAMETER, sample(None, None, reruns[0])), 2))
    alone = [diagnose(ONE_PARAMETER, sample(None, None, s)) for s in reruns]
    assert all(d.short and not d.divergences for d in alone)

    outcome = sample_with_remedies(ONE_PARAMETER, {}, first, sample)
    assert outcome.diagnostics.ok
    assert (outcome.settings.chains, outcome.settings.draws) == (8, 4000)
    assert outcome.diagnostics.ess_bulk["a"] > max(d.ess_bulk["a"] for d in alone)
    assert outcome.done[-1] == "pooled the 2 reruns' chains (8 chains of 4000 draws)"
