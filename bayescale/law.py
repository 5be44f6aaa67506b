"""What a scaling law is: inputs, an output, parameters with priors, a mean function.

A law file in ``models/`` (or a user's own file) defines one module-level object,
``law = Law(...)``. Everything else (data, likelihood, sampling, prediction) is the
engine's job. The mean function's signature *is* the law: its first arguments are the
inputs, the rest are the parameters, and the engine reads the names from it.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from bayescale.priors import Prior

OutputKind = Literal["positive", "probability", "real"]
NOISE = "sigma"

# The function that loads a law from its catalog name or file path. The catalog registers it
# (a law with an origin was loaded there), so pickled laws travel by reference, not by code.
_loader: Callable[[str], Law] | None = None


def register_loader(loader: Callable[[str], Law]) -> None:
    """Make ``loader`` the way pickled laws are found again (the catalog's ``get_law``)."""
    global _loader
    _loader = loader


@dataclass(frozen=True)
class Input:
    """An input of a law, e.g. the parameter count N.

    ``scale`` is the reference value the engine divides the input by before it reaches
    the mean function, so coefficients are expressed at that scale (e.g. the loss
    term at 1B parameters) and the posterior is well conditioned. ``None`` means
    "the power of ten nearest the geometric mean of the data", for laws whose input
    can be anything (compute, dataset size, samples).
    """

    symbol: str
    unit: str
    scale: float | None = 1.0
    positive: bool = True
    description: str = ""


@dataclass(frozen=True)
class Output:
    """The quantity a law predicts and its kind, which picks the likelihood's scale.

    ``positive`` (losses, learning rates): noise on the log scale.
    ``probability`` (error rates, accuracies, coverage): noise on the logit scale.
    ``real`` (log-densities, anything unbounded): noise on the natural scale.
    """

    name: str
    symbol: str
    unit: str
    kind: OutputKind = "positive"


@dataclass(frozen=True)
class Param:
    """A law parameter's default prior and the one-line reason for it."""

    prior: Prior
    reason: str


@dataclass(frozen=True, eq=False)
class Law:
    """A scaling law, checked when it is created.

    Parameters
    ----------
    mean
        ``mean(input_1, ..., param_1, ...)``: the law's equation, written with
        arithmetic operators and ``pytensor.tensor`` functions so that it works on
        symbolic tensors (model building) and NumPy-backed tensors (prediction) alike.
    name, formula, citation
        How the law is listed: ``formula`` as in the paper, ``citation`` with the
        authors, year and arXiv id.
    inputs
        One :class:`Input` for each of the mean function's leading arguments.
    output
        The predicted quantity, or a tuple of them for a law of several equations;
        the mean function then returns a dict keyed by output name.
    params
        One :class:`Param` (prior and reason) for each remaining argument.
    derived
        Optional function of the parameters returning named quantities worth
        reporting, e.g. a coefficient on the paper's raw scale.
    noise
        Optional prior on the noise scale, replacing the engine's default for the
        output kind.
    optimum
        Optional closed form of the compute-optimal allocation, for a law of two inputs:
        ``optimum(product, param_1, ...)`` returns the first input that minimizes the mean
        when the product of the two inputs is ``product`` (scaled units, like the mean's).
        Decisions use it under a cost proportional to that product (C = 6 N D) and search
        numerically otherwise.
    source, origin
        Filled in by the loader: the law file's text, and the catalog name or the
        file's absolute path (what a saved fit records to find the law again).
    """

    mean: Callable
    name: str
    formula: str
    citation: str
    inputs: Mapping[str, Input]
    output: Output | tuple[Output, ...]
    params: Mapping[str, Param]
    derived: Callable | None = None
    noise: Param | None = None
    optimum: Callable | None = None
    source: str = field(default="", compare=False)
    origin: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        args = list(inspect.signature(self.mean).parameters)
        expected = [*self.inputs, *self.params]
        if args != expected:
            raise TypeError(
                f"law {self.name!r}: mean{tuple(args)} must take the inputs then the "
                f"parameters, in this order: {tuple(expected)}"
            )
        for name, param in self.params.items():
            if not isinstance(param, Param):
                raise TypeError(f"law {self.name!r}: parameter {name!r} needs Param(prior, reason)")
        clash = set(self.outputs) & set(expected)
        if clash:
            raise TypeError(f"law {self.name!r}: output names {sorted(clash)} clash with inputs or parameters")

    def __reduce__(self):
        """Pickle by catalog name or file path, never by code: the loader finds the law again."""
        if not self.origin:
            raise TypeError(f"law {self.name!r} was not loaded from the catalog or a file; pass its name or path")
        if _loader is None:
            raise TypeError(f"law {self.name!r}: no law loader is registered to find it again")
        return _loader, (self.origin,)

    @property
    def outputs(self) -> dict[str, Output]:
        """Every output by name (one for most laws)."""
        outputs = self.output if isinstance(self.output, tuple) else (self.output,)
        return {o.name: o for o in outputs}

    def noise_name(self, output: str) -> str:
        """Name of an output's noise-scale parameter: ``sigma``, or ``sigma_<output>`` for several."""
        return NOISE if len(self.outputs) == 1 else f"{NOISE}_{output}"

    @property
    def noise_names(self) -> list[str]:
        return [self.noise_name(o) for o in self.outputs]

    def split_mean(self, result) -> dict:
        """The mean function's result keyed by output name."""
        if len(self.outputs) == 1:
            return {next(iter(self.outputs)): result}
        if not isinstance(result, dict) or set(result) != set(self.outputs):
            raise TypeError(f"law {self.name!r}: mean must return a dict with keys {sorted(self.outputs)}")
        return result

    @property
    def input_names(self) -> list[str]:
        return list(self.inputs)

    @property
    def param_names(self) -> list[str]:
        return list(self.params)

    @property
    def priors(self) -> dict[str, Prior]:
        """The default prior of every parameter."""
        return {name: p.prior for name, p in self.params.items()}

    @property
    def fingerprint(self) -> str:
        """A short hash of the law's source, so a saved fit can tell if its law changed."""
        return hashlib.sha256(self.source.encode()).hexdigest()[:16]

    def describe(self) -> str:
        """One paragraph: formula, inputs, output and citation."""
        ins = ", ".join(f"{n} ({i.symbol}, {i.unit})" for n, i in self.inputs.items())
        outs = ", ".join(f"{n} ({o.symbol}, {o.unit}, {o.kind})" for n, o in self.outputs.items())
        return f"{self.name}: {self.formula}\n  inputs: {ins}\n  output: {outs}\n  {self.citation}"
