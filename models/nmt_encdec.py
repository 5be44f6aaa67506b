"""Encoder-decoder translation law: cross-entropy from encoder and decoder sizes separately.

    L(N_e, N_d) = alpha (N_e_bar / N_e)^p_e (N_d_bar / N_d)^p_d + L_inf

Ghorbani et al. (2021), "Scaling Laws for Neural Machine Translation", arXiv:2109.07740 (ICLR
2022), Eq. (2): the test cross-entropy of an encoder-decoder Transformer is a product of power
laws in the encoder and decoder parameter counts plus an irreducible loss; the total parameter
count alone does not predict it, because the encoder and decoder exponents differ. N_e_bar and
N_d_bar are the encoder and decoder sizes of a reference model, fixed constants rather than
parameters, so alpha is the reducible loss of that reference.

Source of the form: the paper's own text of Eq. (2) could not be read here. Its abstract and the
caption of its Fig. 2 (Eq. (2) fitted jointly to encoder-scaling and decoder-scaling runs, capturing
more than 99% of the variation) were; the product of two power laws plus L_inf written here is the
form as quoted by later work. Check it against the paper before relying on the exponents.

Here the reference sizes are the inputs' reference scales: the power of ten nearest the geometric
mean of the runs' encoder and decoder sizes (``scale=None``); pass ``scales={"encoder_params": ...,
"decoder_params": ...}`` to use the paper's reference model instead. Fitted jointly to encoder-
scaling and decoder-scaling runs, as in the paper.

Grouping: Fernandes et al. (2023), "Scaling Laws for Multilingual Neural Machine Translation",
arXiv:2302.09650, find that the language-pair weighting of a multilingual model changes only the
multiplicative factor of the law while all pairs share one scaling exponent. With grouped
parameters, fit the pairs of one multilingual model together with ``groups="language_pair",
varying=["alpha", "L_inf"]``, sharing p_e and p_d.
"""

import numpy as np

from bayescale.law import Input, Law, Output, Param
from bayescale.priors import Prior


def mean(encoder_params, decoder_params, alpha, p_e, p_d, L_inf):
    return alpha * encoder_params**-p_e * decoder_params**-p_d + L_inf


law = Law(
    mean,
    name="nmt_encdec",
    formula="L = alpha (N_e_bar/N_e)^p_e (N_d_bar/N_d)^p_d + L_inf",
    citation="Ghorbani et al. (2021), Scaling Laws for Neural Machine Translation, arXiv:2109.07740",
    inputs={
        "encoder_params": Input("N_e", "parameters", scale=None, description="encoder size"),
        "decoder_params": Input("N_d", "parameters", scale=None, description="decoder size"),
    },
    output=Output("loss", "L", "nats/token", kind="positive"),
    params={
        "alpha": Param(
            Prior("LogNormal", mu=np.log(0.5), sigma=0.8),
            "reducible loss of the reference encoder-decoder: translation cross-entropies of 1-3 nats with a "
            "floor below, so tenths of a nat; 0.13-1.9 at 90%",
        ),
        "p_e": Param(
            Prior("LogNormal", mu=np.log(0.25), sigma=0.6),
            "encoder exponent: model-size exponents of translation and language models are a few tenths; "
            "0.09-0.67 at 90%",
        ),
        "p_d": Param(
            Prior("LogNormal", mu=np.log(0.25), sigma=0.6),
            "decoder exponent, the same prior as the encoder's: Ghorbani et al. find the two differ, the data "
            "say which is larger; 0.09-0.67 at 90%",
        ),
        "L_inf": Param(
            Prior("LogNormal", mu=np.log(1.0), sigma=0.6),
            "irreducible translation cross-entropy: under 2 nats per token for sentence-piece vocabularies; "
            "0.37-2.7 at 90%",
        ),
    },
)
