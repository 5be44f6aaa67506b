"""Benchmark: what the checks before sampling cost, against the fit they protect.

Times, in one process on Epoch AI's 240 Chinchilla runs: (a) compiling the law's mean function
(which every fit needs anyway, for the log-likelihood), (b) the first check (identifiability,
200 prior draws, the law's mean at every run), (c) a repeated check (draws reused), (d) a warm
fit (compiled model reused, checks included), and prints each one's share of the warm fit.

    python benchmarks/checks_before_sampling.py [--seed 1]
"""

from __future__ import annotations

import argparse
import time

import bayescale as bs
from bayescale.model import ModelSpec, resolve_scales
from bayescale.predict import _compiled_mean
from bayescale.preflight import check_before_sampling


def timed(fn, *args, **kwargs) -> float:
    start = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    law = bs.get_law("chinchilla")
    runs = bs.load_runs(bs.datasets.load("chinchilla").query("not epoch_excluded"), law)
    spec = ModelSpec.create(law)
    scales = resolve_scales(law, runs)
    mean_compile = timed(_compiled_mean, law)
    first = timed(check_before_sampling, spec, runs, scales)
    repeated = timed(check_before_sampling, spec, runs, scales)
    bs.fit(law, runs, seed=args.seed, warn=False)  # compiles the model
    warm = timed(bs.fit, law, runs, seed=args.seed + 1, warn=False)
    print(f"{'':34s}{'seconds':>9s}{'share of warm fit':>19s}")
    rows = (
        ("mean function compile (every fit)", mean_compile),
        ("first check", first),
        ("repeated check", repeated),
        ("warm fit, checks included", warm),
    )
    for label, seconds in rows:  # fmt: skip
        print(f"{label:34s}{seconds:9.3f}{seconds / warm:19.1%}")


if __name__ == "__main__":
    main()
