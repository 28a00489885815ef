"""Features: word n-gram TF-IDF, named indicators and rule features over normalised text.

Feature sets (:data:`FEATURE_SETS`) form an ablation ladder; the names of the pipeline's
steps and of the feature blocks live in :mod:`._names`.

Names load on first use (see :mod:`lazy_loader`), so importing one costs only its module."""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submod_attrs={
        "_indicators": [
            "AGE_FEATURE_NAMES",
            "INDICATOR_NAMES",
            "extract_ages",
            "find_indicators",
            "load_lexicon",
        ],
        "_names": [
            "DEFAULT_FEATURES",
            "FEATURE_SETS",
            "CHARS_BLOCK",
            "CLASSIFIER_STEP",
            "FEATURES_STEP",
            "INDICATOR_BLOCK",
            "INDICATOR_BLOCKS",
            "NORMALIZE_STEP",
            "RULES_BLOCK",
            "WORDS_BLOCK",
        ],
        "_sets": ["make_features"],
        "_transformers": [
            "ContactMasker",
            "ContextGatedUnion",
            "ContextScore",
            "IndicatorFeatures",
            "RuleFeatures",
            "TextNormalizer",
            "WordTfidfVectorizer",
        ],
    },
)
