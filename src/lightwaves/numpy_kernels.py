"""The inference kernels in plain numpy: the numba kernels' arithmetic, without numba.

This is the ``engine="numpy"`` of :class:`lightwaves.runtime.InferenceState`, for devices where numba
is not installed (or not wanted: no JIT compilation at start-up). Each family's numpy engine
(:mod:`lightwaves.families.paper.numpy_kernels`, :mod:`lightwaves.families.rocket.numpy_kernels`) runs
that family's plans and only re-implements the loops over time points, vectorised over the cases of equal
length, on the primitives here. Every value is computed with the same float64 operations in the same order
as in the numba kernels (sums that numba runs sequentially are taken with ``np.cumsum``, which is
sequential too), so features and scores have the same bits. :func:`softmax_rows` gives both engines'
probabilities.
"""

from __future__ import annotations

import numpy as np


def length_groups(coll):
    """(length, case indices) for every distinct series length of the collection."""
    lengths = np.asarray(coll.lengths, dtype=np.int64)
    for n in np.unique(lengths).tolist():
        yield int(n), np.flatnonzero(lengths == n)


def channel(coll, cases, n, c, mean, inv_sd):
    """Standardised channel ``c`` of ``cases`` (all of length ``n``): ``(len(cases), n)``."""
    idx = coll.offsets[cases][:, None] + c * n + np.arange(n)[None, :]
    return (coll.data[idx] - mean[c]) * inv_sd[c]


def nine_tap_sum(xp, n, d):
    """``acc[:, t] = sum_j xp[:, t + j*d]``, summed in order j = 0..8 (as ``lightwaves.kernels.nine_tap_sum``)."""
    acc = xp[:, 0:n] + xp[:, d : d + n]
    for j in range(2, 9):
        acc = acc + xp[:, j * d : j * d + n]
    return acc


def padded(x, d):
    """``x`` (cases, m) zero padded by ``4d`` on each side."""
    xp = np.zeros((x.shape[0], x.shape[1] + 8 * d))
    xp[:, 4 * d : 4 * d + x.shape[1]] = x
    return xp


def convolve(xp, n, d, pos, acc):
    xa = xp[:, pos[0] * d : pos[0] * d + n]
    xb = xp[:, pos[1] * d : pos[1] * d + n]
    xc = xp[:, pos[2] * d : pos[2] * d + n]
    return 3.0 * (xa + xb + xc) - acc


def longest_run(mask):
    """Longest run of True along axis 1 (0 for an empty row)."""
    if mask.shape[1] == 0:
        return np.zeros(mask.shape[0], dtype=np.int64)
    count = np.cumsum(mask, axis=1)
    reset = np.maximum.accumulate(np.where(mask, 0, count), axis=1)
    return (count - reset).max(axis=1)


def linear_scores(F, coef, intercept) -> np.ndarray:
    """:func:`lightwaves.kernels.linear_scores`: the sums run in order j = 0, 1, ... as there."""
    F = np.ascontiguousarray(F, dtype=np.float64)
    coef = np.ascontiguousarray(coef, dtype=np.float64)
    s = np.zeros((F.shape[0], coef.shape[0]))
    for j in range(F.shape[1]):
        s = s + F[:, j, None] * coef[None, :, j]
    return s + np.asarray(intercept, dtype=np.float64)[None, :]


def softmax_rows(scores, temperature: float) -> np.ndarray:
    """Row-wise ``softmax(scores / temperature)``: every engine's probabilities (numpy's ``exp`` is
    element-wise and the row sums run in order, so a case's probabilities do not depend on its batch)."""
    scores = np.ascontiguousarray(scores, dtype=np.float64)
    e = np.exp((scores - scores.max(axis=1, keepdims=True)) / float(temperature))
    return e / np.cumsum(e, axis=1)[:, -1:]
