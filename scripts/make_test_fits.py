"""Write the small saved fits the tests load (``tests/data/*.nc``) from their recipes.

Run from the repository's root after a change to how fits are stored or made:

    python scripts/make_test_fits.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.saved_fits import DATA, RECIPES, path  # noqa: E402


def main() -> None:
    DATA.mkdir(exist_ok=True)
    for name, recipe in RECIPES.items():
        saved = recipe.make().save(path(name))
        print(f"{saved}: {saved.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
