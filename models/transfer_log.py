"""Translation quality after pre-training and fine-tuning: a log law in the pre-training data.

    f(D_p) = (log(A D_p^alpha))^beta

Isik et al. (2024), "Scaling Laws for Downstream Task Performance in Machine Translation" (first
titled "... of Large Language Models"), arXiv:2402.04177 (ICLR 2025). A model pre-trained on D_p
tokens and then fine-tuned on a translation task reaches a BLEU (or COMET) score f(D_p); the paper
fits this log law for each fine-tuning set size (its Fig. 9 caption gives the form). It holds when
pre-training and translation data are well aligned; with moderate misalignment the scores can
fluctuate or fall with more pre-training, and no monotone law fits. The downstream cross-entropy
of the same models follows L(D_p) = E + A / D_p^alpha, the ``power_law`` law of this catalog.

D_p is measured in units of 1e8 tokens, and the law is written

    f = (c + alpha ln(D_p / 1e8))^beta,       c = ln(A 1e8^alpha),

so exp(c) is A D_p^alpha at 1e8 tokens and c^beta the score there; the paper's A is reported as
``A_raw``. The logarithm is natural (another base only rescales c and alpha together). Below the
size where c + alpha ln(D_p / 1e8) reaches 0 the law has no meaning; the mean is held at 0 there.
Fit one fine-tuning set size at a time, as the paper does; with grouped parameters the sizes can
share alpha: ``groups="finetune_size", varying=["c", "beta"]``.
"""

import numpy as np

from bayescale.law import Input, Law, Output, Param
from bayescale.priors import Prior

D_REF = 1e8


def mean(pretrain_tokens, c, alpha, beta):
    import pytensor.tensor as pt  # here, not at the top: listing the catalog stays fast

    return pt.maximum(c + alpha * pt.log(pretrain_tokens), 1e-9) ** beta


def paper_scale(c, alpha, beta):
    return {"A_raw": np.exp(c) / D_REF**alpha}


law = Law(
    mean,
    name="transfer_log",
    formula="f = (log(A D_p^alpha))^beta",
    citation="Isik et al. (2024), Scaling Laws for Downstream Task Performance in Machine Translation, "
    "arXiv:2402.04177",
    inputs={
        "pretrain_tokens": Input("D_p", "tokens", scale=D_REF, description="pre-training data size"),
    },
    output=Output("score", "f", "BLEU or COMET points", kind="positive"),
    params={
        "c": Param(
            Prior("LogNormal", mu=np.log(4.0), sigma=0.5),
            "log of A D_p^alpha at 1e8 tokens: scores of 10-40 BLEU with beta near 2 put it at 3-6; 1.8-9 at 90%",
        ),
        "alpha": Param(
            Prior("LogNormal", mu=np.log(0.1), sigma=0.8),
            "growth of the log term per e-fold of pre-training data: BLEU rises by a few points over the "
            "paper's two decades of D_p; 0.03-0.37 at 90%",
        ),
        "beta": Param(
            Prior("LogNormal", mu=np.log(2.0), sigma=0.4),
            "curvature of the score in the log term: near 2 for scores of tens of BLEU points; 1-3.9 at 90%",
        ),
    },
    derived=paper_scale,
)
