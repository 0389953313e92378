"""Numba kernels of the Hydra feature family (see :mod:`lightwaves.families.hydra.features`).

Per case and group: the series (standardised channels summed in combination order, first-differenced if
the group says so), zero padded by ``4d``; the eight outputs ``z_k[t] = w[k, 0] D_0[t] + w[k, 1] D_1[t] +
... + w[k, 8] D_8[t]`` (that order, j = 4 left out) of the taps relative to the centre, ``D_j[t] =
xp[t + jd] - xp[t + 4d]``: the weights sum to zero, so this is the convolution, and a constant stretch of the
series gives eight exact zeros (a tie the first kernel wins, in double and in float alike) instead of
rounding noise; then one pass over time: the first kernel with the largest output
adds it to its soft count, the first kernel with the smallest output adds one to its hard count. Training
(every candidate) and inference (only the selected features) run the same per-case function, so a feature
has the same bits in both, for every ``n_jobs``; :mod:`.numpy_kernels` repeats the arithmetic in numpy.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..spec import SAFE_ABS
from ...kernels import combined_series, run_over_cases


@njit(cache=True)
def _safe(xs, m):
    """Whether every ``|xs[t]| < SAFE_ABS`` (NaN and inf fail)."""
    bad = 0
    for t in range(m):
        bad |= not abs(xs[t]) < SAFE_ABS
    return bad == 0


@njit(cache=True)
def group_counts(xs, m, d, w, xp, D, z, soft, hard):
    """Soft and hard counts of the eight kernels ``w`` (8, 9) on ``xs[:m]`` at dilation ``d`` into ``soft``
    and ``hard`` (8,); ``xp``, ``D`` and ``z`` are scratch of at least ``m + 8d``, ``(8, m)`` and ``(8, m)``.

    The taps relative to the centre are taken once for the eight kernels (``D``); each time point's
    winners are found in a loop without dependencies between time points (it vectorises), and the soft
    sums and hard counts are then added in time order (the C export does the same, in the same order)."""
    for k in range(8):
        soft[k] = 0.0
        hard[k] = 0.0
    if m <= 0:
        return
    pad = 4 * d
    xp[: m + 8 * d] = 0.0
    xp[pad : pad + m] = xs[:m]
    c = xp[pad : pad + m]
    for j in range(9):
        if j == 4:
            continue
        Dj = D[j if j < 4 else j - 1, :m]
        xj = xp[j * d : j * d + m]
        for t in range(m):
            Dj[t] = xj[t] - c[t]
    for k in range(8):
        zk = z[k, :m]
        w0 = w[k, 0]
        D0 = D[0, :m]
        for t in range(m):
            zk[t] = w0 * D0[t]
        for j in range(1, 9):
            if j == 4:
                continue
            wj = w[k, j]
            Dj = D[j if j < 4 else j - 1, :m]
            for t in range(m):
                zk[t] += wj * Dj[t]
    best, kb, kw = D[0, :m], D[1, :m], D[2, :m]  # the taps are spent: their room holds the winners
    for t in range(m):
        b = z[0, t]
        ib = 0.0
        wv = z[0, t]
        iw = 0.0
        for k in range(1, 8):
            v = z[k, t]
            ib = float(k) if v > b else ib
            b = v if v > b else b
            iw = float(k) if v < wv else iw
            wv = v if v < wv else wv
        best[t] = b
        kb[t] = ib
        kw[t] = iw
    nmin = np.zeros(8, dtype=np.int64)
    for t in range(m):
        soft[int(kb[t])] += best[t]
        nmin[int(kw[t])] += 1
    for k in range(8):
        hard[k] = float(nmin[k])


@njit(cache=True)
def _case_features(data, start, n, mean, inv_sd, combo_off, combo_ch, cdiff, cd, weights, f_start, f_kernel,
                   f_stat, f_col, out_row):
    """Every planned feature of one case (groups in plan order, each computed once)."""
    n_groups = cd.shape[0]
    if n_groups == 0:
        return
    maxd = 1
    for g in range(n_groups):
        if cd[g] > maxd:
            maxd = cd[g]
    maxd = min(maxd, max(n, 1))  # a dilation past the series reads only padding: capped, the same outputs
    xs = np.zeros(max(n, 1))
    xp = np.zeros(n + 8 * maxd)
    D = np.empty((8, max(n, 1)))
    z = np.empty((8, max(n, 1)))
    soft = np.empty(8)
    hard = np.empty(8)
    for g in range(n_groups):
        m = combined_series(data, start, n, mean, inv_sd, combo_ch[combo_off[g] : combo_off[g + 1]], cdiff[g], xs)
        if not _safe(xs, m):
            for q in range(f_col.shape[0]):
                out_row[f_col[q]] = np.nan
            return
        group_counts(xs, m, min(cd[g], max(m, 1)), weights[g], xp, D, z, soft, hard)
        for q in range(f_start[g], f_start[g + 1]):
            out_row[f_col[q]] = soft[f_kernel[q]] if f_stat[q] == 0 else hard[f_kernel[q]]


@njit(cache=True)
def _serial(data, offsets, lengths, mean, inv_sd, coff, cch, cdiff, cd, w, fs, fk, fst, fc, out):
    for i in range(offsets.shape[0]):
        _case_features(data, offsets[i], lengths[i], mean, inv_sd, coff, cch, cdiff, cd, w, fs, fk, fst, fc, out[i])


@njit(cache=True, parallel=True)
def _parallel(data, offsets, lengths, mean, inv_sd, coff, cch, cdiff, cd, w, fs, fk, fst, fc, out):
    for i in prange(offsets.shape[0]):
        _case_features(data, offsets[i], lengths[i], mean, inv_sd, coff, cch, cdiff, cd, w, fs, fk, fst, fc, out[i])


def transform_hydra(coll, mean, inv_sd, plan, n_jobs=1):
    """Features of ``plan`` (a :class:`lightwaves.families.hydra.features.HydraPlan`) for every case of
    ``coll``: ``(n_cases, plan.n_features)``; identical for every ``n_jobs`` (numba threads)."""
    n = coll.n_cases
    out = np.zeros((n, plan.n_features))
    args = (coll.data, coll.offsets, coll.lengths, mean, inv_sd, plan.combo_offsets, plan.combo_channels,
            plan.diff, plan.dilation, plan.weights, plan.feature_start, plan.kernel, plan.stat, plan.column, out)
    return run_over_cases(_serial, _parallel, args, n, n_jobs)
