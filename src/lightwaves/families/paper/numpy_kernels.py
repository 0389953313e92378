"""The paper family's transform in plain numpy (the ``engine="numpy"`` of
:func:`lightwaves.families.paper.kernels.transform_triples`: same operations, same order, same bits)."""

from __future__ import annotations

import numpy as np

from ...numpy_kernels import channel, convolve, length_groups, longest_run, nine_tap_sum, padded, ratio
from ..spec import (
    FEATURES_PER_TRIPLE,
    KERNEL_POSITIONS,
    LEVEL_FEATURES,
    NEED_L1_MEANS,
    NEED_L1_RUN,
    NEED_L2,
    NEED_L2_MEANS,
    NEED_L2_RUN,
)

_L2 = len(LEVEL_FEATURES)


def _four_features(z, scale, with_run):
    """PPV, max|z|*scale, longest positive run / m, min|z|*scale of every row of ``z``: ``(rows, 4)``
    (zeros for an empty output)."""
    m = z.shape[1]
    dt = z.dtype
    out = np.zeros((z.shape[0], 4), dtype=dt)
    if m == 0:
        return out
    a = np.abs(z)
    out[:, 0] = ratio(np.count_nonzero(z > 0.0, axis=1), m, dt)
    out[:, 1] = a.max(axis=1) * scale
    out[:, 2] = ratio(longest_run(z > 0.0), m, dt) if with_run else 0.0
    out[:, 3] = a.min(axis=1) * scale
    return out


def _positive_means(z, scale):
    """Mean of positive values * scale (0 if none) and mean index of positive values / m (-1 if none) of
    every row of ``z``: ``(rows, 2)``, the sums in order as the numba ``_positive_means``."""
    rows, m = z.shape
    dt = z.dtype
    out = np.empty((rows, 2), dtype=dt)
    if m == 0:
        out[:, 0], out[:, 1] = 0.0, -1.0
        return out
    pos = z > 0.0
    cnt = np.count_nonzero(pos, axis=1)
    safe = np.maximum(cnt, 1).astype(dt)
    total = np.cumsum(np.where(pos, z, dt.type(0.0)), axis=1)[:, -1]
    index = (pos * np.arange(m)[None, :]).sum(axis=1).astype(dt)  # integers: exact in any order
    out[:, 0] = np.where(cnt > 0, total / safe * scale, dt.type(0.0))
    out[:, 1] = np.where(cnt > 0, index / safe / dt.type(m), dt.type(-1.0))
    return out


def transform_triples(coll, mean, inv_sd, plan, n_jobs=1, out=None):
    """:func:`lightwaves.families.paper.kernels.transform_triples` without numba (``n_jobs`` is ignored)."""
    n_cases = coll.n_cases
    dt = np.asarray(mean).dtype  # float64, or float32 for the float32 arithmetic
    if out is None:
        out = np.empty((n_cases, plan.gather_triple.shape[0]), dtype=dt)
    n_triples = plan.channel.shape[0]
    if n_triples == 0:
        return out
    for n, cases in length_groups(coll):
        buf = np.zeros((len(cases), n_triples, FEATURES_PER_TRIPLE), dtype=dt)
        prev_series = prev_d = None
        for j in range(n_triples):
            c, r, d_true, k, need = (int(v[j]) for v in (plan.channel, plan.diff, plan.dilation, plan.kernel,
                                                          plan.needs))
            if (c, r) != prev_series:
                xs = channel(coll, cases, n, c, mean, inv_sd)
                if r:
                    xs = xs[:, 1:] - xs[:, :-1]
                prev_series, prev_d = (c, r), None
            nr = xs.shape[1]
            m = (nr + 1) // 2
            d = min(d_true, max(nr, 1))
            if d != prev_d:
                xp = padded(xs, d)
                acc = nine_tap_sum(xp, nr, d)
                prev_d = d
            scale64 = 1.0 / (d_true * np.sqrt(d_true))
            scale, scale2 = dt.type(scale64), dt.type(scale64 * scale64)  # the C tables lw_dil_scale, lw_dil_scale2
            pos = KERNEL_POSITIONS[k]
            z1 = convolve(xp, nr, d, pos, acc)
            buf[:, j, 0:4] = _four_features(z1, scale, need & NEED_L1_RUN)
            if need & NEED_L1_MEANS:
                buf[:, j, 4:6] = _positive_means(z1, scale)
            if need & NEED_L2:
                d2 = min(d, max(m, 1))
                up = padded(np.abs(z1[:, 0 : 2 * m : 2]), d2)
                z2 = convolve(up, m, d2, pos, nine_tap_sum(up, m, d2))
                buf[:, j, _L2 : _L2 + 4] = _four_features(z2, scale2, need & NEED_L2_RUN)
                if need & NEED_L2_MEANS:
                    buf[:, j, _L2 + 4 : _L2 + 6] = _positive_means(z2, scale2)
        out[cases] = buf[:, plan.gather_triple, plan.gather_feature]
    return out
