"""Selection over pooled feature families: the paper's candidates and the MiniRocket family together.

A ``variant`` names the families: ``"L1"``, ``"L2"``, ``"L1L2"`` (the paper's scattering levels),
``"MR"`` (the MiniRocket family alone) or ``"L1L2+MR"`` (both pooled).

The paper's family keeps its channel-block scan (ANOVA top ``m``, shard-mergeable, see
:func:`lightwaves.selection.scan_channels`); the MiniRocket family's pool is drawn and transformed on
the (subsampled) training cases, optionally cut to its ``m`` best distinct ANOVA candidates. The two
candidate matrices are then selected from together by mRMR, sequential feature detachment or at random.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .rocket.features import RocketFeatures, empty, family_input, fit_components, fit_pool
from .rocket.features import plan_for as rocket_plan_for

# The numba kernels and the selection are imported by the functions that fit, so that reading a model
# (which checks its parameters here) does not import numba.


#: variant -> (paper variant or None, whether the MiniRocket family is used)
VARIANTS = {
    "L1": ("L1", False),
    "L2": ("L2", False),
    "L1L2": ("L1L2", False),
    "MR": (None, True),
    "L1L2+MR": ("L1L2", True),
}


SELECTIONS = ("auto", "mrmr", "detach", "random")
#: Parameters of the families, with the values a model file written before a parameter existed was
#: fitted with (model_io fills them in). The estimators' defaults can differ: ``bias_cases`` is 5.
FAMILY_DEFAULTS = {"selection": "auto", "pooling": "ppv", "diff": False, "rocket_budget": 10_000,
                   "detach_step": 0.3, "bias_cases": 1, "components": 0}


def check_family_params(params: dict) -> np.ndarray:
    """Check ``variant`` and the family parameters of an estimator's ``params``; return the paper
    family's extended feature slots (see :func:`lightwaves.families.paper.plan.paper_slots`; none for ``"MR"``)."""
    import numbers

    from .paper.plan import paper_slots
    from .rocket.features import check_pooling

    paper, _ = parse_variant(params.get("variant"))
    selection = params.get("selection", "auto")
    if not isinstance(selection, str) or selection not in SELECTIONS:
        raise ValueError(f"selection must be one of {SELECTIONS}, got {selection!r}")
    check_pooling(params.get("pooling", "ppv"))
    if not isinstance(params.get("diff", False), (bool, np.bool_)):
        raise ValueError(f"diff must be True or False, got {params.get('diff')!r}")
    slots = (paper_slots(paper, params.get("pooling", "ppv"), bool(params.get("diff", False)))
             if paper is not None else np.empty(0, dtype=np.int64))
    budget = params.get("rocket_budget", 10_000)
    if isinstance(budget, bool) or not isinstance(budget, numbers.Integral) or not 84 <= budget <= 10**6:
        raise ValueError(f"rocket_budget must be an integer from 84 to 10**6, got {budget!r}")
    step = params.get("detach_step", 0.3)
    if isinstance(step, bool) or not isinstance(step, numbers.Real) or not 0 < step < 1:
        raise ValueError(f"detach_step must be a number in (0, 1), got {step!r}")
    bias_cases = params.get("bias_cases", 1)
    if isinstance(bias_cases, bool) or not isinstance(bias_cases, numbers.Integral) or not 1 <= bias_cases <= 10**4:
        raise ValueError(f"bias_cases must be an integer from 1 to 10000, got {bias_cases!r}")
    components = params.get("components", 0)
    if components != "auto" and (isinstance(components, bool) or not isinstance(components, numbers.Integral)
                                 or not 0 <= components <= 10**4):
        raise ValueError(f"components must be 'auto' or an integer from 0 to 10000, got {components!r}")
    return slots


