"""Evaluation: metrics, thresholds, calibration, group bootstrap and grouped cross-validation.

Names load on first use (see :mod:`lazy_loader`), so importing one costs only its module."""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submod_attrs={
        "_benign": ["benign_flag_rate", "benign_report"],
        "_bootstrap": ["bootstrap_metrics", "percentile_interval"],
        "_crossval": ["EvaluationOptions", "LabeledSet", "compare", "evaluate"],
        "_run": ["evaluate_source"],
        "_metrics": [
            "SPLITS",
            "binary_metrics",
            "choose_threshold",
            "reliability",
            "threshold_table",
        ],
    },
)
