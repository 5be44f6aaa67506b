"""Benchmark: sequential (leave-future-out) comparison of three laws on the Chinchilla runs.

Times, in one process, the same refits done two ways: (a) bayescale's
``compare_sequential``, which compiles each law once and swaps its data containers for
every refit (running refits in worker processes when cores outnumber chains), and (b) a
naive loop that builds and compiles a fresh PyMC model for every refit. Prints seconds,
the ratio naive / bayescale, and the extrapolation table.

    python benchmarks/compare_sequential.py [--steps 4] [--draws 500] [--runs PATH]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

import bayescale as bs
from bayescale import predict, sampling
from bayescale.comparison.holdout import score_runs, summarize_scores
from bayescale.comparison.sequential import scale_bins

RUNS = Path(__file__).resolve().parents[2] / "shared" / "data" / "chinchilla" / "runs.csv"
LAWS = {"chinchilla": {}, "kaplan": {}, "bnsl": {"x": "flops", "y": "loss"}}


def load(path: Path) -> pd.DataFrame:
    runs = pd.read_csv(path)
    return runs[~runs["epoch_excluded"]].reset_index(drop=True)


def clear_caches() -> None:
    sampling._compiled.clear()
    predict._mean_functions.clear()


def naive(runs: pd.DataFrame, steps: int, settings: dict, bin_dex: float) -> pd.DataFrame:
    """What a user would write without the engine's cache: a new compiled model per refit."""
    bins = scale_bins(runs["flops"].to_numpy(), bin_dex)
    rows = []
    for level in sorted(set(bins))[-steps:]:
        train, scored = runs[bins < level], runs[bins == level]
        for law, columns in LAWS.items():
            clear_caches()
            fitted = bs.fit(law, train, columns=columns, seed=0, warn=False, **settings)
            names = {n: scored[columns.get(n, n)] for n in [*fitted.law.input_names, *fitted.law.outputs]}
            rows.append({"law": law, **summarize_scores(score_runs(fitted, pd.DataFrame(names)))})
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--bin-dex", type=float, default=0.25)
    parser.add_argument("--runs", type=Path, default=RUNS)
    args = parser.parse_args()
    runs = load(args.runs)
    settings = {"draws": args.draws, "tune": args.draws, "chains": 4}

    clear_caches()
    start = time.perf_counter()
    fits = {law: bs.fit(law, runs, columns=columns, seed=0, warn=False, **settings) for law, columns in LAWS.items()}
    full = time.perf_counter() - start
    start = time.perf_counter()
    table = bs.compare_sequential(fits, runs=runs, steps=args.steps, bin_dex=args.bin_dex)
    cached = time.perf_counter() - start

    start = time.perf_counter()
    naive(runs, args.steps, settings, args.bin_dex)
    looped = time.perf_counter() - start

    n_refits = args.steps * len(LAWS)
    print(f"{len(runs)} runs, {len(LAWS)} laws, {args.steps} steps = {n_refits} refits, 4 chains x {args.draws} draws")
    print(f"full fits of the three laws (compiles each once): {full:8.1f} s")
    print(f"bayescale compare_sequential (no recompilation):  {cached:8.1f} s  ({cached / n_refits:.2f} s per refit)")
    print(f"naive loop (build + compile every refit):         {looped:8.1f} s  ({looped / n_refits:.2f} s per refit)")
    print(f"ratio naive / bayescale: {looped / cached:.1f}x")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))


if __name__ == "__main__":
    main()