def parse_variant(variant):
    """(paper variant or None, uses the MiniRocket family) of ``variant``; ``ValueError`` if unknown."""
    if not isinstance(variant, str) or variant not in VARIANTS:
        raise ValueError(f"variant must be one of {list(VARIANTS)}, got {variant!r}")
    return VARIANTS[variant]


def resolve_selection(selection, variant):
    """``"auto"`` is the paper's mRMR for the paper's variants and detachment with the MiniRocket family."""
    if selection == "auto":
        return "detach" if parse_variant(variant)[1] else "mrmr"
    return selection


def describe_features(feature_ids, dilations, rocket):
    """Names, ``(n, 5)`` table rows and read channels of a fitted selection, paper features first.

    Table rows are as :func:`lightwaves.families.paper.plan.feature_table` (MiniRocket-family rows: first channel of
    the combination, kernel, dilation, level 0, 4 + operator, see :meth:`RocketFeatures.table`).
    """
    from .paper.plan import feature_names, feature_table

    table = feature_table(feature_ids, dilations)
    names = feature_names(feature_ids, dilations)
    channels = np.unique(table[:, 0])
    if rocket is not None and rocket.n_features:
        table = np.concatenate([table, rocket.table()])
        names = names + rocket.names()
        channels = np.union1d(channels, rocket.channels)
    return names, table, channels


def reads_first_difference(feature_ids, dilations, rocket) -> np.ndarray:
    """Whether each feature of a fitted selection (paper features first, as :func:`describe_features`)
    reads the first-difference series (``diff=True``): the one attribute its table row does not hold."""
    from .paper.plan import decode

    paper = decode(feature_ids, len(dilations))[1] == 1
    if rocket is None or not rocket.n_features:
        return paper
    return np.concatenate([paper, np.asarray(rocket.diff)[rocket.feature_conv] != 0])


def feature_kind(row) -> str:
    """The feature name of a table row: ppv, max, lspv, min, mpv, mipv (paper's family, levels 1 and 2)
    or ppv, mpv, mipv, lspv (level 0)."""
    from .spec import FEATURE_CODES, LEVEL_FEATURES, POOLS

    code = int(row[4])
    return POOLS[code - 4] if int(row[3]) == 0 else LEVEL_FEATURES[FEATURE_CODES.index(code)]


@dataclass(frozen=True)
class PooledSelection:
    """Selected paper-family ids, MiniRocket-family features, their ANOVA scores (paper's first), and
    their values on the cases selection saw, in output column order (paper's first): bit for bit what
    the fitted transform computes for those cases."""

    feature_ids: np.ndarray
    rocket: RocketFeatures
    scores: np.ndarray
    n_usable: int
    values: np.ndarray

    @property
    def n_features(self) -> int:
        return int(len(self.feature_ids)) + self.rocket.n_features


#: ``components="auto"``: this many principal components (at most the number of channels) for data with at
#: most :data:`AUTO_COMPONENTS_MAX_CHANNELS` channels, none for more (their cost grows with the square of the
#: number of channels at fit time, and with channels x components per case at inference).
AUTO_COMPONENTS = 32
AUTO_COMPONENTS_MAX_CHANNELS = 64


def resolve_components(components, n_channels: int) -> int:
    """The number of principal components ``components`` asks for on ``n_channels`` channels."""
    if components == "auto":
        return AUTO_COMPONENTS if n_channels <= AUTO_COMPONENTS_MAX_CHANNELS else 0
    return int(components)


