"""RL post-training law: test error falls as a power of compute with a size-dependent exponent.

    log10 L(N, C) = -k(N) log10 C + E0(N)
    k(N) = k_max N / (N + N_0),      E0(N) = E0_max N / (N + N_1)

Tan et al. (2025), "Scaling Behaviors of LLM Reinforcement Learning Post-Training: An Empirical
Study in Mathematical Reasoning", arXiv:2509.25300, with the authors' fitting code
(github.com/tanzelin430/Mathematical-Reasoning-RL-Scaling-Law, ``analysis/src/fit/models``). L is
the test loss 1 - pass@1 on held-out math problems during GRPO training of Qwen2.5 models (0.5B to
72B); C is training compute (the same law holds with data, samples seen, in its place). For each
model size log L is linear in log C; the slope k(N), the learning efficiency, grows with N but
saturates at k_max: models past N_0 gain less and less.

Which form: the paper states log L = -k(N) log C + E(N) with k(N) = k_max / (1 + N_0 / N) and
fits E(N) as one free intercept per model size (``loglinear_kn``). A law needs E(N) as a function,
so this file uses the authors' closed form for it (``loglinear_kn_e0``), E0(N) = E0_max N / (N + N_1),
which has the same saturating shape. To fit the paper's free intercepts, use grouped parameters:
``groups="params", varying=["E0_max"]`` gives each model size its own level. The lead form
L = (C_0 N^r / C)^k(N) is the authors' ``powlawmul`` alternative, not the one the paper reports.

C is measured in units of the power of ten nearest the geometric mean of the runs (``scale=None``),
so E0(N) is log10 of the error at the runs' central compute (negative: errors below 1); N is in
units of 1e9 parameters, so N_0 and N_1 are in billions. The output is an error rate fitted on the
log scale, as the paper fits log L.
"""

import numpy as np

from bayescale.law import Input, Law, Output, Param
from bayescale.priors import Prior

N_REF = 1e9


def mean(params, compute, k_max, N_0, E0_max, N_1):
    import pytensor.tensor as pt  # here, not at the top: listing the catalog stays fast

    k = k_max * params / (params + N_0)
    E0 = E0_max * params / (params + N_1)
    return 10.0 ** (E0 - k * pt.log10(compute))


law = Law(
    mean,
    name="rl_posttraining",
    formula="log10 L = -k(N) log10 C + E0(N),  k(N) = k_max N / (N + N_0),  E0(N) = E0_max N / (N + N_1)",
    citation="Tan et al. (2025), Scaling Behaviors of LLM Reinforcement Learning Post-Training: An Empirical "
    "Study in Mathematical Reasoning, arXiv:2509.25300",
    inputs={
        "params": Input("N", "parameters", scale=N_REF, description="model size"),
        "compute": Input("C", "FLOPs", scale=None, description="RL training compute (or samples seen)"),
    },
    output=Output("error", "L", "1 - pass@1 on held-out problems", kind="positive"),
    params={
        "k_max": Param(
            Prior("LogNormal", mu=np.log(0.15), sigma=0.7),
            "largest slope of log10 error in log10 compute: 0.15 halves the error every two decades of compute, "
            "the scale of RL gains on held-out math; 0.05-0.47 at 90%",
        ),
        "N_0": Param(
            Prior("LogNormal", mu=np.log(7.0), sigma=1.2),
            "size (billions) at which the slope reaches half its maximum: saturation shows past 32B in Tan et "
            "al., so a few to tens of billions; 1-50 at 90%",
        ),
        "E0_max": Param(
            Prior("Normal", mu=-0.5, sigma=0.4),
            "log10 error of a very large model at the runs' central compute: errors of 0.1-0.6 on held-out math "
            "put it near -0.5; -1.2 to 0.16 at 90%",
        ),
        "N_1": Param(
            Prior("LogNormal", mu=np.log(3.0), sigma=1.2),
            "size (billions) at which the level is half of E0_max: small Qwen2.5 models (0.5B-1.5B) start far "
            "worse than 7B ones; 0.4-22 at 90%",
        ),
    },
)
