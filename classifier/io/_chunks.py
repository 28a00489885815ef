"""Reading ads in chunks, keeping memory flat and accounting for every input line.

Malformed CSV/TSV lines and JSONL lines that are not JSON objects are not rows: they are
reported with their line number (1-based, as an editor shows it) in ``Chunk.problems``, and
the caller decides whether to go on. Invalid UTF-8 is decoded with U+FFFD replacement
characters, so no row is lost to a bad byte."""

from __future__ import annotations

import bz2
import gzip
import io
import itertools
import json
import lzma
import re
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from classifier._errors import DataError
from classifier.io._formats import detect_format
from classifier.io._tables import check_columns

_SKIPPED = re.compile(r"Skipping line (\d+): (.*)")


@dataclass
class Chunk:
    """Rows read from one stretch of the input.

    Attributes
    ----------
    frame : DataFrame
        The rows, in input order.
    problems : list of (int, str)
        Input lines that could not be read as rows: (line number, reason).
    bytes_read : int
        Input bytes consumed so far (for progress), or 0 when unknown.
    """

    frame: pd.DataFrame
    problems: list[tuple[int, str]] = field(default_factory=list)
    bytes_read: int = 0


def input_size(source: str | Path) -> int | None:
    """Size in bytes of a file input, or ``None`` for standard input."""
    return None if str(source) == "-" else Path(source).stat().st_size


def iter_chunks(
    source: str | Path, *, fmt: str | None = None, chunksize: int = 10_000,
    sep: str | None = None,
) -> Iterator[Chunk]:
    """Read ``source`` (a path, or ``"-"`` for standard input) in chunks of rows.

    The format comes from ``fmt`` or the file extension; standard input defaults to
    ``"lines"``: one ad per line, in a column named ``text``.
    """
    if str(source) == "-":
        fmt = fmt or "lines"
        stream: BinaryIO = sys.stdin.buffer
    else:
        path = Path(source)
        if not path.is_file():
            raise DataError(f"{path}: no such file")
        fmt = fmt or detect_format(path)
        stream = _open(path)
    readers = {"lines": _lines, "jsonl": _jsonl, "parquet": _parquet, "csv": _csv, "tsv": _csv}
    if fmt not in readers:
        raise DataError(f"unknown input format {fmt!r}")
    try:
        kwargs = {"sep": sep or ("\t" if fmt == "tsv" else ",")} if fmt in ("csv", "tsv") else {}
        yield from readers[fmt](stream, chunksize, **kwargs)
    except (ValueError, OSError, pd.errors.ParserError, pa.ArrowException) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{source}: cannot read as {fmt}: {message}") from exc
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
            getattr(stream, "raw_file", stream).close()


_DECOMPRESS = {".gz": gzip.GzipFile, ".bz2": bz2.BZ2File, ".xz": lzma.LZMAFile}


def _open(path: Path) -> BinaryIO:
    """Open ``path`` for reading bytes, decompressing .gz, .bz2 and .xz on the fly."""
    suffix = path.suffix.lower()
    if suffix in (".zip", ".zst"):
        raise DataError(f"{path}: decompress {suffix} files before scoring (or use .gz)")
    raw = open(path, "rb")  # noqa: SIM115 - closed by iter_chunks
    if suffix not in _DECOMPRESS:
        return raw
    stream = _DECOMPRESS[suffix](fileobj=raw)
    stream.raw_file = raw  # progress is measured on the compressed bytes
    return stream


def _tell(stream: BinaryIO) -> int:
    try:
        return getattr(stream, "raw_file", stream).tell()
    except (OSError, ValueError):
        return 0


