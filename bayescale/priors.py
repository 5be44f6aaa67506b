"""Declarative priors (``Prior("Normal", mu=0, sigma=1)``)."""

from pymc_extras.prior import Prior

__all__ = ["Prior"]
