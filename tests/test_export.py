"""The C export (issue #9): compiled with the system compiler, it predicts what the Python model predicts.

Every model is compiled once (``-O2 -std=c99 -Wall -Wextra -Werror -pedantic``) with the exported
``main.c`` and fed all its test cases in one run. The Python reference is the model on the same float32
input values (the C interface takes floats). Checks:

- default build (``--float64``: double coefficients): every predicted class equals Python's and every
  score is the float32 rounding of Python's score, bit for bit (so within 1e-4 relative); probabilities
  agree to 2e-7 (float output);
- ``--float32`` build (float coefficients): every score is within ``1e-6 * (sum_j |F_j coef_j| + |intercept|)``
  of Python's (the rounding of the coefficients; a score near 0 has no relative accuracy), and every
  predicted class equals Python's where the best score leads by more than twice that (else it is one of
  the classes within it);
- ``--arith float32`` build (single-precision arithmetic, compiled with ``-Wdouble-promotion`` too: no
  double arithmetic left): every score has the bits of the Python float32 engine's
  (``Predictor.from_classifier(model, arith="float32")``), and every class is its class;
- one build with ``-fsanitize=address,undefined`` (every code path: the three families, level 2, every
  pooling operator, Hydra's two statistics, differences, principal components, unequal lengths), on
  models constructed to hold every path (``tests/forced.py``): which features a normal fit selects goes
  through BLAS and can differ between CPUs, so no assertion here depends on it.

Skipped only when no C compiler is found (``$CC``, ``cc``, ``gcc`` or ``clang``).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess

import numpy as np
import pytest

from lightwaves import LightWaveSClassifier
from lightwaves.cli import main
from lightwaves.export_c import c_string, export_c
from lightwaves.model_io import load_predictor, save
from lightwaves.runtime import Predictor

from .conftest import DATASETS, make_data
from .forced import (
    all_hydra_kinds,
    all_paper_kinds,
    all_rocket_kinds,
    covering_fit,
    hydra_kind,
    kinds,
    paper_kind,
    rocket_kind,
)

CC = next((c for c in (os.environ.get("CC"), "cc", "gcc", "clang") if c and shutil.which(c)), None)
pytestmark = pytest.mark.skipif(CC is None, reason="no C compiler (cc, gcc or clang) on PATH; set $CC")
STRICT = ["-O2", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]
SANITIZE = ["-O1", "-g", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-fsanitize=address,undefined",
            "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"]
VARIANTS = {
    "L1": dict(variant="L1"),
    "L2": dict(variant="L2"),
    "L1L2": dict(variant="L1L2"),
    "L1L2-multirocket-diff": dict(variant="L1L2", pooling="multirocket", diff=True),
    "MR-ppv": dict(variant="MR", rocket_budget=2000),
    "MR-multirocket-diff": dict(variant="MR", pooling="multirocket", diff=True, rocket_budget=2000),
    "L1L2+MR-multirocket-diff": dict(variant="L1L2+MR", pooling="multirocket", diff=True, rocket_budget=2000),
    "MR-components": dict(variant="MR", components=4, pooling="multirocket", diff=True, rocket_budget=2000),
    "H": dict(variant="H"),
    "MR+H": dict(variant="MR+H", rocket_budget=2000),
}


# ------------------------------------------------------------------------------------ helpers
def compile_export(src, flags=STRICT, extra=("main.c",)):
    exe = src / ("prog_san" if "-fsanitize=address,undefined" in flags else "prog")
    cmd = [CC, *flags, *(str(src / f) for f in extra), str(src / "lightwaves_model.c"), "-lm", "-o", str(exe)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"{' '.join(cmd)}\n{r.stderr[-4000:]}"
    assert not r.stderr.strip(), r.stderr  # no warning at all
    return exe


def as_float32(X):
    """The cases as the C program gets them: float32 values (back in float64 for Python)."""
    cases = [np.asarray(x, dtype=np.float32) for x in X]
    X64 = [c.astype(np.float64) for c in cases]
    if len({c.shape for c in cases}) == 1:
        X64 = np.stack(X64)
    return cases, X64


def run_c(exe, cases, n_classes):
    """Class index, scores and probabilities the exported main.c prints for each case."""
    text = "".join(",".join(f"{v:.9g}" for v in c.ravel()) + "\n" for c in cases)
    r = subprocess.run([str(exe)], input=text, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    rows = [line for line in r.stdout.splitlines() if line]
    assert len(rows) == len(cases)
    idx, scores, proba = [], [], []
    for line in rows:
        head, rest = line.split(",", 1)
        idx.append(int(head))
        values = rest.rsplit(",", 2 * n_classes)[1:]  # the class name (quoted) may hold commas
        scores.append([float(v) for v in values[:n_classes]])
        proba.append([float(v) for v in values[n_classes:]])
    return np.array(idx), np.array(scores), np.array(proba)


def python_reference(model, X):
    """Class indices, (n_cases, n_classes) scores and probabilities of the Python model."""
    s = model.decision_function(X)
    cols = np.stack([-s, s], axis=1) if s.ndim == 1 else s
    idx = (s > 0).astype(int) if s.ndim == 1 else np.argmax(s, axis=1)
    return idx, cols, model.predict_proba(X)


def check_parity(model, X, tmp, float32_too=True, flags=STRICT):
    """Export ``model``, compile it, run it on ``X`` and compare with Python (see the module docstring)."""
    cases, X64 = as_float32(X)
    n_classes = len(model.classes_)
    ref_idx, ref_scores, ref_proba = python_reference(model, X64)
    assert np.array_equal(model.classes_[ref_idx], model.predict(X64))
    longest = max(c.shape[1] for c in cases)
    export_c(model, tmp / "f64", max_length=longest)
    idx, scores, proba = run_c(compile_export(tmp / "f64", flags), cases, n_classes)
    assert np.array_equal(idx, ref_idx), np.flatnonzero(idx != ref_idx)
    assert np.array_equal(scores.astype(np.float32), ref_scores.astype(np.float32))  # %.9g round-trips
    assert np.allclose(proba, ref_proba, rtol=0, atol=2e-7)
    if float32_too:
        export_c(model, tmp / "f32", float32=True, max_length=longest)
        idx, scores, proba = run_c(compile_export(tmp / "f32", flags), cases, n_classes)
        F = model.transformer_.transform(X64)
        bound = 1e-6 * (np.abs(F) @ np.abs(model.coef_).T + np.abs(model.intercept_)).max(axis=1, keepdims=True)
        assert (np.abs(scores - ref_scores) <= bound).all()
        # the class is Python's wherever the best score leads by more than the rounding can move (every case of
        # these test sets, but a refit on another CPU may put one in a near-tie); else one of the tied classes
        top2 = np.sort(ref_scores, axis=1)[:, -2:]
        clear = top2[:, 1] - top2[:, 0] > 2 * bound[:, 0]
        assert np.array_equal(idx[clear], ref_idx[clear]), np.flatnonzero((idx != ref_idx) & clear)
        assert (ref_scores[np.arange(len(idx)), idx] >= top2[:, 1] - 2 * bound[:, 0]).all()
        assert np.allclose(proba, ref_proba, rtol=0, atol=1e-4)
    check_float32_parity(model, X, tmp, flags)


def check_float32_parity(model, X, tmp, flags=STRICT):
    """The ``--arith float32`` export against the Python float32 engine: the same score bits."""
    cases, X64 = as_float32(X)
    p32 = Predictor.from_classifier(model, arith="float32")
    ref_idx, ref_scores, ref_proba = python_reference(p32, X64)
    export_c(model, tmp / "a32", arith="float32", max_length=max(c.shape[1] for c in cases))
    assert "#define LW_ARITH32     1" in (tmp / "a32" / "lightwaves_model.h").read_text()
    idx, scores, proba = run_c(compile_export(tmp / "a32", [*flags, "-Wdouble-promotion"]), cases, len(model.classes_))
    assert np.array_equal(scores.astype(np.float32), ref_scores.astype(np.float32))  # %.9g round-trips floats
    assert np.array_equal(idx, ref_idx), np.flatnonzero(idx != ref_idx)
    assert np.allclose(proba, ref_proba, rtol=0, atol=2e-7)


_FITTED = {}


def fitted(dataset, key, n_features=30, max_cases=1500):
    """A model fitted on a dataset's training split (cached per module run), and its test cases."""
    if (dataset, key, n_features) not in _FITTED:
        X, y, Xt = load(dataset)
        clf = LightWaveSClassifier(n_features=n_features, max_cases=max_cases, random_state=0, **VARIANTS[key])
        _FITTED[dataset, key, n_features] = clf.fit(X, y), Xt
    return _FITTED[dataset, key, n_features]


