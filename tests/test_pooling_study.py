"""Partial pooling: every catalog law takes a varying parameter, and a new group's predictive
interval covers new groups at its nominal rate in simulation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import bayescale as bs
from bayescale.model import GROUP_DIM, ModelSpec, build_model, model_data, resolve_scales
from bayescale.population import link_of, offset_name, pop_name, spread_name
from tests.law_designs import DESIGNS, simulate

CATALOG = bs.available_laws()


@pytest.mark.parametrize("name", CATALOG)
def test_every_law_builds_a_grouped_model(name):
    """The law's first parameter varies over two groups; the model's log density is finite and the
    group values are the population location moved by spread * z on the parameter's real-line scale."""
    law = bs.get_law(name)
    design = DESIGNS[name]
    frame = simulate(name, design)
    frame["group"] = np.where(np.arange(len(frame)) % 2 == 0, "first", "second")
    param = law.param_names[0]
    spec = ModelSpec.create(law, varying=(param,))
    runs = bs.load_runs(frame, law, groups="group")
    model = build_model(spec, model_data(spec, runs, resolve_scales(law, runs, design.scales or None)))

    assert model.named_vars_to_dims[param] == (GROUP_DIM,)
    assert list(model.coords[GROUP_DIM]) == ["first", "second"]
    free = {v.name for v in model.free_RVs}
    assert {pop_name(param), spread_name(param), offset_name(param)} <= free
    assert param not in free

    point = model.initial_point()
    point[model.rvs_to_values[model[offset_name(param)]].name] = np.array([1.0, -1.0])
    assert np.isfinite(model.compile_logp(mode="FAST_COMPILE")(point))
    outputs = model.replace_rvs_by_values([model[pop_name(param)], model[spread_name(param)], model[param]])
    pop, spread, values = model.compile_fn(
        outputs, inputs=model.value_vars, on_unused_input="ignore", mode="FAST_COMPILE"
    )(point)
    link = link_of(spec.priors[param])
    expected = link.backward(link.forward(pop) + spread * np.array([1.0, -1.0]))
    np.testing.assert_allclose(values, expected, rtol=1e-10)
    assert values[0] != values[1]
