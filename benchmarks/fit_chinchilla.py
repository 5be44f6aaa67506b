"""Benchmark: bayescale on Epoch AI's 240 Chinchilla runs against the practitioners' point fit.

Times, in one process: (a) a cold fit including compilation, (b) a warm refit reusing the
compiled model (the default, calibrated: its leave-future-out refits included), and the same
with ``uncertainty="iid"`` (no refits), (c) the baseline: scipy L-BFGS-B on Epoch's Huber objective from Epoch's
4,500-point grid of starts, then a bootstrap refit from the best start. Prints seconds,
bulk effective sample size per second for alpha and beta (bootstrap resamples count as
independent draws) and the ratio of bayescale's warm fit to the baseline.

    python benchmarks/fit_chinchilla.py [--resamples 4000] [--seed 1]

With ``--startup`` it times instead what a new user waits for, each in a fresh process and
repeated (medians): ``import bayescale``, ``bayescale --help``, ``bayescale laws``, and
``bayescale demo`` (and the demo at ``bs.fit``'s default chain length) with an empty PyTensor
compile directory (a machine that never compiled the model) and with a filled one; then each
way of compiling the model in ``compile_options.py``, cold and warm, with its sampling time,
ESS and a checksum of the draws.
With ``--warm`` it times warm fits (the default and ``uncertainty="iid"``): in each of
``--repeats`` fresh processes, one untimed fit of each kind, then 8 timed ones of each.
``--against PYTHON`` runs the same start-up commands or warm fits with another installation's
interpreter (e.g. a checkout of an earlier commit in its own virtual environment) in the same
run, the two interpreters taking turns.

    python benchmarks/fit_chinchilla.py --startup [--repeats 5] [--heavy-repeats 3] [--against OLD_PYTHON]
    python benchmarks/fit_chinchilla.py --warm [--repeats 5] [--against OLD_PYTHON]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
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


HERE = Path(__file__).resolve().parent
STARTUP_COMMANDS = {
    "import bayescale": ["-c", "import bayescale"],
    "bayescale --help": ["-m", "bayescale.cli", "--help"],
    "bayescale laws": ["-m", "bayescale.cli", "laws"],
}
# the demo as shipped (4 x 500 draws), and with the fit's default chain length
DEMOS = {"bayescale demo": [], "demo --draws 1000 --tune 1000": ["--draws", "1000", "--tune", "1000"]}


def run_process(python: str, args: list[str], compile_dir: str | None = None) -> tuple[float, float, str]:
    """Wall and CPU seconds (user + system) of one child process, and its stdout."""
    env = dict(os.environ)
    if compile_dir is not None:
        env["PYTENSOR_FLAGS"] = f"base_compiledir={compile_dir}"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([python, *args], env=env, capture_output=True, text=True, cwd=tempfile.gettempdir())
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise RuntimeError(f"{python} {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def median_pair(samples: list[tuple[float, float]]) -> str:
    walls, cpus = zip(*samples, strict=True)
    return f"{statistics.median(walls):7.2f} s wall {statistics.median(cpus):7.2f} s CPU"


def startup_rows(pythons: list[str], repeats: int, heavy_repeats: int) -> list[dict[str, str]]:
    """Median wall and CPU seconds of the start-up commands and the demo, cold and warm, per
    interpreter; the interpreters take turns, so a slow minute of the machine hits them alike."""
    samples: list[dict[str, list]] = [{} for _ in pythons]
    for label, args in STARTUP_COMMANDS.items():
        for _ in range(repeats):
            for python, rows in zip(pythons, samples, strict=True):
                rows.setdefault(label, []).append(run_process(python, args)[:2])
    for label, extra in DEMOS.items():
        # an earlier version's demo may not take the options: its row is left out
        able = [p for p in pythons if not extra or has_options(p, ["demo"], extra)]
        for _ in range(heavy_repeats):
            for python, rows in zip(pythons, samples, strict=True):
                if python not in able:
                    continue
                with tempfile.TemporaryDirectory() as compile_dir:
                    command = ["-m", "bayescale.cli", "demo", "--json", *extra]
                    for state in ("empty", "filled"):  # the first run fills the compile directory
                        rows.setdefault(f"{label}, {state} compile dir", []).append(
                            run_process(python, command, compile_dir)[:2]
                        )
    return [{label: median_pair(values) for label, values in rows.items()} for rows in samples]


def has_options(python: str, command: list[str], options: list[str]) -> bool:
    """Whether ``python``'s ``bayescale`` command lists every ``--option`` among ``options`` in its help."""
    shown = run_process(python, ["-m", "bayescale.cli", *command, "--help"])[2]
    return all(o in shown for o in options if o.startswith("--"))


