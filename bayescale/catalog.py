"""Find laws: the built-in catalog (``bayescale.models``) and users' own law files."""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import importlib.util
import inspect
import pkgutil
import sys
from os import PathLike
from pathlib import Path
from types import ModuleType

from bayescale.errors import BayescaleInputError, one_line, shown
from bayescale.law import Input, Law, Output, Param, register_loader
from bayescale.likelihood import OUTPUT_SCALES
from bayescale.prior_checks import check_prior

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


def _law_of(module: ModuleType, where: str, origin: str, source: str | None = None) -> Law:
    law = getattr(module, "law", None)
    if not isinstance(law, Law):
        raise BayescaleInputError(f"{where} defines no `law = Law(...)`")
    for name, value in law.inputs.items():
        if not isinstance(value, Input):
            raise BayescaleInputError(f"{where}: input {name!r} needs Input(symbol, unit), not {shown(value)}")
    for name, value in law.outputs.items():
        if not isinstance(value, Output) or value.kind not in OUTPUT_SCALES:
            kinds = ", ".join(OUTPUT_SCALES)
            raise BayescaleInputError(
                f"{where}: output {name!r} needs Output(name, symbol, unit, kind) with kind {kinds}"
            )
    for name, param in law.params.items():
        check_prior(param.prior, f"{where}, parameter {name!r}")
    if law.noise is not None:
        if not isinstance(law.noise, Param):
            raise BayescaleInputError(f"{where}: noise needs Param(prior, reason), not {shown(law.noise)}")
        check_prior(law.noise.prior, f"{where}, noise")
    return dataclasses.replace(law, source=source if source is not None else inspect.getsource(module), origin=origin)


def _load_file(path: Path) -> Law:
    """Run a user's law file; every way it can fail becomes one line naming the file."""
    if not path.is_file():
        raise BayescaleInputError(f"law file not found: {path}")
    where = f"law file {path}"
    if path.suffix != ".py":
        raise BayescaleInputError(f"{where} is not a Python file: a law file ends in .py and defines law = Law(...)")
    try:
        source = importlib.util.decode_source(path.read_bytes())
    except OSError as err:
        raise BayescaleInputError(f"{where} cannot be read: {one_line(err.strerror or err)}") from err
    except (UnicodeDecodeError, SyntaxError, LookupError) as err:
        raise BayescaleInputError(f"{where} is not UTF-8 text: save it as UTF-8") from err
    module_name = f"bayescale_user_law_{path.stem}_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        with contextlib.redirect_stdout(sys.stderr):  # a print() in the file must not spoil --json output
            spec.loader.exec_module(module)
    except SyntaxError as err:
        sys.modules.pop(module_name, None)
        raise BayescaleInputError(f"{where} is not valid Python: {err.msg} (line {err.lineno})") from err
    except SystemExit as err:
        sys.modules.pop(module_name, None)
        raise BayescaleInputError(f"{where} exited (sys.exit({shown(err.code)})) while loading") from None
    except Exception as err:
        sys.modules.pop(module_name, None)
        raise BayescaleInputError(f"{where} failed to load: {type(err).__name__}: {one_line(err)}") from err
    return _law_of(module, where, origin=str(path.resolve()), source=source)


def get_law(law: str | Path | Law) -> Law:
    """Return a :class:`Law` from a built-in name, a path to a ``.py`` file, or a Law.

    Examples
    --------
    >>> get_law("chinchilla").formula
    'L = E + A / N^alpha + B / D^beta'
    """
    if isinstance(law, Law):
        return law
    if not isinstance(law, str | PathLike) or isinstance(law, bytes):
        raise BayescaleInputError(f"law={shown(law)}: give a law name such as 'chinchilla', a .py file or a Law")
    text = str(law)
    names = available_laws()
    if text.endswith(".py") or (text not in names and Path(text).is_file()):
        return _load_file(Path(text))
    if text not in names:
        raise BayescaleInputError(
            f"unknown law {text!r}: choose one of {', '.join(names)} or give a path to a .py law file"
        )
    module = importlib.import_module(f"{CATALOG_PACKAGE}.{text}")
    return _law_of(module, f"law {text!r}", origin=text)


register_loader(get_law)  # pickled laws are found again by name or path through the catalog
