"""Benchmark: how often fits end unsettled, with the old defaults and the new ones, in one run.

Datasets: the fit half of each of the 51 learning curves of ``../shared/data/learning_curves``
(fitted with ``power_law`` and ``bnsl``) and 20 synthetic Chinchilla datasets (the design of
``tests/test_calibration_study.py``: runs below 1e21 FLOP, Student-t noise of 2%).

Settings, both run in one ``bs.fit_many`` sweep on this machine's cores (a Dask cluster of
cores // 4 worker processes, so each fit's 4 chains have the cores to themselves):
- ``baseline``: the law files as they were before reparameterization (read from git at
  ``BASELINE_COMMIT``), chains started at PyMC's jittered default point, no reruns.
- ``defaults``: the current law files and ``bs.fit``'s defaults (chains started near the
  posterior's modes, reruns when the checks fail).

Every fit uses 4 chains x 1000 draws, 1000 tuning steps and a fixed seed. Per setting and
group it prints the share of fits ending with R-hat > 1.01 or bulk ESS < 400 (over the
sampled parameters and the law's derived ones), fits with divergences that no warning or
error reported, fits returned as a result with R-hat > 1.05, fits refused, and seconds.
Each law is compiled on the workers by an untimed fit before timing starts; seconds are
measured on the worker, per fit. A refused fit counts as unsettled.

    python benchmarks/sampler_health.py [--curves 51] [--chinchilla 20] [--normal 0] [--csv out.csv]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import bayescale as bs
from bayescale.cluster import connect
from bayescale.many import FailedFit, JobOutcome

ROOT = Path(__file__).resolve().parents[1]
CURVES = ROOT.parent / "shared" / "data" / "learning_curves" / "curves.csv"
BASELINE_COMMIT = "2f3e877"
REPARAMETERIZED = ("power_law", "bnsl")
CHINCHILLA_TRUTH = {"E": 1.8, "A_raw": 480.0, "B_raw": 2000.0, "alpha": 0.35, "beta": 0.37}
MAX_RHAT, MIN_ESS, MAX_RETURNED_RHAT = 1.01, 400, 1.05


def baseline_laws(directory: Path) -> dict[str, str]:
    """The reparameterized laws' files as of ``BASELINE_COMMIT``, written to ``directory``."""
    paths = {}
    for name in REPARAMETERIZED:
        text = subprocess.run(
            ["git", "show", f"{BASELINE_COMMIT}:models/{name}.py"], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout
        # the engine's own Prior replaced pymc_extras' (same arguments) after that commit
        text = text.replace("from pymc_extras.prior import Prior", "from bayescale.priors import Prior")
        path = directory / f"{name}.py"
        path.write_text(text)
        paths[name] = str(path)
    return paths


def simulate_chinchilla(seed: int) -> pd.DataFrame:
    """Runs below 1e21 FLOP on the calibration study's grid, Student-t(4) noise of 2% s.d."""
    rng = np.random.default_rng(seed)
    params = np.repeat(np.geomspace(4e7, 1.6e10, 12), 5)
    tokens = params * np.tile(np.geomspace(5, 200, 5), 12)
    t = CHINCHILLA_TRUTH
    mean = t["E"] + t["A_raw"] / params ** t["alpha"] + t["B_raw"] / tokens ** t["beta"]
    loss = mean * np.exp(0.02 / np.sqrt(2) * rng.standard_t(4, size=len(mean)))
    runs = pd.DataFrame({"params": params, "tokens": tokens, "loss": loss})
    return runs[6 * runs["params"] * runs["tokens"] < 1e21].reset_index(drop=True)


def datasets(n_curves: int, n_chinchilla: int, n_normal: int = 0):
    """(group, dataset name, law name, likelihood, runs) for every fit of the benchmark."""
    curves = pd.read_csv(CURVES)
    fit_half = curves[curves["split"] == "fit"]
    ids = sorted(fit_half["curve_id"].unique())[:: max(1, 51 // max(n_curves, 1))][:n_curves]
    for curve_id in ids:
        runs = fit_half.loc[fit_half["curve_id"] == curve_id, ["x", "y"]].reset_index(drop=True)
        for law in REPARAMETERIZED:
            yield f"curves/{law}", curve_id, law, "student_t", runs
    for seed in range(n_chinchilla):
        yield "chinchilla", f"seed {seed}", "chinchilla", "student_t", simulate_chinchilla(seed)
    for seed in range(n_normal):
        yield "chinchilla/normal", f"seed {seed}", "chinchilla", "normal", simulate_chinchilla(seed)


BASELINE_OPTIONS = {"init": "jitter", "remedies": False, "allow_unconverged": True, "tune": 1000}


def make_jobs(fits: list, old: dict[str, str], seed: int) -> list[dict]:
    """One ``fit_many`` job per dataset and setting; the name carries group, dataset and setting."""
    jobs = []
    for group, name, law, likelihood, runs in fits:
        for setting in ("baseline", "defaults"):
            options = BASELINE_OPTIONS if setting == "baseline" else {}
            law_file = old.get(law, law) if setting == "baseline" else law
            jobs.append({"name": f"{group}|{name}|{setting}", "law": law_file, "runs": runs, "seed": seed,
                         "likelihood": likelihood, "warn": False, **options})  # fmt: skip
    return jobs


def _number(pattern: str, text: str) -> float:
    found = re.search(pattern, text)
    return float(found.group(1)) if found else float("nan")


def record(result: bs.Fit | FailedFit, outcome: JobOutcome) -> dict:
    """How one fit ended. A refused fit is measured from its one-line error, which names the
    worst R-hat and any divergences; every problem a returned fit has is in its one warning."""
    group, rest = outcome.name.split("|", 1)  # curve names hold "|" too
    name, setting = rest.rsplit("|", 1)
    base = {"group": group, "dataset": name, "setting": setting, "seconds": outcome.seconds}
    if isinstance(result, FailedFit):
        refused = "did not settle" in result.error
        divergences = _number(r"(\d+) of \d+ draws diverged", result.error)
        return base | {
            "max_rhat": _number(r"R-hat (\d+\.\d+) >", result.error) if refused else float("nan"),
            "min_ess_bulk": float("nan"),
            "divergences": 0 if np.isnan(divergences) else int(divergences),
            "divergences_unreported": False,  # the error names them
            "warnings": 0,
            "refused": refused,
            "error": "" if refused else result.error,
            "returned_above_limit": False,
            "reruns": float("nan"),
            "worst": "",
        }
    d = result.diagnostics
    rhat = max(d.rhat.values())
    reported = " ".join(d.problems)  # what the fit's single warning says
    return base | {
        "max_rhat": rhat,
        "min_ess_bulk": min(d.ess_bulk.values()),
        "divergences": d.divergences,
        "divergences_unreported": bool(d.divergences) and "diverged" not in reported,
        "warnings": int(not d.ok),
        "refused": False,
        "error": "",
        "returned_above_limit": not rhat <= MAX_RETURNED_RHAT,
        "reruns": sum(done.startswith("reran") for done in result.settings.get("reruns", [])),  # not the pooling
        "worst": d.worst or "",
    }


def warm_up(client, fits: list, old: dict[str, str]) -> None:
    """Compile every (law, likelihood) once on the workers, untimed: a short fit of each."""
    jobs, seen = [], set()
    for _, _, law, likelihood, runs in fits:
        for key in (law, old.get(law, law)):
            if (key, likelihood) not in seen:
                seen.add((key, likelihood))
                short = {"draws": 50, "tune": 50, "chains": 1, "seed": 0, "warn": False}
                jobs.append({"law": key, "runs": runs, "likelihood": likelihood, **short, **BASELINE_OPTIONS})
    bs.fit_many(jobs, scheduler=client)


def table(results: pd.DataFrame) -> pd.DataFrame:
    failed = results["refused"] | (results["error"] != "")
    unsettled = (results["max_rhat"] > MAX_RHAT) | (results["min_ess_bulk"] < MIN_ESS) | failed
    results = results.assign(unsettled=unsettled, rhat_above=results["max_rhat"] > MAX_RHAT, failed=failed)
    columns = {
        "fits": ("seconds", "size"),
        "unsettled_share": ("unsettled", "mean"),
        "rhat_above_1_01": ("rhat_above", "sum"),
        "ess_below_400": ("min_ess_bulk", lambda v: int((v < MIN_ESS).sum())),
        "divergent_fits": ("divergences", lambda v: int((v > 0).sum())),
        "divergences_unreported": ("divergences_unreported", "sum"),
        "returned_rhat_above_1_05": ("returned_above_limit", "sum"),
        "refused": ("refused", "sum"),
        "other_errors": ("error", lambda v: int((v != "").sum())),
        "reruns": ("reruns", "sum"),
        "seconds": ("seconds", "sum"),
    }
    rows = results.groupby(["group", "setting"]).agg(**columns)
    totals = results.groupby("setting").agg(**columns)
    totals.index = pd.MultiIndex.from_product([["all"], totals.index], names=["group", "setting"])
    return pd.concat([rows, totals])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--curves", type=int, default=51, help="learning curves to fit (evenly spaced subset)")
    parser.add_argument("--chinchilla", type=int, default=20, help="synthetic Chinchilla datasets")
    parser.add_argument("--normal", type=int, default=0, help="the same datasets fitted with a normal likelihood")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: cores // 4 chains)")
    parser.add_argument("--csv", type=Path, help="write one row per fit here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        old = baseline_laws(Path(tmp))
        fits = list(datasets(args.curves, args.chinchilla, args.normal))
        jobs = make_jobs(fits, old, args.seed)
        outcomes: dict[int, JobOutcome] = {}

        def show(outcome: JobOutcome) -> None:
            outcomes[outcome.position] = outcome
            seconds = outcome.seconds or 0.0
            print(f"{outcome.name:58s} {outcome.status:6s} {seconds:6.1f} s {outcome.error[:70]}", flush=True)

        with connect(workers=args.workers, cores_per_task=4) as client:
            warm_up(client, fits, old)
            start = time.perf_counter()
            results = bs.fit_many(jobs, scheduler=client, on_outcome=show)
            wall = time.perf_counter() - start
    results = pd.DataFrame([record(r, outcomes[i]) for i, r in enumerate(results)])
    if args.csv:
        results.to_csv(args.csv, index=False)
    summary = table(results)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(summary.round(3).to_string())
    seconds = results.groupby("setting")["seconds"].sum()
    print(f"wall time of the sweep on fit_many: {wall:.0f} s")
    print(f"time of the new defaults / baseline: {seconds['defaults'] / seconds['baseline']:.2f}x "
          f"({seconds['defaults']:.0f} s vs {seconds['baseline']:.0f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
