"""The inference kernels in plain numpy: the numba kernels' arithmetic, without numba.

This is the ``engine="numpy"`` of :class:`lightwaves.runtime.InferenceState`, for devices where numba
is not installed (or not wanted: no JIT compilation at start-up). It runs the plans of
:func:`lightwaves.families.paper.plan.plan_for_ids` and :func:`lightwaves.families.rocket.features.plan_for` (the one definition
of which features a model computes) and only re-implements the loops over time points, vectorised over
the cases of equal length. Every value is computed with the same float64 operations in the same order as
in :mod:`lightwaves.families.paper.kernels` and :mod:`lightwaves.families.rocket.kernels` (sums that numba runs sequentially are
taken with ``np.cumsum``, which is sequential too), so features and scores have the same bits.
:func:`softmax_rows` gives both engines' probabilities.
"""

from __future__ import annotations

import numpy as np

from .families.spec import (
    FEATURES_PER_TRIPLE,
    KERNEL_POSITIONS,
    LEVEL_FEATURES,
    NEED_L1_MEANS,
    NEED_L1_RUN,
    NEED_L2,
    NEED_L2_MEANS,
    NEED_L2_RUN,
    SAFE_ABS,
)

_L2 = len(LEVEL_FEATURES)


def _length_groups(coll):
    """(length, case indices) for every distinct series length of the collection."""
    lengths = np.asarray(coll.lengths, dtype=np.int64)
    for n in np.unique(lengths).tolist():
        yield int(n), np.flatnonzero(lengths == n)


def _channel(coll, cases, n, c, mean, inv_sd):
    """Standardised channel ``c`` of ``cases`` (all of length ``n``): ``(len(cases), n)``."""
    idx = coll.offsets[cases][:, None] + c * n + np.arange(n)[None, :]
    return (coll.data[idx] - mean[c]) * inv_sd[c]


def _nine_tap_sum(xp, n, d):
    """``acc[:, t] = sum_j xp[:, t + j*d]``, summed in order j = 0..8 (as ``_kernels._nine_tap_sum``)."""
    acc = xp[:, 0:n] + xp[:, d : d + n]
    for j in range(2, 9):
        acc = acc + xp[:, j * d : j * d + n]
    return acc


def _padded(x, d):
    """``x`` (cases, m) zero padded by ``4d`` on each side."""
    xp = np.zeros((x.shape[0], x.shape[1] + 8 * d))
    xp[:, 4 * d : 4 * d + x.shape[1]] = x
    return xp


def _convolve(xp, n, d, pos, acc):
    xa = xp[:, pos[0] * d : pos[0] * d + n]
    xb = xp[:, pos[1] * d : pos[1] * d + n]
    xc = xp[:, pos[2] * d : pos[2] * d + n]
    return 3.0 * (xa + xb + xc) - acc


def _longest_run(mask):
    """Longest run of True along axis 1 (0 for an empty row)."""
    if mask.shape[1] == 0:
        return np.zeros(mask.shape[0], dtype=np.int64)
    count = np.cumsum(mask, axis=1)
    reset = np.maximum.accumulate(np.where(mask, 0, count), axis=1)
    return (count - reset).max(axis=1)


def _four_features(z, scale, with_run):
    """PPV, max|z|*scale, longest positive run / m, min|z|*scale of every row of ``z``: ``(rows, 4)``
    (zeros for an empty output)."""
    m = z.shape[1]
    out = np.zeros((z.shape[0], 4))
    if m == 0:
        return out
    a = np.abs(z)
    out[:, 0] = np.count_nonzero(z > 0.0, axis=1) / m
    out[:, 1] = a.max(axis=1) * scale
    out[:, 2] = _longest_run(z > 0.0) / m if with_run else 0.0
    out[:, 3] = a.min(axis=1) * scale
    return out


def _positive_means(z, scale):
    """Mean of positive values * scale (0 if none) and mean index of positive values / m (-1 if none) of
    every row of ``z``: ``(rows, 2)``, the sums in order as ``_kernels._positive_means``."""
    rows, m = z.shape
    out = np.empty((rows, 2))
    if m == 0:
        out[:, 0], out[:, 1] = 0.0, -1.0
        return out
    pos = z > 0.0
    cnt = np.count_nonzero(pos, axis=1)
    safe = np.maximum(cnt, 1)
    total = np.cumsum(np.where(pos, z, 0.0), axis=1)[:, -1]
    index = (pos * np.arange(m)[None, :]).sum(axis=1).astype(np.float64)  # integers: exact in any order
    out[:, 0] = np.where(cnt > 0, total / safe * scale, 0.0)
    out[:, 1] = np.where(cnt > 0, index / safe / m, -1.0)
    return out


