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

import lazy_loader as _lazy

# Names load on first use: the command line imports the options without pandas.
__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submod_attrs={
        "_build": ["build_review", "indicator_info"],
        "_decisions": ["DECISIONS", "EXPORT_COLUMNS", "decisions_to_labels"],
        "_highlight": ["locate_indicators"],
        "_options": ["ORDERS", "ReviewOptions"],
        "_page": ["render_page", "write_review_page"],
    },
)
