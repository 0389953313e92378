"""What users of scikit-learn and aeon expect (issue #10): probabilities, lean prediction, conventions."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

import lightwaves
from lightwaves import LightWaveSClassifier, LightWaveSTransformer
from lightwaves.cli import main
from lightwaves.model_io import load, load_predictor, save

from .cli_fixtures import PYTHON, rewrite_model
from .conftest import make_data


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    d = tmp_path_factory.mktemp("users")
    X, y = make_data(n_cases=45, n_channels=3, length=40, n_classes=3, informative=(1,))
    X = X + np.random.default_rng(1).normal(scale=2.0, size=X.shape)  # not separable: probabilities < 1
    clf = LightWaveSClassifier(n_features=20, random_state=0).fit(X, y)
    path = d / "m.lwz"
    save(clf, path)
    np.savez(d / "x.npz", X=X, y=y)
    return clf, path, X, y, d


# ------------------------------------------------------------------------------------ probabilities
def test_predict_proba_is_calibrated_softmax_not_one_hot(fitted):
    clf, _, X, _, _ = fitted
    P = clf.predict_proba(X)
    assert P.shape == (len(X), 3) and np.allclose(P.sum(axis=1), 1.0) and (P >= 0).all()
    assert np.array_equal(clf.classes_[P.argmax(axis=1)], clf.predict(X))
    assert ((P > 0.01) & (P < 0.99)).any()  # not one-hot
    assert 0 < clf.temperature_ < np.inf
    assert np.allclose(np.exp(clf.predict_log_proba(X)), P)


def test_two_class_probabilities():
    X, y = make_data(n_cases=30, n_classes=2)
    X = X + np.random.default_rng(2).normal(scale=3.0, size=X.shape)
    clf = LightWaveSClassifier(n_features=10, random_state=0).fit(X, y)
    P = clf.predict_proba(X)
    s = clf.decision_function(X)
    assert P.shape == (30, 2) and np.array_equal(P[:, 1] > 0.5, s > 0)
    assert np.allclose(P[:, 1], 1 / (1 + np.exp(-2 * s / clf.temperature_)))


def test_probabilities_survive_files_and_batches(fitted):
    clf, path, X, _, _ = fitted
    P = clf.predict_proba(X)
    assert np.array_equal(load(path).predict_proba(X), P)
    pred = load_predictor(path)
    assert pred.temperature_ == clf.temperature_
    assert np.array_equal(pred.predict_proba(X), P)
    assert np.array_equal(np.concatenate([pred.predict_proba(X[i : i + 1]) for i in range(len(X))]), P)
    numpy_engine = load_predictor(path, engine="numpy")
    assert np.array_equal(np.concatenate([numpy_engine.predict_proba(X[i : i + 7]) for i in range(0, len(X), 7)]), P)


def test_cli_proba_columns(capsys, fitted):
    clf, path, X, _, d = fitted
    assert main(["predict", str(path), str(d / "x.npz"), "--proba"]) == 0
    rows = [r.split(",") for r in capsys.readouterr().out.split()]
    assert rows[0] == ["case", "prediction", "proba_0", "proba_1", "proba_2"]
    got = np.array([[float(v) for v in r[2:]] for r in rows[1:]])
    assert np.array_equal(got, clf.predict_proba(X))


def test_cli_auto_engine_is_numpy_for_small_inputs_numba_for_large(capsys, fitted, monkeypatch):
    """A one-shot ``lightwaves predict`` of a small input skips numba's start-up; the output is the same."""
    import lightwaves.cli as cli

    _, path, _, _, d = fitted
    used = []
    load_one = cli._load_predictor
    monkeypatch.setattr(cli, "_load_predictor",
                        lambda p, engine="auto", arith=None: used.append(engine) or load_one(p, engine, arith))
    monkeypatch.delenv("LIGHTWAVES_ENGINE", raising=False)
    args = ["predict", str(path), str(d / "x.npz"), "--scores", "--proba"]

    def run(*extra):
        used.clear()
        assert main(args + list(extra)) == 0
        return capsys.readouterr().out, list(used)

    small, engines = run()
    assert engines == ["numpy"]  # 45 cases x 40 points x a few dozen convolutions
    assert cli.numpy_seconds(45, 40, 100) < cli.NUMBA_STARTUP_S < cli.numpy_seconds(10_000, 1000, 500)
    monkeypatch.setattr(cli, "NUMBA_STARTUP_S", 0.0)
    large, engines = run()
    assert engines == ["numpy", "auto"]  # reloaded for numba once the input's size is known
    assert large == small == run("--engine", "numba")[0] == run("--engine", "numpy")[0]
    monkeypatch.setenv("LIGHTWAVES_ENGINE", "numba")
    assert run()[1] == ["auto"]  # the environment variable still decides auto


