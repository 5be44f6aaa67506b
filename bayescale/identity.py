"""A law's identity for caches of compiled functions: its code, never its name alone.

Two laws built in memory with the same name (and no file behind them) must not share a
compiled model. The identity hashes the law file's text when there is one, and always the
mean (and derived) function's code, the constants and helper functions it reads, its
closure and defaults, and the law's declared inputs, outputs and parameters.
"""

from __future__ import annotations

import functools
import hashlib
import types
import weakref

import numpy as np

from bayescale.law import Law

_identities: weakref.WeakKeyDictionary[Law, str] = weakref.WeakKeyDictionary()


def _feed(digest, value, seen: set[int]) -> None:
    """Add a value to the hash: code by its bytecode and constants, functions by their code,
    closure, defaults and the globals they read, data by value; anything else by type name."""
    if isinstance(value, types.CodeType):
        digest.update(value.co_code)
        digest.update(repr(value.co_names).encode())
        for const in value.co_consts:
            _feed(digest, const, seen)
        return
    if isinstance(value, types.FunctionType | types.MethodType):
        if id(value) in seen:
            return
        seen.add(id(value))
        function = getattr(value, "__func__", value)
        digest.update(function.__qualname__.encode())
        _feed(digest, function.__code__, seen)
        for item in (*(function.__defaults__ or ()), *(function.__kwdefaults__ or {}).values()):
            _feed(digest, item, seen)
        for cell in function.__closure__ or ():
            try:
                _feed(digest, cell.cell_contents, seen)
            except ValueError:  # an empty cell
                digest.update(b"<empty>")
        for name in function.__code__.co_names:
            if name in function.__globals__:
                _feed(digest, function.__globals__[name], seen)
        return
    if isinstance(value, types.ModuleType):
        digest.update(value.__name__.encode())
        return
    if isinstance(value, np.ndarray):
        digest.update(repr((value.dtype, value.shape)).encode())
        digest.update(np.ascontiguousarray(value).tobytes())
        return
    if isinstance(value, functools.partial):
        _feed(digest, (value.func, value.args, tuple(value.keywords.items())), seen)
        return
    if isinstance(value, tuple | list):
        for item in value:
            _feed(digest, item, seen)
        return
    if isinstance(value, dict):
        _feed(digest, sorted(value.items(), key=repr), seen)
        return
    if value is None or isinstance(value, bool | int | float | complex | str | bytes | np.generic):
        digest.update(repr(value).encode())
        return
    # Anything else (a ufunc, an Op, a callable object) by its name and, within this process, its identity:
    # two different objects never share a compiled function.
    name = f"{type(value).__qualname__}:{getattr(value, '__module__', '')}:{getattr(value, '__name__', '')}"
    digest.update(f"{name}:{id(value)}".encode())


def law_identity(law: Law) -> str:
    """A hash that differs between laws whose compiled functions could differ.

    Computed once per law object.

    Examples
    --------
    >>> from bayescale.catalog import get_law
    >>> law_identity(get_law("chinchilla")) == law_identity(get_law("chinchilla"))
    True
    """
    if law in _identities:
        return _identities[law]
    digest = hashlib.sha256()
    digest.update(law.source.encode())
    digest.update(repr((law.name, law.input_names, law.param_names)).encode())
    digest.update(repr([(o.name, o.kind) for o in law.outputs.values()]).encode())
    seen: set[int] = set()
    _feed(digest, law.mean, seen)
    if law.derived is not None:
        _feed(digest, law.derived, seen)
    _identities[law] = digest.hexdigest()
    return _identities[law]
