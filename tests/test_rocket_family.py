"""The MiniRocket feature family: kernels against a plain-numpy oracle, pools, plans, selection by
sequential feature detachment, and the estimators and model files that use them.

Exact equalities here are of numba kernels (which fix their order of arithmetic: bit-identical on any
CPU and thread count) or of two fits in the same process on the same inputs. Which features a fit
selects goes through BLAS and may differ on another CPU (issue #21): a test that needs a feature reading
a principal component, or features avoiding some channels, constructs that selection (tests/forced.py).
"""

import itertools
import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lightwaves import LightWaveSClassifier, LightWaveSTransformer, load
from lightwaves.families.rocket.numpy_kernels import project_components as project_numpy
from lightwaves.families.rocket.features import (
    RocketFeatures,
    family_input,
    fit_components,
    fit_dilations,
    fit_pool,
    plan_for,
    quantiles,
)
from lightwaves.families.rocket.kernels import conv_output, project_components, transform_rocket
from lightwaves.validation import check_collection
from lightwaves.model_io import ModelFileError, load_predictor, read_manifest
from lightwaves.selection import _ridge_importance, detach

from . import reference
from .cli_fixtures import npy, read_zip, rewrite_model
from .conftest import make_data
from .forced import covering_fit, forced_selection, reading_only


def pool_of(X, seed=0, budget=300, pooling="multirocket", diff=True):
    coll = check_collection(X)
    C = coll.n_channels
    return coll, fit_pool(coll, np.zeros(C), np.ones(C), budget=budget, pooling=pooling, diff=diff, seed=seed)


def features(coll, pool, n_jobs=1):
    C = coll.n_channels
    return transform_rocket(coll, np.zeros(C), np.ones(C), plan_for(pool), n_jobs=n_jobs)


def oracle(case, pool, q, shift=0.0):
    j = pool.feature_conv[q]
    return reference.rocket_feature(case, pool.combo(j), pool.diff[j], pool.kernel[j], pool.dilation[j],
                                    pool.valid[q], pool.bias[q] + shift, pool.pool[q])


def unambiguous_oracle(case, pool, q):
    """The oracle's value, or None where some z equals the bias up to rounding (biases are quantiles of
    training outputs, so on short series they often coincide with one) and the sign may go either way."""
    eps = 1e-9 * (1.0 + abs(pool.bias[q]))
    lo, hi = oracle(case, pool, q, -eps), oracle(case, pool, q, eps)
    return lo if abs(lo - hi) <= 1e-6 else None


# ----------------------------------------------------------------------------------- kernels
@pytest.mark.parametrize("n", [1, 2, 5, 9, 17, 40, 77])
def test_features_match_the_oracle(n):
    rng = np.random.default_rng(n)
    X = rng.normal(size=(3, 4, n))
    coll, pool = pool_of(X, seed=n)
    F = features(coll, pool)
    for q in rng.choice(pool.n_features, size=min(150, pool.n_features), replace=False):
        for i in range(3):
            expected = unambiguous_oracle(X[i], pool, q)
            if expected is not None:
                assert F[i, q] == pytest.approx(expected, abs=1e-6, rel=1e-9)


series = st.integers(1, 120).flatmap(
    lambda n: st.integers(1, 4).flatmap(
        lambda c: hnp.arrays(np.float64, (3, c, n), elements=st.floats(-1e3, 1e3, allow_nan=False))
    )
)


