"""Broken neural scaling law: a power law whose slope changes smoothly at n breaks.

    y = a + b x^-c0 prod_{i=1..n} (1 + (x / d_i)^(1 / f_i))^(-c_i f_i)

Caballero et al. (2023), "Broken Neural Scaling Laws", arXiv:2210.14891, Eq. (1). Below the
first break y - a falls with slope c0 on a log-log plot; past break i (at x = d_i) the slope
changes by c_i, over a width set by f_i (small f_i: a sharp corner, large f_i: a long bend).
a is the limit of y, b the reducible part at x = 1 with the breaks taken away.

x is any positive scale (parameters, data, compute, steps), measured in units of the power
of ten nearest the geometric mean of the runs (``scale=None``): b and the break locations
d_i are in those units, so d_i = 1 puts a break at the centre of the runs.

The number of breaks is a choice: ``make_law(n_breaks)`` builds the law with parameters
a, b, c0, c_1, d_1, f_1, ..., c_n, d_n, f_n; the catalog law is ``make_law(1)``, the form the
paper fits most often. Break i's prior is centred at 10^(-1.5 + 3 (i - 1/2) / n) (evenly
over the three decades around the centre of the runs), with a width of 1.5 / n decades,
so several breaks start apart and in order. Each factor is evaluated as
exp(-c_i f_i softplus(ln(x / d_i) / f_i)), the same number without overflow at small f_i.
"""

import inspect

import numpy as np

from bayescale.law import Input, Law, Output, Param
from bayescale.priors import Prior

LN10 = np.log(10.0)


def break_factor(x, c, d, f):
    """(1 + (x / d)^(1 / f))^(-c f): slope change c at x = d, sharpness f."""
    import pytensor.tensor as pt  # here, not at the top: listing the catalog stays fast

    return pt.exp(-c * f * pt.softplus(pt.log(x / d) / f))


def bnsl(x, a, b, c0, breaks):
    """The law for breaks given as (c_i, d_i, f_i) triples."""
    y = b * x**-c0
    for c, d, f in breaks:
        y = y * break_factor(x, c, d, f)
    return a + y


def break_params(i: int, n_breaks: int) -> dict[str, Param]:
    """Priors of break i of n: slope change, location (spread over the runs) and sharpness."""
    centre = -1.5 + 3.0 * (i - 0.5) / n_breaks
    width = 1.5 / n_breaks
    return {
        f"c_{i}": Param(
            Prior("Normal", mu=0.2, sigma=0.4),
            "slope change at a break: Caballero's fits have |c_i| of 0.01-1, steepening (c_i > 0) "
            "or flattening (c_i < 0)",
        ),
        f"d_{i}": Param(
            Prior("LogNormal", mu=centre * LN10, sigma=width * LN10),
            f"break {i} of {n_breaks} sits inside the runs: centred at 10^{centre:+.2f} of the runs' "
            f"scale, +-{width:.2f} decades, so breaks start spread out and in order",
        ),
        f"f_{i}": Param(
            Prior("LogNormal", mu=np.log(0.3), sigma=0.8),
            "break sharpness: Caballero's fits range from near-corners (0.05) to bends over a decade or more (1-2)",
        ),
    }


def make_law(n_breaks: int = 1) -> Law:
    """The broken neural scaling law with ``n_breaks`` breaks."""
    if n_breaks < 1:
        raise ValueError(f"n_breaks must be at least 1, got {n_breaks}")
    params = {
        "a": Param(
            Prior("LogNormal", mu=np.log(1.0), sigma=1.0),
            "limit of y at large x: irreducible losses of 0.2-5 nats, or an error floor",
        ),
        "b": Param(
            Prior("LogNormal", mu=np.log(0.5), sigma=1.0),
            "reducible part at the centre of the runs is a fraction of y, 0.1 to 2.5 at 90%",
        ),
        "c0": Param(
            Prior("Normal", mu=0.2, sigma=0.3),
            "slope before the first break: 0-0.5 in Caballero's fits; near 0 for a plateau",
        ),
    }
    for i in range(1, n_breaks + 1):
        params.update(break_params(i, n_breaks))
    names = list(params)

    def mean(*args, **kwargs):
        values = signature.bind(*args, **kwargs).arguments
        breaks = [(values[f"c_{i}"], values[f"d_{i}"], values[f"f_{i}"]) for i in range(1, n_breaks + 1)]
        return bnsl(values["x"], values["a"], values["b"], values["c0"], breaks)

    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    signature = inspect.Signature([inspect.Parameter(n, kind) for n in ["x", *names]])
    mean.__signature__ = signature

    formula = "y = a + b x^-c0 " + " ".join(f"(1 + (x/d_{i})^(1/f_{i}))^(-c_{i} f_{i})" for i in range(1, n_breaks + 1))
    return Law(
        mean,
        name="bnsl" if n_breaks == 1 else f"bnsl_{n_breaks}",
        formula=formula,
        citation="Caballero et al. (2023), Broken Neural Scaling Laws, arXiv:2210.14891",
        inputs={"x": Input("x", "any positive scale", scale=None, description="what is scaled")},
        output=Output("y", "y", "e.g. nats/token or error", kind="positive"),
        params=params,
    )


law = make_law(1)
