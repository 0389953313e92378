"""The numba transform against the plain-numpy oracle, the numpy engine against numba, and their
properties (hypothesis).

Every exact equality here is between kernels that fix their order of arithmetic (numba without fastmath,
and the numpy engine written to the same order; no BLAS): it holds on any CPU and thread count.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lightwaves.families.paper.numpy_kernels as numpy_kernels
from lightwaves.families.paper.kernels import transform_triples
from lightwaves.families.paper.plan import VARIANT_SLOTS, block_ids, decode, dilations_for, paper_slots, plan_for_ids
from lightwaves.validation import check_collection

from . import reference

DIL = dilations_for(32)
#: The paper's eight features (raw series).
PAPER = VARIANT_SLOTS["L1L2"]
#: Every extended slot: six features per level, two levels, raw series and first difference.
ALL = paper_slots("L1L2", "multirocket", True)
ENGINES = {"numba": transform_triples, "numpy": numpy_kernels.transform_triples}
# slots (within a representation) by feature: 0 ppv, 1 max, 2 lspv, 3 min, 4 mpv, 5 mipv
FRACTION, MAGNITUDE, MPV, MIPV = (0, 2, 6, 8), (1, 3, 7, 9), (4, 10), (5, 11)


def full_transform(X, n_jobs=1, slots=PAPER, engine="numba"):
    coll = check_collection(X)
    ids = block_ids(np.arange(coll.n_channels), len(DIL), slots)
    C = coll.n_channels
    F = ENGINES[engine](coll, np.zeros(C), np.ones(C), plan_for_ids(ids, DIL), n_jobs=n_jobs)
    return ids, F


def test_all_extended_slots():
    assert len(ALL) == 24
    np.testing.assert_array_equal(ALL, np.arange(24))
    np.testing.assert_array_equal(PAPER, [0, 1, 2, 3, 6, 7, 8, 9])


def test_longest_run_reaching_last_sample_counts():
    # x rising at the end: the last samples of z are positive; the run must count up to the end
    x = np.r_[np.zeros(20), np.arange(1.0, 11.0) ** 2][None, None, :]
    ids, F = full_transform(x, slots=np.array([2]))
    ch, rep, di, k, s = decode(ids, len(DIL))
    assert (s == 2).all() and (rep == 0).all()
    for q in range(0, len(ids), 37):
        expected = reference.features(x[0, 0], k[q], DIL[di[q]])[2]
        assert F[0, q] == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 31, 64, 65])
def test_odd_and_even_lengths_match_reference(n):
    rng = np.random.default_rng(n)
    x = rng.normal(size=(1, 1, n))
    ids, F = full_transform(x)
    _, rep, di, k, s = decode(ids, len(DIL))
    assert (rep == 0).all()
    for q in rng.choice(len(ids), size=60, replace=False):
        expected = reference.features(x[0, 0], k[q], DIL[di[q]])[s[q]]
        assert F[0, q] == pytest.approx(expected, abs=1e-9, rel=1e-9)


@pytest.mark.parametrize("engine", ["numba", "numpy"])
@pytest.mark.parametrize("n", [1, 2, 3, 7, 31, 64, 65])
def test_every_extended_slot_matches_reference(n, engine):
    """All 24 features (both levels, mpv and mipv, raw and first difference) of every triple."""
    rng = np.random.default_rng(100 + n)
    x = rng.normal(size=(1, 1, n))
    ids, F = full_transform(x, slots=ALL, engine=engine)
    assert F.shape == (1, len(DIL) * 84 * 24)
    ch, rep, di, k, s = decode(ids, len(DIL))
    assert (ch == 0).all()
    expected = {}
    for r in (0, 1):
        for i, d in enumerate(DIL):
            for kk in range(84):
                expected[r, i, kk] = reference.features(x[0, 0], kk, d, diff=bool(r))
    want = np.array([expected[r, i, kk][ss] for r, i, kk, ss in zip(rep, di, k, s)])
    np.testing.assert_allclose(F[0], want, rtol=1e-9, atol=1e-9)
    if n == 1:  # the first difference is empty: 0, 0, 0, 0, 0, -1 at both levels
        diff = F[0, rep == 1].reshape(-1, 12)
        np.testing.assert_array_equal(diff, np.tile([0, 0, 0, 0, 0, -1.0] * 2, (len(diff), 1)))


series = st.integers(1, 300).flatmap(
    lambda n: st.integers(1, 5).flatmap(
        lambda c: hnp.arrays(
            np.float64,
            (2, c, n),
            elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
        )
    )
)


@settings(max_examples=40, deadline=None)
@given(X=series)
def test_features_finite_deterministic_and_thread_invariant(X):
    ids, F = full_transform(X)
    assert F.shape == (X.shape[0], len(ids))
    assert np.isfinite(F).all()
    _, F2 = full_transform(X.copy())
    np.testing.assert_array_equal(F, F2)
    _, F3 = full_transform(X, n_jobs=2)
    np.testing.assert_array_equal(F, F3)
    # fractions are fractions, magnitudes are magnitudes
    slot = decode(ids, len(DIL))[4]
    frac = np.isin(slot, FRACTION)
    assert np.isin(slot, FRACTION + MAGNITUDE).all()
    assert ((F[:, frac] >= 0) & (F[:, frac] <= 1)).all()
    assert (F[:, ~frac] >= 0).all()


unequal_cases = st.integers(1, 2).flatmap(
    lambda c: st.lists(
        st.integers(1, 80).flatmap(
            lambda n: hnp.arrays(
                np.float64, (c, n), elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
            )
        ),
        min_size=1,
        max_size=3,
    )
)


@settings(max_examples=12, deadline=None)  # the numpy engine loops over 2,016 triples in Python
@given(cases=unequal_cases)
def test_engines_bitwise_equal_on_every_extended_slot(cases):
    """numba (1 and 2 threads) and numpy give the same bits for all 24 slots; the ranges of the features."""
    ids, F = full_transform(cases, slots=ALL, engine="numba")
    _, F2 = full_transform(cases, n_jobs=2, slots=ALL, engine="numba")
    _, G = full_transform(cases, slots=ALL, engine="numpy")
    assert F.shape == G.shape == (len(cases), len(ids))
    np.testing.assert_array_equal(F, G)
    assert F.tobytes() == G.tobytes() == F2.tobytes()
    assert np.isfinite(F).all()
    slot = decode(ids, len(DIL))[4]
    col = {name: np.isin(slot, s) for name, s in
           dict(frac=FRACTION, mag=MAGNITUDE, mpv=MPV, mipv=MIPV).items()}
    assert ((F[:, col["frac"]] >= 0) & (F[:, col["frac"]] <= 1)).all()
    assert (F[:, col["mag"]] >= 0).all()
    assert (F[:, col["mpv"]] >= 0).all()
    assert ((F[:, col["mipv"]] >= -1) & (F[:, col["mipv"]] < 1)).all()
    # mipv is -1 exactly when no value is positive (ppv 0, longest run 0)
    triples = F.reshape(len(cases), -1, 12)
    for lv in (0, 6):
        none = triples[..., lv] == 0
        np.testing.assert_array_equal(triples[..., lv + 5] == -1, none)
        np.testing.assert_array_equal(triples[..., lv + 2] == 0, none)
        assert (triples[..., lv + 5][~none] >= 0).all()


@settings(max_examples=15, deadline=None)
@given(
    x=st.integers(1, 120).flatmap(
        lambda n: hnp.arrays(np.float64, (n,), elements=st.floats(-100, 100, allow_nan=False))
    ),
    data=st.data(),
)
def test_random_features_match_reference(x, data):
    k = data.draw(st.integers(0, 83))
    di = data.draw(st.integers(0, len(DIL) - 1))
    r = data.draw(st.integers(0, 1))
    ids, F = full_transform(x[None, None, :], slots=ALL)
    _, rep, dil_idx, kernel, slot = decode(ids, len(DIL))
    cols = np.flatnonzero((rep == r) & (dil_idx == di) & (kernel == k))
    np.testing.assert_array_equal(slot[cols], np.arange(12))
    got = F[0, cols]
    expected = reference.features(x, k, DIL[di], diff=bool(r))
    # ppv / lspv / mipv can flip only where the exact z is 0 and rounding decides its sign
    np.testing.assert_allclose(got[list(MAGNITUDE)], expected[list(MAGNITUDE)], atol=1e-6, rtol=1e-9)
    # so can the count behind mpv; the sum of the positive values moves only by such a rounding error
    m = np.array([len(x) - r, (len(x) - r + 1) // 2])
    np.testing.assert_allclose(
        got[list(MPV)] * got[[0, 6]] * m, expected[list(MPV)] * expected[[0, 6]] * m, atol=1e-6, rtol=1e-9
    )


@pytest.mark.parametrize("engine", ["numba", "numpy"])
def test_selected_plan_equals_full_transform_bitwise(engine):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, 3, 37))
    X[1, 2] = 0.0  # a channel with no positive output at all
    ids, F = full_transform(X, slots=ALL, engine=engine)
    _, Fn = full_transform(X, slots=ALL, engine="numba")
    assert F.tobytes() == Fn.tobytes()
    coll = check_collection(X)
    for size in (1, 50, 400):
        pick = rng.choice(len(ids), size=size, replace=False)  # any column order
        sub = ENGINES[engine](coll, np.zeros(3), np.ones(3), plan_for_ids(ids[pick], DIL))
        np.testing.assert_array_equal(sub, F[:, pick])
        assert sub.tobytes() == np.ascontiguousarray(F[:, pick]).tobytes()
    # one feature of each kind alone, in reverse order (each needs its own part of the computation)
    _, rep, _, _, slot = decode(ids, len(DIL))
    kinds = [np.flatnonzero((rep == r) & (slot == s)) for r in (0, 1) for s in range(12)]
    pick = np.concatenate([rng.choice(cols, 3, replace=False) for cols in kinds])[::-1]
    sub = ENGINES[engine](coll, np.zeros(3), np.ones(3), plan_for_ids(ids[pick], DIL))
    assert sub.tobytes() == np.ascontiguousarray(F[:, pick]).tobytes()


@pytest.mark.parametrize("engine", ["numba", "numpy"])
def test_unequal_length_cases_equal_their_own_transform(engine):
    rng = np.random.default_rng(1)
    cases = [rng.normal(size=(2, n)) for n in (5, 17, 40)]
    _, F = full_transform(cases, engine=engine)
    for i, case in enumerate(cases):
        _, Fi = full_transform(case[None], engine=engine)
        np.testing.assert_array_equal(F[i], Fi[0])


@pytest.mark.parametrize("engine", ["numba", "numpy"])
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_unequal_lengths_with_a_length_one_case_on_every_extended_slot(engine, n_jobs):
    """The first difference of a length-1 case is empty; its neighbours in the batch are unaffected."""
    rng = np.random.default_rng(2)
    cases = [rng.normal(size=(2, n)) for n in (1, 2, 9, 1, 33)]
    ids, F = full_transform(cases, n_jobs=n_jobs, slots=ALL, engine=engine)
    _, Fn = full_transform(cases, slots=ALL, engine="numba")
    assert F.tobytes() == Fn.tobytes()
    _, rep, _, _, slot = decode(ids, len(DIL))
    for i, case in enumerate(cases):
        _, Fi = full_transform(case[None], slots=ALL, engine=engine)
        assert F[i].tobytes() == Fi[0].tobytes()
    for i in (0, 3):  # length 1: empty first difference, 0 everywhere but mipv -1
        diff = F[i, rep == 1]
        np.testing.assert_array_equal(diff, np.where(np.isin(slot[rep == 1], MIPV), -1.0, 0.0))
        raw = F[i, rep == 0]
        assert (raw[np.isin(slot[rep == 0], MAGNITUDE)] > 0).all()
