"""Start-up stays light: the package, --help and the law listing load no inference stack."""

import gc
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import bayescale as bs
import bayescale.cli as cli

HEAVY = ("pymc", "pytensor", "numba", "nutpie", "arviz", "scipy", "pandas", "xarray", "matplotlib")


def loaded_after(code: str) -> list[str]:
    """Top-level heavy packages imported by running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return [m for m in json.loads(result.stdout.splitlines()[-1]) if m in HEAVY]


def test_import_loads_no_inference_stack():
    assert loaded_after("import bayescale") == []


def test_help_and_law_listing_load_no_inference_stack():
    for args in (["--help"], ["laws"]):
        code = (
            "import sys\nfrom bayescale.cli import app\n"
            f"sys.argv = ['bayescale', *{args!r}]\n"
            "try:\n    app()\nexcept SystemExit as stop:\n    assert not stop.code, stop.code"
        )
        assert loaded_after(code) == [], args


def test_every_public_name_resolves_and_fit_stays_the_function():
    import bayescale.fit  # noqa: F401  (binds the submodule of the same name)

    for name in bs.__all__:
        assert getattr(bs, name) is not None, name
    assert callable(bs.fit) and bs.fit.__module__ == "bayescale.fit"
    assert set(bs.__all__) <= set(dir(bs))


def test_the_command_skips_the_last_garbage_collection_and_keeps_its_exit_status(monkeypatch):
    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"]["bayescale"] == "bayescale.cli:main"
    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    for args, status in ((["laws"], 0), (["fit"], 2)):
        monkeypatch.setattr(sys, "argv", ["bayescale", *args])
        with pytest.raises(SystemExit) as stop:
            cli.main()
        assert (stop.value.code or 0) == status
    assert frozen == [True, True]
