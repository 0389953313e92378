"""ANOVA scoring, the running top-k and mRMR.

ANOVA F-scores, column fingerprints and the candidates' values are numba kernels with a fixed order of
arithmetic (no BLAS): the scans' equalities (blocks, shards, streaming) hold bit for bit on any CPU, and
so does the top of the ranking. mRMR's correlations go through BLAS; its assertions are about exact or
affine copies (|r| = 1 to ~1e-15, against the 1 - 1e-9 cut) and about distinct columns far from copies
(measured here: the distinct pool's largest |r| is 1 - 2e-4), never about a near-tie.
"""

import numpy as np
import pytest
from sklearn.feature_selection import f_classif

from lightwaves import selection
from lightwaves.families.paper.plan import decode, dilations_for, VARIANT_SLOTS
from lightwaves.validation import check_collection
from lightwaves.families.paper import scan
from lightwaves.families.paper.scan import scan_channels
from lightwaves.selection import anova_f, merge_top, mrmr


def test_anova_matches_sklearn_on_ordinary_columns():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, size=60)
    F = rng.normal(size=(60, 20)) + y[:, None] * rng.normal(size=20)
    np.testing.assert_allclose(anova_f(F, y, 3), f_classif(F, y)[0], rtol=1e-10)


def test_anova_constant_is_unusable_and_perfect_separation_is_finite():
    y = np.array([0, 0, 1, 1, 2, 2])
    F = np.c_[np.full(6, 0.1), y.astype(float), np.arange(6.0)]
    s = anova_f(F, y, 3)
    assert s[0] == -np.inf
    assert np.isfinite(s[1]) and s[1] > 1e9
    assert np.isfinite(s[2])
    assert not np.isnan(s).any()


def test_mrmr_never_picks_duplicates_and_never_nan():
    rng = np.random.default_rng(1)
    base = rng.normal(size=(50, 30))
    # exact copies, affine copies and negated copies of good columns
    C = np.c_[base, base[:, :5], 3 * base[:, 5:10] + 1, -base[:, 10:12]]
    scores = np.r_[np.linspace(10, 1, 30), np.linspace(10, 6, 5), np.linspace(5, 1, 5), [4, 3]]
    order = np.argsort(-scores, kind="stable")
    chosen = mrmr(C[:, order], scores[order], k=40)
    picked = C[:, order][:, chosen]
    r = np.corrcoef(picked.T)
    np.fill_diagonal(r, 0)
    assert np.abs(r).max() < 1 - 1e-6
    assert len(chosen) == 30  # the 12 copies are excluded, so only 30 distinct columns remain
    assert len(set(chosen.tolist())) == len(chosen)


def test_mrmr_first_pick_is_best_and_ties_go_to_earlier_column():
    rng = np.random.default_rng(2)
    C = rng.normal(size=(40, 6))
    scores = np.array([5.0, 5.0, 3.0, 3.0, 1.0, 1.0])
    chosen = mrmr(C, scores, k=6)
    assert chosen[0] == 0
    np.testing.assert_array_equal(chosen, mrmr(C.copy(), scores.copy(), k=6))


def test_mrmr_skips_constant_columns():
    rng = np.random.default_rng(3)
    C = np.c_[rng.normal(size=(30, 3)), np.ones(30)]
    chosen = mrmr(C, np.array([1.0, 2.0, 3.0, 4.0]), k=4)
    assert 3 not in chosen and len(chosen) == 3


def _scan(coll, y, k, block_bytes, monkeypatch):
    monkeypatch.setattr(scan, "BLOCK_BYTES", block_bytes)
    C = coll.n_channels
    return scan_channels(
        coll, np.arange(C), y, int(y.max()) + 1, np.zeros(C), np.ones(C), dilations_for(32),
        VARIANT_SLOTS["L1L2"], k,
    )


def test_scan_does_not_depend_on_blocks_or_shards(monkeypatch):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(20, 5, 30))
    y = np.repeat([0, 1], 10)
    X[y == 1, 2] += 4 * np.sin(np.arange(30))
    coll = check_collection(X)
    big = _scan(coll, y, 300, 2**30, monkeypatch)
    tiny = _scan(coll, y, 300, 1, monkeypatch)  # one channel per block
    np.testing.assert_array_equal(big[0], tiny[0])
    np.testing.assert_array_equal(big[1], tiny[1])
    assert big[2] == tiny[2]
    # shard channels unevenly and merge: the same top-k
    parts = []
    for chans in ([0, 1, 2], [3], [4]):
        sub = coll.select_channels(np.array(chans))
        ids, scores, _, keys = scan_channels(
            sub, np.array(chans), y, 2, np.zeros(len(chans)), np.ones(len(chans)), dilations_for(32),
            VARIANT_SLOTS["L1L2"], 300, return_keys=True,
        )
        parts.append((ids, scores, keys))
    ids, scores = merge_top(parts, 300)
    np.testing.assert_array_equal(ids, big[0])
    np.testing.assert_array_equal(scores, big[1])
    # the informative channel leads the ranking
    assert ids[0] // (2 * 6 * 84 * 12) == 2  # (channel, representation, dilation, kernel, slot)
    assert decode(ids[:1], 6)[0][0] == 2


