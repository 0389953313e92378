"""The float32 arithmetic (issue #23): the numpy engine in single precision, exact zeros on constant
stretches, and the errors of a model or an option that cannot run in float32.

The C export's float32 build gives the Python float32 engine's bits (tests/test_export.py, tests/test_edge.py);
here the Python side: the engine computes in float32 throughout, stays close to float64, and a series with flat
stretches (where the plain nine-tap sums left rounding noise whose size and sign differ between double and
float) gets exact zeros in both arithmetics, so the two predict the same classes.
"""

from __future__ import annotations

from contextlib import nullcontext

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lightwaves import LightWaveSClassifier
from lightwaves.cli import main
from lightwaves.export_c import export_c
from lightwaves.families.hydra.kernels import group_counts as hydra_counts_numba
from lightwaves.families.hydra.numpy_kernels import group_counts as hydra_counts_numpy
from lightwaves.families.spec import KERNEL_POSITIONS
from lightwaves.kernels import convolve as convolve_numba
from lightwaves.kernels import nine_tap_sum as nine_tap_sum_numba
from lightwaves.model_io import load_predictor, save
from lightwaves.numpy_kernels import convolve, nine_tap_sum, padded
from lightwaves.runtime import InferenceState, Predictor

from .conftest import make_data

VARIANTS = {"MR": {}, "L1L2": dict(variant="L1L2"), "H": dict(variant="H"),
            "MR-components": dict(components=2, pooling="multirocket", diff=True)}


def flat_steps(n_cases=60, length=90, seed=0):
    """Two classes of piecewise-constant series (flat stretches at levels that are not round numbers, as
    quantised sensor readings), told apart by where the steps fall; noise only on a few points."""
    rng = np.random.default_rng(seed)
    y = np.arange(n_cases) % 2
    X = np.empty((n_cases, 2, length))
    for i in range(n_cases):
        for c in range(2):
            edges = np.sort(rng.choice(np.arange(5, length - 5), 4, replace=False))
            if y[i]:
                edges[:2] = np.sort(rng.choice(np.arange(5, 30), 2, replace=False))
            levels = rng.normal(size=5) * 3.7 + 0.1
            X[i, c] = levels[np.searchsorted(edges, np.arange(length), side="right")]
    return X, y


@pytest.mark.parametrize("key", list(VARIANTS))
def test_float32_engine_runs_in_float32_close_to_float64(key):
    X, y = make_data(n_cases=40, n_channels=3, length=50)
    clf = LightWaveSClassifier(n_features=40, random_state=0, **VARIANTS[key]).fit(X, y)
    p64 = Predictor.from_classifier(clf, engine="numpy")
    p32 = Predictor.from_classifier(clf, arith="float32")
    assert (p32.arith, p32.engine, p64.arith) == ("float32", "numpy", "float64")
    F32, F64 = p32.state.features(X), p64.state.features(X)
    assert F32.dtype == np.float32 and F64.dtype == np.float64
    scale = np.abs(F64).max(axis=0) + 1e-12
    assert (np.abs(F32 - F64) <= 1e-4 * scale).all()
    s32, s64 = p32.decision_function(X), p64.decision_function(X)
    assert np.allclose(s32, s64, rtol=1e-3, atol=1e-3 * np.abs(s64).max())
    np.testing.assert_array_equal(p32.predict(X), clf.predict(np.asarray(X, dtype=np.float32).astype(float)))


@pytest.mark.parametrize("key", ["MR", "H"])
def test_a_model_fitted_for_float32_predicts_the_same_in_float32(key):
    """Flat stretches between steps make convolution outputs that are zero in exact arithmetic and rounding
    noise in floating point, and counts whose threshold a point meets within rounding: a model fitted for
    float64 predicts some of these cases differently in float32 (asserted, so the data stays a real test);
    fitted with ``arith="float32"``, selection sets such features aside, and the float32 engine predicts the
    float64 model's class on every case (the same float32 input values). ``detach_cost=0``: the selection
    this data was built against (the default's cost-aware selection happens to keep none of the
    rounding-noise features on it)."""
    X, y = flat_steps()
    Xt, _ = flat_steps(seed=1)
    X32 = Xt.astype(np.float32).astype(np.float64)
    plain = LightWaveSClassifier(n_features=60, random_state=0, detach_cost=0.0, **VARIANTS[key]).fit(X, y)
    if key == "MR":
        assert (Predictor.from_classifier(plain, arith="float32").predict(X32) != plain.predict(X32)).any()
    with pytest.warns(UserWarning) if key == "MR" else nullcontext():
        clf = LightWaveSClassifier(n_features=60, random_state=0, arith="float32", detach_cost=0.0,
                                   **VARIANTS[key]).fit(X, y)
    p32 = Predictor.from_classifier(clf)
    assert p32.arith == "float32"
    np.testing.assert_array_equal(p32.predict(X32), clf.predict(X32))


@settings(max_examples=60, deadline=None)
@given(c=st.floats(-1e6, 1e6, allow_nan=False, width=32), n=st.integers(1, 60), d=st.sampled_from([1, 2, 3, 7]),
       k=st.integers(0, 83))
