"""The inference kernels in plain numpy: the numba kernels' arithmetic, without numba.

This is the ``engine="numpy"`` of :class:`lightwaves.runtime.InferenceState`, for devices where numba
is not installed (or not wanted: no JIT compilation at start-up). Each family's numpy engine
(:mod:`lightwaves.families.paper.numpy_kernels`, :mod:`lightwaves.families.rocket.numpy_kernels`) runs
that family's plans and only re-implements the loops over time points, vectorised over the cases of equal
length, on the primitives here. Every value is computed with the same float64 operations in the same order
as in the numba kernels (sums that numba runs sequentially are taken with ``np.cumsum``, which is
sequential too), so features and scores have the same bits. :func:`softmax_rows` gives both engines'
probabilities.

The same code runs in single precision when the channel statistics it is given are float32 (the
``arith="float32"`` of :class:`lightwaves.runtime.InferenceState`): every array then holds float32, every
constant is a float32 (numpy's Python-scalar rule keeps ``3.0 * x`` in float32) and every count is
converted to float32 before it is divided, so each value is the float32 operation of the C export's
float32 build (``lightwaves export --arith float32``) in the same order: the same bits.
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
    """``acc[:, t] = sum_{j != 4} (xp[:, t + j*d] - xp[:, t + 4*d])``, summed in order j = 0, 1, 2, 3, 5, 6,
    7, 8 (as ``lightwaves.kernels.nine_tap_sum``)."""
    c = xp[:, 4 * d : 4 * d + n]
    acc = (xp[:, 0:n] - c) + (xp[:, d : d + n] - c)
    for j in (2, 3, 5, 6, 7, 8):
        acc = acc + (xp[:, j * d : j * d + n] - c)
    return acc


def padded(x, d):
    """``x`` (cases, m) zero padded by ``4d`` on each side (same dtype)."""
    xp = np.zeros((x.shape[0], x.shape[1] + 8 * d), dtype=x.dtype)
    xp[:, 4 * d : 4 * d + x.shape[1]] = x
    return xp


def convolve(xp, n, d, pos, acc):
    xa = xp[:, pos[0] * d : pos[0] * d + n]
    xb = xp[:, pos[1] * d : pos[1] * d + n]
    xc = xp[:, pos[2] * d : pos[2] * d + n]
    c = xp[:, 4 * d : 4 * d + n]
    return 3.0 * ((xa - c) + (xb - c) + (xc - c)) - acc


def ratio(count, m, dtype):
    """``count / m`` in ``dtype``: both converted first (for float64, numpy's true division of integers)."""
    return np.asarray(count).astype(dtype) / dtype.type(m)


def longest_run(mask):
    """Longest run of True along axis 1 (0 for an empty row)."""
    if mask.shape[1] == 0:
        return np.zeros(mask.shape[0], dtype=np.int64)
    count = np.cumsum(mask, axis=1)
    reset = np.maximum.accumulate(np.where(mask, 0, count), axis=1)
    return (count - reset).max(axis=1)


def linear_scores_float32(F, center, coef, intercept) -> np.ndarray:
    """Scores in float32 arithmetic: ``sum_j (F_j - center_j) * coef_j`` in order j = 0, 1, ..., from 0,
    then ``+ intercept`` (all float32; the C float32 build's loop). Centring first keeps the sum at the
    scale of the scores: ``coef`` is the folded ridge (ridge weights / feature scale), ``center`` the
    features' training mean and ``intercept`` the ridge's own intercept."""
    F = np.ascontiguousarray(F, dtype=np.float32)
    s = np.zeros((F.shape[0], coef.shape[0]), dtype=np.float32)
    for j in range(F.shape[1]):
        s = s + (F[:, j, None] - center[j]) * coef[None, :, j]
    return s + intercept[None, :]


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
