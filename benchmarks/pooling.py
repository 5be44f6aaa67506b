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
  E, A, alpha varying by curve, against one fit per curve; target RMSE in log y and 90% coverage.

Every table also reports the sampler's health (divergences, largest R-hat, smallest bulk ESS).

    python benchmarks/pooling.py                    # everything at the default sampler settings
    python benchmarks/pooling.py --only overtraining
    python benchmarks/pooling.py --quick            # short chains, as the notebook runs them
"""

from __future__ import annotations

import argparse
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import logsumexp

import bayescale as bs
from bayescale.predictive import log_density

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FULL = {"draws": 1000, "tune": 1000, "chains": 4}
QUICK = {"draws": 400, "tune": 500, "chains": 2}
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


def score(fit: bs.Fit, targets: pd.DataFrame, group: str | None = None, seed: int = 0) -> pd.DataFrame:
    """Per target row: posterior median, the new-run interval, whether it covers the observed
    value, the relative error of the median and the log predictive density (on the log scale).

    ``targets`` has the law's input and output names as columns; ``group`` picks a group of a
    grouped fit (None: a new group, or the only parameters of an ungrouped fit).
    """
    output = fit.output_name()
    points = {n: targets[n].to_numpy(dtype=float) for n in fit.law.input_names}
    observed = targets[output].to_numpy(dtype=float)
    table = fit.predict(interval=LEVEL, group=group, seed=seed, **points)
    loglik = log_density(fit.posterior_view(), points, observed, output, group=group, seed=seed)
    lower, upper = table["predictive_lower"].to_numpy(), table["predictive_upper"].to_numpy()
    return pd.DataFrame(
        {
            "observed": observed,
            "median": table["median"].to_numpy(),
            "lower": lower,
            "upper": upper,
            "covered": (observed >= lower) & (observed <= upper),
            "rel_error": np.abs(table["median"].to_numpy() - observed) / np.abs(observed),
            "log_error": np.log(table["median"].to_numpy()) - np.log(observed),
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
                    "overtraining", fitted, groups="train_dataset", varying=varying, seed=seed, warn=False, **settings
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
            frames.append(scored.assign(variant=name, dataset=dataset, run=rows["name"], split=rows["split"]))
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
                "target median 90% width %": 100 * ((targets["upper"] - targets["lower"]) / targets["observed"]).median(),
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


# -- command line ----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short chains (draws=400, tune=500, chains=2)")
    parser.add_argument("--only", default=None, help="run only the study whose name contains this text")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not DATA.is_dir():
        raise SystemExit(f"no data at {DATA}: this benchmark needs ../shared/data beside the checkout")
    warnings.simplefilter("ignore")
    pd.set_option("display.width", 220)
    settings = QUICK if args.quick else FULL
    studies = {"overtraining": overtraining_study}
    for name, study in studies.items():
        if args.only and args.only not in name:
            continue
        start = time.perf_counter()
        table, _ = study(settings, args.seed)
        print(f"\n== {name} ({time.perf_counter() - start:.0f} s; {settings})")
        print(table.round(3).to_string())


if __name__ == "__main__":
    main()
