"""classifier: triage scores for online ads that may be linked to human trafficking.

Scores are signals for human review, never proof: public training labels are suspicion
judgements, not confirmed cases.

Five lines from data to scores::

    import classifier
    ads = classifier.load_dataset("chainbreaker")
    model = classifier.train(ads.text, ads.label)
    classifier.save_model(model, "models/chainbreaker")
    classifier.score_texts(model, ["New in town, young and sweet, call now"])
"""

__version__ = "0.1.0"

import lazy_loader as _lazy  # noqa: E402

# The public API lives in private submodules, loaded on first use: `classifier --help`
# and scoring then do not pay for what they do not use (plots, MinHash, Dask).
__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submod_attrs={
        "_bootstrap": ["bootstrap_metrics"],
        "_dask": ["score_dask"],
        "_data": ["binarize_labels", "prepare_labeled", "read_table"],
        "_datasets": ["DATASETS", "fetch_dataset", "load_dataset", "load_labeled"],
        "_defaults": ["load_default_model"],
        "_errors": ["ClassifierError", "DataError", "ModelError"],
        "_evaluation": ["SPLITS", "compare", "evaluate", "threshold_table"],
        "_explain": ["Explainer"],
        "_features": ["FEATURE_SETS", "make_features"],
        "_grouping": ["duplicate_stats", "group_ads"],
        "_indicators": ["INDICATOR_NAMES", "IndicatorFeatures", "find_indicators"],
        "_metrics": ["binary_metrics", "choose_threshold"],
        "_model": ["CALIBRATION_METHODS", "Model", "make_pipeline", "train"],
        "_modelcard": ["model_card", "write_model_card"],
        "_normalize": [
            "TextNormalizer",
            "extract_contacts",
            "mask_contacts",
            "normalize_and_extract",
            "normalize_text",
        ],
        "_persistence": ["load_model", "save_model"],
        "_report": [
            "metrics_frame",
            "plot_precision_recall",
            "plot_reliability",
            "plot_roc",
            "plot_score_histograms",
            "plot_threshold_curves",
            "write_report",
        ],
        "_scoring": ["SCORE_COLUMNS", "score_file", "score_frame", "score_texts"],
    },
)
