"""Scoring: a fitted model's scores, flags and reasons for texts, frames, files and Dask.

Names load on first use (see :mod:`lazy_loader`), so importing one costs only its module."""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submod_attrs={
        "_batch": ["score_file", "score_frame", "score_texts"],
        "_records": ["score_records", "score_texts_to", "text_status"],
        "_run": ["score_source"],
        "_types": [
            "CHUNKSIZE",
            "MAX_TEXT_CHARS",
            "SCORE_COLUMNS",
            "STATUSES",
            "ScoreOptions",
            "ScoreSummary",
        ],
        "_scorer": ["Explainer", "Scorer", "explain_text", "format_reasons"],
        "_dask": ["score_dask"],
    },
)
