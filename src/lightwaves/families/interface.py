"""What every feature family provides, and the variants that name the families a model uses.

A family (:mod:`lightwaves.families.paper`, :mod:`lightwaves.families.rocket`,
:mod:`lightwaves.families.hydra`) turns the selection cases
into :class:`Candidates` (:meth:`FeatureFamily.candidates`): a matrix of candidate features, their ANOVA
scores, and a way back from chosen columns to the family's own fitted selection. Selection
(:func:`lightwaves.pipeline.select_features`) sees only candidate matrices, so it is the same for every
family; a :class:`~lightwaves.pipeline.Backend` decides where a family's heavy steps run (this process or
Dask). Output columns are grouped by family, in the order of :data:`lightwaves.families.FAMILIES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

#: variant -> (paper variant or None, whether the MiniRocket family is used, whether the Hydra family is)
VARIANTS = {
    "L1": ("L1", False, False),
    "L2": ("L2", False, False),
    "L1L2": ("L1L2", False, False),
    "MR": (None, True, False),
    "L1L2+MR": ("L1L2", True, False),
    "H": (None, False, True),
    "MR+H": (None, True, True),
}
SELECTIONS = ("auto", "mrmr", "detach", "random")


def parse_variant(variant):
    """(paper variant or None, uses the MiniRocket family, uses the Hydra family) of ``variant``;
    ``ValueError`` if unknown."""
    if not isinstance(variant, str) or variant not in VARIANTS:
        raise ValueError(f"variant must be one of {list(VARIANTS)}, got {variant!r}")
    return VARIANTS[variant]


def resolve_selection(selection, variant):
    """``"auto"`` is the paper's mRMR for the paper's variants and detachment with the MiniRocket or the
    Hydra family."""
    if selection == "auto":
        return "detach" if any(parse_variant(variant)[1:]) else "mrmr"
    return selection


@dataclass(frozen=True)
class Candidates:
    """One family's candidate features on the selection cases.

    ``values`` is ``(n_cases, n)``: bit for bit what the fitted transform computes for those cases;
    ``scores`` their ANOVA F-scores; ``n_usable`` the non-constant candidates the family saw (before any
    cut to its best); ``take(columns)`` the family's fitted selection of those columns, in that order.
    The inference cost model (weighed by detachment with ``detach_cost``): ``shared[j]`` numbers the
    computation column ``j`` shares with others (its convolution, its Hydra group; None: none shared),
    ``cost`` is (cost of one such computation, a column's own cost), in units of one MiniRocket-family
    convolution.
    """

    family: str
    values: np.ndarray
    scores: np.ndarray
    n_usable: int
    take: Callable[[np.ndarray], object]
    shared: np.ndarray | None = None
    cost: tuple = (1.0, 0.2)


def ranked_candidates(family: str, C: np.ndarray, pool, cases, plan, cost=(1.0, 0.2)) -> Candidates:
    """A drawn pool's :class:`Candidates`: its usable columns of ``C`` in ANOVA rank order (ties by
    position; with ``plan.distinct`` the best of each group of affine copies), cut to the
    ``plan.rocket_pool`` best when set; ``pool.subset`` maps chosen columns back to the family's features,
    ``pool.shared_computation()`` numbers the computations they share, of cost ``cost``."""
    from ..selection import ranked_columns

    order, scores, n_usable = ranked_columns(C, cases.codes, cases.n_classes, plan.distinct)
    if plan.rocket_pool is not None:
        order = order[: plan.rocket_pool]
    pool = pool.subset(order)
    return Candidates(family, np.ascontiguousarray(C[:, order]), scores[order], n_usable, take=pool.subset,
                      shared=pool.shared_computation(), cost=cost)


class FeatureFamily(Protocol):
    """The interface of a feature family (see the module docstring)."""

    #: Key of the family's fitted selection in :class:`lightwaves.pipeline.FittedSelection`.
    name: str

    def used_by(self, variant: str) -> bool:
        """Whether models of ``variant`` draw candidates from this family."""

    def candidates(self, cases, plan, backend) -> Candidates:
        """Candidates on ``cases`` (:class:`lightwaves.pipeline.SelectionCases`) for the checked
        parameters ``plan`` (:class:`lightwaves.pipeline.FitPlan`), heavy steps run by ``backend``."""

    def empty(self):
        """The fitted selection of no feature."""