def _csv(stream: BinaryIO, chunksize: int, sep: str) -> Iterator[Chunk]:
    reader = pd.read_csv(
        stream, sep=sep, dtype=str, keep_default_na=False, na_values=[""],
        chunksize=chunksize, encoding_errors="replace", on_bad_lines="warn",
    )
    while True:
        # pandas reports each malformed line as a ParserWarning naming its line number.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            frame = next(reader, None)
        problems = []
        for warning in caught:
            for line in str(warning.message).strip().splitlines():
                match = _SKIPPED.match(line)
                if match:
                    problems.append((int(match.group(1)), match.group(2)))
        if frame is None:
            if problems:
                yield Chunk(pd.DataFrame(), problems, _tell(stream))
            return
        yield Chunk(frame, problems, _tell(stream))


def _lines(stream: BinaryIO, chunksize: int) -> Iterator[Chunk]:
    while True:
        raw = list(itertools.islice(stream, chunksize))
        if not raw:
            return
        texts = [line.decode("utf-8", "replace").rstrip("\r\n") for line in raw]
        yield Chunk(pd.DataFrame({"text": texts}, dtype=object), [], _tell(stream))


def _jsonl(stream: BinaryIO, chunksize: int) -> Iterator[Chunk]:
    line_no = 0
    while True:
        raw = list(itertools.islice(stream, chunksize))
        if not raw:
            return
        numbers = range(line_no + 1, line_no + 1 + len(raw))
        line_no += len(raw)
        lines = [(n, b.decode("utf-8", "replace")) for n, b in zip(numbers, raw, strict=True)]
        lines = [(n, text) for n, text in lines if text.strip()]  # blank lines are not rows
        try:
            # Fast path: the whole chunk at once; fall back to line by line to find bad lines.
            frame = pd.read_json(io.StringIO("".join(t for _, t in lines)), lines=True,
                                 dtype=False, orient="records")
            if len(frame) != len(lines) or not all(t.lstrip().startswith("{") for _, t in lines):
                raise ValueError("not one JSON object per line")
            yield Chunk(frame, [], _tell(stream))
            continue
        except ValueError:
            pass
        records, problems = [], []
        for n, text in lines:
            try:
                record = json.loads(text)
            except ValueError as exc:
                problems.append((n, f"invalid JSON: {exc.msg}"))
                continue
            if not isinstance(record, dict):
                problems.append((n, f"expected a JSON object, got {type(record).__name__}"))
                continue
            records.append(record)
        yield Chunk(pd.DataFrame.from_records(records), problems, _tell(stream))


def _parquet(stream: BinaryIO, chunksize: int) -> Iterator[Chunk]:
    if stream is sys.stdin.buffer:
        stream = io.BytesIO(stream.read())  # Parquet needs to seek
    parquet = pq.ParquetFile(stream)
    for batch in parquet.iter_batches(batch_size=chunksize):
        yield Chunk(batch.to_pandas(), [], _tell(stream))


def read_all(
    source: str | Path,
    columns: Sequence[str],
    *,
    fmt: str | None = None,
    on_error: str = "skip",
    on_problem: Callable[[int, str], None] | None = None,
) -> tuple[pd.DataFrame, int]:
    """Every row of ``source`` in one frame, read as ``classifier score`` reads it.

    Malformed lines are reported through ``on_problem`` and skipped (``on_error="skip"``),
    or stop the read with a :class:`DataError` (``"fail"``). ``columns`` must all be present.
    Returns the frame and the number of problem lines.
    """
    frames, problems = [], 0
    for chunk in iter_chunks(source, fmt=fmt, chunksize=100_000):
        problems += report_problems(chunk, on_error, on_problem)
        if not chunk.frame.empty:
            check_columns(chunk.frame, columns, source=str(source))
            frames.append(chunk.frame)
    if frames:
        return pd.concat(frames, ignore_index=True), problems
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns}), problems


def report_problems(chunk: Chunk, on_error: str,
                    on_problem: Callable[[int, str], None] | None) -> int:
    """Report a chunk's malformed lines; with ``on_error="fail"`` the first one raises."""
    for line, reason in chunk.problems:
        if on_error == "fail":
            raise DataError(f"line {line}: {reason} (use --on-error skip to go on)")
        if on_problem is not None:
            on_problem(line, reason)
    return len(chunk.problems)
