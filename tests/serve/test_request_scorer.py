"""The service scores as ``classifier score`` does: same values, same statuses."""

from __future__ import annotations

import pandas as pd

import classifier
from classifier.serve._scorer import AdText, RequestScorer


def test_scorer_matches_score_frame(model, edge_texts):
    expected = classifier.score_frame(model, pd.DataFrame({"text": edge_texts}, dtype=object))
    got = RequestScorer(model).score([AdText(id=i, text=t) for i, t in enumerate(edge_texts)])
    assert pd.DataFrame(got)[list(expected.columns)].to_dict("records") == expected.to_dict(
        "records")
    assert [r["status"] for r in got] == ["ok", "empty_text", "empty_text", "ok", "truncated",
                                          "truncated", "invalid_utf8", "ok", "ok", "ok"]


def test_title_and_body_are_joined_like_text_cols(model, ads):
    frame = ads[["ad_id", "title", "body"]].head(12).astype(object)
    frame.loc[1, "title"] = None  # missing parts count as empty strings
    frame.loc[2, "body"] = None
    expected = classifier.score_frame(model, frame, text_cols=("title", "body"), id_col="ad_id")
    got = RequestScorer(model).score([AdText(id=r.ad_id, title=r.title, body=r.body)
                               for r in frame.itertuples()])
    assert pd.DataFrame(got).to_dict("records") == expected.to_dict("records")


