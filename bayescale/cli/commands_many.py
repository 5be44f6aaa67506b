"""``bayescale fit-many``: a sweep of fits from a jobs file (YAML or CSV) on Dask."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
import yaml
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bayescale.cli.common import app, err, frame_table, lazy, out, parse_priors, print_json, user_errors
from bayescale.errors import BayescaleInputError
from bayescale.priors import Prior

if TYPE_CHECKING:
    import pandas as pd

    from bayescale.many import JobOutcome

fit_many = lazy("bayescale.many", "fit_many")


class _JobsLoader(yaml.SafeLoader):
    """YAML that reads ``1e9`` as a number (YAML 1.1 wants ``1.0e+9``)."""


_JobsLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)[eE][-+]?\d+$"), list("-+0123456789.")
)


def _cell(text: str) -> Any:
    """A CSV cell as a number, a true/false, a ``{...}``/``[...]`` mapping or list, or text."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if text.startswith(("{", "[")):
        return yaml.load(text, Loader=_JobsLoader)  # noqa: S506 (a SafeLoader)
    return text


def _read_entries(path: Path) -> list[Any]:
    """The raw jobs of a YAML file (a list, or ``jobs:`` with shared ``defaults:``) or a CSV file."""
    if not path.is_file():
        raise BayescaleInputError(f"jobs file not found: {path}")
    if path.suffix.lower() == ".csv":
        import pandas as pd  # here, not at the top: the command line's help stays fast

        try:
            table = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as problem:
            raise BayescaleInputError(f"{path.name} is not a readable CSV table: {problem}") from None
        return [{k: _cell(v.strip()) for k, v in row.items() if v.strip()} for row in table.to_dict("records")]
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise BayescaleInputError(f"{path.name}: a jobs file is .yaml, .yml or .csv")
    try:
        document = yaml.load(path.read_text(), Loader=_JobsLoader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as problem:
        raise BayescaleInputError(f"{path.name} is not valid YAML: {' '.join(str(problem).split())}") from None
    if isinstance(document, Mapping) and "jobs" in document:
        defaults = document.get("defaults") or {}
        if not isinstance(defaults, Mapping) or not isinstance(document["jobs"], list):
            raise BayescaleInputError(f"{path.name}: 'defaults' must be a mapping and 'jobs' a list")
        return [{**defaults, **job} if isinstance(job, Mapping) else job for job in document["jobs"]]
    if not isinstance(document, list):
        raise BayescaleInputError(f"{path.name}: expected a list of jobs, or 'jobs:' (and 'defaults:')")
    return document


def _priors(value: Any, where: str) -> dict[str, Prior]:
    """``{alpha: "LogNormal(mu=-1.2, sigma=0.3)"}`` or ``{alpha: {dist: LogNormal, kwargs: {...}}}``."""
    if not isinstance(value, Mapping):
        raise BayescaleInputError(f"{where}: priors must map parameter names to priors")
    priors = {}
    for name, prior in value.items():
        if isinstance(prior, Mapping):
            try:
                priors[name] = Prior.from_dict(dict(prior))
            except (KeyError, TypeError, ValueError) as problem:
                raise BayescaleInputError(f"{where}: priors {name!r}: {problem}") from None
        else:
            priors.update(parse_priors([f"{name}={prior}"]))
    return priors


def read_jobs(path: Path) -> list[dict[str, Any]]:
    """Jobs from a YAML or CSV file; relative law and runs paths are relative to the file."""
    jobs = []
    for position, entry in enumerate(_read_entries(path)):
        where = f"{path.name}, job {position}"
        if not isinstance(entry, Mapping):
            raise BayescaleInputError(f"{where}: expected a mapping of fit() arguments, got {entry!r}")
        job = dict(entry)
        for key in ("law", "runs"):
            value = job.get(key)
            if isinstance(value, str) and "\n" not in value and (key == "runs" or value.endswith(".py")):
                job[key] = str(path.parent / value) if not Path(value).is_absolute() else value
        if "priors" in job:
            job["priors"] = _priors(job["priors"], where)
        jobs.append(job)
    return jobs


def _outcome_table(outcomes: list[JobOutcome]) -> pd.DataFrame:
    import pandas as pd

    rows = [
        {
            "name": o.name,
            "law": o.law,
            "status": o.status,
            "seconds": float("nan") if o.seconds is None else o.seconds,
            "file or error": o.error or o.file or "",
        }
        for o in outcomes
    ]
    return pd.DataFrame(rows, index=[o.position for o in outcomes])


@app.command("fit-many")
@user_errors
def fit_many_command(
    jobs_file: Annotated[
        Path, typer.Argument(help="JOBS.yaml or JOBS.csv: one job per entry or row, fit()'s arguments by name.")
    ],
    output: Annotated[
        Path,
        typer.Option("-o", "--output", help="Directory for the fits and index.jsonl; a rerun skips finished jobs."),
    ],
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: this machine).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes on this machine (default: cores // chains).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Fit many jobs on Dask, saving each fit as it finishes. Exit status 1 if any job failed."""
    jobs = read_jobs(jobs_file)
    outcomes: list[JobOutcome] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=as_json) as progress:
        task = progress.add_task("fits", total=len(jobs))

        def advance(outcome: JobOutcome) -> None:
            outcomes.append(outcome)
            counts = Counter(o.status for o in outcomes)
            text = ", ".join(f"{counts[s]} {s}" for s in ("done", "skipped", "failed") if counts[s])
            progress.update(task, advance=1, description=f"fits ({text})")

        fit_many(jobs, scheduler=scheduler, output_dir=output, workers=workers, return_fits=False, on_outcome=advance)
    outcomes.sort(key=lambda o: o.position)
    counts = Counter(o.status for o in outcomes)
    if as_json:
        print_json({"output_dir": str(output), **{s: counts[s] for s in ("done", "skipped", "failed")},
                    "jobs": [o.to_dict() for o in outcomes]})  # fmt: skip
    else:
        out.print(frame_table(_outcome_table(outcomes), f"Fits in {output}", index="job"))
    if counts["failed"]:
        err.print(f"{counts['failed']} of {len(outcomes)} jobs failed; rerun to retry them", highlight=False)
        raise typer.Exit(1)
