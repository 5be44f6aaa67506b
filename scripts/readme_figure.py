"""Regenerate docs/extrapolation.png, the figure shown in README.md.

python scripts/readme_figure.py
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import bayescale as bs  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "docs" / "extrapolation.png"


def main() -> None:
    runs = bs.datasets.load("chinchilla").query("not epoch_excluded")
    fit = bs.fit("chinchilla", runs, seed=1, warn=False)
    targets = [
        {"params": 70e9, "tokens": 1.4e12, "label": "Chinchilla-70B"},
        {"params": 405e9, "tokens": 15.6e12, "label": "405B on 15.6T"},
    ]
    ax = fit.plot_extrapolation(targets=targets)
    ax.figure.savefig(OUT, dpi=110, bbox_inches="tight")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
