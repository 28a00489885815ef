"""Scoring on Dask gives exactly the local result."""

from __future__ import annotations

import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("dask.distributed")

from classifier import score_frame  # noqa: E402
from classifier._dask import score_dask, score_file_dask  # noqa: E402


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
    assert summary["rows_read"] == len(ads)
    assert written["id"].tolist() == local["id"].tolist()
    pd.testing.assert_series_equal(written["score"], local["score"], check_names=False)
    assert summary["flagged"] == int(local["flagged"].sum())
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
