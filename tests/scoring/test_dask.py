"""Scoring on Dask gives exactly the local result."""

from __future__ import annotations

import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("dask.distributed")

from classifier import score_frame  # noqa: E402
from classifier._errors import DataError  # noqa: E402
from classifier.scoring._dask import score_dask, score_file_dask  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                 dashboard_address=None) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def test_dask_equals_local_with_row_number_ids(client, model, ads):
    local = score_frame(model, ads, text_cols=["title", "body"], keep_cols=["ad_id"])
    ddf = dd.from_pandas(ads, npartitions=4)
    remote = score_dask(model, ddf, text_cols=["title", "body"], keep_cols=["ad_id"]).compute()
    pd.testing.assert_frame_equal(remote.reset_index(drop=True), local)


def test_dask_file_to_file_on_a_scheduler_address(client, model, ads, tmp_path):
    source = tmp_path / "ads.parquet"
    ads.to_parquet(source)
    out = tmp_path / "scores.csv"
    summary = score_file_dask(model, str(source), str(out), scheduler=client.scheduler.address,
                              id_col="ad_id")
    written = pd.read_csv(out, dtype={"id": str})
    local = score_frame(model, ads, id_col="ad_id")
    assert summary.rows_read == len(ads)
    assert written["id"].tolist() == local["id"].tolist()
    pd.testing.assert_series_equal(written["score"], local["score"], check_names=False)
    assert summary.flagged == int(local["flagged"].sum())
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def _ads_csv(path, n=200, bad_line=None):
    rows = [f'{i},"invented ad number {i}, new in town"' for i in range(n)]
    if bad_line is not None:
        rows[bad_line] = f"{bad_line},too,many,fields"
    path.write_text("id,text\n" + "\n".join(rows) + "\n")
    return path


@pytest.mark.parametrize("bad_line", [1, 180])
def test_dask_malformed_csv_fails_cleanly_and_writes_nothing(client, model, tmp_path, bad_line):
    # Line 180 lies in a later partition: the error is raised on a worker, not the client.
    source = _ads_csv(tmp_path / "ads.csv", bad_line=bad_line)
    out = tmp_path / "scores.csv"
    with pytest.raises(DataError, match="cannot read as csv: .*Expected 2 fields.*local engine"):
        score_file_dask(model, str(source), str(out), scheduler=client.scheduler.address,
                        id_col="id", blocksize=1000)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ads.csv"]


def test_dask_malformed_jsonl_fails_cleanly(client, model, tmp_path):
    source = tmp_path / "ads.jsonl"
    source.write_text('{"id": 1, "text": "hello"}\nnot json\n')
    with pytest.raises(DataError, match="cannot read as jsonl"):
        score_file_dask(model, str(source), str(tmp_path / "scores.parquet"),
                        scheduler=client.scheduler.address, id_col="id")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ads.jsonl"]


@pytest.mark.parametrize("suffix", ["csv", "jsonl"])
def test_dask_invalid_utf8_is_replaced_and_marked(client, model, tmp_path, suffix):
    source = tmp_path / f"ads.{suffix}"
    if suffix == "csv":
        source.write_bytes(b"id,text\n1,caf\xe9 tonight\n2,fine\n")
    else:
        source.write_bytes(b'{"id": 1, "text": "caf\xe9 tonight"}\n{"id": 2, "text": "fine"}\n')
    out = tmp_path / "scores.csv"
    summary = score_file_dask(model, str(source), str(out), scheduler=client.scheduler.address,
                              id_col="id")
    written = pd.read_csv(out)
    assert summary.rows_read == 2
    assert written["status"].tolist() == ["invalid_utf8", "ok"]


def test_dask_writes_to_an_fsspec_url(client, model, ads, tmp_path):
    source = tmp_path / "ads.parquet"
    ads.to_parquet(source)
    out = tmp_path / "scores.parquet"
    summary = score_file_dask(model, str(source), out.as_uri(),
                              scheduler=client.scheduler.address, id_col="ad_id")
    written = pd.read_parquet(out)
    assert summary.rows_read == len(written) == len(ads)
    assert written["id"].tolist() == ads["ad_id"].tolist()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_dask_rejects_an_output_format_before_starting(model, tmp_path):
    with pytest.raises(DataError, match="writes parquet, csv or tsv"):
        score_file_dask(model, str(tmp_path / "ads.csv"), str(tmp_path / "scores.jsonl"))


def test_dask_missing_local_output_directory_is_an_error(model, tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        score_file_dask(model, str(tmp_path / "ads.csv"), str(tmp_path / "no" / "scores.csv"))
