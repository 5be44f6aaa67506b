"""Data-constrained law: Chinchilla with repeated data and excess parameters discounted.

    L(N, D, U) = E + A / N'^alpha + B / D'^beta

    D' = U + U R_D* (1 - exp(-R_D / R_D*)),   R_D = D / U - 1              (effective data)
    N' = U_N + U_N R_N* (1 - exp(-R_N / R_N*)),   U_N = min(N, N_opt(U)),  R_N = N / U_N - 1

Muennighoff et al. (2023), "Scaling Data-Constrained Language Models", arXiv:2305.16264, as
implemented in their ``utils/parametric_fit.ipynb`` and README (repository
huggingface/datablations; this file reproduces the README's two example losses exactly).
D is all training tokens, U the unique tokens among them, so
R_D = epochs - 1 counts repetitions; a repeated token is worth less each time, and no
amount of repetition is worth more than R_D* extra epochs of unique data. Likewise
parameters beyond N_opt(U), the Chinchilla compute-optimal size for a budget whose
optimal data is U, are worth less, saturating at R_N* extra copies of U_N. With the
Chinchilla law's compute-optimal split, N_opt(U) = (alpha A / (beta B))^(1 / alpha)
U^(beta / alpha) (with their constants, U_N = min(N, 0.051 U)).

This is the form they fit: alpha = beta = 0.3527, A = 520.8, B = 1487.7, E = 1.869 (e^a,
e^b, e^e of the README) come from a fit to Chinchilla's C4 IsoFLOP runs and are held fixed
while R_D* = 15.4 and R_N* = 5.3 are fitted to their 182 C4 runs. ``CHINCHILLA_C4`` below
holds those constants in this file's units: pass ``fixed=CHINCHILLA_C4`` to fit as they did,
or fit everything (the level of their runs differs from Chinchilla's, so E,
A and B then move and R_D*, R_N* with them). On those runs R_D* and R_N* trade off along
a flat ridge (their own Huber objective is slightly lower at R_D* = 47, R_N* = 2.3 than at
the published point), so expect wide, correlated intervals for the two.

Users have N, D and U (runs.csv of the paper: params, tokens, unique_tokens). N is measured
in units of 1e9 parameters and D and U in units of 1e11 tokens (both must share a scale:
the law uses their ratio), so A is the loss added by finite size at 1B parameters and B
by finite data at 100B tokens; the raw-scale A_raw = A 1e9^alpha and B_raw = B 1e11^beta
are reported, as for Chinchilla.
"""

import numpy as np

from bayescale.law import Input, Law, Output, Param
from bayescale.priors import Prior

N_REF = 1e9
D_REF = 1e11

# Muennighoff's base constants (README of huggingface/datablations) in this file's units.
_EXPONENT = 0.3526596
CHINCHILLA_C4 = {
    "E": float(np.exp(0.6254804)),
    "A": float(np.exp(6.255414) / N_REF**_EXPONENT),
    "alpha": _EXPONENT,
    "B": float(np.exp(7.3049974) / D_REF**_EXPONENT),
    "beta": _EXPONENT,
}


def effective_data(tokens, unique_tokens, R_D_star):
    """D' = U + U R_D* (1 - exp(-R_D / R_D*)), with R_D = D / U - 1 repetitions."""
    import pytensor.tensor as pt  # here, not at the top: listing the catalog stays fast

    repetitions = pt.maximum(tokens / unique_tokens - 1, 0)
    return unique_tokens + unique_tokens * R_D_star * (1 - pt.exp(-repetitions / R_D_star))


def compute_optimal_params(unique_tokens, A, alpha, B, beta):
    """N_opt(U): the Chinchilla compute-optimal size for the budget whose optimal data is U."""
    return (alpha * A / (beta * B)) ** (1 / alpha) * unique_tokens ** (beta / alpha)


def effective_params(params, unique_tokens, R_N_star, A, alpha, B, beta):
    """N' = U_N + U_N R_N* (1 - exp(-R_N / R_N*)), U_N = min(N, N_opt(U)), R_N = N / U_N - 1."""
    import pytensor.tensor as pt  # here, not at the top: listing the catalog stays fast

    base = pt.minimum(params, compute_optimal_params(unique_tokens, A, alpha, B, beta))
    excess = params / base - 1
    return base + base * R_N_star * (1 - pt.exp(-excess / R_N_star))


def mean(params, tokens, unique_tokens, E, A, alpha, B, beta, R_D_star, R_N_star):
    N_eff = effective_params(params, unique_tokens, R_N_star, A, alpha, B, beta)
    D_eff = effective_data(tokens, unique_tokens, R_D_star)
    return E + A / N_eff**alpha + B / D_eff**beta


def raw_coefficients(E, A, alpha, B, beta, R_D_star, R_N_star):
    return {"A_raw": A * N_REF**alpha, "B_raw": B * D_REF**beta}


law = Law(
    mean,
    name="data_constrained",
    formula="L = E + A / N'^alpha + B / D'^beta,  D' = U + U R_D* (1 - exp(-R_D/R_D*)),  "
    "N' = U_N + U_N R_N* (1 - exp(-R_N/R_N*))",
    citation="Muennighoff et al. (2023), Scaling Data-Constrained Language Models, arXiv:2305.16264",
    inputs={
        "params": Input("N", "parameters", scale=N_REF, description="model size"),
        "tokens": Input("D", "tokens", scale=D_REF, description="training tokens, repeats included"),
        "unique_tokens": Input("U", "tokens", scale=D_REF, description="unique tokens (D / epochs)"),
    },
    output=Output("loss", "L", "nats/token", kind="positive"),
    params={
        "E": Param(
            Prior("LogNormal", mu=np.log(1.9), sigma=0.4),
            "irreducible loss of web text is 1.7-1.9 nats (Hoffmann 1.69, Muennighoff's C4 base fit 1.87)",
        ),
        "A": Param(
            Prior("LogNormal", mu=np.log(0.35), sigma=1.0),
            "loss from finite size at 1B parameters is tenths of a nat (Muennighoff 0.35, Hoffmann 0.36)",
        ),
        "alpha": Param(
            Prior("LogNormal", mu=np.log(0.35), sigma=0.4),
            "size exponents of 0.28-0.37 in Chinchilla-type fits (Muennighoff 0.353, Hoffmann 0.34)",
        ),
        "B": Param(
            Prior("LogNormal", mu=np.log(0.25), sigma=1.0),
            "loss from finite data at 100B unique tokens is tenths of a nat (Muennighoff 0.20, Hoffmann 0.30)",
        ),
        "beta": Param(
            Prior("LogNormal", mu=np.log(0.35), sigma=0.4),
            "data exponents of 0.28-0.37 in Chinchilla-type fits (Muennighoff 0.353, Hoffmann 0.28)",
        ),
        "R_D_star": Param(
            Prior("LogNormal", mu=np.log(15.0), sigma=0.8),
            "repeated data saturates after about 15 extra epochs (Muennighoff: 15.4 on C4); "
            "4-56 at 90%, since 4 epochs are almost as good as new data",
        ),
        "R_N_star": Param(
            Prior("LogNormal", mu=np.log(5.0), sigma=0.8),
            "excess parameters saturate sooner than repeated data (Muennighoff: 5.3 on C4); 1.3-19 at 90%",
        ),
    },
    derived=raw_coefficients,
)