@settings(max_examples=25, deadline=None)
@given(X=series, seed=st.integers(0, 2**16))
def test_properties_finite_ranges_threads_and_subsets(X, seed):
    coll, pool = pool_of(X, seed=seed, budget=168)
    F = features(coll, pool)
    assert F.shape == (3, pool.n_features) and np.isfinite(F).all()
    np.testing.assert_array_equal(F, features(coll, pool, n_jobs=2))
    frac = np.isin(pool.pool, [0, 3])
    assert ((F[:, frac] >= 0) & (F[:, frac] <= 1)).all()
    mipv = F[:, pool.pool == 2]
    assert ((mipv == -1) | ((mipv >= 0) & (mipv < 1))).all()
    assert (F[:, pool.pool == 1] >= 0).all()
    # any selection, in any column order, computes bit-for-bit the same values
    rng = np.random.default_rng(seed)
    pick = rng.permutation(pool.n_features)[: max(1, pool.n_features // 7)]
    np.testing.assert_array_equal(features(coll, pool.subset(pick)), F[:, pick])


@settings(max_examples=25, deadline=None)
@given(X=series, seed=st.integers(0, 2**16), size=st.integers(1, 12))
def test_selected_ppv_features_have_the_pools_bits(X, seed, size):
    """A selection computes each convolution only over the region its features pool and counts a lone
    PPV without storing the output: the values must still be the whole pool's, bit for bit."""
    coll, pool = pool_of(X, seed=seed, budget=168, pooling="ppv", diff=bool(seed % 2))
    F = features(coll, pool)
    pick = np.random.default_rng(seed).permutation(pool.n_features)[:size]
    alone = features(coll, pool.subset(pick))
    np.testing.assert_array_equal(alone, F[:, pick])
    # each feature twice: every convolution has two features, so its output is stored and then pooled
    np.testing.assert_array_equal(features(coll, pool.subset(np.repeat(pick, 2)))[:, ::2], alone)
    one_each = np.unique(pool.feature_conv, return_index=True)[1]  # every convolution pooled once
    np.testing.assert_array_equal(features(coll, pool.subset(one_each)), F[:, one_each])


@settings(max_examples=30, deadline=None)
@given(
    x=st.integers(1, 100).flatmap(lambda n: hnp.arrays(np.float64, (2, n), elements=st.floats(-50, 50))),
    data=st.data(),
)
def test_single_features_match_oracle(x, data):
    k, d = data.draw(st.integers(0, 83)), data.draw(st.integers(1, 9))
    diff, valid = data.draw(st.integers(0, 1)), data.draw(st.integers(0, 1))
    chans = data.draw(st.sampled_from([[0], [1], [0, 1]]))
    bias = data.draw(st.floats(-30, 30))
    s = x[chans].sum(axis=0)
    s = np.diff(s) if diff else s
    z = reference.conv(s, reference.KERNELS[k], d) * d**1.5 if len(s) else np.zeros(0)
    # where z equals the bias up to rounding, the sign (and every operator) may go either way
    assume(len(z) == 0 or np.abs(z - bias).min() > 1e-7 * (1 + np.abs(z).max()))
    pool = RocketFeatures(np.array([0, len(chans)]), np.array(chans), np.array([k]), np.array([d]),
                          np.array([diff]), np.zeros(4, np.int64), np.full(4, bias), np.full(4, valid),
                          np.arange(4))
    F = features(check_collection(x[None]), pool)
    for q in range(4):
        assert F[0, q] == pytest.approx(oracle(x, pool, q), abs=1e-7, rel=1e-9)


def test_unequal_length_cases_equal_their_own_transform():
    rng = np.random.default_rng(3)
    cases = [rng.normal(size=(3, n)) for n in (6, 23, 50)]
    coll, pool = pool_of(cases)
    F = features(coll, pool)
    for i, case in enumerate(cases):
        np.testing.assert_array_equal(F[i], features(check_collection(case[None]), pool)[0])


# ----------------------------------------------------------------------------------- pools
@pytest.mark.parametrize("length,budget", [(9, 10_000), (51, 10_000), (100, 2500), (1460, 10_000), (30, 84)])
def test_dilations_as_minirocket(length, budget):
    from aeon.transformations.collection.convolution_based._minirocket import _fit_dilations

    d, c = fit_dilations(length, budget)
    d0, c0 = _fit_dilations(length, budget, 32)
    np.testing.assert_array_equal(d, d0)
    np.testing.assert_array_equal(c, c0)


def test_short_series_get_dilation_one():
    d, c = fit_dilations(3, 10_000)
    assert d.tolist() == [1] and c.sum() == 10_000 // 84


def test_pool_structure_biases_and_padding_alternation():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10, 12, 60))
    coll, pool = pool_of(X, budget=840, pooling="ppv", diff=False)
    dil, per = fit_dilations(60, 840)
    assert pool.n_convolutions == 84 * len(dil) and pool.n_features == 84 * per.sum()
    sizes = np.diff(pool.combo_offsets)
    assert sizes.min() >= 1 and sizes.max() <= 9  # at most min(C, 9) channels per combination
    for j in range(pool.n_convolutions):
        assert len(np.unique(pool.combo(j))) == sizes[j]
    di = np.searchsorted(dil, pool.dilation[pool.feature_conv])
    np.testing.assert_array_equal(pool.valid, (di + pool.kernel[pool.feature_conv]) % 2)
    # biases are quantiles of one training case's convolution output
    q = quantiles(84 * per.sum())
    j = 5
    b = pool.bias[pool.feature_conv == j]
    zs = [conv_output(coll.data, coll.offsets[i], coll.lengths[i], np.zeros(12), np.ones(12),
                      pool.combo(j), 0, pool.dilation[j], pool.kernel[j]) for i in range(10)]
    assert any(np.allclose(np.quantile(z, q[j * per[0] : (j + 1) * per[0]]), b) for z in zs)


