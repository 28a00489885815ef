"""Sparse feature rows without SciPy: the CSR arrays scoring needs, and exact row sums.

Scoring builds feature rows from a data-only model with numpy alone (importing SciPy and
scikit-learn would cost seconds of start-up). The arithmetic follows SciPy's and
scikit-learn's C loops operation by operation, so that scores match theirs to the last bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from classifier import _core


@dataclass
class Rows:
    """Feature rows in CSR form: row ``i`` holds ``data[indptr[i]:indptr[i+1]]`` at the
    columns ``indices[...]`` (sorted within a row). Has the attributes of a SciPy CSR matrix
    that scoring reads, and converts to one with :meth:`tocsr`."""

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    shape: tuple[int, int]
    has_sorted_indices: bool = True

    @classmethod
    def from_entries(cls, rows: np.ndarray, columns: np.ndarray, data: np.ndarray,
                     shape: tuple[int, int]) -> Rows:
        """Rows from (row, column, value) entries; repeated entries are summed, as SciPy's
        ``sum_duplicates`` does (in entry order)."""
        n_rows, n_cols = shape
        # Sort by row, then column: two stable sorts, which numpy does in linear time (radix)
        # for 16-bit keys; entries of one (row, column) keep their order.
        order = np.argsort(_narrow(columns, n_cols), kind="stable")
        order = order[np.argsort(_narrow(rows[order], n_rows), kind="stable")]
        rows, columns, values = rows[order], columns[order], data[order]
        new = np.ones(len(order), dtype=bool)
        new[1:] = (rows[1:] != rows[:-1]) | (columns[1:] != columns[:-1])
        if not new.all():
            starts = np.flatnonzero(new)
            values = np.add.reduceat(values, starts) if len(starts) else values[:0]
            rows, columns = rows[starts], columns[starts]
        indptr = np.searchsorted(rows, np.arange(n_rows + 1))
        return cls(values, columns.astype(np.int32), indptr.astype(np.int64), shape)

    @classmethod
    def from_dense(cls, dense: np.ndarray) -> Rows:
        """The non-zero entries of a dense 2-D array, row by row."""
        rows, columns = np.nonzero(dense)
        indptr = np.searchsorted(rows, np.arange(dense.shape[0] + 1))
        return cls(dense[rows, columns], columns.astype(np.int32), indptr.astype(np.int64),
                   dense.shape)

    @classmethod
    def hstack(cls, blocks: list[Rows], scale: np.ndarray | None = None) -> Rows:
        """Blocks side by side, as ``scipy.sparse.hstack(...).tocsr()``: each row holds the
        entries of the first block, then of the second, ...; data in their common type.

        With ``scale`` (one float per row), every entry of each block but the last is
        multiplied by its row's scale, in float64: the context gate (see
        :mod:`classifier.features._context`).
        """
        n_rows = blocks[0].shape[0]
        shape = (n_rows, sum(block.shape[1] for block in blocks))
        core = _core.CORE
        if core is not None and all(_core_arrays(block) for block in blocks):
            data, indices, indptr = core.hstack(
                [(b.data, b.indices, b.indptr, b.shape[1]) for b in blocks],
                None if scale is None else np.ascontiguousarray(scale, dtype=np.float64))
            return cls(data, indices, indptr, shape)
        dtype = np.result_type(*[b.data.dtype for b in blocks])
        counts = np.zeros(n_rows, dtype=np.int64)
        for block in blocks:
            counts += np.diff(block.indptr)
        indptr = np.zeros(n_rows + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        data = np.empty(int(indptr[-1]), dtype=dtype)
        indices = np.empty(int(indptr[-1]), dtype=np.int32)
        filled = indptr[:-1].copy()
        offset = 0
        for block in blocks:
            lengths = np.diff(block.indptr)
            # Position of every entry of the block in the stacked rows.
            within = np.arange(len(block.data)) - np.repeat(block.indptr[:-1], lengths)
            target = np.repeat(filled, lengths) + within
            data[target] = block.data
            indices[target] = block.indices + offset
            filled += lengths
            offset += block.shape[1]
        if scale is not None:
            data = data.astype(np.float64)
            scaled = indices < offset - blocks[-1].shape[1]
            data[scaled] *= np.repeat(np.asarray(scale, np.float64), counts)[scaled]
        return cls(data, indices, indptr, shape)

    def dot(self, weights: np.ndarray) -> np.ndarray:
        """Each row's dot product with ``weights`` (float64), its products added one after
        the other, as SciPy's ``csr_matvec`` does."""
        core = _core.CORE
        if core is not None and _core_arrays(self):
            return core.row_dots(self.data, self.indices, self.indptr,
                                 np.ascontiguousarray(weights, dtype=np.float64))
        return row_sums(self.data.astype(np.float64) * weights[self.indices], self.indptr)

    def take(self, rows: np.ndarray) -> Rows:
        """These rows, in this order."""
        counts = np.diff(self.indptr)[rows]
        starts = self.indptr[:-1][rows]
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        positions = np.repeat(starts - indptr[:-1], counts) + np.arange(int(indptr[-1]))
        return Rows(self.data[positions], self.indices[positions], indptr,
                    (len(rows), self.shape[1]), self.has_sorted_indices)

    def tocsr(self):
        """The SciPy CSR matrix of these rows (imports SciPy)."""
        import scipy.sparse as sp

        return sp.csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)


def _core_arrays(rows: Rows) -> bool:
    """Whether the compiled core takes these arrays as they are (its types, contiguous)."""
    return (rows.data.dtype in (np.float32, np.float64) and rows.indices.dtype == np.int32
            and rows.indptr.dtype == np.int64 and rows.data.flags.c_contiguous
            and rows.indices.flags.c_contiguous and rows.indptr.flags.c_contiguous)


def _narrow(values: np.ndarray, bound: int) -> np.ndarray:
    """``values`` (all below ``bound``) as 16-bit integers when they fit: sorted faster."""
    return values.astype(np.uint16) if bound <= 1 << 16 else values


def row_sums(values: np.ndarray, indptr: np.ndarray, dtype=np.float64) -> np.ndarray:
    """Sum of each CSR row's ``values``, added one after the other in ``dtype``.

    The order of additions is that of a C loop over the row (``sum += v``), as in SciPy's
    ``csr_matvec`` and scikit-learn's row normalisation; numpy's own reductions add pairwise
    and can differ in the last bit. One vectorised step per position in a row.
    """
    counts = np.diff(indptr)
    total = np.zeros(len(counts), dtype=dtype)
    if not len(values):
        return total
    by_length = np.argsort(-counts, kind="stable")
    descending = counts[by_length]
    starts = indptr[:-1][by_length]
    for k in range(int(descending[0])):
        n = int(np.searchsorted(-descending, -k, side="left"))  # rows longer than k
        rows = by_length[:n]
        total[rows] += values[starts[:n] + k]
    return total


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def expit(x: np.ndarray) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-x))``, computed as SciPy's ``expit`` does.

    ``exp`` is the C library's (through :func:`math.exp`), as in SciPy: numpy's vectorised
    ``exp`` may round the last bit differently on some CPUs.
    """
    x = np.asarray(x, dtype=np.float64)
    exp = np.fromiter(map(_exp, (-x).ravel().tolist()), dtype=np.float64, count=x.size)
    return (1.0 / (1.0 + exp)).reshape(x.shape)
