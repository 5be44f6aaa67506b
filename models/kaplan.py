"""Kaplan law: loss from parameters and tokens, without an irreducible term.

    L(N, D) = [(N_c / N)^(alpha_N / alpha_D) + D_c / D]^alpha_D

Kaplan et al. (2020), "Scaling Laws for Neural Language Models", arXiv:2001.08361, Eq. (1.5);
published alpha_N = 0.076, alpha_D = 0.103, N_c = 6.4e13 parameters, D_c = 1.8e13 tokens
(non-embedding parameters, their tokenizer, loss in nats).

Inputs are measured at reference scales, N in units of 1e9 parameters and D in units of
1e11 tokens, so N_c and D_c below are in those units (Kaplan's N_c = 6.4e4, D_c = 180).
"""

import numpy as np

from bayescale.law import Input, Law, Output, Param
from bayescale.priors import Prior


def mean(params, tokens, N_c, alpha_N, D_c, alpha_D):
    return ((N_c / params) ** (alpha_N / alpha_D) + D_c / tokens) ** alpha_D


law = Law(
    mean,
    name="kaplan",
    formula="L = [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D",
    citation="Kaplan et al. (2020), Scaling Laws for Neural Language Models, arXiv:2001.08361",
    inputs={
        "params": Input("N", "parameters", scale=1e9, description="model size"),
        "tokens": Input("D", "tokens", scale=1e11, description="training tokens"),
    },
    output=Output("loss", "L", "nats/token", kind="positive"),
    params={
        "N_c": Param(
            Prior("LogNormal", mu=np.log(6.4e4), sigma=3.0),
            "Kaplan's 6.4e13 parameters (6.4e4 here); x/20 either way for other data and tokenizers",
        ),
        "alpha_N": Param(
            Prior("LogNormal", mu=np.log(0.076), sigma=0.75),
            "Kaplan's 0.076; the law has no irreducible term, so exponents stay small",
        ),
        "D_c": Param(
            Prior("LogNormal", mu=np.log(180.0), sigma=3.0),
            "Kaplan's 1.8e13 tokens (180 here); x/20 either way for other data and tokenizers",
        ),
        "alpha_D": Param(
            Prior("LogNormal", mu=np.log(0.103), sigma=0.75),
            "Kaplan's 0.095-0.103; small for the same reason as alpha_N",
        ),
    },
)