@pytest.mark.parametrize("k", [3, 40])
def test_biases_pool_the_outputs_of_bias_cases_cases(k):
    """With ``bias_cases=k`` a convolution's biases are quantiles of the outputs of k distinct training
    cases (all of them when there are fewer), pooled; the draws are seeded."""
    rng = np.random.default_rng(1)
    X = [rng.normal(size=(3, n)) for n in (30, 41, 25, 36, 50, 33)]  # unequal lengths
    coll = check_collection(X)
    pool = fit_pool(coll, np.zeros(3), np.ones(3), budget=168, diff=True, seed=4, bias_cases=k)
    again = fit_pool(coll, np.zeros(3), np.ones(3), budget=168, diff=True, seed=4, bias_cases=k)
    np.testing.assert_array_equal(pool.bias, again.bias)
    outputs = lambda j, i: conv_output(coll.data, coll.offsets[i], coll.lengths[i], np.zeros(3), np.ones(3),  # noqa: E731
                                       pool.combo(j), pool.diff[j], pool.dilation[j], pool.kernel[j])
    q_all = quantiles(10**5)  # each representation's quantile sequence starts afresh, in feature order
    for j in (0, 57, pool.n_convolutions - 1):
        b = pool.bias[pool.feature_conv == j]
        same_rep = pool.diff[pool.feature_conv] == pool.diff[j]
        start = int(np.sum(same_rep & (pool.feature_conv < j)))
        q = q_all[start : start + len(b)]
        found = [cases for cases in itertools.combinations(range(6), min(k, 6))
                 if np.array_equal(np.quantile(np.concatenate([outputs(j, i) for i in cases]), q), b)]
        assert found, f"convolution {j}: no {min(k, 6)} cases give its biases"


