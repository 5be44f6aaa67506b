"""bayescale: Bayesian inference of neural scaling laws.

The public names below are imported on first use, so ``import bayescale`` (and the
command line's help) does not pay for the inference stack until something needs it.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING

from bayescale.version import __version__ as __version__

# public name -> module that defines it
_EXPORTS = {
    "BayescaleInputError": "bayescale.errors",
    "Fit": "bayescale.fit",
    "Input": "bayescale.law",
    "Law": "bayescale.law",
    "Output": "bayescale.law",
    "Param": "bayescale.law",
    "Prior": "bayescale.priors",
    "Runs": "bayescale.runs",
    "SamplingError": "bayescale.errors",
    "SamplingWarning": "bayescale.errors",
    "available_laws": "bayescale.catalog",
    "calibration": "bayescale.comparison",
    "compare": "bayescale.comparison",
    "compare_pooling": "bayescale.comparison",
    "FailedFit": "bayescale.many",
    "fit_many": "bayescale.many",
    "read_index": "bayescale.many",
    "compare_recipes": "bayescale.decisions",
    "compare_sequential": "bayescale.comparison",
    "compute_to_target": "bayescale.decisions",
    "fit": "bayescale.fit",
    "get_law": "bayescale.catalog",
    "inference_optimal": "bayescale.decisions",
    "isoflop": "bayescale.decisions",
    "load_fit": "bayescale.fit",
    "load_runs": "bayescale.runs",
    "next_run": "bayescale.decisions",
    "optimal": "bayescale.decisions",
    "predict_chain": "bayescale.chain",
    "prior_predictive": "bayescale.prior",
    "stack": "bayescale.comparison",
}

__all__ = [
    "BayescaleInputError",
    "Fit",
    "FailedFit",
    "Input",
    "Law",
    "Output",
    "Param",
    "Prior",
    "Runs",
    "SamplingError",
    "SamplingError",
    "SamplingWarning",
    "available_laws",
    "calibration",
    "compare",
    "compare_pooling",
    "compare_recipes",
    "compare_sequential",
    "compute_to_target",
    "datasets",
    "fit",
    "fit_many",
    "get_law",
    "inference_optimal",
    "isoflop",
    "load_fit",
    "load_runs",
    "next_run",
    "optimal",
    "predict_chain",
    "read_index",
    "prior_predictive",
    "stack",
]


def __getattr__(name: str):
    if name == "datasets":
        return importlib.import_module("bayescale.datasets")
    if name not in _EXPORTS:
        raise AttributeError(f"module 'bayescale' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


class _Package(types.ModuleType):
    """The package's module type: ``bayescale.fit`` is the function, though a submodule shares its name.

    Importing the submodule ``bayescale.fit`` binds it as an attribute of the package; this
    property takes precedence, so ``bs.fit`` stays the function, imported on first use.
    """

    @property
    def fit(self):
        from bayescale.fit import fit

        return fit

    @fit.setter
    def fit(self, value) -> None:
        if not isinstance(value, types.ModuleType):
            raise AttributeError("bayescale.fit cannot be replaced")


sys.modules[__name__].__class__ = _Package


if TYPE_CHECKING:  # what type checkers and editors see
    from bayescale import datasets
    from bayescale.catalog import available_laws, get_law
    from bayescale.chain import predict_chain
    from bayescale.comparison import calibration, compare, compare_sequential, stack
    from bayescale.decisions import compare_recipes, compute_to_target, inference_optimal, isoflop, next_run
    from bayescale.errors import BayescaleInputError, SamplingWarning
    from bayescale.fit import Fit, fit, load_fit
    from bayescale.law import Input, Law, Output, Param
    from bayescale.prior import prior_predictive
    from bayescale.priors import Prior
    from bayescale.runs import Runs, load_runs
