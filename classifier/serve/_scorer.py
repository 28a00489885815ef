"""Scoring the ads of one request: the values of ``classifier score``, without pandas.

``score_frame`` builds DataFrames for its input and output; for a request of one ad that
costs more than the scoring itself. This module joins each ad's fields as ``join_text``
does and calls :func:`classifier.scoring.score_records`; ``tests/serve/test_request_scorer.py``
checks that the results equal ``score_frame``'s.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio

from classifier.scoring import score_records

if TYPE_CHECKING:
    from classifier import Model


@dataclass(frozen=True)
class AdText:
    """One ad of a request: its id and either a text or a title and/or body."""

    id: Any
    text: str | None = None
    title: str | None = None
    body: str | None = None


def prepare(ad: AdText) -> str:
    """The text scored for ``ad``: ``text``, or ``title`` and ``body`` joined with a newline
    (missing parts as empty strings) and stripped, like ``--text-col title --text-col body``."""
    text = ad.text if ad.text is not None else f"{ad.title or ''}\n{ad.body or ''}"
    return text.strip()


class RequestScorer:
    """Scores lists of ads with one loaded model (see :func:`classifier.scoring.score_records`)."""

    def __init__(self, model: Model):
        self.model = model

    def score(self, ads: Sequence[AdText]) -> list[dict]:
        """One result per ad, in order, with the fields of ``SCORE_COLUMNS``."""
        results = score_records(self.model, [prepare(ad) for ad in ads])
        return [{"id": ad.id, **result} for ad, result in zip(ads, results, strict=True)]

    def warm_up(self) -> None:
        """Score a few texts, so that the first requests do not pay for lazy set-up."""
        samples = ("new in town, sweet young girls, call now 555-0100",
                   "Independent mature companion, screening required ✨ café")
        self.score([AdText(id=i, text=t) for i, t in enumerate(samples)])


class Batcher:
    """Scores the ads of concurrent requests together, one batch at a time, off the loop.

    Scoring a batch has a fixed cost (about 3 ms: the feature union, sparse matrices, input
    checks) that dwarfs one ad's share. While a batch is being scored, the requests that
    arrive wait; the next batch takes all of them (up to ``max_ads`` ads). An idle service
    scores a request at once, so batching adds no delay, and under load the fixed cost is
    paid once per batch instead of once per request. Results do not depend on the batch:
    every ad's features and score are computed from its own text only.
    """

    def __init__(self, scorer: RequestScorer, max_ads: int):
        self.scorer = scorer
        self.max_ads = max_ads
        self._waiting: list[tuple[list[AdText], asyncio.Future]] = []
        self._draining = False

    async def score(self, ads: list[AdText]) -> list[dict]:
        """The results of ``ads``, in order, scored with whatever else is waiting."""
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((ads, future))
        if not self._draining:
            self._draining = True
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch, size = [], 0
                while self._waiting and (not batch
                                         or size + len(self._waiting[0][0]) <= self.max_ads):
                    batch.append(self._waiting.pop(0))
                    size += len(batch[-1][0])
                ads = [ad for request, _ in batch for ad in request]
                try:
                    results = await anyio.to_thread.run_sync(self.scorer.score, ads)
                except Exception as exc:  # every request of the batch gets the error
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                start = 0
                for request, future in batch:
                    if not future.done():  # not cancelled by a client gone away
                        future.set_result(results[start:start + len(request)])
                    start += len(request)
        finally:
            self._draining = False
