"""Numba primitives shared by the feature families: the nine-tap convolution, channel statistics,
linear scores, and how a transform runs over cases on numba threads.

Convolution, as in Dempster's MiniRocket: a kernel has weight 2 at three of nine taps and -1 elsewhere, so
``z = 3 * (x_a + x_b + x_c) - sum_j x_j`` where the nine-tap sum is shared by all 84 kernels of a
dilation (:mod:`lightwaves.families.paper.kernels` and :mod:`lightwaves.families.rocket.kernels` build
their features on it). The weights sum to zero, so every tap is taken relative to the centre tap
``x_4``: ``D_j = x_j - x_4``, ``z = 3 * (D_a + D_b + D_c) - sum_{j != 4} D_j``. Mathematically the same
convolution; in floating point a constant stretch of the series (flat sensor readings, zero padding of a
zero series) gives exactly 0 (``x - x = 0``), in double and in float alike, where the plain sums leave
rounding noise (``|z| ~ 1e-16``) whose sign and size differ between the two arithmetics. Every loop here sums in a fixed order without fastmath, so results have the same
bits on every CPU and for every number of threads.
"""

from __future__ import annotations

import threading

import numba
import numpy as np
from numba import njit

# Serialises every call of a ``parallel=True`` function: numba's default (workqueue) threading layer
# must not be entered from several Python threads at once.
PARALLEL_LOCK = threading.Lock()


# index non-negative, and the wraparound check it adds stops LLVM from vectorising the loop.


@njit(cache=True)
def nine_tap_sum_range(xp, lo, hi, d, acc):
    """``acc[t] = sum_{j != 4} (xp[t + j*d] - xp[t + 4*d])`` for lo <= t < hi, summed in order
    j = 0, 1, 2, 3, 5, 6, 7, 8 (xp is zero padded by 4*d on each side)."""
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
        c = a4[t]
        o[t] = (a0[t] - c) + (a1[t] - c) + (a2[t] - c) + (a3[t] - c) + (a5[t] - c) + (a6[t] - c) + (a7[t] - c) + (a8[t] - c)


@njit(cache=True)
def nine_tap_sum(xp, n, d, acc):
    """:func:`nine_tap_sum_range` for t < n."""
    nine_tap_sum_range(xp, 0, n, d, acc)


@njit(cache=True)
def convolve_range(xp, lo, hi, d, pos, acc, z):
    """Unscaled convolution of the padded series with the kernel whose 2s sit at ``pos``, for
    lo <= t < hi only (each output is the same expression whatever the range):
    ``3 * ((x_a - x_4) + (x_b - x_4) + (x_c - x_4)) - acc``."""
    n = hi - lo
    xa = xp[lo + pos[0] * d : lo + pos[0] * d + n]
    xb = xp[lo + pos[1] * d : lo + pos[1] * d + n]
    xc = xp[lo + pos[2] * d : lo + pos[2] * d + n]
    x4 = xp[lo + 4 * d : lo + 4 * d + n]
    a = acc[lo:hi]
    o = z[lo:hi]
    for t in range(n):
        c = x4[t]
        o[t] = 3.0 * ((xa[t] - c) + (xb[t] - c) + (xc[t] - c)) - a[t]


@njit(cache=True)
def convolve(xp, n, d, pos, acc, z):
    """Unscaled convolution of the padded series with the kernel whose 2s sit at ``pos``."""
    convolve_range(xp, 0, n, d, pos, acc, z)


@njit(cache=True)
def convolve_count_above(xp, lo, hi, d, pos, acc, b):
    """How many outputs of :func:`convolve_range` over ``[lo, hi)`` exceed ``b``, without storing them
    (the same values, compared one by one: an exact count)."""
    n = hi - lo
    xa = xp[lo + pos[0] * d : lo + pos[0] * d + n]
    xb = xp[lo + pos[1] * d : lo + pos[1] * d + n]
    xc = xp[lo + pos[2] * d : lo + pos[2] * d + n]
    x4 = xp[lo + 4 * d : lo + 4 * d + n]
    a = acc[lo:hi]
    cnt = 0
    for t in range(n):
        c = x4[t]
        cnt += (3.0 * ((xa[t] - c) + (xb[t] - c) + (xc[t] - c)) - a[t]) > b
    return cnt



@njit(cache=True)
def combined_series(data, start, n, mean, inv_sd, channels, diff, xs):
    """Sum of the standardised ``channels`` of one case into ``xs``; its first difference if ``diff`` (the
    input of a MiniRocket-family convolution and of a Hydra group).

    Returns the length of the series written (``n`` or ``n - 1``).
    """
    for t in range(n):
        xs[t] = 0.0
    for c in channels:
        src = data[start + c * n : start + (c + 1) * n]
        mu = mean[c]
        isd = inv_sd[c]
        for t in range(n):
            xs[t] += (src[t] - mu) * isd
    if diff:
        for t in range(n - 1):
            xs[t] = xs[t + 1] - xs[t]
        return max(n - 1, 0)
    return n


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




def run_over_cases(serial, parallel, args, n_cases, n_jobs):
    """Call ``serial(*args)`` or, with several threads and cases, ``parallel(*args)``; return ``args[-1]``.

    Both functions must fill the output (their last argument) one case at a time with the same per-case
    function, so the result does not depend on ``n_jobs``. Calls of the parallel function are serialised
    (see ``PARALLEL_LOCK``) and numba's thread count is restored afterwards.
    """
    out = args[-1]
    threads = resolve_n_jobs(n_jobs)
    if threads == 1 or n_cases < 2:
        serial(*args)
        return out
    with PARALLEL_LOCK:
        previous = numba.get_num_threads()
        numba.set_num_threads(threads)
        try:
            parallel(*args)
        finally:
            numba.set_num_threads(previous)
    return out

