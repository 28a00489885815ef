"""Stacking (with the context gate) and row dot products of the compiled core against the
Python reference of ``Rows``: the same arrays, dtype and bits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier import _core
from classifier.features._csr import Rows

pytestmark = pytest.mark.usefixtures("core")


def _rows(draw, n_rows: int, dtype) -> Rows:
    width = draw(st.integers(1, 6))
    dense = np.array(draw(st.lists(st.lists(st.floats(-1e3, 1e3, width=32), min_size=width,
                                            max_size=width), min_size=n_rows, max_size=n_rows)),
                     dtype=dtype).reshape(n_rows, width)
    dense[dense == 0] = 0  # no -0.0: from_dense drops zeros
    return Rows.from_dense(dense)


@st.composite
def blocks(draw) -> list[Rows]:
    n_rows = draw(st.integers(0, 8))
    dtypes = draw(st.lists(st.sampled_from([np.float32, np.float64]), min_size=1, max_size=4))
    return [_rows(draw, n_rows, dtype) for dtype in dtypes]


def _both(compute):
    """``compute()`` on the compiled core, then on the Python reference."""
    core = _core.CORE
    ours = compute()
    _core.CORE = None
    try:
        return ours, compute()
    finally:
        _core.CORE = core


def _same(a: np.ndarray, b: np.ndarray) -> None:
    assert a.dtype == b.dtype and a.shape == b.shape
    assert a.tobytes() == b.tobytes()


@settings(max_examples=200, deadline=None)
@given(blocks(), st.booleans(), st.data())
def test_hstack_and_dot_match_the_reference(parts, gated, data):
    n_rows = parts[0].shape[0]
    scale = (np.array(data.draw(st.lists(st.floats(0, 1), min_size=n_rows, max_size=n_rows)))
             if gated else None)
    ours, reference = _both(lambda: Rows.hstack(parts, scale))
    assert ours.shape == reference.shape
    for name in ("data", "indices", "indptr"):
        _same(getattr(ours, name), getattr(reference, name))
    weights = np.linspace(-2, 3, ours.shape[1])
    _same(*_both(lambda: ours.dot(weights)))


def test_the_gate_scales_all_blocks_but_the_last():
    risk = Rows.from_dense(np.array([[1.0, 2.0], [3.0, 0.0]], dtype=np.float32))
    context = Rows.from_dense(np.array([[-0.5], [-2.0]]))
    X = Rows.hstack([risk, context], np.array([0.5, 0.25]))
    assert X.data.dtype == np.float64
    assert X.data.tolist() == [0.5, 1.0, -0.5, 0.75, -2.0]
    assert X.indices.tolist() == [0, 1, 2, 0, 2]


def test_malformed_rows_raise_instead_of_reading_past_the_arrays(core):
    data, indices = np.ones(2), np.zeros(2, dtype=np.int32)
    with pytest.raises(ValueError, match="indptr"):
        core.hstack([(data, indices, np.array([0, 5], dtype=np.int64), 1)], None)
    with pytest.raises(ValueError, match="weight"):
        core.row_dots(data, np.array([0, 9], dtype=np.int32), np.array([0, 2], dtype=np.int64),
                      np.ones(3))
