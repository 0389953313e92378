"""Fitted models whose selected features are constructed, not hoped for (issue #21).

Which candidates a fit selects goes through BLAS (mRMR's correlations, detachment's ridge, principal
components), so on another CPU, thread count or batch size a near-tie can go the other way and a selection
that happened to hold, say, every pooling operator may not. A test that needs a code path in the fitted
model builds it with :func:`covering_fit`: the fit runs as usual (candidate pools, ridge, temperature,
storage), except that the features kept are chosen by :func:`covering` to hold every *kind* of candidate
the pool has (:func:`paper_kind`, :func:`rocket_kind`), whatever the scores are. Assertions over the kinds
of the constructed state are then exact on every machine: the kinds present in a pool depend only on the
pool's structure (seeded integer draws, numba ANOVA for the paper family's usable candidates), not on BLAS.

This is the one place that knows how the transformer hands selection its candidates (it replaces
``lightwaves.transformer.select_pooled`` for the duration of one fit, and calls the public-to-the-package
``rocket_candidates`` and ``PooledSelection``): if those move, only this file follows them.
"""

from __future__ import annotations

from contextlib import contextmanager
from unittest import mock

import numpy as np

import lightwaves.transformer as transformer_module
from lightwaves._families import PooledSelection, rocket_candidates
from lightwaves._kernel_spec import FEATURES_PER_TRIPLE, LEVEL_FEATURES
from lightwaves._plan import decode, plan_for_ids

#: Asked of the paper family's scan: every usable (distinct) candidate, in ANOVA rank order.
EVERY_CANDIDATE = 10**9


