"""bayescale: Bayesian inference of neural scaling laws."""

__version__ = "0.1.0"

from pymc_extras.prior import Prior  # noqa: E402

from bayescale import datasets  # noqa: E402
from bayescale.catalog import available_laws, get_law  # noqa: E402
from bayescale.chain import predict_chain  # noqa: E402
from bayescale.comparison import calibration, compare, compare_sequential, stack  # noqa: E402
from bayescale.decisions import (  # noqa: E402
    compare_recipes,
    compute_to_target,
    inference_optimal,
    isoflop,
    next_run,
)
from bayescale.errors import BayescaleInputError, SamplingError, SamplingWarning  # noqa: E402
from bayescale.fit import Fit, fit, load_fit  # noqa: E402
from bayescale.law import Input, Law, Output, Param  # noqa: E402
from bayescale.prior import prior_predictive  # noqa: E402
from bayescale.runs import Runs, load_runs  # noqa: E402

__all__ = [
    "BayescaleInputError",
    "Fit",
    "Input",
    "Law",
    "Output",
    "Param",
    "Prior",
    "Runs",
    "SamplingError",
    "SamplingWarning",
    "available_laws",
    "calibration",
    "compare",
    "compare_recipes",
    "compare_sequential",
    "compute_to_target",
    "datasets",
    "fit",
    "get_law",
    "inference_optimal",
    "isoflop",
    "load_fit",
    "load_runs",
    "next_run",
    "predict_chain",
    "prior_predictive",
    "stack",
]
