"""Broken neural scaling law: a power law whose slope changes smoothly at n breaks.

    y = a + b x^-c0 prod_{i=1..n} (1 + (x / d_i)^(1 / f_i))^(-c_i f_i)

Caballero et al. (2023), "Broken Neural Scaling Laws", arXiv:2210.14891, Eq. (1). Below the
first break y - a falls with slope c0 on a log-log plot; past break i (at x = d_i) the slope
changes by c_i, over a width set by f_i (small f_i: a sharp corner, large f_i: a long bend).
a is the limit of y, b the reducible part at x = 1 with the breaks taken away.

x is any positive scale (parameters, data, compute, steps), measured in units of the power
of ten nearest the geometric mean of the runs (``scale=None``): b and the break locations
d_i are in those units, so d_i = 1 puts a break at the centre of the runs.

The number of breaks is a choice: ``make_law(n_breaks)`` builds the law; the catalog law is
``make_law(1)``, the form the paper fits most often. Each factor is evaluated as
exp(-c_i f_i softplus(ln(x / d_i) / f_i)), the same number without overflow at small f_i.

Sampled quantities. The runs pin down the value of y at their centre and its slope there far
better than a, b and c0, which trade off along curved ridges (b is y - a extrapolated to x = 1
along the first segment; on a nearly straight curve the reducible share and the slope of the
reducible part trade off, since only their product, the slope of y, is seen). So the law
samples y_c (y at x = 1), r_c (its reducible share, (y_c - a) / y_c) and g_c (the slope of y
there on a log-log plot, -d ln y / d ln x = r_c times the slope of y - a), with c_i, d_i,
f_i, and reports a = (1 - r_c) y_c, b = r_c y_c / (the product above at x = 1) and
c0 = g_c / r_c - sum_i c_i sigmoid(-ln(d_i) / f_i) beside them. Break i's prior is centred at
10^(-1.5 + 3 (i - 1/2) / n) (evenly over the three decades around the centre of the runs), with
a width of 0.75 / n decades: a break far outside the runs changes nothing the runs can see,
and letting the prior put much mass there splits the posterior into separate modes (break
before the runs, inside, after).
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


def reducible_shape(x, c0, breaks):
    """x^-c0 prod_i (1 + (x / d_i)^(1 / f_i))^(-c_i f_i), for breaks as (c_i, d_i, f_i) triples."""
    y = x**-c0
    for c, d, f in breaks:
        y = y * break_factor(x, c, d, f)
    return y


def bnsl(x, a, b, c0, breaks):
    """The law for breaks given as (c_i, d_i, f_i) triples."""
    return a + b * reducible_shape(x, c0, breaks)


def paper_parameters(y_c, r_c, g_c, breaks) -> dict:
    """a, b and c0 from the value at the centre, its reducible share and its log-log slope there.

    The slope of y - a at x = 1 is c0 + sum_i c_i sigmoid(-ln(d_i) / f_i), and g_c is r_c times it.
    """
    import pytensor.tensor as pt

    c0 = g_c / r_c - sum(c * pt.sigmoid(-pt.log(d) / f) for c, d, f in breaks)
    return {"a": (1 - r_c) * y_c, "b": r_c * y_c / reducible_shape(1.0, c0, breaks), "c0": c0}


def break_params(i: int, n_breaks: int) -> dict[str, Param]:
    """Priors of break i of n: slope change, location (spread over the runs) and sharpness."""
    centre = -1.5 + 3.0 * (i - 0.5) / n_breaks
    width = 0.75 / n_breaks
    return {
        f"c_{i}": Param(
            Prior("Normal", mu=0.2, sigma=0.4),
            "slope change at a break: Caballero's fits have |c_i| of 0.01-1, steepening (c_i > 0) "
            "or flattening (c_i < 0)",
        ),
        f"d_{i}": Param(
            Prior("LogNormal", mu=centre * LN10, sigma=width * LN10),
            f"break {i} of {n_breaks} sits among the runs: centred at 10^{centre:+.2f} of the runs' "
            f"scale, +-{width:.2f} decades; the runs cannot place a break far outside them",
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
        "y_c": Param(
            Prior("LogNormal", mu=np.log(1.5), sigma=1.0),
            "y at the centre of the runs: losses of 0.5-4 nats or error rates below 1, 0.3 to 7.8 at 90%",
        ),
        "r_c": Param(
            Prior("Beta", alpha=1.5, beta=3.0),
            "share of y at the centre that more scale removes, (y_c - a) / y_c: any share in (0, 1), "
            "most often under one half (median 0.31, 90% within 0.05-0.70)",
        ),
        "g_c": Param(
            Prior("Normal", mu=0.1, sigma=0.15),
            "log-log slope of y at the centre of the runs, r_c times the slope of y - a: a share "
            "of about 0.3 times slopes of 0-0.8 (c0 of 0-0.5 in Caballero's fits, and a slope "
            "change of either sign), so mostly -0.15 to 0.35",
        ),
    }
    for i in range(1, n_breaks + 1):
        params.update(break_params(i, n_breaks))
    names = list(params)
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    signature = inspect.Signature([inspect.Parameter(n, kind) for n in ["x", *names]])

    def split(values):
        breaks = [(values[f"c_{i}"], values[f"d_{i}"], values[f"f_{i}"]) for i in range(1, n_breaks + 1)]
        return paper_parameters(values["y_c"], values["r_c"], values["g_c"], breaks), breaks

    def mean(*args, **kwargs):
        values = signature.bind(*args, **kwargs).arguments
        paper, breaks = split(values)
        return bnsl(values["x"], paper["a"], paper["b"], paper["c0"], breaks)

    def derived(**values):
        return split(values)[0]

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
        derived=derived,
    )


law = make_law(1)
