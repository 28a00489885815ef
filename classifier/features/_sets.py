"""Feature sets: the blocks of each rung of the ablation ladder (:data:`FEATURE_SETS`)."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from classifier.features._names import (
    CHARS_BLOCK,
    CONTEXT_BLOCK,
    DEFAULT_FEATURES,
    EVIDENCE_BLOCK,
    FEATURE_SETS,
    FEATURES_STEP,
    INDICATOR_BLOCK,
    NORMALIZE_STEP,
    RULES_BLOCK,
    WORDS_BLOCK,
)
from classifier.features._transformers import (
    ContactMasker,
    ContextGatedUnion,
    ContextScore,
    IndicatorFeatures,
    RuleFeatures,
    TextNormalizer,
    WordTfidfVectorizer,
)
from classifier.features._wordtext import WordText


def _word_vectorizer(text: WordText | None = None) -> WordTfidfVectorizer:
    # Normalised text is already lower-cased; min_df=2 keeps one-off strings (names,
    # typos) out of the vocabulary, which also keeps the model small. ``text``: what the
    # block reads of the normalised text (see _wordtext.py), for the context sets.
    return WordTfidfVectorizer(
        preprocessor=text,
        lowercase=False,
        ngram_range=(1, 2),
        min_df=2,
        sublinear_tf=True,
        dtype=np.float32,
    )


def make_features(features: str = DEFAULT_FEATURES) -> list[tuple[str, object]]:
    """Return the unfitted feature steps (normalisation, then a union of feature blocks).

    Parameters
    ----------
    features : str
        One of :data:`FEATURE_SETS`.
    """
    if features not in FEATURE_SETS:
        raise ValueError(f"unknown feature set {features!r}; choose from {', '.join(FEATURE_SETS)}")
    # The context sets' word block leaves emoji tokens out and reads an obscured phone as a
    # plain one (robustness to emoji padding and obscured numbers: see _wordtext.py); the
    # other sets stay as they were, for comparison.
    text = WordText() if features.startswith("context") else None
    blocks = [(WORDS_BLOCK, _word_vectorizer(text))]
    if features != "words" and features != "normalized":
        blocks.append((INDICATOR_BLOCK, IndicatorFeatures()))
    if features.startswith("context"):
        blocks.append((EVIDENCE_BLOCK, RuleFeatures("evidence")))
    if features in ("full", "chars", "context_rules"):
        blocks.append((RULES_BLOCK, RuleFeatures()))
    if features.startswith("context"):
        # The context column comes last and gates every block before it.
        union = ContextGatedUnion([*blocks, (CONTEXT_BLOCK, ContextScore())])
        return [(NORMALIZE_STEP, TextNormalizer()), (FEATURES_STEP, union)]
    if features == "chars":
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2,
                                sublinear_tf=True, dtype=np.float32)
        blocks.append((CHARS_BLOCK, chars))
    normalizer = ContactMasker() if features == "words" else TextNormalizer()
    return [(NORMALIZE_STEP, normalizer), (FEATURES_STEP, FeatureUnion(blocks))]

