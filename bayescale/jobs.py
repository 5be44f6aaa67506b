"""Fit jobs: a dict of :func:`bayescale.fit`'s keyword arguments, checked, made portable
and given an identity.

A job names its law by catalog name, file path or source text and its runs by DataFrame
or CSV path. Before anything runs, every job is checked (unknown arguments, a missing law
or runs file raise :class:`BayescaleInputError` naming the job) and made portable: the
runs become a DataFrame and the law travels as its source text (:class:`LawText`), so a
worker needs neither file. The job's key hashes everything it fits (law text, runs
values, every argument), so a finished job is recognised again on a rerun.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import os
import re
import tempfile
import time
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bayescale.catalog import get_law
from bayescale.errors import BayescaleInputError
from bayescale.fit import Fit, fit
from bayescale.law import Law
from bayescale.runs import Runs, read_table

NAME = "name"  # a job's own label; every other key is an argument of fit()
SEED_RANGE = 2**31


@dataclass(frozen=True)
class LawText:
    """A law as it travels to a worker: its source text and where the user's copy lives
    (catalog name or file path), which the fit records so it can be loaded again."""

    name: str
    origin: str
    source: str
    fingerprint: str

    @classmethod
    def of(cls, law: Law) -> LawText:
        return cls(law.name, law.origin, law.source, law.fingerprint)

    def load(self) -> Law:
        """The law on this machine: the user's copy when it exists here unchanged, else the text."""
        key = (self.origin, self.fingerprint)
        if key not in _worker_laws:
            _worker_laws[key] = self._local_copy() or self._from_text()
        return _worker_laws[key]

    def _local_copy(self) -> Law | None:
        try:
            law = get_law(self.origin)
        except BayescaleInputError:
            return None
        return law if law.fingerprint == self.fingerprint else None

    def _from_text(self) -> Law:
        path = Path(tempfile.gettempdir()) / "bayescale-laws" / self.fingerprint / f"{safe_name(self.name)}.py"
        if not path.is_file():
            write_text_atomic(path, self.source)
        return dataclasses.replace(get_law(path), origin=self.origin)


_worker_laws: dict[tuple[str, str], Law] = {}


def safe_name(name: str) -> str:
    """``name`` with every character but letters, digits, ``.``, ``-`` and ``_`` replaced by ``_``."""
    return re.sub(r"[^\w.-]", "_", name)


