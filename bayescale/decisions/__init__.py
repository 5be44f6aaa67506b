"""Decisions from the posterior: allocation, iso-FLOP analysis, inference-aware optima,
compute to a target, recipe comparison and which run to train next, all with uncertainty.

Each takes a cost model (:class:`bayescale.cost.Cost`, 6 N D by default) and, where it takes
a fit, a ``group`` of a grouped fit; results keep their draws as xarray objects with dims
``chain``, ``draw`` and, per budget, ``budget``.
"""

from bayescale.cost import Cost

from .allocation import Allocation, optimal
from .inference import InferenceOptimum, inference_optimal
from .isoflop import IsoflopResult, isoflop
from .next_run import next_run
from .recipes import RecipeComparison, compare_recipes
from .target import ComputeToTarget, compute_to_target

__all__ = [
    "Allocation",
    "ComputeToTarget",
    "Cost",
    "InferenceOptimum",
    "IsoflopResult",
    "RecipeComparison",
    "compare_recipes",
    "compute_to_target",
    "inference_optimal",
    "isoflop",
    "next_run",
    "optimal",
]
