"""The practitioners' point fit of the Chinchilla law, as Epoch AI ran it (Besiroglu et al. 2024).

Huber loss (delta = 1e-3) on log-space residuals, log L-hat = LSE(a - alpha log N, b - beta log D, e),
summed over runs; scipy L-BFGS-B from each of Hoffmann's 4,500 grid starts, keep the best; then
bootstrap refits from the best start. Procedure from arXiv:2404.10102 and its notebook, as
described in ../shared/data/chinchilla/SOURCE.md; the code is this project's own.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp

DELTA = 1e-3


def huber_objective(theta: np.ndarray, log_n: np.ndarray, log_d: np.ndarray, log_loss: np.ndarray):
    """Summed Huber loss of log residuals and its analytic gradient, theta = (a, b, e, alpha, beta)."""
    a, b, e, alpha, beta = theta
    terms = np.stack([a - alpha * log_n, b - beta * log_d, np.full_like(log_n, e)])
    log_pred = logsumexp(terms, axis=0)
    r = log_loss - log_pred
    small = np.abs(r) <= DELTA
    value = np.where(small, 0.5 * r**2, DELTA * (np.abs(r) - 0.5 * DELTA)).sum()
    d_r = np.where(small, r, DELTA * np.sign(r))  # d huber / d r
    weights = np.exp(terms - log_pred)  # d log_pred / d term
    grad_terms = -d_r * weights  # d value / d term (r = y - log_pred)
    grad = np.array(
        [
            grad_terms[0].sum(),
            grad_terms[1].sum(),
            grad_terms[2].sum(),
            -(grad_terms[0] * log_n).sum(),
            -(grad_terms[1] * log_d).sum(),
        ]
    )
    return value, grad


def epoch_grid() -> np.ndarray:
    """Hoffmann's 4,500 starting points, as (a, b, e, alpha, beta)."""
    exponents = np.arange(0, 2.01, 0.5)
    es = np.arange(-1, 1.01, 0.5)
    coefficients = np.arange(0, 25.1, 5)
    return np.array(
        [
            (a, b, e, al, be)
            for al, be, e, a, b in itertools.product(exponents, exponents, es, coefficients, coefficients)
        ]
    )


def _minimize(start: np.ndarray, data: tuple[np.ndarray, ...]):
    return minimize(huber_objective, start, args=data, jac=True, method="L-BFGS-B")


def _as_named(theta: np.ndarray) -> dict[str, float]:
    a, b, e, alpha, beta = theta
    return {
        "E": float(np.exp(e)),
        "A": float(np.exp(a)),
        "B": float(np.exp(b)),
        "alpha": float(alpha),
        "beta": float(beta),
    }


def fit_grid(params: np.ndarray, tokens: np.ndarray, loss: np.ndarray) -> tuple[np.ndarray, float]:
    """Best converged optimum over the grid of starts: (theta, objective)."""
    data = (np.log(params), np.log(tokens), np.log(loss))
    best_theta, best_value = None, np.inf
    for start in epoch_grid():
        result = _minimize(start, data)
        if result.success and result.fun < best_value:
            best_theta, best_value = result.x, result.fun
    return best_theta, best_value


def bootstrap(params, tokens, loss, start: np.ndarray, n_resamples: int = 4000, seed: int = 42) -> np.ndarray:
    """(E, A, B, alpha, beta) refitted on resamples of the runs, each from ``start``."""
    rng = np.random.default_rng(seed)
    logs = np.log(params), np.log(tokens), np.log(loss)
    out = np.empty((n_resamples, 5))
    for i in range(n_resamples):
        idx = rng.integers(0, len(loss), len(loss))
        named = _as_named(_minimize(start, tuple(v[idx] for v in logs)).x)
        out[i] = [named[k] for k in ("E", "A", "B", "alpha", "beta")]
    return out


def run_baseline(params, tokens, loss, n_resamples: int = 4000, seed: int = 42) -> dict:
    """Grid fit and bootstrap, timed: point estimate, bootstrap s.e. of alpha and beta, seconds."""
    start = time.perf_counter()
    theta, value = fit_grid(params, tokens, loss)
    grid_s = time.perf_counter() - start
    start = time.perf_counter()
    boot = bootstrap(params, tokens, loss, theta, n_resamples, seed)
    boot_s = time.perf_counter() - start
    return {
        **_as_named(theta),
        "objective": value,
        "n_starts": len(epoch_grid()),
        "se_alpha": float(boot[:, 3].std(ddof=1)),
        "se_beta": float(boot[:, 4].std(ddof=1)),
        "seconds_grid": grid_s,
        "seconds_bootstrap": boot_s,
        "bootstrap": boot,
    }


if __name__ == "__main__":
    import bayescale as bs

    runs = bs.datasets.load("chinchilla").query("not epoch_excluded")
    out = run_baseline(*(runs[c].to_numpy() for c in ("params", "tokens", "loss")), n_resamples=200)
    print({k: v for k, v in out.items() if k != "bootstrap"})
