"""Evidence in context: the shipped context lexicon, gating, and ordinary one-liners."""

from __future__ import annotations

import importlib.resources
import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
from scipy.special import expit, log_expit

import classifier
from classifier.features import DEFAULT_FEATURES
from classifier.features._context import context_logit
from classifier.features._names import CONTEXT_BLOCK as CONTEXT_FEATURE
from classifier.io import DATASETS
from classifier.scoring._scorer import Scorer, linear_part
from classifier.text import TextNormalizer

# Ordinary sentences holding words that are indicators in adult-services ads.
ONE_LINERS = tuple(
    line for line in (Path(__file__).parents[2] / "examples" / "ordinary_one_liners.txt")
    .read_text(encoding="utf-8").splitlines() if line and not line.startswith("#"))
# Invented adult-services ads with the same indicator words.
ADULT_ADS = (
    "Sweet young girls, new in town for a few days, incall and outcall, 24/7, 150 roses",
    "She is a sexy petite new girl, just arrived, available 24/7 for incall, text me",
)


def _lexicon() -> dict:
    text = importlib.resources.files("classifier").joinpath("data", "context.json").read_text()
    return json.loads(text)


def test_default_features_are_context_gated():
    assert DEFAULT_FEATURES == "context"


def test_lexicon_holds_no_personal_data():
    """Word 1-2-grams of letters only: no digits, contacts, URLs; weights finite."""
    lexicon = _lexicon()
    assert len(lexicon["terms"]) == len(lexicon["coef"]) > 1000
    assert len(set(lexicon["terms"])) == len(lexicon["terms"])
    for term in lexicon["terms"]:
        assert re.fullmatch(r"[a-z][a-z']*(?: [a-z][a-z']*)?", term), term
    assert np.isfinite(lexicon["coef"]).all()
    assert lexicon["params"]["min_df"] >= 10 and lexicon["params"]["min_groups"] >= 5


def test_lexicon_provenance_matches_the_pinned_sources():
    """Every source of the lexicon is pinned, and shippable (MIT or CC BY)."""
    sources = _lexicon()["sources"]
    assert {s["role"] for s in sources} == {"positives", "negatives"}
    for source in sources:
        info = DATASETS[source["name"]]
        assert (source["url"], source["sha256"]) == (info.url, info.sha256)
        assert source["licence"].startswith(("MIT", "CC BY 4.0"))
        assert info.role in (None, "context-train")
    sources_md = importlib.resources.files("classifier").joinpath("data", "context.SOURCES.md")
    for source in sources:
        assert source["sha256"] in sources_md.read_text()


def test_context_separates_adult_ads_from_ordinary_ones():
    normalized = TextNormalizer().transform([*ADULT_ADS, *ONE_LINERS])
    logit = context_logit(normalized)
    assert logit[: len(ADULT_ADS)].min() > logit[len(ADULT_ADS):].max()


def test_context_column_is_an_unweighted_offset(model, ads):
    """The score is expit(risk log-odds * ... + log p_ctx): the context weight is 1."""
    explainer = Scorer(model.pipeline)
    coef, intercept = linear_part(model.pipeline)
    assert explainer.labels[-1] == CONTEXT_FEATURE and coef[-1] == 1.0
    texts = ads["text"].tolist()[:6]
    X = explainer.features(texts).tocsr()
    log_p = log_expit(context_logit(TextNormalizer().transform(texts)))
    np.testing.assert_allclose(X[:, -1].toarray().ravel(), log_p)
    np.testing.assert_allclose(model.predict_proba(texts), expit(X @ coef + intercept))


def test_risk_features_are_gated_by_context(model):
    """The same indicator words weigh less in an ordinary text than in an adult ad."""
    explainer = Scorer(model.pipeline)
    adult, ordinary = ADULT_ADS[0], ONE_LINERS[-2]
    X = explainer.features([adult, ordinary]).tocsr()
    p = np.exp(X[:, -1].toarray().ravel())
    assert p[0] > 0.5 > p[1]
    ungated = model.pipeline.named_steps["features"]
    raw = sp_hstack_ungated(ungated, [adult, ordinary])
    # Every risk feature of a row is its ungated value times that row's p_ctx.
    np.testing.assert_allclose(X[:, :-1].toarray(), raw.toarray() * p[:, None], rtol=1e-6)


def sp_hstack_ungated(union, texts):
    from sklearn.pipeline import FeatureUnion

    normalized = TextNormalizer().transform(texts)
    return FeatureUnion(union.transformer_list[:-1],
                        transformer_weights=union.transformer_weights).transform(normalized)


@pytest.fixture(scope="module")
def default_model():
    """The default model, trained from chainbreaker as at first use (skips without it)."""
    value = os.environ.get("CLASSIFIER_DATA_DIR")
    if not value or not (Path(value) / "chainbreaker" / "raw.csv").is_file():
        pytest.skip("set CLASSIFIER_DATA_DIR to a directory holding chainbreaker/raw.csv")
    labeled, _ = classifier.load_labeled(dataset="chainbreaker")
    return classifier.train(labeled.texts, labeled.y)


def test_ordinary_one_liners_are_not_flagged(default_model):
    scores = default_model.predict_proba(ONE_LINERS)
    flagged = [t for t, s in zip(ONE_LINERS, scores, strict=True)
               if s >= default_model.threshold]
    assert flagged == []
    # Each scores below the share of suspicious ads in the training data (what an ad about
    # which nothing is known would get), while adult ads with the same words score higher.
    prevalence = default_model.manifest["training_data"]["n_positive"] / len(
        default_model.cv_predictions)
    assert scores.max() < prevalence
    assert default_model.predict_proba(ADULT_ADS).min() > scores.max()


def test_reasons_show_the_context_evidence(default_model):
    explainer = Scorer(default_model.pipeline)
    reasons = explainer.reasons(explainer.features([ONE_LINERS[0]]))[0]
    assert re.search(r"(^|; )context -\d", reasons), reasons
