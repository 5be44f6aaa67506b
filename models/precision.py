"""Precision-aware Chinchilla law: training in low precision shrinks the effective parameter count.

    L(N, D, P_w, P_a, P_kv) = A N_eff^-alpha + B D^-beta + E
    N_eff = N (1 - e^(-P_w / gamma_w)) (1 - e^(-P_a / gamma_a)) (1 - e^(-P_kv / gamma_kv))

Kumar et al. (2024), "Scaling Laws for Precision", arXiv:2411.04330, Finding 2 and
Eq. (4): quantizing weights, activations and the KV cache during training to P_w, P_a, P_kv bits
acts like removing parameters, each tensor by an independent factor; gamma_x is the bit count over
which tensor x's factor saturates (larger gamma_x: bits matter longer). At 16 bits every factor
is close to 1 and the law is Chinchilla's; Eq. (3) is the weights-only case (pass
``fixed={"gamma_a": 1e-3, "gamma_kv": 1e-3}``, which makes their factors exactly 1, to fit it).

Which form: the paper also fits the loss added by post-training quantization, delta_PTQ(N_eff, D,
P_train, P_post) = C_T e^(-P_post/gamma_post) (D^gamma_D / N_eff^gamma_N) prod_x (1 - e^(-C_x (P_x -
P_post))), Eq. (9), added to this law for models quantized after training. That term needs runs
evaluated at several post-training precisions and adds six parameters; this law is the
pre-training part, which its Section 4 fits on its own (runs of 30M-220M parameters on 1.5B-26B
tokens, each tensor swept over 3-12 bits) and which decides compute-optimal training precision
(7-8 bits by their fits). The paper's fitted constants (its Appendix K) were not read here.

N is measured in units of 1e9 parameters and D in units of 1e11 tokens, as in ``chinchilla``, so A
is the loss added by finite size at 1B effective parameters and B the loss added by finite data at
100B tokens; A_raw = A 1e9^alpha and B_raw = B 1e11^beta are reported. Bits are raw counts (scale 1).
"""

import numpy as np

from bayescale.law import Input, Law, Output, Param
from bayescale.models.chinchilla import law as CHINCHILLA
from bayescale.priors import Prior

N_REF = 1e9
D_REF = 1e11


def precision_factor(bits, gamma):
    """1 - e^(-P / gamma): the fraction of parameters a tensor kept in P bits leaves effective."""
    import pytensor.tensor as pt  # here, not at the top: listing the catalog stays fast

    return -pt.expm1(-bits / gamma)


def mean(params, tokens, bits_w, bits_a, bits_kv, E, A, alpha, B, beta, gamma_w, gamma_a, gamma_kv):
    effective = (
        params
        * precision_factor(bits_w, gamma_w)
        * precision_factor(bits_a, gamma_a)
        * precision_factor(bits_kv, gamma_kv)
    )
    return E + A * effective**-alpha + B * tokens**-beta


def raw_coefficients(E, A, alpha, B, beta, gamma_w, gamma_a, gamma_kv):
    return {"A_raw": A * N_REF**alpha, "B_raw": B * D_REF**beta}


def _sensitivity(tensor: str) -> Param:
    return Param(
        Prior("LogNormal", mu=np.log(2.5), sigma=0.5),
        f"bits over which the {tensor} factor saturates: Kumar et al. see gains from weight bits saturate around "
        "6-7 bits (sweeps of 3-12 bits), so gamma is a few bits; 1.1-5.7 at 90%",
    )


law = Law(
    mean,
    name="precision",
    formula="L = A N_eff^-alpha + B D^-beta + E,  N_eff = N prod_x (1 - e^(-P_x / gamma_x)),  x in {w, a, kv}",
    citation="Kumar et al. (2024), Scaling Laws for Precision, arXiv:2411.04330",
    inputs={
        "params": Input("N", "parameters", scale=N_REF, description="model size"),
        "tokens": Input("D", "tokens", scale=D_REF, description="training tokens"),
        "bits_w": Input("P_w", "bits", scale=1.0, description="training precision of the weights"),
        "bits_a": Input("P_a", "bits", scale=1.0, description="training precision of the activations"),
        "bits_kv": Input("P_kv", "bits", scale=1.0, description="training precision of the KV cache"),
    },
    output=Output("loss", "L", "nats/token", kind="positive"),
    params={
        "E": Param(
            Prior("LogNormal", mu=np.log(1.8), sigma=0.5),
            "irreducible loss of web text is 1.7-1.9 nats (Hoffmann 1.69, Epoch 1.82); x/1.65 either way covers "
            "other corpora (Kumar et al. train on Dolma)",
        ),
        "A": Param(
            Prior("LogNormal", mu=np.log(0.3), sigma=1.0),
            "loss from finite size at 1B effective parameters is tenths of a nat (Epoch 0.35, Hoffmann 0.36)",
        ),
        "alpha": CHINCHILLA.params["alpha"],
        "B": CHINCHILLA.params["B"],
        "beta": CHINCHILLA.params["beta"],
        "gamma_w": _sensitivity("weights'"),
        "gamma_a": _sensitivity("activations'"),
        "gamma_kv": _sensitivity("KV cache's"),
    },
    derived=raw_coefficients,
)
