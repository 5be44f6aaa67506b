"""Densing law: the largest capability density of released LLMs grows exponentially in time.

    ln rho_max(t) = A t + B

Xiao et al. (2024), "Densing Law of LLMs", arXiv:2412.04315 (Nature Machine Intelligence 2025).
The capability density of a model is rho = N_eff / N: N_eff is the parameter count a reference
family of models (trained by the authors, with a loss scaling law and a loss-to-benchmark
mapping) would need to match the model's benchmark scores, N its actual parameter count. Fitted
to the densest open models at each release date, ln rho_max rises linearly: the density doubles
every ln 2 / A, about 3.3 months in the arXiv version (A = 0.007 per day) and 3.5 months in the
journal version.

Units: t is the release date in years since 2023-01-01 (``release_time`` below converts dates),
negative before that; it is used as is (scale 1, may be negative). A is then per year (0.007 per
day = 2.56 per year) and B is ln rho_max on 2023-01-01. The output is ln rho, a real number
(noise on the natural scale, in e-folds of density). rho is relative to the authors' reference
family, so B depends on that reference, and on any other used to compute densities; A does not.
"""

import numpy as np

from bayescale.law import Input, Law, Output, Param
from bayescale.priors import Prior

EPOCH = np.datetime64("2023-01-01")
DAYS_PER_YEAR = 365.25


def release_time(dates) -> np.ndarray:
    """Release dates (strings like "2024-06-30", datetimes, datetime64) as years since 2023-01-01."""
    days = (np.asarray(dates, dtype="datetime64[D]") - EPOCH) / np.timedelta64(1, "D")
    return np.asarray(days, dtype=float) / DAYS_PER_YEAR


def mean(release, A, B):
    return A * release + B


def doubling_time(A, B):
    return {"doubling_months": 12 * np.log(2) / A}


law = Law(
    mean,
    name="densing",
    formula="ln rho_max = A t + B",
    citation="Xiao et al. (2024), Densing Law of LLMs, arXiv:2412.04315",
    inputs={
        "release": Input(
            "t", "years since 2023-01-01", scale=1.0, positive=False, description="release date (release_time)"
        ),
    },
    output=Output("log_density", "ln rho_max", "log capability density (e-folds)", kind="real"),
    params={
        "A": Param(
            Prior("Normal", mu=2.4, sigma=1.0),
            "density doubles every 3.3-3.5 months in Xiao 2024 (A = 0.007 per day, 2.4-2.6 per year); "
            "0.8-4 per year at 90% allows much slower or faster trends",
        ),
        "B": Param(
            Prior("Normal", mu=-1.0, sigma=2.0),
            "log density of the densest model on 2023-01-01; its level depends on the reference family "
            "densities are measured against, so the prior is wide: e^-4.3 to e^2.3 at 90%",
        ),
    },
    derived=doubling_time,
)
