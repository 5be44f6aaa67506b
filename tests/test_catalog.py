"""Every catalog law: its file is well formed, its priors predict sensible outputs, and a fit
to runs simulated from known parameters recovers them without divergences."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import bayescale as bs
from bayescale.errors import DataWarning
from tests.law_designs import DESIGNS, simulate

CATALOG = bs.available_laws()
OUTPUT_RANGE = {
    "positive": lambda y: y > 0,
    "probability": lambda y: (y > 0) & (y < 1),
    "real": np.isfinite,
}


def test_every_law_has_a_design():
    assert sorted(DESIGNS) == sorted(CATALOG)


@pytest.mark.parametrize("name", CATALOG)
def test_law_file_documents_itself(name):
    law = bs.get_law(name)
    assert law.formula and "arXiv" in law.citation
    assert law.source.lstrip().startswith('"""'), "the law file starts with a docstring"
    for param, spec in law.params.items():
        assert len(spec.reason) > 20, f"{name}.{param} needs a reason for its prior"
    for output in law.outputs.values():
        assert output.kind in OUTPUT_RANGE


@pytest.mark.parametrize("name", CATALOG)
def test_prior_predictive_stays_in_the_physical_range(name):
    law = bs.get_law(name)
    design = DESIGNS[name]
    points = design.points(np.random.default_rng(0))
    predicted = bs.prior_predictive(name, points, draws=400, seed=1, scales=design.scales)
    for output, draws in predicted.items():
        in_range = OUTPUT_RANGE[law.outputs[output].kind]
        for what in ("mean", "new_run"):
            values = draws[what]
            assert np.all(np.isfinite(values)), f"{name}: prior {what} of {output} is not finite"
            assert np.all(in_range(values)), f"{name}: prior {what} of {output} leaves its range"


@pytest.mark.parametrize("name", CATALOG)
def test_fit_recovers_simulated_parameters(name):
    design = DESIGNS[name]
    runs = simulate(name, design)
    with warnings.catch_warnings():
        # Some designs follow their paper's grid, with few values of an input: the check before
        # sampling then warns that the runs alone cannot identify every parameter (the priors do).
        warnings.simplefilter("ignore", DataWarning)
        result = bs.fit(name, runs, draws=500, tune=500, chains=2, seed=3, scales=design.scales or None, warn=False)
    assert result.diagnostics.divergences == 0, f"{name}: {result.diagnostics.divergences} divergences"
    # Each parameter's central interval at 1 - 1%/k for k parameters: a correct fit misses any of its
    # k truths with probability below 1% (Bonferroni), so a miss points at the law, not at chance.
    level = 1 - 0.01 / len(design.truth)
    table = result.summary(interval=level)
    for param, truth in design.truth.items():
        row = table.loc[param]
        assert row["lower"] <= truth <= row["upper"], (
            f"{name}: true {param}={truth} outside the {level:.2%} interval [{row['lower']:.4g}, {row['upper']:.4g}]"
        )
