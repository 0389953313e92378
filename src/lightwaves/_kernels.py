"""Numba kernels of the LightWaveS transform.

Everything that touches time points lives here. The transform is organised around *triples*
``(channel, dilation, kernel)``: one triple yields the four level-1 features and, optionally, the four
level-2 features of one channel convolved with one MiniRocket kernel at one dilation. The training
transform (all triples of a block of channels) and the inference transform (only the selected triples)
run the very same per-case function, so a feature has bit-for-bit the same value in both.

Convolution, as in Dempster's MiniRocket: a kernel has weight 2 at three of nine taps and -1 elsewhere, so
``z = 3 * (x_a + x_b + x_c) - sum_j x_j`` where the nine-tap sum is shared by all 84 kernels of a
dilation. The output is not divided by ``d**1.5`` inside the loops: PPV and the longest positive run do
not depend on a positive scale, and max/min |z| are rescaled once at the end (level 2 by ``d**-3``
because its input is already scaled once).
"""

from __future__ import annotations

import itertools
import threading

import numba
import numpy as np
from numba import njit, prange

#: Positions of the three weight-2 taps of the 84 kernels, in ``itertools.combinations`` order.
KERNEL_POSITIONS = np.array(list(itertools.combinations(range(9), 3)), dtype=np.int64)
N_KERNELS = KERNEL_POSITIONS.shape[0]
#: Features of one level, in output order.
LEVEL_FEATURES = ("ppv", "max", "lspv", "min")
FEATURES_PER_TRIPLE = 2 * len(LEVEL_FEATURES)

# Serialises every call of a ``parallel=True`` function: numba's default (workqueue) threading layer
# must not be entered from several Python threads at once.
_PARALLEL_LOCK = threading.Lock()


def kernel_weights() -> np.ndarray:
    """The 84 MiniRocket kernels as an ``(84, 9)`` array of weights (2 and -1)."""
    w = -np.ones((N_KERNELS, 9))
    for k, pos in enumerate(KERNEL_POSITIONS):
        w[k, pos] = 2.0
    return w


@njit(cache=True)
def _nine_tap_sum(xp, n, d, acc):
    """``acc[t] = sum_j xp[t + j*d]`` for t < n (xp is zero padded by 4*d on each side)."""
    for t in range(n):
        acc[t] = xp[t]
    for j in range(1, 9):
        o = j * d
        for t in range(n):
            acc[t] += xp[t + o]


@njit(cache=True)
def _convolve(xp, n, d, pos, acc, z):
    """Unscaled convolution of the padded series with the kernel whose 2s sit at ``pos``."""
    oa = pos[0] * d
    ob = pos[1] * d
    oc = pos[2] * d
    for t in range(n):
        z[t] = 3.0 * (xp[t + oa] + xp[t + ob] + xp[t + oc]) - acc[t]


@njit(cache=True)
def _four_features(z, m, scale, out, o):
    """PPV, max|z|, longest positive run / m, min|z| of ``z[:m]``, written to ``out[o:o+4]``.

    A run that reaches the last sample counts (the authors' code missed it).
    """
    pos = 0
    run = 0
    best = 0
    mx = 0.0
    mn = np.inf
    for t in range(m):
        v = z[t]
        if v > 0.0:
            pos += 1
            run += 1
            if run > best:
                best = run
        else:
            run = 0
        a = abs(v)
        if a > mx:
            mx = a
        if a < mn:
            mn = a
    out[o] = pos / m
    out[o + 1] = mx * scale
    out[o + 2] = best / m
    out[o + 3] = mn * scale


@njit(cache=True)
def _case_triples(data, start, n, mean, inv_sd, tc, td, tk, tl2, positions, buf):
    """All triple features of one case, into ``buf`` of shape (n_triples, 8).

    ``data[start + c*n : start + (c+1)*n]`` is channel ``c`` of the case. Triples must be sorted by
    (channel, dilation) so the padded series and the nine-tap sum are built once per pair.
    """
    n_triples = tc.shape[0]
    if n_triples == 0:
        return
    maxd = 1
    for j in range(n_triples):
        if td[j] > maxd:
            maxd = td[j]
    m = (n + 1) // 2
    xp = np.zeros(n + 8 * maxd)
    up = np.zeros(m + 8 * maxd)
    acc = np.empty(n)
    z1 = np.empty(n)
    acc2 = np.empty(m)
    z2 = np.empty(m)
    prev_c = -1
    prev_d = -1
    for j in range(n_triples):
        c = tc[j]
        d = td[j]
        if c != prev_c or d != prev_d:
            pad = 4 * d
            xp[: n + 8 * d] = 0.0
            s = start + c * n
            mu = mean[c]
            isd = inv_sd[c]
            for t in range(n):
                xp[pad + t] = (data[s + t] - mu) * isd
            _nine_tap_sum(xp, n, d, acc)
            prev_c = c
            prev_d = d
        scale = 1.0 / (d * np.sqrt(d))
        pos = positions[tk[j]]
        _convolve(xp, n, d, pos, acc, z1)
        _four_features(z1, n, scale, buf[j], 0)
        if tl2[j]:
            pad = 4 * d
            up[: m + 8 * d] = 0.0
            for s2 in range(m):
                up[pad + s2] = abs(z1[2 * s2])
            _nine_tap_sum(up, m, d, acc2)
            _convolve(up, m, d, pos, acc2, z2)
            _four_features(z2, m, scale * scale, buf[j], 4)


@njit(cache=True)
def _one_case(data, offsets, lengths, i, mean, inv_sd, tc, td, tk, tl2, positions, gt, gf, out):
    buf = np.zeros((tc.shape[0], 8))
    _case_triples(data, offsets[i], lengths[i], mean, inv_sd, tc, td, tk, tl2, positions, buf)
    for q in range(gt.shape[0]):
        out[i, q] = buf[gt[q], gf[q]]


@njit(cache=True)
def _transform_serial(data, offsets, lengths, mean, inv_sd, tc, td, tk, tl2, positions, gt, gf, out):
    for i in range(offsets.shape[0]):
        _one_case(data, offsets, lengths, i, mean, inv_sd, tc, td, tk, tl2, positions, gt, gf, out)


@njit(cache=True, parallel=True)
def _transform_parallel(data, offsets, lengths, mean, inv_sd, tc, td, tk, tl2, positions, gt, gf, out):
    for i in prange(offsets.shape[0]):
        _one_case(data, offsets, lengths, i, mean, inv_sd, tc, td, tk, tl2, positions, gt, gf, out)


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
        Flattened input (see :mod:`lightwaves._validation`).
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
        coll.data, coll.offsets, coll.lengths, mean, inv_sd, plan.channel, plan.dilation,
        plan.kernel, plan.level2, KERNEL_POSITIONS, plan.gather_triple, plan.gather_feature, out,
    )
    threads = resolve_n_jobs(n_jobs)
    if threads == 1 or n < 2:
        _transform_serial(*args)
        return out
    with _PARALLEL_LOCK:
        previous = numba.get_num_threads()
        numba.set_num_threads(threads)
        try:
            _transform_parallel(*args)
        finally:
            numba.set_num_threads(previous)
    return out