def test_model_file_without_calibration_says_so(tmp_path, fitted):
    _, path, X, _, _ = fitted
    old = rewrite_model(path, tmp_path / "old.lwz", edit_manifest=lambda m: m.pop("calibration"))
    p = load_predictor(old)
    assert np.array_equal(p.predict(X), load_predictor(path).predict(X))
    with pytest.raises(ValueError, match="no probability calibration"):
        p.predict_proba(X)
    bad = rewrite_model(path, tmp_path / "bad.lwz", edit_manifest=lambda m: m["calibration"].update(temperature=-1))
    with pytest.raises(ValueError, match="invalid calibration temperature"):
        load_predictor(bad)


# ------------------------------------------------------------------------------------ lean prediction
HEAVY = "sklearn,scipy,aeon,matplotlib,pandas,tqdm,dask,distributed"
BLOCKER = """
import sys, importlib.abc
BLOCKED = set(sys.argv.pop(1).split(","))
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"blocked: {name}")
sys.meta_path.insert(0, Block())
from lightwaves.cli import main
code = main(sys.argv[1:])
assert not BLOCKED & {m.split(".")[0] for m in sys.modules}, sorted(BLOCKED & set(sys.modules))
sys.exit(code)
"""


@pytest.mark.slow
def test_info_and_predict_need_only_numpy_and_numba(fitted):
    _, path, _, _, d = fitted
    for argv in (["info", path], ["info", path, "--json"], ["predict", path, d / "x.npz", "--proba"],
                 ["--version"]):
        r = subprocess.run([PYTHON, "-c", BLOCKER, HEAVY, *map(str, argv)], capture_output=True, text=True,
                           timeout=300)
        assert r.returncode == 0, r.stderr
        assert r.stdout


@pytest.mark.slow
def test_info_and_predict_without_numba(fitted):
    """With numba blocked, the numpy engine is chosen: the same predictions and probabilities."""
    clf, path, X, _, d = fitted
    for argv in (["info", path], ["predict", path, d / "x.npz", "--proba"]):
        r = subprocess.run([PYTHON, "-c", BLOCKER, HEAVY + ",numba,llvmlite", *map(str, argv)], capture_output=True,
                           text=True, timeout=300)
        assert r.returncode == 0, r.stderr
    rows = [line.split(",") for line in r.stdout.split()[1:]]
    assert [int(row[1]) for row in rows] == clf.predict(X).tolist()
    assert np.allclose(np.array([[float(v) for v in row[2:]] for row in rows]), clf.predict_proba(X), rtol=0,
                       atol=1e-12)


@pytest.mark.parametrize("kw", [dict(variant="L1L2"), dict(variant="L1L2+MR", pooling="multirocket", diff=True,
                                                              rocket_budget=1000)])
def test_numpy_engine_gives_the_numba_features(kw, tmp_path, monkeypatch):
    X, y = make_data(n_cases=30, n_channels=3, length=35, n_classes=3)
    Xs = [x[:, : 20 + i % 15] for i, x in enumerate(X)]  # unequal lengths
    clf = LightWaveSClassifier(n_features=40, random_state=0, **kw).fit(X, y)
    save(clf, tmp_path / "m.lwz")
    a, b = load_predictor(tmp_path / "m.lwz", engine="numba"), load_predictor(tmp_path / "m.lwz", engine="numpy")
    assert (a.engine, b.engine) == ("numba", "numpy")
    for data in (X, Xs, X[:, clf.selected_channels_]):
        assert np.array_equal(a.state.features(data), b.state.features(data))
        assert np.array_equal(a.decision_function(data), b.decision_function(data))
        assert np.array_equal(a.predict(data), b.predict(data))
        assert np.array_equal(a.predict_proba(data), b.predict_proba(data))  # one softmax serves both
    monkeypatch.setenv("LIGHTWAVES_ENGINE", "numpy")
    assert load_predictor(tmp_path / "m.lwz").engine == "numpy"
    monkeypatch.setenv("LIGHTWAVES_ENGINE", "fortran")
    with pytest.raises(ValueError, match="LIGHTWAVES_ENGINE"):
        load_predictor(tmp_path / "m.lwz")
    with pytest.raises(ValueError, match="engine must be one of"):
        load_predictor(tmp_path / "m.lwz", engine="gpu")


