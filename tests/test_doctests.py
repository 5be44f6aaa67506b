"""The public API's docstring examples run and show what they say."""

import doctest
import importlib
import io
from pathlib import Path

import pytest

import bayescale

PACKAGE = Path(bayescale.__file__).resolve().parent
ROOTS = {"bayescale": PACKAGE, "bayescale.models": PACKAGE.parent / "models"}


def modules_with_examples() -> list[str]:
    """Every module of the engine and the catalog whose source holds an example."""
    names = []
    for prefix, root in ROOTS.items():
        for path in sorted(root.rglob("*.py")):
            if ">>>" in path.read_text():
                parts = path.relative_to(root).with_suffix("").parts
                parts = parts[:-1] if parts[-1] == "__init__" else parts
                names.append(".".join((prefix, *parts)))
    return names


def test_examples_are_found():
    found = modules_with_examples()
    assert {"bayescale.fit", "bayescale.priors", "bayescale.cost", "bayescale.models.lr_annealing"} <= set(found)


@pytest.mark.parametrize("name", modules_with_examples())
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    report = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    examples = 0
    for test in doctest.DocTestFinder().find(module, name):
        examples += len(test.examples)
        runner.run(test, out=report.write)
    assert examples > 0, f"{name}: its examples were not found"
    assert runner.failures == 0, report.getvalue()
