"""Metrics and threshold choice, checked on examples small enough to work out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from classifier import binary_metrics, choose_threshold
from classifier.evaluation._metrics import threshold_for_precision, threshold_max_f1

Y = np.array([0, 0, 1, 1])
SCORES = np.array([0.1, 0.4, 0.35, 0.8])


def test_binary_metrics_by_hand():
    """Ranking metrics and metrics at the threshold match a hand computation."""
    m = binary_metrics(Y, SCORES, 0.5)
    assert m == pytest.approx({
        "n": 4, "positive_rate": 0.5, "roc_auc": 0.75, "average_precision": 5 / 6,
        "threshold": 0.5, "precision": 1.0, "recall": 0.5, "f1": 2 / 3, "flagged_rate": 0.25,
    })


def test_flagged_means_score_at_or_above_threshold():
    """A score equal to the threshold is flagged."""
    m = binary_metrics(Y, SCORES, 0.35)
    assert m["flagged_rate"] == 0.75
    assert m["precision"] == pytest.approx(2 / 3)
    assert m["recall"] == 1.0


def test_nothing_flagged_gives_zero_precision_not_an_error():
    """A threshold above every score flags nothing; precision is 0, without warnings."""
    m = binary_metrics(Y, SCORES, 0.9)
    assert (m["flagged_rate"], m["precision"], m["recall"], m["f1"]) == (0, 0, 0, 0)


def test_metrics_are_plain_floats():
    """Metric values are plain Python numbers, ready for JSON."""
    m = binary_metrics(Y, SCORES, 0.5)
    assert all(type(v) in (int, float) for v in m.values())


@pytest.mark.parametrize(
    ("target", "expected"),
    [(0.9, (0.8, 0.5)), (0.6, (0.35, 1.0)), (0.5, (0.1, 1.0)), (1.01, None)],
)
def test_threshold_for_precision(target, expected):
    """The lowest threshold reaching the target precision, with its recall; None if none."""
    assert threshold_for_precision(Y, SCORES, target) == expected


def test_threshold_max_f1():
    """The threshold with the best F1 (here 0.35: precision 2/3, recall 1)."""
    assert threshold_max_f1(Y, SCORES) == 0.35


def test_choose_threshold_favours_precision():
    """By default the threshold reaches the target precision, and the rule says so."""
    threshold, rule = choose_threshold(Y, SCORES, 0.9)
    assert threshold == 0.8
    assert rule == "lowest threshold with held-out precision >= 0.9"
    assert binary_metrics(Y, SCORES, threshold)["precision"] >= 0.9


@pytest.mark.parametrize("target", [None, 1.01])
def test_choose_threshold_falls_back_to_f1(target):
    """Without a target, or when it cannot be reached, the F1-optimal threshold is used."""
    threshold, rule = choose_threshold(Y, SCORES, target)
    assert threshold == 0.35
    assert rule == "threshold with the highest held-out F1"


def test_choose_threshold_on_many_scores():
    """On noisy scores the chosen threshold reaches the target with the most recall possible."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    scores = np.clip(0.3 * y + rng.normal(0.35, 0.2, 500), 0, 1)
    threshold, _ = choose_threshold(y, scores, 0.8)
    at = binary_metrics(y, scores, threshold)
    assert at["precision"] >= 0.8
    lower = np.sort(scores[scores < threshold])
    for other in lower[-20:]:
        assert binary_metrics(y, scores, other)["precision"] < 0.8
