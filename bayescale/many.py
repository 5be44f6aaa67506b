"""Many fits at once: a sweep of fit jobs on Dask (this machine's cores or a cluster).

Each result is saved the moment it arrives (one netCDF per job, written atomically, and a
line in the directory's index), so a rerun with the same directory skips every finished
job: a crash or a lost worker costs only the jobs that were running.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from bayescale.cluster import connect, local_io, submit_grouped
from bayescale.errors import PACKAGE_DIR, BayescaleInputError
from bayescale.fit import Fit, load_fit
from bayescale.jobs import Job, JobResult, prepare_jobs, run_job, safe_name

if TYPE_CHECKING:
    from distributed import Client, Future

INDEX = "index.jsonl"
LAWS = "laws"


@dataclass(frozen=True)
class FailedFit:
    """A job that produced no fit: the error in one line, and the traceback where there is one."""

    position: int
    name: str
    error: str
    detail: str = ""

    def __repr__(self) -> str:
        return f"<FailedFit job {self.position} ({self.name}): {self.error}>"


@dataclass(frozen=True)
class JobOutcome:
    """How one job ended: ``done`` (fitted now), ``skipped`` (found finished in the output
    directory) or ``failed``; ``file`` is relative to the output directory."""

    position: int
    name: str
    law: str
    status: Literal["done", "skipped", "failed"]
    key: str
    file: str | None = None
    seconds: float | None = None
    worker: str = ""
    error: str = ""
    diagnostics_ok: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class ResultsDir:
    """An output directory: one netCDF per finished job and an index of outcomes (JSON lines)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as problem:
            raise BayescaleInputError(f"output directory {self.path} cannot be created: {problem}") from None

    @property
    def laws(self) -> Path:
        """Where laws given as source text are written, so the saved fits can load them again."""
        return self.path / LAWS

    def fit_path(self, job: Job) -> Path:
        return self.path / job.file_name

    def finished(self, job: Job) -> bool:
        return self.fit_path(job).is_file()

    def save(self, job: Job, result: Fit) -> Path:
        """Save a fit under a temporary name, then rename it: a file that exists is complete."""
        path = self.fit_path(job)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with local_io():
            result.save(temporary)
        os.replace(temporary, path)
        return path

    def record(self, outcome: JobOutcome) -> None:
        """Append one outcome to the index and flush it to disk."""
        with open(self.path / INDEX, "a") as index:
            index.write(json.dumps(outcome.to_dict()) + "\n")
            index.flush()
            os.fsync(index.fileno())


def read_index(output_dir: str | Path) -> pd.DataFrame:
    """The latest outcome of every job recorded in an output directory, one row per job key."""
    path = Path(output_dir) / INDEX
    if not path.is_file():
        raise BayescaleInputError(f"no {INDEX} in {output_dir}: not an output directory of fit_many")
    rows = []
    for line in path.read_text().splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:  # a line cut short by a crash
            continue
    frame = pd.DataFrame(rows, columns=list(JobOutcome.__dataclass_fields__))
    return frame.drop_duplicates("key", keep="last").sort_values("position").reset_index(drop=True)


_session_laws: tempfile.TemporaryDirectory | None = None


def _law_dir(store: ResultsDir | None) -> Path:
    """Where laws given as text are written: the output directory, else a folder for this session."""
    global _session_laws
    if store is not None:
        return store.laws
    if _session_laws is None:
        _session_laws = tempfile.TemporaryDirectory(prefix="bayescale-laws-")
    return Path(_session_laws.name)


def _collect(future: Future) -> JobResult:
    """The worker's result, or the reason there is none (e.g. the task's workers all died)."""
    try:
        return future.result()
    except Exception as problem:  # noqa: BLE001 (reported as this job's failure)
        return JobResult(None, f"{type(problem).__name__}: {problem}".splitlines()[0], "", float("nan"), "")


