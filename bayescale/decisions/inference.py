"""Inference-aware optimum (Sardana et al. 2024, "Beyond Chinchilla-Optimal", arXiv:2401.00448).

Minimize training plus inference compute, 6 N D + 2 N T for T inference tokens, subject to
reaching a target loss: larger inference demand favours smaller models trained longer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayescale.errors import BayescaleInputError
from bayescale.fit import Fit

from .allocation import LossSurface, _quantiles
from .search import bisect_decreasing, grid_minimum

LOG_PARAMS_RANGE = (np.log(1e6), np.log(1e15))
LOG_TOKENS_RANGE = (np.log(1e6), np.log(1e18))


@dataclass
class InferenceOptimum:
    """Draws of the (N, D) minimizing 6ND + 2NT at the target loss; NaN where unreachable."""

    params: np.ndarray
    tokens: np.ndarray
    inference_tokens: float

    @property
    def training_flops(self) -> np.ndarray:
        return 6.0 * self.params * self.tokens

    @property
    def total_flops(self) -> np.ndarray:
        return self.training_flops + 2.0 * self.params * self.inference_tokens

    @property
    def unreachable(self) -> float:
        return float(np.mean(np.isnan(self.params)))

    def summary(self, interval: float = 0.9) -> pd.DataFrame:
        rows = {}
        for name, values in (
            ("params", self.params),
            ("tokens", self.tokens),
            ("ratio", self.tokens / self.params),
            ("training_flops", self.training_flops),
            ("total_flops", self.total_flops),
        ):
            median, lower, upper = _quantiles(values, interval)
            rows[name] = {"median": median, "lower": lower, "upper": upper}
        table = pd.DataFrame(rows).T
        table["unreachable"] = self.unreachable
        return table


def tokens_to_reach(surface: LossSurface, params: np.ndarray, loss: np.ndarray) -> np.ndarray:
    """Training tokens at which a model of ``params`` reaches ``loss``, per draw (NaN if never)."""
    log_d = bisect_decreasing(
        lambda x: surface.loss(params, np.exp(x)),
        loss,
        np.full_like(params, LOG_TOKENS_RANGE[0]),
        np.full_like(params, LOG_TOKENS_RANGE[1]),
    )
    return np.exp(log_d)


def inference_optimal(fit: Fit, loss: float, inference_tokens: float) -> InferenceOptimum:
    """Per posterior draw, the model size N and training tokens D that reach ``loss`` with the
    least training plus inference compute, 6 N D + 2 N T for T = ``inference_tokens``.

    D is solved from L(N, D) = loss for each N on a grid in log N (1e6 to 1e15 parameters),
    the cheapest grid point is refined by golden-section search. Draws for which the target
    lies below the law's floor are NaN; :attr:`InferenceOptimum.unreachable` says how many.
    """
    if not inference_tokens >= 0:
        raise BayescaleInputError(f"inference_tokens={inference_tokens} must be zero or positive")
    if not np.isfinite(loss) or loss <= 0:
        raise BayescaleInputError(f"loss={loss} must be a positive target loss")
    surface = LossSurface(fit)
    target = np.full(surface.n_draws, float(loss))

    def total(log_n):
        n = np.exp(log_n)
        d = tokens_to_reach(surface, n, np.broadcast_to(target.reshape(-1, *([1] * (n.ndim - 1))), n.shape))
        return np.where(np.isnan(d), np.inf, 6.0 * n * d + 2.0 * n * inference_tokens)

    lo, hi = np.full(surface.n_draws, LOG_PARAMS_RANGE[0]), np.full(surface.n_draws, LOG_PARAMS_RANGE[1])
    log_n, _ = grid_minimum(total, lo, hi, points=60)
    params = np.exp(log_n)
    tokens = tokens_to_reach(surface, params, target)
    reachable = np.isfinite(total(log_n))
    return InferenceOptimum(np.where(reachable, params, np.nan), np.where(reachable, tokens, np.nan), inference_tokens)