def test_pool_is_seeded():
    X = np.random.default_rng(0).normal(size=(8, 5, 40))
    _, a = pool_of(X, seed=1)
    _, b = pool_of(X, seed=1)
    _, c = pool_of(X, seed=2)
    for f in ("combo_channels", "bias", "kernel", "dilation"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    assert not np.array_equal(a.combo_channels, c.combo_channels)


# ----------------------------------------------------------------------------------- detachment
def test_ridge_importance_matches_sklearn_ridge():
    from sklearn.linear_model import Ridge

    rng = np.random.default_rng(0)
    for n, p in ((30, 80), (60, 10)):
        Z = rng.normal(size=(n, p))
        Z = (Z - Z.mean(0)) / Z.std(0)
        codes = np.arange(n) % 3
        Y = -np.ones((n, 3))
        Y[np.arange(n), codes] = 1
        Y -= Y.mean(0)
        got = _ridge_importance(Z, Y, np.array([2.5]))
        coef = Ridge(alpha=2.5).fit(Z, Y).coef_
        np.testing.assert_allclose(got, np.abs(coef).sum(axis=0), rtol=1e-7, atol=1e-10)


def test_detach_keeps_informative_columns_and_is_deterministic():
    """Columns 7 and 123 carry a 3-sd class signal among 400 noise columns: measured, at every detachment
    step their importance is at least 2.5 times the cut-off's, so no rounding keeps them out. Determinism:
    same process, same inputs (and one BLAS thread)."""
    rng = np.random.default_rng(1)
    n = 60
    codes = np.arange(n) % 3
    C = rng.normal(size=(n, 400))
    C[:, 7] += 3 * (codes == 1)
    C[:, 123] += 3 * (codes == 2)
    C[:, 50] = 4.0  # constant: never kept
    got = detach(C, codes, 3, 20)
    assert len(got) == 20 and {7, 123} <= set(got.tolist()) and 50 not in got
    assert (np.diff(got) > 0).all()
    np.testing.assert_array_equal(got, detach(C.copy(), codes, 3, 20))
    with pytest.raises(ValueError, match="step"):
        detach(C, codes, 3, 20, step=1.0)


# ----------------------------------------------------------------------------------- estimators
MR = dict(variant="MR", selection="detach", pooling="multirocket", diff=True, rocket_budget=500,
          n_features=60, random_state=0)


@pytest.fixture(scope="module")
def mr_data():
    return make_data(n_cases=36, n_channels=6, length=45, informative=(1, 4))


@pytest.fixture(scope="module")
def mr_model(mr_data):
    X, y = mr_data
    return LightWaveSClassifier(**MR).fit(X, y)


def test_classifier_fits_and_describes_its_features(mr_data, mr_model):
    """Training accuracy > 0.9: measured 1.0, every case's best score ahead by at least 1.8. Detachment keeps
    exactly ``n_features`` when that many are usable (a count, not a choice)."""
    X, y = mr_data
    t = mr_model.transformer_
    assert mr_model.n_features_out_ == 60 == t.rocket_.n_features and len(t.feature_ids_) == 0
    assert mr_model.score(X, y) > 0.9
    assert len(mr_model.feature_names_) == 60 and mr_model.feature_names_[0].startswith("mr/ch")
    assert mr_model.features_.shape == (60, 5) and (mr_model.features_[:, 3] == 0).all()
    np.testing.assert_array_equal(mr_model.transformer_.transform(X)[:, :3],
                                  LightWaveSTransformer(**MR).fit_transform(X, y)[:, :3])


@pytest.mark.parametrize("kw", [
    dict(variant="L1L2+MR", selection="detach"),
    dict(variant="L1L2+MR", selection="mrmr"),
    dict(variant="MR", selection="mrmr"),
    dict(variant="MR", selection="random"),
    dict(variant="L1L2", selection="detach"),
])
def test_families_and_selections_n_jobs_invariant(mr_data, kw):
    """Same process, same inputs: n_jobs only sets numba's threads, whose kernels fix each feature's order of
    arithmetic; the BLAS calls then get the same inputs."""
    X, y = mr_data
    params = dict(MR, pooling="ppv", diff=False, **kw)
    a = LightWaveSClassifier(**params, n_jobs=1).fit(X, y)
    b = LightWaveSClassifier(**params, n_jobs=2).fit(X, y)
    assert a.n_features_out_ == 60
    np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))
    assert list(a.feature_names_) == list(b.feature_names_)


def test_reads_only_selected_channels():
    """Both families' features of a model built to read channels 0-5 only (tests/forced.py: which channels a
    normal fit reads depends on its selection): the other channels are never read."""
    X, y = make_data(n_cases=36, n_channels=12, length=45, informative=(2,))
    clf = covering_fit(LightWaveSClassifier(**dict(MR, variant="L1L2+MR", n_features=8)), X, y,
                       choosers=reading_only(range(6)))
    sel = clf.selected_channels_
    assert set(sel.tolist()) <= set(range(6)) and len(clf.transformer_.feature_ids_) and clf.transformer_.rocket_.n_features
    d = clf.decision_function(X)
    garbage = X.copy()
    unused = np.setdiff1d(np.arange(12), sel)
    garbage[:, unused] = 1e6 * np.random.default_rng(0).normal(size=garbage[:, unused].shape)
    np.testing.assert_array_equal(clf.decision_function(garbage), d)
    np.testing.assert_array_equal(clf.decision_function(X[:, sel]), d)


def test_model_file_round_trip_bitwise(mr_data, mr_model, tmp_path):
    X, _ = mr_data
    path = tmp_path / "mr.lwz"
    mr_model.save(path)
    assert read_manifest(path)["format_version"] == 4  # the default draws principal components too
    d = mr_model.decision_function(X)
    loaded = load(path)
    np.testing.assert_array_equal(loaded.decision_function(X), d)
    assert loaded.get_params() == mr_model.get_params()
    assert list(loaded.feature_names_) == list(mr_model.feature_names_)
    pred = load_predictor(path)
    np.testing.assert_array_equal(pred.decision_function(X), d)
    np.testing.assert_array_equal(pred.decision_function(X[:, pred.selected_channels_]), d)
    members = read_zip(path)
    assert "arrays/rocket_feature_bias.npy" in members and "arrays/rocket_components.npy" in members
    assert not any(b"pickle" in name.encode() for name in members)


