"""Model comparison that is honest about extrapolation.

Leave-one-out by run, series or group (:func:`compare`), prediction of held-out larger runs
(``compare(..., holdout=...)``, :func:`compare_sequential`), separate fits against partial
and complete pooling (:func:`compare_pooling`), combined predictions (:func:`stack`) and
calibration of predictive intervals, overall and by distance beyond the runs (:func:`calibration`).
"""

from .calibration import Calibration, calibration
from .compare import Comparison, compare
from .pooling import compare_pooling
from .sequential import compare_sequential
from .stacking import Stack, stack, stacking_weights

__all__ = [
    "Calibration",
    "Comparison",
    "Stack",
    "calibration",
    "compare",
    "compare_pooling",
    "compare_sequential",
    "stack",
    "stacking_weights",
]
