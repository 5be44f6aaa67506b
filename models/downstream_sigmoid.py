"""Benchmark accuracy from compute: a sigmoid in log-compute between chance and a ceiling.

    acc(C) = chance + (ceiling - chance) sigmoid(s (log10 C - c_0))

Ruan, Maddison and Hashimoto (2024), "Observational Scaling Laws and the Predictability of
Language Model Performance", arXiv:2405.10938: benchmark accuracy is a sigmoid of a linear
function of capability measures, and their compute-based baseline uses log-compute as the
only measure; the same sigmoid in log-compute is fitted to BIG-Bench by Owen (2024), "How
predictable is language model benchmark performance?", arXiv:2401.04757. This is the
one-measure form with the floor and ceiling written out: small models score at chance, large
ones approach a ceiling below 1 (label noise, ambiguous items), and the rise between them is
symmetric in log-compute.

Compute can be anything from 1e18 to 1e26 FLOPs, so its reference scale is left to the engine
(the power of ten nearest the geometric mean of the runs, recorded in the fit). log10 C is
measured from that reference: c_0 is the midpoint of the rise in decades of compute from the
runs' centre and s the slope in logits per decade. The accuracy is a weighted average of chance
and ceiling, so it stays inside (0, 1) for every parameter draw, as the logit-scale likelihood
needs.

chance is a parameter with a tight prior at 0.25 (four-way multiple choice); when the chance
level is known, fix it: ``fixed={"chance": 0.25}`` (or 0.5 for binary tasks, 0 for generative
ones scored by exact match).
"""

import numpy as np

from bayescale.law import Input, Law, Output, Param
from bayescale.priors import Prior


def mean(flops, chance, ceiling, s, c_0):
    import pytensor.tensor as pt  # here, not at the top: listing the catalog stays fast

    return chance + (ceiling - chance) * pt.sigmoid(s * (pt.log10(flops) - c_0))


law = Law(
    mean,
    name="downstream_sigmoid",
    formula="acc = chance + (ceiling - chance) sigmoid(s (log10 C - c_0))",
    citation="Ruan et al. (2024), Observational Scaling Laws and the Predictability of Language Model "
    "Performance, arXiv:2405.10938",
    inputs={"flops": Input("C", "FLOPs", scale=None, description="training compute")},
    output=Output("accuracy", "acc", "fraction of benchmark items right", kind="probability"),
    params={
        "chance": Param(
            Prior("Beta", alpha=20.0, beta=60.0),
            "four-way multiple choice (MMLU, ARC, HellaSwag) is at 0.25; 0.17-0.33 at 90%; fix it when known",
        ),
        "ceiling": Param(
            Prior("Beta", alpha=8.0, beta=2.0),
            "frontier models saturate below 1 (label errors, ambiguous items): 0.55-0.97 at 90%",
        ),
        "s": Param(
            Prior("LogNormal", mu=np.log(1.5), sigma=0.6),
            "benchmarks rise from chance to near their ceiling over 2-4 decades of compute "
            "(Owen 2024, Ruan 2024): 1-3 logits per decade",
        ),
        "c_0": Param(
            Prior("Normal", mu=0.0, sigma=1.5),
            "midpoint of the rise, in decades from the runs' centre: runs are usually placed around it",
        ),
    },
)
