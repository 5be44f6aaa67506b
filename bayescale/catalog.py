"""Find laws: the built-in catalog (``bayescale.models``) and users' own law files."""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import inspect
import pkgutil
import sys
from pathlib import Path
from types import ModuleType

from bayescale.errors import BayescaleInputError
from bayescale.law import Law

CATALOG_PACKAGE = "bayescale.models"


def _catalog_module() -> ModuleType:
    """Import ``bayescale.models``: installed from ``models/``, or mounted from a checkout."""
    if CATALOG_PACKAGE in sys.modules:
        return sys.modules[CATALOG_PACKAGE]
    if importlib.util.find_spec(CATALOG_PACKAGE) is None:
        folder = Path(__file__).resolve().parent.parent / "models"
        spec = importlib.util.spec_from_file_location(
            CATALOG_PACKAGE, folder / "__init__.py", submodule_search_locations=[str(folder)]
        )
        if spec is None or spec.loader is None:
            raise ImportError(f"the law catalog is missing: no {folder}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[CATALOG_PACKAGE] = module
        spec.loader.exec_module(module)
    return importlib.import_module(CATALOG_PACKAGE)


def available_laws() -> list[str]:
    """Names of the built-in laws, sorted."""
    package = _catalog_module()
    return sorted(m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_"))


def _law_of(module: ModuleType, where: str, origin: str) -> Law:
    law = getattr(module, "law", None)
    if not isinstance(law, Law):
        raise BayescaleInputError(f"{where} defines no `law = Law(...)`")
    return dataclasses.replace(law, source=inspect.getsource(module), origin=origin)


def _load_file(path: Path) -> Law:
    if not path.is_file():
        raise BayescaleInputError(f"law file not found: {path}")
    module_name = f"bayescale_user_law_{path.stem}_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except (SyntaxError, ImportError, NameError, TypeError) as err:
        raise BayescaleInputError(f"law file {path} failed to load: {err}") from err
    return _law_of(module, f"law file {path}", origin=str(path.resolve()))


def get_law(law: str | Path | Law) -> Law:
    """Return a :class:`Law` from a built-in name, a path to a ``.py`` file, or a Law.

    Examples
    --------
    >>> get_law("chinchilla").formula
    'L = E + A / N^alpha + B / D^beta'
    """
    if isinstance(law, Law):
        return law
    text = str(law)
    if text.endswith(".py") or Path(text).is_file():
        return _load_file(Path(text))
    names = available_laws()
    if text not in names:
        raise BayescaleInputError(
            f"unknown law {text!r}: choose one of {', '.join(names)} or give a path to a .py law file"
        )
    module = importlib.import_module(f"{CATALOG_PACKAGE}.{text}")
    return _law_of(module, f"law {text!r}", origin=text)
