"""Rectified scaling law: fine-tuning loss from the fine-tuning data size, pre-power phase included.

    L(D) = B / (D_l + D^beta) + E

Lin et al. (2024), "Selecting Large Language Model to Fine-tune via Rectified Scaling Law",
arXiv:2402.02314 (ICML 2024). Fine-tuning curves have a flat "pre-power phase" at small D
before the familiar power phase; the pre-learned data size D_l, what the pre-trained model
already knows of the task expressed on the scale of D^beta, produces it: while D^beta << D_l the
loss stays near the zero-shot level E + B / D_l, once D^beta >> D_l it falls as B / D^beta.

Which form: the project page writes the law with an outer exponent, (B / (D_l + D^beta) + E)^alpha.
The authors' fitting code (``fit_law.py`` in github.com/linhaowei1/Fine-tuning-Scaling-Law,
``our_law_transform``) fits four parameters, log L = log((A - E) / (1 + e^B' D^beta) + E), which is
the form above with alpha = 1 (B = (A - E) e^-B', D_l = e^-B'); a least-squares fit of this form
reproduces the fit errors the repository publishes (``results/rmsd.csv``, e.g. 0.0108 in log loss
for LaMini-GPT-124M on WMT19). This is the form fitted here; the outer alpha is left out because
the authors' fits do not use it.

D is the number of fine-tuning examples (the paper's 200 to 1.6M), measured in units of the power
of ten nearest the geometric mean of the runs (``scale=None``): B and D_l are in those units, so
D_l^(1 / beta) is the data size (in the runs' units) where the pre-power phase gives way to the
power phase. Several base models fine-tuned on one task are fitted one model at a time in the
paper; with grouped parameters, fit them together with ``groups="model", varying=["E", "B", "D_l",
"beta"]`` to pool the curves. Real data: ``bayescale.datasets.load("finetune_rectified")``.
"""

import numpy as np

from bayescale.law import Input, Law, Output, Param
from bayescale.priors import Prior


def mean(finetune_examples, E, B, D_l, beta):
    return E + B / (D_l + finetune_examples**beta)


def phase_transition(E, B, D_l, beta):
    return {"D_transition": D_l ** (1 / beta)}


law = Law(
    mean,
    name="finetune_rectified",
    formula="L = B / (D_l + D^beta) + E",
    citation="Lin et al. (2024), Selecting Large Language Model to Fine-tune via Rectified Scaling Law, "
    "arXiv:2402.02314",
    inputs={
        "finetune_examples": Input("D", "examples", scale=None, description="fine-tuning data size"),
    },
    output=Output("loss", "L", "nats/token", kind="positive"),
    params={
        "E": Param(
            Prior("LogNormal", mu=np.log(0.6), sigma=0.9),
            "loss left after fine-tuning on unlimited data: 0.5-1.1 nats in least-squares fits to Lin et al.'s "
            "LaMini and Cerebras curves (FLAN, Gigaword, WMT19), often poorly pinned; 0.14-2.6 at 90%",
        ),
        "B": Param(
            Prior("LogNormal", mu=np.log(5.0), sigma=1.0),
            "reducible loss per unit of D^beta at the runs' centre (1e4 examples): 2-20 in fits to Lin et al.'s "
            "curves; B / D_l is the zero-shot excess of 2-4 nats",
        ),
        "D_l": Param(
            Prior("LogNormal", mu=np.log(2.0), sigma=1.0),
            "pre-learned data size on the scale of D^beta: 0.9-5.5 in fits to Lin et al.'s curves (the pre-power "
            "phase ends within the runs); 0.4-10 at 90%",
        ),
        "beta": Param(
            Prior("LogNormal", mu=np.log(0.35), sigma=0.6),
            "power-phase exponent of fine-tuning data: 0.15-0.75 in fits to Lin et al.'s 30 models; 0.13-0.95 at 90%",
        ),
    },
    derived=phase_transition,
)
