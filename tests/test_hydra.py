"""The Hydra feature family (issue #22): definition against an oracle, engines and threads bit for bit, model
files (round trip, hostile arrays, older versions), wiring into the estimators, and the Dask backend.

No test asserts which features selection keeps (that goes through BLAS); tests that need a code path in the
fitted state construct it (tests/forced.py).
"""

from __future__ import annotations

import io

import numpy as np
import pytest

from lightwaves import LightWaveSClassifier
from lightwaves.families.hydra.features import (
    WEIGHT_STEP,
    HydraFeatures,
    fit_dilations,
    fit_pool,
    normalised_weights,
    plan_for,
    quantised_weights,
)
from lightwaves.families.hydra.kernels import transform_hydra
from lightwaves.families.hydra.numpy_kernels import transform_hydra as transform_hydra_numpy
from lightwaves.model_io import ModelFileError, load, load_predictor, read_model, save
from lightwaves.validation import channel_stats, check_collection

from .cli_fixtures import npy, read_zip, rewrite_model
from .conftest import make_data
from .forced import all_hydra_kinds, covering_fit, hydra_kind, kinds


def bits(a):
    return np.ascontiguousarray(a, dtype=np.float64).view(np.uint64)


def unequal_cases(n_cases=14, n_channels=3, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(n_channels, int(n))) for n in rng.integers(2, 70, n_cases)]


def oracle(X, mean, inv_sd, pool: HydraFeatures):
    """Every feature of ``pool`` from the definition, in plain loops: the standardised combination, its first
    difference, "same" zero padding (9 - 1) * d // 2, the eight dilated dot products, first argmax / argmin."""
    out = np.zeros((len(X), pool.n_features))
    for i, x in enumerate(X):
        values = {}
        for g in range(pool.n_groups):
            s = sum((x[c] - mean[c]) * inv_sd[c] for c in pool.combo(g).tolist())
            if pool.diff[g]:
                s = np.diff(s)
            d, m = int(pool.dilation[g]), len(s)
            p = (9 - 1) * d // 2
            xp = np.concatenate([np.zeros(p), s, np.zeros(p)])
            soft, hard = np.zeros(8), np.zeros(8)
            for t in range(m):
                z = [sum(pool.weights[g, k, j] * xp[t + j * d] for j in range(9)) for k in range(8)]
                kmax, kmin = int(np.argmax(z)), int(np.argmin(z))
                soft[kmax] += z[kmax]
                hard[kmin] += 1
            values[g] = (soft, hard)
        for q in range(pool.n_features):
            soft, hard = values[int(pool.group[q])]
            out[i, q] = (soft if pool.stat[q] == 0 else hard)[pool.kernel[q]]
    return out


def pool_for(X, n_groups=6, seed=0):
    coll = check_collection(X)
    mean, sd = channel_stats(coll)
    return coll, mean, 1.0 / sd, fit_pool(coll, mean, 1.0 / sd, n_groups=n_groups, seed=seed)


