"""Reading ads in chunks, keeping memory flat and accounting for every input line.

Malformed CSV/TSV records and JSONL lines that are not JSON objects are not rows: they are
reported with their line number (1-based, as an editor counts lines, also after fields that
span several lines) in ``Chunk.problems``, and the caller decides whether to go on. Invalid
UTF-8 is decoded with U+FFFD replacement characters, so no row is lost to a bad byte.

Hostile input costs no more memory than ordinary input: fields are cut to
:data:`MAX_FIELD_CHARS` characters while they are read (a JSONL line longer than
:data:`MAX_JSON_LINE_BYTES` is reported, as a JSON object cannot be cut), and compressed
input that expands more than :data:`MAX_RATIO` times is refused."""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import lzma
import re
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TextIO

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from classifier._errors import DataError
from classifier.io._formats import detect_format
from classifier.io._tables import check_columns

#: Characters kept of any one field (cell, JSON string, line of a text file); the rest is
#: dropped while reading. One more than scoring's 20,000-character cut, so that a cut text
#: still shows as ``truncated``.
MAX_FIELD_CHARS = 20_001
#: Columns of a CSV/TSV header.
MAX_COLUMNS = 10_000
#: Longest JSONL line read; a longer line is reported as a problem line.
MAX_JSON_LINE_BYTES = 8 << 20
#: Compressed input (and Parquet) may expand to this many times its size on disk ...
MAX_RATIO = 100
#: ... or to this many bytes, whichever is larger; past both it is refused.
RATIO_FLOOR = 256 << 20
# Characters (or bytes) read at a time from one physical line.
_BLOCK = 1 << 20


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
    if str(source) == "-":
        return None
    if is_url(source):
        import fsspec

        fs, path = fsspec.core.url_to_fs(str(source))
        return fs.size(path)
    return Path(source).stat().st_size


def is_url(source: str | Path) -> bool:
    """Whether ``source`` is an fsspec URL (``s3://...``, ``https://...``), not a local path."""
    return isinstance(source, str) and "://" in source and not source.startswith("file://")


def iter_chunks(
    source: str | Path, *, fmt: str | None = None, chunksize: int = 10_000,
    sep: str | None = None,
) -> Iterator[Chunk]:
    """Read ``source`` (a path, an fsspec URL such as ``s3://bucket/ads.csv.gz``, or ``"-"``
    for standard input) in chunks of rows.

    The format comes from ``fmt`` or the file extension; standard input defaults to
    ``"lines"``: one ad per line, in a column named ``text``.

    Raises
    ------
    DataError
        If the file is missing, unreadable, not in the format, has duplicate column
        names, or is compressed input that expands more than :data:`MAX_RATIO` times.
    """
    if str(source) == "-":
        fmt = fmt or "lines"
        stream: BinaryIO = sys.stdin.buffer
        raw: BinaryIO = stream
    else:
        fmt = fmt or detect_format(source)
        stream, raw = _open(source)
    readers = {"lines": _lines, "jsonl": _jsonl, "parquet": _parquet, "csv": _csv, "tsv": _csv}
    if fmt not in readers:
        raise DataError(f"{source}: unknown input format {fmt!r}")

    def tell() -> int:
        try:
            return raw.tell()
        except (OSError, ValueError):
            return 0

    try:
        kwargs = {"sep": sep or ("\t" if fmt == "tsv" else ",")} if fmt in ("csv", "tsv") else {}
        yield from readers[fmt](stream, chunksize, tell, **kwargs)
    except DataError as exc:
        raise DataError(f"{source}: {exc}") from exc
    except (ValueError, OSError, EOFError, zlib.error, lzma.LZMAError, csv.Error,
            pa.ArrowException) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{source}: cannot read as {fmt}: {message}") from exc
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
            raw.close()


def _zstd(raw: BinaryIO) -> BinaryIO:
    import zstandard

    return zstandard.ZstdDecompressor().stream_reader(raw, closefd=False)


