"""Parallel scaling law (ParScale): loss from parameters and the number of parallel streams.

    L(N, P) = (A / (N (k log P + 1)))^alpha + E

Chen et al. (2025), "Parallel Scaling Law for Language Models", arXiv:2505.10475. ParScale runs
P learnable transformations of the input through the same model in parallel and aggregates the
P outputs; the law says P streams act like multiplying the parameters by (1 + k log P), i.e.
scaling N by O(log P). It is fitted per corpus at one fixed training budget (models of
0.5B-4.4B parameters, P = 1 to 8), so there is no data term. log is the natural logarithm,
zero at P = 1, where the law is the single-stream power law in N.

Written with the model-size term at a reference scale, as in ``chinchilla``: N is measured in
units of 1e9 parameters and

    L = E + A [N (1 + k log P)]^-alpha,     A = (A_raw / 1e9)^alpha,

so A is the reducible loss of a 1B-parameter model with one stream. The paper's A_raw (the
parameter count at which the reducible loss would be one nat, 1e7-1e8) enters only through
A_raw^alpha with a small alpha, which makes (A_raw, alpha) a long curved ridge for the sampler;
A = (A_raw / 1e9)^alpha is what the runs pin down. A_raw is reported as a derived quantity.
Fits of the paper's form (Stack-V2-Python; Pile) give E = 0.53; 1.38, alpha = 0.13; 0.22,
k = 0.42; 0.34 and A_raw = 1.8e7; 1.4e8, i.e. A = 0.59; 0.64 (values of a public reference
implementation of the law; the paper's interactive demo agrees: 2.8B at P = 4 on Stack-V2 gives
a loss of 1.015 and equals a 4.3B model with one stream).
"""

import numpy as np

from bayescale.law import Input, Law, Output, Param
from bayescale.priors import Prior

N_REF = 1e9


def mean(params, streams, E, A, alpha, k):
    import pytensor.tensor as pt  # here, not at the top: listing the catalog stays fast

    return E + A * (params * (1 + k * pt.log(streams))) ** -alpha


def paper_scale(E, A, alpha, k):
    return {"A_raw": N_REF * A ** (1 / alpha)}


law = Law(
    mean,
    name="parallel",
    formula="L = (A_raw / (N (k log P + 1)))^alpha + E",
    citation="Chen et al. (2025), Parallel Scaling Law for Language Models, arXiv:2505.10475",
    inputs={
        "params": Input("N", "parameters", scale=N_REF, description="model size"),
        "streams": Input("P", "parallel streams", scale=1.0, description="number of parallel streams, P >= 1"),
    },
    output=Output("loss", "L", "nats/token", kind="positive"),
    params={
        "E": Param(
            Prior("LogNormal", mu=np.log(1.0), sigma=0.6),
            "irreducible loss at ParScale's fixed budget: 0.53 on Python code (Stack-V2), 1.38 on the Pile; "
            "0.37-2.7 at 90% covers code and web text",
        ),
        "A": Param(
            Prior("LogNormal", mu=np.log(0.6), sigma=0.7),
            "reducible loss of a 1B model with one stream: about 0.6 nats on both ParScale corpora",
        ),
        "alpha": Param(
            Prior("LogNormal", mu=np.log(0.2), sigma=0.5),
            "size exponent without a data term is small: 0.13 (Stack-V2) and 0.22 (Pile); 0.09-0.45 at 90%",
        ),
        "k": Param(
            Prior("LogNormal", mu=np.log(0.4), sigma=0.6),
            "gain per e-fold of streams: 0.34-0.42 in ParScale's fits (8 streams act like 1.7-1.9x the "
            "parameters); positive, 0.15-1.1 at 90%",
        ),
    },
    derived=paper_scale,
)
