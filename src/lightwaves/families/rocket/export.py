"""The MiniRocket family's part of the C export: its tables for :data:`lightwaves.c_templates.SOURCE`."""

from __future__ import annotations

import numpy as np

from ...c_literals import USHORT, arith_reals, check_range, ints, join


def c_tables(rplan, components_read, sel, position, n_paper: int, n_mr: int, arith: str = "float64"):
    """Template substitutions of the family's convolutions and the features pooled from each (columns
    after the paper family's ``n_paper``); the components they read (``components_read``: rows and
    weights, :meth:`lightwaves.runtime.InferenceState.components_read`) come after the selected channels
    ``sel`` (entry ``len(sel) + k``: the k-th component read); the real tables are of the arithmetic
    ``arith``. Returns ``(substitutions, number of
    convolutions)``."""
    subs = {}
    n_conv = 0 if rplan is None else int(rplan.kernel.shape[0])
    rows, weights = components_read
    comp_position = np.full(int(rows.max()) + 1 if len(rows) else 0, -1, dtype=np.int64)
    comp_position[rows] = len(sel) + np.arange(len(rows))
    position_ext = np.concatenate([position, comp_position])
    subs.update(N_COMP=str(len(rows)), COMP_W=join(["{" + arith_reals(w[sel], arith, "principal components") + "}" for w in weights], 1))
    subs.update(N_CONV=str(n_conv), N_MR=str(max(n_mr, 1)),
                N_COMBO=str(max(len(rplan.combo_channels) if n_conv else 0, 1)))
    if n_conv:
        check_range("MiniRocket-family convolutions", [n_conv, len(rplan.combo_channels)], USHORT)
        check_range("dilations", rplan.dilation, 2**31 - 1)
        check_range("pooling operators", rplan.pool, 3)
        subs.update(
            MR_SERIES=ints(rplan.series_id), MR_COMBO_OFF=ints(rplan.combo_offsets),
            MR_COMBO=ints(position_ext[rplan.combo_channels]), MR_DIFF=ints(rplan.diff), MR_DIL=ints(rplan.dilation),
            MR_KERNEL=ints(rplan.kernel), MR_FSTART=ints(rplan.feature_start),
            MR_VALID_ONLY=ints(rplan.valid_only), MF_VALID=ints(rplan.valid),
            MF_POOL=ints(rplan.pool), MF_BIAS=arith_reals(rplan.bias, arith, "MiniRocket-family biases"), MF_COL=ints(rplan.column + n_paper),
        )
    return subs, n_conv