def paper_kind(ids, n_dilations):
    """``(level, first difference, feature code 0-5)`` of paper-family ids, one row per id."""
    _, rep, _, _, slot = decode(ids, n_dilations)
    per_level = len(LEVEL_FEATURES)
    return np.stack([1 + slot // per_level, rep, slot % per_level], axis=1)


def rocket_kind(rocket):
    """``(operator, first difference, valid part only, reads a principal component)`` of each feature."""
    C = rocket.components.shape[1] if rocket.n_components else None
    conv = rocket.feature_conv
    comp = np.array([C is not None and bool((rocket.combo(int(j)) >= C).any()) for j in conv], dtype=np.int64)
    return np.stack([rocket.pool, rocket.diff[conv], rocket.valid, comp], axis=1).astype(np.int64)


def kinds(rows) -> set:
    """The distinct rows of a kind array, as a set of int tuples."""
    return {tuple(int(v) for v in r) for r in np.asarray(rows).tolist()}


def covering(kind_rows, n):
    """Positions of ``max(n, number of kinds)`` rows: the first row of every kind, then the first others,
    in the order given (rank order, best first), ascending."""
    kind_rows = np.asarray(kind_rows)
    _, first = np.unique(kind_rows, axis=0, return_index=True)
    rest = np.setdiff1d(np.arange(len(kind_rows)), first)
    return np.sort(np.concatenate([first, rest[: max(0, n - len(first))]])).astype(np.int64)


def covering_paper(ids, n_dilations, k):
    """Chooser (see :func:`forced_selection`): a paper-family candidate of every kind, then the best others."""
    return covering(paper_kind(ids, n_dilations), k)


def covering_rocket(pool, k):
    """Chooser: a MiniRocket-family candidate of every kind, then the best others."""
    return covering(rocket_kind(pool), k)


def reading_only(channels):
    """Choosers keeping the best ``k`` candidates that read only ``channels`` (model channels; a principal
    component reads every channel it weighs): ``(choose_paper, choose_rocket)``."""
    allowed = set(int(c) for c in channels)

    def paper(ids, n_dilations, k):
        ch = decode(ids, n_dilations)[0]
        return np.flatnonzero(np.isin(ch, sorted(allowed)))[:k]

    def rocket(pool, k):
        ok = [set(pool.reads(int(j)).tolist()) <= allowed for j in pool.feature_conv]
        return np.flatnonzero(ok)[:k]

    return paper, rocket


def _select_with(choose_paper, choose_rocket):
    def select_pooled(coll, codes, n_classes, mean, inv_sd, k, m, *, scan, dilations, paper, rocket, selection,
                      pooling, diff, budget, step, distinct, seed, n_jobs, rocket_features=None, bias_cases=1,
                      components=0):
        """What ``select_pooled`` returns, with the kept features chosen by the choosers (half of ``k`` per
        family when both are used) among every usable candidate, instead of by ``selection``."""
        from lightwaves._kernels import transform_triples

        k_each = max(1, k // 2) if paper and rocket else k
        ids, values, scores, n_usable = np.empty(0, dtype=np.int64), [], [], 0
        if paper:
            all_ids, s, n = scan(EVERY_CANDIDATE)
            pick = np.asarray(choose_paper(all_ids, len(dilations), k_each), dtype=np.int64)
            ids = all_ids[pick]
            values.append(transform_triples(coll, mean, inv_sd, plan_for_ids(ids, dilations), n_jobs=n_jobs))
            scores.append(s[pick])
            n_usable += n
        kept = transformer_module.empty_rocket()
        if rocket:
            pool, R, s, n = rocket_candidates(coll, codes, n_classes, mean, inv_sd, None, pooling=pooling,
                                              diff=diff, budget=budget, distinct=distinct, seed=seed,
                                              n_jobs=n_jobs, features=rocket_features, bias_cases=bias_cases,
                                              components=components)
            pick = np.asarray(choose_rocket(pool, k_each), dtype=np.int64)
            kept = pool.subset(pick)
            values.append(R[:, pick])
            scores.append(s[pick])
            n_usable += n
        return PooledSelection(ids, kept, np.concatenate(scores), n_usable,
                               np.ascontiguousarray(np.concatenate(values, axis=1)))

    return select_pooled


@contextmanager
def forced_selection(choose_paper=covering_paper, choose_rocket=covering_rocket):
    """Within the block, fits of an estimator with ``selection="random"`` (every variant then goes through
    ``select_pooled``; the paper's variants otherwise take mRMR's own path) keep the candidates the
    choosers return: ``choose_paper(ids, n_dilations, k)`` gets the paper family's usable distinct
    candidates in ANOVA rank order, ``choose_rocket(pool, k)`` the MiniRocket family's (a RocketFeatures,
    same order); each returns positions. Everything else of the fit (pools, values, ridge, calibration,
    storage) is the normal code's."""
    with mock.patch.object(transformer_module, "select_pooled", _select_with(choose_paper, choose_rocket)):
        yield


def covering_fit(estimator, X, y, choosers=None):
    """Fit ``estimator`` (a LightWaveS classifier or transformer) under :func:`forced_selection` (default:
    a feature of every kind its candidate pools hold, see the module docstring); returns it fitted."""
    estimator.set_params(selection="random")
    with forced_selection(*(choosers or (covering_paper, covering_rocket))):
        return estimator.fit(X, y)


def all_paper_kinds(diff=True, pooling="multirocket"):
    """Every paper-family kind of a pool with both levels (MPV/MIPV with ``pooling="multirocket"``)."""
    codes = range(len(LEVEL_FEATURES) if pooling == "multirocket" else 4)
    return {(lv, rep, c) for lv in (1, 2) for rep in ((0, 1) if diff else (0,)) for c in codes}


def all_rocket_kinds(pooling="multirocket", diff=True, components=False):
    ops = range(4) if pooling == "multirocket" else (0,)
    return {(op, d, v, comp) for op in ops for d in ((0, 1) if diff else (0,)) for v in (0, 1)
            for comp in ((0, 1) if components else (0,))}


assert FEATURES_PER_TRIPLE == 2 * len(LEVEL_FEATURES)  # the two levels of paper_kind
