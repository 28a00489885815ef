"""Built-in public datasets: pinned download, checksum, cache, offline copy."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

import numpy as np
import pandas as pd
import platformdirs
import pooch

from classifier._errors import DataError
from classifier.io._files import sha256_file
from classifier.io._labels import LabeledData, prepare_labeled
from classifier.io._tables import read_table

#: Environment variable naming a local directory with ``<dataset>/<file>`` copies.
DATA_DIR_ENV = "CLASSIFIER_DATA_DIR"


@dataclass(frozen=True)
class Dataset:
    """Where a public dataset comes from and how to read it."""

    name: str
    url: str
    sha256: str
    filename: str
    sep: str
    licence: str
    description: str
    text_col: str = "text"
    label_col: str = "label"
    #: For a set of ordinary ads (all label 0): its genre, its role (see ``ROLES`` in
    #: ``classifier/io/_benign.py``) and the reader of its file (``READERS`` there).
    genre: str | None = None
    role: str | None = None
    reader: str | None = None


def _github(repo: str, commit: str, path: str) -> str:
    return f"https://raw.githubusercontent.com/{repo}/{commit}/{path}"


_COCOA = ("stanfordnlp/cocoa", "52fb2d47a28537c7892f146a8972a75bcde4812c")
_COCOA_LICENCE = "MIT, (c) 2022 Stanford NLP (github.com/stanfordnlp/cocoa)"
_SKILLSPAN = ("kris927b/SkillSpan", "2ccf3de5b5af7a5409b8dd814fb1315dd6e0ae1b")
_AIRBNB_LICENCE = ("Inside Airbnb data, CC BY 4.0 as stated by insideairbnb.com (copy in a "
                   "repository without a licence file): evaluation only")


def _benign(name: str, repo_commit: tuple[str, str], path: str, sha256: str, *, genre: str,
            role: str, reader: str, licence: str, description: str) -> Dataset:
    return Dataset(name=name, url=_github(*repo_commit, path), sha256=sha256,
                   filename=path.rsplit("/", 1)[-1], sep="", licence=licence,
                   description=description, genre=genre, role=role, reader=reader)


#: Ordinary classified ads (see ``classifier/_benign.py``): (name, genre, role, SHA-256).
_CRAIGSLIST = (
    ("bike", "items", "context-train",
     "ef71991b7d1b5cd0f261806f3842b62b9bf08c7754b99f36ca5d3d5c73f87630"),
    ("car", "items", "context-train",
     "7be8d053ffdaf4d194ac73658d9d4bcb3826aec5517e7ffbccf64145bc7be2d5"),
    ("furniture", "items", "context-train",
     "32af880c25c9215d7653e92f325671eb6e3d19096ea0645585c58b0e2ee2094b"),
    ("electronics", "items", "evaluation",
     "681f7fccdae9b489caace2acb103c4fc0cc9b08d49a7da23526a45bc548bdcb5"),
    ("phone", "items", "evaluation",
     "89a7d28e8f79ff7a59a02cf0fc78280e2e19ed1cece1b75e5303f8599e169fd2"),
    ("housing", "housing", "context-train",
     "de9b8678ab32dc69fcf36dda0ccf8533ba5aa0805116b7f7a20ba5c2f8424d17"),
)
_SKILLSPAN_SPLITS = (
    ("train", "context-train", "5e884c3426087d14fc437d328eb72132082edbfe1e776292ae0e6e9b36c1e1f6"),
    ("dev", "context-train", "3732937c6869fe191c749b4efe7ffd597ce84eea1192f09b7fe3bd1eb459e2b4"),
    ("test", "evaluation", "8438eda34939a5877b984ea5daf9e6ff39b2d5c7e3d73cca0499d3de3784d24a"),
)




DATASETS: dict[str, Dataset] = {
    "chainbreaker": Dataset(
        name="chainbreaker",
        url=(
            "https://raw.githubusercontent.com/ChainBreakerCommunity/MLService/"
            "eeb400b51f326a726d380efe704583d896097da6/model/data/raw.csv"
        ),
        sha256="db6ef936d59115a6fa23136c38eac0d1f703c3e40fee7b39aada44e37e56b65b",
        filename="raw.csv",
        sep=";",
        licence="MIT, (c) 2022 Chain Breaker",
        description=(
            "2,677 English adult-services classified ads (Canada, about 2021-2022) labelled "
            "'suspicious' (1) or not (0) by the ChainBreaker project. Labels are weak, "
            "indicator-guided suspicion judgements, not confirmed trafficking cases."
        ),
    ),
    **{
        f"craigslist_{item}": _benign(
            f"craigslist_{item}", _COCOA,
            f"craigslistbargain/scraper/data/negotiation/craigslist_{item}.json", sha256,
            genre=genre, role=role, reader="craigslist", licence=_COCOA_LICENCE,
            description=f"Craigslist '{item}' ads (US, 2017) of the craigslistbargain corpus: "
            "title and description.",
        )
        for item, genre, role, sha256 in _CRAIGSLIST
    },
    **{
        f"skillspan_{split}": _benign(
            f"skillspan_{split}", _SKILLSPAN, f"data/json/{split}.json", sha256,
            genre="jobs", role=role, reader="skillspan",
            licence="MIT, (c) 2023 Mike Zhang (github.com/kris927b/SkillSpan)",
            description=f"SkillSpan job postings ({split} split, de-identified), cut into "
            "ad-sized passages of consecutive sentences.",
        )
        for split, role, sha256 in _SKILLSPAN_SPLITS
    },
    "skill_extraction": _benign(
        "skill_extraction", ("acp19tag/skill-extraction-dataset",
                             "ca1eadd2885a277853b01f0ec96fc89094adf71e"),
        "raw_data/testset.txt", "c7ae1493f4f0f1189cf60b0f3e83c39677b412cf4d8a5eb1a172544a1d801018",
        genre="jobs", role="evaluation", reader="conll",
        licence="CC BY 4.0 (github.com/acp19tag/skill-extraction-dataset)",
        description="Job-description sentences of the skill-extraction test set, in passages.",
    ),
    "airbnb_albany": _benign(
        "airbnb_albany", ("rawaha-coder/Albany-Airbnb-Dashboard",
                          "0d98d05a3739f33aae692f60b0818a77af747e30"),
        "listings.csv.gz", "f06257fa6b9137d02f9b42a6b15ea5ccaf7dcec2db7ade00e652b30a2e6f20aa",
        genre="rentals", role="evaluation", reader="airbnb", licence=_AIRBNB_LICENCE,
        description="Inside Airbnb listings of Albany NY (2024): name and description.",
    ),
    "airbnb_jersey_city": _benign(
        "airbnb_jersey_city", ("dahianaamaro/jersey-city-newark-short-term-rental-analysis",
                               "14b7a1642ef66a0e7207d49a13a5841413cbf246"),
        "listings.csv.gz", "1c018a3168b4f9cd275aaf6bd349139235a632e29ea015a38ee31ddac274a057",
        genre="rentals", role="evaluation", reader="airbnb", licence=_AIRBNB_LICENCE,
        description="Inside Airbnb listings of Jersey City NJ: name and description.",
    ),
}


def cache_dir() -> Path:
    """Directory for downloaded data and default models (``CLASSIFIER_CACHE_DIR`` overrides)."""
    return Path(os.environ.get("CLASSIFIER_CACHE_DIR") or platformdirs.user_cache_dir("classifier"))




def get_dataset_info(name: str) -> Dataset:
    """Return the :class:`Dataset` record for ``name``."""
    try:
        return DATASETS[name]
    except KeyError:
        raise DataError(f"unknown dataset {name!r}; built-in: {', '.join(DATASETS)}") from None


def fetch_dataset(name: str) -> Path:
    """Return the path of a verified local copy of dataset ``name``.

    When ``$CLASSIFIER_DATA_DIR`` is set, the file is read from
    ``$CLASSIFIER_DATA_DIR/<name>/<file>`` and never downloaded (offline machines, CI).
    Otherwise it is downloaded once from its pinned URL into the user cache. Either way its
    SHA-256 must match the pinned one.
    """
    info = get_dataset_info(name)
    local_dir = os.environ.get(DATA_DIR_ENV)
    if local_dir:
        path = Path(local_dir) / name / info.filename
        if not path.is_file():
            raise DataError(f"{path}: not found (${DATA_DIR_ENV} is set to {local_dir})")
        actual = sha256_file(path)
        if actual != info.sha256:
            raise DataError(
                f"{path}: SHA-256 {actual} does not match the pinned {info.sha256}; "
                "refusing to use a changed dataset"
            )
        return path
    try:
        return Path(
            pooch.retrieve(
                info.url,
                known_hash=f"sha256:{info.sha256}",
                fname=f"{name}-{info.filename}",
                path=cache_dir() / "datasets",
                progressbar=False,
            )
        )
    except ValueError as exc:  # pooch's checksum mismatch
        raise DataError(f"dataset {name!r}: {exc}") from exc
    except OSError as exc:  # includes requests' connection errors
        raise DataError(
            f"dataset {name!r}: download failed ({type(exc).__name__}); offline, set "
            f"${DATA_DIR_ENV} to a directory holding {name}/{info.filename}"
        ) from exc


def load_dataset(name: str) -> pd.DataFrame:
    """Load a built-in dataset as a DataFrame with ``text`` and ``label`` columns."""
    info = get_dataset_info(name)
    path = fetch_dataset(name)
    if info.reader is not None:
        from classifier.io._benign import read_benign

        return read_benign(path, info.reader)
    frame = pd.read_csv(path, sep=info.sep, index_col=0, dtype={info.text_col: str})
    return frame.rename(columns={info.text_col: "text", info.label_col: "label"})[["text", "label"]]


@dataclass(frozen=True)
class DataSource:
    """Where labeled ads come from: a built-in dataset or a file, and how to read its labels.

    The default, no dataset and no file, is the built-in ``chainbreaker`` dataset. A built-in
    dataset has its own columns; ``text_cols``, ``label_col`` and ``label_threshold`` are for
    files.
    """

    dataset: str | None = None
    data: str | Path | None = None
    text_cols: tuple[str, ...] = ()
    label_col: str | None = None
    label_threshold: float | None = None

    @property
    def name(self) -> str:
        """How reports name the source: the dataset's name or the file's path."""
        return self.dataset if self.dataset is not None else str(self.data or "chainbreaker")

    def load(self, *, both_classes: bool = True) -> tuple[LabeledData, dict]:
        """The labeled data and its provenance (see :func:`load_labeled`)."""
        if self.dataset is not None:  # a built-in dataset's own columns
            return load_labeled(dataset=self.dataset, both_classes=both_classes)
        if self.data is None:
            return load_labeled(dataset="chainbreaker", both_classes=both_classes)
        return load_labeled(data=self.data, text_cols=self.text_cols or None,
                            label_col=self.label_col, label_threshold=self.label_threshold,
                            both_classes=both_classes)


def parse_data_option(value: str, *, text_cols: Sequence[str] = (),
                      label_col: str | None = None,
                      label_threshold: float | None = None) -> DataSource:
    """A ``--data`` value: ``PATH``, or ``PATH?text=A+B&label=COL&threshold=X`` for a file
    whose columns differ from the command's ``--text-col`` / ``--label-col`` /
    ``--label-threshold`` (which apply otherwise)."""
    path, _, query = value.partition("?")
    settings = dict(parse_qsl(query, keep_blank_values=True, separator="&")) if query else {}
    unknown = sorted(set(settings) - {"text", "label", "threshold"})
    if unknown or not path:
        raise DataError(f"--data {value!r}: write PATH or PATH?text=A+B&label=COL&threshold=X"
                        + (f" (unknown: {', '.join(unknown)})" if unknown else ""))
    try:
        threshold = float(settings["threshold"]) if "threshold" in settings else label_threshold
    except ValueError:
        raise DataError(f"--data {value!r}: threshold must be a number") from None
    return DataSource(
        data=path,
        text_cols=tuple(settings["text"].replace(" ", "+").split("+")) if "text" in settings
        else tuple(text_cols),
        label_col=settings.get("label", label_col),
        label_threshold=threshold,
    )


def load_sources(sources: Sequence[DataSource]) -> tuple[LabeledData, dict]:
    """Labeled data pooled from several sources, and its provenance.

    One source gives exactly what :meth:`DataSource.load` gives. Several give their rows in
    order, ``source_index`` telling which source each row came from, and a provenance that
    names every source with its own counts (``sources``) besides the totals.
    """
    if len(sources) == 1:
        return sources[0].load()
    names = [s.name for s in sources]
    if len(set(names)) < len(names):
        raise DataError("a source is given twice: " + ", ".join(names))
    parts = [source.load(both_classes=False) for source in sources]
    y = np.concatenate([labeled.y for labeled, _ in parts])
    if len(np.unique(y)) < 2:
        raise DataError("the sources together hold a single class")
    pooled = LabeledData(
        texts=[text for labeled, _ in parts for text in labeled.texts],
        y=y,
        label_mapping={},
        n_rows=sum(labeled.n_rows for labeled, _ in parts),
        n_missing_label=sum(labeled.n_missing_label for labeled, _ in parts),
        source=" + ".join(names),
        levels=None,  # graded labels of different sources are not on one scale
        n_unsure=sum(labeled.n_unsure for labeled, _ in parts),
        source_index=np.repeat(np.arange(len(parts)),
                               [len(labeled.y) for labeled, _ in parts]),
    )
    for (labeled, provenance) in parts:
        provenance["n_used"] = len(labeled.y)
        provenance["n_positive"] = int(labeled.y.sum())
    provenance = {
        "source": pooled.source,
        "sha256": None,
        "n_rows": pooled.n_rows,
        "n_missing_label": pooled.n_missing_label,
        "n_unsure": pooled.n_unsure,
        "sources": [provenance for _, provenance in parts],
    }
    return pooled, provenance


def load_labeled(
    *,
    dataset: str | None = None,
    data: str | Path | None = None,
    text_cols: Sequence[str] | None = None,
    label_col: str | None = None,
    label_threshold: float | None = None,
    both_classes: bool = True,
) -> tuple[LabeledData, dict]:
    """Load labeled ads from a built-in dataset or a file, ready for training.

    Returns the data and its provenance (source, SHA-256, row counts) for the manifest.
    """
    if (dataset is None) == (data is None):
        raise DataError("give either a built-in dataset or a data file, not both or neither")
    if dataset is not None:
        frame = load_dataset(dataset)
        source, digest = dataset, get_dataset_info(dataset).sha256
    else:
        frame = read_table(data)
        source, digest = str(data), sha256_file(Path(data))
    text_cols = list(text_cols or ["text"])
    label_col = label_col or "label"
    labeled = prepare_labeled(frame, text_cols=text_cols, label_col=label_col,
                              label_threshold=label_threshold, source=source,
                              both_classes=both_classes)
    provenance = {
        "source": source,
        "sha256": digest,
        "text_cols": list(text_cols),
        "label_col": label_col,
        "label_threshold": label_threshold,
        "label_mapping": labeled.label_mapping,
        "n_rows": labeled.n_rows,
        "n_missing_label": labeled.n_missing_label,
        "n_unsure": labeled.n_unsure,
    }
    return labeled, provenance
