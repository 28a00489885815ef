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
#: Context-aware evidence phrases (``data/evidence.toml``), and the context column that gates
#: every risk feature (see ``_context.py``).
EVIDENCE_BLOCK = "evidence"
CONTEXT_BLOCK = "context"
#: Blocks whose columns are named evidence (shown as indicators, not as words).
INDICATOR_BLOCKS = (INDICATOR_BLOCK, RULES_BLOCK, EVIDENCE_BLOCK)

#: Names accepted by :func:`make_pipeline`, for ``--features`` and model comparisons, each
#: adding one part to the one before it (an ablation ladder):
#:
#: - ``words``: contact masking and lower-casing only, word 1-2-gram TF-IDF (the baseline);
#: - ``normalized``: full obfuscation-proof normalisation, then word 1-2-gram TF-IDF;
#: - ``indicators``: ``normalized`` plus the named indicator features (those meant to carry
#:   over to other sites and years);
#: - ``full``: ``indicators`` plus the ChainBreaker rule features (the labeller's own rules);
#: - ``chars``: ``full`` plus character 2-5-gram TF-IDF (slower; for comparison);
#: - ``context``: ``indicators`` plus the context-aware evidence phrases of
#:   ``data/evidence.toml``, every risk feature gated by the packaged context model (evidence
#:   counts only in an adult-services ad; see ``_context.py``): the default;
#: - ``context_rules``: ``context`` plus the ChainBreaker rule features, to reproduce that
#:   dataset's labels, not to score another site's ads.
FEATURE_SETS = ("words", "normalized", "indicators", "full", "chars", "context", "context_rules")
DEFAULT_FEATURES = "context"
