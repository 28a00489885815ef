"""The options of a scoring run, and its summary: one object each, from the CLI down."""

from __future__ import annotations

from dataclasses import asdict, dataclass

#: Columns of every score table, in this order; ``--keep-col`` columns follow.
SCORE_COLUMNS = ("id", "score", "flagged", "threshold", "reasons", "indicators", "model", "status")
#: Texts longer than this are cut to this many characters before feature extraction.
MAX_TEXT_CHARS = 20_000
#: ``status`` values: the text was scored as given, or scored with a caveat.
STATUSES = ("ok", "empty_text", "truncated", "invalid_utf8")
#: Rows per chunk of :func:`score_file`: small enough to keep memory low (each of the
#: ``2 * jobs`` chunks in flight holds its texts, features and output), large enough that
#: per-chunk costs vanish. Measured on 100,000 ads, before ``gc.freeze`` below: 2,000 rows
#: take 0.55 GiB, 10,000 0.79 GiB (PSS of the process tree), at the same speed.
CHUNKSIZE = 2_000
#: Rows scored with a caveat (their status), named in the summary line: status, words.
CAVEATS = (("empty_text", "empty"), ("truncated", "truncated"),
           ("invalid_utf8", "with invalid UTF-8"))


@dataclass(frozen=True)
class ScoreOptions:
    """How to read, score and write a table of ads (the options of ``classifier score``).

    Attributes
    ----------
    text_cols : columns joined (with a newline) into the text to score.
    id_col : column copied to ``id``; otherwise ``id`` is the 0-based row number.
    threshold : operating threshold; the model's own when ``None``.
    keep_cols : input columns carried through to the output.
    input_format, output_format : formats; from the file extensions when ``None``.
    explain : fill ``reasons`` and ``indicators``.
    flagged_only : write only flagged rows (a review queue); the summary counts every row.
    on_error : ``"skip"`` reports a malformed input line and goes on, ``"fail"`` stops.
    jobs : worker processes (``None`` or -1: all cores; 1 scores in this process).
    chunksize : rows read and scored at a time; memory grows with it, not with the file.
    engine : ``"local"`` (this machine) or ``"dask"`` (a Dask cluster).
    scheduler : Dask scheduler address; a local cluster when ``None``.
    escape_formulas : in CSV/TSV output, write cells that a spreadsheet would run as a
        formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) with a leading ``'``.
    """

    text_cols: tuple[str, ...] = ("text",)
    id_col: str | None = None
    threshold: float | None = None
    keep_cols: tuple[str, ...] = ()
    input_format: str | None = None
    output_format: str | None = None
    explain: bool = True
    flagged_only: bool = False
    on_error: str = "skip"
    jobs: int | None = None
    chunksize: int = CHUNKSIZE
    engine: str = "local"
    scheduler: str | None = None
    escape_formulas: bool = True

    def __post_init__(self) -> None:
        # Accept any sequence (lists from Python callers); keep the object hashable.
        object.__setattr__(self, "text_cols", tuple(self.text_cols) or ("text",))
        object.__setattr__(self, "keep_cols", tuple(self.keep_cols))
        if self.on_error not in ("skip", "fail"):
            raise ValueError("on_error must be 'skip' or 'fail'")
        if self.engine not in ("local", "dask"):
            raise ValueError("engine must be 'local' or 'dask'")

    @property
    def columns(self) -> list[str]:
        """Every input column the run reads."""
        return [*self.text_cols, *([self.id_col] if self.id_col else []), *self.keep_cols]


@dataclass
class ScoreSummary:
    """What a scoring run did: every input row is accounted for."""

    threshold: float
    model: str
    output: str = "-"
    rows_read: int = 0
    rows_written: int = 0
    flagged: int = 0
    problems: int = 0  # malformed input lines (not rows)
    empty_text: int = 0
    truncated: int = 0
    invalid_utf8: int = 0
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        """The one-line summary printed at the end of ``classifier score``."""
        caveats = [f"{getattr(self, key):,} {label}" for key, label in CAVEATS
                   if getattr(self, key)]
        return (f"read {self.rows_read:,} rows, scored {self.rows_read:,}, flagged "
                f"{self.flagged:,} at threshold {self.threshold:.3f}, {self.problems:,} "
                "problem lines"
                + (f" (texts: {', '.join(caveats)})" if caveats else "")
                + (f"; wrote {self.output}" if self.output != "-" else ""))

    def to_dict(self) -> dict:
        """The summary as plain data (for JSON), with the rate."""
        return {**asdict(self), "rows_per_second": self.rows_per_second}
