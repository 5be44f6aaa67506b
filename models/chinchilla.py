"""Chinchilla law: loss of a language model from its parameters and training tokens.

    L(N, D) = E + A / N^alpha + B / D^beta

Hoffmann et al. (2022), "Training Compute-Optimal Large Language Models", arXiv:2203.15556
(their Approach 3, App. D.2); refit by Besiroglu et al. (2024), "Chinchilla Scaling: A
replication attempt", arXiv:2404.10102.

Inputs are measured at reference scales: N in units of 1e9 parameters and D in units of
1e11 tokens, so A is the loss added by finite model size at 1B parameters and B the loss
added by finite data at 100B tokens. The paper's raw-scale coefficients are reported as
``A_raw = A * 1e9^alpha`` and ``B_raw = B * 1e11^beta`` (Epoch's refit: 482 and 2085).
"""

import numpy as np

from bayescale.law import Input, Law, Output, Param
from bayescale.priors import Prior

N_REF = 1e9
D_REF = 1e11


def mean(params, tokens, E, A, alpha, B, beta):
    return E + A / params**alpha + B / tokens**beta


def optimal_params(product, E, A, alpha, B, beta):
    """N minimizing L subject to N D = product (Hoffmann et al. 2022, Eq. 4):
    N* = G product^(beta / (alpha + beta)), G = (alpha A / (beta B))^(1 / (alpha + beta))."""
    return (alpha * A / (beta * B)) ** (1 / (alpha + beta)) * product ** (beta / (alpha + beta))


def raw_coefficients(E, A, alpha, B, beta):
    return {"A_raw": A * N_REF**alpha, "B_raw": B * D_REF**beta}


law = Law(
    mean,
    name="chinchilla",
    formula="L = E + A / N^alpha + B / D^beta",
    citation="Hoffmann et al. (2022), Training Compute-Optimal Large Language Models, arXiv:2203.15556",
    inputs={
        "params": Input("N", "parameters", scale=N_REF, description="model size"),
        "tokens": Input("D", "tokens", scale=D_REF, description="training tokens"),
    },
    output=Output("loss", "L", "nats/token", kind="positive"),
    params={
        "E": Param(
            Prior("LogNormal", mu=np.log(1.8), sigma=0.5),
            "irreducible loss of web text is 1.7-1.9 nats (Hoffmann 1.69, Epoch 1.82); "
            "x/1.65 either way covers other corpora and tokenizers",
        ),
        "A": Param(
            Prior("LogNormal", mu=np.log(0.3), sigma=1.0),
            "loss from finite size at 1B parameters is tenths of a nat (Epoch 0.35, Hoffmann 0.36)",
        ),
        "alpha": Param(
            Prior("LogNormal", mu=np.log(0.3), sigma=0.6),
            "published size exponents span 0.07-0.5 (Kaplan 0.076, Hoffmann 0.34, Epoch 0.35)",
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
    optimum=optimal_params,
)
