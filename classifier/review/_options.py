"""The options of one review page, passed down as one object."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

#: Queue orders: highest score first, or nearest the threshold first.
ORDERS = ("priority", "uncertainty")


@dataclass(frozen=True)
class ReviewOptions:
    """What ``classifier review`` reads, how it builds the queue, and where it writes.

    Attributes
    ----------
    source : str or Path
        Input file (CSV, TSV, JSONL, Parquet, or ``"-"`` for standard input), read as
        ``classifier score`` reads it.
    output : str or Path
        The HTML file to write.
    model_dir : str or Path, optional
        Model directory; the default model when None.
    text_cols, id_col, keep_cols, threshold, input_format, on_error
        As for ``classifier score``. ``keep_cols`` are shown with each ad.
    time_col : str, optional
        Column of post times: each group shows its time span, each ad its time.
    order : {"priority", "uncertainty"}
        Highest score (then group size) first, or nearest the threshold first.
    limit : int, optional
        At most this many ads in the queue (taken in queue order).
    include_all : bool
        Every ad in the queue, not only the flagged ones and those just under the threshold.
    near : float
        "Just under the threshold": log-odds at most this far below the threshold's.
    show_contacts : bool
        Show phone numbers, e-mails, URLs and handles (masked by default).
    """

    source: str | Path
    output: str | Path
    model_dir: str | Path | None = None
    text_cols: Sequence[str] = ("text",)
    id_col: str | None = None
    keep_cols: Sequence[str] = ()
    time_col: str | None = None
    threshold: float | None = None
    order: str = "priority"
    limit: int | None = None
    include_all: bool = False
    near: float = 1.0
    show_contacts: bool = False
    input_format: str | None = None
    on_error: str = "skip"

    def __post_init__(self) -> None:
        if self.order not in ORDERS:
            raise ValueError(f"order must be one of {', '.join(ORDERS)}")
        if self.on_error not in ("skip", "fail"):
            raise ValueError("on_error must be 'skip' or 'fail'")
        if self.limit is not None and self.limit < 1:
            raise ValueError("limit must be at least 1")
        if not self.text_cols:
            raise ValueError("give at least one text column")
