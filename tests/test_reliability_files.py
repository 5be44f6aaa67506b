"""Saves that survive a crash, loads that name what is wrong, caches that never mix laws, and
fits whose draws are unusable reported as failed, never as healthy."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from typer.testing import CliRunner

import bayescale as bs
from bayescale import sampling
from bayescale.cli import app
from bayescale.diagnostics import check
from bayescale.errors import SamplingError
from bayescale.files import check_output_path, write_atomically
from bayescale.identity import law_identity
from bayescale.law import Input, Law, Output, Param
from bayescale.model import ModelSpec
from bayescale.predict import law_mean
from bayescale.priors import Prior

runner = CliRunner()


# -- saves -----------------------------------------------------------------------------------------


def test_a_failed_write_leaves_the_earlier_file_whole(tmp_path):
    target = tmp_path / "out.nc"
    target.write_bytes(b"the earlier fit")

    def half_then_fail(path):
        path.write_bytes(b"half a fi")
        raise OSError(28, "No space left on device")

    with pytest.raises(bs.BayescaleInputError, match=f"cannot write {target}: No space left on device"):
        write_atomically(target, half_then_fail)
    assert target.read_bytes() == b"the earlier fit"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.nc"]  # no temporary file left behind


def test_a_save_killed_while_writing_leaves_a_whole_fit(tmp_path, tiny_fit_file):
    """kill -9 a process that saves the same fit over and over: the file on disk always loads."""
    target = tmp_path / "out.nc"
    ready = tmp_path / "ready"
    script = textwrap.dedent(
        f"""
        import bayescale as bs
        fit = bs.load_fit({str(tiny_fit_file)!r})
        fit.save({str(target)!r})
        open({str(ready)!r}, "w").close()
        while True:
            fit.save({str(target)!r})
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 120
        while not ready.exists() and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.1)
        assert ready.exists(), "the saving process did not start"
        time.sleep(1.0)  # a second of back-to-back saves: the kill lands inside one
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert target.stat().st_size == tiny_fit_file.stat().st_size
    loaded = bs.load_fit(target)
    assert loaded.posterior["alpha"].shape == (2, 100)


def test_saved_file_gets_the_usual_permissions(tmp_path, tiny_fit_file):
    fit = bs.load_fit(tiny_fit_file)
    mask = os.umask(0o022)
    try:
        path = fit.save(tmp_path / "new.nc")
        assert path.stat().st_mode & 0o777 == 0o644  # not the 0o600 of a temporary file
        path.chmod(0o640)
        fit.save(path)
        assert path.stat().st_mode & 0o777 == 0o640  # an existing file keeps its mode
    finally:
        os.umask(mask)


@pytest.mark.parametrize(
    "where, words",
    [
        (lambda d: d / "missing" / "fit.nc", "does not exist"),
        (lambda d: d, "is a folder"),
        (lambda d: "", "give a file name"),
    ],
)
def test_save_to_an_unwritable_place_names_it(tmp_path, tiny_fit_file, where, words):
    fit = bs.load_fit(tiny_fit_file)
    with pytest.raises(bs.BayescaleInputError, match=words):
        fit.save(where(tmp_path))


def test_an_output_may_not_be_an_input(tmp_path):
    runs = tmp_path / "runs.csv"
    runs.write_text("params,tokens,loss\n")
    with pytest.raises(bs.BayescaleInputError, match="is the input .*runs.csv: refusing to overwrite it"):
        check_output_path(tmp_path / "." / "runs.csv", "-o", inputs=[runs])
    assert check_output_path(tmp_path / "fit.nc", "-o", suffixes=[".nc"], inputs=[runs]) == tmp_path / "fit.nc"


# -- loads -----------------------------------------------------------------------------------------


def with_record(tree: xr.DataTree, edit) -> xr.DataTree:
    tree = tree.copy()
    record = json.loads(tree.attrs["bayescale"])
    edit(record)
    tree.attrs["bayescale"] = json.dumps(record)
    return tree


def test_a_saved_fit_whose_law_is_unknown_names_the_file(tmp_path, tiny_fit_file):
    tree = bs.load_fit(tiny_fit_file).tree
    path = tmp_path / "old.nc"
    with_record(tree, lambda r: r["spec"]["law"].update(origin="retired_law")).to_netcdf(path, engine="h5netcdf")
    with pytest.raises(bs.BayescaleInputError, match=f"{path}: its law cannot be loaded: unknown law 'retired_law'"):
        bs.load_fit(path)


