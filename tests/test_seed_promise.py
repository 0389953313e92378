"""What ``random_state`` promises (docs/usage.md, "What a seed promises"), tested (issue #21).

- **Across machines**, the candidates are bit-identical: the MiniRocket family's pool (seeded legacy
  ``RandomState`` draws, golden-ratio quantiles, dilations from ``np.logspace``) and both families'
  candidate values and ANOVA F-scores come from integer draws, correctly rounded numpy arithmetic and
  numba kernels that fix their order of arithmetic (no BLAS, no fastmath). Digests of them on bundled
  BasicMotions are committed here; they must come out the same on every CPU, thread count and BLAS.
  (The paper family's values also match the reference implementation, ``tests/test_golden.py``.)
- **Selection, ridge and principal components** go through BLAS. On one machine the same data and seed
  give the same bits whatever ``n_jobs`` and backend (``tests/test_estimators.py``,
  ``tests/test_distributed.py``); a BLAS-order perturbation, as another CPU would make, moves the model
  only by rounding: checked here within one run by changing the ridge's chunking and BLAS thread count.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from sklearn.utils import check_random_state

from lightwaves import LightWaveSClassifier
from lightwaves.families.spec import N_KERNELS
from lightwaves.families.paper.kernels import transform_triples
from lightwaves.families.paper.plan import block_ids, dilations_for, paper_slots, plan_for_ids
from lightwaves.families.rocket.features import fit_pool, plan_for
from lightwaves.families.rocket.kernels import transform_rocket
from lightwaves.validation import channel_stats, check_collection
from lightwaves.selection import anova_f

from .conftest import make_data

#: sha256 of bundled BasicMotions' training cases (aeon's copy): if this fails the data changed, not the code.
DATA = "f72a3fe0a699e5e1a590b307ff5a96f4bc264c3b0ff7adb2b6acdfc65f8f47a0"
#: sha256 of the pool's arrays, of its candidate values and of their ANOVA F-scores (see :func:`digest`);
#: recomputed when the convolution took its taps relative to the centre (issue #23: exact zeros).
ROCKET_POOL = "cd92288fa2a9cc08a8ca46c364776ec68367cce675b5ebcb44e98e5c94ade53f"
ROCKET_VALUES = "2d2da593af0d611795323eb3d5c7d7c70a4499660f53cb1a97ebfc2faec6836e"
ROCKET_SCORES = "29ea00e82b130d85915aeb9e1b223e1a5fa2d78b5a000e79ebb59f3f909497eb"
PAPER_VALUES = "94bcd31da270f876837d1c9388946a409059a82df5cbe435ac1f4e4fc8915209"
PAPER_SCORES = "0ce69f1cbbfaa7963ad98536fe8318d57451cb037d47f1f2644c543b5afab76d"
BUDGET = 1000


def digest(*arrays) -> str:
    """sha256 of the arrays' values as little-endian int64 / float64, with their shapes."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.asarray(a)
        a = np.ascontiguousarray(a, dtype="<f8" if a.dtype.kind == "f" else "<i8")
        h.update(repr(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def basic_motions():
    from aeon.datasets import load_classification

    X, y = load_classification("BasicMotions", split="train")
    assert digest(X) == DATA
    coll = check_collection(X)
    mean, sd = channel_stats(coll)  # numba sums in case, channel, time order
    return coll, np.unique(y, return_inverse=True)[1], mean, 1.0 / sd


def test_dilations_are_not_at_a_rounding_edge():
    """The pool's dilations truncate ``np.logspace`` (``pow``, which numpy may vectorise differently per
    CPU) to integers: a value within rounding of an integer could truncate either way. On BasicMotions'
    lengths (100, and 99 for first differences) every value is far from one, so the digests below do not
    depend on how ``pow`` rounds (the first value, 2**0, is exactly 1 everywhere)."""
    per_kernel = BUDGET // N_KERNELS
    for length in (100, 99):
        v = np.logspace(0, np.log2((length - 1) / 8), min(per_kernel, 32), base=2)[1:]
        assert np.min(np.abs(v - np.round(v))) > 1e-6


def test_minirocket_family_pool_and_candidates_are_machine_independent(basic_motions):
    """The pool a fit draws with ``random_state=0`` (as :meth:`LightWaveSTransformer.fit` derives the seed;
    MultiRocket's operators, first differences, five bias cases, no principal components: those go through
    BLAS), its candidate values on the training cases and their ANOVA F-scores have committed digests.
    Exact: seeded integer draws, numba quantiles and convolutions, numba ANOVA."""
    coll, codes, mean, inv_sd = basic_motions
    seed = check_random_state(0).randint(2**31 - 1)
    pool = fit_pool(coll, mean, inv_sd, budget=BUDGET, pooling="multirocket", diff=True, seed=seed, bias_cases=5)
    assert pool.n_features == 2 * 4 * (BUDGET // N_KERNELS) * N_KERNELS
    arrays = pool.to_arrays()
    got_pool = digest(*(arrays[k] for k in sorted(arrays)))
    C = transform_rocket(coll, mean, inv_sd, plan_for(pool), n_jobs=2)
    got_values = digest(C)
    got_scores = digest(anova_f(C, codes, 4))
    assert (got_pool, got_values, got_scores) == (ROCKET_POOL, ROCKET_VALUES, ROCKET_SCORES)


def test_paper_family_candidates_are_machine_independent(basic_motions):
    """Every paper-family candidate of BasicMotions (both levels, six operators each, raw and first
    differences) and its ANOVA F-score: committed digests. Exact: numba kernels, no BLAS."""
    coll, codes, mean, inv_sd = basic_motions
    dil = dilations_for(32)
    ids = block_ids(np.arange(coll.n_channels), len(dil), paper_slots("L1L2", "multirocket", True))
    F = transform_triples(coll, mean, inv_sd, plan_for_ids(ids, dil), n_jobs=2)
    assert (digest(F), digest(anova_f(F, codes, 4))) == (PAPER_VALUES, PAPER_SCORES)


def test_a_blas_order_perturbation_moves_the_model_only_by_rounding(monkeypatch):
    """What another CPU does to a fit, made in one run: the ridge's passes in chunks of 7 cases instead of
    4096 (its sums run in another order) and BLAS on 2 threads instead of 1. Selection is not perturbed
    (detachment runs on one BLAS thread; the MiniRocket family without principal components; the same
    subsample), so the selected features are the same: same process, same inputs. The coefficients
    differ in their last bits, and the scores by no more than 1e-9 of their scale; every prediction is
    the same (measured: scores 2e-14 apart relative to their scale, the smallest gap between a case's two
    best scores 0.44)."""
    from threadpoolctl import threadpool_limits

    import lightwaves.classifier as classifier

    X, y = make_data(n_cases=400, n_channels=4, length=40, n_classes=3, seed=5, informative=(1, 2))
    X = X + np.random.default_rng(6).normal(scale=1.5, size=X.shape)  # not separable: the ridge matters
    params = dict(n_features=40, rocket_budget=500, components=0, max_cases=200, random_state=0)
    with threadpool_limits(limits=1, user_api="blas"):
        a = LightWaveSClassifier(**params).fit(X, y)
    monkeypatch.setattr(classifier, "CHUNK_CASES", 7)
    with threadpool_limits(limits=2, user_api="blas"):
        b = LightWaveSClassifier(**params).fit(X, y)
    assert list(a.feature_names_) == list(b.feature_names_)
    assert a.coef_.tobytes() != b.coef_.tobytes()  # the perturbation is real
    assert a.ridge_.alpha_ == b.ridge_.alpha_
    sa, sb = a.decision_function(X), b.decision_function(X)
    assert np.abs(sa - sb).max() <= 1e-9 * np.abs(sa).max()
    top2 = np.sort(sa, axis=1)[:, -2:]
    assert (top2[:, 1] - top2[:, 0]).min() > 1e3 * np.abs(sa - sb).max()
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=0, atol=1e-9)