def compile_option_rows(repeats: int) -> list[dict]:
    """Each compile option, cold then warm, in fresh processes; medians over ``repeats``."""
    from compile_options import OPTIONS

    rows = []
    for option in OPTIONS:
        runs = {"cold": [], "warm": []}
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as compile_dir:
                for state in ("cold", "warm"):
                    out = run_process(sys.executable, [str(HERE / "compile_options.py"), option], compile_dir)[2]
                    runs[state].append(json.loads(out.strip().splitlines()[-1]))
        for state, results in runs.items():
            row = {"option": option, "state": state}
            for key in results[0]:
                if key != "option":
                    row[key] = statistics.median(r[key] for r in results)
            row["same_draws"] = len({r["checksum"] for r in runs["cold"] + runs["warm"]}) == 1
            rows.append(row)
    return rows


# run by each interpreter in a fresh process: warm fits of the 240 runs, as JSON; it uses only
# what every version of the package has, so an earlier checkout can run it too
WARM_FITS = """
import inspect, json, sys, time
import bayescale as bs
runs = bs.datasets.load("chinchilla").query("not epoch_excluded")
kinds = {"default": {}}
if "uncertainty" in inspect.signature(bs.fit).parameters:
    kinds["iid"] = {"uncertainty": "iid"}
for kind, options in kinds.items():  # untimed: compiles the model and first-use functions
    bs.fit("chinchilla", runs, seed=1, warn=False, **options)
out = {kind: {"seconds": [], "ess": []} for kind in kinds}
for seed in range(2, 2 + int(sys.argv[1])):
    for kind, options in kinds.items():
        start = time.perf_counter()
        fit = bs.fit("chinchilla", runs, seed=seed, warn=False, **options)
        out[kind]["seconds"].append(time.perf_counter() - start)
        out[kind]["ess"].append(min(fit.diagnostics.ess_bulk[p] for p in ("alpha", "beta")))
print(json.dumps(out))
"""


def warm_fits(fits: int, rounds: int, against: str | None) -> None:
    """Warm fits in fresh processes, the interpreters taking turns: median seconds per kind of fit."""
    pythons = [sys.executable, *([against] if against else [])]
    results: list[dict[str, dict[str, list]]] = [{} for _ in pythons]
    for _ in range(rounds):
        for python, result in zip(pythons, results, strict=True):
            out = json.loads(run_process(python, ["-c", WARM_FITS, str(fits)])[2].strip().splitlines()[-1])
            for kind, values in out.items():
                for key, numbers in values.items():
                    result.setdefault(kind, {}).setdefault(key, []).extend(numbers)
    print(f"warm fits of the 240 runs: {rounds} processes per interpreter, {fits} timed fits of each kind in each")
    for python, result in zip(pythons, results, strict=True):
        for kind, values in result.items():
            seconds = values["seconds"]
            print(f"{python:30s} {kind:8s} median {statistics.median(seconds):5.2f} s "
                  f"(quartiles {np.quantile(seconds, 0.25):.2f}-{np.quantile(seconds, 0.75):.2f}), "
                  f"smallest bulk ESS of alpha and beta {min(values['ess']):.0f}")  # fmt: skip


