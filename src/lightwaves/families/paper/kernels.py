"""Numba kernels of the LightWaveS transform.

Everything that touches time points lives here. The transform is organised around *triples*
``(channel, dilation, kernel)`` (of the standardised channel or of its first difference): one triple
yields the level-1 features and, optionally, the level-2 features of one series convolved with one
MiniRocket kernel at one dilation (see :mod:`lightwaves.families.paper.plan` for the twelve slots). The training
transform (all triples of a block of channels) and the inference transform (only the selected triples)
run the very same per-case function, so a feature has bit-for-bit the same value in both.

Convolution, as in Dempster's MiniRocket: a kernel has weight 2 at three of nine taps and -1 elsewhere, so
``z = 3 * (x_a + x_b + x_c) - sum_j x_j`` where the nine-tap sum is shared by all 84 kernels of a
dilation. The output is not divided by ``d**1.5`` inside the loops: PPV, the longest positive run and the
mean index of positive values do not depend on a positive scale; max/min |z| and the mean of positive
values are rescaled once at the end (level 2 by ``d**-3`` because its input is already scaled once).
"""

from __future__ import annotations

import threading

import numba
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

#: Offset of the level-2 features in a triple's row of features.
_L2 = len(LEVEL_FEATURES)

# Serialises every call of a ``parallel=True`` function: numba's default (workqueue) threading layer
# must not be entered from several Python threads at once.
_PARALLEL_LOCK = threading.Lock()


# Inner loops index through slices (views) rather than ``xp[t + offset]``: numba cannot prove such an
# index non-negative, and the wraparound check it adds stops LLVM from vectorising the loop.


@njit(cache=True)
def _nine_tap_sum_range(xp, lo, hi, d, acc):
    """``acc[t] = sum_j xp[t + j*d]`` for lo <= t < hi (xp is zero padded by 4*d on each side)."""
    n = hi - lo
    a0 = xp[lo : lo + n]
    a1 = xp[lo + d : lo + d + n]
    a2 = xp[lo + 2 * d : lo + 2 * d + n]
    a3 = xp[lo + 3 * d : lo + 3 * d + n]
    a4 = xp[lo + 4 * d : lo + 4 * d + n]
    a5 = xp[lo + 5 * d : lo + 5 * d + n]
    a6 = xp[lo + 6 * d : lo + 6 * d + n]
    a7 = xp[lo + 7 * d : lo + 7 * d + n]
    a8 = xp[lo + 8 * d : lo + 8 * d + n]
    o = acc[lo:hi]
    for t in range(n):
        o[t] = a0[t] + a1[t] + a2[t] + a3[t] + a4[t] + a5[t] + a6[t] + a7[t] + a8[t]


@njit(cache=True)
def _nine_tap_sum(xp, n, d, acc):
    """``acc[t] = sum_j xp[t + j*d]`` for t < n (xp is zero padded by 4*d on each side)."""
    _nine_tap_sum_range(xp, 0, n, d, acc)


@njit(cache=True)
def _convolve_range(xp, lo, hi, d, pos, acc, z):
    """Unscaled convolution of the padded series with the kernel whose 2s sit at ``pos``, for
    lo <= t < hi only (each output is the same expression whatever the range)."""
    n = hi - lo
    xa = xp[lo + pos[0] * d : lo + pos[0] * d + n]
    xb = xp[lo + pos[1] * d : lo + pos[1] * d + n]
    xc = xp[lo + pos[2] * d : lo + pos[2] * d + n]
    a = acc[lo:hi]
    o = z[lo:hi]
    for t in range(n):
        o[t] = 3.0 * (xa[t] + xb[t] + xc[t]) - a[t]


@njit(cache=True)
def _convolve(xp, n, d, pos, acc, z):
    """Unscaled convolution of the padded series with the kernel whose 2s sit at ``pos``."""
    _convolve_range(xp, 0, n, d, pos, acc, z)


@njit(cache=True)
def _convolve_count_above(xp, lo, hi, d, pos, acc, b):
    """How many outputs of :func:`_convolve_range` over ``[lo, hi)`` exceed ``b``, without storing them
    (the same values, compared one by one: an exact count)."""
    n = hi - lo
    xa = xp[lo + pos[0] * d : lo + pos[0] * d + n]
    xb = xp[lo + pos[1] * d : lo + pos[1] * d + n]
    xc = xp[lo + pos[2] * d : lo + pos[2] * d + n]
    a = acc[lo:hi]
    cnt = 0
    for t in range(n):
        cnt += (3.0 * (xa[t] + xb[t] + xc[t]) - a[t]) > b
    return cnt


