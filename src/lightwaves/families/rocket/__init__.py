"""The MiniRocket feature family: multichannel kernels pooled against biases drawn from training outputs.

:mod:`.features` holds a fitted pool or selection (:class:`~.features.RocketFeatures`: convolutions and
the features pooled from them, their names, arrays for model files, plans) and how a pool is drawn from
training data (:func:`~.features.fit_pool`, principal components :func:`~.features.fit_components`);
:mod:`.kernels` (numba) and :mod:`.numpy_kernels` compute the features.
"""

from __future__ import annotations

from ..interface import Candidates, parse_variant, ranked_candidates
from .features import RocketFeatures, empty, family_input, fit_components, fit_pool

#: ``components="auto"``: this many principal components (at most the number of channels) for data with at
#: most :data:`AUTO_COMPONENTS_MAX_CHANNELS` channels, none for more (their cost grows with the square of the
#: number of channels at fit time, and with channels x components per case at inference).
AUTO_COMPONENTS = 32
AUTO_COMPONENTS_MAX_CHANNELS = 64
#: Inference cost (``detach_cost``), in convolutions: a convolution, and a feature pooled from it (one
#: pass over its output; about a fifth of a convolution in the C export on the Cortex-M4F).
COST = (1.0, 0.2)


def resolve_components(components, n_channels: int) -> int:
    """The number of principal components ``components`` asks for on ``n_channels`` channels."""
    if components == "auto":
        return AUTO_COMPONENTS if n_channels <= AUTO_COMPONENTS_MAX_CHANNELS else 0
    return int(components)


class RocketFamily:
    """The MiniRocket family behind :class:`lightwaves.families.interface.FeatureFamily`; its fitted
    selection is a :class:`~.features.RocketFeatures`."""

    name = "rocket"

    def used_by(self, variant) -> bool:
        return parse_variant(variant)[1]

    def candidates(self, cases, plan, backend) -> Candidates:
        """The pool drawn on ``cases``, its candidate matrix and ANOVA scores, usable columns only.

        With ``plan.components`` (see :func:`resolve_components`), principal components of the channels
        are fitted first (:func:`~.features.fit_components`) and half of the budget draws combinations of
        them (:func:`~.features.fit_pool`). With ``plan.rocket_pool``, only that many best by F-score
        (ties by position; with ``distinct``, the best of each group of affine copies) are kept. Columns
        come back in rank order; ``backend.rocket_values`` computes the matrix (the Dask backend gives the
        same bits).
        """
        coll, mean, inv_sd = cases.coll, cases.mean, cases.inv_sd
        W = fit_components(coll, mean, inv_sd, resolve_components(plan.components, coll.n_channels))
        coll, mean, inv_sd = family_input(coll, mean, inv_sd, W)
        pool = fit_pool(coll, mean, inv_sd, budget=plan.rocket_budget, pooling=plan.pooling, diff=plan.diff,
                        seed=plan.seed, bias_cases=plan.bias_cases, components=W)
        return ranked_candidates(self.name, backend.rocket_values(coll, mean, inv_sd, pool), pool, cases, plan,
                                 cost=COST)

    def empty(self) -> RocketFeatures:
        return empty()


ROCKET = RocketFamily()