def startup(repeats: int, heavy_repeats: int, against: str | None) -> None:
    print(f"start-up: medians of {repeats} fresh processes ({heavy_repeats} for the demo and compile options)")
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    rows, *others = startup_rows([sys.executable, *([against] if against else [])], repeats, heavy_repeats)
    old = others[0] if others else {}
    for label, value in rows.items():
        print(f"{label:36s} {value}" + (f"   | {against}: {old.get(label, 'not an option there')}" if old else ""))
    print("\ncompiling the model (4 chains x 1000 draws, 1000 tuning steps); cold = empty compile directory")
    header = ["option", "state", "compile wall", "compile CPU", "sample wall", "sample CPU", "ESS alpha", "ESS beta"]
    print(f"{header[0]:16s} {header[1]:5s} " + " ".join(f"{h:>12s}" for h in header[2:]) + "  same draws")
    for r in compile_option_rows(heavy_repeats):
        numbers = [r["compile_wall"], r["compile_cpu"], r["sample_wall_2"], r["sample_cpu_2"], r["ess_alpha"]]
        print(f"{r['option']:16s} {r['state']:5s} " + " ".join(f"{v:12.2f}" for v in numbers)
              + f" {r['ess_beta']:12.0f}  {'yes' if r['same_draws'] else 'NO'}")  # fmt: skip
    print(f"load average after: {os.getloadavg()[0]:.1f} (2 cores; wall time stretches with load, CPU time less)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resamples", type=int, default=4000, help="bootstrap resamples of the baseline")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--startup", action="store_true", help="time start-up, the demo and compile options")
    parser.add_argument("--repeats", type=int, default=5, help="fresh processes per start-up command")
    parser.add_argument("--heavy-repeats", type=int, default=3, help="fresh runs of the demo and each compile option")
    parser.add_argument("--warm", action="store_true", help="time warm fits in fresh processes")
    parser.add_argument("--against", help="another installation's python, timed on the same start-up commands")
    args = parser.parse_args()
    if args.warm:
        warm_fits(8, args.repeats, args.against)
        return
    if args.startup:
        startup(args.repeats, args.heavy_repeats, args.against)
        return

    runs = bs.datasets.load("chinchilla").query("not epoch_excluded")
    sampling._compiled.clear()
    predict._mean_functions.clear()
    cold, cold_s = timed(bs.fit, "chinchilla", runs, seed=args.seed, warn=False)
    warm, warm_s = timed(bs.fit, "chinchilla", runs, seed=args.seed + 1, warn=False)
    iid, iid_s = timed(bs.fit, "chinchilla", runs, seed=args.seed + 2, warn=False, uncertainty="iid")
    rows = [bayescale_row("bayescale cold (compile + sample)", cold, cold_s),
            bayescale_row("bayescale warm (compiled model reused)", warm, warm_s),
            bayescale_row("bayescale warm, uncertainty='iid'", iid, iid_s)]  # fmt: skip

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
    print(f"ratio of ESS/s for alpha, warm / baseline: {rows[1]['ess_per_s_alpha'] / rows[-1]['ess_per_s_alpha']:.0f}x")
    goal = warm_s < 3 and min(warm.diagnostics.ess_bulk[p] for p in ("alpha", "beta")) >= 1000
    print(f"warm fit under 3 s with bulk ESS >= 1000 for alpha and beta: {'yes' if goal else 'no'}")
    e, a, b = (np.median(warm.posterior[p]) for p in ("E", "alpha", "beta"))
    print(f"posterior medians E {e:.4f} alpha {a:.4f} beta {b:.4f}; baseline point E {base['E']:.4f} "
          f"alpha {base['alpha']:.4f} beta {base['beta']:.4f}")  # fmt: skip


if __name__ == "__main__":
    main()
