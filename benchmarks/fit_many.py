"""Benchmark: the 51 learning curves x {power_law, bnsl} as a serial loop and with fit_many.

Each curve's fit split (``split == "fit"``; columns ``x`` and ``y`` feed both laws' ``x`` and
``y``) is one job per law, 102 fits with the same seeds both ways. Prints, for the serial loop
in this process and for ``fit_many`` on a Dask cluster of this machine's cores: wall time,
models compiled, the scheduler's overhead per fit (worker time not spent fitting, and the
round trip of an empty task), worker memory, whether both ways gave the same draws, and an
estimate of fits per core-hour and of the cluster a 10,000-fit sweep needs.

    python benchmarks/fit_many.py [--draws 1000] [--tune 1000] [--chains 4] [--workers N] [--limit K]

Every number depends on what else the machine runs: compare the two ways within one run.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import bayescale as bs
from bayescale import predict, sampling
from bayescale.cluster import connect, local_workers, submit_grouped

CURVES = Path(__file__).resolve().parents[2] / "shared" / "data" / "learning_curves" / "curves.csv"
LAWS = ("power_law", "bnsl")
SWEEP = 10_000


def make_jobs(path: Path, settings: dict, limit: int | None) -> list[dict]:
    """One job per (law, curve) on the curve's fit split, seeded by the curve's position."""
    curves = pd.read_csv(path)
    fit_split = curves[curves["split"] == "fit"]
    ids = list(dict.fromkeys(fit_split["curve_id"]))[:limit]
    return [
        {
            "name": f"{law}|{curve}",
            "law": law,
            "runs": fit_split.loc[fit_split["curve_id"] == curve, ["x", "y"]].reset_index(drop=True),
            "columns": {"x": "x", "y": "y"},
            "seed": seed,
            **settings,
        }
        for law in LAWS
        for seed, curve in enumerate(ids)
    ]


def serial(jobs: list[dict]) -> tuple[list[bs.Fit], float, list[float], int]:
    """The plain loop in this process, compiled-model cache emptied first."""
    sampling._compiled.clear()
    predict._mean_functions.clear()
    fits, seconds = [], []
    start = time.perf_counter()
    for job in jobs:
        began = time.perf_counter()
        try:
            fits.append(bs.fit(**{k: v for k, v in job.items() if k != "name"}, warn=False))
        except bs.SamplingError:  # a refused fit: fit_many reports it as that job's failure
            fits.append(None)
        seconds.append(time.perf_counter() - began)
    return fits, time.perf_counter() - start, seconds, sampling.cache_info()["compiled_models"]


def _nothing(i: int) -> int:
    return i


def _compiled_here() -> int:
    return sampling.cache_info()["compiled_models"]


def _memory_here() -> int:
    import psutil

    return psutil.Process().memory_info().rss


def on_cluster(jobs: list[dict], workers: int) -> dict:
    """fit_many on a fresh cluster of this machine; also an empty task's round trip."""
    started = time.perf_counter()
    with connect(workers=workers) as client:
        startup = time.perf_counter() - started
        n = 200
        begin = time.perf_counter()
        client.gather(submit_grouped(client, _nothing, [(i,) for i in range(n)]))
        round_trip = (time.perf_counter() - begin) / n
        outcomes = []
        with tempfile.TemporaryDirectory() as folder:
            begin = time.perf_counter()
            fits = bs.fit_many(jobs, scheduler=client, output_dir=folder, on_outcome=outcomes.append)
            wall = time.perf_counter() - begin
        compiled = sum(client.run(_compiled_here).values())
        memory = list(client.run(_memory_here).values())
    return {
        "fits": fits,
        "outcomes": outcomes,
        "wall": wall,
        "startup": startup,
        "round_trip": round_trip,
        "compiled": compiled,
        "memory": memory,
    }


