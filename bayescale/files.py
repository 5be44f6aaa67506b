"""Output files: checked before any work is done, written so that a crash never leaves half a file.

A save writes a temporary file beside the target and renames it into place (an atomic step
on one filesystem), so a killed process leaves either the old file or the new one whole.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable
from os import PathLike
from pathlib import Path

from bayescale.errors import BayescaleInputError, one_line, shown


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_output_path(
    path: str | PathLike,
    option: str = "output",
    suffixes: Iterable[str] | None = None,
    inputs: Iterable[str | PathLike] = (),
) -> Path:
    """Check that ``path`` can be written, before any work: a file name (not a folder) in an
    existing, writable folder, with one of ``suffixes`` if given, that is none of ``inputs``.

    ``option`` names the argument in the message (``-o``, ``path``).
    """
    if not isinstance(path, str | PathLike) or not str(path).strip():
        raise BayescaleInputError(f"{option} {shown(path)}: give a file name to write, e.g. fit.nc")
    path = Path(path)
    if path.is_dir():
        raise BayescaleInputError(f"{option} {path} is a folder: give a file name inside it, e.g. {path / 'fit.nc'}")
    if path.exists() and not path.is_file():
        raise BayescaleInputError(f"{option} {path} exists and is not a regular file: choose another name")
    allowed = [s.lower() for s in suffixes or ()]
    if allowed and path.suffix.lower() not in allowed:
        raise BayescaleInputError(
            f"{option} {path}: the file type {path.suffix or '(none)'!r} is not supported; "
            f"use one of {', '.join(allowed)}"
        )
    for source in inputs:
        source = Path(source)
        if _same_file(path, source) or path.resolve() == source.resolve():
            raise BayescaleInputError(f"{option} {path} is the input {source}: refusing to overwrite it")
    folder = path.parent
    if not folder.is_dir():
        raise BayescaleInputError(f"{option} {path}: folder {folder} does not exist; create it first")
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{path.name}.", suffix=".check"):
            pass
    except OSError as err:
        raise BayescaleInputError(
            f"{option} {path}: cannot write in {folder} ({one_line(err.strerror or err)})"
        ) from None
    return path


def _default_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomically(path: str | PathLike, write: Callable[[Path], object]) -> Path:
    """Call ``write(temporary_path)``, then move the finished file onto ``path`` in one step.

    If ``write`` fails or the process is killed, ``path`` keeps its earlier content (or stays absent).
    """
    path = Path(path)
    mode = path.stat().st_mode & 0o777 if path.is_file() else _default_mode()
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as err:
        raise BayescaleInputError(f"cannot write {path}: {one_line(err.strerror or err)}") from None
    os.close(handle)
    try:
        write(Path(temporary))
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as err:
        raise BayescaleInputError(f"cannot write {path}: {one_line(err.strerror or err)}") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
    return path
