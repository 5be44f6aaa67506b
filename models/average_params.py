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
``A_raw = A * 1e9^alpha`` and ``B_raw = B * 1e11^beta``.
"""

import numpy as np
from pymc_extras.prior import Prior

from bayescale.law import Input, Law, Output, Param

N_REF = 1e9
D_REF = 1e11


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


def raw_coefficients(E, A, alpha, B, beta):
    return {"A_raw": A * N_REF**alpha, "B_raw": B * D_REF**beta}


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
    params={
        "E": Param(
            Prior("LogNormal", mu=np.log(1.8), sigma=0.5),
            "irreducible loss of web text is 1.7-1.9 nats (Hoffmann 1.69, Epoch 1.82); it does not depend "
            "on how the parameters were spent, so sparse and dense runs share it (Jin 2025)",
        ),
        "A": Param(
            Prior("LogNormal", mu=np.log(0.3), sigma=1.0),
            "loss from finite size at 1B (average) parameters is tenths of a nat (Epoch 0.35, Hoffmann 0.36)",
        ),
        "alpha": Param(
            Prior("LogNormal", mu=np.log(0.3), sigma=0.6),
            "Jin 2025 keep Chinchilla's form; published size exponents span 0.07-0.5 (Kaplan 0.076, "
            "Hoffmann 0.34, Epoch 0.35)",
        ),
        "B": Param(
            Prior("LogNormal", mu=np.log(0.3), sigma=1.0),
            "loss from finite data at 100B tokens is tenths of a nat (Epoch 0.20, Hoffmann 0.30)",
        ),
        "beta": Param(
            Prior("LogNormal", mu=np.log(0.3), sigma=0.6),
            "published data exponents span 0.1-0.5 (Kaplan 0.095, Hoffmann 0.28, Epoch 0.37)",
        ),
    },
    derived=raw_coefficients,
)
