"""Markdown templates of the reports, kept as package data apart from the code that fills them.

Each template (``templates/*.md.j2``) holds the prose and the layout of one document; its
module computes the numbers and tables and passes them in.
"""

from __future__ import annotations

from functools import cache


@cache
def _environment():
    # Imported on first use: training writes a model card, scoring never needs templates.
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("classifier.reports", "templates"),
        autoescape=False,  # Markdown, not HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,  # a missing value is a bug, never a blank
    )


def render(name: str, **context) -> str:
    """Fill template ``name`` (e.g. ``"model_card.md.j2"``) with ``context``."""
    return _environment().get_template(name).render(**context)
