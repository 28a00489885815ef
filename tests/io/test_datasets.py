"""Built-in datasets: pinned checksum, offline directory, download failures."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pooch
import pytest
import requests

from classifier import DATASETS, DataError, fetch_dataset, load_dataset, load_labeled

#: The SHA-256 documented for the local copy (datasets/chainbreaker/SOURCE.md).
CHAINBREAKER_SHA256 = "db6ef936d59115a6fa23136c38eac0d1f703c3e40fee7b39aada44e37e56b65b"


def test_chainbreaker_is_pinned():
    """The download is pinned to one commit and to the documented checksum."""
    info = DATASETS["chainbreaker"]
    assert info.sha256 == CHAINBREAKER_SHA256
    assert "eeb400b51f326a726d380efe704583d896097da6" in info.url
    assert info.url.startswith("https://")


def test_offline_dir_is_used_without_download(real_data_dir, no_download):
    """With $CLASSIFIER_DATA_DIR set the local copy is verified and used; nothing is fetched."""
    path = fetch_dataset("chainbreaker")
    assert path == real_data_dir / "chainbreaker" / "raw.csv"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == CHAINBREAKER_SHA256


def test_load_chainbreaker(real_data_dir, no_download):
    """The dataset loads as text and 0/1 labels with the documented size and balance."""
    ads = load_dataset("chainbreaker")
    assert list(ads.columns) == ["text", "label"]
    assert len(ads) == 2677
    assert ads["label"].value_counts().to_dict() == {0.0: 1756, 1.0: 921}
    assert ads["text"].map(type).eq(str).all()


def test_load_labeled_chainbreaker_provenance(real_data_dir, no_download):
    """Training data from the built-in dataset records its name and pinned checksum."""
    labeled, provenance = load_labeled(dataset="chainbreaker")
    assert provenance["source"] == "chainbreaker"
    assert provenance["sha256"] == CHAINBREAKER_SHA256
    assert provenance["n_rows"] == 2677
    assert provenance["n_missing_label"] == 0
    assert len(labeled.texts) == 2677
    assert int(labeled.y.sum()) == 921


def _fake_data_dir(tmp_path: Path, content: bytes | None) -> Path:
    folder = tmp_path / "datasets" / "chainbreaker"
    folder.mkdir(parents=True)
    if content is not None:
        (folder / "raw.csv").write_bytes(content)
    return tmp_path / "datasets"


def test_changed_byte_in_offline_copy_is_refused(real_data_dir, tmp_path, monkeypatch,
                                                 no_download):
    """A local copy differing from the pinned file by one byte is refused with a DataError."""
    data = bytearray((real_data_dir / "chainbreaker" / "raw.csv").read_bytes())
    data[len(data) // 2] ^= 0x01
    monkeypatch.setenv("CLASSIFIER_DATA_DIR", str(_fake_data_dir(tmp_path, bytes(data))))
    with pytest.raises(DataError, match="SHA-256"):
        fetch_dataset("chainbreaker")
    with pytest.raises(DataError, match="SHA-256"):
        load_dataset("chainbreaker")


def test_wrong_offline_file_is_refused(tmp_path, monkeypatch, no_download):
    """Any other file in place of the dataset is refused (this test needs no real data)."""
    fake = b";text;label\n0;an invented ad;1.0\n1;another invented ad;0.0\n"
    monkeypatch.setenv("CLASSIFIER_DATA_DIR", str(_fake_data_dir(tmp_path, fake)))
    with pytest.raises(DataError, match="does not match the pinned"):
        load_labeled(dataset="chainbreaker")


def test_missing_file_in_offline_dir(tmp_path, monkeypatch, no_download):
    """A data directory without the file gives a clear error naming the path and variable."""
    data_dir = _fake_data_dir(tmp_path, None)
    monkeypatch.setenv("CLASSIFIER_DATA_DIR", str(data_dir))
    with pytest.raises(DataError) as info:
        fetch_dataset("chainbreaker")
    message = str(info.value)
    assert str(data_dir / "chainbreaker" / "raw.csv") in message
    assert "CLASSIFIER_DATA_DIR" in message


def test_unknown_dataset(no_download):
    """An unknown dataset name lists the built-in ones."""
    with pytest.raises(DataError, match="chainbreaker"):
        fetch_dataset("no-such-dataset")
    with pytest.raises(DataError, match="unknown dataset"):
        load_labeled(dataset="no-such-dataset")


def test_download_uses_pinned_hash_and_cache(tmp_path, monkeypatch):
    """Without a data directory the file is fetched once, checked against the pinned hash."""
    monkeypatch.delenv("CLASSIFIER_DATA_DIR", raising=False)
    monkeypatch.setenv("CLASSIFIER_CACHE_DIR", str(tmp_path / "cache"))
    calls = []
    downloaded = tmp_path / "downloaded.csv"
    downloaded.write_text(";text;label\n")

    def fake_retrieve(url, known_hash, **kwargs):
        calls.append({"url": url, "known_hash": known_hash, **kwargs})
        return str(downloaded)

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    assert fetch_dataset("chainbreaker") == downloaded
    [call] = calls
    assert call["url"] == DATASETS["chainbreaker"].url
    assert call["known_hash"] == f"sha256:{CHAINBREAKER_SHA256}"
    assert Path(call["path"]).is_relative_to(tmp_path / "cache")


@pytest.mark.parametrize(
    "failure",
    [requests.exceptions.ConnectionError("no route to host"), OSError("network unreachable")],
)
def test_download_failure_is_a_data_error(failure, tmp_path, monkeypatch):
    """Offline without a data directory: a DataError telling the user about the variable."""
    monkeypatch.delenv("CLASSIFIER_DATA_DIR", raising=False)

    def fail(*args, **kwargs):
        raise failure

    monkeypatch.setattr(pooch, "retrieve", fail)
    with pytest.raises(DataError, match="CLASSIFIER_DATA_DIR"):
        fetch_dataset("chainbreaker")


def test_download_checksum_mismatch_is_a_data_error(monkeypatch):
    """A downloaded file with another checksum (pooch's ValueError) becomes a DataError."""
    monkeypatch.delenv("CLASSIFIER_DATA_DIR", raising=False)

    def mismatch(*args, **kwargs):
        raise ValueError("SHA256 hash of downloaded file does not match the known hash")

    monkeypatch.setattr(pooch, "retrieve", mismatch)
    with pytest.raises(DataError, match="does not match"):
        load_dataset("chainbreaker")


def test_copy_of_real_file_in_another_dir_is_accepted(real_data_dir, tmp_path, monkeypatch,
                                                      no_download):
    """Any directory holding an identical copy works as the offline data directory."""
    data_dir = _fake_data_dir(tmp_path, None)
    shutil.copy(real_data_dir / "chainbreaker" / "raw.csv", data_dir / "chainbreaker")
    monkeypatch.setenv("CLASSIFIER_DATA_DIR", str(data_dir))
    assert fetch_dataset("chainbreaker") == data_dir / "chainbreaker" / "raw.csv"