def same_draws(a: bs.Fit, b: bs.Fit) -> bool:
    first, second = a.tree["posterior"].to_dataset(), b.tree["posterior"].to_dataset()
    return all(np.array_equal(first[v].values, second[v].values) for v in first.data_vars)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--tune", type=int, default=1000)
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: cores // chains)")
    parser.add_argument("--limit", type=int, default=None, help="use only the first K curves")
    parser.add_argument("--curves", type=Path, default=CURVES)
    args = parser.parse_args()
    settings = {"draws": args.draws, "tune": args.tune, "chains": args.chains}
    jobs = make_jobs(args.curves, settings, args.limit)
    cores = os.cpu_count() or 1
    workers = local_workers(args.workers, cores_per_task=args.chains)  # fit_many's default: cores // chains
    print(f"{len(jobs)} fits ({len(jobs) // len(LAWS)} curves x {', '.join(LAWS)}), {settings}, {cores} cores")

    serial_fits, serial_wall, serial_seconds, serial_compiled = serial(jobs)
    print(f"serial loop : {serial_wall:7.1f} s wall, {serial_compiled} models compiled")

    run = on_cluster(jobs, workers)
    done = [o for o in run["outcomes"] if o.status == "done"]
    worker_seconds = sum(o.seconds for o in done)
    overhead = (run["wall"] * workers - worker_seconds) / len(jobs)
    pairs = list(zip(run["fits"], serial_fits, strict=True))
    equal = sum(same_draws(a, b) for a, b in pairs if isinstance(a, bs.Fit) and b is not None)
    same_failures = sum(isinstance(a, bs.FailedFit) and b is None for a, b in pairs)
    print(
        f"fit_many    : {run['wall']:7.1f} s wall on {workers} worker processes "
        f"(+ {run['startup']:.1f} s to start them), {run['compiled']} models compiled, "
        f"{len(done)} of {len(jobs)} done; serial / fit_many = {serial_wall / run['wall']:.2f}"
    )
    print(
        f"overhead    : {overhead:.3f} s of worker time per fit not spent fitting "
        f"(scheduling, transfer, saving, idle tail); empty task round trip {1e3 * run['round_trip']:.1f} ms"
    )
    print(
        f"same draws  : {equal} of {len(jobs)} fits equal the serial fit with the same seed; "
        f"{same_failures} jobs refused both ways"
    )
    memory = max(run["memory"]) / 2**20
    print(f"memory      : {', '.join(f'{m / 2**20:.0f}' for m in run['memory'])} MiB per worker after the sweep")

    # Sizing: warm fit times (compilation excluded: the first fit of each law per process)
    warm = {law: [] for law in LAWS}
    compile_seconds = {}
    for job, seconds in zip(jobs, serial_seconds, strict=True):
        if job["law"] in compile_seconds:
            warm[job["law"]].append(seconds)
        else:
            compile_seconds[job["law"]] = seconds
    warm_mean = float(np.mean([t for times in warm.values() for t in times]))
    cores_per_fit = min(args.chains, cores)  # nutpie runs a fit's chains on separate cores
    core_hour_warm = 3600 / (warm_mean * cores_per_fit)
    core_hour_serial = 3600 / (serial_wall * cores / len(jobs))
    core_hour_many = 3600 / (run["wall"] * cores / len(jobs))
    print("\nestimate for a sweep of", f"{SWEEP:,} fits like these ({args.chains} chains x {args.draws} draws):")
    for law in LAWS:
        print(
            f"  {law:9s}: first fit {compile_seconds[law]:.1f} s (compiles), then {np.median(warm[law]):.2f} s "
            f"median per fit, its {args.chains} chains on {cores_per_fit} cores"
        )
    print(
        f"  fits per core-hour: {core_hour_warm:.0f} once each law is compiled (mean warm fit {warm_mean:.2f} s x "
        f"{cores_per_fit} cores); this run end to end, compiles included: {core_hour_serial:.0f} (serial loop), "
        f"{core_hour_many:.0f} (fit_many)"
    )
    core_hours = SWEEP / core_hour_warm
    print(
        f"  {SWEEP:,} fits ~ {core_hours:.1f} core-hours: about {60 * core_hours / 64:.0f} min on 64 cores "
        f"({64 // cores_per_fit} workers x {cores_per_fit} cores, one fit at a time per worker), plus one compile "
        f"per law per worker ({sum(compile_seconds.values()):.0f} s per worker for these {len(LAWS)} laws)"
    )
    print(
        f"  memory: {memory:.0f} MiB per worker measured with {len(LAWS)} compiled laws; give each worker "
        f"{max(1.0, np.ceil(2 * memory / 1024)):.0f} GiB (twice the measure, for more laws and longer chains), "
        "and run with output_dir= and return_fits=False so the client holds paths, not fits"
    )


if __name__ == "__main__":
    main()
