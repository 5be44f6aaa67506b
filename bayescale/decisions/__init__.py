"""Decisions from the posterior: allocation, iso-FLOP analysis, inference-aware optima,
compute to a target, recipe comparison and which run to train next, all with uncertainty."""

from .allocation import Allocation, optimal
from .inference import InferenceOptimum, inference_optimal
from .isoflop import IsoflopResult, isoflop
from .next_run import next_run
from .recipes import RecipeComparison, compare_recipes
from .target import ComputeToTarget, compute_to_target

__all__ = [
    "Allocation",
    "ComputeToTarget",
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
