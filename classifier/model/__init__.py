"""The model: pipeline, estimators, training, persistence and the default model.

Names load on first use (see :mod:`lazy_loader`), so importing one costs only its module."""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submod_attrs={
        "_default": [
            "cached_default_model",
            "default_model_dir",
            "load_default_model",
            "train_default_model",
        ],
        "_estimators": [
            "CALIBRATION_METHODS",
            "ContextLogisticRegression",
            "GroupedCalibratedClassifierCV",
            "PriorCorrectedLogisticRegression",
        ],
        "_linear": ["LinearModel"],
        "_persistence": [
            "ARRAYS_FILE",
            "MANIFEST_FILE",
            "PIPELINE_FILE",
            "REFERENCE_TEXTS",
            "load_model",
            "read_manifest",
            "save_model",
        ],
        "_pipeline": ["Model", "make_pipeline"],
        "_train": ["find_personal_data", "train"],
    },
)
