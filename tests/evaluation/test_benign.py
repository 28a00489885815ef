"""Ordinary-ads sources: pinning, readers, and the benign flag rate."""

from __future__ import annotations

import gzip
import json
import re

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from classifier._errors import DataError
from classifier.cli import cli
from classifier.evaluation._benign import benign_flag_rate
from classifier.io._benign import ROLES, benign_sources, load_benign_set, read_benign
from classifier.io._datasets import DATASETS, fetch_dataset, load_dataset

# Licences that allow shipping what is learned from a source (with attribution).
_SHIPPABLE = ("MIT", "CC BY 4.0")


def test_benign_sources_are_pinned():
    """Every benign source: raw URL at a fixed commit, SHA-256, licence, genre and role."""
    names = benign_sources()
    assert len({DATASETS[n].genre for n in names}) >= 3
    for name in names:
        info = DATASETS[name]
        assert re.fullmatch(r"https://raw\.githubusercontent\.com/[\w.-]+/[\w.-]+/[0-9a-f]{40}/"
                            r"\S+", info.url), name
        assert re.fullmatch(r"[0-9a-f]{64}", info.sha256), name
        assert info.licence and info.role in ROLES and info.reader, name


def test_context_training_sources_may_be_shipped():
    """Only MIT / CC BY sources train the shipped context lexicon; the others evaluate."""
    for name in benign_sources("context-train"):
        assert DATASETS[name].licence.startswith(_SHIPPABLE), name
    evaluation = benign_sources("evaluation")
    assert evaluation and not set(evaluation) & set(benign_sources("context-train"))
    # The held-out part has genres the context model never saw.
    seen = {DATASETS[n].genre for n in benign_sources("context-train")}
    assert {DATASETS[n].genre for n in evaluation} - seen


