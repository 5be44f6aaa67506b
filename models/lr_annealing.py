"""Learning-rate annealing law: the loss at every step of a run, from its learning-rate schedule.

    L(s) = L_0 + A S_1^-alpha - C S_2

    S_1 = sum_{i<=s} eta_i                      (forward area)
    S_2 = sum_{i<=s} m_i,  m_i = lambda m_{i-1} + (eta_{i-1} - eta_i)   (annealing area)

Tissue, Wang and Wang (2024), "Scaling Law with Learning Rate Annealing", arXiv:2408.11029.
The first term is a power law in the area under the learning-rate curve (how far training has
gone); the second is the extra drop the loss takes while the learning rate is annealed. m_i is a
momentum of the learning-rate decrease with decay factor lambda (the paper's typical value is
0.999), so the drop lags the schedule by about 1 / (1 - lambda) steps. Every point of every
loss curve is a run of this law; fitting one or two schedules predicts the others.

Units. ``schedule_areas`` below computes S_1 and S_2 at every step of a schedule. The law is
written for learning rates in units of their peak (pass ``lr / lr.max()``): S_1 then counts
steps at the peak learning rate and, for a schedule that only decreases, S_2 is at most
(eta_max - eta_min) / (1 - lambda) = 1000 for lambda = 0.999. The unit does not change the law:
multiplying every eta by a constant c (e.g. using raw learning rates instead) multiplies S_1 and
S_2 by c, which only rescales A (by c^-alpha) and C (by 1/c); L_0 and alpha are the same.

Reference scales: S_1 is measured in units of the power of ten nearest the data (the engine's
choice, recorded in the fit), so A is the loss above L_0 at the centre of the curves; S_2 in
units of 1000 (= 1 / (1 - 0.999)), so S_2 runs from 0 (no annealing) to about 1 (a complete
anneal to zero, slower than 1000 steps) and C is the loss removed by such a complete anneal.
S_2 is zero before any annealing, so it is not log-scaled (``positive=False``).
"""

import numpy as np

from bayescale.law import Input, Law, Output, Param
from bayescale.priors import Prior

S2_REF = 1e3  # 1 / (1 - lambda) peak-learning-rate steps for the paper's lambda = 0.999


def schedule_areas(lr: np.ndarray, decay: float = 0.999) -> tuple[np.ndarray, np.ndarray]:
    """Forward area S_1 and annealing area S_2 after every step of a learning-rate schedule.

    Parameters
    ----------
    lr
        The learning rate eta_1, ..., eta_s used at each step, in one unit throughout (the law
        assumes units of the peak learning rate: pass ``lr / lr.max()``). Give the steps the
        areas should cover, e.g. ``lr[warmup:]`` to leave warmup out.
    decay
        lambda, the decay factor of the annealing momentum (the paper's 0.999).

    Returns
    -------
    S1, S2
        Arrays of the same length as ``lr``: S1[i] = sum_{j<=i} eta_j and S2[i] = sum_{j<=i} m_j,
        with m_j = lambda m_{j-1} + (eta_{j-1} - eta_j) and m_1 = 0 (eta_0 = eta_1, no decrease
        before the first step). A rising learning rate (warmup, re-warming) makes m_j negative.

    Examples
    --------
    >>> lr = np.r_[np.ones(1000), np.linspace(1, 0, 1001)[1:]]  # constant, then linear decay to 0
    >>> S1, S2 = schedule_areas(lr)
    >>> round(float(S1[-1]), 1), round(float(S2[999]), 6), round(float(S2[-1]))
    (1499.5, 0.0, 368)
    """
    from scipy.signal import lfilter  # here, not at the top: listing the catalog stays fast

    if not 0 <= decay < 1:
        raise ValueError(f"decay={decay} must be in [0, 1)")
    eta = np.asarray(lr, dtype=float)
    if eta.ndim != 1 or eta.size == 0:
        raise ValueError("lr must be a non-empty 1-D array of per-step learning rates")
    decrease = np.concatenate([[0.0], eta[:-1] - eta[1:]])  # eta_{i-1} - eta_i
    momentum = lfilter([1.0], [1.0, -decay], decrease)  # m_i = decay * m_{i-1} + decrease_i
    return np.cumsum(eta), np.cumsum(momentum)


def mean(S1, S2, L_0, A, alpha, C):
    return L_0 + A * S1**-alpha - C * S2


law = Law(
    mean,
    name="lr_annealing",
    formula="L = L_0 + A S_1^-alpha - C S_2",
    citation="Tissue et al. (2024), Scaling Law with Learning Rate Annealing, arXiv:2408.11029",
    inputs={
        "S1": Input(
            "S_1",
            "steps at peak learning rate",
            scale=None,
            description="forward area: sum of the learning rates so far (schedule_areas)",
        ),
        "S2": Input(
            "S_2",
            "steps at peak learning rate",
            scale=S2_REF,
            positive=False,
            description="annealing area: sum of the momentum of the learning-rate decrease (schedule_areas)",
        ),
    },
    output=Output("loss", "L", "nats/token", kind="positive"),
    params={
        "L_0": Param(
            Prior("LogNormal", mu=np.log(2.5), sigma=0.3),
            "loss of this model after unlimited training: above the 1.7-1.9 nat data floor of web text "
            "because the model is finite; 1.5-4 nats at 90% for the small models loss curves are fitted on",
        ),
        "A": Param(
            Prior("LogNormal", mu=np.log(0.5), sigma=0.8),
            "loss still to go at the centre of the curves: tenths of a nat to about one nat mid-training",
        ),
        "alpha": Param(
            Prior("LogNormal", mu=np.log(0.5), sigma=0.5),
            "exponent of one loss curve in its learning-rate area, the form Tissue 2024 and Luo 2025 "
            "(arXiv:2503.12811) fit; centred on one half, 0.2-1.1 at 90%, covering Chinchilla's 0.3-0.4",
        ),
        "C": Param(
            Prior("LogNormal", mu=np.log(0.2), sigma=0.6),
            "a complete anneal lowers the loss by about 0.1-0.4 nats against a constant learning rate "
            "(cosine vs constant curves in Tissue 2024; WSD cooldowns in Hagele 2024, arXiv:2405.18392)",
        ),
    },
)