def _zip(raw: BinaryIO) -> BinaryIO:
    """The one file of a zip archive (an archive of several is refused: which one?)."""
    archive = zipfile.ZipFile(raw)
    members = [m for m in archive.infolist() if not m.is_dir()]
    if len(members) != 1:
        raise DataError(f"a .zip input must hold exactly one file, not {len(members)}")
    return archive.open(members[0])


#: Decompressors by suffix (one per entry of ``COMPRESSIONS``), each wrapping the raw file.
_DECOMPRESS = {".gz": lambda raw: gzip.GzipFile(fileobj=raw), ".bz2": bz2.BZ2File,
               ".xz": lzma.LZMAFile, ".zst": _zstd, ".zip": _zip}


def _open(source: str | Path) -> tuple[BinaryIO, BinaryIO]:
    """Open a path or fsspec URL for reading bytes, decompressing .gz, .bz2, .xz, .zst and
    .zip (one member) on the fly, within the ratio limit.

    Returns the stream to read and the file underneath (progress is measured on it).
    """
    if is_url(source):
        import fsspec

        try:
            raw = fsspec.open(str(source), "rb").open()
        except (FileNotFoundError, OSError, ValueError) as exc:
            raise DataError(f"{source}: cannot open ({exc})") from exc
        size = input_size(source)
    else:
        path = Path(source)
        if not path.is_file():
            raise DataError(f"{path}: no such file")
        raw = open(path, "rb")  # noqa: SIM115 - closed by iter_chunks
        size = path.stat().st_size
    suffix = Path(str(source)).suffix.lower()
    if suffix not in _DECOMPRESS:
        return raw, raw
    try:
        guard = _RatioGuard(_DECOMPRESS[suffix](raw), size)
    except (zipfile.BadZipFile, OSError) as exc:
        raw.close()
        raise DataError(f"{source}: not a readable {suffix} file ({exc})") from exc
    except DataError:
        raw.close()
        raise
    return io.BufferedReader(guard, 1 << 16), raw


class _RatioGuard(io.RawIOBase):
    """Pass decompressed bytes through, refusing more than the ratio limit allows."""

    def __init__(self, stream: BinaryIO, compressed_size: int):
        self._stream = stream
        self._compressed = compressed_size
        self._limit = max(RATIO_FLOOR, MAX_RATIO * compressed_size)
        self._ratio = MAX_RATIO
        self._total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            n = self._stream.readinto(buffer)
        except Exception as exc:  # each decompressor has its own errors for corrupt input
            raise OSError(f"corrupt or cut-off compressed data ({type(exc).__name__}: "
                          f"{exc})") from exc
        self._total += n
        if self._total > self._limit:
            raise DataError(
                f"expands to more than {self._ratio} times its {_size(self._compressed)} "
                f"(and more than {_size(RATIO_FLOOR)}): refused as a possible decompression "
                "bomb; decompress it yourself if it is genuine")
        return n

    def close(self) -> None:
        self._stream.close()
        super().close()


