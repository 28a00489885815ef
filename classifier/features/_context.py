"""Evidence in context: risk features count only where the text is an adult-services ad.

The risk model is trained on adult-services ads only, so on its own it has never seen an
ordinary ad: "she will report to the travel manager" or "fresh roses, available 24/7" hold
indicator words and would score like escort ads. A second, independent linear model, the
*context model*, estimates ``p_ctx = P(adult-services ad | text)``. It was fitted on
adult-services ads (ChainBreaker, both labels) against ordinary classifieds (items for sale,
housing, job postings) by ``scripts/build_context.py`` and ships as data
(``classifier/data/context.json``: terms, coefficients, intercept and provenance; sources in
``context.SOURCES.md``).

The two stages combine linearly in log-odds, so explanations stay exact:

- every risk feature (words, indicators, evidence phrases) is multiplied by ``p_ctx``
  (:func:`gate`): in an ordinary text its evidence fades away;
- a last column holds ``log p_ctx`` with a coefficient fixed at 1, so the score is about
  ``p_ctx * p_risk`` when both are small, and a text without adult-services context scores
  near the floor; ``reasons`` show it as ``context -4.61``.

The context model counts binary word 1-2-grams (not length-normalised): evidence adds up,
and a short text with no telling words stays at the intercept, "no adult-services context".
This module imports no scikit-learn: scoring a saved model uses it as it is.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import json
from pathlib import Path

import numpy as np

from classifier._errors import ModelError
from classifier.features._csr import Rows
from classifier.features._ngrams import TfidfBlock, TfidfSettings

#: The packaged context lexicon, ``classifier/data/<name>.json``.
DEFAULT_LEXICON = "context"


def _lexicon_text(lexicon: str) -> str:
    if lexicon.endswith(".json"):  # a user's lexicon, for experiments
        return Path(lexicon).read_text(encoding="utf-8")
    return importlib.resources.files("classifier").joinpath(
        "data", f"{lexicon}.json").read_text(encoding="utf-8")


@functools.cache
def _lexicon(lexicon: str) -> tuple[TfidfBlock, np.ndarray, float]:
    """The n-gram counter (fixed vocabulary), coefficients and intercept of a lexicon."""
    try:
        data = json.loads(_lexicon_text(lexicon))
        terms, coef, intercept = data["terms"], data["coef"], float(data["intercept"])
        settings = TfidfSettings(ngram_range=tuple(data["ngram_range"]), lowercase=False,
                                 binary=True, use_idf=False, norm=None, dtype="float64")
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"context lexicon {lexicon!r}: missing or malformed ({exc})") from None
    if len(terms) != len(coef):
        raise ModelError(f"context lexicon {lexicon!r}: {len(terms)} terms, {len(coef)} weights")
    return TfidfBlock(list(terms), None, settings), np.asarray(coef, np.float64), intercept


def context_sha256(lexicon: str = DEFAULT_LEXICON) -> str:
    """SHA-256 of a context lexicon's file (a saved model records the one it was built with)."""
    return hashlib.sha256(_lexicon_text(lexicon).encode("utf-8")).hexdigest()


def context_logit(texts: list[str], lexicon: str = DEFAULT_LEXICON) -> np.ndarray:
    """Context log-odds of normalised texts."""
    block, coef, intercept = _lexicon(lexicon)
    return block.presence_dot(texts, coef) + intercept


def log_expit(x: np.ndarray) -> np.ndarray:
    """``log(1 / (1 + exp(-x)))`` without overflow (as SciPy's ``log_expit``)."""
    x = np.asarray(x, dtype=np.float64)
    return np.where(x < 0, x - np.log1p(np.exp(np.minimum(x, 0))),
                    -np.log1p(np.exp(-np.maximum(x, 0))))


def context_rows(texts: list[str], lexicon: str = DEFAULT_LEXICON) -> Rows:
    """One column per text: ``log p_ctx``."""
    return _log_p_rows(context_logit(texts, lexicon))


def words_and_context_rows(words: TfidfBlock, texts: list[str],
                           lexicon: str = DEFAULT_LEXICON) -> tuple[Rows, Rows]:
    """``(words.transform(texts), context_rows(texts, lexicon))``: a word block's rows and
    the context column, their n-grams counted in one pass over the texts (see
    :meth:`TfidfBlock.transform_and_presence_dot`)."""
    block, coef, intercept = _lexicon(lexicon)
    rows, sums = words.transform_and_presence_dot(texts, block, coef)
    return rows, _log_p_rows(sums + intercept)


def _log_p_rows(logit: np.ndarray) -> Rows:
    log_p = log_expit(logit)
    n = len(log_p)
    return Rows(log_p, np.zeros(n, dtype=np.int32), np.arange(n + 1, dtype=np.int64), (n, 1))


def gate(data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, n_columns: int) -> None:
    """Scale each row's risk features by its ``p_ctx``, in place (CSR arrays, float64).

    The last column holds ``log p_ctx`` (see :func:`context_rows`) and is kept as it is.
    """
    last = n_columns - 1
    counts = np.diff(indptr)
    rows = np.repeat(np.arange(len(counts)), counts)
    log_p = np.zeros(len(counts))
    is_context = indices == last
    log_p[rows[is_context]] = data[is_context]
    scale = np.exp(log_p)[rows]
    scale[is_context] = 1.0
    data *= scale


def scales(context: Rows) -> np.ndarray:
    """Each row's ``p_ctx`` from the context block (1 where a row has none): the ``scale``
    of ``Rows.hstack`` that gates the other blocks as :func:`gate` does."""
    log_p = np.zeros(context.shape[0])
    present = np.diff(context.indptr) > 0
    log_p[present] = context.data[context.indptr[:-1][present]]
    return np.exp(log_p)
