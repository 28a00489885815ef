"""Compressed and remote input: .zst and one-file .zip read like .gz; fsspec URLs too."""

from __future__ import annotations

import gzip
import zipfile

import pytest
import zstandard

from classifier import DataError
from classifier.io import iter_chunks, read_all

CSV = b"id,text\n1,first ad\n2,\"second ad, with a comma\"\n"


def _rows(source) -> list[str]:
    frame, problems = read_all(source, ["id", "text"])
    assert problems == 0
    return frame["text"].tolist()


def test_zst_and_zip_read_like_plain_csv(tmp_path):
    (tmp_path / "ads.csv.zst").write_bytes(zstandard.ZstdCompressor().compress(CSV))
    with zipfile.ZipFile(tmp_path / "ads.csv.zip", "w") as archive:
        archive.writestr("ads.csv", CSV)
    (tmp_path / "ads.csv.gz").write_bytes(gzip.compress(CSV))
    expected = ["first ad", "second ad, with a comma"]
    for name in ("ads.csv.zst", "ads.csv.zip", "ads.csv.gz"):
        assert _rows(tmp_path / name) == expected, name


def test_zip_of_several_files_and_corrupt_zst_are_one_clear_error(tmp_path):
    with zipfile.ZipFile(tmp_path / "two.csv.zip", "w") as archive:
        archive.writestr("a.csv", CSV)
        archive.writestr("b.csv", CSV)
    with pytest.raises(DataError, match="exactly one file, not 2"):
        list(iter_chunks(tmp_path / "two.csv.zip"))
    (tmp_path / "bad.csv.zst").write_bytes(b"\x28\xb5\x2f\xfd" + b"garbage" * 10)
    with pytest.raises(DataError, match="corrupt or cut-off"):
        list(iter_chunks(tmp_path / "bad.csv.zst"))


def test_fsspec_url_is_read_by_the_local_engine(tmp_path):
    """An fsspec URL (here the in-memory file system) reads like a local file."""
    import fsspec

    with fsspec.open("memory://bucket/ads.csv.gz", "wb") as out:
        out.write(gzip.compress(CSV))
    assert _rows("memory://bucket/ads.csv.gz") == ["first ad", "second ad, with a comma"]
    with pytest.raises(DataError, match="memory://bucket/missing.csv"):
        list(iter_chunks("memory://bucket/missing.csv"))