def rocket_candidates(coll, codes, n_classes, mean, inv_sd, m, *, pooling, diff, budget, distinct, seed,
                      n_jobs, features=None, bias_cases=1, components=0):
    """The MiniRocket-family pool, its candidate matrix and ANOVA scores, usable columns only.

    With ``components`` (see :func:`resolve_components`), principal components of the channels are fitted
    first (:func:`lightwaves.families.rocket.features.fit_components`) and half of the budget draws combinations of
    them (:func:`lightwaves.families.rocket.features.fit_pool`).

    With ``m``, only the ``m`` best by F-score (ties by position; with ``distinct``, the best of each
    group of affine copies) are kept. Columns come back in rank order. ``features(coll, mean, inv_sd,
    pool)`` computes the candidate matrix (default: in this process; the Dask backend passes
    :func:`lightwaves.distributed.rocket_features_dask`, which gives the same bits).
    """
    from .rocket.kernels import transform_rocket
    from ..selection import ranked_columns

    W = fit_components(coll, mean, inv_sd, resolve_components(components, coll.n_channels))
    coll, mean, inv_sd = family_input(coll, mean, inv_sd, W)
    pool = fit_pool(coll, mean, inv_sd, budget=budget, pooling=pooling, diff=diff, seed=seed,
                    bias_cases=bias_cases, components=W)
    if features is None:
        C = transform_rocket(coll, mean, inv_sd, rocket_plan_for(pool), n_jobs=n_jobs)
    else:
        C = features(coll, mean, inv_sd, pool.over_components())
    order, scores, n_usable = ranked_columns(C, codes, n_classes, distinct)
    if m is not None:
        order = order[:m]
    return pool.subset(order), np.ascontiguousarray(C[:, order]), scores[order], n_usable


def select_pooled(coll, codes, n_classes, mean, inv_sd, k, m, *, scan, dilations, paper, rocket, selection,
                  pooling, diff, budget, step, distinct, seed, n_jobs, rocket_features=None,
                  bias_cases=1, components=0) -> PooledSelection:
    """Candidates of the paper family (if ``paper``) and the MiniRocket family (if ``rocket``), and the
    ``k`` features ``selection`` keeps.

    ``scan(m)`` returns the paper family's top ``m`` (ids, scores, n_usable), as the transformer's
    backend computes them; ``m`` None means ``3 * k`` for it and the whole MiniRocket pool.
    ``rocket_features`` computes the MiniRocket family's candidate matrix (see
    :func:`rocket_candidates`).
    """
    from .paper.kernels import transform_triples
    from .paper.plan import plan_for_ids
    from ..selection import detach, mrmr, random_columns, rank_order

    use_rocket = rocket
    blocks, scores, n_usable = [], [], 0
    ids = np.empty(0, dtype=np.int64)
    if paper:
        ids, s, n = scan(3 * k if m is None else m)
        blocks.append(transform_triples(coll, mean, inv_sd, plan_for_ids(ids, dilations), n_jobs=n_jobs))
        scores.append(s)
        n_usable += n
    rocket = None
    if use_rocket:
        rocket, R, s, n = rocket_candidates(coll, codes, n_classes, mean, inv_sd, m, pooling=pooling,
                                            diff=diff, budget=budget, distinct=distinct, seed=seed,
                                            bias_cases=bias_cases, components=components,
                                            n_jobs=n_jobs, features=rocket_features)
        blocks.append(R)
        scores.append(s)
        n_usable += n
    C = np.concatenate(blocks, axis=1) if len(blocks) > 1 else blocks[0]
    scores = np.concatenate(scores)
    if selection == "mrmr":
        order = rank_order(np.arange(len(scores)), scores)
        chosen = order[mrmr(np.ascontiguousarray(C[:, order]), scores[order], k)]
    elif selection == "detach":
        chosen = detach(C, codes, n_classes, k, step=step)
    else:
        chosen = random_columns(C.shape[1], np.isfinite(scores), k, seed)
    n_paper = len(ids)
    paper = chosen[chosen < n_paper]
    rest = chosen[chosen >= n_paper] - n_paper
    rocket = empty() if rocket is None else rocket.subset(rest)
    values = np.ascontiguousarray(np.concatenate([C[:, paper], C[:, rest + n_paper]], axis=1))
    return PooledSelection(ids[paper], rocket, np.concatenate([scores[paper], scores[rest + n_paper]]),
                           n_usable, values)
