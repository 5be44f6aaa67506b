"""Quantization-aware training law: Chinchilla plus a quantization error in N, D and group size.

    L(N, D, G) = E + A / N^alpha + B / D^beta + delta_p(N, D, G)
    delta_p(N, D, G) = k D^gamma_D (log2 G)^gamma_G / N^gamma_N

Chen et al. (2025), "Scaling Law for Quantization-Aware Training", arXiv:2505.14302. The loss of a
p-bit quantization-aware trained model (W4A4 in the paper) is the full-precision (BF16) Chinchilla
loss plus a quantization error delta_p that shrinks with model size N, grows with training tokens
D and with the quantization group size G; log2 G makes the error vanish at G = 1. The paper fits
delta_p on 268 runs (74M-595M parameters, 10B-100B tokens) with the Chinchilla part fitted on the
BF16 runs; fitted jointly here, so BF16 runs enter with the error term switched off (give them
G = 1) and quantized runs with their group size.

N is measured in units of 1e9 parameters and D in units of 1e11 tokens, so k is the quantization
error of a 1B model trained on 100B tokens at G = 2 (log2 G = 1); the paper's raw-scale k is
reported as ``k_raw`` with A_raw and B_raw.
"""

import numpy as np

from bayescale.law import Input, Law, Output, Param
from bayescale.models.chinchilla import law as CHINCHILLA
from bayescale.priors import Prior

N_REF = 1e9
D_REF = 1e11


def granularity(group_size, gamma_G):
    """(log2 G)^gamma_G, 0 at G = 1, written so its gradient stays finite there."""
    import pytensor.tensor as pt  # here, not at the top: listing the catalog stays fast

    quantized = pt.gt(group_size, 1)
    return quantized * pt.switch(quantized, pt.log2(group_size), 1.0) ** gamma_G


def mean(params, tokens, group_size, E, A, alpha, B, beta, k, gamma_N, gamma_D, gamma_G):
    error = k * tokens**gamma_D * granularity(group_size, gamma_G) / params**gamma_N
    return E + A / params**alpha + B / tokens**beta + error


def raw_coefficients(E, A, alpha, B, beta, k, gamma_N, gamma_D, gamma_G):
    return {
        "A_raw": A * N_REF**alpha,
        "B_raw": B * D_REF**beta,
        "k_raw": k * N_REF**gamma_N / D_REF**gamma_D,
    }


law = Law(
    mean,
    name="qat",
    formula="L = E + A/N^alpha + B/D^beta + k D^gamma_D (log2 G)^gamma_G / N^gamma_N",
    citation="Chen et al. (2025), Scaling Law for Quantization-Aware Training, arXiv:2505.14302",
    inputs={
        "params": Input("N", "parameters", scale=N_REF, description="model size"),
        "tokens": Input("D", "tokens", scale=D_REF, description="training tokens"),
        "group_size": Input("G", "elements", scale=1.0, description="quantization group size; 1 for full precision"),
    },
    output=Output("loss", "L", "nats/token", kind="positive"),
    params={
        "E": CHINCHILLA.params["E"],
        "A": CHINCHILLA.params["A"],
        "alpha": CHINCHILLA.params["alpha"],
        "B": CHINCHILLA.params["B"],
        "beta": CHINCHILLA.params["beta"],
        "k": Param(
            Prior("LogNormal", mu=np.log(0.01), sigma=1.0),
            "W4A4 error of a 1B model on 100B tokens at G = 2: W4A4 costs hundredths of a nat at group sizes "
            "of 32-256, and log2 G^gamma_G is 5-8 there; 0.002-0.05 at 90%",
        ),
        "gamma_N": Param(
            Prior("LogNormal", mu=np.log(0.3), sigma=0.6),
            "error shrinks with model size (Chen et al.), like the size term of the loss: 0.11-0.8 at 90%",
        ),
        "gamma_D": Param(
            Prior("LogNormal", mu=np.log(0.15), sigma=0.6),
            "error grows with training tokens (Chen et al.), more slowly than it falls with size: 0.06-0.4 at 90%",
        ),
        "gamma_G": Param(
            Prior("LogNormal", mu=np.log(1.0), sigma=0.5),
            "error grows with coarser groups (Chen et al.); about linear in log2 G is the neutral guess: "
            "0.44-2.3 at 90%",
        ),
    },
    derived=raw_coefficients,
)
