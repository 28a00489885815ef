"""Explanations: contributions are exact, signed, ranked, and name fired indicators."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from classifier._explain import Explainer, format_reasons


def test_contributions_add_up_to_the_log_odds(model, ads):
    explainer = Explainer(model.pipeline, top=10_000)
    X = explainer.features(ads["text"].tolist()[:5])
    scores = explainer.scores(X)
    np.testing.assert_allclose(scores, model.pipeline.predict_proba(ads["text"][:5])[:, 1])
    for row, contributions in enumerate(explainer.top_contributions(X)):
        log_odds = explainer.intercept + sum(v for _, v in contributions)
        assert np.isclose(1 / (1 + np.exp(-log_odds)), scores[row])


def test_top_contributions_ranked_by_absolute_value(model, ads):
    explainer = Explainer(model.pipeline, top=3)
    X = explainer.features(ads["text"].tolist()[:10])
    for contributions in explainer.top_contributions(X):
        assert len(contributions) <= 3
        sizes = [abs(v) for _, v in contributions]
        assert sizes == sorted(sizes, reverse=True)


def test_rows_without_features_get_no_reasons(model):
    explainer = Explainer(model.pipeline)
    X = sp.csr_matrix((2, len(explainer.labels)))
    assert explainer.top_contributions(X) == [[], []]
    assert explainer.indicators(X) == [[], []]


def test_format_reasons():
    assert format_reasons([("new girls", 0.8412), ("ind:movement", -0.5)]) == (
        "new girls +0.84; ind:movement -0.50"
    )
