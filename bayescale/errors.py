"""Exceptions and warnings that speak to the user."""

from pathlib import Path

PACKAGE_DIR = str(Path(__file__).resolve().parent)  # warnings point at the caller's line, not ours


class BayescaleInputError(ValueError):
    """Bad input from the user: a file, a column, a value, an argument.

    The message is one line that names the problem and says what to do; the
    command line prints it and exits with status 2.
    """


def check_interval(interval: float) -> float:
    """An interval's probability mass, checked to lie strictly between 0 and 1."""
    if not 0 < interval < 1:
        raise BayescaleInputError(f"interval={interval} must be between 0 and 1, e.g. 0.9")
    return float(interval)


class SamplingWarning(UserWarning):
    """The sampler finished but its draws should not be trusted as they are."""


class SamplingError(RuntimeError):
    """The sampler did not settle even after reruns, and the fit was not asked for regardless.

    ``fit`` holds the unsettled fit, for inspection.
    """

    def __init__(self, message: str, fit=None) -> None:
        super().__init__(message)
        self.fit = fit