def test_constant_windows_convolve_to_exact_zero(c, n, d, k):
    """Every output whose nine taps read a constant stretch is exactly 0.0, in float64 (numba and numpy)
    and in float32; so is every one of a Hydra group's eight outputs (hard count: the first kernel)."""
    pos = KERNEL_POSITIONS[k]
    inner = slice(4 * d, max(n - 4 * d, 4 * d))
    for dtype in (np.float64, np.float32):
        xs = np.full((1, n), c, dtype=dtype)
        xp = padded(xs, d)
        z = convolve(xp, n, d, pos, nine_tap_sum(xp, n, d))
        assert z.dtype == dtype
        assert (z[0, inner] == 0).all()
    xp = padded(np.full((1, n), c), d)[0]
    acc, z = np.empty(n), np.empty(n)
    nine_tap_sum_numba(xp, n, d, acc)
    convolve_numba(xp, n, d, pos, acc, z)
    assert (z[inner] == 0).all()
    w = np.random.default_rng(k).normal(size=(8, 9))
    w -= w.mean(axis=1, keepdims=True)
    soft, hard = hydra_counts_numpy(np.full((1, n), c), d, w)
    s2, h2 = np.empty(8), np.empty(8)
    hydra_counts_numba(np.full(n, c), n, d, w, np.zeros(n + 8 * d), np.empty((8, n)),
                       np.empty((8, n)), s2, h2)
    np.testing.assert_array_equal(soft[0], s2)
    np.testing.assert_array_equal(hard[0], h2)
    if n > 8 * d:  # the inner points are ties at 0.0: the first kernel is the smallest there
        assert hard[0, 0] >= n - 8 * d


def test_float32_needs_the_numpy_engine_and_a_known_arith(tmp_path):
    X, y = make_data(n_cases=30, n_channels=2, length=30)
    clf = LightWaveSClassifier(n_features=10, random_state=0).fit(X, y)
    t = clf.transformer_
    with pytest.raises(ValueError, match="float32 arithmetic runs on the numpy engine"):
        InferenceState(t.n_channels_in_, t.feature_ids_, t.dilations_, t.channel_mean_, t.channel_std_,
                       t.rocket_, engine="numba", arith="float32")
    save(clf, tmp_path / "m.lwz")
    with pytest.raises(ValueError, match=r"arith must be one of \['float64', 'float32'\], got 'float16'"):
        load_predictor(tmp_path / "m.lwz", arith="float16")
    with pytest.raises(ValueError, match="arith must be one of"):
        export_c(clf, tmp_path / "c", arith="double")
    assert load_predictor(tmp_path / "m.lwz", arith="float32").engine == "numpy"


def test_a_model_outside_float32_range_is_refused_in_one_line(tmp_path, capsys):
    """Channel means beyond float32's range (3.4e38): the float64 model works; float32 is refused at load,
    at export and in the CLI with one line naming the problem."""
    X, y = make_data(n_cases=30, n_channels=2, length=30)
    X = X * 1e38 + 1e39
    clf = LightWaveSClassifier(n_features=10, random_state=0).fit(X, y)
    assert (clf.predict(X) == y).mean() > 0.5
    save(clf, tmp_path / "m.lwz")
    msg = "cannot run in float32 arithmetic: its channel means exceed float32's range"
    with pytest.raises(ValueError, match=msg):
        load_predictor(tmp_path / "m.lwz", arith="float32")
    with pytest.raises(ValueError, match=msg):
        export_c(clf, tmp_path / "c", arith="float32")
    assert not (tmp_path / "c").exists()
    assert main(["export", str(tmp_path / "m.lwz"), "--out", str(tmp_path / "c"), "--arith", "float32"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and msg in err


def test_cli_predict_in_float32(tmp_path, capsys):
    X, y = make_data(n_cases=30, n_channels=2, length=30)
    clf = LightWaveSClassifier(n_features=20, random_state=0).fit(X, y)
    save(clf, tmp_path / "m.lwz")
    np.save(tmp_path / "x.npy", X)
    assert main(["predict", str(tmp_path / "m.lwz"), str(tmp_path / "x.npy"), "--arith", "float32", "--scores",
                 "-o", str(tmp_path / "p.csv")]) == 0
    rows = np.genfromtxt(tmp_path / "p.csv", delimiter=",", names=True, dtype=None, encoding="utf-8")
    p32 = load_predictor(tmp_path / "m.lwz", arith="float32")
    np.testing.assert_array_equal(rows["prediction"], p32.predict(X))
    np.testing.assert_array_equal(rows["score_0"].astype(np.float32), p32.decision_function(X)[:, 0].astype(np.float32))
    capsys.readouterr()
    assert main(["predict", str(tmp_path / "m.lwz"), str(tmp_path / "x.npy"), "--arith", "float32",
                 "--engine", "numba"]) == 1
    assert "float32 arithmetic runs on the numpy engine" in capsys.readouterr().err


def test_cli_fit_for_float32_then_predict_and_export_in_float32(tmp_path, capsys):
    from aeon.datasets import load_classification

    X, _ = load_classification("BasicMotions", split="test")
    np.save(tmp_path / "x.npy", X)
    assert main(["fit", "aeon:BasicMotions:train", "--n-features", "20", "--arith", "float32", "--seed", "0",
                 "--out", str(tmp_path / "m.lwz"), "--quiet"]) == 0
    p = load_predictor(tmp_path / "m.lwz")
    assert p.arith == "float32"  # the model's arithmetic by default
    assert load_predictor(tmp_path / "m.lwz", arith="float64").arith == "float64"
    assert main(["predict", str(tmp_path / "m.lwz"), str(tmp_path / "x.npy"), "-o", str(tmp_path / "p.csv")]) == 0
    rows = np.genfromtxt(tmp_path / "p.csv", delimiter=",", names=True, dtype=None, encoding="utf-8")
    np.testing.assert_array_equal(rows["prediction"], p.predict(X))
    assert main(["export", str(tmp_path / "m.lwz"), "--out", str(tmp_path / "c")]) == 0
    assert "#define LW_ARITH32     1" in (tmp_path / "c" / "lightwaves_model.h").read_text()
    capsys.readouterr()
    assert main(["info", str(tmp_path / "m.lwz"), "--json"]) == 0
    assert '"arith": "float32"' in capsys.readouterr().out