def test_file_written_before_bias_cases_reads_as_one_case(mr_data, mr_model, tmp_path):
    """A model file without ``bias_cases`` was fitted before the option existed, with MiniRocket's rule:
    it loads with ``bias_cases=1`` (not today's default) and predicts exactly as saved."""
    X, _ = mr_data
    assert LightWaveSClassifier().bias_cases != 1  # otherwise this test cannot tell the two apart
    mr_model.save(tmp_path / "mr.lwz")
    rewrite_model(tmp_path / "mr.lwz", tmp_path / "old.lwz",
                  edit_manifest=lambda m: m["params"].pop("bias_cases"))
    old = load(tmp_path / "old.lwz")
    assert old.get_params()["bias_cases"] == 1
    np.testing.assert_array_equal(old.decision_function(X), mr_model.decision_function(X))


def test_paper_models_stay_format_version_1(tmp_path):
    X, y = make_data()
    clf = LightWaveSClassifier(variant="L1L2", n_features=20, random_state=0).fit(X, y)
    clf.save(tmp_path / "p.lwz")
    manifest = read_manifest(tmp_path / "p.lwz")
    assert manifest["format_version"] == 1 and not any(k.startswith("rocket_") for k in manifest["arrays"])


def test_tampered_family_arrays_are_refused(mr_model, tmp_path):
    path = tmp_path / "mr.lwz"
    mr_model.save(path)
    a = mr_model.transformer_.rocket_.to_arrays()
    bad_conv = a["conv"].copy()
    bad_conv[0, 0] = 84
    bad_channels = a["combo_channels"].copy()
    bad_channels[0] = 99
    for name, value, match in (("conv", bad_conv, "out of range"),
                               ("combo_channels", bad_channels, "channel out of range"),
                               ("feature_bias", a["feature_bias"][:-1], "shape")):
        rewrite_model(path, tmp_path / "t.lwz", replace={f"arrays/rocket_{name}.npy": npy(value)})
        with pytest.raises(ModelFileError, match=match):
            load(tmp_path / "t.lwz")


@pytest.mark.parametrize("param,value", [
    ("variant", "rocket"), ("selection", "anova"), ("pooling", "max"), ("diff", 1), ("rocket_budget", 0),
    ("detach_step", 1.0), ("bias_cases", 0), ("bias_cases", 2.5), ("bias_cases", True),
    ("components", -1), ("components", 2.5), ("components", True),
])
def test_bad_parameters(param, value):
    X, y = make_data()
    with pytest.raises(ValueError, match=param):
        LightWaveSClassifier(**{param: value}).fit(X, y)


@settings(max_examples=50, deadline=None)
@given(z=hnp.arrays(np.float64, st.integers(1, 60), elements=st.floats(-1e3, 1e3)),
       n_q=st.integers(1, 20))
@example(z=np.array([-0.0]), n_q=1)  # one value: numpy returns it, sign of zero included
def test_bias_quantiles_are_numpys(z, n_q):
    from lightwaves.families.rocket.kernels import _quantiles_of

    q = quantiles(n_q)
    out = np.empty(n_q)
    _quantiles_of(z, q, out)
    assert out.tobytes() == np.quantile(z, q).tobytes()


def test_cli_info_describes_family_features(mr_model, tmp_path):
    from lightwaves.cli import model_info

    mr_model.save(tmp_path / "mr.lwz")
    info = model_info(tmp_path / "mr.lwz")
    assert info["n_features"] == 60 and info["variant"] == "MR"
    assert info["selected_channels"] == mr_model.selected_channels_.tolist()
    assert all(f["name"].startswith("mr/") and f["level"] == 0 for f in info["features"])
    assert {f["feature"] for f in info["features"]} <= {"ppv", "mpv", "mipv", "lspv"}


