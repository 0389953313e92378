"""Accuracy on real UEA data (marked slow; still run in CI).

Which features a fit selects goes through BLAS, so on another CPU a near-tie can change a few of them and
the test accuracy by a case or two (issue #21). Every threshold here sits well below what was measured on
the default fit *and* on eight perturbed ones (``n_features`` 480, 490, 510, 520; ``random_state`` 1-4, or
for NATOPS's paper variant, which draws nothing, ``max_cases=170`` subsamples), values below. Equalities
compare fits in the same process on the same inputs.
"""

import numpy as np
import pytest
from aeon.datasets import load_classification, load_from_ts_file

from lightwaves import LightWaveSClassifier

from .conftest import DATASETS

pytestmark = pytest.mark.slow


def _fit_score(name, **kw):
    X, y = load_classification(name, split="train")
    Xt, yt = load_classification(name, split="test")
    clf = LightWaveSClassifier(random_state=0, **kw).fit(X, y)
    return clf, clf.score(Xt, yt)


def test_basic_motions_is_nearly_perfect():
    """Measured 1.0 on the default fit and every perturbed one (every test case's best score ahead by at least
    0.79); at most two errors of 40 allowed. 500 features: a count, detachment keeps exactly that many."""
    clf, acc = _fit_score("BasicMotions")
    assert acc >= 0.95
    assert clf.n_features_out_ == 500


def test_japanese_vowels_unequal_length_as_shipped():
    X, _ = load_classification("JapaneseVowels", split="train")
    assert isinstance(X, list) and len({x.shape[1] for x in X}) > 1  # really unequal length
    clf, acc = _fit_score("JapaneseVowels")
    assert acc >= 0.95  # measured 0.9865 (5 errors of 370), 0.984-0.992 perturbed


def test_n_jobs_gives_identical_predictions_on_real_data():
    """Same process, same inputs: n_jobs sets only numba's threads, whose kernels fix the order of every
    feature's arithmetic; the BLAS calls then get the same inputs, so the fits are bit-identical."""
    X, y = load_classification("BasicMotions", split="train")
    Xt, _ = load_classification("BasicMotions", split="test")
    for variant in ("MR", "L1L2"):
        a = LightWaveSClassifier(variant=variant, random_state=0, n_jobs=1).fit(X, y)
        b = LightWaveSClassifier(variant=variant, random_state=0, n_jobs=2).fit(X, y)
        np.testing.assert_array_equal(a.feature_names_, b.feature_names_)
        np.testing.assert_array_equal(a.decision_function(Xt), b.decision_function(Xt))


def test_natops_selected_channels_suffice():
    path = DATASETS / "NATOPS"
    if not path.exists():
        pytest.skip("../shared/datasets/NATOPS not present")
    X, y = load_from_ts_file(str(path / "NATOPS_TRAIN.ts"))
    Xt, yt = load_from_ts_file(str(path / "NATOPS_TEST.ts"))
    paper = LightWaveSClassifier(variant="L1L2", random_state=0).fit(X, y)
    sel = paper.selected_channels_
    assert len(sel) < X.shape[1]
    np.testing.assert_array_equal(paper.predict(Xt[:, sel]), paper.predict(Xt))
    # the paper reports 0.644 for LightWaveS L1L2; measured 0.628 (113 of 180), 0.617-0.639 perturbed
    assert paper.score(Xt, yt) >= 0.58
    clf = LightWaveSClassifier(random_state=0).fit(X, y)  # the default, MR: MiniRocket's level
    assert clf.score(Xt, yt) >= 0.88  # measured 0.928, 0.911-0.928 perturbed
