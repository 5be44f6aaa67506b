"""Do the intervals hold on real extrapolation? Coverage on real held-out splits.

For each split (public data in ../shared/data) the law is fitted on the smaller runs and
asked for the larger ones, three ways (the fits run as one ``bs.fit_many`` sweep on this
machine's cores; scoring runs in this process):

- ``calibrated``: bayescale's default (series where the data has them, the law's
  discrepancy learned by leave-future-out);
- ``iid``: every row an independent run, the law taken as exact (``uncertainty="iid"``);
- ``conformal``: split-conformal intervals around the iid fit's median, their half-width
  the quantile of the absolute leave-future-out errors inside the fitted runs (the same
  cuts the calibrated model learns from).

Per split: 50% and 90% coverage of the new-run interval, median relative width of the 90%
interval, median |relative error| of the median, and time. Pooled figures come last:
every split weighs the same, and inside ``learning_curves`` and ``model_families`` every
curve or scaled set weighs the same.

    python benchmarks/calibration_real.py            # every split
    python benchmarks/calibration_real.py --quick    # a few curves and sets, for a smoke run
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

import bayescale as bs
from bayescale.discrepancy import HeldOut, growth_draws
from bayescale.extrapolation import leave_future_out
from bayescale.fit import EVIDENCE
from bayescale.likelihood import OUTPUT_SCALES
from bayescale.many import FailedFit, JobOutcome
from bayescale.model import ModelSpec, resolve_scales
from bayescale.predictive import GROWTH
from bayescale.runs import load_runs
from bayescale.sampling import SamplerSettings

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
METHODS = ("calibrated", "iid", "conformal")
FIT_SETTINGS = {"draws": 1000, "tune": 1000, "chains": 4}


@dataclass(frozen=True)
class Task:
    """One fit and its targets: the split, the unit that weighs as one inside it, the law and data."""

    split: str
    unit: str
    law: str
    train: pd.DataFrame
    test: pd.DataFrame
    columns: dict
    series: str | None = None
    continues: str | None = None  # the targets continue this series of the fitted rows


def chinchilla(cut: float) -> Iterator[Task]:
    runs = pd.read_csv(DATA / "chinchilla" / "runs.csv").query("not epoch_excluded")
    flops = 6 * runs["params"] * runs["tokens"]
    yield Task(f"chinchilla <{cut:.0e}", "all", "chinchilla", runs[flops < cut], runs[flops >= 1e21], {})


def learning_curves(quick: bool) -> Iterator[Task]:
    curves = pd.read_csv(DATA / "learning_curves" / "curves.csv")
    ids = curves["curve_id"].unique()
    for curve_id in ids[:: 10 if quick else 1]:
        rows = curves[curves["curve_id"] == curve_id]
        yield Task(
            "learning_curves",
            curve_id,
            "power_law",
            rows[rows["split"] == "fit"],
            rows[rows["split"] == "target"],
            {},
            series="curve_id",
            continues=curve_id,
        )


def thin(rows: pd.DataFrame, per_model: int) -> pd.DataFrame:
    """At most ``per_model`` checkpoints per model, evenly spaced in log tokens."""
    kept = []
    for _, model in rows.groupby("model"):
        model = model.sort_values("tokens")
        if len(model) > per_model:
            model = model.iloc[np.unique(np.linspace(0, len(model) - 1, per_model).round().astype(int))]
        kept.append(model)
    return pd.concat(kept)


def model_families(quick: bool) -> Iterator[Task]:
    """Within each scaled set of three or more models: fit all but the largest (checkpoints past
    the first 10% of each model's tokens, as Choshen et al. advise), predict the largest one's
    final loss. Sets whose losses are rescaled per model (no shared law) are left out."""
    rows = pd.read_csv(DATA / "model_families" / "families.csv")
    rows = rows[rows["primary"] & rows["scaled_set"].notna() & (rows["loss_kind"] != "val_rescaled")]
    sets = [s for s, r in rows.groupby("scaled_set") if r["model"].nunique() >= 3]
    for name in sets[:: 6 if quick else 1]:
        set_rows = rows[rows["scaled_set"] == name]
        start = set_rows.groupby("model")["tokens"].transform("max") * 0.1
        set_rows = set_rows[set_rows["tokens"] >= start]
        largest = set_rows["params"].max()
        train = thin(set_rows[set_rows["params"] < largest], 40)
        target = set_rows[set_rows["params"] == largest]
        target = target[target["tokens"] == target["tokens"].max()].head(1)
        yield Task("model_families", name, "chinchilla", train, target, {}, series="model")


def overtraining() -> Iterator[Task]:
    """Gadre et al.'s protocol: per training dataset, fit the paper's fitting runs, predict its targets."""
    runs = pd.read_csv(DATA / "overtraining" / "runs.csv")
    for dataset, rows in runs.groupby("train_dataset"):
        yield Task(
            "overtraining", dataset, "overtraining", rows[rows["paper_loss_fit"]], rows[rows["split"] == "target"], {}
        )


def isoflop() -> Iterator[Task]:
    runs = pd.read_csv(DATA / "isoflop" / "runs.csv")
    runs = runs[(runs[["params", "tokens", "loss"]] > 0).all(axis=1)]
    for config, rows in runs.groupby("config"):
        budgets = np.sort(rows["budget_flops"].unique())
        held = rows["budget_flops"] >= budgets[-2]
        yield Task("isoflop", config, "chinchilla", rows[~held], rows[held], {})


def data_constrained() -> Iterator[Task]:
    runs = pd.read_csv(DATA / "data_constrained" / "runs.csv").query("in_published_fit")
    largest = runs["params"].max()
    yield Task(
        "data_constrained",
        "all",
        "data_constrained",
        runs[runs["params"] < largest],
        runs[runs["params"] == largest],
        {},
    )


def tasks(quick: bool) -> Iterator[Task]:
    yield from chinchilla(1e21)
    yield from chinchilla(1e20)
    yield from learning_curves(quick)
    yield from model_families(quick)
    yield from overtraining()
    yield from isoflop()
    yield from data_constrained()


def _targets(fit: bs.Fit, task: Task) -> tuple[pd.DataFrame, np.ndarray]:
    output = fit.output_name()
    return task.test, task.test[fit.columns.get(output, output)].to_numpy(dtype=float)


def _interval_rows(task: Task, method: str, observed, median, bounds: Callable[[float], tuple]) -> pd.DataFrame:
    lo50, hi50 = bounds(0.5)
    lo90, hi90 = bounds(0.9)
    return pd.DataFrame(
        {
            "split": task.split,
            "unit": task.unit,
            "method": method,
            "covered_50": (observed >= lo50) & (observed <= hi50),
            "covered_90": (observed >= lo90) & (observed <= hi90),
            "rel_width_90": (hi90 - lo90) / np.abs(observed),
            "abs_rel_error": np.abs(median - observed) / np.abs(observed),
        }
    )


def _bayes_rows(fit: bs.Fit, task: Task, method: str) -> pd.DataFrame:
    points, observed = _targets(fit, task)
    series = task.continues if method != "iid" else None
    tables = {level: fit.predict(points, interval=level, series=series) for level in (0.5, 0.9)}
    median = tables[0.9]["median"].to_numpy()

    def bounds(level):
        return tables[level]["predictive_lower"].to_numpy(), tables[level]["predictive_upper"].to_numpy()

    return _interval_rows(task, method, observed, median, bounds)


def _conformal_rows(fit: bs.Fit, task: Task, seed: int) -> pd.DataFrame:
    """Split-conformal around the iid fit's median, from its leave-future-out errors."""
    law = fit.law
    runs = load_runs(task.train, law, task.columns)
    spec = ModelSpec.create(law)
    settings = SamplerSettings(**FIT_SETTINGS, seed=seed)
    evidence, _ = leave_future_out(spec, runs, resolve_scales(law, runs), settings)
    points, observed = _targets(fit, task)
    median = fit.predict(points, interval=0.9)["median"].to_numpy()
    scale = OUTPUT_SCALES[law.outputs[fit.output_name()].kind]
    errors = np.abs(evidence.error)

    def bounds(level):
        if len(errors) == 0:
            return np.full_like(median, -np.inf), np.full_like(median, np.inf)
        q = np.quantile(errors, min(1.0, level * (1 + 1 / len(errors))))
        centre = scale.to_scale(median)
        return scale.from_scale(centre - q), scale.from_scale(centre + q)

    return _interval_rows(task, "conformal", observed, median, bounds)


def with_growth(fit: bs.Fit, per_cut: bool, floor: float, seed: int) -> bs.Fit:
    """The fit with its discrepancy growth redrawn from its stored leave-future-out evidence:
    weighted as stored, or each cut counting as one observation (``per_cut``), with ``floor``."""
    evidence = HeldOut.from_dataset(fit.tree[EVIDENCE].to_dataset())
    if per_cut:
        totals = pd.Series(evidence.weight).groupby(evidence.cut).transform("sum").to_numpy()
        evidence = replace(evidence, weight=evidence.weight / totals)
    post = fit.posterior
    n = post.sizes["chain"] * post.sizes["draw"]
    growth = growth_draws(evidence, fit.spec.noise.nu, n, np.random.default_rng(seed), floor=floor)
    tree = fit.tree.copy()
    tree["posterior"] = xr.DataTree(post.assign({GROWTH: (("chain", "draw"), growth.reshape(post[GROWTH].shape))}))
    return replace(fit, tree=tree)


SENSITIVITY = [(False, 0.0), (False, 0.01), (False, 0.03), (True, 0.0)]


def fit_jobs(task: Task, seed: int) -> list[dict]:
    """The task's two fits as ``fit_many`` jobs: the default (calibrated) and ``uncertainty="iid"``.
    Unsettled fits are kept (and scored as they predict): a benchmark measures every split."""
    series = {"series": task.series} if task.series else {}
    common = dict(law=task.law, runs=task.train, columns=task.columns, seed=seed, warn=False, allow_unconverged=True)
    return [
        {"name": f"{task.split}|{task.unit}|{method}", "uncertainty": method, **series, **common, **FIT_SETTINGS}
        for method in ("calibrated", "iid")
    ]


def score_task(task: Task, fits: dict[str, bs.Fit], seconds: dict[str, float], seed: int, sensitivity: bool):
    """Rows of every method for one task, from its two fits; the conformal baseline's time adds
    its leave-future-out point fits to the iid fit's."""
    rows, times = [], dict(seconds)
    for method, fit in fits.items():
        rows.append(_bayes_rows(fit, task, method))
        if method == "calibrated" and sensitivity:
            for per_cut, floor in SENSITIVITY:
                name = f"cal {'per-cut' if per_cut else 'n_eff'} floor {floor:g}"
                rows.append(_bayes_rows(with_growth(fit, per_cut, floor, seed), task, name))
    start = time.perf_counter()
    rows.append(_conformal_rows(fits["iid"], task, seed))
    times["conformal"] = time.perf_counter() - start + seconds["iid"]
    return pd.concat(rows, ignore_index=True), times


def summarize(rows: pd.DataFrame, times: pd.DataFrame) -> pd.DataFrame:
    """Per split and method: each unit weighs the same inside a split."""
    per_unit = rows.groupby(["split", "unit", "method"]).agg(
        cov50=("covered_50", "mean"),
        cov90=("covered_90", "mean"),
        width=("rel_width_90", "median"),
        error=("abs_rel_error", "median"),
        targets=("covered_90", "size"),
    )
    table = per_unit.groupby(["split", "method"]).agg(
        cov50=("cov50", "mean"),
        cov90=("cov90", "mean"),
        width=("width", "median"),
        error=("error", "median"),
        targets=("targets", "sum"),
        units=("cov90", "size"),
    )
    table["seconds"] = times.groupby(["split", "method"])["seconds"].sum()
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few curves and scaled sets only")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--only", default=None, help="run only splits whose name contains this text (several: comma-separated)"
    )
    parser.add_argument("--out", default=None, help="write per-target rows to this CSV")
    parser.add_argument("--workers", type=int, default=None, help="fit_many's worker processes (cores // chains)")
    parser.add_argument("--sensitivity", action="store_true", help="also redraw the growth with other evidence weights")
    args = parser.parse_args()
    if not DATA.is_dir():
        raise SystemExit(f"no data at {DATA}: this benchmark needs ../shared/data beside the checkout")
    warnings.simplefilter("ignore")
    wanted = args.only.split(",") if args.only else None
    selected = [t for t in tasks(args.quick) if wanted is None or any(w in t.split for w in wanted)]
    jobs = [job for task in selected for job in fit_jobs(task, args.seed)]
    seconds: dict[int, float] = {}

    def arrived(outcome: JobOutcome) -> None:
        seconds[outcome.position] = outcome.seconds or float("nan")
        print(
            f"  fitted {outcome.name} ({outcome.status}, {seconds[outcome.position]:.1f} s) {outcome.error}", flush=True
        )

    start = time.perf_counter()
    results = bs.fit_many(jobs, workers=args.workers, on_outcome=arrived)
    print(f"{len(jobs)} fits on fit_many in {time.perf_counter() - start:.0f} s wall", flush=True)
    all_rows, all_times = [], []
    for i, task in enumerate(selected):
        pair = {jobs[j]["uncertainty"]: (results[j], seconds[j]) for j in (2 * i, 2 * i + 1)}
        failed = [f"{m}: {r.error}" for m, (r, _) in pair.items() if isinstance(r, FailedFit)]
        if failed:
            print(f"{task.split:>18} {task.unit[:36]:<36} not scored: {'; '.join(failed)}", flush=True)
            continue
        fits = {m: r for m, (r, _) in pair.items()}
        rows, times = score_task(task, fits, {m: t for m, (_, t) in pair.items()}, args.seed, args.sensitivity)
        all_rows.append(rows)
        all_times += [{"split": task.split, "method": m, "seconds": s} for m, s in times.items()]
        brief = rows.groupby("method").agg(cov90=("covered_90", "mean"), width=("rel_width_90", "median"))
        cells = "  ".join(f"{m} {r.cov90:.2f}/{r.width:.3f}" for m, r in brief.iterrows())
        print(f"{task.split:>18} {task.unit[:36]:<36} {cells} ({len(task.test)} targets)", flush=True)
        if args.out:
            pd.concat(all_rows, ignore_index=True).to_csv(args.out, index=False)
    rows = pd.concat(all_rows, ignore_index=True)
    if args.out:
        rows.to_csv(args.out, index=False)
    table = summarize(rows, pd.DataFrame(all_times))
    pd.set_option("display.width", 200)
    print(
        "\nPer split (90% and 50% coverage of the new-run interval, median relative 90% width, "
        "median |relative error|):"
    )
    print(table.round(3).to_string())
    pooled = table.groupby("method")[["cov50", "cov90", "width", "error"]].mean()
    pooled["worst_split_cov90"] = table.groupby("method")["cov90"].min()
    print("\nPooled (every split weighs the same):")
    print(pooled.round(3).to_string())


if __name__ == "__main__":
    main()
