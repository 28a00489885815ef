"""File formats: one registry of the table formats read and written, by extension."""

from __future__ import annotations

from pathlib import Path

from classifier._errors import DataError

#: File extensions understood by :func:`read_table`, mapped to a format name.
FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".txt": "lines",
}
#: Formats the chunked readers read (``lines``: one ad per line, the default for stdin).
INPUT_FORMATS = ("csv", "tsv", "jsonl", "parquet", "lines")
#: Formats the writers write.
OUTPUT_FORMATS = ("csv", "tsv", "jsonl", "parquet")
#: Compression suffixes read transparently (CSV, TSV, JSONL and lines).
COMPRESSIONS = (".gz", ".bz2", ".xz", ".zst", ".zip")


def detect_format(path: str | Path) -> str:
    """Return the table format of ``path`` from its extension (compression suffix ignored).

    Raises
    ------
    DataError
        If the extension is not one of :data:`FORMATS`.
    """
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] in COMPRESSIONS:
        suffixes = suffixes[:-1]
    if not suffixes or suffixes[-1] not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise DataError(f"{path}: unknown file type; use one of {known}")
    return FORMATS[suffixes[-1]]


