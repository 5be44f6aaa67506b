"""Repeated-sampling coverage: the fraction of problems solved by any of k samples.

    coverage(k) = exp(a k^b),      a < 0, b < 0

Brown et al. (2024), "Large Language Monkeys: Scaling Inference Compute with Repeated
Sampling", arXiv:2407.21787, Sec. 3: across coding, math and proof tasks, coverage grows with
the number of samples k over four orders of magnitude as an exponentiated power law, i.e.
-log coverage is a power law in k. Schaeffer et al. (2025), "How Do Large Language Monkeys Get
Their Power (Laws)?", arXiv:2502.17578, derive it from a heavy left tail of per-problem
single-sample success rates.

Written with positive parameters, c = -a and beta = -b, so the priors keep a < 0 and b < 0:

    coverage(k) = exp(-c k^-beta)

k is the raw number of samples (scale 1), so exp(-c) is the coverage of one sample (pass@1)
and c = -log pass@1; beta is the rate at which -log coverage falls per e-fold of samples.
Coverage lies in (0, 1) for every c > 0, as the logit-scale likelihood needs. The paper's a
and b are reported as derived quantities.
"""

import numpy as np

from bayescale.law import Input, Law, Output, Param
from bayescale.priors import Prior


def mean(samples, c, beta):
    import pytensor.tensor as pt  # here, not at the top: listing the catalog stays fast

    return pt.exp(-c * samples**-beta)


def paper_scale(c, beta):
    return {"a": -c, "b": -beta}


law = Law(
    mean,
    name="coverage",
    formula="coverage = exp(a k^b)",
    citation="Brown et al. (2024), Large Language Monkeys: Scaling Inference Compute with Repeated Sampling, "
    "arXiv:2407.21787",
    inputs={"samples": Input("k", "samples per problem", scale=1.0, description="number of attempts")},
    output=Output("coverage", "cov", "fraction of problems solved by any sample", kind="probability"),
    params={
        "c": Param(
            Prior("LogNormal", mu=np.log(1.0), sigma=1.0),
            "-log pass@1: single-sample success runs from a few percent (hard proofs, SWE-bench) to 80% "
            "(GSM8K); 0.2-5 at 90%, e.g. 1.84 for DeepSeek-Coder's 15.9% on SWE-bench Lite (Brown 2024)",
        ),
        "beta": Param(
            Prior("LogNormal", mu=np.log(0.3), sigma=0.6),
            "slope of -log coverage in log k: about 0.2 on SWE-bench Lite (15.9% at 1 to 56% at 250 "
            "samples, Brown 2024); 0.11-0.8 at 90%",
        ),
    },
    derived=paper_scale,
)
