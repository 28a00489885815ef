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

from ._bootstrap import bootstrap_metrics  # noqa: E402
from ._dask import score_dask  # noqa: E402
from ._data import binarize_labels, prepare_labeled, read_table  # noqa: E402
from ._datasets import DATASETS, fetch_dataset, load_dataset, load_labeled  # noqa: E402
from ._defaults import load_default_model  # noqa: E402
from ._errors import ClassifierError, DataError, ModelError  # noqa: E402
from ._evaluation import SPLITS, compare, evaluate, threshold_table  # noqa: E402
from ._explain import Explainer  # noqa: E402
from ._features import FEATURE_SETS, make_features  # noqa: E402
from ._grouping import duplicate_stats, group_ads  # noqa: E402
from ._indicators import INDICATOR_NAMES, IndicatorFeatures, find_indicators  # noqa: E402
from ._metrics import binary_metrics, choose_threshold  # noqa: E402
from ._model import CALIBRATION_METHODS, Model, make_pipeline, train  # noqa: E402
from ._modelcard import model_card, write_model_card  # noqa: E402
from ._normalize import TextNormalizer, extract_contacts, mask_contacts, normalize_text  # noqa: E402
from ._persistence import load_model, save_model  # noqa: E402
from ._report import (  # noqa: E402
    metrics_frame,
    plot_precision_recall,
    plot_reliability,
    plot_roc,
    plot_score_histograms,
    plot_threshold_curves,
    write_report,
)
from ._scoring import SCORE_COLUMNS, score_file, score_frame, score_texts  # noqa: E402

__all__ = [
    "CALIBRATION_METHODS",
    "DATASETS",
    "FEATURE_SETS",
    "INDICATOR_NAMES",
    "SCORE_COLUMNS",
    "SPLITS",
    "ClassifierError",
    "DataError",
    "Explainer",
    "IndicatorFeatures",
    "Model",
    "ModelError",
    "TextNormalizer",
    "binarize_labels",
    "binary_metrics",
    "bootstrap_metrics",
    "choose_threshold",
    "compare",
    "duplicate_stats",
    "evaluate",
    "extract_contacts",
    "fetch_dataset",
    "find_indicators",
    "group_ads",
    "load_dataset",
    "load_default_model",
    "load_labeled",
    "load_model",
    "make_features",
    "make_pipeline",
    "mask_contacts",
    "metrics_frame",
    "model_card",
    "normalize_text",
    "plot_precision_recall",
    "plot_reliability",
    "plot_roc",
    "plot_score_histograms",
    "plot_threshold_curves",
    "prepare_labeled",
    "read_table",
    "save_model",
    "score_dask",
    "score_file",
    "score_frame",
    "score_texts",
    "threshold_table",
    "train",
    "write_model_card",
    "write_report",
]
