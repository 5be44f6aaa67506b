"""Exceptions and warnings that speak to the user, and the checks of single values they share."""

import math
import numbers
from pathlib import Path

PACKAGE_DIR = str(Path(__file__).resolve().parent)  # warnings point at the caller's line, not ours

MAX_SEED = 2**63 - 1


class BayescaleInputError(ValueError):
    """Bad input from the user: a file, a column, a value, an argument.

    The message is one line that names the problem and says what to do; the
    command line prints it and exits with status 2.
    """


class SamplingFailedError(BayescaleInputError):
    """The sampler could not start, or its draws are unusable (non-finite, chains far apart).

    A subclass of :class:`BayescaleInputError`: the cause is nearly always the law, its
    priors or the runs, and the message says what to change.
    """


class DataWarning(UserWarning):
    """The runs can be fitted but cannot pin down the law (an input at one value, repeated rows)."""


class SamplingWarning(UserWarning):
    """The sampler finished but its draws should not be trusted as they are."""


def one_line(text: object) -> str:
    """A message squeezed onto one line (errors from other libraries may span several)."""
    return " ".join(str(text).split())


def is_number(value: object) -> bool:
    """A real number (Python or NumPy), not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def shown(value: object) -> str:
    """A value as a message shows it: numbers plainly (``1.5``, not ``np.float64(1.5)``), the rest by repr."""
    if is_number(value):
        return str(value.item() if hasattr(value, "item") else value)
    text = one_line(repr(value))
    return text if len(text) <= 60 else f"{text[:57]}..."


def check_number(value: object, name: str, *, positive: bool = False) -> float:
    """``value`` as a float, checked to be a finite (and with ``positive``, positive) number."""
    if not is_number(value) or not math.isfinite(value) or (positive and not value > 0):
        kind = "a finite positive number" if positive else "a finite number"
        raise BayescaleInputError(f"{name}={shown(value)} must be {kind}")
    return float(value)


def check_whole(value: object, name: str, low: int, high: int) -> int:
    """``value`` as an int, checked to be a whole number from ``low`` to ``high``."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or not low <= value <= high:
        raise BayescaleInputError(f"{name}={shown(value)} must be a whole number from {low} to {high}")
    return int(value)


def check_seed(seed: object, name: str = "seed") -> int | None:
    """A random seed: ``None`` or a whole number from 0 to 2^63 - 1."""
    return None if seed is None else check_whole(seed, name, 0, MAX_SEED)


def check_interval(interval: float) -> float:
    """An interval's probability mass, checked to lie strictly between 0 and 1."""
    if not is_number(interval) or not 0 < interval < 1:
        raise BayescaleInputError(f"interval={shown(interval)} must be between 0 and 1, e.g. 0.9")
    return float(interval)


class SamplingError(RuntimeError):
    """The sampler did not settle even after reruns, and the fit was not asked for regardless.

    ``fit`` holds the unsettled fit, for inspection.
    """

    def __init__(self, message: str, fit=None) -> None:
        super().__init__(message)
        self.fit = fit
