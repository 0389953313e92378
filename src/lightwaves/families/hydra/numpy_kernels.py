"""The Hydra family's transform in plain numpy (the ``engine="numpy"`` of
:mod:`lightwaves.families.hydra.kernels`: the same operations in the same order, the same bits)."""

from __future__ import annotations

import numpy as np

from ...numpy_kernels import channel, length_groups, padded
from ..spec import safe_abs


def group_counts(xs, d, w):
    """Soft and hard counts ``(cases, 8)`` each of the kernels ``w`` (8, 9) on the series ``xs``
    ``(cases, m)`` at dilation ``d`` (:func:`lightwaves.families.hydra.kernels.group_counts`)."""
    rows, m = xs.shape
    dt = xs.dtype
    if m == 0:
        return np.zeros((rows, 8), dtype=dt), np.zeros((rows, 8), dtype=dt)
    xp = padded(xs, d)
    c = xp[:, None, 4 * d : 4 * d + m]  # taps relative to the centre, as the numba kernel
    z = w[None, :, 0, None] * (xp[:, None, 0:m] - c)
    for j in (1, 2, 3, 5, 6, 7, 8):
        z = z + w[None, :, j, None] * (xp[:, None, j * d : j * d + m] - c)
    best = z.argmax(axis=1)  # the first largest, as the numba loop's strict comparison
    worst = z.argmin(axis=1)
    top = np.take_along_axis(z, best[:, None, :], axis=1)[:, 0, :]
    soft = np.empty((rows, 8), dtype=dt)
    hard = np.empty((rows, 8), dtype=dt)
    zero = np.zeros((rows, 1), dtype=dt)
    for k in range(8):  # sequential sums from 0.0, in time order, as the numba loop
        soft[:, k] = np.cumsum(np.concatenate([zero, np.where(best == k, top, dt.type(0.0))], axis=1), axis=1)[:, -1]
        hard[:, k] = np.count_nonzero(worst == k, axis=1)
    return soft, hard


def transform_hydra(coll, mean, inv_sd, plan, n_jobs=1):
    """:func:`lightwaves.families.hydra.kernels.transform_hydra` without numba (``n_jobs`` is ignored)."""
    dt = np.asarray(mean).dtype  # float64, or float32 for the float32 arithmetic (plan.weights float32 too)
    out = np.zeros((coll.n_cases, plan.n_features), dtype=dt)
    for n, cases in length_groups(coll):
        bad = np.zeros(len(cases), dtype=bool)
        for g in range(plan.dilation.shape[0]):
            xs = np.zeros((len(cases), n), dtype=dt)
            for c in plan.combo_channels[plan.combo_offsets[g] : plan.combo_offsets[g + 1]].tolist():
                xs += channel(coll, cases, n, c, mean, inv_sd)
            if plan.diff[g]:
                xs = xs[:, 1:] - xs[:, :-1]
            bad |= ~(np.abs(xs) < safe_abs(dt)).all(axis=1)
            d = min(int(plan.dilation[g]), max(xs.shape[1], 1))  # past the series: capped, the same outputs
            soft, hard = group_counts(xs, d, plan.weights[g])
            for q in range(plan.feature_start[g], plan.feature_start[g + 1]):
                out[cases, plan.column[q]] = (soft if plan.stat[q] == 0 else hard)[:, plan.kernel[q]]
        out[cases[bad]] = np.nan
    return out
