"""Model comparison that is honest about extrapolation.

PSIS-LOO from stored log-likelihoods (:func:`compare`), prediction of held-out larger runs
(``compare(..., holdout=...)``, :func:`compare_sequential`), combined predictions
(:func:`stack`) and calibration of predictive intervals (:func:`calibration`).
"""

from .calibration import Calibration, calibration
from .compare import Comparison, compare
from .sequential import compare_sequential
from .stacking import Stack, stack, stacking_weights

__all__ = [
    "Calibration",
    "Comparison",
    "Stack",
    "calibration",
    "compare",
    "compare_sequential",
    "stack",
    "stacking_weights",
]
