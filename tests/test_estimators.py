"""LightWaveSClassifier / LightWaveSTransformer behaviour.

Which features a fit selects goes through BLAS (mRMR's correlations, detachment's ridge, principal
components) and may differ in near-ties on another CPU (issue #21), so no test here asserts a selection
that a near-tie could move: a test that needs a particular selection constructs it (``tests/forced.py``);
accuracies on the synthetic problems are far from their thresholds (measured margins in the docstrings);
exact equalities compare fits in the same process on the same inputs.
"""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.linear_model import LogisticRegression

from lightwaves import LightWaveSClassifier, LightWaveSTransformer

from .conftest import make_data
from .forced import covering_fit, reading_only

FAST = dict(n_features=30, random_state=0)


def test_fit_predict_and_fitted_attributes(small):
    """Training accuracy 1.0: measured, every case's best score leads the next by at least 1.33 (scores are
    of order 1; BLAS rounding moves them by ~1e-14). The first feature mRMR keeps is the best ANOVA
    F-score, computed by numba without BLAS: it reads the informative channel on every CPU."""
    X, y = small
    clf = LightWaveSClassifier(variant="L1L2", **FAST).fit(X, y)
    assert clf.score(X, y) == 1.0
    assert clf.n_features_out_ == 30 == len(clf.feature_names_) == clf.coef_.shape[1]
    assert clf.decision_function(X).shape == (30, 3)
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    assert list(clf.selected_channels_) == sorted(set(clf.features_[:, 0]))
    name = clf.feature_names_[0]
    c, k, d, level, feat = clf.features_[0]
    assert name == f"ch{c}/k{k}/d{d}/L{level}/{['ppv', 'max', 'lspv', 'min'][feat]}"
    # the informative channel carries the selection: the best F-score is on it
    assert clf.features_[0, 0] == 1 and 1 in clf.selected_channels_


def test_string_labels_and_binary_decision_function():
    X, y = make_data(n_classes=2)
    labels = np.array(["walk", "run"])[y]
    clf = LightWaveSClassifier(**FAST).fit(X, labels)
    assert set(clf.predict(X)) <= {"walk", "run"}
    scores = clf.decision_function(X)
    assert scores.shape == (30,)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[(scores > 0).astype(int)])


@pytest.mark.parametrize("variant", ["L1", "L2", "L1L2"])
def test_variants_select_only_their_levels(small, variant):
    X, y = small
    t = LightWaveSTransformer(variant=variant, **FAST).fit(X, y)
    levels = set(t.features_[:, 3].tolist())
    assert levels <= {"L1": {1}, "L2": {2}, "L1L2": {1, 2}}[variant]
    assert t.transform(X).shape == (30, t.n_features_out_)


def test_same_seed_same_model_and_n_jobs_identical():
    """Same process, same inputs: ``n_jobs`` only sets numba's threads, and every numba kernel computes a
    feature in a fixed order whatever the thread count, so the fits are bit-identical (the BLAS calls of
    selection and ridge get the same inputs in the same process). Other seeds draw other candidate pools
    (MiniRocket family) and subsamples (paper's variants): integer draws, on any machine."""
    X, y = make_data(n_cases=60, seed=3)
    kw = dict(n_features=25, max_cases=40, random_state=7)  # subsampling is seeded
    a = LightWaveSClassifier(n_jobs=1, **kw).fit(X, y)
    b = LightWaveSClassifier(n_jobs=1, **kw).fit(X, y)
    c = LightWaveSClassifier(n_jobs=2, **kw).fit(X, y)
    for other in (b, c):
        np.testing.assert_array_equal(a.feature_names_, other.feature_names_)
        np.testing.assert_array_equal(a.decision_function(X), other.decision_function(X))
    d = LightWaveSClassifier(n_jobs=1, **{**kw, "random_state": 8}).fit(X, y)
    assert not np.array_equal(a.feature_names_, d.feature_names_)
    # the paper's variant draws nothing but the subsample: it changes with the seed too
    p7, p8 = (LightWaveSClassifier(variant="L1L2", **{**kw, "random_state": s}).fit(X, y) for s in (7, 8))
    assert not np.array_equal(p7.transformer_.feature_ids_, p8.transformer_.feature_ids_)


