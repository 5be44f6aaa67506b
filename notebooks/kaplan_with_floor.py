"""Kaplan's law plus an irreducible loss.

    L(N, D) = E + [(N_c / N)^(alpha_N / alpha_D) + D_c / D]^alpha_D

Kaplan et al. (2020), arXiv:2001.08361, Eq. (1.5), with the irreducible term of
Henighan et al. (2020), arXiv:2010.14701. N in units of 1e9 parameters, D in units of 1e11 tokens.
"""

import numpy as np

from bayescale import Input, Law, Output, Param, Prior


def mean(params, tokens, E, N_c, alpha_N, D_c, alpha_D):
    return E + ((N_c / params) ** (alpha_N / alpha_D) + D_c / tokens) ** alpha_D


law = Law(
    mean,
    name="kaplan_with_floor",
    formula="L = E + [(N_c/N)^(alpha_N/alpha_D) + D_c/D]^alpha_D",
    citation="Kaplan et al. (2020), arXiv:2001.08361, with an irreducible term as in Henighan et al. (2020), arXiv:2010.14701",
    inputs={
        "params": Input("N", "parameters", scale=1e9, description="model size"),
        "tokens": Input("D", "tokens", scale=1e11, description="training tokens"),
    },
    output=Output("loss", "L", "nats/token"),
    params={
        "E": Param(Prior("LogNormal", mu=np.log(1.7), sigma=0.3), "irreducible loss of web text, 1.5-2 nats"),
        "N_c": Param(Prior("LogNormal", mu=np.log(0.1), sigma=2.0), "with a floor the critical size is far below Kaplan's"),
        "alpha_N": Param(Prior("LogNormal", mu=np.log(0.3), sigma=0.6), "size exponents with a floor are 0.3-0.4"),
        "D_c": Param(Prior("LogNormal", mu=np.log(0.1), sigma=2.0), "critical data, likewise far below Kaplan's"),
        "alpha_D": Param(Prior("LogNormal", mu=np.log(0.3), sigma=0.6), "data exponents with a floor are 0.3-0.4"),
    },
)