def test_report_and_channel_importance_cover_the_family(mr_data, mr_model, tmp_path):
    """A feature reads its whole channel combination: it counts for each channel and shares its weight."""
    from lightwaves.report import channel_importance, write_report

    X, y = mr_data
    chans = mr_model.transformer_.feature_channels()
    assert len(chans) == mr_model.n_features_out_
    imp = channel_importance(mr_model)
    np.testing.assert_array_equal(imp["n_features"], np.bincount(np.concatenate(chans), minlength=6))
    assert np.isclose(imp["weight"].sum(), mr_model.feature_weights_.sum())
    assert set(np.flatnonzero(imp["n_features"])) == set(mr_model.selected_channels_)
    index = write_report(mr_model, X, y, tmp_path / "r")
    assert "MR" in index.read_text() and (tmp_path / "r" / "dilations_levels.png").stat().st_size > 0


def test_values_too_large_are_reported_not_pooled(mr_data, mr_model):
    """A series near the float64 limit would overflow in the convolution: the case is refused, not
    pooled from infinities."""
    X, _ = mr_data
    Xb = X[:3].copy()
    Xb[1, int(mr_model.selected_channels_[0]), :] = 1.7e308
    with pytest.raises(ValueError, match="too large.*case 1"):
        mr_model.predict(Xb)


