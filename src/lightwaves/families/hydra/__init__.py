"""The Hydra feature family (Dempster, Schmidt & Webb 2023): groups of eight random kernels competing at
each time point, counted per kernel.

:mod:`.features` holds a fitted pool or selection (:class:`~.features.HydraFeatures`: groups and the
features counted from them, their names, arrays for model files, plans) and how a pool is drawn
(:func:`~.features.fit_pool`); :mod:`.kernels` (numba) and :mod:`.numpy_kernels` compute the features.
"""

from __future__ import annotations

import numpy as np

from ..interface import Candidates, parse_variant
from .features import HydraFeatures, empty, fit_pool


class HydraFamily:
    """The Hydra family behind :class:`lightwaves.families.interface.FeatureFamily`; its fitted selection is
    a :class:`~.features.HydraFeatures`."""

    name = "hydra"

    def used_by(self, variant) -> bool:
        return parse_variant(variant)[2]

    def candidates(self, cases, plan, backend) -> Candidates:
        """The pool drawn with ``plan.seed`` (``plan.hydra_groups`` groups per dilation), its candidate
        matrix (``backend.hydra_values``; the Dask backend gives the same bits) and ANOVA scores, usable
        columns only, in rank order; with ``plan.rocket_pool`` only that many best are kept (as the
        MiniRocket family)."""
        from ...selection import ranked_columns

        pool = fit_pool(cases.coll, cases.mean, cases.inv_sd, n_groups=plan.hydra_groups, seed=plan.seed)
        C = backend.hydra_values(cases.coll, cases.mean, cases.inv_sd, pool)
        order, scores, n_usable = ranked_columns(C, cases.codes, cases.n_classes, plan.distinct)
        if plan.rocket_pool is not None:
            order = order[: plan.rocket_pool]
        pool = pool.subset(order)
        return Candidates(self.name, np.ascontiguousarray(C[:, order]), scores[order], n_usable,
                          take=pool.subset)

    def empty(self) -> HydraFeatures:
        return empty()


HYDRA = HydraFamily()
