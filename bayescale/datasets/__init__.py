"""Small example datasets shipped with bayescale, each with its citation.

``chinchilla``: 245 final losses of the language models of Hoffmann et al. (2022),
"Training Compute-Optimal Large Language Models" (arXiv:2203.15556), read off the
vector version of their Figure 4 by Besiroglu, Erdil, Barnett & You (2024),
"Chinchilla Scaling: A replication attempt" (arXiv:2404.10102). Columns: ``params``
(N), ``tokens`` (D = C / 6N, Epoch's derivation), ``flops`` (C), ``loss`` (nats/token),
``epoch_excluded`` (the 5 runs Epoch drop before every fit), ``source_row``. The source
repository states no license; the numbers are measurements digitized from a published
figure: cite both papers when you use them.

``finetune_rectified``: 1260 fine-tuning losses of Lin et al. (2024), "Selecting Large Language
Model to Fine-tune via Rectified Scaling Law" (arXiv:2402.02314): 30 pre-trained models fine-tuned
on subsets of 200 to 1,638,400 examples of three tasks (FLAN, Gigaword, WMT19), from the
``benchmark/`` tables of their repository github.com/linhaowei1/Fine-tuning-Scaling-Law, released
under the Apache License 2.0 (https://www.apache.org/licenses/LICENSE-2.0; copyright the
authors), reshaped to one row per run. Columns: ``task``, ``model``, ``family``, ``model_params``
(N), ``finetune_examples`` (D), ``loss`` (test loss after fine-tuning, nats/token),
``zero_shot_loss`` (the same model before fine-tuning, the tables' D = 0 column).
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

from bayescale.errors import BayescaleInputError

CITATIONS = {
    "chinchilla": (
        "Hoffmann et al. (2022), Training Compute-Optimal Large Language Models, arXiv:2203.15556; "
        "data recovered by Besiroglu et al. (2024), Chinchilla Scaling: A replication attempt, "
        "arXiv:2404.10102"
    ),
    "finetune_rectified": (
        "Lin et al. (2024), Selecting Large Language Model to Fine-tune via Rectified Scaling Law, arXiv:2402.02314; "
        "data from github.com/linhaowei1/Fine-tuning-Scaling-Law (Apache License 2.0)"
    ),
}


def available() -> list[str]:
    """Names of the shipped datasets."""
    return sorted(CITATIONS)


def load(name: str) -> pd.DataFrame:
    """Load a shipped dataset as a DataFrame; ``df.attrs["citation"]`` says whom to cite.

    Examples
    --------
    >>> runs = load("chinchilla")
    >>> int((~runs["epoch_excluded"]).sum())
    240
    """
    if name not in CITATIONS:
        raise BayescaleInputError(f"no dataset {name!r}; shipped datasets: {', '.join(available())}")
    with resources.files(__package__).joinpath(f"{name}.csv").open() as handle:
        frame = pd.read_csv(handle)
    frame.attrs["citation"] = CITATIONS[name]
    return frame
