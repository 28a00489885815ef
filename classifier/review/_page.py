"""Filling the page template with the queue's data, and writing it atomically."""

from __future__ import annotations

import base64
import hashlib
import html
import importlib.resources
import json
from collections.abc import Callable
from pathlib import Path

from classifier.io._files import write_atomic
from classifier.review._build import build_review
from classifier.review._options import ReviewOptions

# Characters that could end the JSON's <script> element or confuse an HTML parser, and the
# line separators that older JavaScript parsers reject, as JSON escapes.
_JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                 0x2028: "\\u2028", 0x2029: "\\u2029"}


def _template(name: str) -> str:
    return importlib.resources.files(__package__).joinpath("templates", name).read_text(
        encoding="utf-8")


def data_json(data: dict) -> str:
    """``data`` as JSON that is safe inside ``<script type="application/json">``."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.translate(_JSON_ESCAPES)


def render_page(data: dict) -> str:
    """The self-contained HTML page (styles, script and data inline; nothing fetched)."""
    script = _template("review.js")
    # The Content-Security-Policy allows this one script, by hash: nothing in an ad can run.
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    parts = {
        "__SCRIPT_HASH__": f"sha256-{digest}",
        "__TITLE__": html.escape(f"Review: {Path(data['meta']['source']).name}"),
        "__STYLE__": _template("review.css"),
        "__DATA__": data_json(data),
        "__SCRIPT__": script,
    }
    page = _template("review.html")
    # One pass over the template: a marker inside the data is never replaced.
    for marker in ("__SCRIPT_HASH__", "__TITLE__", "__STYLE__"):
        page = page.replace(marker, parts[marker], 1)
    head, _, tail = page.partition("__DATA__")
    before_script, _, end = tail.partition("__SCRIPT__")
    return head + parts["__DATA__"] + before_script + parts["__SCRIPT__"] + end


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
