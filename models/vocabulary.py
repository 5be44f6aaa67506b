"""Vocabulary law: unigram-normalized loss from non-vocabulary parameters, vocabulary
parameters and training tokens.

    L_u(N_nv, N_v, D) = -E + A_1 / N_nv^alpha_1 + A_2 / N_v^alpha_2 + B / D^beta

Tao et al. (2024), "Scaling Laws with Vocabulary: Larger Models Deserve Larger
Vocabularies", arXiv:2407.13623, their approach 3 (parametric fit of the loss). N_v = V d
is the embedding matrix (vocabulary size V times width d), N_nv the other parameters, and D
the training tokens. L_u is the loss minus the loss of the tokenizer's unigram model, which
makes losses of different vocabularies comparable; it is usually negative (about -1 to -4
nats in their runs), hence -E and an output of kind "real" (noise on the natural scale).

Their code (repository sail-sg/scaling-with-vocab, ``approach3_isoloss.py`` and
``optimal_Nv_predict.py``) measures N_nv and N_v in millions and D in billions, and fits
A_1 = 1.831, A_2 = 0.196, B = 2.124, E = 5.533, alpha_2 = 0.671, with alpha_1 = beta = 0.447
tied. The same units are the reference scales here, so those numbers carry over and every
coefficient is O(1); alpha_1 and beta are left free (tie them with ``tied={"beta":
"alpha_1"}`` to reproduce the paper's fit). The paper budgets data in training characters H
and converts to tokens with a fitted tokens-per-character ratio of V; users have tokens, so
D is the input. (The repository's conversion is evaluated with V in thousands, so its D is
closer to characters than to tokens: compare B and beta with the paper's only loosely.)
"""

import numpy as np

from bayescale.law import Input, Law, Output, Param
from bayescale.priors import Prior


def mean(non_vocab_params, vocab_params, tokens, E, A_1, alpha_1, A_2, alpha_2, B, beta):
    return -E + A_1 / non_vocab_params**alpha_1 + A_2 / vocab_params**alpha_2 + B / tokens**beta


law = Law(
    mean,
    name="vocabulary",
    formula="L_u = -E + A_1 / N_nv^alpha_1 + A_2 / N_v^alpha_2 + B / D^beta",
    citation="Tao et al. (2024), Scaling Laws with Vocabulary: Larger Models Deserve Larger Vocabularies, "
    "arXiv:2407.13623",
    inputs={
        "non_vocab_params": Input("N_nv", "parameters", scale=1e6, description="non-vocabulary parameters"),
        "vocab_params": Input("N_v", "parameters", scale=1e6, description="vocabulary parameters V d"),
        "tokens": Input("D", "tokens", scale=1e9, description="training tokens"),
    },
    output=Output("loss_u", "L_u", "nats/token, unigram-normalized", kind="real"),
    params={
        "E": Param(
            Prior("LogNormal", mu=np.log(5.5), sigma=0.3),
            "the normalized loss approaches -E at infinite scale: Tao's fit gives 5.53; x/1.35 either way",
        ),
        "A_1": Param(
            Prior("LogNormal", mu=np.log(1.8), sigma=1.0),
            "term of 1M non-vocabulary parameters: Tao's fit 1.83 (0.05-0.4 nats at 33M-3B parameters)",
        ),
        "alpha_1": Param(
            Prior("LogNormal", mu=np.log(0.45), sigma=0.4),
            "size exponent: Tao's fit 0.447, Chinchilla-type fits 0.28-0.5",
        ),
        "A_2": Param(
            Prior("LogNormal", mu=np.log(0.2), sigma=1.0),
            "term of 1M vocabulary parameters: Tao's fit 0.196, a smaller effect than model size",
        ),
        "alpha_2": Param(
            Prior("LogNormal", mu=np.log(0.67), sigma=0.4),
            "vocabulary exponent: Tao's fit 0.671, steeper than the size exponent",
        ),
        "B": Param(
            Prior("LogNormal", mu=np.log(2.1), sigma=1.0),
            "term of 1B training tokens: Tao's fit 2.12 (0.2-2.5 nats at 1-200B tokens)",
        ),
        "beta": Param(
            Prior("LogNormal", mu=np.log(0.45), sigma=0.4),
            "data exponent: Tao's fit 0.447 (tied to alpha_1), Chinchilla-type fits 0.28-0.5",
        ),
    },
    noise=Param(
        Prior("HalfNormal", sigma=0.05),
        "final losses of repeated runs scatter by a few hundredths of a nat; L_u is a loss difference",
    ),
)
