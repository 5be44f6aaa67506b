"""Real data: Lin et al.'s fine-tuning curves, shipped as ``finetune_rectified``, refitted with the rectified law.

The paper publishes no fitted parameters, but its repository publishes each curve's fit error
(``results/rmsd.csv``: the root-mean-square log-loss residual of its least-squares fit over the 14
data sizes). A fit of the same law should reach that error with its posterior-median curve, and the
reported error should be a plausible noise scale. Tolerance: 15% of the reported error (the median
curve is not the least-squares curve; on these curves the two differ by under 10%).
"""

import numpy as np
import pytest

import bayescale as bs

# (task, model) -> the repository's published RMSD under log scale for the rectified law
PUBLISHED_RMSD = {
    ("wmt19", "MBZUAI/LaMini-GPT-124M"): 0.010791,
    ("gigaword", "cerebras/Cerebras-GPT-111M"): 0.003778,
    ("flan", "MBZUAI/LaMini-GPT-774M"): 0.005389,
}


def test_dataset_has_every_run_of_the_three_tables():
    runs = bs.datasets.load("finetune_rectified")
    assert len(runs) == 3 * 30 * 14
    assert runs.groupby(["task", "model"]).size().eq(14).all()
    assert runs["finetune_examples"].min() == 200 and runs["finetune_examples"].max() == 1_638_400
    assert "arXiv:2402.02314" in runs.attrs["citation"]
    row = runs.query("task == 'flan' and model == 'MBZUAI/LaMini-GPT-124M' and finetune_examples == 200").iloc[0]
    assert row["loss"] == pytest.approx(4.247949918) and row["zero_shot_loss"] == pytest.approx(4.891325951)


@pytest.mark.parametrize(("task", "model"), sorted(PUBLISHED_RMSD))
def test_fit_reaches_the_published_fit_error(task, model):
    runs = bs.datasets.load("finetune_rectified").query("task == @task and model == @model")
    result = bs.fit("finetune_rectified", runs, draws=500, tune=500, chains=2, seed=1, warn=False)
    assert result.diagnostics.divergences == 0
    curve = np.median(result.mean_draws(finetune_examples=runs["finetune_examples"].to_numpy()), axis=0)
    rmsd = np.sqrt(np.mean(np.log(curve / runs["loss"].to_numpy()) ** 2))
    published = PUBLISHED_RMSD[(task, model)]
    assert abs(rmsd - published) < 0.15 * published, (rmsd, published)
    sigma = result.posterior["sigma"].to_numpy().ravel()
    assert np.quantile(sigma, 0.03) < published < np.quantile(sigma, 0.97)
