"""Power law with an irreducible term, in one input.

    y = E + A x^-alpha

Hestness et al. (2017), "Deep Learning Scaling is Predictable, Empirically",
arXiv:1712.00409; Henighan et al. (2020), "Scaling Laws for Autoregressive Generative
Modeling", arXiv:2010.14701.

x can be any positive scale (parameters, tokens, compute, samples): the engine measures
it in units of the power of ten nearest the geometric mean of the data (recorded in the
fit), so A is the reducible part of y at the centre of the runs.
"""

import numpy as np

from bayescale.law import Input, Law, Output, Param
from bayescale.priors import Prior


def mean(x, E, A, alpha):
    return E + A * x**-alpha


law = Law(
    mean,
    name="power_law",
    formula="y = E + A x^-alpha",
    citation="Hestness et al. (2017), Deep Learning Scaling is Predictable, Empirically, arXiv:1712.00409",
    inputs={"x": Input("x", "any positive scale", scale=None, description="what is scaled")},
    output=Output("y", "y", "e.g. nats/token", kind="positive"),
    params={
        "E": Param(
            Prior("LogNormal", mu=np.log(1.5), sigma=0.75),
            "irreducible loss: 0.5-4 nats across text, code, image and speech tasks (Henighan 2020)",
        ),
        "A": Param(
            Prior("LogNormal", mu=np.log(0.5), sigma=1.0),
            "reducible part at the runs' centre is a fraction of the loss, 0.1 to 2.5 at 90%",
        ),
        "alpha": Param(
            Prior("LogNormal", mu=np.log(0.3), sigma=0.6),
            "exponents reported across domains span 0.05-0.8 (Hestness 2017, Henighan 2020)",
        ),
    },
)