def _run_pending(
    client: Client,
    pending: list[list[Job]],
    store: ResultsDir | None,
    return_fits: bool,
    finish: Callable[[list[Job], Fit | Path | FailedFit, JobOutcome], None],
) -> None:
    """Submit the jobs (one law's jobs to the same workers) and handle each result as it arrives."""
    from distributed import as_completed

    threaded = [a for a, w in client.scheduler_info()["workers"].items() if w.get("nthreads", 1) > 1]
    if threaded:
        warnings.warn(
            f"{len(threaded)} Dask workers run several threads: fits sharing a process compile under the "
            "same global PyTensor flags, so a seed may not reproduce its draws; start workers with --nthreads 1",
            UserWarning,
            skip_file_prefixes=(PACKAGE_DIR,),
        )
    futures = submit_grouped(
        client,
        run_job,
        [(s[0].law, s[0].kwargs) for s in pending],
        groups=[s[0].law.fingerprint for s in pending],
        labels=[f"fit_{safe_name(s[0].law.name)}" for s in pending],
    )
    same_of = {future.key: same for future, same in zip(futures, pending, strict=True)}
    for future in as_completed(futures, loop=client.loop):
        same = same_of[future.key]
        job = same[0]
        result = _collect(future)
        future.release()
        base = {"name": job.name, "law": job.law.name, "key": job.key, "worker": result.worker}
        if result.fit is None:
            value: Fit | Path | FailedFit = FailedFit(job.position, job.name, result.error, result.detail)
            outcome = JobOutcome(job.position, status="failed", seconds=result.seconds, error=result.error, **base)
        else:
            path = store.save(job, result.fit) if store is not None else None
            value = result.fit if return_fits or path is None else path
            outcome = JobOutcome(
                job.position,
                status="done",
                file=path.name if path else None,
                seconds=result.seconds,
                diagnostics_ok=result.fit.diagnostics.ok,
                **base,
            )
        if store is not None:
            store.record(outcome)
        finish(same, value, outcome)


def fit_many(
    jobs: Iterable[Mapping[str, Any]],
    scheduler: str | Client | None = None,
    output_dir: str | Path | None = None,
    *,
    workers: int | None = None,
    return_fits: bool = True,
    on_outcome: Callable[[JobOutcome], None] | None = None,
) -> list[Fit | Path | FailedFit]:
    """Run many fits on Dask; one result per job, in order; a failed job does not stop the others.

    Parameters
    ----------
    jobs
        Dicts of :func:`bayescale.fit` keyword arguments, e.g. ``{"law": "chinchilla",
        "runs": frame, "seed": 3, "draws": 500}``: the law by catalog name, file path or
        source text, the runs as a DataFrame or CSV path; an optional ``"name"`` labels the
        job. A job without a seed gets one derived from its content (reruns reproduce it).
        Every job is checked before any runs.
    scheduler
        A Dask scheduler's address (``"tcp://10.0.0.5:8786"``) or a ``distributed.Client``;
        ``None`` starts a cluster of ``workers`` processes on this machine (by default
        cores // chains: a fit already runs its chains on separate cores).
        Jobs of one law go to the same workers, which compile it once.
    output_dir
        Save each fit here as it finishes (``<name>-<key>.nc``, read back with
        :func:`bayescale.load_fit`) and record every outcome in ``index.jsonl``
        (:func:`read_index`). Jobs whose file is already there are skipped.
    return_fits
        With ``False`` (and an ``output_dir``) the result holds the saved files' paths
        instead of the fits, so a sweep of thousands of fits need not fit in memory.
    on_outcome
        Called with a :class:`JobOutcome` as each job finishes, fails or is skipped.

    Returns
    -------
    For each job, in order: its :class:`~bayescale.fit.Fit` (or path), or a
    :class:`FailedFit` saying why there is none.

    Examples
    --------
    >>> import bayescale as bs
    >>> jobs = [{"law": law, "runs": "runs.csv", "seed": s} for law in ("chinchilla", "kaplan") for s in range(3)]
    >>> fits = bs.fit_many(jobs, output_dir="sweep")  # doctest: +SKIP
    >>> fits = bs.fit_many(jobs, scheduler="tcp://10.0.0.5:8786", output_dir="sweep")  # doctest: +SKIP
    """
    store = ResultsDir(output_dir) if output_dir is not None else None
    if store is None and not return_fits:
        raise BayescaleInputError("return_fits=False keeps only the saved files: give output_dir= too")
    prepared = prepare_jobs(jobs, _law_dir(store))
    results: list[Fit | Path | FailedFit | None] = [None] * len(prepared)

    def finish(same: list[Job], value: Fit | Path | FailedFit, outcome: JobOutcome) -> None:
        for job in same:
            results[job.position] = value
            if on_outcome is not None:
                on_outcome(JobOutcome(**{**outcome.to_dict(), "position": job.position, "name": job.name}))

    by_key: dict[str, list[Job]] = {}
    for job in prepared:
        by_key.setdefault(job.key, []).append(job)
    pending = []
    for same in by_key.values():
        job = same[0]
        if store is None or not store.finished(job):
            pending.append(same)
            continue
        path = store.fit_path(job)
        outcome = JobOutcome(job.position, job.name, job.law.name, "skipped", job.key, file=path.name)
        finish(same, load_fit(path) if return_fits else path, outcome)
    if pending:
        with connect(scheduler, workers, cores_per_task=max(s[0].chains for s in pending)) as client:
            _run_pending(client, pending, store, return_fits, finish)
    return results  # type: ignore[return-value]  (every position is filled)
