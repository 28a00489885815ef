"""Explanations: contributions are exact, signed, ranked, and name fired indicators."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from classifier.scoring._scorer import Scorer, format_reasons


def test_contributions_add_up_to_the_log_odds(model, ads):
    scorer = Scorer(model.pipeline, top=10_000)
    X = scorer.features(ads["text"].tolist()[:5])
    scores = scorer.scores(X)
    np.testing.assert_allclose(scores, model.pipeline.predict_proba(ads["text"][:5])[:, 1])
    for row, contributions in enumerate(scorer.top_contributions(X)):
        log_odds = scorer.intercept + sum(v for _, v in contributions)
        assert np.isclose(1 / (1 + np.exp(-log_odds)), scores[row])


def test_top_contributions_ranked_by_absolute_value(model, ads):
    scorer = Scorer(model.pipeline, top=3)
    X = scorer.features(ads["text"].tolist()[:10])
    for contributions in scorer.top_contributions(X):
        assert len(contributions) <= 3
        sizes = [abs(v) for _, v in contributions]
        assert sizes == sorted(sizes, reverse=True)


def test_rows_without_features_get_no_reasons(model):
    scorer = Scorer(model.pipeline)
    X = sp.csr_matrix((2, len(scorer.labels)))
    assert scorer.top_contributions(X) == [[], []]
    assert scorer.indicators(X) == [[], []]


def test_format_reasons():
    assert format_reasons([("new girls", 0.8412), ("ind:movement", -0.5)]) == (
        "new girls +0.84; ind:movement -0.50"
    )


def _reference_top_contributions(scorer, X):
    """The contributions by a stable sort of every row (the original implementation)."""
    X = X.tocsr()
    contrib = X.data * scorer.coef[X.indices]
    counts = np.diff(X.indptr)
    rows = np.repeat(np.arange(X.shape[0]), counts)
    order = np.lexsort((-np.abs(contrib), rows))
    rank = np.arange(len(order)) - np.repeat(X.indptr[:-1], counts)
    keep = order[rank < scorer.top]
    bounds = np.searchsorted(rows[keep], np.arange(X.shape[0] + 1))
    labels, values = scorer.labels[X.indices[keep]], contrib[keep]
    return [list(zip(labels[a:b], values[a:b].tolist(), strict=True))
            for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


@pytest.mark.parametrize("top", [0, 1, 5, 16, 17, 10_000])
def test_reasons_equal_the_formatted_contributions(model, ads, top):
    scorer = Scorer(model.pipeline, top=top)
    X = scorer.features([*ads["text"].tolist(), "", "zzz"])
    expected = _reference_top_contributions(scorer, X)
    assert scorer.top_contributions(X) == expected
    assert scorer.reasons(X) == [format_reasons(c) for c in expected]


@pytest.mark.parametrize("top", [1, 3, 5, 16, 40])
def test_reasons_keep_the_order_of_ties(model, top):
    # Few distinct values, zeros and a NaN: many ties, broken by column as in a stable sort.
    scorer = Scorer(model.pipeline, top=top)
    rng = np.random.default_rng(top)
    n_features = len(scorer.labels)
    scorer.coef = rng.choice([-1.0, 0.0, 0.5, 1.0, 2.0, -2.0], size=n_features)
    X = sp.random(60, n_features, density=0.3, format="csr", random_state=top,
                  data_rvs=lambda n: rng.choice([0.5, 1.0, 2.0], size=n))
    X = X.tolil()
    X[3, 0], X[3, 1] = np.nan, 1.0
    X = X.tocsr()
    expected = _reference_top_contributions(scorer, X)
    got = scorer.top_contributions(X)
    assert [[label for label, _ in row] for row in got] == [[label for label, _ in row]
                                                            for row in expected]
    np.testing.assert_array_equal(np.array([v for row in got for _, v in row]),
                                  np.array([v for row in expected for _, v in row]))
    assert scorer.reasons(X) == [format_reasons(c) for c in expected]


def test_indicator_column_joins_the_fired_indicators(model, ads):
    """The ``indicators`` column is each row's fired indicators, in column order, ';'-joined."""
    scorer = model.scorer
    X = scorer.features([*ads["text"].tolist(), "", "new in town, she is 18 yo"])
    column = scorer.indicator_column(X)
    assert column == [";".join(names) for names in scorer.indicators(X)]
    assert column[-2] == ""
    assert column[-1]  # movement and age language fire
    shuffled = X.tocsr().tocsc().tocsr()  # same matrix, indices possibly in another order
    shuffled.has_sorted_indices = False
    assert scorer.indicator_column(shuffled) == column