# ----------------------------------------------------------------------------------- principal components
def test_components_are_whitened_principal_directions():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 4, 30))
    X[:, 2] = X[:, 0] + 0.1 * X[:, 2]  # correlated channels: a dominant direction
    X[:, 3] = 5.0  # constant: standardises to 0, weight 0 in every component
    coll = check_collection(X)
    mean = X.transpose(1, 0, 2).reshape(4, -1).mean(axis=1)
    sd = X.transpose(1, 0, 2).reshape(4, -1).std(axis=1)
    sd[sd == 0] = 1.0
    W = fit_components(coll, mean, 1 / sd, 8)
    assert W.shape == (3, 4)  # the constant channel adds no component
    S = ((X - mean[None, :, None]) / sd[None, :, None]).transpose(1, 0, 2).reshape(4, -1)
    Z = W @ S
    np.testing.assert_allclose(Z @ Z.T / S.shape[1], np.eye(3), atol=1e-9)  # unit variance, uncorrelated
    assert (np.abs(Z).var(axis=1)[:-1] >= 0).all() and np.allclose(W[:, 3], 0)
    assert (W[np.arange(3), np.abs(W).argmax(axis=1)] > 0).all()  # signed: largest weight positive
    assert fit_components(coll, mean, 1 / sd, 0).shape == (0, 4)
    one = check_collection(X[:, :1])
    assert fit_components(one, mean[:1], 1 / sd[:1], 8).shape == (0, 1)  # univariate: nothing to rotate


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 5), st.integers(1, 4), st.lists(st.integers(1, 12), min_size=1, max_size=4), st.data())
def test_projection_engines_agree_bitwise(C, P, lengths, data):
    """The numba and numpy projections are the same products summed in the same order; the zero weights
    they skip change nothing; rows not asked for stay 0."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    cases = [rng.normal(size=(C, n)) * 10 ** rng.uniform(-3, 3) for n in lengths]
    coll = check_collection(cases)
    W = rng.normal(size=(P, C)) * (rng.random((P, C)) < 0.7)
    rows = np.flatnonzero(rng.random(P) < 0.6).astype(np.int64)
    mean, inv_sd = rng.normal(size=C), rng.uniform(0.1, 3, C)
    a, ma, sa = family_input(coll, mean, inv_sd, W, rows, project_components)
    b, mb, sb = family_input(coll, mean, inv_sd, W, rows, project_numpy)
    assert a.data.tobytes() == b.data.tobytes() and a.n_channels == C + P
    np.testing.assert_array_equal(ma, np.r_[mean, np.zeros(P)])
    np.testing.assert_array_equal(sa, np.r_[inv_sd, np.ones(P)])
    for i, x in enumerate(cases):
        n = x.shape[1]
        ext = a.data[a.offsets[i] : a.offsets[i] + (C + P) * n].reshape(C + P, n)
        np.testing.assert_array_equal(ext[:C], x)
        want = W @ ((x - mean[:, None]) * inv_sd[:, None])
        want[np.setdiff1d(np.arange(P), rows)] = 0.0
        np.testing.assert_allclose(ext[C:], want, rtol=1e-9, atol=1e-9 * (1 + np.abs(want).max()))


#: Principal components, selection replaced by tests/forced.py's (a feature of every kind: some read
#: components, some only channels).
PC = dict(MR, components=5, selection="random")


@pytest.fixture(scope="module")
def pc_model():
    X, y = make_data(n_cases=36, n_channels=5, length=40, informative=(1, 3))
    X[:, 4] = X[:, 1] - X[:, 3]  # a difference of channels: what a signed component can read
    with forced_selection():
        return X, y, LightWaveSClassifier(**PC).fit(X, y)


def test_components_fit_equals_predict_on_every_path(pc_model, tmp_path):
    """With components the features the ridge was fitted on are the transform's, bit for bit: for
    any n_jobs, engine, batch, input of the selected channels only, and after a model-file round trip
    (format version 4).

    The model is built to hold features reading components (tests/forced.py). Four components, not five:
    channel 4 is a difference of two others, so the fifth eigenvalue is zero up to rounding (~1e-16 of the
    largest), far below the 1e-10 cut. The refits are in the same process on the same inputs."""
    X, y, clf = pc_model
    t = clf.transformer_
    assert t.rocket_.n_components == 4 and len(t.inference_state_.component_rows)  # channel 4 is dependent
    names = list(clf.feature_names_)
    assert any("+pc" in n or n.startswith("mr/pc") for n in names) and not any("chpc" in n for n in names)
    reads = t.feature_channels()  # components read every channel they weigh: model channels only
    assert all(r.max() < 5 for r in reads) and any(len(r) == 5 for r in reads)
    F = t.transform(X)
    d = clf.decision_function(X)
    with forced_selection():
        np.testing.assert_array_equal(LightWaveSTransformer(**PC).fit_transform(X, y), F)
        np.testing.assert_array_equal(LightWaveSClassifier(**PC, n_jobs=2).fit(X, y).decision_function(X), d)
    np.testing.assert_array_equal(clf.decision_function(X[3:4]), d[3:4])
    path = tmp_path / "pc.lwz"
    clf.save(path)
    assert read_manifest(path)["format_version"] == 4
    loaded = load(path)
    assert loaded.get_params()["components"] == 5
    np.testing.assert_array_equal(loaded.decision_function(X), d)
    for engine in ("numba", "numpy"):
        pred = load_predictor(path, engine=engine)
        np.testing.assert_array_equal(pred.decision_function(X), d)
        np.testing.assert_array_equal(pred.decision_function(X[:, pred.selected_channels_]), d)


def test_models_without_components_keep_their_format(mr_data, tmp_path):
    """No components, no new array: MR files stay version 2, and one written before the parameter
    existed loads with components=0 and predicts exactly as saved."""
    X, y = mr_data
    mr_model = LightWaveSClassifier(**dict(MR, components=0)).fit(X, y)
    mr_model.save(tmp_path / "mr.lwz")
    m = read_manifest(tmp_path / "mr.lwz")
    assert m["format_version"] == 2 and "rocket_components" not in m["arrays"]
    rewrite_model(tmp_path / "mr.lwz", tmp_path / "old.lwz", edit_manifest=lambda m: m["params"].pop("components"))
    old = load(tmp_path / "old.lwz")
    assert old.get_params()["components"] == 0
    np.testing.assert_array_equal(old.decision_function(X), mr_model.decision_function(X))
    uni = LightWaveSClassifier(**dict(MR, components=4)).fit(X[:, :1], np.arange(36) % 3)
    assert uni.transformer_.rocket_.n_components == 0  # univariate: nothing to rotate


def test_tampered_components_are_refused(pc_model, tmp_path):
    _, _, clf = pc_model
    path = tmp_path / "pc.lwz"
    clf.save(path)
    W = clf.transformer_.rocket_.components
    bad = W.copy()
    bad[0, 0] = np.nan
    for value, match in ((W[:, :-1], "components have an inconsistent shape"), (bad, "rocket_components contains NaN")):
        rewrite_model(path, tmp_path / "t.lwz", replace={"arrays/rocket_components.npy": npy(value)})
        with pytest.raises(ModelFileError, match=match):
            load(tmp_path / "t.lwz")
