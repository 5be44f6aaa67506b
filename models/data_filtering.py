"""Data filtering law: a data pool's utility decays with repetition, halving every tau epochs.

    y(n) = ((a n_1)^-b + d) prod_{k=1..K} (n_k / n_{k-1})^(-b 2^(-k / tau))

Goyal et al. (2024), "Scaling Laws for Data Filtering -- Data Curation cannot be Compute Agnostic",
arXiv:2404.07177 (CVPR 2024), as implemented in the authors' code (github.com/locuslab/
scaling_laws_data_filtering, ``objective.py``, ``func_effective_utility``). Training on a pool of P
samples (one epoch) and seeing n samples in all, the error y = 1 - accuracy falls as a power law
(a n)^-b + d during the first epoch; during epoch k + 1 (k repetitions) it keeps falling as a power
of the samples seen within it, with the exponent decayed to b 2^(-k / tau): the pool's utility
halves every tau repetitions. n_k = min(n, (k + 1) P) is the samples seen by the end of epoch k + 1
(n_0 = P), so the product runs over the epochs begun after the first, and the last factor uses the
part of its epoch already seen. As in that code the irreducible error d is inside the product.
Higher-quality pools (the top 10% by a filter) have larger b but smaller tau, so a filter that is
best for small budgets loses to a larger, less filtered pool once the budget repeats it often:
data curation cannot be compute agnostic.

n and P are measured in units of 1e5 samples, the normalizer of the authors' code, so a is their
a (0.02-0.04 in their fits with d = 0.1 fixed). The exponent is written b > 0 (the code's b is
negative, -b here, reported as ``b_paper``). The product is evaluated over at most
``MAX_EPOCHS`` = 128 repetitions; runs that repeat a pool more often are cut there.

Grouping: the paper fits each quality pool separately with one a shared by all pools (held fixed
after a joint search) and d fixed. With grouped parameters: ``groups="pool", varying=["b", "tau"]``,
sharing a and d. The paper also predicts mixtures of pools from the per-pool parameters
(``func_effective_utility_aggregation`` in the same code); this law is the single-pool form.
"""

import numpy as np

from bayescale.law import Input, Law, Output, Param
from bayescale.priors import Prior

MAX_EPOCHS = 128
REPETITIONS = np.arange(1, MAX_EPOCHS + 1, dtype=float)


def mean(samples, pool_size, a, b, tau, d):
    import pytensor.tensor as pt  # here, not at the top: listing the catalog stays fast

    first_epoch = (a * pt.minimum(samples, pool_size)) ** -b + d
    n = pt.shape_padright(samples)
    pool = pt.shape_padright(pool_size)
    # Samples seen in epoch k + 1 relative to the end of epoch k: 1 before it starts, (k + 1) / k once done.
    growth = pt.clip(n / (pool * REPETITIONS), 1.0, (REPETITIONS + 1) / REPETITIONS)
    exponents = -pt.shape_padright(b) * 2.0 ** (-REPETITIONS / pt.shape_padright(tau))
    return first_epoch * pt.exp(pt.sum(exponents * pt.log(growth), axis=-1))


def paper_sign(a, b, tau, d):
    return {"b_paper": -b}


law = Law(
    mean,
    name="data_filtering",
    formula="y = ((a n_1)^-b + d) prod_k (n_k / n_{k-1})^(-b 2^(-k/tau))",
    citation="Goyal et al. (2024), Scaling Laws for Data Filtering -- Data Curation cannot be Compute Agnostic, "
    "arXiv:2404.07177",
    inputs={
        "samples": Input("n", "samples", scale=1e5, description="samples seen in training, repeats included"),
        "pool_size": Input("P", "samples", scale=1e5, description="unique samples in the pool (one epoch)"),
    },
    output=Output("error", "y", "1 - accuracy", kind="positive"),
    params={
        "a": Param(
            Prior("LogNormal", mu=np.log(0.03), sigma=0.8),
            "utility scale per 1e5 samples: 0.021-0.035 in Goyal et al.'s fits (ImageNet and 18 tasks, two "
            "filters); 0.008-0.11 at 90%",
        ),
        "b": Param(
            Prior("LogNormal", mu=np.log(0.1), sigma=0.8),
            "utility of fresh samples, the error's power-law exponent: the authors search 0.005-0.5; 0.027-0.37 at 90%",
        ),
        "tau": Param(
            Prior("LogNormal", mu=np.log(4.0), sigma=0.6),
            "repetitions that halve a pool's utility: the authors' grid searches 1-10 (1-20 in their ablation); "
            "1.5-11 at 90%",
        ),
        "d": Param(
            Prior("LogNormal", mu=np.log(0.1), sigma=0.8),
            "error floor: the authors fix d = 0.1; 0.027-0.37 at 90%",
        ),
    },
    derived=paper_sign,
)
