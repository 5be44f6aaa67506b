"""The engine reads as layers: every import of a bayescale module points to its own layer or one below."""

import ast
from pathlib import Path

import pytest

import bayescale

PACKAGE = Path(bayescale.__file__).resolve().parent
CATALOG = PACKAGE.parent / "models"

# Lowest first. A module may import its own layer and the layers below, never one above.
LAYERS = [
    ("foundations", ["errors", "version", "priors", "search", "modes", "memo", "files", "datasets", "cluster",
                     "diagnostics", "prior_checks", "discrepancy"]),
    ("laws", ["law", "likelihood", "identity", "points", "structure", "cost", "population", "models"]),
    ("catalog", ["catalog"]),  # loads laws by name or path
    ("data", ["runs"]),
    ("model", ["model", "predict", "predictive", "prior", "preflight", "saved"]),
    ("sampling", ["sampling", "remedies", "observation", "extrapolation"]),
    ("fit", ["fit", "chain", "jobs", "many"]),
    ("comparison and decisions", ["comparison", "decisions"]),
    ("plots", ["plots", "report"]),
    ("command line and the package's namespace", ["cli", ""]),
]  # fmt: skip
RANK = {name: rank for rank, (_, names) in enumerate(LAYERS) for name in names}


def layer(module: str) -> int:
    """The rank of ``bayescale.<module>``: its longest listed prefix's."""
    parts = module.removeprefix("bayescale").removeprefix(".").split(".")
    for end in range(len(parts), -1, -1):
        prefix = ".".join(parts[:end])
        if prefix in RANK:
            return RANK[prefix]
    raise AssertionError(f"bayescale.{module} belongs to no layer: add it to LAYERS in {__file__}")


def sources() -> dict[str, Path]:
    """Every module of the engine and the catalog by its dotted name."""
    found = {}
    for root, prefix in ((PACKAGE, "bayescale"), (CATALOG, "bayescale.models")):
        for path in root.rglob("*.py"):
            parts = path.relative_to(root).with_suffix("").parts
            parts = parts[:-1] if parts[-1] == "__init__" else parts
            found[".".join((prefix, *parts))] = path
    return found


def imported(module: str, path: Path) -> set[str]:
    """bayescale modules imported anywhere in the file (inside functions too), and lazy('...') targets."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "lazy" and node.args:
            if isinstance(node.args[0], ast.Constant):
                names.add(node.args[0].value)
    modules = sources()
    return {n for n in names if n in modules and n != module}


@pytest.mark.parametrize("module", sorted(sources()))
def test_imports_point_down_the_layers(module):
    own = layer(module)
    upward = sorted(n for n in imported(module, sources()[module]) if layer(n) > own)
    assert not upward, f"{module} ({LAYERS[own][0]}) imports {upward}, from a layer above it"


def test_every_layer_names_modules_that_exist():
    modules = {m.removeprefix("bayescale").removeprefix(".") for m in sources()}
    for _, names in LAYERS:
        for name in names:
            assert any(m == name or m.startswith(f"{name}.") for m in modules), f"no module {name!r}"