def transform_triples(coll, mean, inv_sd, plan, n_jobs=1, out=None):
    """:func:`lightwaves.families.paper.kernels.transform_triples` without numba (``n_jobs`` is ignored)."""
    n_cases = coll.n_cases
    if out is None:
        out = np.empty((n_cases, plan.gather_triple.shape[0]))
    n_triples = plan.channel.shape[0]
    if n_triples == 0:
        return out
    for n, cases in _length_groups(coll):
        buf = np.zeros((len(cases), n_triples, FEATURES_PER_TRIPLE))
        prev_series = prev_d = None
        for j in range(n_triples):
            c, r, d_true, k, need = (int(v[j]) for v in (plan.channel, plan.diff, plan.dilation, plan.kernel,
                                                          plan.needs))
            if (c, r) != prev_series:
                xs = _channel(coll, cases, n, c, mean, inv_sd)
                if r:
                    xs = xs[:, 1:] - xs[:, :-1]
                prev_series, prev_d = (c, r), None
            nr = xs.shape[1]
            m = (nr + 1) // 2
            d = min(d_true, max(nr, 1))
            if d != prev_d:
                xp = _padded(xs, d)
                acc = _nine_tap_sum(xp, nr, d)
                prev_d = d
            scale = 1.0 / (d_true * np.sqrt(d_true))
            pos = KERNEL_POSITIONS[k]
            z1 = _convolve(xp, nr, d, pos, acc)
            buf[:, j, 0:4] = _four_features(z1, scale, need & NEED_L1_RUN)
            if need & NEED_L1_MEANS:
                buf[:, j, 4:6] = _positive_means(z1, scale)
            if need & NEED_L2:
                d2 = min(d, max(m, 1))
                up = _padded(np.abs(z1[:, 0 : 2 * m : 2]), d2)
                z2 = _convolve(up, m, d2, pos, _nine_tap_sum(up, m, d2))
                buf[:, j, _L2 : _L2 + 4] = _four_features(z2, scale * scale, need & NEED_L2_RUN)
                if need & NEED_L2_MEANS:
                    buf[:, j, _L2 + 4 : _L2 + 6] = _positive_means(z2, scale * scale)
        out[cases] = buf[:, plan.gather_triple, plan.gather_feature]
    return out


def _pool(z, b, op):
    """Pooling operator ``op`` of every row of ``z`` (the pooled region) against bias ``b``."""
    rows, m = z.shape
    if m <= 0:
        return np.full(rows, -1.0 if op == 2 else 0.0)
    above = z > b
    if op == 0:
        return np.count_nonzero(above, axis=1) / m
    if op == 3:
        return _longest_run(above) / m
    v = z - b
    pos = v > 0.0
    cnt = np.count_nonzero(pos, axis=1)
    safe = np.maximum(cnt, 1)
    if op == 1:  # sequential sum of the positive v, as the numba loop
        total = np.cumsum(np.where(pos, v, 0.0), axis=1)[:, -1]
        return np.where(cnt > 0, total / safe, 0.0)
    total = (pos * np.arange(m)[None, :]).sum(axis=1).astype(np.float64)  # integers: exact in any order
    return np.where(cnt > 0, total / safe / m, -1.0)


def transform_rocket(coll, mean, inv_sd, plan, n_jobs=1):
    """:func:`lightwaves.families.rocket.kernels.transform_rocket` without numba (``n_jobs`` is ignored)."""
    out = np.zeros((coll.n_cases, plan.n_features))
    n_conv = plan.kernel.shape[0]
    if n_conv == 0:
        return out
    for n, cases in _length_groups(coll):
        prev_s = prev_d = None
        bad = np.zeros(len(cases), dtype=bool)  # a series reaches SAFE_ABS: all the case's features are NaN
        for j in range(n_conv):
            d = int(plan.dilation[j])
            if plan.series_id[j] != prev_s:
                xs = np.zeros((len(cases), n))
                for c in plan.combo_channels[plan.combo_offsets[j] : plan.combo_offsets[j + 1]].tolist():
                    xs += _channel(coll, cases, n, c, mean, inv_sd)
                if plan.diff[j]:
                    xs = xs[:, 1:] - xs[:, :-1]
                m = xs.shape[1]
                prev_s, prev_d = plan.series_id[j], None
                bad |= ~(np.abs(xs) < SAFE_ABS).all(axis=1)  # also catches inf and NaN
            if d != prev_d:
                xp = _padded(xs, d)
                acc = _nine_tap_sum(xp, m, d)
                prev_d = d
            z = _convolve(xp, m, d, KERNEL_POSITIONS[plan.kernel[j]], acc)
            for q in range(plan.feature_start[j], plan.feature_start[j + 1]):
                lo, hi = (4 * d, m - 4 * d) if plan.valid[q] and m > 8 * d else (0, m)
                out[cases, plan.column[q]] = _pool(z[:, lo:hi], plan.bias[q], int(plan.pool[q]))
        out[cases[bad]] = np.nan
    return out


def project_components(data, offsets, lengths, n_channels, mean, inv_sd, weights, rows):
    """:func:`lightwaves.families.rocket.kernels.project_components`: the same products, summed in the same order."""
    lengths = np.asarray(lengths, dtype=np.int64)
    out_offsets = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1] * (n_channels + weights.shape[0]), out=out_offsets[1:])
    out_data = np.zeros(int(lengths.sum()) * (n_channels + weights.shape[0]))
    for i in range(offsets.shape[0]):
        n, src, dst = int(lengths[i]), int(offsets[i]), int(out_offsets[i])
        out_data[dst : dst + n_channels * n] = data[src : src + n_channels * n]
        for r in np.asarray(rows).tolist():
            acc = np.zeros(n)
            for c in range(n_channels):
                w = weights[r, c]
                if w != 0.0:
                    acc = acc + w * ((data[src + c * n : src + (c + 1) * n] - mean[c]) * inv_sd[c])
            out_data[dst + (n_channels + r) * n : dst + (n_channels + r + 1) * n] = acc
    return out_data, out_offsets


def linear_scores(F, coef, intercept) -> np.ndarray:
    """:func:`lightwaves.families.paper.kernels.linear_scores`: the sums run in order j = 0, 1, ... as there."""
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
