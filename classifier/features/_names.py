"""Names of the feature sets, the pipeline's steps and the feature blocks: one owner each.

Scoring, explanations, training and evaluation reach into a fitted pipeline by these names.
"""

#: Steps of the scikit-learn pipeline, in order.
NORMALIZE_STEP = "normalize"
FEATURES_STEP = "features"
CLASSIFIER_STEP = "clf"

#: Blocks of the feature union.
WORDS_BLOCK = "words"
INDICATOR_BLOCK = "indicators"
RULES_BLOCK = "rules"
CHARS_BLOCK = "chars"
#: Blocks whose columns are named evidence (shown as indicators, not as words).
INDICATOR_BLOCKS = (INDICATOR_BLOCK, RULES_BLOCK)

#: Names accepted by :func:`make_pipeline`, for ``--features`` and model comparisons, each
#: adding one part to the one before it (an ablation ladder):
#:
#: - ``words``: contact masking and lower-casing only, word 1-2-gram TF-IDF (the baseline);
#: - ``normalized``: full obfuscation-proof normalisation, then word 1-2-gram TF-IDF;
#: - ``indicators``: ``normalized`` plus the named indicator features (those meant to carry
#:   over to other sites and years);
#: - ``full``: ``indicators`` plus the ChainBreaker rule features (the default);
#: - ``chars``: ``full`` plus character 2-5-gram TF-IDF (slower; for comparison).
FEATURE_SETS = ("words", "normalized", "indicators", "full", "chars")
DEFAULT_FEATURES = "full"
