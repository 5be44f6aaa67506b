"""Power law with an irreducible term, in one input.

    y = E + A x^-alpha

Hestness et al. (2017), "Deep Learning Scaling is Predictable, Empirically",
arXiv:1712.00409; Henighan et al. (2020), "Scaling Laws for Autoregressive Generative
Modeling", arXiv:2010.14701.

x can be any positive scale (parameters, tokens, compute, samples): the engine measures
it in units of the power of ten nearest the geometric mean of the data (recorded in the
fit), so A is the reducible part of y at the centre of the runs.

Sampled as the value at the centre, y_c = E + A, and its reducible share, r_c = A / (E + A),
with E = (1 - r_c) y_c and A = r_c y_c reported beside them. The runs pin down y_c and the
slope at the centre (alpha r_c) even when they cannot separate E, A and alpha: on a short or
flat curve those three trade off along a curved ridge that the sampler crosses slowly, while
in (y_c, r_c, alpha) the ridge is nearly straight.
"""

import numpy as np

from bayescale.law import Input, Law, Output, Param
from bayescale.priors import Prior


def irreducible_and_reducible(y_c, r_c):
    """E and A from the value at the centre of the runs and its reducible share."""
    return (1 - r_c) * y_c, r_c * y_c


def mean(x, y_c, r_c, alpha):
    E, A = irreducible_and_reducible(y_c, r_c)
    return E + A * x**-alpha


def paper_parameters(y_c, r_c, alpha):
    return dict(zip(("E", "A"), irreducible_and_reducible(y_c, r_c), strict=True))


law = Law(
    mean,
    name="power_law",
    formula="y = E + A x^-alpha",
    citation="Hestness et al. (2017), Deep Learning Scaling is Predictable, Empirically, arXiv:1712.00409",
    inputs={"x": Input("x", "any positive scale", scale=None, description="what is scaled")},
    output=Output("y", "y", "e.g. nats/token", kind="positive"),
    params={
        "y_c": Param(
            Prior("LogNormal", mu=np.log(1.5), sigma=1.0),
            "y at the centre of the runs, E + A: losses of 0.5-4 nats or error rates below 1 "
            "(Henighan 2020), 0.3 to 7.8 at 90%",
        ),
        "r_c": Param(
            Prior("Beta", alpha=1.5, beta=3.0),
            "share of y at the centre that more scale removes, A / (E + A): any share in (0, 1), "
            "most often under one half (median 0.31, 90% within 0.05-0.70)",
        ),
        "alpha": Param(
            Prior("LogNormal", mu=np.log(0.3), sigma=0.6),
            "exponents reported across domains span 0.05-0.8 (Hestness 2017, Henighan 2020)",
        ),
    },
    derived=paper_parameters,
)
