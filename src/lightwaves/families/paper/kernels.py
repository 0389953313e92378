"""Numba kernels of the LightWaveS transform.

Everything that touches time points lives here. The transform is organised around *triples*
``(channel, dilation, kernel)`` (of the standardised channel or of its first difference): one triple
yields the level-1 features and, optionally, the level-2 features of one series convolved with one
MiniRocket kernel at one dilation (see :mod:`lightwaves.families.paper.plan` for the twelve slots). The training
transform (all triples of a block of channels) and the inference transform (only the selected triples)
run the very same per-case function, so a feature has bit-for-bit the same value in both.

Convolution is :mod:`lightwaves.kernels`' nine-tap sum shared by all 84 kernels of a dilation (taps
relative to the centre tap since 2026-12-04: numba inlines it here, so numba's cache of this module must be
rebuilt when it changes; an edit to this file does that). The output is not divided by ``d**1.5`` inside the loops: PPV, the longest positive run and the
mean index of positive values do not depend on a positive scale; max/min |z| and the mean of positive
values are rescaled once at the end (level 2 by ``d**-3`` because its input is already scaled once).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..spec import (  # noqa: F401 - re-exported: the kernels' public constants
    FEATURES_PER_TRIPLE,
    KERNEL_POSITIONS,
    LEVEL_FEATURES,
    N_KERNELS,
    NEED_L1_MEANS,
    NEED_L1_RUN,
    NEED_L2,
    NEED_L2_MEANS,
    NEED_L2_RUN,
    PAPER_FEATURES,
    kernel_weights,
)
from ...kernels import convolve, nine_tap_sum, run_over_cases

#: Offset of the level-2 features in a triple's row of features.
_L2 = len(LEVEL_FEATURES)


@njit(cache=True, fastmath=True)
def _abs_extremes(z, m):
    """Count of z > 0, max |z| and min |z| of ``z[:m]``.

    Four interleaved accumulators break the dependency chains (LLVM does not vectorise float max/min
    reductions here). Max, min and counts are exact, so the result does not depend on the order.
    """
    mx0 = mx1 = mx2 = mx3 = 0.0
    mn0 = mn1 = mn2 = mn3 = np.inf
    p0 = p1 = p2 = p3 = 0
    q = m // 4
    for i in range(q):
        t = 4 * i
        v0 = z[t]
        v1 = z[t + 1]
        v2 = z[t + 2]
        v3 = z[t + 3]
        p0 += v0 > 0.0
        p1 += v1 > 0.0
        p2 += v2 > 0.0
        p3 += v3 > 0.0
        a0 = abs(v0)
        a1 = abs(v1)
        a2 = abs(v2)
        a3 = abs(v3)
        mx0 = max(mx0, a0)
        mx1 = max(mx1, a1)
        mx2 = max(mx2, a2)
        mx3 = max(mx3, a3)
        mn0 = min(mn0, a0)
        mn1 = min(mn1, a1)
        mn2 = min(mn2, a2)
        mn3 = min(mn3, a3)
    mx = max(max(mx0, mx1), max(mx2, mx3))
    mn = min(min(mn0, mn1), min(mn2, mn3))
    pos = p0 + p1 + p2 + p3
    for t in range(4 * q, m):
        v = z[t]
        pos += v > 0.0
        a = abs(v)
        mx = max(mx, a)
        mn = min(mn, a)
    return pos, mx, mn


@njit(cache=True)
def _longest_positive_run(z, m):
    """Longest run of consecutive z > 0; a run that reaches the last sample counts."""
    best = 0
    last = -1  # index of the latest z <= 0
    for t in range(m):
        if z[t] <= 0.0:
            if t - last - 1 > best:
                best = t - last - 1
            last = t
    return max(best, m - last - 1)


@njit(cache=True)
def _four_features(z, m, scale, out, o, with_run):
    """PPV, max|z|, longest positive run / m, min|z| of ``z[:m]``, written to ``out[o:o+4]`` (all 0 for
    an empty output).

    The run (the one feature that cannot be vectorised) is skipped unless ``with_run``.
    """
    if m == 0:
        out[o : o + 4] = 0.0
        return
    pos, mx, mn = _abs_extremes(z, m)
    out[o] = pos / m
    out[o + 1] = mx * scale
    out[o + 2] = _longest_positive_run(z, m) / m if with_run else 0.0
    out[o + 3] = mn * scale


@njit(cache=True)
def _positive_means(z, m, scale, out, o):
    """MultiRocket's mean of positive values (times ``scale``; 0 if none) and mean index of positive
    values / m (-1 if none) of ``z[:m]``, written to ``out[o:o+2]``. Sums run in order t = 0, 1, ..."""
    cnt = 0
    s = 0.0
    si = 0.0
    for t in range(m):
        v = z[t]
        if v > 0.0:
            cnt += 1
            s += v
            si += t
    out[o] = s / cnt * scale if cnt else 0.0
    out[o + 1] = si / cnt / m if cnt else -1.0


@njit(cache=True)
def _case_triples(data, start, n, mean, inv_sd, tc, tr, td, tk, tneed, positions, buf):
    """All triple features of one case, into ``buf`` of shape (n_triples, 12).

    ``data[start + c*n : start + (c+1)*n]`` is channel ``c`` of the case; ``tr`` is 1 where a triple
    reads the first difference of its standardised channel (n - 1 values). ``tneed`` flags what each
    triple needs: ``NEED_L1_RUN`` (level-1 longest run), ``NEED_L2`` (level 2), ``NEED_L2_RUN``,
    ``NEED_L1_MEANS`` / ``NEED_L2_MEANS`` (mpv and mipv). Triples must be sorted by (channel,
    representation, dilation) so the padded series and the nine-tap sum are built once per group.
    """
    n_triples = tc.shape[0]
    if n_triples == 0:
        return
    # A tap more than n - 1 samples from the centre reads only padding, so a dilation d >= n gives the
    # same z as dilation n (bit for bit: the same values are summed in the same order). Clamping the
    # dilation used for indexing keeps memory and time bounded by the series length for any dilation.
    maxd = 1
    for j in range(n_triples):
        if td[j] > maxd:
            maxd = td[j]
    maxd = min(maxd, max(n, 1))
    m_max = (n + 1) // 2
    xs = np.empty(max(n, 1))
    xp = np.zeros(n + 8 * maxd)
    up = np.zeros(m_max + 8 * min(maxd, max(m_max, 1)))
    acc = np.empty(max(n, 1))
    z1 = np.empty(max(n, 1))
    acc2 = np.empty(max(m_max, 1))
    z2 = np.empty(max(m_max, 1))
    prev_c = -1
    prev_r = -1
    prev_d = -1
    nr = n
    for j in range(n_triples):
        c = tc[j]
        r = tr[j]
        d_true = td[j]
        if c != prev_c or r != prev_r:
            src = data[start + c * n : start + (c + 1) * n]
            mu = mean[c]
            isd = inv_sd[c]
            for t in range(n):
                xs[t] = (src[t] - mu) * isd
            nr = n
            if r:
                for t in range(n - 1):
                    xs[t] = xs[t + 1] - xs[t]
                nr = max(n - 1, 0)
            prev_c = c
            prev_r = r
            prev_d = -1
        d = min(d_true, max(nr, 1))
        if d != prev_d:
            pad = 4 * d
            xp[: nr + 8 * d] = 0.0
            xp[pad : pad + nr] = xs[:nr]
            nine_tap_sum(xp, nr, d, acc)
            prev_d = d
        m = (nr + 1) // 2
        scale = 1.0 / (d_true * np.sqrt(d_true))
        pos = positions[tk[j]]
        convolve(xp, nr, d, pos, acc, z1)
        need = tneed[j]
        _four_features(z1, nr, scale, buf[j], 0, need & NEED_L1_RUN)
        if need & NEED_L1_MEANS:
            _positive_means(z1, nr, scale, buf[j], PAPER_FEATURES)
        if need & NEED_L2:
            d2 = min(d, max(m, 1))
            pad = 4 * d2
            up[: m + 8 * d2] = 0.0
            dst = up[pad : pad + m]
            for s2 in range(m):
                dst[s2] = abs(z1[2 * s2])
            nine_tap_sum(up, m, d2, acc2)
            convolve(up, m, d2, pos, acc2, z2)
            _four_features(z2, m, scale * scale, buf[j], _L2, need & NEED_L2_RUN)
            if need & NEED_L2_MEANS:
                _positive_means(z2, m, scale * scale, buf[j], _L2 + PAPER_FEATURES)


@njit(cache=True)
def _one_case(data, offsets, lengths, i, mean, inv_sd, tc, tr, td, tk, tneed, positions, gt, gf, out):
    buf = np.zeros((tc.shape[0], FEATURES_PER_TRIPLE))
    _case_triples(data, offsets[i], lengths[i], mean, inv_sd, tc, tr, td, tk, tneed, positions, buf)
    for q in range(gt.shape[0]):
        out[i, q] = buf[gt[q], gf[q]]


@njit(cache=True)
def _transform_serial(data, offsets, lengths, mean, inv_sd, tc, tr, td, tk, tneed, positions, gt, gf, out):
    for i in range(offsets.shape[0]):
        _one_case(data, offsets, lengths, i, mean, inv_sd, tc, tr, td, tk, tneed, positions, gt, gf, out)


@njit(cache=True, parallel=True)
def _transform_parallel(data, offsets, lengths, mean, inv_sd, tc, tr, td, tk, tneed, positions, gt, gf, out):
    for i in prange(offsets.shape[0]):
        _one_case(data, offsets, lengths, i, mean, inv_sd, tc, tr, td, tk, tneed, positions, gt, gf, out)




def transform_triples(coll, mean, inv_sd, plan, n_jobs=1, out=None):
    """Run the transform of ``plan`` over a flat collection.

    Parameters
    ----------
    coll : Collection
        Flattened input (see :mod:`lightwaves.validation`).
    mean, inv_sd : ndarray of shape (coll.n_channels,)
        Per-channel standardisation, indexed by the collection's channel positions.
    plan : TriplePlan
        Triples to compute and the (triple, feature) pairs to gather into the output columns.
    n_jobs : int
        numba threads; the result is identical for every value.
    """
    n = coll.n_cases
    if out is None:
        out = np.empty((n, plan.gather_triple.shape[0]))
    args = (
        coll.data, coll.offsets, coll.lengths, mean, inv_sd, plan.channel, plan.diff, plan.dilation,
        plan.kernel, plan.needs, KERNEL_POSITIONS, plan.gather_triple, plan.gather_feature, out,
    )
    return run_over_cases(_transform_serial, _transform_parallel, args, n, n_jobs)


