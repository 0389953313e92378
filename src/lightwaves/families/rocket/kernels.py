"""Numba kernels of the MiniRocket feature family (see :mod:`lightwaves.families.rocket.features`).

A *convolution* is one series representation (the sum of a combination of standardised channels, or its
first difference) convolved with one of the 84 MiniRocket kernels at one dilation, zero padded to the
series length (``z`` as in :mod:`lightwaves.families.paper.kernels`, unscaled; :mod:`lightwaves.kernels`'
convolution with its taps relative to the centre, inlined here by numba, whose cache of this module must be
rebuilt when that changes). A *feature* pools one convolution over
a region (the whole output, or only its valid part ``z[4d : m - 4d]`` that does not touch the padding)
against a bias ``b`` with one of MultiRocket's operators:

- ``ppv``: fraction of ``z > b``;
- ``mpv``: mean of ``z - b`` over the positions where ``z > b`` (0 if there are none);
- ``mipv``: mean position (0 at the start of the region) of ``z > b``, divided by the region length
  (-1 if there are none);
- ``lspv``: longest run of consecutive ``z > b``, divided by the region length.

The valid part of a series too short to have one (``m <= 8d``) is the whole output. Training (every
candidate) and inference (only the selected features) run the same per-case function, so a feature has
bit-for-bit the same value in both, whatever ``n_jobs`` is.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..spec import POOLS, SAFE_ABS  # noqa: F401 - re-exported
from ..spec import KERNEL_POSITIONS
from ...kernels import (
    combined_series,
    convolve,
    convolve_count_above,
    convolve_range,
    nine_tap_sum,
    nine_tap_sum_range,
    run_over_cases,
)


@njit(cache=True)
def _pad(xs, m, d, xp):
    """Zero pad ``xs[:m]`` by ``4d`` on each side into ``xp``."""
    pad = 4 * d
    xp[: m + 8 * d] = 0.0
    xp[pad : pad + m] = xs[:m]


@njit(cache=True)
def _pad_and_sum(xs, m, d, xp, acc):
    """Zero pad ``xs[:m]`` by ``4d`` on each side into ``xp`` and take the nine-tap sum into ``acc``."""
    _pad(xs, m, d, xp)
    nine_tap_sum(xp, m, d, acc)


@njit(cache=True)
def _pool(z, lo, hi, b, op):
    """Pooling operator ``op`` (0 ppv, 1 mpv, 2 mipv, 3 lspv) of ``z[lo:hi]`` against bias ``b``."""
    m = hi - lo
    if m <= 0:
        return -1.0 if op == 2 else 0.0
    r = z[lo:hi]  # a view: indices numba knows are non-negative, so the loops vectorise
    if op == 0:
        cnt = 0
        for t in range(m):
            cnt += r[t] > b
        return cnt / m
    if op == 3:
        best = 0
        run = 0
        for t in range(m):
            if r[t] > b:
                run += 1
                if run > best:
                    best = run
            else:
                run = 0
        return best / m
    cnt = 0
    acc = 0.0
    for t in range(m):
        v = r[t] - b
        if v > 0.0:
            cnt += 1
            acc += v if op == 1 else t
    if cnt == 0:
        return 0.0 if op == 1 else -1.0
    return acc / cnt if op == 1 else acc / cnt / m


@njit(cache=True)
def _pool_all(z, lo, hi, b, vals):
    """All four operators of ``z[lo:hi]`` against ``b`` in one pass, into ``vals`` (same values as
    :func:`_pool`: the same sums in the same order)."""
    m = hi - lo
    if m <= 0:
        vals[0] = 0.0
        vals[1] = 0.0
        vals[2] = -1.0
        vals[3] = 0.0
        return
    r = z[lo:hi]
    cnt = 0
    s = 0.0
    si = 0.0
    best = 0
    run = 0
    for t in range(m):
        v = r[t] - b
        if v > 0.0:
            cnt += 1
            s += v
            si += t
            run += 1
            if run > best:
                best = run
        else:
            run = 0
    vals[0] = cnt / m
    vals[1] = s / cnt if cnt else 0.0
    vals[2] = si / cnt / m if cnt else -1.0
    vals[3] = best / m


@njit(cache=True)
def _region(m, d, valid):
    """(lo, hi) of the pooled region of an output of length ``m`` at dilation ``d``."""
    if valid and m > 8 * d:
        return 4 * d, m - 4 * d
    return 0, m


@njit(cache=True)
def _all_safe(xs, m):
    """Whether every ``|xs[t]| < SAFE_ABS`` (NaN and inf fail): no convolution of the series can
    overflow. No early exit, so the loop vectorises."""
    bad = 0
    for t in range(m):
        bad |= not abs(xs[t]) < SAFE_ABS
    return bad == 0


@njit(cache=True)
def _case_features(
    data, start, n, mean, inv_sd, series_id, combo_off, combo_ch, cdiff, cd, ck, cvalid, positions,
    f_start, f_valid, f_pool, f_bias, f_col, out_row,
):
    """Every feature of one case; convolutions sorted by (series, dilation) share their series work.

    A convolution is computed only over the region its features pool (the nine-tap sum of a dilation
    over the union of its convolutions' regions), and one pooled by a single PPV is counted without
    being stored: every pooled output is the same expression, so the features have the same bits.
    """
    n_conv = ck.shape[0]
    if n_conv == 0:
        return
    maxd = 1
    for j in range(n_conv):
        if cd[j] > maxd:
            maxd = cd[j]
    maxd = min(maxd, max(n, 1))  # a dilation past the series reads only padding: capped, the same outputs
    xs = np.zeros(max(n, 1))
    xp = np.zeros(n + 8 * maxd)
    acc = np.empty(max(n, 1))
    z = np.empty(max(n, 1))
    vals = np.empty(4)
    prev_s = -1
    prev_d = -1
    m = 0
    for j in range(n_conv):
        d = cd[j]
        if series_id[j] != prev_s:
            m = combined_series(data, start, n, mean, inv_sd, combo_ch[combo_off[j] : combo_off[j + 1]], cdiff[j], xs)
            prev_s = series_id[j]
            prev_d = -1
            if not _all_safe(xs, m):
                for q in range(f_col.shape[0]):
                    out_row[f_col[q]] = np.nan
                return
        if d != prev_d:
            group_valid = True  # every convolution of this (series, dilation) pools only its valid part
            j2 = j
            while group_valid and j2 < n_conv and series_id[j2] == series_id[j] and cd[j2] == d:
                group_valid = cvalid[j2] != 0
                j2 += 1
            glo, ghi = _region(m, d, group_valid)
            dc = min(d, max(m, 1))  # every tap but the centre's in the padding either way: the same sums
            _pad(xs, m, dc, xp)
            nine_tap_sum_range(xp, glo, ghi, dc, acc)
            prev_d = d
        q0 = f_start[j]
        q_end = f_start[j + 1]
        clo, chi = _region(m, d, cvalid[j] != 0)
        if q_end == q0 + 1 and f_pool[q0] == 0:  # one PPV: count, nothing stored
            out_row[f_col[q0]] = (
                convolve_count_above(xp, clo, chi, dc, positions[ck[j]], acc, f_bias[q0]) / (chi - clo)
                if chi > clo else 0.0
            )
            continue
        convolve_range(xp, clo, chi, dc, positions[ck[j]], acc, z)
        shared = False  # vals holds all four operators of the current (region, bias)
        for q in range(q0, q_end):
            lo, hi = _region(m, d, f_valid[q])
            same_next = q + 1 < q_end and f_bias[q + 1] == f_bias[q] and f_valid[q + 1] == f_valid[q]
            if same_next and not shared:
                _pool_all(z, lo, hi, f_bias[q], vals)
                shared = True
            if shared:
                out_row[f_col[q]] = vals[f_pool[q]]
            else:
                out_row[f_col[q]] = _pool(z, lo, hi, f_bias[q], f_pool[q])
            if not same_next:
                shared = False


@njit(cache=True)
def _serial(data, offsets, lengths, mean, inv_sd, sid, coff, cch, cdiff, cd, ck, cvalid, positions,
            fs, fv, fp, fb, fc, out):
    for i in range(offsets.shape[0]):
        _case_features(data, offsets[i], lengths[i], mean, inv_sd, sid, coff, cch, cdiff, cd, ck, cvalid,
                       positions, fs, fv, fp, fb, fc, out[i])


@njit(cache=True, parallel=True)
def _parallel(data, offsets, lengths, mean, inv_sd, sid, coff, cch, cdiff, cd, ck, cvalid, positions,
              fs, fv, fp, fb, fc, out):
    for i in prange(offsets.shape[0]):
        _case_features(data, offsets[i], lengths[i], mean, inv_sd, sid, coff, cch, cdiff, cd, ck, cvalid,
                       positions, fs, fv, fp, fb, fc, out[i])


@njit(cache=True)
def conv_output(data, start, n, mean, inv_sd, channels, diff, d, kernel):
    """The full (padded) convolution output of one case: what biases are drawn from."""
    xs = np.zeros(max(n, 1))
    m = combined_series(data, start, n, mean, inv_sd, channels, diff, xs)
    d = min(d, max(m, 1))  # past the series every tap but the centre's reads padding: the same output
    xp = np.zeros(m + 8 * d)
    acc = np.empty(max(m, 1))
    z = np.empty(m)
    _pad_and_sum(xs, m, d, xp, acc)
    convolve(xp, m, d, KERNEL_POSITIONS[kernel], acc, z)
    return z


@njit(cache=True)
def _quantiles_of(z, q, out):
    """``np.quantile(z, q)`` (numpy's default linear method, bit for bit: the same index arithmetic and
    the same two-sided interpolation) into ``out``. Only the order statistics the quantiles read are
    placed (a partition, not a full sort), so their values are those of the sorted array."""
    n = z.shape[0]
    if q.shape[0] == 0:
        return
    if n == 1:  # numpy returns the one value itself (its sign of zero too: -0.0 + 0.0 * g would be +0.0)
        for i in range(q.shape[0]):
            out[i] = z[0]
        return
    ranks = np.empty(2 * q.shape[0], dtype=np.int64)  # (lower, upper) order statistic of each quantile
    gamma = np.empty(q.shape[0])
    for i in range(q.shape[0]):
        virtual = (n - 1) * q[i]
        lo = np.floor(virtual)
        gamma[i] = virtual - lo
        ranks[2 * i] = min(max(int(lo), 0), n - 1)
        ranks[2 * i + 1] = min(max(int(lo) + 1, 0), n - 1)
    v = np.partition(z, np.unique(ranks))
    for i in range(q.shape[0]):
        a = v[ranks[2 * i]]
        b = v[ranks[2 * i + 1]]
        diff = b - a
        g = gamma[i]
        out[i] = b - diff * (1.0 - g) if g >= 0.5 else a + diff * g


@njit(cache=True)
def fit_biases(data, offsets, lengths, mean, inv_sd, combo_off, combo_ch, cdiff, cd, ck, case_off, cases, q_off, q):
    """Biases of every convolution ``j``: the quantiles ``q[q_off[j]:q_off[j + 1]]`` of its full outputs on
    training cases ``cases[case_off[j]:case_off[j + 1]]``, pooled (zeros when every series is empty)."""
    out = np.zeros(q.shape[0])
    for j in range(ck.shape[0]):
        chans = combo_ch[combo_off[j] : combo_off[j + 1]]
        total = 0
        for c in range(case_off[j], case_off[j + 1]):
            total += max(lengths[cases[c]] - cdiff[j], 0)
        z = np.empty(total)
        at = 0
        for c in range(case_off[j], case_off[j + 1]):
            i = cases[c]
            zi = conv_output(data, offsets[i], lengths[i], mean, inv_sd, chans, cdiff[j], cd[j], ck[j])
            z[at : at + zi.shape[0]] = zi
            at += zi.shape[0]
        if total > 0:
            _quantiles_of(z, q[q_off[j] : q_off[j + 1]], out[q_off[j] : q_off[j + 1]])
    return out


@njit(cache=True)
def _project_case(src, n, n_channels, mean, inv_sd, weights, rows, std, acc, out):
    """Components ``rows`` of one case (``src``: its channels, flat) into ``out`` (component-major)."""
    for c in range(n_channels):  # each channel standardised once
        mu = mean[c]
        isd = inv_sd[c]
        for t in range(n):
            std[c, t] = (src[c * n + t] - mu) * isd
    for r in rows:
        acc[:n] = 0.0
        for c in range(n_channels):
            w = weights[r, c]
            if w == 0.0:
                continue
            s = std[c]
            for t in range(n):
                acc[t] += w * s[t]
        out[r * n : (r + 1) * n] = acc[:n]


@njit(cache=True)
def project_components(data, offsets, lengths, n_channels, mean, inv_sd, weights, rows):
    """``(data, offsets)`` of the cases with their components ``rows`` after their channels (other
    components 0): component ``r`` is the sum over channels ``c`` (ascending, zero weights skipped) of
    ``weights[r, c] * standardised channel c``."""
    n_rows = weights.shape[0]
    out_offsets = np.zeros(offsets.shape[0], dtype=np.int64)
    total = 0
    longest = 0
    for i in range(offsets.shape[0]):
        out_offsets[i] = total
        total += lengths[i] * (n_channels + n_rows)
        longest = max(longest, lengths[i])
    out_data = np.zeros(total)
    std = np.empty((n_channels, longest))
    acc = np.empty(longest)
    for i in range(offsets.shape[0]):
        n = lengths[i]
        src = data[offsets[i] : offsets[i] + n_channels * n]
        dst = out_offsets[i]
        out_data[dst : dst + n_channels * n] = src
        _project_case(src, n, n_channels, mean, inv_sd, weights, rows, std, acc,
                      out_data[dst + n_channels * n : dst + (n_channels + n_rows) * n])
    return out_data, out_offsets


def transform_rocket(coll, mean, inv_sd, plan, n_jobs=1):
    """Features of ``plan`` (a :class:`lightwaves.families.rocket.features.RocketPlan`) for every case.

    Parameters
    ----------
    coll : Collection
        Flattened input (see :mod:`lightwaves.validation`).
    mean, inv_sd : ndarray of shape (coll.n_channels,)
        Per-channel standardisation, indexed by the collection's channel positions.
    plan : RocketPlan
        Convolutions (sorted by series, then dilation) and the features pooled from each.
    n_jobs : int
        numba threads; the result is identical for every value.

    Returns
    -------
    ndarray of shape (n_cases, n_features)
    """
    n = coll.n_cases
    out = np.zeros((n, plan.n_features))
    args = (
        coll.data, coll.offsets, coll.lengths, mean, inv_sd, plan.series_id, plan.combo_offsets,
        plan.combo_channels, plan.diff, plan.dilation, plan.kernel, plan.valid_only, KERNEL_POSITIONS,
        plan.feature_start, plan.valid, plan.pool, plan.bias, plan.column, out,
    )
    return run_over_cases(_serial, _parallel, args, n, n_jobs)
