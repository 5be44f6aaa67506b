"""A fit's law as loss(size, data) per posterior draw: what every allocation decision searches."""

from __future__ import annotations

import numpy as np

from bayescale.cost import Cost, CostFunction, as_cost
from bayescale.fit import Fit
from bayescale.predict import law_mean_paired


def paired_shape(fit_a: Fit, fit_b: Fit) -> tuple[int, int]:
    """The (chains, draws) two fits share: the fewer chains, and the fewer draws per chain."""
    a, b = fit_a.posterior.sizes, fit_b.posterior.sizes
    return min(a["chain"], b["chain"]), min(a["draw"], b["draw"])


class LossSurface:
    """A fit's law as a function of the cost's two inputs (model size and data), per draw.

    Parameters
    ----------
    fit
        A fit of a law whose inputs are the cost's ``size`` and ``data`` (params and tokens).
    cost
        The cost model (default 6 N D); a function ``cost(N, D)`` is taken as the training cost.
    group
        Whose parameters: a group of the fit, or a new group drawn from the population
        (None or an unknown name; ``seed`` draws it).
    shape
        (chains, draws) to keep: the first chains, each thinned to evenly spaced draws, so
        that two fits can be paired draw by draw. Default: every draw.
    """

    def __init__(
        self,
        fit: Fit,
        cost: Cost | CostFunction | None = None,
        group: str | None = None,
        *,
        shape: tuple[int, int] | None = None,
        seed: int | None = 0,
        what: str = "this decision",
    ):
        self.cost = as_cost(cost)
        self.cost.check_law(fit.law, what)
        self.law = fit.law
        self.output = fit.output_name()
        self.scales = (fit.scales[self.cost.size], fit.scales[self.cost.data])
        sizes = fit.posterior.sizes
        chains, draws = shape or (sizes["chain"], sizes["draw"])
        keep = np.linspace(0, sizes["draw"] - 1, draws).round().astype(int)
        every = fit.param_draws(group, seed)
        self.params = tuple(
            every[n].reshape(sizes["chain"], sizes["draw"])[:chains, keep].reshape(-1) for n in self.law.param_names
        )
        self.shape = (chains, draws)

    @property
    def n_draws(self) -> int:
        return self.shape[0] * self.shape[1]

    def along_draws(self, ndim: int) -> tuple[np.ndarray, ...]:
        """The parameter draws shaped (draws, 1, ...) to broadcast against arrays of ``ndim`` dims."""
        return tuple(p.reshape(-1, *([1] * (ndim - 1))) for p in self.params)

    def loss(self, size, data, *params: np.ndarray) -> np.ndarray:
        """The law's mean at (``size``, ``data``), elementwise.

        ``params`` are one array per law parameter, broadcastable with ``size`` (as SciPy's
        elementwise solvers pass them); by default every draw along the first axis.
        """
        size, data = np.asarray(size, dtype=float), np.asarray(data, dtype=float)
        params = params or self.along_draws(max(size.ndim, data.ndim, 1))
        shape = np.broadcast_shapes(size.shape, data.shape, *(np.shape(p) for p in params))
        flat = [np.broadcast_to(a, shape).reshape(-1) for a in (size, data, *params)]
        inputs = {
            self.cost.size: flat[0][:, None] / self.scales[0],
            self.cost.data: flat[1][:, None] / self.scales[1],
        }
        mean = law_mean_paired(self.law, dict(zip(self.law.param_names, flat[2:], strict=True)), inputs)
        return mean[self.output].reshape(shape)
