"""Many fits on Dask: a real scheduler and two worker processes on localhost, results equal
to serial fits draw for draw, a killed worker, and a rerun that resumes."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import bayescale as bs
from bayescale.catalog import get_law
from bayescale.cli import app
from bayescale.cli.commands_many import read_jobs
from bayescale.cluster import home_workers
from bayescale.errors import BayescaleInputError
from bayescale.jobs import LawText, prepare_jobs

# Short chains on purpose: these tests check that a cluster gives the serial results, not convergence
# (BNSL's break is not identified by runs of a plain power law).
SETTINGS = {"draws": 100, "tune": 100, "chains": 2, "remedies": False, "allow_unconverged": True}
LAWS = ("power_law", "bnsl")


def simulate(seed: int) -> pd.DataFrame:
    """20 runs of a power law with 2% log-normal noise."""
    rng = np.random.default_rng(seed)
    x = np.geomspace(1e6, 1e9, 20)
    y = (1.5 + 8.0 * (x / 1e7) ** -0.3) * np.exp(0.02 * rng.standard_normal(len(x)))
    return pd.DataFrame({"x": x, "y": y})


def sweep_jobs() -> list[dict]:
    """Six small jobs: three datasets for each of two laws."""
    return [
        {"name": f"{law}-{seed}", "law": law, "runs": simulate(seed), "seed": seed, **SETTINGS}
        for law in LAWS
        for seed in range(3)
    ]


def same_draws(a: bs.Fit, b: bs.Fit) -> bool:
    """Bit-for-bit equal posterior draws, sampler statistics and log-likelihoods (NaN where the
    sampler records none, e.g. the energy error of draws that did not diverge)."""
    for group in ("posterior", "sample_stats", "log_likelihood"):
        first, second = a.tree[group].to_dataset(), b.tree[group].to_dataset()
        if set(first.data_vars) != set(second.data_vars):
            return False
        if not all(_equal(first[v].values, second[v].values) for v in first.data_vars):
            return False
    return True


def _equal(a: np.ndarray, b: np.ndarray) -> bool:
    return np.array_equal(a, b, equal_nan=a.dtype.kind == "f")


# -- without a cluster ---------------------------------------------------------------------


def test_each_law_gets_its_own_workers():
    # more laws than workers: one worker each, the busiest law first to the least loaded worker
    assert home_workers(["a"] * 5 + ["b"] * 3 + ["c"] * 2, ["w1", "w2"]) == {"a": ["w1"], "b": ["w2"], "c": ["w2"]}
    # fewer laws than workers: shares in proportion to their jobs, at least one worker each
    homes = home_workers(["a"] * 9 + ["b"] * 1, [f"w{i}" for i in range(5)])
    assert homes == {"a": ["w0", "w1", "w2", "w3"], "b": ["w4"]}
    assert home_workers(["a", "b"], []) == {}


def test_jobs_are_checked_before_anything_runs(tmp_path):
    runs = simulate(0)
    with pytest.raises(BayescaleInputError, match=r"job 1: 'draw' not an argument of fit\(\)"):
        prepare_jobs([{"law": "power_law", "runs": runs}, {"law": "power_law", "runs": runs, "draw": 5}], tmp_path)
    with pytest.raises(BayescaleInputError, match="job 0: no 'runs' given"):
        prepare_jobs([{"law": "power_law"}], tmp_path)
    with pytest.raises(BayescaleInputError, match="job 0: runs file not found"):
        prepare_jobs([{"law": "power_law", "runs": tmp_path / "missing.csv"}], tmp_path)
    with pytest.raises(BayescaleInputError, match="job 0: unknown law 'powerlaw'"):
        prepare_jobs([{"law": "powerlaw", "runs": runs}], tmp_path)
    with pytest.raises(BayescaleInputError, match="list of dicts"):
        prepare_jobs({"law": "power_law", "runs": runs}, tmp_path)


def test_a_job_key_follows_what_it_fits(tmp_path):
    runs = simulate(0)
    runs.to_csv(tmp_path / "runs.csv", index=False)
    jobs = prepare_jobs(
        [
            {"law": "power_law", "runs": runs},
            {"law": "power_law", "runs": tmp_path / "runs.csv"},  # the same values from a file
            {"law": "power_law", "runs": runs.assign(y=runs["y"] * 1.01)},
            {"law": "power_law", "runs": runs, "fixed": {"E": 1.5}},
        ],
        tmp_path,
    )
    keys = [job.key for job in jobs]
    assert np.allclose(jobs[1].kwargs["runs"].to_numpy(), runs.to_numpy(), rtol=1e-15)
    assert keys[0] == keys[1] and len(set(keys)) == 3
    # no seed given: one derived from the job, the same on every call
    assert jobs[0].kwargs["seed"] == prepare_jobs([{"law": "power_law", "runs": runs}], tmp_path)[0].kwargs["seed"]
    assert jobs[0].kwargs["seed"] != jobs[2].kwargs["seed"]


def test_a_law_travels_as_its_text(tmp_path):
    source = get_law("power_law").source.replace('name="power_law"', 'name="my_power_law"')
    (job,) = prepare_jobs([{"law": source, "runs": simulate(0)}], tmp_path / "laws")
    assert job.law.name == "my_power_law" and Path(job.law.origin).parent == tmp_path / "laws"
    # a worker without the user's file loads the law from its text and keeps the user's path
    elsewhere = LawText(job.law.name, str(tmp_path / "not_on_this_worker.py"), job.law.source, job.law.fingerprint)
    law = elsewhere.load()
    assert law.name == "my_power_law" and law.origin == elsewhere.origin
    assert law.fingerprint == job.law.fingerprint


def test_jobs_file_yaml_and_csv(tmp_path):
    simulate(0).to_csv(tmp_path / "runs.csv", index=False)
    (tmp_path / "jobs.yaml").write_text(
        yaml.safe_dump(
            {
                "defaults": {"draws": 200, "chains": 2},
                "jobs": [
                    {"law": "power_law", "runs": "runs.csv", "seed": 1, "scales": {"x": "1e7"}},
                    {"law": "power_law", "runs": "runs.csv", "priors": {"alpha": "LogNormal(mu=-1.2, sigma=0.3)"}},
                ],
            }
        ).replace("'1e7'", "1e7")
    )
    first, second = read_jobs(tmp_path / "jobs.yaml")
    assert first == {"draws": 200, "chains": 2, "law": "power_law", "runs": str(tmp_path / "runs.csv"),
                     "seed": 1, "scales": {"x": 1e7}}  # fmt: skip
    assert second["priors"]["alpha"] == bs.Prior("LogNormal", mu=-1.2, sigma=0.3)
    (tmp_path / "jobs.csv").write_text(
        'law,runs,seed,draws,fixed\npower_law,runs.csv,3,200,"{E: 1.5}"\nbnsl,runs.csv,,,\n'
    )
    rows = read_jobs(tmp_path / "jobs.csv")
    assert rows[0] == {"law": "power_law", "runs": str(tmp_path / "runs.csv"), "seed": 3, "draws": 200,
                       "fixed": {"E": 1.5}}  # fmt: skip
    assert rows[1] == {"law": "bnsl", "runs": str(tmp_path / "runs.csv")}


def test_fit_many_command_rejects_bad_input_with_status_2(tmp_path):
    (tmp_path / "jobs.yaml").write_text("- law: power_law\n  runs: missing.csv\n")
    result = CliRunner().invoke(app, ["fit-many", str(tmp_path / "jobs.yaml"), "-o", str(tmp_path / "out"), "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "job 0: runs file not found" in result.stderr
    (tmp_path / "bad.yaml").write_text("- law: [power_law\n")
    result = CliRunner().invoke(app, ["fit-many", str(tmp_path / "bad.yaml"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2 and "bad.yaml is not valid YAML" in result.stderr


def test_nothing_to_run_starts_no_cluster(tmp_path):
    assert bs.fit_many([], output_dir=tmp_path) == []
    with pytest.raises(BayescaleInputError, match="give output_dir= too"):
        bs.fit_many([{"law": "power_law", "runs": simulate(0)}], return_fits=False)


def test_unreachable_scheduler_is_bad_input():
    with pytest.raises(BayescaleInputError, match="no Dask scheduler answered"):
        bs.fit_many([{"law": "power_law", "runs": simulate(0)}], scheduler="tcp://127.0.0.1:9")


# -- a real cluster: `dask scheduler` and two `dask worker` processes on localhost ----------------


class LocalhostCluster:
    """A scheduler and worker processes started as the command line starts them."""

    def __init__(self, folder: Path, n_workers: int):
        self.scheduler_file = folder / "scheduler.json"
        dask = [sys.executable, "-m", "dask"]
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": folder}
        self.scheduler = subprocess.Popen(
            [*dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", str(self.scheduler_file)], **quiet,
        )  # fmt: skip
        self.workers = {
            f"worker-{i}": subprocess.Popen(
                [
                    *dask,
                    "worker",
                    "--scheduler-file",
                    str(self.scheduler_file),
                    "--name",
                    f"worker-{i}",
                    "--nthreads",
                    "1",
                    "--no-nanny",
                    "--no-dashboard",
                    "--host",
                    "127.0.0.1",
                ],
                **quiet,
            )  # fmt: skip
            for i in range(n_workers)
        }
        deadline = time.monotonic() + 60
        while not self.scheduler_file.is_file() and time.monotonic() < deadline:
            time.sleep(0.2)
        self.address = json.loads(self.scheduler_file.read_text())["address"]

    def client(self):
        from distributed import Client

        return Client(self.address, timeout="30s")

    def kill(self, name: str) -> None:
        self.workers[name].kill()
        self.workers[name].wait()

    def close(self) -> None:
        for process in [*self.workers.values(), self.scheduler]:
            process.terminate()
        for process in [*self.workers.values(), self.scheduler]:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    cluster = LocalhostCluster(tmp_path_factory.mktemp("cluster"), n_workers=2)
    with cluster.client() as client:
        client.wait_for_workers(2, timeout=120)
    yield cluster
    cluster.close()


@pytest.fixture(scope="module")
def serial_fits():
    """The six jobs fitted one after another in this process: the reference."""
    return [bs.fit(**{k: v for k, v in job.items() if k != "name"}, warn=False) for job in sweep_jobs()]


@pytest.mark.slow
def test_sweep_on_a_cluster_equals_serial_fits(cluster, serial_fits, tmp_path):
    outcomes = []
    fits = bs.fit_many(sweep_jobs(), scheduler=cluster.address, output_dir=tmp_path, on_outcome=outcomes.append)
    assert [f.law.name for f in fits] == [law for law in LAWS for _ in range(3)]
    for fitted, reference in zip(fits, serial_fits, strict=True):
        assert same_draws(fitted, reference)
    assert sorted(o.status for o in outcomes) == ["done"] * 6
    with cluster.client() as client:
        assert {o.worker for o in outcomes} <= set(client.scheduler_info()["workers"])
    index = bs.read_index(tmp_path)
    assert list(index["status"]) == ["done"] * 6 and list(index["name"]) == [j["name"] for j in sweep_jobs()]
    for file, reference in zip(index["file"], serial_fits, strict=True):
        assert same_draws(bs.load_fit(tmp_path / file), reference)
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.slow
def test_fit_many_command_on_the_cluster(cluster, serial_fits, tmp_path):
    jobs = sweep_jobs()[:3]
    for job in jobs:
        job["runs"].to_csv(tmp_path / f"{job['name']}.csv", index=False)
    entries = [{**{k: v for k, v in job.items() if k != "runs"}, "runs": f"{job['name']}.csv"} for job in jobs]
    entries.append({"name": "negative", "law": "power_law", "runs": "negative.csv", **SETTINGS})
    simulate(0).assign(y=-1.0).to_csv(tmp_path / "negative.csv", index=False)
    (tmp_path / "jobs.yaml").write_text(yaml.safe_dump(entries))
    command = ["fit-many", str(tmp_path / "jobs.yaml"), "--scheduler", cluster.address, "-o", str(tmp_path / "out")]
    result = CliRunner().invoke(app, [*command, "--json"])
    assert result.exit_code == 1, result.output  # one job failed, the others finished
    document = json.loads(result.stdout)
    assert (document["done"], document["failed"]) == (3, 1)
    failed = document["jobs"][3]
    assert (
        failed["status"] == "failed" and "column 'y' (y)" in failed["error"] and "must be positive" in failed["error"]
    )
    for job, reference in zip(document["jobs"][:3], serial_fits[:3], strict=True):
        assert same_draws(bs.load_fit(tmp_path / "out" / job["file"]), reference)
    again = json.loads(CliRunner().invoke(app, [*command, "--json"]).stdout)
    assert (again["skipped"], again["failed"]) == (3, 1)


@pytest.mark.slow
def test_compare_and_next_run_on_the_cluster(cluster):
    runs = simulate(5)
    kwargs = {"runs": runs, "holdout": "x >= 3e8", **SETTINGS}
    here = bs.compare(list(LAWS), workers=1, **kwargs)
    there = bs.compare(list(LAWS), scheduler=cluster.address, **kwargs)
    pd.testing.assert_frame_equal(here.table, there.table, check_exact=True)
    steps = {"runs": runs, "by": "x", "steps": 2, "bin_dex": 0.5}
    sequential_here = bs.compare_sequential(here.fits, workers=1, **steps)
    sequential_there = bs.compare_sequential(here.fits, scheduler=cluster.address, **steps)
    pd.testing.assert_frame_equal(sequential_here, sequential_there, check_exact=True)
    candidates = pd.DataFrame({"x": np.geomspace(1e8, 1e10, 5)})
    ranked_here = bs.next_run(here.fits["power_law"], {"x": 1e11}, candidates)
    ranked_there = bs.next_run(here.fits["power_law"], {"x": 1e11}, candidates, scheduler=cluster.address)
    pd.testing.assert_frame_equal(ranked_here, ranked_there, check_exact=True)


@pytest.mark.slow
def test_killed_worker_costs_only_its_running_jobs_and_a_rerun_resumes(cluster, serial_fits, tmp_path):
    killed = {}

    def kill_the_busiest_worker(outcome):
        if killed:
            return
        with cluster.client() as client:
            processing = client.processing()
            names = {a: w["name"] for a, w in client.scheduler_info()["workers"].items()}
        address = max(processing, key=lambda a: len(processing[a]))
        killed["worker"], killed["jobs"] = names[address], len(processing[address])
        cluster.kill(names[address])

    longer = [{**job, "draws": 1000} for job in sweep_jobs()]  # long enough that the kill lands mid-sweep
    outcomes = []
    fits = bs.fit_many(
        longer,
        scheduler=cluster.address,
        output_dir=tmp_path,
        on_outcome=lambda o: (outcomes.append(o), kill_the_busiest_worker(o)),
    )
    assert killed["jobs"] >= 1, "the killed worker had no job left to lose"
    assert sorted(o.status for o in outcomes) == ["done"] * 6
    references = [bs.fit(**{k: v for k, v in job.items() if k != "name"}, warn=False) for job in longer]
    for fitted, reference in zip(fits, references, strict=True):
        assert same_draws(fitted, reference)

    rerun = []
    fits = bs.fit_many(longer, scheduler=cluster.address, output_dir=tmp_path, on_outcome=rerun.append)
    assert [o.status for o in rerun] == ["skipped"] * 6
    assert all(same_draws(a, b) for a, b in zip(fits, references, strict=True))

    lost = tmp_path / bs.read_index(tmp_path)["file"][4]
    lost.unlink()  # as if the sweep had stopped before job 4 finished
    resumed = []
    fits = bs.fit_many(longer, scheduler=cluster.address, output_dir=tmp_path, on_outcome=resumed.append)
    assert {o.position: o.status for o in resumed} == {0: "skipped", 1: "skipped", 2: "skipped", 3: "skipped",
                                                       4: "done", 5: "skipped"}  # fmt: skip
    assert lost.is_file() and same_draws(fits[4], references[4])


@pytest.mark.slow
def test_without_a_scheduler_a_cluster_starts_on_this_machine(serial_fits, tmp_path):
    jobs = [sweep_jobs()[0], {"law": "power_law", "runs": simulate(0).assign(y=-1.0), **SETTINGS}]
    results = bs.fit_many(jobs, output_dir=tmp_path, workers=1, return_fits=False)
    assert isinstance(results[0], Path) and same_draws(bs.load_fit(results[0]), serial_fits[0])
    assert isinstance(results[1], bs.FailedFit) and results[1].position == 1
    assert results[1].error.startswith("BayescaleInputError: column 'y' (y)")
    assert list(bs.read_index(tmp_path)["status"]) == ["done", "failed"]