# ------------------------------------------------------------------------------ definition
def test_pool_is_drawn_as_hydra_draws_it():
    X, _ = make_data(n_cases=6, n_channels=6, length=90)
    coll, mean, inv_sd, pool = pool_for(X, n_groups=5, seed=3)
    np.testing.assert_array_equal(fit_dilations(90), [1, 2, 4, 8])  # floor(log2(89 / 8)) = 3
    np.testing.assert_array_equal(fit_dilations(9), [1])
    np.testing.assert_array_equal(fit_dilations(17), [1, 2])
    assert pool.n_groups == 4 * 5 and pool.n_features == 16 * pool.n_groups
    np.testing.assert_array_equal(pool.diff[:5], [0, 0, 0, 1, 1])  # ceil(g / 2) on the series, then diff
    assert (np.diff(pool.combo_offsets) == 3).all()  # clip(6 // 2, 2, 8) distinct channels
    w = pool.weights
    # normalised (sum 0, absolute sum 1), then rounded to multiples of 2^-15 (16-bit integers in C), the
    # centre's minus the sum of the others: each kernel sums to exactly zero
    steps = w / WEIGHT_STEP
    assert np.array_equal(steps, np.rint(steps)) and np.abs(steps).max() <= 2**14 + 8
    assert (w.sum(axis=-1) == 0).all()
    assert np.abs(np.abs(w).sum(axis=-1) - 1.0).max() <= 9 * WEIGHT_STEP
    assert np.abs(w - normalised_weights(w)).max() <= 5 * WEIGHT_STEP
    s = 2.0**-15
    np.testing.assert_array_equal(quantised_weights([1.0, -1.0, s / 2, 3 * s / 2, 0.3, 0.1, 0, 0, 0]) / s,
                                  [32767, -32767, 0, 2, -3279, 3277, 0, 0, 0])
    again = fit_pool(coll, mean, inv_sd, n_groups=5, seed=3)
    assert bits(again.weights).tobytes() == bits(w).tobytes()
    np.testing.assert_array_equal(again.combo_channels, pool.combo_channels)
    assert not np.array_equal(fit_pool(coll, mean, inv_sd, n_groups=5, seed=4).weights, w)
    # univariate: every group reads the one channel
    coll1, _, _, pool1 = pool_for(X[:, :1], n_groups=4)
    assert (pool1.combo_channels == 0).all() and len(pool1.combo_channels) == pool1.n_groups
    np.testing.assert_array_equal(normalised_weights(np.arange(9.0))[[0, 8]], [-4 / 20, 4 / 20])


@pytest.mark.parametrize("equal", [True, False])
def test_kernel_matches_the_definition(equal):
    """numba == a plain-loop oracle of the definition on random data (equal and unequal lengths, series
    shorter than the padding, a one-point series whose first difference is empty)."""
    X = make_data(n_cases=6, n_channels=3, length=40)[0] if equal else unequal_cases(n_cases=6) + [
        np.ones((3, 1)) * 0.5]
    coll, mean, inv_sd, pool = pool_for(X, n_groups=4, seed=2)
    got = transform_hydra(coll, mean, inv_sd, plan_for(pool))
    ref = oracle(X, mean, inv_sd, pool)
    hard = pool.stat == 1
    np.testing.assert_array_equal(got[:, hard], ref[:, hard])  # counts: exact
    np.testing.assert_allclose(got[:, ~hard], ref[:, ~hard], rtol=1e-12, atol=1e-12)
    n = np.array([x.shape[1] for x in X])[:, None] - pool.diff[pool.group][None, :]
    # every time point has exactly one winner and one loser per group
    per_group = got[:, hard].reshape(len(X), -1, 8).sum(axis=2)
    np.testing.assert_array_equal(per_group, np.maximum(n[:, hard][:, ::8], 0))


def test_ties_go_to_the_first_kernel():
    """A constant series: zero-mean kernels all give 0 away from the edges, and every tie goes to kernel 0."""
    X = np.ones((2, 1, 40)) * np.array([1.0, 2.0])[:, None, None]
    coll = check_collection(X)
    mean, inv_sd = np.zeros(1), np.ones(1)
    pool = fit_pool(coll, mean, inv_sd, n_groups=2, seed=0)
    F = transform_hydra(coll, mean, inv_sd, plan_for(pool))
    diff_min = F[:, (pool.diff[pool.group] == 1) & (pool.stat == 1)].reshape(2, -1, 8)
    assert (diff_min[:, :, 0] == 39).all() and (diff_min[:, :, 1:] == 0).all()  # all zeros: kernel 0 wins both
    np.testing.assert_array_equal(F, transform_hydra_numpy(coll, mean, inv_sd, plan_for(pool)))


# ------------------------------------------------------------------------------ engines, threads
def _bm(split="train"):
    from aeon.datasets import load_classification

    return load_classification("BasicMotions", split=split)


