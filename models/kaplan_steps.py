"""Kaplan law in model size and training steps: the learning curve of a model of N parameters.

    L(N, S) = (N_c / N)^alpha_N + (S_c / S)^alpha_S

Kaplan et al. (2020), "Scaling Laws for Neural Language Models", arXiv:2001.08361, Eq. (1.6)
(Sec. 5): the loss after S optimizer steps of a model trained without data limits.
Published alpha_N = 0.076, alpha_S = 0.76, N_c = 6.5e13 parameters, S_c = 2.1e3 steps
(non-embedding parameters, their tokenizer, loss in nats).

Kaplan's S is S_min, the steps needed at a batch size far above the critical batch,
S_min = S / (1 + B_crit / B). Users have the steps they ran, which is S_min when the batch is
well above B_crit (or pass S_min directly); at smaller batches S_c absorbs the factor.

Inputs are measured at reference scales, N in units of 1e9 parameters and S in units of 1e4
steps, so N_c and S_c below are in those units (Kaplan's N_c = 6.5e4, S_c = 0.21).
"""

import numpy as np

from bayescale.law import Input, Law, Output, Param
from bayescale.priors import Prior


def mean(params, steps, N_c, alpha_N, S_c, alpha_S):
    return (N_c / params) ** alpha_N + (S_c / steps) ** alpha_S


law = Law(
    mean,
    name="kaplan_steps",
    formula="L = (N_c/N)^alpha_N + (S_c/S)^alpha_S",
    citation="Kaplan et al. (2020), Scaling Laws for Neural Language Models, arXiv:2001.08361",
    inputs={
        "params": Input("N", "parameters (non-embedding)", scale=1e9, description="model size"),
        "steps": Input("S", "optimizer steps", scale=1e4, description="training steps (S_min)"),
    },
    output=Output("loss", "L", "nats/token", kind="positive"),
    params={
        "N_c": Param(
            Prior("LogNormal", mu=np.log(6.5e4), sigma=3.0),
            "Kaplan's 6.5e13 parameters (6.5e4 here); x/20 either way for other data and tokenizers",
        ),
        "alpha_N": Param(
            Prior("LogNormal", mu=np.log(0.076), sigma=0.75),
            "Kaplan's 0.076 (0.07-0.08 across their fits); no irreducible term, so the exponent stays small",
        ),
        "S_c": Param(
            Prior("LogNormal", mu=np.log(0.21), sigma=1.5),
            "Kaplan's 2.1e3 steps (0.21 here); x/4.5 either way for other optimizers and schedules",
        ),
        "alpha_S": Param(
            Prior("LogNormal", mu=np.log(0.76), sigma=0.4),
            "Kaplan's 0.76: the learning curve falls much faster in steps than in size; 0.4-1.5 at 90%",
        ),
    },
)