def load(dataset):
    from aeon.datasets import load_classification, load_from_ts_file

    if dataset in ("BasicMotions", "JapaneseVowels"):
        X, y = load_classification(dataset, split="train")
        Xt, _ = load_classification(dataset, split="test")
    else:
        X, y = load_from_ts_file(str(DATASETS / dataset / f"{dataset}_TRAIN.ts"))
        Xt, _ = load_from_ts_file(str(DATASETS / dataset / f"{dataset}_TEST.ts"))
    return X, y, Xt


# ------------------------------------------------------------------------------------ parity
@pytest.mark.parametrize("key", list(VARIANTS))
@pytest.mark.parametrize("dataset", ["BasicMotions", "JapaneseVowels"])
def test_c_predictions_equal_python(dataset, key, tmp_path):
    """Whatever selection kept (it goes through BLAS and may differ between CPUs), the C export predicts
    what Python predicts. Which code paths a model exercises is not asserted here: the models of
    :func:`test_sanitizers_on_every_code_path` are constructed to hold every one of them."""
    clf, Xt = fitted(dataset, key)
    check_parity(clf, Xt, tmp_path)


COVERED = {
    # dataset, key: the kinds (see tests/forced.py) the constructed model holds: paper family, MiniRocket's, Hydra's
    ("JapaneseVowels", "L1L2+MR-multirocket-diff"): (all_paper_kinds(), all_rocket_kinds(components=True), set()),
    ("BasicMotions", "L1L2-multirocket-diff"): (all_paper_kinds(), set(), set()),
    ("BasicMotions", "MR-components"): (set(), all_rocket_kinds(components=True), set()),
    ("JapaneseVowels", "MR+H"): (set(), all_rocket_kinds(pooling="ppv", diff=False, components=True),
                                 all_hydra_kinds()),
    ("BasicMotions", "H"): (set(), set(), all_hydra_kinds()),
}
_COVERING = {}


