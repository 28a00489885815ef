"""Fuzzing the readers and the normaliser: never a traceback, never a lost row.

Inputs that once broke something are kept in ``tests/fuzz_corpus/`` and replayed here (a
port of the normaliser replays the ``*.txt`` files too): add a file there for every crash.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classifier import DataError, mask_contacts, normalize_and_extract, normalize_text
from classifier.io import _chunks
from classifier.io._chunks import iter_chunks

CORPUS = Path(__file__).parents[1] / "fuzz_corpus"
FAST = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
FORMATS = ("csv", "tsv", "jsonl", "lines")


def _read_bytes(data: bytes, fmt: str, tmp_path: Path, **kwargs) -> tuple[list, list]:
    """Rows (as dicts) and problems of ``data`` read as ``fmt``; DataError propagates."""
    path = tmp_path / f"input.{ {'lines': 'txt'}.get(fmt, fmt) }"
    path.write_bytes(data)
    rows, problems = [], []
    for chunk in iter_chunks(path, fmt=fmt, chunksize=3, **kwargs):
        rows.extend(chunk.frame.to_dict("records"))
        problems.extend(chunk.problems)
    return rows, problems


def _csv_records(data: bytes, sep: str) -> int:
    """Non-blank records (header included) of ``data``, counted by Python's csv module."""
    text = io.StringIO(data.decode("utf-8-sig", "replace"), newline="")
    return sum(1 for record in csv.reader(text, delimiter=sep) if record)


def _check_accounting(data: bytes, fmt: str, tmp_path: Path) -> None:
    try:
        rows, problems = _read_bytes(data, fmt, tmp_path)
    except DataError:
        return  # a clear error (duplicate or too many columns): fine, nothing is lost silently
    lines = [p for p, _ in problems]
    assert lines == sorted(lines)
    n_lines = len(data.decode("utf-8", "replace").splitlines())
    assert all(1 <= line <= max(n_lines, 1) for line in lines)
    if fmt == "lines":
        assert len(rows) == len(data.split(b"\n")) - (data.endswith(b"\n") or not data)
    elif fmt == "jsonl":
        assert len(rows) + len(problems) == sum(1 for line in data.split(b"\n")
                                                if line.decode("utf-8", "replace").strip())
    else:
        records = _csv_records(data, "\t" if fmt == "tsv" else ",")
        assert len(rows) + len(problems) == max(records - 1, 0)


@FAST
@given(data=st.binary(max_size=300), fmt=st.sampled_from(FORMATS))
def test_random_bytes_never_lose_a_row(data, fmt, tmp_path):
    _check_accounting(data, fmt, tmp_path)


_CELL = st.text(alphabet=st.sampled_from('ab,"\n\r\t =-+@é\u2028\ufeff\x00'), max_size=8)


@FAST
@given(rows=st.lists(st.lists(_CELL, min_size=1, max_size=4), max_size=8),
       fmt=st.sampled_from(("csv", "tsv")))
def test_random_csv_structure_never_loses_a_row(rows, fmt, tmp_path):
    out = io.StringIO(newline="")
    csv.writer(out, delimiter="\t" if fmt == "tsv" else ",", lineterminator="\n").writerows(rows)
    _check_accounting(out.getvalue().encode(), fmt, tmp_path)


@FAST
@given(rows=st.lists(st.tuples(_CELL, _CELL), min_size=1, max_size=8),
       limit=st.integers(1, 6))
def test_csv_round_trip_with_fields_cut_to_the_limit(rows, limit, tmp_path):
    """Written by csv.writer, read back cell for cell, every field cut to ``limit``."""
    rows = [r for r in rows if r != ("", "")]  # a blank line is no row
    out = io.StringIO(newline="")
    # With "\r\n" lines csv.writer quotes every cell holding a \r (with "\n" it does not).
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(["a", "b"])
    writer.writerows(rows)
    with mock.patch.object(_chunks, "MAX_FIELD_CHARS", limit):
        read, problems = _read_bytes(out.getvalue().encode(), "csv", tmp_path)
    assert problems == []
    expected = [{"a": a[:limit] or None, "b": b[:limit] or None} for a, b in rows]
    assert [{k: v if isinstance(v, str) else None for k, v in r.items()} for r in read] \
        == expected


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                 max_size=3),
    max_leaves=6,
)


@FAST
@given(lines=st.lists(_JSON | st.text(max_size=12), max_size=8))
def test_random_jsonl_never_loses_a_row(lines, tmp_path):
    data = "\n".join(json.dumps(v) if not isinstance(v, str) or v.startswith("{") else v
                     for v in lines).encode()
    _check_accounting(data, "jsonl", tmp_path)


@FAST
@given(text=st.text(max_size=200))
def test_normaliser_takes_any_unicode(text):
    assert isinstance(normalize_text(text), str)
    normalized, contacts = normalize_and_extract(text)
    assert isinstance(normalized, str) and all(isinstance(c, str) for c in contacts)
    assert isinstance(mask_contacts(text), str)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*")), ids=lambda p: p.name)
def test_corpus_replays(path, tmp_path):
    data = path.read_bytes()
    for fmt in FORMATS:
        _check_accounting(data, fmt, tmp_path)
    text = data.decode("utf-8", "replace")
    assert isinstance(normalize_text(text), str)
    assert isinstance(normalize_and_extract(text)[0], str)
