"""The Hydra feature family (Dempster, Schmidt & Webb 2023): groups of eight random kernels competing at
each time point, counted per kernel.

:mod:`.features` holds a fitted pool or selection (:class:`~.features.HydraFeatures`: groups and the
features counted from them, their names, arrays for model files, plans) and how a pool is drawn
(:func:`~.features.fit_pool`); :mod:`.kernels` (numba) and :mod:`.numpy_kernels` compute the features.
"""

from __future__ import annotations

from ..interface import Candidates, parse_variant, ranked_candidates
from .features import HydraFeatures, empty, fit_pool

#: Inference cost (``detach_cost``): a group (its eight kernels over the series and their competition, about
#: ten MiniRocket-family convolutions), and a feature counted from it (nothing more).
COST = (10.0, 0.0)


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
        pool = fit_pool(cases.coll, cases.mean, cases.inv_sd, n_groups=plan.hydra_groups, seed=plan.seed)
        C = backend.hydra_values(cases.coll, cases.mean, cases.inv_sd, pool)
        return ranked_candidates(self.name, C, pool, cases, plan, cost=COST)

    def empty(self) -> HydraFeatures:
        return empty()


HYDRA = HydraFamily()
