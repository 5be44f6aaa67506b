"""Over-training law: loss from compute and the token multiplier.

    L(C, M) = E + (a M^eta + b M^-eta) C^-eta,      C = 6 N D,  M = D / N

Gadre et al. (2024), "Language models scale reliably with over-training and on downstream
tasks", arXiv:2403.08540, Eq. (4). It is the Chinchilla law with alpha = beta = 2 eta
rewritten in compute and tokens per parameter, so one exponent governs both; the
compute-optimal multiplier is M* = (b / a)^(1 / (2 eta)) (their App. F, Eq. 10).

Users have N and D, so those are the inputs; compute and the multiplier are derived by the
named helpers below. N is measured in units of 1e9 parameters and D in units of 1e10
tokens, so C is in units of C_REF = 6e19 FLOPs and a, b are the loss terms at that compute.
On the paper's raw scale (C in FLOPs) a_raw = a C_REF^eta: its Table 6 gives
(E, a_raw, b_raw, eta) = (1.51, 141, 190, 0.121) on C4, (1.84, 212, 367, 0.136) on
RedPajama and (1.73, 157, 246, 0.127) on RefinedWeb, for the C4-eval loss.
"""

import numpy as np

from bayescale.law import Input, Law, Output, Param
from bayescale.priors import Prior

N_REF = 1e9
D_REF = 1e10
C_REF = 6 * N_REF * D_REF


def compute(params, tokens):
    """Training compute C = 6 N D, in units of C_REF, from N and D in their reference units."""
    return params * tokens


def token_multiplier(params, tokens):
    """Tokens per parameter M = D / N, from N and D in their reference units."""
    return (tokens * D_REF) / (params * N_REF)


def mean(params, tokens, E, a, b, eta):
    M = token_multiplier(params, tokens)
    return E + (a * M**eta + b * M**-eta) * compute(params, tokens) ** -eta


def paper_scale(E, a, b, eta):
    return {"a_raw": a * C_REF**eta, "b_raw": b * C_REF**eta, "M_star": (b / a) ** (1 / (2 * eta))}


law = Law(
    mean,
    name="overtraining",
    formula="L = E + (a M^eta + b M^-eta) C^-eta,  C = 6ND, M = D/N",
    citation="Gadre et al. (2024), Language models scale reliably with over-training and on downstream tasks, "
    "arXiv:2403.08540",
    inputs={
        "params": Input("N", "parameters", scale=N_REF, description="model size"),
        "tokens": Input("D", "tokens", scale=D_REF, description="training tokens"),
    },
    output=Output("loss", "L", "nats/token", kind="positive"),
    params={
        "E": Param(
            Prior("LogNormal", mu=np.log(1.7), sigma=0.2),
            "irreducible loss of web-text evals: 1.51-1.84 in Gadre's Table 6, 1.69-1.82 for Chinchilla",
        ),
        "a": Param(
            Prior("LogNormal", mu=np.log(0.5), sigma=0.7),
            "over-training term at 6e19 FLOPs: Gadre's fits give 0.4-0.6 (a_raw 141-212)",
        ),
        "b": Param(
            Prior("LogNormal", mu=np.log(0.8), sigma=0.7),
            "under-training term at 6e19 FLOPs: Gadre's fits give 0.75-0.85 (b_raw 190-367)",
        ),
        "eta": Param(
            Prior("LogNormal", mu=np.log(0.14), sigma=0.3),
            "half the Chinchilla exponent: 0.121-0.136 in Gadre's fits, 0.17-0.18 from Epoch's alpha, beta",
        ),
    },
    derived=paper_scale,
)