def write_text_atomic(path: Path, text: str) -> None:
    """Write a file so that readers see either nothing or all of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


@dataclass(frozen=True)
class Job:
    """One fit to run: where it stands in the list, its name, law, arguments and key."""

    position: int
    name: str
    law: LawText
    kwargs: dict[str, Any]
    key: str

    @property
    def file_name(self) -> str:
        """Where its fit is saved inside an output directory."""
        return f"{safe_name(self.name)}-{self.key[:16]}.nc"

    @property
    def chains(self) -> int:
        """Chains the fit runs, each on its own core (1 if ``chains`` is not a count: fit() will say why)."""
        value = self.kwargs.get("chains", FIT_DEFAULTS["chains"])
        return value if isinstance(value, int) and value > 0 else 1


@dataclass
class JobResult:
    """What a worker sends back: the fit, or the error it raised, and how long it took."""

    fit: Fit | None
    error: str
    detail: str
    seconds: float
    worker: str


def run_job(law: LawText, kwargs: dict[str, Any]) -> JobResult:
    """Run one job where this function is called (a worker): ``fit(law, **kwargs)``.

    Every error is caught and returned, so one bad job never stops a sweep.
    """
    start = time.perf_counter()
    try:
        result = fit(law.load(), **kwargs)
    except Exception as problem:  # noqa: BLE001 (reported per job by the caller)
        error = f"{type(problem).__name__}: {problem}".splitlines()[0]
        return JobResult(None, error, traceback.format_exc(), time.perf_counter() - start, _worker())
    return JobResult(result, "", "", time.perf_counter() - start, _worker())


def _worker() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return ""


FIT_DEFAULTS = {name: p.default for name, p in inspect.signature(fit).parameters.items()}
FIT_ARGUMENTS = tuple(FIT_DEFAULTS)


def _resolve_law(law: Any, law_dir: Path) -> Law:
    """A law from a catalog name, a file path, source text or a :class:`Law` loaded from one."""
    if isinstance(law, Law):
        if not (law.origin and law.source):
            raise BayescaleInputError(
                f"law {law.name!r} was built in this session: give its catalog name, file path or source text"
            )
        return law
    if isinstance(law, str) and "\n" in law:
        digest = hashlib.sha256(law.encode()).hexdigest()[:16]
        path = law_dir / f"law_{digest}.py"
        if not path.is_file():
            write_text_atomic(path, law)
        return get_law(path)
    if not isinstance(law, str | Path):
        raise BayescaleInputError(f"law={law!r}: give a catalog name, a .py file path or a law's source text")
    return get_law(law)


def _canonical(value: Any) -> Any:
    """JSON-ready stand-in for a value, equal for equal values: hashed tables and arrays."""
    if isinstance(value, Runs):
        return {"runs": _canonical(value.frame), "columns": value.columns}
    if isinstance(value, pd.DataFrame):
        rows = pd.util.hash_pandas_object(value, index=False).to_numpy()
        columns = json.dumps([str(c) for c in value.columns])
        return {"table": hashlib.sha256(rows.tobytes() + columns.encode()).hexdigest()}
    if isinstance(value, np.ndarray):
        return {"array": hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest(), "shape": value.shape}
    if isinstance(value, np.generic):
        return value.item()
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    return repr(value)


def job_key(law: LawText, kwargs: Mapping[str, Any]) -> str:
    """A hash of what a job fits: the law's text and every argument's value."""
    document = json.dumps({"law": law.fingerprint, **kwargs}, sort_keys=True, default=_canonical)
    return hashlib.sha256(document.encode()).hexdigest()


def prepare_job(job: Any, position: int, law_dir: Path, tables: dict[Path, pd.DataFrame]) -> Job:
    """Check one job and make it portable; errors name the job. ``tables`` caches CSVs read."""
    where = f"job {position}"
    if not isinstance(job, Mapping):
        raise BayescaleInputError(f"{where}: expected a dict of fit() arguments, got {type(job).__name__}")
    kwargs = {str(k): v for k, v in job.items()}
    name = kwargs.pop(NAME, None)
    unknown = sorted(set(kwargs) - set(FIT_ARGUMENTS))
    if unknown:
        raise BayescaleInputError(
            f"{where}: {', '.join(map(repr, unknown))} not an argument of fit(), which takes "
            f"{', '.join(FIT_ARGUMENTS)} (and {NAME!r} labels the job)"
        )
    for needed in ("law", "runs"):
        if kwargs.get(needed) is None:
            raise BayescaleInputError(f"{where}: no {needed!r} given")
    try:
        law = _resolve_law(kwargs.pop("law"), law_dir)
        runs = kwargs["runs"]
        if isinstance(runs, str | Path):
            path = Path(runs).resolve()
            if path not in tables:
                tables[path] = read_table(path)[0]
            kwargs["runs"] = tables[path]
        elif not isinstance(runs, pd.DataFrame | Runs):
            raise BayescaleInputError(f"runs={runs!r}: give a DataFrame or a CSV path")
    except BayescaleInputError as problem:
        raise BayescaleInputError(f"{where}: {problem}") from None
    text = LawText.of(law)
    kwargs.setdefault("warn", False)
    if kwargs.get("seed") is None:
        kwargs["seed"] = int(job_key(text, {**kwargs, "seed": None})[:8], 16) % SEED_RANGE
    name = str(name) if name is not None else law.name
    return Job(position, name, text, kwargs, job_key(text, kwargs))


def prepare_jobs(jobs: Iterable[Mapping[str, Any]], law_dir: Path) -> list[Job]:
    """Check and make portable every job before any runs; laws given as text are written to ``law_dir``."""
    if isinstance(jobs, Mapping | str | bytes | pd.DataFrame) or not isinstance(jobs, Iterable):
        raise BayescaleInputError(f"jobs must be a list of dicts of fit() arguments, got {type(jobs).__name__}")
    tables: dict[Path, pd.DataFrame] = {}
    return [prepare_job(job, i, law_dir, tables) for i, job in enumerate(jobs)]