def _size(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return ""  # not reached


# CSV ------------------------------------------------------------------------------------

# States of a CSV record, as Python's csv module (strict=False) moves through them.
_START, _FIELD, _QUOTED, _QUOTE_IN_QUOTED = range(4)


class _Clipper:
    """Cut CSV fields to ``limit`` characters while lines stream past, keeping the structure.

    Each physical line goes in and comes out as one (possibly shorter) string, so the csv
    module parses the same records with shorter fields, and its ``line_num`` stays the
    editor's line number. Only separators, quotes and line ends are looked at one by one;
    runs of other characters are copied (or dropped) as slices. Past ``max_fields`` fields
    a record keeps only its line ends: it is reported as a problem anyway.
    """

    def __init__(self, sep: str, limit: int):
        self.sep = sep
        self.limit = limit
        self.max_fields = MAX_COLUMNS
        self.unquoted_end = re.compile(f"[{re.escape(sep)}\r\n]")
        # A whole record on one line whose fields are plain or properly quoted: the csv module
        # reads it as written, so a line no longer than ``limit`` needs no cutting.
        s = re.escape(sep)
        quoted = '"[^"]*(?:""[^"]*)*"'  # unrolled: ten times faster than (?:[^"]|"")*
        field = f'(?:{quoted}|[^"{s}\r\n]*)'
        self.simple_record = re.compile(f"{field}(?:{s}{field})*(?:\r\n|\n|\r)")
        self.quoted_field = re.compile(quoted)
        self.state = _START
        self.at_record_start = True
        self.field_len = 0
        self.fields = 0  # fields ended in the current record
        self.record_fields = 0  # fields of the last record that ended
        self.quote_pending = False

    def feed(self, piece: str) -> str:
        """The part of ``piece`` (a line, or part of a long line) that is kept."""
        if (self.at_record_start and len(piece) <= self.limit
                and piece.endswith(("\n", "\r"))):
            # A whole short line that is a whole record has short fields: kept as it is.
            if '"' not in piece:
                n = piece.count(self.sep) + 1
            elif self.simple_record.fullmatch(piece):
                inside = sum(q.count(self.sep) for q in self.quoted_field.findall(piece))
                n = piece.count(self.sep) - inside + 1
            else:
                n = self.max_fields + 1  # quotes to follow one by one, below
            if n <= self.max_fields:
                self.record_fields = n if piece.strip("\r\n") else 0
                return piece
        out: list[str] = []
        pos, end = 0, len(piece)
        while pos < end:
            state = self.state
            if state == _QUOTED:
                quote = piece.find('"', pos)
                stop = end if quote < 0 else quote
                self._content(piece, pos, stop, out)
                if quote < 0:
                    break
                self.state, self.quote_pending, pos = _QUOTE_IN_QUOTED, True, quote + 1
            elif state == _QUOTE_IN_QUOTED:
                char = piece[pos]
                if char == '"':  # an escaped quote: one character of the field
                    if self.field_len < self.limit:
                        self._emit('""' if self.quote_pending else '"', out)
                    self.field_len += 1
                    self.state, self.quote_pending, pos = _QUOTED, False, pos + 1
                    continue
                if self.quote_pending:
                    self._emit('"', out)
                    self.quote_pending = False
                self.state = _FIELD  # csv (not strict) reads `"ab"c` as the field `abc`
                if char == self.sep or char in "\r\n":
                    pos = self._end_field(piece, pos, out)
            elif state == _START:
                char = piece[pos]
                self.at_record_start = False
                if char == '"':
                    self._emit('"', out)
                    self.state, self.field_len, pos = _QUOTED, 0, pos + 1
                elif char == self.sep or char in "\r\n":
                    pos = self._end_field(piece, pos, out)
                else:
                    self.state, self.field_len = _FIELD, 0
            else:  # _FIELD: quotes are plain characters here
                match = self.unquoted_end.search(piece, pos)
                stop = end if match is None else match.start()
                self._content(piece, pos, stop, out)
                pos = stop
                if match is not None:
                    pos = self._end_field(piece, pos, out)
        if self.quote_pending:  # a long line goes on in the next piece: keep it parseable
            self._emit('"', out)
            self.quote_pending = False
        return "".join(out)

    def _emit(self, text: str, out: list[str]) -> None:
        if self.fields < self.max_fields:
            out.append(text)

    def _content(self, piece: str, start: int, stop: int, out: list[str]) -> None:
        room = self.limit - self.field_len
        if room > 0 and stop > start:
            self._emit(piece[start:min(stop, start + room)], out)
        self.field_len += stop - start

    def _end_field(self, piece: str, pos: int, out: list[str]) -> int:
        """End the field at ``piece[pos]`` (a separator or a line end); the next position."""
        char = piece[pos]
        self.fields += 1
        self.field_len = 0
        if char == self.sep:
            self._emit(char, out)
            self.state = _START
            return pos + 1
        # A line end: the record ends (a blank line is a record of no fields).
        out.append(piece[pos:])  # only the line end itself is left of this line
        self.record_fields = 0 if self.at_record_start else self.fields
        self.state, self.at_record_start, self.fields = _START, True, 0
        return len(piece)


def _physical_lines(text: TextIO, clipper: _Clipper, at_eof: list[bool]) -> Iterator[str]:
    """The lines of ``text`` as the clipper keeps them: one string per physical line."""
    while True:
        piece = text.readline(_BLOCK)
        if not piece:
            at_eof.append(True)
            return
        if piece.endswith(("\n", "\r")):
            yield clipper.feed(piece)
            continue
        parts = [clipper.feed(piece)]  # a long line, or the last one without a line end
        while not piece.endswith(("\n", "\r")):
            piece = text.readline(_BLOCK)
            if not piece:
                break
            parts.append(clipper.feed(piece))
        if not piece:  # the file ends without a line end: so does the record
            clipper.record_fields = 0 if clipper.at_record_start else clipper.fields + 1
        yield "".join(parts)


def _csv(stream: BinaryIO, chunksize: int, tell: Callable[[], int], sep: str) -> Iterator[Chunk]:
    if len(sep) != 1:
        raise DataError(f"the separator must be one character, got {sep!r}")
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
    clipper = _Clipper(sep, MAX_FIELD_CHARS)
    at_eof: list[bool] = []
    reader = csv.reader(_physical_lines(text, clipper, at_eof), delimiter=sep, strict=False)
    try:
        header = _header(reader, clipper)
        if header is None:
            return
        width = len(header)
        clipper.max_fields = width + 1  # enough to tell a record is too long
        rows: list[list[str | None]] = []
        problems: list[tuple[int, str]] = []
        line = reader.line_num
        while True:
            first = line + 1
            try:
                record = next(reader, None)
            except csv.Error as exc:
                problems.append((first, str(exc)))
                line = reader.line_num
                continue
            line = reader.line_num
            if record is None:
                break
            if not record:
                continue  # a blank line
            if at_eof and clipper.state == _QUOTED:
                problems.append((first, "unclosed quote: the field runs to the end of the file"
                                 + (f" (lines {first}-{line})" if line > first else "")))
            elif len(record) > width:
                seen = clipper.record_fields
                problems.append((first, f"expected {width} fields, saw {seen}"))
            else:
                if len(record) < width:  # missing trailing fields are empty
                    record += [""] * (width - len(record))
                rows.append([value or None for value in record])
            if len(rows) >= chunksize:
                yield Chunk(pd.DataFrame(rows, columns=header, dtype=object), problems, tell())
                rows, problems = [], []
        if rows or problems or not line:
            yield Chunk(pd.DataFrame(rows, columns=header, dtype=object), problems, tell())
        else:
            yield Chunk(pd.DataFrame(columns=header, dtype=object), [], tell())
    finally:
        text.detach()  # leave the stream (perhaps standard input) to its owner


def _header(reader, clipper: _Clipper) -> list[str] | None:
    """The column names of the first non-blank record; duplicate names are an error."""
    for record in reader:
        if not record:
            continue
        if clipper.record_fields > MAX_COLUMNS:
            raise DataError(f"the header has more than {MAX_COLUMNS:,} columns")
        names = [name or f"Unnamed: {i}" for i, name in enumerate(record)]
        _check_unique(names)
        return names
    return None


def _check_unique(names: list[str]) -> None:
    seen: set[str] = set()
    duplicates = sorted({name for name in names if name in seen or seen.add(name)})
    if duplicates:
        raise DataError(f"duplicate column names: {', '.join(duplicates)}; rename them")


# Lines, JSONL, Parquet -------------------------------------------------------------------


def _bounded_lines(stream: BinaryIO, limit: int) -> Iterator[tuple[bytes, bool]]:
    """Each line of ``stream`` cut to ``limit`` bytes, and whether it was longer."""
    while True:
        line = stream.readline(limit)
        if not line:
            return
        longer = False
        if not line.endswith(b"\n"):
            rest = stream.readline(_BLOCK)
            longer = bool(rest)
            while rest and not rest.endswith(b"\n"):
                rest = stream.readline(_BLOCK)
        yield line, longer


def _lines(stream: BinaryIO, chunksize: int, tell: Callable[[], int]) -> Iterator[Chunk]:
    texts: list[str] = []
    # Four bytes per character at most, plus the line end.
    for line, _ in _bounded_lines(stream, 4 * MAX_FIELD_CHARS + 2):
        texts.append(line.decode("utf-8", "replace").rstrip("\r\n")[:MAX_FIELD_CHARS])
        if len(texts) >= chunksize:
            yield Chunk(pd.DataFrame({"text": texts}, dtype=object), [], tell())
            texts = []
    if texts:
        yield Chunk(pd.DataFrame({"text": texts}, dtype=object), [], tell())


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    record = dict(pairs)
    if len(record) < len(pairs):
        seen: set[str] = set()
        key = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise _DuplicateKey(f"duplicate key {key!r}")
    return record


def _clip(value: object) -> object:
    """A JSON value as a cell: strings cut, nested values as (cut) JSON text."""
    if isinstance(value, str):
        return value[:MAX_FIELD_CHARS]
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)[:MAX_FIELD_CHARS]
    return value


