"""Benchmark: bayescale on Epoch AI's 240 Chinchilla runs against the practitioners' point fit.

Times, in one process: (a) a cold fit including compilation, (b) a warm refit reusing the
compiled model, (c) the baseline: scipy L-BFGS-B on Epoch's Huber objective from Epoch's
4,500-point grid of starts, then a bootstrap refit from the best start. Prints seconds,
bulk effective sample size per second for alpha and beta (bootstrap resamples count as
independent draws) and the ratio of bayescale's warm fit to the baseline.

    python benchmarks/fit_chinchilla.py [--resamples 4000] [--seed 1]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

import bayescale as bs
from bayescale import predict, sampling

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scipy_baseline  # noqa: E402


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def bayescale_row(label: str, fit: bs.Fit, seconds: float) -> dict:
    ess = {p: fit.diagnostics.ess_bulk[p] for p in ("alpha", "beta")}
    return {"label": label, "seconds": seconds, **{f"ess_{p}": v for p, v in ess.items()},
            **{f"ess_per_s_{p}": v / seconds for p, v in ess.items()}}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resamples", type=int, default=4000, help="bootstrap resamples of the baseline")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    runs = bs.datasets.load("chinchilla").query("not epoch_excluded")
    sampling._compiled.clear()
    predict._mean_functions.clear()
    cold, cold_s = timed(bs.fit, "chinchilla", runs, seed=args.seed, warn=False)
    warm, warm_s = timed(bs.fit, "chinchilla", runs, seed=args.seed + 1, warn=False)
    rows = [bayescale_row("bayescale cold (compile + sample)", cold, cold_s),
            bayescale_row("bayescale warm (compiled model reused)", warm, warm_s)]  # fmt: skip

    params, tokens, loss = (runs[c].to_numpy() for c in ("params", "tokens", "loss"))
    base = scipy_baseline.run_baseline(params, tokens, loss, n_resamples=args.resamples, seed=42)
    base_s = base["seconds_grid"] + base["seconds_bootstrap"]
    rows.append({"label": f"scipy grid ({base['n_starts']} starts) + {args.resamples} bootstrap refits",
                 "seconds": base_s, "ess_alpha": args.resamples, "ess_beta": args.resamples,
                 "ess_per_s_alpha": args.resamples / base_s, "ess_per_s_beta": args.resamples / base_s})  # fmt: skip

    print(f"{'':46s} {'seconds':>9s} {'ESS alpha':>10s} {'ESS beta':>10s} {'ESS/s alpha':>12s} {'ESS/s beta':>11s}")
    for r in rows:
        print(f"{r['label']:46s} {r['seconds']:9.2f} {r['ess_alpha']:10.0f} {r['ess_beta']:10.0f} "
              f"{r['ess_per_s_alpha']:12.0f} {r['ess_per_s_beta']:11.0f}")  # fmt: skip
    print(f"baseline grid {base['seconds_grid']:.1f} s, bootstrap {base['seconds_bootstrap']:.1f} s")
    print(f"ratio bayescale warm / baseline (seconds): {warm_s / base_s:.4f}")
    print(f"ratio bayescale cold / baseline (seconds): {cold_s / base_s:.4f}")
    print(f"ratio of ESS/s for alpha, warm / baseline: {rows[1]['ess_per_s_alpha'] / rows[2]['ess_per_s_alpha']:.0f}x")
    goal = warm_s < 3 and min(warm.diagnostics.ess_bulk[p] for p in ("alpha", "beta")) >= 1000
    print(f"warm fit under 3 s with bulk ESS >= 1000 for alpha and beta: {'yes' if goal else 'no'}")
    e, a, b = (np.median(warm.posterior[p]) for p in ("E", "alpha", "beta"))
    print(f"posterior medians E {e:.4f} alpha {a:.4f} beta {b:.4f}; baseline point E {base['E']:.4f} "
          f"alpha {base['alpha']:.4f} beta {base['beta']:.4f}")  # fmt: skip


if __name__ == "__main__":
    main()
