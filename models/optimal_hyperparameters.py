"""Optimal hyperparameters ("Step Law"): peak learning rate and batch size from N and D.

    eta_opt(N, D) = a N^alpha D^beta        B_opt(D) = b D^gamma

Li et al. (2025), "Predictable Scale: Part I -- Optimal Hyperparameter Scaling Law in Large
Language Model Pretraining", arXiv:2503.04715. Their fit on about 3,700 grid-searched models:
eta_opt = 1.79 N^-0.713 D^0.307 and B_opt = 0.58 D^0.571 (N non-embedding parameters, D and B
in tokens). Each run is one (N, D) grid search giving both optima, so the two equations are
fitted jointly, each with its own noise scale.

N is measured in units of 1e9 parameters and D in units of 1e11 tokens, so a is the optimal
learning rate and b the optimal batch size (tokens) of a 1B model trained on 100B tokens
(Li et al.'s law: 1.6e-3 and 1.1e6).
"""

import numpy as np

from bayescale.law import Input, Law, Output, Param
from bayescale.priors import Prior


def mean(params, tokens, a, alpha, beta, b, gamma):
    return {
        "learning_rate": a * params**alpha * tokens**beta,
        "batch_size": b * tokens**gamma,
    }


law = Law(
    mean,
    name="optimal_hyperparameters",
    formula="eta_opt = a N^alpha D^beta;  B_opt = b D^gamma",
    citation="Li et al. (2025), Predictable Scale: Part I -- Optimal Hyperparameter Scaling Law, arXiv:2503.04715",
    inputs={
        "params": Input("N", "parameters (non-embedding)", scale=1e9, description="model size"),
        "tokens": Input("D", "tokens", scale=1e11, description="training tokens"),
    },
    output=(
        Output("learning_rate", "eta_opt", "peak learning rate", kind="positive"),
        Output("batch_size", "B_opt", "tokens per batch", kind="positive"),
    ),
    params={
        "a": Param(
            Prior("LogNormal", mu=np.log(1.6e-3), sigma=1.0),
            "optimal peak learning rates of 1B models are 1e-4 to 1e-2 (Li 2025: 1.6e-3 at 100B tokens)",
        ),
        "alpha": Param(
            Prior("Normal", mu=-0.5, sigma=0.3),
            "larger models want smaller learning rates: Li 2025 -0.713, DeepSeek and muP analyses -0.3 to -1",
        ),
        "beta": Param(
            Prior("Normal", mu=0.2, sigma=0.3),
            "longer training tolerates slightly larger rates (Li 2025: +0.307); sign left open",
        ),
        "b": Param(
            Prior("LogNormal", mu=np.log(1e6), sigma=1.0),
            "batch sizes around 1M tokens at 100B-token budgets (Li 2025: 1.1M; Chinchilla 1.5M-3M)",
        ),
        "gamma": Param(
            Prior("Normal", mu=0.5, sigma=0.25),
            "optimal batch grows sublinearly with data (Li 2025: 0.571; DeepSeek 2024: about 0.33)",
        ),
    },
)