@pytest.mark.parametrize("data", ["random", "unequal", "basicmotions", "japanesevowels"])
def test_numba_numpy_and_threads_same_bits(data):
    if data == "random":
        X = make_data(n_cases=9, n_channels=4, length=55)[0]
    elif data == "unequal":
        X = unequal_cases()
    elif data == "basicmotions":
        X = _bm()[0][::4]
    else:
        from lightwaves.data import read_aeon

        X = read_aeon("aeon:JapaneseVowels")[0][::20]
        assert len({x.shape[1] for x in X}) > 1
    coll, mean, inv_sd, pool = pool_for(X, n_groups=8, seed=5)
    plan = plan_for(pool)
    a = transform_hydra(coll, mean, inv_sd, plan)
    assert np.isfinite(a).all() and a.shape == (coll.n_cases, pool.n_features)
    assert bits(transform_hydra_numpy(coll, mean, inv_sd, plan)).tobytes() == bits(a).tobytes()
    assert bits(transform_hydra(coll, mean, inv_sd, plan, n_jobs=2)).tobytes() == bits(a).tobytes()
    # a subset computes the same bits as the pool, in the subset's order
    idx = np.random.default_rng(0).permutation(pool.n_features)[:37]
    sub = pool.subset(idx)
    assert bits(transform_hydra(coll, mean, inv_sd, plan_for(sub))).tobytes() == bits(a[:, idx]).tobytes()


def test_huge_values_give_nan_not_silent_infinities():
    X = make_data(n_cases=3, n_channels=2, length=30)[0]
    coll, mean, inv_sd, pool = pool_for(X, n_groups=2)
    X[1, 0, 5] = 1e307
    big = check_collection(X)
    for fn in (transform_hydra, transform_hydra_numpy):
        F = fn(big, mean, inv_sd, plan_for(pool))
        assert np.isnan(F[1]).all() and np.isfinite(F[[0, 2]]).all()


# ------------------------------------------------------------------------------ estimators and files
@pytest.fixture(scope="module")
def hydra_model():
    """MR+H on BasicMotions with a feature of every kind of both families (constructed, tests/forced.py)."""
    X, y = _bm()
    clf = covering_fit(LightWaveSClassifier(variant="MR+H", n_features=40, rocket_budget=840, hydra_groups=8,
                                            random_state=0), X, y)
    return clf, X, y


def test_constructed_state_has_every_kind_and_both_engines_agree(hydra_model):
    from lightwaves.runtime import InferenceState

    clf, X, _ = hydra_model
    t = clf.transformer_
    assert kinds(hydra_kind(t.hydra_)) == all_hydra_kinds() and t.rocket_.n_features
    n_mr, n_h = t.rocket_.n_features, t.hydra_.n_features
    assert t.n_features_out_ == n_mr + n_h
    rows = t.features_[n_mr:]
    assert (rows[:, 3] == 3).all() and set(rows[:, 4].tolist()) == {8, 9} and (rows[:, 1] <= 7).all()
    names = t.feature_names_[n_mr:]
    assert all(n.startswith("hy/ch") for n in names) and any("/diff/" in n for n in names)
    assert len(set(t.feature_names_.tolist())) == t.n_features_out_
    assert set(t.hydra_.channels.tolist()) <= set(t.selected_channels_.tolist())
    chans = t.feature_channels()[n_mr:]
    assert all(np.array_equal(c, t.hydra_.reads(int(g))) for c, g in zip(chans, t.hydra_.group))
    st = t.inference_state_
    assert st.n_convolutions >= 8 * len(np.unique(t.hydra_.group)) + t.rocket_.n_convolutions
    F = t.transform(X)
    numpy_state = InferenceState(t.n_channels_in_, t.feature_ids_, t.dilations_, t.channel_mean_, t.channel_std_,
                                 t.rocket_, engine="numpy", hydra=t.hydra_)
    assert bits(numpy_state.features(X)).tobytes() == bits(F).tobytes()
    # input of only the selected channels gives the same features
    assert bits(t.transform(X[:, t.selected_channels_])).tobytes() == bits(F).tobytes()


