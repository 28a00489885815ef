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

__version__ = "0.2.0"

import lazy_loader as _lazy  # noqa: E402

# The public API lives in private submodules, loaded on first use: `classifier --help`
# and scoring then do not pay for what they do not use (plots, MinHash, Dask).
__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submod_attrs={
        "_errors": ["ClassifierError", "DataError", "ModelError"],
        "evaluation": [
            "SPLITS",
            "binary_metrics",
            "bootstrap_metrics",
            "choose_threshold",
            "compare",
            "evaluate",
            "threshold_table",
        ],
        "features": [
            "FEATURE_SETS",
            "INDICATOR_NAMES",
            "IndicatorFeatures",
            "find_indicators",
            "make_features",
        ],
        "io": [
            "DATASETS",
            "binarize_labels",
            "fetch_dataset",
            "load_dataset",
            "load_labeled",
            "prepare_labeled",
            "read_table",
        ],
        "model": [
            "CALIBRATION_METHODS",
            "Model",
            "load_default_model",
            "load_model",
            "make_pipeline",
            "save_model",
            "train",
        ],
        "reports": [
            "metrics_frame",
            "model_card",
            "plot_precision_recall",
            "plot_reliability",
            "plot_roc",
            "plot_score_histograms",
            "plot_threshold_curves",
            "write_model_card",
            "write_report",
        ],
        "scoring": [
            "Explainer",
            "SCORE_COLUMNS",
            "Scorer",
            "score_dask",
            "score_file",
            "score_frame",
            "score_texts",
        ],
        "text": [
            "TextNormalizer",
            "duplicate_stats",
            "extract_contacts",
            "group_ads",
            "mask_contacts",
            "normalize_and_extract",
            "normalize_text",
        ],
    },
)