@pytest.mark.parametrize("variant", ["L1L2", "MR", "L1L2+MR"])
def test_fit_transform_equals_transform(small, variant):
    """Where selection saw every case, fit hands its values of the chosen features to the ridge (and
    fit_transform returns them): they must be the transform's, bit for bit, in the same column order."""
    X, y = small
    t = LightWaveSTransformer(variant=variant, rocket_budget=500, **FAST)
    np.testing.assert_array_equal(t.fit_transform(X, y), t.transform(X))
    t2 = LightWaveSTransformer(variant=variant, rocket_budget=500, max_cases=20, **FAST)
    np.testing.assert_array_equal(t2.fit_transform(X, y), t2.transform(X))


def test_predict_from_only_the_selected_channels():
    """A model whose features read channels 0, 1 and 4 only (constructed, tests/forced.py: which channels a
    normal fit reads depends on its selection) predicts from those channels alone and never reads the
    others; one whose features read a principal component reads every channel the component weighs."""
    X, y = make_data(n_channels=6, informative=(1, 4))
    clf = covering_fit(LightWaveSClassifier(n_features=10, random_state=0, components=0), X, y,
                       choosers=reading_only([0, 1, 4]))
    sel = clf.selected_channels_
    assert set(sel.tolist()) <= {0, 1, 4} and len(sel) < 6
    pc = covering_fit(LightWaveSClassifier(n_features=10, random_state=0), X, y)  # a feature of every kind
    assert len(pc.transformer_.inference_state_.components_read()[0]) and len(pc.selected_channels_) == 6
    np.testing.assert_array_equal(clf.decision_function(X[:, sel]), clf.decision_function(X))
    # channels that are not selected are never read
    X_junk = X.copy()
    X_junk[:, np.setdiff1d(np.arange(6), sel)] = 1e6
    np.testing.assert_array_equal(clf.predict(X_junk), clf.predict(X))


def test_unequal_length_list_input():
    """Training accuracy > 0.9: measured 1.0, every case's best score ahead by at least 1.85."""
    X, y = make_data(length=50)
    cases = [x[:, : 30 + (i % 7) * 3] for i, x in enumerate(X)]
    clf = LightWaveSClassifier(**FAST).fit(cases, y)
    assert clf.score(cases, y) > 0.9
    # an equal-length 3D array is the same as its list of cases
    clf2 = LightWaveSClassifier(**FAST).fit(X, y)
    np.testing.assert_array_equal(clf2.predict(list(X)), clf2.predict(X))


def test_two_dimensional_input_is_one_channel():
    X, y = make_data(n_channels=1, informative=(0,))
    a = LightWaveSClassifier(**FAST).fit(X[:, 0], y)
    b = LightWaveSClassifier(**FAST).fit(X, y)
    np.testing.assert_array_equal(a.decision_function(X[:, 0]), b.decision_function(X))


def test_fewer_usable_candidates_than_asked_is_reported():
    X, y = make_data(n_cases=12, length=4, n_channels=1, informative=(0,))
    with pytest.warns(UserWarning, match="usable features"):
        t = LightWaveSTransformer(variant="L1L2", n_features=500, random_state=0).fit(X, y)
    assert 0 < t.n_features_out_ < 500
    assert t.transform(X).shape[1] == t.n_features_out_


def test_sklearn_clone_params_pipeline_gridsearch(small):
    """The pipeline's training accuracy > 0.9: measured 1.0 (30 of 30)."""
    X, y = small
    clf = LightWaveSClassifier(n_features=20, variant="L1")
    assert clone(clf).get_params() == clf.get_params()
    clf.set_params(n_features=15)
    assert clf.n_features == 15
    pipe = make_pipeline(LightWaveSTransformer(n_features=20, random_state=0), LogisticRegression(max_iter=500))
    assert pipe.fit(X, y).score(X, y) > 0.9
    grid = GridSearchCV(LightWaveSClassifier(random_state=0), {"n_features": [5, 20]}, cv=3).fit(X, y)
    assert grid.best_params_["n_features"] in (5, 20)


def test_not_fitted():
    X, _ = make_data()
    with pytest.raises(NotFittedError):
        LightWaveSClassifier().predict(X)
    with pytest.raises(NotFittedError):
        LightWaveSTransformer().transform(X)
