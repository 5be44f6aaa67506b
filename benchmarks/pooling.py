"""What partial pooling buys on real data: one grouped fit against a fit per group.

Three studies, each on public data in ../shared/data (see each folder's SOURCE.md):

- ``overtraining`` (Gadre et al. 2024): the three training datasets in one fit, with the
  exponent shared and E, a, b varying by dataset, or all four varying, against the paper's
  protocol of one fit per dataset on its five fitting runs. Scored on the paper's six targets
  (median |relative error|, 90% coverage of the new-run interval) and by the log predictive
  density of every held-out run larger in compute than the largest fitted run.
- ``model_families`` (Choshen et al. 2024): within each scaled set of three or more models,
  predict the largest model's final loss from the smaller ones: one fit per set, one joint fit
  with E, A, B varying by set, and the joint fit with a whole set left out (a new group).
- ``learning_curves`` (Alabdulmohsin et al. 2022): per domain, all curves in one fit with
  y_c, r_c and alpha (the value at the runs' centre, its reducible share, the exponent) varying
  by curve, against one fit per curve; target RMSE in log y and 90% coverage.

Every table also reports the sampler's health (divergences, largest R-hat, smallest bulk ESS).

    python benchmarks/pooling.py                    # everything at the default sampler settings
    python benchmarks/pooling.py --only overtraining
    python benchmarks/pooling.py --quick            # short chains, as the notebook runs them
    python benchmarks/pooling.py --only model_families --sets A,B,C   # a subset of the scaled sets
    python benchmarks/pooling.py --only model_families --quick --checkpoints 12   # about 70 min on 2 cores
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import logsumexp

import bayescale as bs
from bayescale.fit import fit_spec
from bayescale.predictive import Posterior, log_density, predictive_dataset
from bayescale.sampling import SamplerSettings

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FULL = {"draws": 1000, "tune": 1000, "chains": 4}
QUICK = {"draws": 400, "tune": 500, "chains": 2}
KEEP_UNSETTLED = {"allow_unconverged": True}  # every fit is scored; its health is in the table, so none is refused
LEVEL = 0.9


# -- scoring ---------------------------------------------------------------------------------


def health(fit: bs.Fit) -> dict[str, float]:
    """Divergences, the largest R-hat and the smallest bulk ESS over the sampled parameters."""
    d = fit.diagnostics
    return {
        "divergences": d.divergences,
        "max_rhat": max(d.rhat.values()),
        "min_ess_bulk": min(d.ess_bulk.values()),
    }


def group_view(fit: bs.Fit, group: str) -> Posterior:
    """The fit's posterior with only ``group``'s runs as its fitted runs, so a known group's
    extrapolation distance (and with it the law's discrepancy) is measured from its own runs."""
    view = fit.posterior_view()
    mine = fit.runs()[fit.structure["groups"]].to_numpy() == group
    return replace(
        view,
        fitted_inputs={n: v[mine] for n, v in view.fitted_inputs.items()},
        fitted_outputs={n: v[mine] for n, v in view.fitted_outputs.items()},
        fitted_series=None if view.fitted_series is None else view.fitted_series[mine],
    )


def score(
    fit: bs.Fit,
    targets: pd.DataFrame,
    group: str | None = None,
    own_hull: bool = False,
    series: str | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Per target row: posterior median, the new-run interval, whether it covers the observed
    value, the relative and log error of the median and the log predictive density (log scale).

    ``targets`` has the law's input and output names as columns; ``group`` picks a group of a
    grouped fit (None: a new group, or the parameters of an ungrouped fit). With ``own_hull``,
    distances beyond the runs are measured from the group's own runs, not from all of the fit's.
    ``series`` names the fitted series the targets continue (a learning curve's later points);
    the log density ignores it.
    """
    output = fit.output_name()
    view = group_view(fit, group) if own_hull and group is not None else fit.posterior_view()
    points = {n: targets[n].to_numpy(dtype=float) for n in fit.law.input_names}
    observed = targets[output].to_numpy(dtype=float)
    draws = predictive_dataset(view, points, group=group, series=series, seed=seed)
    mean = draws[output].values.reshape(-1, len(observed))
    new_run = draws[f"{output}_new_run"].values.reshape(mean.shape)
    tail = (1 - LEVEL) / 2
    lower, upper = np.quantile(new_run, [tail, 1 - tail], axis=0)
    median = np.median(mean, axis=0)
    loglik = log_density(view, points, observed, output, group=group, seed=seed)
    return pd.DataFrame(
        {
            "observed": observed,
            "median": median,
            "lower": lower,
            "upper": upper,
            "covered": (observed >= lower) & (observed <= upper),
            "rel_error": np.abs(median - observed) / np.abs(observed),
            "log_error": np.log(median) - np.log(observed),
            "distance": draws["distance"].values,
            "lpd": logsumexp(loglik, axis=0) - np.log(len(loglik)),
        },
        index=targets.index,
    )


@dataclass
class Timer:
    seconds: float = 0.0

    def __enter__(self):
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds += time.perf_counter() - self._start


# -- overtraining ----------------------------------------------------------------------------

OVERTRAINING_VARIANTS = {
    "separate fits": None,
    "pooled, eta shared": ["E", "a", "b"],
    "pooled, all varying": ["E", "a", "b", "eta"],
}


def overtraining_runs() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The paper's fitting runs, and every other run larger in compute than the largest of them
    (the paper's six targets among them, flagged by ``split == "target"``)."""
    runs = pd.read_csv(DATA / "overtraining" / "runs.csv")
    fitted = runs[runs["paper_loss_fit"]]
    rest = runs[~runs["paper_loss_fit"]]
    larger = rest[rest["flops"] > rest["train_dataset"].map(fitted.groupby("train_dataset")["flops"].max())]
    return fitted, larger


def overtraining_fits(fitted: pd.DataFrame, settings: dict, seed: int = 1) -> dict[str, dict]:
    """Each variant's fits, keyed by dataset (the same grouped fit under every dataset)."""
    out: dict[str, dict] = {}
    for name, varying in OVERTRAINING_VARIANTS.items():
        timer = Timer()
        with timer:
            if varying is None:
                fits = {
                    d: bs.fit("overtraining", rows, seed=seed, warn=False, **settings)
                    for d, rows in fitted.groupby("train_dataset")
                }
            else:
                joint = bs.fit(
                    "overtraining",
                    fitted,
                    groups="train_dataset",
                    varying=varying,
                    seed=seed,
                    warn=False,
                    **settings,
                )
                fits = {d: joint for d in joint.groups}
        out[name] = {"fits": fits, "seconds": timer.seconds}
    return out


def overtraining_scores(fits: dict[str, dict], larger: pd.DataFrame) -> pd.DataFrame:
    """Per variant and held-out run: the scores of :func:`score`, with the run's dataset and split."""
    frames = []
    for name, entry in fits.items():
        for dataset, rows in larger.groupby("train_dataset"):
            fit = entry["fits"][dataset]
            scored = score(fit, rows, group=dataset if fit.groups else None)
            frames.append(
                scored.assign(
                    variant=name,
                    dataset=dataset,
                    run=rows["model_size"] + " M=" + rows["multiplier"].map("{:g}".format),
                    split=rows["split"],
                )
            )
    return pd.concat(frames)


def overtraining_table(fits: dict[str, dict], scores: pd.DataFrame) -> pd.DataFrame:
    """Per variant: error and coverage on the six targets, elpd on all larger held-out runs, health."""
    rows = []
    for name, entry in fits.items():
        s = scores[scores["variant"] == name]
        targets = s[s["split"] == "target"]
        unique = {id(f): f for f in entry["fits"].values()}.values()
        healths = pd.DataFrame([health(f) for f in unique])
        rows.append(
            {
                "variant": name,
                "target median |rel err| %": 100 * targets["rel_error"].median(),
                "target 90% covered": f"{int(targets['covered'].sum())}/{len(targets)}",
                "target median 90% width %": 100
                * ((targets["upper"] - targets["lower"]) / targets["observed"]).median(),
                f"elpd, {len(s)} larger runs": s["lpd"].sum(),
                "larger runs 90% covered": f"{int(s['covered'].sum())}/{len(s)}",
                "divergences": int(healths["divergences"].sum()),
                "max R-hat": healths["max_rhat"].max(),
                "min bulk ESS": healths["min_ess_bulk"].min(),
                "seconds": entry["seconds"],
            }
        )
    return pd.DataFrame(rows).set_index("variant")


def overtraining_study(settings: dict, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    fitted, larger = overtraining_runs()
    fits = overtraining_fits(fitted, settings, seed)
    scores = overtraining_scores(fits, larger)
    return overtraining_table(fits, scores), scores


# -- model families --------------------------------------------------------------------------

FAMILY_VARIANTS = {
    "pooled, exponents shared": ["E", "A", "B"],
    "pooled, all varying": ["E", "A", "B", "alpha", "beta"],
}
CHECKPOINTS_PER_MODEL = 40
EARLY_FRACTION = 0.1


def thin_log(rows: pd.DataFrame, per_model: int) -> pd.DataFrame:
    """At most ``per_model`` checkpoints per model: the nearest to points evenly spaced in log tokens."""
    kept = []
    for _, model in rows.groupby("model"):
        model = model.sort_values("tokens")
        if len(model) > per_model:
            log_tokens = np.log(model["tokens"].to_numpy())
            grid = np.linspace(log_tokens[0], log_tokens[-1], per_model)
            model = model.iloc[np.unique(np.abs(log_tokens[None, :] - grid[:, None]).argmin(axis=1))]
        kept.append(model)
    return pd.concat(kept)


def family_runs(per_model: int = CHECKPOINTS_PER_MODEL) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training checkpoints of every scaled set of three or more models (primary loss, past the first
    10% of each model's tokens, thinned), all but each set's largest model; and each largest model's
    final checkpoint, the target. Sets rescaled per model (``val_rescaled``) share no law and are left out."""
    rows = pd.read_csv(DATA / "model_families" / "families.csv")
    rows = rows[rows["primary"] & rows["scaled_set"].notna() & (rows["loss_kind"] != "val_rescaled")]
    rows = rows[rows.groupby("scaled_set")["model"].transform("nunique") >= 3]
    rows = rows[rows["tokens"] >= EARLY_FRACTION * rows.groupby("model")["tokens"].transform("max")]
    largest = rows["params"] == rows.groupby("scaled_set")["params"].transform("max")
    train = thin_log(rows[~largest], per_model).reset_index(drop=True)
    last = rows[largest].sort_values("tokens").groupby("scaled_set").tail(1)
    return train, last.set_index("scaled_set", drop=False).sort_index()


def family_separate(train: pd.DataFrame, targets: pd.DataFrame, settings: dict, seed: int) -> tuple:
    """One fit per scaled set; scores of each set's target, health and time."""
    frames, healths, timer = [], [], Timer()
    for name, rows in train.groupby("scaled_set"):
        with timer:
            fit = bs.fit("chinchilla", rows, series="model", seed=seed, warn=False, **settings)
        frames.append(score(fit, targets.loc[[name]]).assign(scaled_set=name))
        healths.append(health(fit))
    return pd.concat(frames), pd.DataFrame(healths), timer.seconds


def family_joint(train: pd.DataFrame, targets: pd.DataFrame, varying, settings: dict, seed: int) -> tuple:
    """One fit of every set with ``varying`` by set; each set's target scored as a known group."""
    timer = Timer()
    with timer:
        fit = bs.fit(
            "chinchilla",
            train,
            groups="scaled_set",
            varying=varying,
            series="model",
            seed=seed,
            warn=False,
            **settings,
        )
    frames = [score(fit, targets.loc[[g]], group=g).assign(scaled_set=g) for g in fit.groups]
    return fit, pd.concat(frames), pd.DataFrame([health(fit)]), timer.seconds


def family_left_out(fit: bs.Fit, targets: pd.DataFrame, left_out: list[str], seed: int) -> tuple:
    """The joint fit refitted without each set in ``left_out`` (its rows dropped, its label kept, so
    the compiled model is reused); the left-out set's target predicted as a new group."""
    runs = fit.fitted_runs()
    labels = fit.runs()[fit.structure["groups"]].to_numpy()
    s = fit.settings
    settings = SamplerSettings(s["draws"], s["tune"], s["chains"], seed)
    frames, healths, timer = [], [], Timer()
    for name in left_out:
        with timer:
            refit = fit_spec(fit.spec, runs.subset(np.flatnonzero(labels != name)), fit.scales, settings, warn=False)
        frames.append(score(refit, targets.loc[[name]], group=None).assign(scaled_set=name))
        healths.append(health(refit))
    return pd.concat(frames), pd.DataFrame(healths), timer.seconds


def summary_row(scores: pd.DataFrame, healths: pd.DataFrame, seconds: float) -> dict:
    """Error, coverage and width of the new-run interval over targets, and the fits' health."""
    return {
        "median |rel err| %": 100 * scores["rel_error"].median(),
        "mean |rel err| %": 100 * scores["rel_error"].mean(),
        "90% covered": f"{int(scores['covered'].sum())}/{len(scores)}",
        "median 90% width %": 100 * ((scores["upper"] - scores["lower"]) / scores["observed"]).median(),
        "elpd": scores["lpd"].sum(),
        "divergences": int(healths["divergences"].sum()),
        "max R-hat": healths["max_rhat"].max(),
        "min bulk ESS": healths["min_ess_bulk"].min(),
        "seconds": seconds,
    }


LEFT_OUT = ("OPT", "datablations-c4-2ep", "gpt3")


def family_study(
    settings: dict,
    seed: int = 1,
    variants: tuple[str, ...] = tuple(FAMILY_VARIANTS),
    left_out: tuple[str, ...] = LEFT_OUT,
    sets: list[str] | None = None,
    checkpoints: int = CHECKPOINTS_PER_MODEL,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-set fits; each joint variant (known groups, scored with the engine's distances and with
    each set's own), and refitted without each set of ``left_out`` (a new group). ``sets`` limits
    the study to some scaled sets; ``checkpoints`` is how many checkpoints per model are kept."""
    train, targets = family_runs(checkpoints)
    if sets is not None:
        train, targets = train[train["scaled_set"].isin(sets)], targets.loc[sorted(sets)]
        left_out = tuple(name for name in left_out if name in sets)
    sep_scores, sep_health, sep_seconds = family_separate(train, targets, settings, seed)
    rows = {"separate fits": summary_row(sep_scores, sep_health, sep_seconds)}
    scores = [sep_scores.assign(variant="separate fits")]
    for name in variants:
        fit, joint_scores, joint_health, seconds = family_joint(train, targets, FAMILY_VARIANTS[name], settings, seed)
        own = pd.concat([score(fit, targets.loc[[g]], group=g, own_hull=True).assign(scaled_set=g) for g in fit.groups])
        out_scores, out_health, out_seconds = family_left_out(fit, targets, list(left_out), seed)
        parts = {
            name: (joint_scores, joint_health, seconds),
            f"{name}, own-runs distance": (own, joint_health, seconds),
            f"{name}, set left out (new group)": (out_scores, out_health, out_seconds),
        }
        for label, (part, part_health, part_seconds) in parts.items():
            rows[label] = summary_row(part, part_health, part_seconds)
            scores.append(part.assign(variant=label))
    return pd.DataFrame(rows).T.rename_axis("variant"), pd.concat(scores)


# -- learning curves -------------------------------------------------------------------------

# power_law samples y at the centre of the runs and its reducible share (E and A are derived)
CURVE_VARYING = ["y_c", "r_c", "alpha"]


def curve_rows() -> pd.DataFrame:
    return pd.read_csv(DATA / "learning_curves" / "curves.csv")


def curve_summary(scores: pd.DataFrame) -> dict:
    """RMSE of log y over each curve's targets and the share of them inside the 90% interval, both
    averaged over curves (every curve weighs the same, as in the benchmark's own score)."""
    per_curve = scores.groupby("curve_id").agg(
        rmse=("log_error", lambda e: float(np.sqrt(np.mean(e**2)))), cov90=("covered", "mean")
    )
    return {
        "curves": len(per_curve),
        "mean RMSE (log y)": per_curve["rmse"].mean(),
        "median RMSE (log y)": per_curve["rmse"].median(),
        "90% coverage": per_curve["cov90"].mean(),
        "median 90% width %": 100 * ((scores["upper"] - scores["lower"]) / scores["observed"]).median(),
    }


def curve_study(
    settings: dict, seed: int = 1, domains: tuple[str, ...] = ("IC", "LM", "BB"), every: int = 1
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per domain: every ``every``-th curve fitted alone and all of them in one fit with
    :data:`CURVE_VARYING` by curve (scored with the engine's distances and with each curve's own)."""
    rows = curve_rows()
    table, frames = {}, []
    for domain in domains:
        curves = rows[rows["domain"] == domain]
        ids = sorted(curves["curve_id"].unique())[::every]
        curves = curves[curves["curve_id"].isin(ids)]
        fit_rows, target_rows = curves[curves["split"] == "fit"], curves[curves["split"] == "target"]
        separate, healths, timer = [], [], Timer()
        for curve_id, train in fit_rows.groupby("curve_id"):
            with timer:
                fit = bs.fit("power_law", train, series="curve_id", seed=seed, warn=False, **settings)
            targets = target_rows[target_rows["curve_id"] == curve_id]
            separate.append(score(fit, targets, series=curve_id).assign(curve_id=curve_id))
            healths.append(health(fit))
        separate = pd.concat(separate)
        healths = pd.DataFrame(healths)
        joint_timer = Timer()
        with joint_timer:
            joint = bs.fit(
                "power_law",
                fit_rows,
                groups="curve_id",
                varying=CURVE_VARYING,
                series="curve_id",
                seed=seed,
                warn=False,
                **settings,
            )
        engine, own = [], []
        for curve_id in joint.groups:
            targets = target_rows[target_rows["curve_id"] == curve_id]
            engine.append(score(joint, targets, group=curve_id, series=curve_id).assign(curve_id=curve_id))
            own.append(score(joint, targets, group=curve_id, own_hull=True, series=curve_id).assign(curve_id=curve_id))
        engine, own = pd.concat(engine), pd.concat(own)
        joint_health = health(joint)
        variants = {
            "separate fits": (separate, healths, timer.seconds),
            "pooled": (engine, pd.DataFrame([joint_health]), joint_timer.seconds),
            "pooled, own-curve distance": (own, pd.DataFrame([joint_health]), joint_timer.seconds),
        }
        for name, (scores, h, seconds) in variants.items():
            table[(domain, name)] = {
                **curve_summary(scores),
                "divergences": int(h["divergences"].sum()),
                "max R-hat": h["max_rhat"].max(),
                "min bulk ESS": h["min_ess_bulk"].min(),
                "seconds": seconds,
            }
            frames.append(scores.assign(domain=domain, variant=name))
    return pd.DataFrame(table).T.rename_axis(["domain", "variant"]), pd.concat(frames)


# -- command line ----------------------------------------------------------------------------


STUDIES = {"overtraining": overtraining_study, "learning_curves": curve_study, "model_families": family_study}
DETAIL = {"overtraining": ["dataset", "run"], "model_families": ["scaled_set"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short chains (draws=400, tune=500, chains=2)")
    parser.add_argument("--only", default=None, help="run only the study whose name contains this text")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sets", default=None, help="model_families: only these scaled sets (comma-separated)")
    parser.add_argument(
        "--checkpoints", type=int, default=CHECKPOINTS_PER_MODEL, help="model_families: checkpoints kept per model"
    )
    parser.add_argument("--out", default=None, help="write each study's per-target scores to <out>_<study>.csv")
    args = parser.parse_args()
    if not DATA.is_dir():
        raise SystemExit(f"no data at {DATA}: this benchmark needs ../shared/data beside the checkout")
    warnings.simplefilter("ignore")
    pd.set_option("display.width", 250)
    pd.set_option("display.max_columns", 30)
    settings = {**(QUICK if args.quick else FULL), **KEEP_UNSETTLED}
    for name, study in STUDIES.items():
        if args.only and args.only not in name:
            continue
        start = time.perf_counter()
        options = {}
        if name == "model_families":
            options = {"sets": args.sets.split(",") if args.sets else None, "checkpoints": args.checkpoints}
        table, scores = study(settings, args.seed, **options)
        print(f"\n== {name} ({time.perf_counter() - start:.0f} s; {settings})")
        print(table.round(3).to_string())
        if name in DETAIL:
            scores = scores.reset_index(drop=True)
            detail = scores.pivot_table(index=DETAIL[name], columns="variant", values="rel_error", sort=False)
            covered = scores.pivot_table(index=DETAIL[name], columns="variant", values="covered", sort=False)
            print("\n|relative error| % of the median (* outside the 90% interval):")
            print((100 * detail).round(2).astype(str).where(covered.astype(bool), lambda t: t + "*").to_string())
        if args.out:
            scores.to_csv(f"{args.out}_{name}.csv")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