def covering_model(dataset, key):
    """A model of ``VARIANTS[key]`` on ``dataset`` whose selection holds a feature of every kind of its
    candidate pools (built by :func:`tests.forced.covering_fit`, not left to selection), and test cases."""
    if (dataset, key) not in _COVERING:
        X, y, Xt = load(dataset)
        clf = LightWaveSClassifier(n_features=30, random_state=0, **VARIANTS[key])
        _COVERING[dataset, key] = covering_fit(clf, X, y), Xt
    return _COVERING[dataset, key]


@pytest.mark.parametrize("dataset, key", list(COVERED))
def test_sanitizers_on_every_code_path(dataset, key, tmp_path):
    """Every code path of the C export under ``-fsanitize=address,undefined``, and the strict build's parity
    (float64 and float32) on the same models: the three families, both levels, every operator of each (the
    paper's six per level, MiniRocket's four, Hydra's two statistics), first differences, valid-part and full
    pooling, principal components next to plain channels, unequal lengths (JapaneseVowels: Hydra dilations
    whose taps reach past short series too), Hydra alone and next to MiniRocket.

    The models are constructed to hold a feature of every kind (tests/forced.py), so the assertions on
    their kinds are exact on every CPU: the kinds a candidate pool holds come from seeded integer draws and
    numba kernels (no BLAS); which features a normal fit selects would go through BLAS."""
    clf, Xt = covering_model(dataset, key)
    t = clf.transformer_
    paper, rocket, hydra = COVERED[dataset, key]
    assert kinds(paper_kind(t.feature_ids_, len(t.dilations_))) == paper
    assert kinds(rocket_kind(t.rocket_)) == rocket
    assert kinds(hydra_kind(t.hydra_) if getattr(t, "hydra_", None) is not None else []) == hydra
    if rocket and any(k[3] for k in rocket):
        assert len(t.inference_state_.components_read()[0])
    if dataset == "JapaneseVowels":
        assert len({x.shape[1] for x in Xt}) > 1
    check_parity(clf, Xt, tmp_path / "strict")
    check_parity(clf, Xt, tmp_path / "sanitized", float32_too=False, flags=SANITIZE)
    check_float32_parity(clf, Xt, tmp_path / "sanitized", flags=SANITIZE)