def test_changed_benign_file_is_refused(tmp_path, monkeypatch, no_download):
    """A local copy whose SHA-256 differs from the pinned one is an error, not data."""
    folder = tmp_path / "craigslist_phone"
    folder.mkdir()
    (folder / "craigslist_phone.json").write_text("[]")
    monkeypatch.setenv("CLASSIFIER_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError, match="does not match the pinned"):
        fetch_dataset("craigslist_phone")


def test_load_benign_dataset_reads_a_verified_local_copy(tmp_path, monkeypatch, no_download):
    """``load_dataset`` of a benign source: verified local copy, texts masked, label 0."""
    import classifier.io._datasets as datasets

    items = [{"title": "Road bike", "description": ["Barely used.", "Call 555 014 2233"]},
             {"title": "Road bike", "description": ["Barely used.", "Call 555 014 2233"]},
             {"title": "Desk", "description": ["Solid oak", "text me at desk@example.com"]}]
    folder = tmp_path / "craigslist_bike"
    folder.mkdir()
    path = folder / "craigslist_bike.json"
    path.write_text(json.dumps(items))
    import hashlib

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    monkeypatch.setitem(datasets.DATASETS, "craigslist_bike",
                        datasets.DATASETS["craigslist_bike"].__class__(
                            **{**datasets.DATASETS["craigslist_bike"].__dict__,
                               "sha256": digest}))
    monkeypatch.setenv("CLASSIFIER_DATA_DIR", str(tmp_path))
    ads = load_dataset("craigslist_bike")
    assert list(ads.columns) == ["text", "label"]
    assert len(ads) == 2  # the exact duplicate is dropped
    assert (ads["label"] == 0).all()
    assert not ads["text"].str.contains("2233|example.com").any()


def test_readers_keep_text_fields_only(tmp_path):
    """Each reader turns its format into ad texts, with placeholders and markup removed."""
    lines = [{"idx": 1, "source": "tech", "tokens": ["We", "hire", "<ORGANIZATION>", "."]},
             {"idx": 1, "source": "tech", "tokens": ["Apply", "now", "."]},
             {"idx": 2, "source": "house", "tokens": ["Nurse", "wanted", "."]}]
    (tmp_path / "s.json").write_text("\n".join(map(json.dumps, lines)))
    assert read_benign(tmp_path / "s.json", "skillspan")["text"].tolist() == [
        "We hire. Apply now.", "Nurse wanted."]
    (tmp_path / "c.txt").write_text("Good O\nteam B-Skill\nplayer I-Skill\n. O\n\nSecond O\n")
    assert read_benign(tmp_path / "c.txt", "conll")["text"].tolist() == [
        "Good team player. Second"]
    listing = pd.DataFrame({"id": [1], "name": ["Cosy flat"], "host_name": ["Zed"],
                            "description": ["Quiet &amp; bright<br />near the park"]})
    with gzip.open(tmp_path / "l.csv.gz", "wt") as fh:
        listing.to_csv(fh, index=False)
    text = read_benign(tmp_path / "l.csv.gz", "airbnb")["text"].tolist()
    assert text == ["Cosy flat\nQuiet & bright near the park"]


def test_unreadable_benign_file_is_a_one_line_error(tmp_path):
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(DataError, match="cannot read as craigslist ads"):
        read_benign(tmp_path / "bad.json", "craigslist")


def test_benign_flag_rate_counts_and_intervals():
    """Share flagged at the threshold, overall and per group, with a Wilson interval."""
    scores = np.array([0.1, 0.9, 0.2, 0.5, 0.05, 0.3])
    genres = ["jobs", "jobs", "items", "items", "items", "rentals"]
    result = benign_flag_rate(scores, 0.5, genres)
    assert (result["n"], result["flagged"]) == (6, 2)
    assert result["flag_rate"] == pytest.approx(2 / 6)
    assert result["ci_low"] < 2 / 6 < result["ci_high"]
    assert result["by_group"]["jobs"] == pytest.approx(
        {"n": 2, "flagged": 1, "flag_rate": 0.5, "ci_low": result["by_group"]["jobs"]["ci_low"],
         "ci_high": result["by_group"]["jobs"]["ci_high"]})
    assert result["by_group"]["rentals"]["flagged"] == 0
    # Nothing flagged: rate 0, yet the upper bound says how little n proves.
    none = benign_flag_rate(np.zeros(100), 0.5)
    assert none["flag_rate"] == 0 and none["ci_low"] == 0 and 0.02 < none["ci_high"] < 0.05


def test_load_benign_set_from_a_file(tmp_path):
    path = tmp_path / "mine.csv"
    pd.DataFrame({"text": ["Bike for sale, call 555 014 2233", "Room to rent"],
                  "genre": ["items", "housing"]}).to_csv(path, index=False)
    frame = load_benign_set(str(path))
    assert frame["genre"].tolist() == ["items", "housing"]
    assert "2233" not in frame["text"].iloc[0]
    with pytest.raises(DataError, match="neither a file nor a benign dataset"):
        load_benign_set(str(tmp_path / "missing.csv"))


def test_evaluate_reports_the_benign_flag_rate(small_csv, tmp_path):
    """``evaluate --benign FILE`` prints the flag rate and writes it into the report."""
    benign = tmp_path / "ordinary.csv"
    pd.DataFrame({"text": ["Selling a road bike, barely used", "Two-bedroom flat to rent",
                           "Part-time cashier wanted, weekends"],
                  "genre": ["items", "housing", "jobs"]}).to_csv(benign, index=False)
    out = tmp_path / "report"
    result = CliRunner().invoke(cli, ["evaluate", "--data", str(small_csv), "--folds", "3",
                                      "--bootstrap", "0", "--benign", str(benign),
                                      "--report", str(out)])
    assert result.exit_code == 0, result.output
    assert "ordinary ads flagged 0/3" in result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["benign"]["context"]["n"] == 3
    assert "## Ordinary ads (benign flag rate)" in (out / "report.md").read_text()
