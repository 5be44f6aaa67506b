"""Simulation study: does the recommended next run shrink the target's interval more than
a random affordable run and than the largest model one can afford?

The target is an over-trained model (8B parameters on 15T tokens). Candidates are 8 model
sizes at 5, 20, 80 and 320 tokens per parameter; the budget admits larger models only at
fewer tokens per parameter, so "the largest model" and "the most informative run" differ,
which is the decision the recommendation has to get right. The three picks of a seed share
their simulated runs and their outcome noise (common random numbers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bayescale as bs
from tests.conftest import CHINCHILLA_TRUTH

TARGET = {"params": 8e9, "tokens": 1.5e13}  # an over-trained model, Llama-3-8B-like
BUDGET = 1.2e21
SEEDS = range(20)  # one simulated outcome per pick and seed is noisy: 5 seeds did not separate the picks
SETTINGS = {"draws": 500, "tune": 500, "chains": 2, "warn": False}


def observe(params: np.ndarray, tokens: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    t = CHINCHILLA_TRUTH
    mean = t["E"] + t["A_raw"] / params ** t["alpha"] + t["B_raw"] / tokens ** t["beta"]
    return mean * np.exp(0.02 * rng.standard_normal(np.shape(params)))


def target_width(runs: pd.DataFrame, seed: int) -> float:
    row = bs.fit("chinchilla", runs, seed=seed, **SETTINGS).predict(**TARGET).iloc[0]
    return float(row["upper"] - row["lower"])


@pytest.mark.slow
def test_recommended_run_beats_random_and_largest():
    sizes, ratios = np.meshgrid(np.geomspace(1e8, 3e10, 8), [5.0, 20.0, 80.0, 320.0])
    candidates = pd.DataFrame({"params": sizes.ravel(), "tokens": (sizes * ratios).ravel()})
    affordable = candidates[6 * candidates["params"] * candidates["tokens"] <= BUDGET].reset_index(drop=True)
    widths = {"recommended": [], "random": [], "largest": []}
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        small = np.repeat(np.geomspace(4e7, 1e9, 6), 4)
        tokens = small * np.tile([5.0, 10.0, 20.0, 40.0], 6)
        runs = pd.DataFrame({"params": small, "tokens": tokens, "loss": observe(small, tokens, rng)})
        fitted = bs.fit("chinchilla", runs, seed=seed, **SETTINGS)
        ranked = bs.next_run(fitted, TARGET, candidates, budget=BUDGET, seed=seed)
        picks = {
            "recommended": ranked.iloc[0],
            "random": affordable.iloc[rng.integers(len(affordable))],
            # the largest model one can afford (at the most tokens affordable for it)
            "largest": affordable.sort_values(["params", "tokens"]).iloc[-1],
        }
        for name, pick in picks.items():
            new = pd.DataFrame({"params": [pick["params"]], "tokens": [pick["tokens"]]})
            new["loss"] = observe(new["params"].to_numpy(), new["tokens"].to_numpy(), np.random.default_rng(100 + seed))
            widths[name].append(target_width(pd.concat([runs, new], ignore_index=True), seed))
    mean = {name: float(np.mean(w)) for name, w in widths.items()}
    assert mean["recommended"] < mean["random"], mean
    assert mean["recommended"] < mean["largest"], mean
