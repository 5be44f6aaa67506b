"""What a run costs in FLOPs: training as a function of model size and data, and serving.

One :class:`Cost` feeds every decision (compute-optimal allocation, compute to a target,
inference-aware optima, recipe comparison, which run to train next, iso-FLOP analysis).
The default is a dense transformer's: 6 FLOPs per parameter per training token (2 for the
forward pass, 4 for the backward pass) and 2 per parameter per served token (Kaplan et al.
2020, "Scaling Laws for Neural Language Models", arXiv:2001.08361, Sec. 2.1).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bayescale.errors import BayescaleInputError
from bayescale.law import Law
from bayescale.search import crossing

CostFunction = Callable[[np.ndarray, np.ndarray], np.ndarray]
LOG_RANGE = (0.0, np.log(1e40))  # sizes and token counts searched when a cost has no inverse


@dataclass(frozen=True)
class Cost:
    """FLOPs of training a model of ``size`` on ``data``, and of serving it.

    Parameters
    ----------
    training
        FLOPs per unit of size x data (a number: C = training N D, closed forms hold), or a
        vectorized function ``training(N, D)`` increasing in both.
    inference
        FLOPs per unit of size per served token (a number), or a function ``inference(N, T)``.
    size, data
        The law inputs the cost takes: the model size and the training data.

    Examples
    --------
    >>> float(Cost().training_flops(70e9, 1.4e12))  # 6 N D
    5.88e+23
    >>> Cost(training=lambda n, d: 6 * n * d * (1 + 2048 / (12 * 8192))).describe()
    'a custom training cost of params and tokens'
    """

    training: float | CostFunction = 6.0
    inference: float | CostFunction = 2.0
    size: str = "params"
    data: str = "tokens"

    def __post_init__(self) -> None:
        for name in ("training", "inference"):
            value = getattr(self, name)
            number = isinstance(value, numbers.Real) and not isinstance(value, bool)
            if not callable(value) and not (number and np.isfinite(value) and value > 0):
                raise BayescaleInputError(
                    f"cost {name}={value!r} must be a positive number of FLOPs per unit or a function (N, D) -> FLOPs"
                )
        if self.size == self.data:
            raise BayescaleInputError(f"cost size={self.size!r} and data={self.data!r} must be two different inputs")

    @property
    def factor(self) -> float | None:
        """k when training costs k N D, else None."""
        return None if callable(self.training) else float(self.training)

    def describe(self) -> str:
        if self.factor is not None:
            return f"C = {self.factor:g} N D"
        return f"a custom training cost of {self.size} and {self.data}"

    def training_flops(self, size, data) -> np.ndarray:
        size, data = np.asarray(size, dtype=float), np.asarray(data, dtype=float)
        return self.factor * size * data if self.factor is not None else np.asarray(self.training(size, data))

    def inference_flops(self, size, served) -> np.ndarray:
        size, served = np.asarray(size, dtype=float), np.asarray(served, dtype=float)
        if callable(self.inference):
            return np.asarray(self.inference(size, served))
        return self.inference * size * served

    def data_for(self, size, flops) -> np.ndarray:
        """The data D with training(N, D) = ``flops``, elementwise (NaN where none below 1e40)."""
        if self.factor is not None:
            return np.asarray(flops, dtype=float) / (self.factor * np.asarray(size, dtype=float))
        log_flops = np.log(flops)
        log_data = crossing(self._log_flops_of_data, log_flops, *LOG_RANGE, args=(np.asarray(size, dtype=float),))
        return np.exp(log_data)

    def size_at_ratio(self, flops, ratio) -> np.ndarray:
        """The size N with training(N, ratio N) = ``flops``, elementwise."""
        if self.factor is not None:
            return np.sqrt(np.asarray(flops, dtype=float) / (self.factor * np.asarray(ratio, dtype=float)))
        log_flops = np.log(flops)
        return np.exp(crossing(self._log_flops_at_ratio, log_flops, *LOG_RANGE, args=(np.asarray(ratio, float),)))

    def _log_flops_of_data(self, log_data, size):
        with np.errstate(divide="ignore", over="ignore"):
            return np.log(self.training_flops(size, np.exp(log_data)))

    def _log_flops_at_ratio(self, log_size, ratio):
        size = np.exp(log_size)
        with np.errstate(divide="ignore", over="ignore"):
            return np.log(self.training_flops(size, ratio * size))

    def check_law(self, law: Law, what: str = "this decision") -> None:
        """The law must be a function of this cost's size and data alone."""
        if sorted(law.input_names) != sorted([self.size, self.data]):
            raise BayescaleInputError(
                f"law {law.name!r} takes {', '.join(law.input_names)}: {what} needs a law of {self.size} and "
                f"{self.data} alone (name other inputs with Cost(size=..., data=...))"
            )


DENSE_TRANSFORMER = Cost()


def as_cost(cost: Cost | CostFunction | None) -> Cost:
    """A :class:`Cost` from a Cost, a training function ``cost(N, D)`` or None (6 N D)."""
    if cost is None:
        return DENSE_TRANSFORMER
    if isinstance(cost, Cost):
        return cost
    if callable(cost):
        return Cost(training=cost)
    raise BayescaleInputError(f"cost={cost!r} must be a Cost or a function cost(N, D) returning FLOPs")
