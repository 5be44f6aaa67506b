"""Compute law: loss of compute-efficient training as a power law in compute plus a constant.

    L(C) = E + (C_0 / C)^alpha

Henighan et al. (2020), "Scaling Laws for Autoregressive Generative Modeling",
arXiv:2010.14701, Sec. 2 (their L(C) = L_inf + (C_0 / C)^alpha_C, one fit per domain:
images, video, multimodal, math); without E it is Kaplan et al.'s (2020) L(C_min),
arXiv:2001.08361, Eq. (1.3). C is the training compute of the model on the compute-efficient
frontier; E is the irreducible loss (the entropy of the data in Henighan's reading) and
(C_0 / C)^alpha the reducible loss (the KL divergence to the data).

The paper's form in C_0 is kept, rather than E + A C^-alpha, so the fitted C_0 reads as
"the compute at which the reducible loss is one nat". Compute can be anything from 1e15 to
1e25 FLOPs, so its reference scale is left to the engine (the power of ten nearest the
geometric mean of the runs, recorded in the fit): C_0 is in those units, and the reducible
loss at the centre of the runs is C_0^alpha. Henighan measures C in PF-days (1 PF-day =
8.64e19 FLOPs); give FLOPs or PF-days, C_0 comes out in the unit given times the scale.
"""

import numpy as np

from bayescale.law import Input, Law, Output, Param
from bayescale.priors import Prior


def mean(flops, E, C_0, alpha):
    return E + (C_0 / flops) ** alpha


law = Law(
    mean,
    name="compute",
    formula="L = E + (C_0 / C)^alpha",
    citation="Henighan et al. (2020), Scaling Laws for Autoregressive Generative Modeling, arXiv:2010.14701",
    inputs={"flops": Input("C", "FLOPs", scale=None, description="training compute")},
    output=Output("loss", "L", "nats/token", kind="positive"),
    params={
        "E": Param(
            Prior("LogNormal", mu=np.log(1.5), sigma=0.75),
            "irreducible loss: 0.5-4 nats per token across text, code, image and video (Henighan 2020)",
        ),
        "C_0": Param(
            Prior("LogNormal", mu=np.log(0.01), sigma=4.0),
            "compute where the reducible loss is 1 nat, in units of the runs' centre: with alpha 0.05-0.4 "
            "the reducible loss there is a few tenths (1e-2 +- 4 e-folds covers 0.03 to 2 nats)",
        ),
        "alpha": Param(
            Prior("LogNormal", mu=np.log(0.15), sigma=0.6),
            "compute exponents are small: 0.05 for text (Kaplan 2020), about 0.15 implied by Chinchilla's "
            "alpha, beta, larger for image, video and math (Henighan 2020); 0.06-0.4 at 90%",
        ),
    },
)