def test_scan_memory_is_bounded_by_the_block(monkeypatch):
    """The candidate matrix of all channels is never allocated: only one block at a time."""
    import tracemalloc

    rng = np.random.default_rng(5)
    X = rng.normal(size=(30, 40, 50))
    y = np.repeat([0, 1, 2], 10)
    coll = check_collection(X)
    per_channel = 30 * 6 * 84 * len(VARIANT_SLOTS["L1L2"]) * 8  # bytes of one channel's candidates
    tracemalloc.start()
    _scan(coll, y, 100, 2 * per_channel, monkeypatch)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 8 * per_channel  # all 40 channels at once would be 40 * per_channel


def test_column_keys_match_affine_copies_only():
    rng = np.random.default_rng(6)
    a = rng.normal(size=(40, 3))
    F = np.c_[a, 3 * a[:, 0] + 1, -a[:, 1] / 7, a[:, 2] + 1e-4 * rng.normal(size=40), np.ones(40)]
    k = selection.column_keys(F)
    assert k[0] == k[3] and k[1] == k[4]
    assert len({k[0], k[1], k[2], k[5]}) == 4
    assert k[6] == 0


def test_distinct_pool_holds_no_copies_and_streaming_equals_all_at_once(monkeypatch):
    # short series with large dilations: many kernels give identical outputs
    rng = np.random.default_rng(7)
    X = rng.normal(size=(24, 3, 9))
    y = np.repeat([0, 1, 2], 8)
    coll = check_collection(X)
    ids, scores, _ = _scan(coll, y, 400, 2**30, monkeypatch)
    ids1, scores1, _ = _scan(coll, y, 400, 1, monkeypatch)
    np.testing.assert_array_equal(ids, ids1)
    from lightwaves.families.paper.kernels import transform_triples
    from lightwaves.families.paper.plan import plan_for_ids

    C = transform_triples(coll, np.zeros(3), np.ones(3), plan_for_ids(ids, dilations_for(32)))
    r = np.abs(np.corrcoef(C.T))
    np.fill_diagonal(r, 0)
    assert r.max() < 1 - 1e-9
    # without de-duplication the same pool size holds copies
    monkeypatch.setattr(scan, "BLOCK_BYTES", 2**30)
    ids2, _, _ = scan_channels(
        coll, np.arange(3), y, 3, np.zeros(3), np.ones(3), dilations_for(32), VARIANT_SLOTS["L1L2"], 400,
        distinct=False,
    )
    C2 = transform_triples(coll, np.zeros(3), np.ones(3), plan_for_ids(ids2, dilations_for(32)))
    r2 = np.abs(np.corrcoef(C2.T))
    np.fill_diagonal(r2, 0)
    assert r2.max() > 1 - 1e-9


def test_detach_cost_prefers_columns_that_share_a_computation():
    """With a cost, a column alone on its computation pays all of it: of two equally informative signals,
    detachment keeps the copies that share one computation; without a cost (or with exponent 0) the
    selection is detach's own."""
    rng = np.random.default_rng(0)
    n = 60
    codes = np.arange(n) % 2
    signal = codes + 0.3 * rng.normal(size=n)
    # columns 0-9: one computation each; columns 10-19: two computations of five columns each
    C = np.column_stack([signal + 0.5 * rng.normal(size=n) for _ in range(20)])
    shared = np.concatenate([np.arange(10), np.repeat([10, 11], 5)])
    cost = (shared, np.ones(12), np.full(20, 0.2), 1.0)
    plain = selection.detach(C, codes, 2, k=8, step=0.3)
    weighed = selection.detach(C, codes, 2, k=8, step=0.3, cost=cost)
    zero = (shared, np.ones(12), np.full(20, 0.2), 0.0)
    assert np.array_equal(selection.detach(C, codes, 2, k=8, step=0.3, cost=zero), plain)
    assert len(np.unique(shared[weighed])) < len(np.unique(shared[plain]))
    assert (weighed >= 10).sum() > (plain >= 10).sum()
    # the detachment path takes the same cost model
    path = selection.detach_path(C, codes, 2, [12, 8], step=0.3, cost=cost)
    assert set(path[1]) <= set(path[0]) and len(path[1]) == 8


def test_detach_cost_parameter_cuts_convolutions_and_is_checked(tmp_path):
    from lightwaves import LightWaveSClassifier
    import json

    from lightwaves.model_file import MANIFEST
    from lightwaves.model_io import load, save

    from .cli_fixtures import read_zip
    from .conftest import make_data

    X, y = make_data(n_cases=40, n_channels=3, length=40)
    base = LightWaveSClassifier(n_features=40, random_state=0, detach_cost=0.0).fit(X, y)
    cheap = LightWaveSClassifier(n_features=40, random_state=0, detach_cost=1.0).fit(X, y)
    assert cheap.transformer_.rocket_.n_convolutions < base.transformer_.rocket_.n_convolutions
    save(cheap, tmp_path / "c.lwz")
    assert load(tmp_path / "c.lwz").get_params()["detach_cost"] == 1.0
    save(base, tmp_path / "b.lwz")  # 0 (importance alone) is not written: older lightwaves read the file
    assert "detach_cost" not in json.loads(read_zip(tmp_path / "b.lwz")[MANIFEST])["params"]
    assert load(tmp_path / "b.lwz").get_params()["detach_cost"] == 0.0
    for bad in (-0.1, 5, True, "1", float("nan")):
        with pytest.raises(ValueError, match="detach_cost must be a number from 0 to 4"):
            LightWaveSClassifier(detach_cost=bad).fit(X, y)
