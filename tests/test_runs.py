"""Data in: column mapping and every bad input named in one actionable line."""

import numpy as np
import pandas as pd
import pytest

import bayescale as bs
from bayescale.errors import BayescaleInputError


def frame(n=10, **overrides):
    data = {"n_params": np.geomspace(1e8, 1e10, n), "tokens": np.geomspace(1e9, 1e11, n), "loss": np.linspace(3, 2, n)}
    data.update(overrides)
    return pd.DataFrame(data)


def test_maps_user_columns_onto_law_inputs():
    runs = bs.load_runs(frame(), "chinchilla", columns={"params": "n_params"})
    assert len(runs) == 10
    assert runs.columns == {"params": "n_params", "tokens": "tokens", "loss": "loss"}
    np.testing.assert_allclose(runs.column("params"), frame()["n_params"])


def test_reads_csv(tmp_path):
    path = tmp_path / "runs.csv"
    frame().to_csv(path, index=False)
    assert len(bs.load_runs(path, "chinchilla", columns={"params": "n_params"})) == 10


def test_missing_column_names_it_and_lists_columns():
    with pytest.raises(BayescaleInputError, match=r"column 'params'.*not found.*columns found: n_params, tokens, loss"):
        bs.load_runs(frame(), "chinchilla")


def test_non_numeric_values_name_column_and_rows():
    bad = frame()
    bad["loss"] = bad["loss"].astype(object)
    bad.loc[[2, 5], "loss"] = "n/a"
    with pytest.raises(BayescaleInputError, match=r"column 'loss'.*non-numeric.*rows 2, 5"):
        bs.load_runs(bad, "chinchilla", columns={"params": "n_params"})


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_nan_and_inf_name_column_and_row(value):
    bad = frame()
    bad.loc[3, "tokens"] = value
    with pytest.raises(BayescaleInputError, match=r"column 'tokens'.*missing, NaN or infinite.*row 3"):
        bs.load_runs(bad, "chinchilla", columns={"params": "n_params"})


def test_non_positive_values_name_column_and_rows():
    bad = frame()
    bad.loc[[0, 7], "n_params"] = [0.0, -5.0]
    with pytest.raises(BayescaleInputError, match=r"column 'n_params' \(params\).*must be positive.*rows 0, 7"):
        bs.load_runs(bad, "chinchilla", columns={"params": "n_params"})


def test_too_few_runs_for_the_law():
    with pytest.raises(BayescaleInputError, match=r"4 runs in the table are fewer than the 5 free parameters"):
        bs.load_runs(frame(4), "chinchilla", columns={"params": "n_params"})


def test_mapping_an_unknown_law_variable():
    with pytest.raises(BayescaleInputError, match=r"columns= maps size.*params, tokens, loss"):
        bs.load_runs(frame(), "chinchilla", columns={"size": "n_params"})


def test_missing_file():
    with pytest.raises(BayescaleInputError, match="runs file not found: nowhere.csv"):
        bs.load_runs("nowhere.csv", "chinchilla")


def test_shipped_dataset_keeps_epoch_flag_and_citation():
    runs = bs.datasets.load("chinchilla")
    assert len(runs) == 245 and int(runs["epoch_excluded"].sum()) == 5
    assert "arXiv:2404.10102" in runs.attrs["citation"]
    np.testing.assert_allclose(runs["flops"], 6 * runs["params"] * runs["tokens"], rtol=1e-12)
