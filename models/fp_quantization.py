"""Floating-point quantization training law ("Capybara"): Chinchilla plus a precision penalty.

    L(N, D, E, M, B) = n / N^alpha + d / D^beta + epsilon
                       + (D^beta / N^alpha) log2(B) / (gamma (E + 0.5)^delta (M + 0.5)^nu)

Sun et al. (2025), "Scaling Laws for Floating-Point Quantization Training", arXiv:2501.02423 (ICML
2025). Training in a floating-point format with E exponent bits and M mantissa bits, with one
scaling factor per block of B elements, adds a loss that grows with data (D^beta: overtrained
models suffer more) and with block size, shrinks with model size, exponent bits and mantissa bits.
The penalty shares alpha and beta with the Chinchilla terms; as D grows it eventually outweighs
the data term, so there is a critical data size D_crit = (d gamma N^alpha (E + 0.5)^delta
(M + 0.5)^nu / log2 B)^(1 / (2 beta)) beyond which more tokens raise the loss.

Source of the form: the equation was read from a secondary write-up that quotes the paper's
unified law and its D_crit; the write-up prints the penalty's numerator as "log2 B^gamma", and the
D_crit it quotes (with d gamma) fixes gamma as a divisor, as written here. The paper's own text of
the law and its fitted constants could not be read here; check the form against the paper's
unified law before relying on gamma, delta or nu.

N is measured in units of 1e9 parameters and D in units of 1e11 tokens, so n and d are the
Chinchilla terms at 1B parameters and 100B tokens and gamma the penalty's divisor at those sizes;
the paper's raw-scale n, d and gamma are reported (``n_raw``, ``d_raw``, ``gamma_raw``). E, M and
B are raw counts; B = 1 (a scale per element) gives no penalty.
"""

import numpy as np

from bayescale.law import Input, Law, Output, Param
from bayescale.priors import Prior

N_REF = 1e9
D_REF = 1e11


def mean(params, tokens, exponent_bits, mantissa_bits, block_size, n, alpha, d, beta, epsilon, gamma, delta, nu):
    import pytensor.tensor as pt  # here, not at the top: listing the catalog stays fast

    chinchilla = n / params**alpha + d / tokens**beta + epsilon
    formats = gamma * (exponent_bits + 0.5) ** delta * (mantissa_bits + 0.5) ** nu
    return chinchilla + tokens**beta / params**alpha * pt.log2(block_size) / formats


def raw_coefficients(n, alpha, d, beta, epsilon, gamma, delta, nu):
    return {
        "n_raw": n * N_REF**alpha,
        "d_raw": d * D_REF**beta,
        "gamma_raw": gamma * N_REF**alpha / D_REF**beta,
    }


law = Law(
    mean,
    name="fp_quantization",
    formula="L = n/N^alpha + d/D^beta + epsilon + (D^beta/N^alpha) log2(B) / (gamma (E+0.5)^delta (M+0.5)^nu)",
    citation="Sun et al. (2025), Scaling Laws for Floating-Point Quantization Training, arXiv:2501.02423",
    inputs={
        "params": Input("N", "parameters", scale=N_REF, description="model size"),
        "tokens": Input("D", "tokens", scale=D_REF, description="training tokens"),
        "exponent_bits": Input("E", "bits", scale=1.0, description="exponent bits of the training format"),
        "mantissa_bits": Input("M", "bits", scale=1.0, description="mantissa bits of the training format"),
        "block_size": Input("B", "elements", scale=1.0, description="elements sharing one scaling factor"),
    },
    output=Output("loss", "L", "nats/token", kind="positive"),
    params={
        "n": Param(
            Prior("LogNormal", mu=np.log(0.3), sigma=1.0),
            "loss from finite size at 1B parameters is tenths of a nat in Chinchilla-type fits (Epoch 0.35, "
            "Hoffmann 0.36)",
        ),
        "alpha": Param(
            Prior("LogNormal", mu=np.log(0.3), sigma=0.6),
            "published size exponents span 0.07-0.5 (Kaplan 0.076, Hoffmann 0.34, Epoch 0.35)",
        ),
        "d": Param(
            Prior("LogNormal", mu=np.log(0.3), sigma=1.0),
            "loss from finite data at 100B tokens is tenths of a nat (Epoch 0.20, Hoffmann 0.30)",
        ),
        "beta": Param(
            Prior("LogNormal", mu=np.log(0.3), sigma=0.6),
            "published data exponents span 0.1-0.5 (Kaplan 0.095, Hoffmann 0.28, Epoch 0.37)",
        ),
        "epsilon": Param(
            Prior("LogNormal", mu=np.log(1.8), sigma=0.5),
            "irreducible loss of web text is 1.7-1.9 nats (Hoffmann 1.69, Epoch 1.82); x/1.65 either way covers "
            "other corpora",
        ),
        "gamma": Param(
            Prior("LogNormal", mu=np.log(10.0), sigma=1.2),
            "divisor of the penalty at 1B parameters and 100B tokens: 10 makes E4M3 with blocks of 128 cost 0.004 "
            "nats and E2M1 0.05, FP8 training nearly lossless and FP4 not; 1.4-72 at 90%",
        ),
        "delta": Param(
            Prior("LogNormal", mu=np.log(2.0), sigma=0.5),
            "how fast exponent bits shrink the penalty; Sun et al. find exponent bits worth slightly more than "
            "mantissa bits, both with powers of a few; 0.9-4.6 at 90%",
        ),
        "nu": Param(
            Prior("LogNormal", mu=np.log(2.0), sigma=0.5),
            "how fast mantissa bits shrink the penalty, of the same order as delta; 0.9-4.6 at 90%",
        ),
    },
    derived=raw_coefficients,
)