def test_hydra_only_model_reads_only_its_groups_channels():
    from .forced import reading_only

    X, y = make_data(n_cases=24, n_channels=5, length=40, informative=(1, 3))
    clf = covering_fit(LightWaveSClassifier(variant="H", n_features=10, hydra_groups=6, random_state=0), X, y,
                       choosers=reading_only([1, 3, 4]))
    t = clf.transformer_
    assert t.rocket_.n_features == 0 and len(t.feature_ids_) == 0 and t.hydra_.n_features
    assert set(t.selected_channels_.tolist()) <= {1, 3, 4}
    sel = t.selected_channels_
    assert bits(clf.decision_function(X[:, sel])).tobytes() == bits(clf.decision_function(X)).tobytes()


def test_save_load_roundtrip_bit_for_bit(hydra_model, tmp_path):
    clf, X, _ = hydra_model
    path = tmp_path / "h.lwz"
    save(clf, path)
    parts = read_model(path)
    assert parts.manifest["format_version"] == 5 and parts.params["hydra_groups"] == 8
    back = load(path)
    h, h2 = clf.transformer_.hydra_, back.transformer_.hydra_
    for name in ("combo_offsets", "combo_channels", "dilation", "diff", "group", "kernel", "stat"):
        np.testing.assert_array_equal(getattr(h2, name), getattr(h, name))
    assert bits(h2.weights).tobytes() == bits(h.weights).tobytes()
    ref = clf.decision_function(X)
    assert bits(back.decision_function(X)).tobytes() == bits(ref).tobytes()
    for engine in ("numba", "numpy"):
        pred = load_predictor(path, engine=engine)
        assert bits(pred.decision_function(X)).tobytes() == bits(ref).tobytes()
    np.testing.assert_array_equal(back.transformer_.feature_names_, clf.transformer_.feature_names_)
    from lightwaves.cli import model_info

    info = model_info(path)
    hy = [f for f in info["features"] if f["level"] == 3]
    assert len(hy) == h.n_features and {f["feature"] for f in hy} == {"max", "min"}
    assert any(f["diff"] for f in hy) and any(not f["diff"] for f in hy)


def test_models_without_hydra_keep_their_format_version(tmp_path):
    """A model without Hydra features is written as before (version 4 at most, no ``hydra_groups``), so
    older lightwaves read it; loading fills in the default."""
    X, y = make_data(n_cases=24, n_channels=3, length=30)
    clf = LightWaveSClassifier(n_features=10, rocket_budget=300, random_state=0).fit(X, y)
    save(clf, tmp_path / "mr.lwz")
    parts = read_model(tmp_path / "mr.lwz")
    assert parts.manifest["format_version"] <= 4 and "hydra_groups" not in parts.manifest["params"]
    back = load(tmp_path / "mr.lwz")
    assert back.hydra_groups == 64 and back.transformer_.hydra_.n_features == 0
    assert bits(back.decision_function(X)).tobytes() == bits(clf.decision_function(X)).tobytes()
    # a non-default hydra_groups is kept, and needs the newer version
    clf.set_params(hydra_groups=16)
    save(clf, tmp_path / "mr16.lwz")
    parts = read_model(tmp_path / "mr16.lwz")
    assert parts.manifest["format_version"] == 5 and parts.params["hydra_groups"] == 16
    # a Hydra model claiming an older version is refused (its arrays are not part of that format)

    def older(m):
        m["format_version"] = 4

    hfile = tmp_path / "h.lwz"
    save(LightWaveSClassifier(variant="H", n_features=6, hydra_groups=4, random_state=0).fit(X, y), hfile)
    with pytest.raises(ModelFileError, match="array list is invalid"):
        load(rewrite_model(hfile, tmp_path / "old.lwz", edit_manifest=older))


