"""The MiniRocket family's transform and principal components in plain numpy (the ``engine="numpy"`` of
:mod:`lightwaves.families.rocket.kernels`: same operations, same order, same bits)."""

from __future__ import annotations

import numpy as np

from ...numpy_kernels import channel, convolve, length_groups, longest_run, nine_tap_sum, padded, ratio
from ..spec import KERNEL_POSITIONS, safe_abs


def _pool(z, b, op):
    """Pooling operator ``op`` of every row of ``z`` (the pooled region) against bias ``b``."""
    rows, m = z.shape
    dt = z.dtype
    if m <= 0:
        return np.full(rows, -1.0 if op == 2 else 0.0, dtype=dt)
    above = z > b
    if op == 0:
        return ratio(np.count_nonzero(above, axis=1), m, dt)
    if op == 3:
        return ratio(longest_run(above), m, dt)
    v = z - b
    pos = v > 0.0
    cnt = np.count_nonzero(pos, axis=1)
    safe = np.maximum(cnt, 1).astype(dt)
    if op == 1:  # sequential sum of the positive v, as the numba loop
        total = np.cumsum(np.where(pos, v, dt.type(0.0)), axis=1)[:, -1]
        return np.where(cnt > 0, total / safe, dt.type(0.0))
    total = (pos * np.arange(m)[None, :]).sum(axis=1).astype(dt)  # integers: exact in any order
    return np.where(cnt > 0, total / safe / dt.type(m), dt.type(-1.0))


def transform_rocket(coll, mean, inv_sd, plan, n_jobs=1):
    """:func:`lightwaves.families.rocket.kernels.transform_rocket` without numba (``n_jobs`` is ignored)."""
    dt = np.asarray(mean).dtype  # float64, or float32 for the float32 arithmetic (plan.bias float32 too)
    out = np.zeros((coll.n_cases, plan.n_features), dtype=dt)
    n_conv = plan.kernel.shape[0]
    if n_conv == 0:
        return out
    for n, cases in length_groups(coll):
        prev_s = prev_d = None
        bad = np.zeros(len(cases), dtype=bool)  # a series reaches SAFE_ABS: all the case's features are NaN
        for j in range(n_conv):
            d = int(plan.dilation[j])
            if plan.series_id[j] != prev_s:
                xs = np.zeros((len(cases), n), dtype=dt)
                for c in plan.combo_channels[plan.combo_offsets[j] : plan.combo_offsets[j + 1]].tolist():
                    xs += channel(coll, cases, n, c, mean, inv_sd)
                if plan.diff[j]:
                    xs = xs[:, 1:] - xs[:, :-1]
                m = xs.shape[1]
                prev_s, prev_d = plan.series_id[j], None
                bad |= ~(np.abs(xs) < safe_abs(dt)).all(axis=1)  # also catches inf and NaN
            dc = min(d, max(m, 1))  # as the numba kernel: a dilation past the series, capped (the same outputs)
            if d != prev_d:
                xp = padded(xs, dc)
                acc = nine_tap_sum(xp, m, dc)
                prev_d = d
            z = convolve(xp, m, dc, KERNEL_POSITIONS[plan.kernel[j]], acc)
            for q in range(plan.feature_start[j], plan.feature_start[j + 1]):
                lo, hi = (4 * d, m - 4 * d) if plan.valid[q] and m > 8 * d else (0, m)
                out[cases, plan.column[q]] = _pool(z[:, lo:hi], plan.bias[q], int(plan.pool[q]))
        out[cases[bad]] = np.nan
    return out


def project_components(data, offsets, lengths, n_channels, mean, inv_sd, weights, rows):
    """:func:`lightwaves.families.rocket.kernels.project_components`: the same products, summed in the same order."""
    dt = np.asarray(mean).dtype
    lengths = np.asarray(lengths, dtype=np.int64)
    out_offsets = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1] * (n_channels + weights.shape[0]), out=out_offsets[1:])
    out_data = np.zeros(int(lengths.sum()) * (n_channels + weights.shape[0]), dtype=dt)
    for i in range(offsets.shape[0]):
        n, src, dst = int(lengths[i]), int(offsets[i]), int(out_offsets[i])
        out_data[dst : dst + n_channels * n] = data[src : src + n_channels * n]
        for r in np.asarray(rows).tolist():
            acc = np.zeros(n, dtype=dt)
            for c in range(n_channels):
                w = weights[r, c]
                if w != 0.0:
                    acc = acc + w * ((data[src + c * n : src + (c + 1) * n] - mean[c]) * inv_sd[c])
            out_data[dst + (n_channels + r) * n : dst + (n_channels + r + 1) * n] = acc
    return out_data, out_offsets
