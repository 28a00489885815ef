"""The review page: moderators read the queue, decide, and export decisions for training.

``classifier review INPUT -o review.html`` scores the ads, groups reposts and shared contacts,
and writes one self-contained HTML page (no network, contacts masked by default) where each
ad's original text shows the passages that fired each indicator. Decisions stay in the
browser and are exported as CSV (``id,text,decision,note,decided_at,score,model``), which
:func:`decisions_to_labels` turns into training labels.

Public interface::

    from classifier.review import ReviewOptions, write_review_page
    summary = write_review_page(ReviewOptions(source="ads.csv", output="review.html"))
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from classifier.io._files import write_atomic
from classifier.review._build import build_review, indicator_info
from classifier.review._decisions import DECISIONS, EXPORT_COLUMNS, decisions_to_labels
from classifier.review._highlight import locate_indicators
from classifier.review._options import ORDERS, ReviewOptions
from classifier.review._page import render_page

__all__ = [
    "DECISIONS",
    "EXPORT_COLUMNS",
    "ORDERS",
    "ReviewOptions",
    "build_review",
    "decisions_to_labels",
    "indicator_info",
    "locate_indicators",
    "render_page",
    "write_review_page",
]


def write_review_page(options: ReviewOptions,
                      on_problem: Callable[[int, str], None] | None = None) -> dict:
    """Build the review page of ``options.source`` and write it to ``options.output``.

    The file is written to a temporary file beside the target and renamed when complete,
    so an error leaves nothing behind. ``on_problem`` receives (line number, reason) for
    every input line that is not a row (see ``options.on_error``).

    Returns
    -------
    dict
        The page's ``meta`` (counts, model, threshold, page id) plus ``output`` and ``bytes``.
    """
    data = build_review(options, on_problem)
    page = render_page(data)
    write_atomic(Path(options.output), page.encode("utf-8"))
    return {**data["meta"], "output": str(options.output), "bytes": len(page.encode())}
