"""Prior: validated when created, saved and loaded as a dict, made into PyMC variables."""

import inspect
import json
import pickle
import subprocess
import sys

import numpy as np
import pymc as pm
import pytest

from bayescale.priors import DISTRIBUTIONS, Prior


def test_every_listed_distribution_and_parameter_exists_in_pymc():
    for name, params in DISTRIBUTIONS.items():
        accepted = set(inspect.signature(getattr(pm, name).dist).parameters)
        assert set(params) <= accepted, name


def test_unknown_distribution_or_parameter_or_value_is_refused_with_its_name():
    with pytest.raises(ValueError, match="unknown distribution 'LogNormall'"):
        Prior("LogNormall", mu=0.0)
    with pytest.raises(ValueError, match="HalfNormal has no parameter mu"):
        Prior("HalfNormal", mu=0.0, sigma=1.0)
    with pytest.raises(TypeError, match=r"Normal\(mu=...\) must be a number or a Prior"):
        Prior("Normal", mu="0")
    with pytest.raises(TypeError):
        Prior("Normal", mu=True)


def test_dict_round_trip_keeps_the_saved_format():
    nested = Prior("Normal", mu=Prior("Normal", mu=0.3, sigma=0.1), sigma=Prior("HalfNormal", sigma=0.05))
    saved = json.loads(json.dumps(nested.to_dict()))
    assert saved == {
        "dist": "Normal",
        "kwargs": {
            "mu": {"dist": "Normal", "kwargs": {"mu": 0.3, "sigma": 0.1}},
            "sigma": {"dist": "HalfNormal", "kwargs": {"sigma": 0.05}},
        },
    }
    assert Prior.from_dict(saved) == nested
    assert Prior("Normal").to_dict() == {"dist": "Normal"}
    assert Prior.from_dict({"dist": "Normal", "dims": ["run"]}).dims == ("run",)
    with pytest.raises(ValueError, match="unsupported keys transform"):
        Prior.from_dict({"dist": "Normal", "transform": "ordered"})


def test_equality_hash_repr_and_pickle():
    prior = Prior("LogNormal", mu=np.log(0.3), sigma=0.6)
    assert prior == Prior("LogNormal", sigma=0.6, mu=float(np.log(0.3)))
    assert prior != Prior("LogNormal", mu=np.log(0.3), sigma=0.5)
    assert prior != Prior("Normal", mu=np.log(0.3), sigma=0.6)
    assert len({prior, Prior("LogNormal", mu=np.log(0.3), sigma=0.6)}) == 1
    assert repr(Prior("Beta", alpha=2, beta=2.5)) == 'Prior("Beta", alpha=2, beta=2.5)'
    assert type(prior["mu"]) is float
    assert pickle.loads(pickle.dumps(prior)) == prior
    with pytest.raises(AttributeError):
        prior.distribution = "Normal"


def test_create_variable_draws_from_the_named_distribution():
    with pm.Model(coords={"group": ["a", "b", "c"]}) as model:
        Prior("LogNormal", mu=np.log(2.0), sigma=0.1).create_variable("x")
        Prior("Normal", mu=Prior("Normal", mu=5.0, sigma=0.01), sigma=0.01).create_variable("y", dims="group")
    assert set(model.named_vars) >= {"x", "y", "y_mu"}
    x, y = pm.draw([model["x"], model["y"]], draws=2000, random_seed=1)
    # log x ~ Normal(log 2, 0.1): its sample mean over 2000 draws is within 0.01 (4.5 standard errors)
    assert abs(np.log(x).mean() - np.log(2.0)) < 0.01
    assert y.shape == (2000, 3)
    assert abs(y.mean() - 5.0) < 0.01


def test_importing_priors_does_not_import_pymc():
    code = "import sys, bayescale.priors; print('pymc' in sys.modules, 'pytensor' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]