REAL = sorted(p.name for p in DATASETS.iterdir() if (p / f"{p.name}_TEST.ts").exists()) if DATASETS.is_dir() else []


@pytest.mark.slow
@pytest.mark.skipif(not REAL, reason=f"no datasets in {DATASETS}")
@pytest.mark.parametrize("dataset", REAL)
def test_c_predictions_equal_python_on_real_data(dataset, tmp_path):
    """Every dataset of ../shared/datasets, both families (100 features, selected on at most 120 training
    cases to keep the fits short; all the test cases are compared)."""
    for key in ("L1L2", "MR-multirocket-diff"):
        clf, Xt = fitted(dataset, key, n_features=100, max_cases=120)
        check_parity(clf, Xt, tmp_path / key)


# ------------------------------------------------------------------------------------ labels, errors
C_CHECKS = r"""
#include <math.h>
#include <stdio.h>
#include "lightwaves_model.h"

int main(void)
{
    static float x[LW_N_CHANNELS * (LW_MAX_LENGTH + 1)];
    lw_real work[8];
    float scores[LW_N_CLASSES];
    int k;
    const char *s;
    for (k = 0; k < LW_N_CLASSES; ++k) {
        for (s = lw_class_names[k]; *s; ++s)
            printf("%02x", (unsigned)(unsigned char)*s);
        printf("\n");
    }
    printf("%d %d %d %d %d", lw_predict(x, LW_N_CHANNELS + 1, 10, scores), lw_predict(x, LW_N_CHANNELS, 0, scores),
           lw_predict(x, LW_N_CHANNELS, LW_MAX_LENGTH + 1, scores), lw_predict(NULL, LW_N_CHANNELS, 10, scores),
           lw_predict_work(x, LW_N_CHANNELS, 10, scores, NULL, work, 8));
    for (k = 0; k < LW_N_CHANNELS; ++k)
        x[k * 10 + 3] = NAN;
    printf(" %d", lw_predict(x, LW_N_CHANNELS, 10, scores));
    for (k = 0; k < LW_N_CHANNELS; ++k)
        x[k * 10 + 3] = 0.0f;
    printf(" %d %d\n", lw_predict(x, LW_N_CHANNELS, 10, NULL), lw_predict_proba(x, LW_N_CHANNELS, 10, NULL));
    return 0;
}
"""


@pytest.mark.parametrize("labels", [
    ['say "hi"', "back\\slash??=", "tab\there, comma", "ünïcödé ✓"],
    [-3, 7],
    ["only", "two"],
])
def test_labels_two_classes_and_error_codes(labels, tmp_path):
    X, y = make_data(n_cases=40, n_channels=3, length=30, n_classes=len(labels), informative=(0, 2))
    y = np.asarray(labels, dtype=object if isinstance(labels[0], str) else None)[y]
    if isinstance(labels[0], str):
        y = y.astype(str)
    clf = LightWaveSClassifier(n_features=12, random_state=0).fit(X, y)
    check_parity(clf, X, tmp_path, float32_too=False)
    (tmp_path / "f64" / "checks.c").write_text(C_CHECKS)
    exe = compile_export(tmp_path / "f64", extra=("checks.c",))
    out = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60).stdout.splitlines()
    assert [bytes.fromhex(v).decode("utf-8") for v in out[:-1]] == [str(c) for c in clf.classes_.tolist()]
    codes = [int(v) for v in out[-1].split()]
    expected_label = int(np.flatnonzero(clf.classes_ == clf.predict(np.zeros((1, 3, 10)))[0])[0])
    assert codes == [-1, -2, -3, -4, -3, -5, expected_label, expected_label]


def test_c_string_escapes_everything_unusual():
    assert c_string('a"b\\c??=d\n') == '"a\\042b\\134c\\077\\077=d\\012"'
    assert c_string("é") == '"\\303\\251"'