def test_a_saved_fit_whose_law_lost_a_parameter_names_both(tmp_path, tiny_fit_file):
    law_file = tmp_path / "law.py"
    law_file.write_text(bs.get_law("chinchilla").source.replace('"beta": Param(', '"gamma": Param(')
                        .replace("B, beta)", "B, gamma)").replace("tokens**beta", "tokens**gamma"))  # fmt: skip
    tree = with_record(bs.load_fit(tiny_fit_file).tree, lambda r: r["spec"]["law"].update(origin=str(law_file)))
    path = tmp_path / "old.nc"
    tree.to_netcdf(path, engine="h5netcdf")
    with pytest.raises(bs.BayescaleInputError, match=f"{path}: its posterior group lacks 'gamma' of law"):
        bs.load_fit(path)


# -- unusable draws ----------------------------------------------------------------------------------


def test_non_finite_draws_are_a_failure_not_healthy(tmp_path, tiny_fit_file):
    tree = bs.load_fit(tiny_fit_file).tree.copy()
    posterior = tree["posterior"].to_dataset()
    posterior["alpha"] = posterior["alpha"] * np.nan
    broken = tree.assign({"posterior": xr.DataTree(posterior)})
    diagnostics = check(broken, ["E", "A", "alpha", "B", "beta", "sigma"], warn=False)
    assert diagnostics.failed and not diagnostics.ok
    assert diagnostics.report().startswith("sampling failed: draws of alpha include NaN or infinite values")
    path = tmp_path / "broken.nc"
    broken.to_netcdf(path, engine="h5netcdf")
    loaded = bs.load_fit(path)  # loading shows the fit, marked failed
    assert loaded.diagnostics.failed
    result = runner.invoke(app, ["summary", str(path)])
    assert "sampling failed" in result.stderr and "healthy" not in result.stderr


def test_chains_in_separate_modes_are_refused_in_one_line_naming_the_modes():
    # y = A^2 x: A = +2 and A = -2 fit equally well, and the chains split between them.
    law = Law(lambda x, A: A**2 * x, name="two_modes", formula="", citation="", inputs={"x": Input("x", "")},
              output=Output("y", "y", ""), params={"A": Param(Prior("Normal", mu=0, sigma=3), "")})  # fmt: skip
    x = np.linspace(1, 3, 15)
    runs = pd.DataFrame({"x": x, "y": 4 * x * np.exp(0.01 * np.random.default_rng(0).standard_normal(15))})
    with pytest.raises(SamplingError, match=r"separate modes of A: chains .* near -2; chain.* near 2") as caught:
        bs.fit(law, runs, draws=200, tune=200, chains=4, seed=2, warn=False)
    assert "\n" not in str(caught.value)


# -- caches ----------------------------------------------------------------------------------------


def in_memory_law(mean) -> Law:
    return Law(mean, name="same name", formula="", citation="", inputs={"x": Input("x", "")},
               output=Output("y", "y", ""), params={"A": Param(Prior("LogNormal", mu=0, sigma=1), "")})  # fmt: skip


def test_laws_built_in_memory_with_one_name_keep_their_own_mean():
    plain, shifted = in_memory_law(lambda x, A: A * x), in_memory_law(lambda x, A: A * x + 8.0)
    assert law_mean(shifted, {"A": np.array([2.0])}, {"x": np.array([6.0])})["y"][0, 0] == 20.0
    assert law_mean(plain, {"A": np.array([2.0])}, {"x": np.array([6.0])})["y"][0, 0] == 12.0
    assert sampling.cache_key(ModelSpec.create(plain)) != sampling.cache_key(ModelSpec.create(shifted))


def test_law_identity_sees_closures_and_constants_but_not_reloading():
    def scaled(factor):
        return in_memory_law(lambda x, A: factor * A * x)

    assert law_identity(scaled(2.0)) != law_identity(scaled(3.0))
    assert law_identity(scaled(2.0)) == law_identity(scaled(2.0))
    assert law_identity(bs.get_law("chinchilla")) == law_identity(bs.get_law("chinchilla"))  # the cache is reused
    assert law_identity(bs.get_law("chinchilla")) != law_identity(bs.get_law("kaplan"))


def test_fits_of_two_in_memory_laws_with_one_name_predict_their_own_law():
    x = np.linspace(1, 3, 12)
    noise = np.exp(0.01 * np.random.default_rng(0).standard_normal(12))
    plain = bs.fit(in_memory_law(lambda x, A: A * x), pd.DataFrame({"x": x, "y": 2 * x * noise}),
                   draws=100, tune=100, chains=1, seed=1, warn=False)  # fmt: skip
    shifted = bs.fit(in_memory_law(lambda x, A: A * x + 8.0), pd.DataFrame({"x": x, "y": (2 * x + 8) * noise}),
                     draws=100, tune=100, chains=1, seed=1, warn=False)  # fmt: skip
    # 1% noise on 12 runs pins A = 2 to about 0.3% (1% / sqrt(12)): medians within 1% of the truth.
    assert plain.predict(x=6.0)["median"].iloc[0] == pytest.approx(12.0, rel=0.01)
    assert shifted.predict(x=6.0)["median"].iloc[0] == pytest.approx(20.0, rel=0.01)
