"""The Hydra family's part of the C export: its tables for :data:`lightwaves.c_templates.SOURCE`."""

from __future__ import annotations

import numpy as np

from ...c_literals import USHORT, arith_reals, check_range, ints
from .features import N_GROUP_KERNELS, N_TAPS, WEIGHT_STEP, WEIGHT_STEPS_MAX


def c_tables(hplan, position, n_before: int, arith: str = "float64"):
    """Template substitutions of the family's groups (``hplan``: the model's
    :class:`~lightwaves.families.hydra.features.HydraPlan` for input holding every training channel, or
    None) and, per group, its selected (kernel, statistic) features and their output columns (after the
    ``n_before`` columns of the paper and MiniRocket families); ``position`` maps a training channel to its
    place among the channels the model reads; the real tables are of the arithmetic ``arith``. Returns ``(substitutions, number of groups)``."""
    n_groups = 0 if hplan is None else int(hplan.dilation.shape[0])
    n_h = 0 if hplan is None else hplan.n_features
    subs = {"N_HGROUP": str(n_groups), "N_HF": str(max(n_h, 1)),
            "N_HCOMBO": str(max(len(hplan.combo_channels) if n_groups else 0, 1)),
            "WORK_N": "17" if n_groups else "6"}
    if n_groups:
        check_range("Hydra-family groups", [n_groups, len(hplan.combo_channels), n_h], USHORT)
        check_range("dilations", hplan.dilation, 2**31 - 1)
        check_range("Hydra-family kernels", hplan.kernel, N_GROUP_KERNELS - 1)
        check_range("Hydra-family statistics", hplan.stat, 1)
        w = np.asarray(hplan.weights, dtype=np.float64)
        if w.shape != (n_groups, N_GROUP_KERNELS, N_TAPS):
            raise ValueError(f"cannot export: Hydra weights of shape {w.shape}, expected "
                             f"{(n_groups, N_GROUP_KERNELS, N_TAPS)}")
        # tap 4's weight multiplies x_4 - x_4 = 0 (taps relative to the centre): not stored
        taps = np.delete(w, N_TAPS // 2, axis=2)
        steps = taps / WEIGHT_STEP
        q16 = bool(np.array_equal(steps, np.rint(steps)) and np.abs(steps).max() <= WEIGHT_STEPS_MAX)
        subs.update(
            HY_Q16="1" if q16 else "0",
            HY_W=ints(steps) if q16 else arith_reals(taps, arith, "Hydra kernel weights"),
            HY_COMBO_OFF=ints(hplan.combo_offsets), HY_COMBO=ints(position[hplan.combo_channels]),
            HY_DIFF=ints(hplan.diff), HY_DIL=ints(hplan.dilation),
            HY_FSTART=ints(hplan.feature_start), HF_KERNEL=ints(hplan.kernel), HF_STAT=ints(hplan.stat),
            HF_COL=ints(hplan.column + n_before),
        )
    return subs, n_groups
