"""Reading and writing ad tables: formats, chunked readers, atomic writers, datasets, labels.

The first and last rooms of an ad's path: ``read -> ... -> write``.

Names load on first use (see :mod:`lazy_loader`), so importing one costs only its module."""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach(
    __name__,
    submod_attrs={
        "_benign": ["benign_sources", "load_benign_set", "load_benign_sets"],
        "_chunks": ["Chunk", "input_size", "iter_chunks", "read_all", "report_problems"],
        "_datasets": [
            "DATA_DIR_ENV",
            "DATASETS",
            "DataSource",
            "Dataset",
            "cache_dir",
            "fetch_dataset",
            "load_dataset",
            "load_labeled",
            "load_sources",
            "parse_data_option",
        ],
        "_formats": ["COMPRESSIONS", "FORMATS", "INPUT_FORMATS", "OUTPUT_FORMATS", "detect_format"],
        "_labels": ["LabeledData", "binarize_labels", "prepare_labeled"],
        "_tables": ["as_pandas", "check_columns", "join_text", "read_table"],
        "_files": ["check_not_input"],
        "_writers": ["TableWriter", "escape_formula", "escape_formulas"],
    },
)
