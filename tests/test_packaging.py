"""The catalog ships inside the wheel as bayescale.models, and mounts from a plain checkout."""

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

from bayescale import catalog

REPO = Path(__file__).resolve().parents[1]


def test_wheel_puts_models_under_bayescale_only(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("bayescale-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "bayescale/models/chinchilla.py" in names
    assert "bayescale/datasets/chinchilla.csv" in names
    assert not [n for n in names if n.startswith("models/")]
    for package in (REPO / "bayescale").rglob("__init__.py"):
        module = package.relative_to(REPO).as_posix()
        assert module in names, f"{module} is missing from the wheel: list its package in pyproject.toml"


def test_checkout_without_install_mounts_the_catalog(monkeypatch):
    monkeypatch.delitem(sys.modules, catalog.CATALOG_PACKAGE, raising=False)
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == catalog.CATALOG_PACKAGE else real_find_spec(name, *a),
    )
    module = catalog._catalog_module()
    assert Path(module.__path__[0]) == REPO / "models"
    assert "chinchilla" in catalog.available_laws()