def test_export_from_file_predictor_and_cli(tmp_path, capsys):
    X, y = make_data(n_cases=30, n_channels=4, length=25, n_classes=3)
    clf = LightWaveSClassifier(n_features=10, random_state=0).fit(X, y)
    save(clf, tmp_path / "m.lwz")
    export_c(clf, tmp_path / "a")
    export_c(load_predictor(tmp_path / "m.lwz"), tmp_path / "b")
    assert main(["export", str(tmp_path / "m.lwz"), "--format", "c", "--out", str(tmp_path / "c"),
                 "--max-length", "25"]) == 0
    assert "wrote lightwaves_model.h" in capsys.readouterr().err
    a, b, c = ((tmp_path / d / "lightwaves_model.c").read_text() for d in "abc")
    assert a == b == c
    assert "#define LW_MAX_LENGTH  25\n" in (tmp_path / "c" / "lightwaves_model.h").read_text()
    # refused: a file as the output directory, a missing model, something that is not a model
    assert main(["export", str(tmp_path / "m.lwz"), "--out", str(tmp_path / "m.lwz")]) == 1
    err = capsys.readouterr().err
    assert "is not a directory" in err and len(err.strip().splitlines()) == 1
    assert main(["export", str(tmp_path / "missing.lwz"), "--out", str(tmp_path / "d")]) == 1
    assert "missing.lwz" in capsys.readouterr().err
    with pytest.raises(ValueError, match="is not a directory"):
        export_c(clf, tmp_path / "m.lwz")
    with pytest.raises(ValueError, match="cannot export"):
        export_c(LightWaveSClassifier(), tmp_path / "e")
    with pytest.raises(ValueError, match="max_length"):
        export_c(clf, tmp_path / "e", max_length=0)


@pytest.mark.parametrize("variant", ["MR", "H"])
def test_float32_overflow_is_the_value_error_code(variant, tmp_path):
    """A case whose float32 series would overflow a convolution: Python's float32 engine refuses it in one
    line, the float32 build returns LW_ERR_VALUE for it and still classifies the next case as Python does."""
    X, y = make_data(n_cases=30, n_channels=3, length=30)
    clf = LightWaveSClassifier(n_features=20, random_state=0, variant=variant, arith="float32").fit(X, y)
    cases = np.asarray(X[:2], dtype=np.float32)
    cases[0, :, 5] = 1e38  # finite in float32; standardised, beyond FLT_MAX / 64
    p32 = Predictor.from_classifier(clf)
    with pytest.raises(ValueError, match="too large for float32 arithmetic"):
        p32.predict(cases[:1].astype(np.float64))
    export_c(clf, tmp_path)  # the model's arithmetic: float32
    exe = compile_export(tmp_path)
    text = "".join(",".join(f"{v:.9g}" for v in c.ravel()) + "\n" for c in cases)
    r = subprocess.run([str(exe)], input=text, capture_output=True, text=True, timeout=60)
    lines = r.stdout.splitlines()
    assert r.returncode == 1 and lines[0] == "error,-5"
    assert int(lines[1].split(",")[0]) == int(np.searchsorted(clf.classes_, p32.predict(cases[1:].astype(np.float64))[0]))


def test_hydra_weights_as_integers_and_older_real_weights(tmp_path):
    """Hydra weights drawn today are multiples of 2^-15 (families/hydra/features.py quantised_weights): the
    export stores them as 16-bit integers (LW_HY_Q16). A file from before, whose weights are not, exports them
    as reals; both builds keep the parity of every other model (check_parity)."""
    from lightwaves.families.hydra.features import WEIGHT_STEP
    from lightwaves.model_io import load

    from .cli_fixtures import npy, read_zip, rewrite_model

    clf, Xt = fitted("BasicMotions", "H")
    w = clf.transformer_.hydra_.weights
    assert np.array_equal(w / WEIGHT_STEP, np.rint(w / WEIGHT_STEP)) and np.abs(w / WEIGHT_STEP).max() <= 2**14 + 8
    export_c(clf, tmp_path / "q")
    assert "#define LW_HY_Q16 1\n" in (tmp_path / "q" / "lightwaves_model.c").read_text()
    save(clf, tmp_path / "h.lwz")
    arrays = read_zip(tmp_path / "h.lwz")
    old = np.load(io.BytesIO(arrays["arrays/hydra_weights.npy"])) * (1 - 2.0**-20)
    older = load(rewrite_model(tmp_path / "h.lwz", tmp_path / "old.lwz", replace={"arrays/hydra_weights.npy": npy(old)}))
    export_c(older, tmp_path / "r")
    assert "#define LW_HY_Q16 0\n" in (tmp_path / "r" / "lightwaves_model.c").read_text()
    check_parity(older, Xt[:12], tmp_path)