@pytest.mark.slow
def test_missing_extra_is_named(fitted):
    _, path, _, _, d = fitted
    r = subprocess.run([PYTHON, "-c", BLOCKER, "matplotlib", "report", str(path), str(d / "x.npz"), "--out",
                        str(d / "rep")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 1
    assert "install the 'plots' extra" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = subprocess.run([PYTHON, "-c", BLOCKER, HEAVY, "predict", str(path), "aeon:BasicMotions:test"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and "install the 'aeon' extra" in r.stderr, r.stderr


# ------------------------------------------------------------------------------------ conventions
def test_version_and_dir(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0 and capsys.readouterr().out.strip() == f"lightwaves {lightwaves.__version__}"
    lightwaves.LightWaveSClassifier  # noqa: B018 - the lazy import puts it in the module's globals
    names = dir(lightwaves)
    assert len(names) == len(set(names)) and "LightWaveSClassifier" in names


def test_feature_names_agree_in_type(fitted):
    clf, _, X, y, _ = fitted
    t = clf.transformer_
    out = t.get_feature_names_out()
    assert type(out) is type(t.feature_names_) and out.dtype == t.feature_names_.dtype
    assert np.array_equal(out, t.feature_names_)


def test_unfitted_save_and_predict_raise_the_same_error(tmp_path):
    X, _ = make_data()
    for est in (LightWaveSClassifier(), ):
        with pytest.raises(NotFittedError):
            est.predict(X)
        with pytest.raises(NotFittedError):
            save(est, tmp_path / "u.lwz")
    with pytest.raises(NotFittedError):
        LightWaveSTransformer().transform(X)


def test_results_on_stdout_logs_on_stderr(capsys, fitted, tmp_path):
    _, path, _, _, d = fitted
    assert main(["fit", str(d / "x.npz"), "--out", str(tmp_path / "m.lwz"), "--n-features", "5"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "saved" in err
    assert main(["predict", str(path), str(d / "x.npz"), "--out", str(tmp_path / "p.csv")]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "wrote" in err


# ------------------------------------------------------------------------------------ larger than memory
def test_predict_streams_a_memory_mapped_npy(capsys, fitted, tmp_path, monkeypatch):
    """``lightwaves predict`` on an .npy file maps it and writes rows a chunk at a time; rows equal the
    in-memory predictions, whatever the chunk size."""
    import lightwaves.cli as cli
    from lightwaves.data import read_dataset

    clf, path, X, _, _ = fitted
    big = np.concatenate([X] * 5).astype(np.float32)
    np.save(tmp_path / "big.npy", big)
    Xm, y, info = read_dataset(tmp_path / "big.npy")
    assert isinstance(Xm, np.memmap) and y is None and info["n_cases"] == len(big)
    monkeypatch.setattr(cli, "CHUNK_CASES", 17)
    assert main(["predict", str(path), str(tmp_path / "big.npy"), "--proba", "--quiet"]) == 0
    rows = [r.split(",") for r in capsys.readouterr().out.split()[1:]]
    assert [int(r[1]) for r in rows] == clf.predict(big).tolist()
    assert np.array_equal(np.array([[float(v) for v in r[2:]] for r in rows]), clf.predict_proba(big))
    bad = tmp_path / "short.npy"
    bad.write_bytes((tmp_path / "big.npy").read_bytes()[:-8])
    assert main(["predict", str(path), str(bad)]) == 1
    assert "truncated or corrupted" in capsys.readouterr().err
