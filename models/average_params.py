"""Average-parameter law: Chinchilla with the model size averaged over training.

    L(N_avg, D) = E + A / N_avg^alpha + B / D^beta,      N_avg = (1/D) sum_t N(t)

Jin et al. (2025), "The Journey Matters: Average Parameter Count over Pre-training Unifies
Sparse and Dense Scaling Laws", ICLR 2025, arXiv:2501.12486. In sparse pre-training the model is
pruned gradually while it trains, so its parameter count N(t) falls from the dense size to the
final sparse size. Jin et al. find that the Chinchilla law holds for sparse and dense runs alike
once N is replaced by the parameter count averaged over the training tokens; for a dense run
N_avg is the ordinary N, so this is exactly the Chinchilla law there. Their fits cover models
of 58M-468M average parameters trained up to 20x the Chinchilla token budget. ``average_params``
below computes N_avg from a run's parameter count logged at equally spaced points of training.

Inputs are measured at Chinchilla's reference scales: N_avg in units of 1e9 parameters and D in
units of 1e11 tokens, so A is the loss added by finite (average) size at 1B parameters and B the
loss added by finite data at 100B tokens. The raw-scale coefficients are reported as
``A_raw = A * 1e9^alpha`` and ``B_raw = B * 1e11^beta``. Jin et al. publish no coefficients,
so the priors (and the reasons for them) are the Chinchilla law's.
"""

import numpy as np

from bayescale.law import Input, Law, Output
from bayescale.models import chinchilla

N_REF, D_REF = chinchilla.N_REF, chinchilla.D_REF


def average_params(counts: np.ndarray) -> float:
    """N_avg: the mean of a run's parameter count logged at equally spaced tokens of training.

    For a pruning schedule, give the count of non-zero (active) parameters at each logged
    point, from the first step to the last; for a dense run every entry is N.
    """
    counts = np.asarray(counts, dtype=float)
    if counts.ndim != 1 or counts.size == 0 or np.any(counts <= 0):
        raise ValueError("counts must be a non-empty 1-D array of positive parameter counts")
    return float(counts.mean())


def mean(avg_params, tokens, E, A, alpha, B, beta):
    return E + A / avg_params**alpha + B / tokens**beta


law = Law(
    mean,
    name="average_params",
    formula="L = E + A / N_avg^alpha + B / D^beta",
    citation="Jin et al. (2025), The Journey Matters: Average Parameter Count over Pre-training Unifies "
    "Sparse and Dense Scaling Laws, arXiv:2501.12486",
    inputs={
        "avg_params": Input(
            "N_avg", "parameters", scale=N_REF, description="parameter count averaged over training (pruning)"
        ),
        "tokens": Input("D", "tokens", scale=D_REF, description="training tokens"),
    },
    output=Output("loss", "L", "nats/token", kind="positive"),
    # Jin et al. keep Chinchilla's form and publish no coefficients: Chinchilla's priors apply.
    params=chinchilla.law.params,
    derived=chinchilla.raw_coefficients,
)
