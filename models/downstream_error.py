"""Downstream error from loss: average benchmark error falls exponentially with the loss.

    Err(L) = eps - k exp(-gamma L)

Gadre et al. (2024), "Language models scale reliably with over-training and on downstream
tasks", arXiv:2403.08540, Eq. (5) (a power law in perplexity, Err = eps - k PP^-gamma).
eps is the error of a model at very high loss (near chance), k exp(-gamma L) the error
removed at loss L. Their Table 6 (17-task average, C4-eval loss): (eps, k, gamma) =
(0.850, 2.08, 0.756) on C4, (0.857, 2.21, 0.715) on RedPajama, (0.865, 2.21, 0.707) on
RefinedWeb.

The error is a probability, so the engine fits it on the logit scale and the law must
stay inside (0, 1). It is written with k = f eps exp(gamma L_0), f in (0, 1): the fraction of
eps removed at L_0 = 1.5 nats, below any loss a web-text model reaches today. Then
0 < Err < eps < 1 for every L >= L_0 and every parameter draw. Gadre's fits have
f = 0.80-0.88; k is reported as a derived quantity.
"""

import numpy as np

from bayescale.law import Input, Law, Output, Param
from bayescale.priors import Prior

L_0 = 1.5


def mean(loss, eps, f, gamma):
    import pytensor.tensor as pt  # here, not at the top: listing the catalog stays fast

    return eps * (1 - f * pt.exp(-gamma * (loss - L_0)))


def paper_scale(eps, f, gamma):
    return {"k": f * eps * np.exp(gamma * L_0)}


law = Law(
    mean,
    name="downstream_error",
    formula="Err = eps - k exp(-gamma L)",
    citation="Gadre et al. (2024), Language models scale reliably with over-training and on downstream tasks, "
    "arXiv:2403.08540",
    inputs={"loss": Input("L", "nats/token", scale=1.0, description="validation loss")},
    output=Output("error", "Err", "fraction of benchmark items wrong", kind="probability"),
    params={
        "eps": Param(
            Prior("Beta", alpha=17.0, beta=3.0),
            "error at high loss is near chance on multiple-choice suites: 0.85-0.87 in Gadre's fits",
        ),
        "f": Param(
            Prior("Beta", alpha=2.0, beta=1.0),
            "share of eps removed at 1.5 nats, leaning high (most error is gone at low loss; Gadre: 0.80-0.88)",
        ),
        "gamma": Param(
            Prior("LogNormal", mu=np.log(0.7), sigma=0.3),
            "decay rate per nat: 0.71-0.76 in Gadre's fits",
        ),
    },
    derived=paper_scale,
)
