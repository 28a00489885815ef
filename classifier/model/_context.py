"""Fitting the context model: P(adult-services ad | text) from adult and ordinary ads.

The fitted lexicon ships as ``classifier/data/context.json`` (see
:mod:`classifier.features._context`, which scores with it); ``scripts/build_context.py``
rebuilds it from the pinned sources.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

# A vocabulary term: words of letters (and apostrophes) only, or a contact placeholder. No
# digits, so no piece of a phone number, price or address can be in the shipped lexicon.
_TERM = re.compile(r"[a-z][a-z']*(?: [a-z][a-z']*)*")


def fit_context(adult: Sequence[str], ordinary: Sequence[str], *, min_df: int = 20,
                min_groups: int = 10, groups: Sequence | None = None,
                C: float = 0.1, ngram_range: tuple[int, int] = (1, 2)) -> dict:
    """Fit a context lexicon on normalised adult-services and ordinary ads.

    Parameters
    ----------
    adult, ordinary : sequences of str
        Normalised texts (``TextNormalizer``), positives and negatives.
    min_df : int
        A term is kept only if it occurs in at least this many ads.
    min_groups : int
        ... and in at least this many ``groups`` (near-duplicate templates, shared contacts:
        advertisers), so that no term (a name, a business) belongs to a few advertisers.
    groups : sequence, optional
        Group id of each ad, adult ones first (see :func:`classifier.group_ads`).
    C : float
        Inverse L2 regularisation strength of the logistic regression (balanced classes).

    Returns
    -------
    dict
        ``terms``, ``coef``, ``intercept``, ``ngram_range``: the JSON lexicon's fields.
    """
    texts = [*adult, *ordinary]
    y = np.r_[np.ones(len(adult)), np.zeros(len(ordinary))]
    counter = CountVectorizer(lowercase=False, ngram_range=ngram_range, min_df=min_df,
                              binary=True, dtype=np.float64)
    X = counter.fit_transform(texts).tocsc()
    terms = counter.get_feature_names_out()
    keep = np.array([bool(_TERM.fullmatch(t)) for t in terms])
    if groups is not None:
        group_ids = np.unique(np.asarray(groups), return_inverse=True)[1]
        coo = X.tocoo()
        pairs = np.unique(np.c_[coo.col, group_ids[coo.row]], axis=0)
        keep &= np.bincount(pairs[:, 0], minlength=len(terms)) >= min_groups
    X, terms = X[:, np.flatnonzero(keep)].tocsr(), terms[keep]
    model = LogisticRegression(C=C, class_weight="balanced", max_iter=5000)
    model.fit(X, y)
    return {"ngram_range": list(ngram_range), "terms": terms.tolist(),
            "coef": np.round(model.coef_.ravel(), 5).tolist(),
            "intercept": round(float(model.intercept_[0]), 5)}