#: Public names of the convolution helpers shared with other kernel modules.
nine_tap_sum = _nine_tap_sum
nine_tap_sum_range = _nine_tap_sum_range
convolve = _convolve
convolve_range = _convolve_range
convolve_count_above = _convolve_count_above


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
            _nine_tap_sum(xp, nr, d, acc)
            prev_d = d
        m = (nr + 1) // 2
        scale = 1.0 / (d_true * np.sqrt(d_true))
        pos = positions[tk[j]]
        _convolve(xp, nr, d, pos, acc, z1)
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
            _nine_tap_sum(up, m, d2, acc2)
            _convolve(up, m, d2, pos, acc2, z2)
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


@njit(cache=True)
def channel_sums(data, offsets, lengths, n_channels, sums):
    """Add every value of each channel to ``sums`` (cases in order); returns the time points seen."""
    total = 0
    for i in range(offsets.shape[0]):
        n = lengths[i]
        total += n
        for c in range(n_channels):
            s = offsets[i] + c * n
            for t in range(n):
                sums[c] += data[s + t]
    return total


@njit(cache=True)
def channel_squares(data, offsets, lengths, n_channels, mean, sq):
    """Add the squared deviations from ``mean`` of every value of each channel to ``sq``."""
    for i in range(offsets.shape[0]):
        n = lengths[i]
        for c in range(n_channels):
            s = offsets[i] + c * n
            for t in range(n):
                v = data[s + t] - mean[c]
                sq[c] += v * v


@njit(cache=True)
def _linear_scores(F, coef, intercept, out):
    """``out[i, k] = sum_j F[i, j] * coef[k, j] + intercept[k]``, summed in order j = 0, 1, ...

    A plain loop (no BLAS, no fastmath), so a case's scores have the same bits whatever the batch it
    is in, the machine's BLAS or CPU, and the number of threads.
    """
    n_cases, n_feat = F.shape
    for i in range(n_cases):
        for k in range(coef.shape[0]):
            s = 0.0
            for j in range(n_feat):
                s += F[i, j] * coef[k, j]
            out[i, k] = s + intercept[k]


def linear_scores(F, coef, intercept) -> np.ndarray:
    """Scores of the linear model ``coef`` ``(n_outputs, n_features)`` on features ``F``, in a fixed
    order of summation (see :func:`_linear_scores`): ``(n_cases, n_outputs)``."""
    F = np.ascontiguousarray(F, dtype=np.float64)
    coef = np.ascontiguousarray(coef, dtype=np.float64)
    intercept = np.ascontiguousarray(intercept, dtype=np.float64)
    out = np.empty((F.shape[0], coef.shape[0]))
    _linear_scores(F, coef, intercept, out)
    return out


def resolve_n_jobs(n_jobs: int | None) -> int:
    """Number of numba threads for ``n_jobs`` (None or 1: one; -1: all numba may use)."""
    limit = numba.config.NUMBA_NUM_THREADS
    if n_jobs is None:
        return 1
    if n_jobs < 0:
        return max(1, limit + 1 + n_jobs)
    return max(1, min(int(n_jobs), limit))


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


def run_over_cases(serial, parallel, args, n_cases, n_jobs):
    """Call ``serial(*args)`` or, with several threads and cases, ``parallel(*args)``; return ``args[-1]``.

    Both functions must fill the output (their last argument) one case at a time with the same per-case
    function, so the result does not depend on ``n_jobs``. Calls of the parallel function are serialised
    (see ``_PARALLEL_LOCK``) and numba's thread count is restored afterwards.
    """
    out = args[-1]
    threads = resolve_n_jobs(n_jobs)
    if threads == 1 or n_cases < 2:
        serial(*args)
        return out
    with _PARALLEL_LOCK:
        previous = numba.get_num_threads()
        numba.set_num_threads(threads)
        try:
            parallel(*args)
        finally:
            numba.set_num_threads(previous)
    return out
