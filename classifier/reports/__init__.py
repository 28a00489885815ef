"""Reports: the evaluation report and the model card, filled from Markdown templates.

Names load on first use (see :mod:`lazy_loader`), so importing one costs only its module."""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submod_attrs={
        "_modelcard": ["MODEL_CARD_FILE", "model_card", "write_model_card"],
        "_plots": [
            "plot_precision_recall",
            "plot_reliability",
            "plot_roc",
            "plot_score_histograms",
            "plot_threshold_curves",
        ],
        "_report": [
            "benign_lines",
            "metrics_frame",
            "metrics_json",
            "source_lines",
            "sources_frame",
            "summary_lines",
            "write_report",
        ],
    },
)