def _jsonl(stream: BinaryIO, chunksize: int, tell: Callable[[], int]) -> Iterator[Chunk]:
    records: list[dict] = []
    problems: list[tuple[int, str]] = []
    for number, (raw, longer) in enumerate(_bounded_lines(stream, MAX_JSON_LINE_BYTES), 1):
        if longer:
            problems.append((number, f"line longer than {_size(MAX_JSON_LINE_BYTES)}"))
            continue
        text = raw.decode("utf-8", "replace")
        if not text.strip():
            continue  # blank lines are not rows
        try:
            record = json.loads(text, object_pairs_hook=_unique_keys)
        except _DuplicateKey as exc:
            problems.append((number, str(exc)))
            continue
        except json.JSONDecodeError as exc:
            problems.append((number, f"invalid JSON: {exc.msg}"))
            continue
        except (ValueError, RecursionError) as exc:
            problems.append((number, f"invalid JSON: {str(exc) or type(exc).__name__}"))
            continue
        if not isinstance(record, dict):
            problems.append((number, f"expected a JSON object, got {type(record).__name__}"))
            continue
        records.append({key: _clip(value) for key, value in record.items()})
        if len(records) >= chunksize:
            yield Chunk(pd.DataFrame(records), problems, tell())
            records, problems = [], []
    if records or problems:
        yield Chunk(pd.DataFrame(records), problems, tell())


def _parquet(stream: BinaryIO, chunksize: int, tell: Callable[[], int]) -> Iterator[Chunk]:
    if stream is sys.stdin.buffer:
        stream = io.BytesIO(stream.read())  # Parquet needs to seek
    parquet = pq.ParquetFile(stream)
    _check_unique(parquet.schema_arrow.names)
    size = stream.seek(0, io.SEEK_END)
    expanded = sum(parquet.metadata.row_group(i).total_byte_size
                   for i in range(parquet.metadata.num_row_groups))
    if expanded > max(RATIO_FLOOR, MAX_RATIO * size):
        raise DataError(f"expands to {_size(expanded)}, more than {MAX_RATIO} times its "
                        f"{_size(size)}: refused as a possible decompression bomb")
    for batch in parquet.iter_batches(batch_size=chunksize):
        columns = [pc.utf8_slice_codeunits(column, 0, MAX_FIELD_CHARS)
                   if pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
                   else column for column in batch.columns]
        batch = pa.RecordBatch.from_arrays(columns, names=batch.schema.names)
        yield Chunk(batch.to_pandas(), [], tell())



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
        if len(chunk.frame):
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
