"""Task scaling law with PassUntil: the pass rate of a task as an exponential of a power of size.

    PU(N) = exp(-c N^-alpha),    i.e.   log(-log PU) = log c - alpha log N

Hu et al. (2024), "Predicting Emergent Abilities with Infinite Resolution Evaluation" (first
titled "Unlock Predictable Scaling from Emergent Abilities"), arXiv:2310.03262 (ICLR 2024), Eq. (3):
measured with PassUntil (sample until the first correct answer, which resolves pass rates far
below 1/number of attempts), a task's pass rate across model sizes is a straight line in
log(-log PU) against log N. Tasks that look emergent under greedy accuracy (zero, then a jump)
follow this law from the smallest models on.

N is measured in units of the power of ten nearest the geometric mean of the model sizes
(``scale=None``), so exp(-c) is the pass rate of a model of that size and alpha the slope of
-log PU per e-fold of N. PU lies in (0, 1) for every c > 0, as the logit-scale likelihood needs;
pass rates of 1e-5 and less, common for small models, are fitted as easily as large ones.
"""

import numpy as np

from bayescale.law import Input, Law, Output, Param
from bayescale.priors import Prior


def mean(params, c, alpha):
    import pytensor.tensor as pt  # here, not at the top: listing the catalog stays fast

    return pt.exp(-c * params**-alpha)


law = Law(
    mean,
    name="pass_until",
    formula="PU = exp(-c N^-alpha)",
    citation="Hu et al. (2024), Predicting Emergent Abilities with Infinite Resolution Evaluation, arXiv:2310.03262",
    inputs={"params": Input("N", "parameters", scale=None, description="model size")},
    output=Output("pass_rate", "PU", "probability of a correct answer per attempt", kind="probability"),
    params={
        "c": Param(
            Prior("LogNormal", mu=np.log(5.0), sigma=1.0),
            "-log of the pass rate at the runs' central size: PassUntil measures rates from 1e-5 to near 1, "
            "so -log PU from about 0.1 to 12; 1-26 at 90%",
        ),
        "alpha": Param(
            Prior("LogNormal", mu=np.log(0.5), sigma=0.6),
            "slope of -log PU per e-fold of model size: emergent-looking tasks climb from near 0 to large pass "
            "rates over about two decades of size; 0.19-1.3 at 90%",
        ),
    },
)
