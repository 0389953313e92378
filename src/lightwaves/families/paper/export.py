"""The paper family's part of the C export: its tables for :data:`lightwaves.c_templates.SOURCE`."""

from __future__ import annotations

import numpy as np

from ...c_literals import arith_reals, check_range, ints
from ..spec import NEED_L2


def c_tables(plan, position, n_paper: int, arith: str = "float64"):
    """Template substitutions of the paper family's triples (``plan``: the model's
    :class:`~lightwaves.families.paper.plan.TriplePlan`) and, per triple, the output columns it fills;
    ``position`` maps a training channel to its place among the channels the model reads; the real tables
    are of the arithmetic ``arith``. Returns
    ``(substitutions, number of triples)``."""
    subs = {}
    # paper family: triples, and per triple the output columns it fills
    n_triples = int(plan.channel.shape[0])
    has_l2 = bool(n_triples and (plan.needs & NEED_L2).any())
    subs.update(N_TRIPLES=str(n_triples), N_PAPER=str(max(n_paper, 1)), HAS_L2="1" if has_l2 else "0",
                L2_WORK="6" if has_l2 else "0")
    if n_triples:
        dil_values, dil_index = np.unique(plan.dilation, return_inverse=True)
        d = dil_values.astype(np.float64)
        scale = np.array([1.0 / (v * np.sqrt(v)) for v in d.tolist()])  # as the numba kernel computes it
        order = np.lexsort((np.arange(n_paper), plan.gather_triple))
        # flag 8: the triple has a level-1 feature other than the run (ppv, max, min)
        l1_used = np.zeros(n_triples, dtype=bool)
        l1_used[plan.gather_triple[np.isin(plan.gather_feature, (0, 1, 3))]] = True
        fstart = np.zeros(n_triples + 1, dtype=np.int64)
        np.cumsum(np.bincount(plan.gather_triple, minlength=n_triples), out=fstart[1:])
        check_range("dilations", dil_values, 2**31 - 1)
        subs.update(
            N_DIL=str(len(dil_values)), DIL=ints(dil_values), DIL_SCALE=arith_reals(scale, arith, "dilation scales"),
            DIL_SCALE2=arith_reals([s * s for s in scale.tolist()], arith, "dilation scales"), TRI_SEL=ints(position[plan.channel]), TRI_DIFF=ints(plan.diff),
            TRI_DIL=ints(dil_index.ravel()), TRI_KERNEL=ints(plan.kernel), TRI_NEEDS=ints(plan.needs | np.where(l1_used, 8, 0)),
            TRI_FSTART=ints(fstart), TF_COL=ints(order), TF_SLOT=ints(plan.gather_feature[order]),
        )
    return subs, n_triples
