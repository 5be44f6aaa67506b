"""Reward over-optimization: the gold reward rises, then falls, as a policy moves from its start.

    R_RL(d) = d (alpha - beta log d)         (RL, and direct alignment algorithms)
    R_bon(d) = d (alpha - beta d)            (best-of-n sampling)
    d = sqrt(KL(pi || pi_init))

Gao, Schulman and Hilton (2023), "Scaling Laws for Reward Model Overoptimization",
arXiv:2210.10760 (ICML 2023): optimizing a policy against a proxy reward model raises the score of
the gold reward model at first and lowers it past a peak; the gold reward gained, as a function of
the square root of the KL divergence d from the initial policy, takes the RL or the best-of-n form
above, with coefficients that scale smoothly with the proxy reward model's size. Rafailov et al.
(2024), "Scaling Laws for Reward Model Overoptimization in Direct Alignment Algorithms",
arXiv:2406.02900, find the same rise and fall against KL for DPO, IPO and SLiC (which form they
fit was not read here).

The catalog law ``reward_overoptimization`` is the RL form, the one for trained policies;
``make_law("best_of_n")`` builds the best-of-n form (a law file with ``law =
make_law("best_of_n")`` makes it usable by name or path). The input is the KL divergence in nats
(scale 1); d = sqrt(KL) is taken inside. R is the gold reward gained over the initial policy,
R(0) = 0, a real number (noise on the natural scale). log is natural; another base rescales beta
only. The RL form peaks at d* = exp(alpha / beta - 1), the best-of-n form at d* = alpha / (2 beta);
both are reported as ``d_peak`` with the KL there, ``kl_peak``.
"""

import numpy as np

from bayescale.law import Input, Law, Output, Param
from bayescale.priors import Prior

CITATION = "Gao, Schulman and Hilton (2023), Scaling Laws for Reward Model Overoptimization, arXiv:2210.10760"


def rl_mean(kl, alpha, beta):
    import pytensor.tensor as pt  # here, not at the top: listing the catalog stays fast

    d = pt.sqrt(kl)
    return d * (alpha - beta * pt.log(d))


def best_of_n_mean(kl, alpha, beta):
    import pytensor.tensor as pt  # here, not at the top: listing the catalog stays fast

    d = pt.sqrt(kl)
    return d * (alpha - beta * d)


def rl_peak(alpha, beta):
    d = np.exp(alpha / beta - 1)
    return {"d_peak": d, "kl_peak": d**2}


def best_of_n_peak(alpha, beta):
    d = alpha / (2 * beta)
    return {"d_peak": d, "kl_peak": d**2}


FORMS = {
    "rl": (rl_mean, rl_peak, "R = d (alpha - beta log d),  d = sqrt(KL)", np.log(0.15)),
    "best_of_n": (best_of_n_mean, best_of_n_peak, "R = d (alpha - beta d),  d = sqrt(KL)", np.log(0.1)),
}


def make_law(method: str = "rl") -> Law:
    """The gold-reward law for ``method``: ``"rl"`` (also direct alignment) or ``"best_of_n"``."""
    if method not in FORMS:
        raise ValueError(f"method must be one of {sorted(FORMS)}, got {method!r}")
    mean, peak, formula, beta_mu = FORMS[method]
    return Law(
        mean,
        name="reward_overoptimization" if method == "rl" else f"reward_overoptimization_{method}",
        formula=formula,
        citation=CITATION,
        inputs={"kl": Input("KL", "nats", scale=1.0, description="KL divergence from the initial policy")},
        output=Output("gold_reward", "R", "gold reward-model score gained over the initial policy", kind="real"),
        params={
            "alpha": Param(
                Prior("LogNormal", mu=np.log(0.5), sigma=0.8),
                "initial gain of gold reward per unit of sqrt(KL): reward-model scores are of order one and "
                "policies travel a few units of d before the peak; 0.13-1.9 at 90%",
            ),
            "beta": Param(
                Prior("LogNormal", mu=beta_mu, sigma=0.9),
                "over-optimization strength: it shrinks as the proxy reward model grows (Gao et al.) and sets "
                "where the gold reward peaks; a factor of 4.4 either way at 90%",
            ),
        },
        derived=peak,
    )


law = make_law("rl")
