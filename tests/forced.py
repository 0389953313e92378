"""Fitted models whose selected features are constructed, not hoped for (issue #21).

Which candidates a fit selects goes through BLAS (mRMR's correlations, detachment's ridge, principal
components), so on another CPU, thread count or batch size a near-tie can go the other way and a selection
that happened to hold, say, every pooling operator may not. A test that needs a code path in the fitted
model builds it with :func:`covering_fit`: the fit runs as usual (candidate pools, ridge, temperature,
storage), except that the features kept are chosen by :func:`covering` to hold every *kind* of candidate
the pool has (:func:`paper_kind`, :func:`rocket_kind`), whatever the scores are. Assertions over the kinds
of the constructed state are then exact on every machine: the kinds present in a pool depend only on the
pool's structure (seeded integer draws, numba ANOVA for the paper family's usable candidates), not on BLAS.

This is the one place that knows how the fit pipeline hands selection its candidates: it replaces two
public steps of :mod:`lightwaves.pipeline` (``scan_candidates``, ``choose_columns``) for the duration of one
fit; if those change, only this file follows them.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace
from unittest import mock

import numpy as np

import lightwaves.pipeline as pipeline
from lightwaves.families.paper.plan import decode
from lightwaves.families.spec import FEATURES_PER_TRIPLE, LEVEL_FEATURES

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


def hydra_kind(hydra):
    """``(statistic, first difference)`` of each Hydra-family feature."""
    return np.stack([hydra.stat, hydra.diff[hydra.group]], axis=1).astype(np.int64)


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


def covering_hydra(pool, k):
    """Chooser: a Hydra-family candidate of every kind, then the best others."""
    return covering(hydra_kind(pool), k)


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

    def hydra(pool, k):
        ok = [set(pool.reads(int(g)).tolist()) <= allowed for g in pool.group]
        return np.flatnonzero(ok)[:k]

    return paper, rocket, hydra


def _pipeline_with(choose_paper, choose_rocket, choose_hydra=covering_hydra):
    """Replacements of the pipeline's :func:`~lightwaves.pipeline.scan_candidates` (every usable candidate
    of each family, no ANOVA cut) and :func:`~lightwaves.pipeline.choose_columns` (the choosers' picks,
    half of ``k`` per family when both are used, instead of ``plan.selection``'s)."""
    real_scan = pipeline.scan_candidates

    def scan_candidates(cases, plan, backend):
        return real_scan(cases, replace(plan, paper_pool=EVERY_CANDIDATE, rocket_pool=None), backend)

    def choose_columns(C, scores, candidates, cases, plan):
        k_each = max(1, plan.n_features // 2) if len(candidates) > 1 else plan.n_features
        chosen, start = [], 0
        for c in candidates:
            everything = c.take(np.arange(c.values.shape[1]))
            if c.family == "paper":
                pick = choose_paper(everything, len(plan.dilations), k_each)
            elif c.family == "hydra":
                pick = choose_hydra(everything, k_each)
            else:
                pick = choose_rocket(everything, k_each)
            chosen.append(start + np.asarray(pick, dtype=np.int64))
            start += c.values.shape[1]
        return np.concatenate(chosen), None

    return scan_candidates, choose_columns


@contextmanager
def forced_selection(choose_paper=covering_paper, choose_rocket=covering_rocket, choose_hydra=covering_hydra):
    """Within the block, fits keep the candidates the choosers return: ``choose_paper(ids, n_dilations, k)``
    gets the paper family's usable distinct candidates in ANOVA rank order, ``choose_rocket(pool, k)`` the
    MiniRocket family's (a RocketFeatures, same order), ``choose_hydra(pool, k)`` the Hydra family's (a
    HydraFeatures); each returns positions. Everything else of the fit
    (pools, values, ridge, calibration, storage) is the normal code's (:mod:`lightwaves.pipeline`)."""
    scan, choose = _pipeline_with(choose_paper, choose_rocket, choose_hydra)
    with mock.patch.object(pipeline, "scan_candidates", scan), mock.patch.object(pipeline, "choose_columns", choose):
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


def all_hydra_kinds():
    """Every Hydra-family kind: both statistics, on the series and on its first difference."""
    return {(s, d) for s in (0, 1) for d in (0, 1)}


def all_rocket_kinds(pooling="multirocket", diff=True, components=False):
    ops = range(4) if pooling == "multirocket" else (0,)
    return {(op, d, v, comp) for op in ops for d in ((0, 1) if diff else (0,)) for v in (0, 1)
            for comp in ((0, 1) if components else (0,))}


assert FEATURES_PER_TRIPLE == 2 * len(LEVEL_FEATURES)  # the two levels of paper_kind