@pytest.fixture(scope="module")
def h_file(tmp_path_factory, hydra_model):
    clf = hydra_model[0]
    path = tmp_path_factory.mktemp("hostile-hydra") / "h.lwz"
    save(clf, path)
    arrays = {n[len("arrays/"):-len(".npy")]: np.load(io.BytesIO(d))
              for n, d in read_zip(path).items() if n.startswith("arrays/")}
    return path, arrays


def _set(a, index, value):
    a[index] = value
    return a


def _unsorted(a, A):
    off = A["hydra_combo_offsets"]
    j = int(off[np.flatnonzero(np.diff(off) >= 2)[0]])
    a[j], a[j + 1] = a[j + 1], a[j]
    return a


HOSTILE = {
    "dilation 0": ("hydra_group", lambda a, A: _set(a, (0, 0), 0), r"hydra_group: dilation 0 of row 0 is out of range \(1 to 1048576\)"),
    "dilation 2^20 + 1": ("hydra_group", lambda a, A: _set(a, (0, 0), 2**20 + 1), "hydra_group: dilation 1048577"),
    "dilation -2^62": ("hydra_group", lambda a, A: _set(a, (0, 0), -2**62), "hydra_group: dilation -4611686018427387904"),
    "diff flag 2": ("hydra_group", lambda a, A: _set(a, (0, 1), 2), "first-difference flag 2 of row 0"),
    "group 3 columns": ("hydra_group", lambda a, A: np.ones((len(a), 3), np.int64), "hydra_group has shape"),
    "channel 6": ("hydra_combo_channels", lambda a, A: _set(a, -1, 6), r"Hydra channel out of range: 6 \(0 to 5\)"),
    "channel -1": ("hydra_combo_channels", lambda a, A: _set(a, 0, -1), "Hydra channel out of range: -1"),
    "channels unsorted": ("hydra_combo_channels", _unsorted, "not sorted or repeats a channel"),
    "offsets not monotone": ("hydra_combo_offsets", lambda a, A: _set(a, 1, a[2]), "hydra_combo_offsets must increase"),
    "offsets past the channels": ("hydra_combo_offsets", lambda a, A: _set(a, -1, a[-1] + 1), "hydra_combo_offsets must"),
    "offsets short": ("hydra_combo_offsets", lambda a, A: a[:-1], "hydra_combo_offsets has shape"),
    "kernel 8": ("hydra_feature", lambda a, A: _set(a, (0, 1), 8), r"hydra_feature: kernel 8 of row 0 is out of range \(0 to 7\)"),
    "kernel -1": ("hydra_feature", lambda a, A: _set(a, (0, 1), -1), "kernel -1 of row 0"),
    "stat 2": ("hydra_feature", lambda a, A: _set(a, (0, 2), 2), r"statistic 2 of row 0 is out of range \(0 to 1\)"),
    "group missing": ("hydra_feature", lambda a, A: _set(a, (0, 0), len(A["hydra_group"])), "hydra_feature: group"),
    "unused groups": ("hydra_feature", lambda a, A: np.stack([np.zeros(len(a), np.int64), np.arange(len(a)) % 8,
                                                              np.arange(len(a)) // 8 % 2], axis=1),
                      "used by no feature"),
    "feature repeated": ("hydra_feature", lambda a, A: _set(a, 1, a[0]), "a Hydra feature is repeated"),
    "weights NaN": ("hydra_weights", lambda a, A: _set(a, (0, 0, 0), np.nan), "hydra_weights contains NaN or inf"),
    "weights 2": ("hydra_weights", lambda a, A: _set(a, (0, 0, 0), 2.0), "Hydra kernel weights must be finite and at most 1"),
    "weights (G, 8, 8)": ("hydra_weights", lambda a, A: a[:, :, :8], "hydra_weights has shape"),
    "weights 2D": ("hydra_weights", lambda a, A: a.reshape(len(a), -1), r"hydra_weights: invalid shape"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_hydra_arrays_are_refused(h_file, tmp_path, name):
    path, arrays = h_file
    member, fn, expected = HOSTILE[name]
    bad = fn(arrays[member].copy(), arrays)
    f = rewrite_model(path, tmp_path / "bad.lwz", replace={f"arrays/{member}.npy": npy(bad)})
    for loader in (load, load_predictor):
        with pytest.raises(ModelFileError, match=expected) as info:
            loader(f)
        msg = str(info.value)
        assert msg.startswith(f"{f}: ") and "\n" not in msg


@pytest.mark.parametrize("value", [0, -1, 1025, 2.5, True, "64", None])
def test_hydra_groups_is_checked(value):
    X, y = make_data(n_cases=12, length=20)
    with pytest.raises(ValueError, match="hydra_groups must be an integer from 1 to 1024"):
        LightWaveSClassifier(variant="H", hydra_groups=value).fit(X, y)


def test_c_export_writes_hydra_tables(hydra_model, tmp_path):
    """MR+H models export (parity with Python, sanitizers and the board: tests/test_export.py,
    tests/test_edge.py); the Hydra features are described and tabled after the MiniRocket family's."""
    from lightwaves.export_c import export_c

    clf = hydra_model[0]
    t = clf.transformer_
    export_c(clf, tmp_path / "c")
    src = (tmp_path / "c" / "lightwaves_model.c").read_text()
    head = (tmp_path / "c" / "lightwaves_model.h").read_text()
    assert f"{t.hydra_.n_features} Hydra-family features" in head
    assert f"#define LW_N_HGROUP    {len(np.unique(t.hydra_.group))} " in src
    assert f"#define LW_N_FEATURES  {t.n_features_out_}\n" in head


def test_basicmotions_mr_plus_h_is_accurate():
    """Fit and predict with the defaults of the pooled variant (selection: detachment across both families)."""
    X, y = _bm()
    Xt, yt = _bm("test")
    clf = LightWaveSClassifier(variant="MR+H", random_state=0).fit(X, y)
    t = clf.transformer_
    assert t.n_features_out_ == t.rocket_.n_features + t.hydra_.n_features
    assert clf.score(Xt, yt) >= 0.95


# ------------------------------------------------------------------------------ Dask
@pytest.fixture(scope="module")
def client():
    pytest.importorskip("distributed")
    from lightwaves import distributed as lwd

    with lwd.client_for(workers=2, timeout=60) as c:
        yield c


@pytest.mark.distributed
@pytest.mark.parametrize("n_shards", [1, 3, 10_000])
def test_dask_hydra_values_are_bitwise_serial(client, n_shards):
    from lightwaves import distributed as lwd

    X, _ = make_data(n_cases=20, n_channels=7, length=50)
    coll, mean, inv_sd, pool = pool_for(X, n_groups=6, seed=1)
    ref = transform_hydra(coll, mean, inv_sd, plan_for(pool))
    got = lwd.hydra_features_dask(coll, mean, inv_sd, pool, n_shards=n_shards, client=client)
    assert bits(got).tobytes() == bits(ref).tobytes()


@pytest.mark.distributed
def test_dask_fit_is_the_serial_fit(client):
    X, y = make_data(n_cases=30, n_channels=4, length=40)
    params = dict(variant="MR+H", n_features=20, rocket_budget=300, hydra_groups=4, random_state=0)
    serial = LightWaveSClassifier(**params).fit(X, y)
    dask = LightWaveSClassifier(backend="dask", **params).fit(X, y)
    np.testing.assert_array_equal(dask.transformer_.feature_names_, serial.transformer_.feature_names_)
    assert bits(dask.decision_function(X)).tobytes() == bits(serial.decision_function(X)).tobytes()
