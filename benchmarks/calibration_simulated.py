"""When the law is true: do calibrated intervals stay honest, and how much wider are they?

Simulated Chinchilla datasets (the design of ``tests/test_calibration_study.py``: 12 model
sizes from 40M to 16B parameters at 5-200 tokens per parameter, Student-t(4) noise of 2%)
are fitted below 1e21 FLOPs and asked for the runs at or above it, with the default
(calibrated) model and with ``uncertainty="iid"``, in one process.

    python benchmarks/calibration_simulated.py [--datasets 20]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

import bayescale as bs

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.test_calibration_study import simulate  # noqa: E402

SETTINGS = {"draws": 500, "tune": 500, "chains": 2, "warn": False}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", type=int, default=20)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    rows = []
    for seed in range(args.datasets):
        runs = simulate(seed)
        flops = 6 * runs["params"] * runs["tokens"]
        larger = flops >= 1e21
        ratio = flops[larger].max() / flops[~larger].max()
        for method in ("calibrated", "iid"):
            start = time.perf_counter()
            fit = bs.fit("chinchilla", runs[~larger], seed=seed, uncertainty=method, **SETTINGS)
            seconds = time.perf_counter() - start
            table = fit.predict(runs.loc[larger, ["params", "tokens"]], interval=0.9)
            observed = runs.loc[larger, "loss"].to_numpy()
            inside = (observed >= table["predictive_lower"]) & (observed <= table["predictive_upper"])
            width = (table["predictive_upper"] - table["predictive_lower"]) / table["median"]
            rows.append(
                {
                    "seed": seed,
                    "method": method,
                    "coverage_90": inside.mean(),
                    "median_rel_width": width.median(),
                    "extrapolation": ratio,
                    "seconds": seconds,
                }
            )
        print(pd.DataFrame(rows[-2:]).round(3).to_string(header=seed == 0, index=False), flush=True)
    frame = pd.DataFrame(rows)
    summary = frame.groupby("method").agg(
        coverage_90=("coverage_90", "mean"),
        median_rel_width=("median_rel_width", "median"),
        seconds=("seconds", "mean"),
        extrapolation=("extrapolation", "median"),
    )
    print("\n", summary.round(4).to_string())
    ratio = summary.loc["calibrated", "median_rel_width"] / summary.loc["iid", "median_rel_width"]
    print(f"\nwidth, calibrated / iid: {ratio:.3f}")


if __name__ == "__main__":
    main()
