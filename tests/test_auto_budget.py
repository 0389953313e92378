"""``n_features="auto"``: the budget chosen on the detachment path by the error on held-out selection
cases (issue #22).

Which budget wins on real data goes through BLAS (detachment's ridge, the held-out errors), so no test
asserts it; the rule itself is tested exactly by constructing the errors it sees
(:func:`lightwaves.ridge.holdout_wrong` replaced), and a fitted model's curve only for its structure and for
agreeing with the rule applied to its own numbers.
"""

from __future__ import annotations

import numpy as np
import pytest

import lightwaves.ridge as ridge
from lightwaves import LightWaveSClassifier
from lightwaves.model_io import ModelFileError, load, read_manifest, save
from lightwaves.params import AUTO_BUDGETS
from lightwaves.pipeline import AUTO_FOLDS, budget_folds
from lightwaves.ridge import holdout_wrong, loo_error

from .cli_fixtures import rewrite_model
from .conftest import make_data


def one_se_choice(curve) -> int:
    e, se, b = curve["holdout_error"], curve["holdout_se"], curve["budgets"]
    best = int(np.argmin(e))
    return next(b[i] for i in range(len(b)) if e[i] <= e[best] + se[best])


@pytest.fixture(scope="module")
def auto_model():
    X, y = make_data(n_cases=60, n_channels=3, length=60, n_classes=3, seed=1)
    return LightWaveSClassifier(n_features="auto", random_state=0, rocket_budget=3000).fit(X, y), X, y


def test_fitted_curve_follows_the_one_se_rule(auto_model):
    """Structure and rule on the model's own numbers: exact (the rule is plain comparisons)."""
    clf, _, _ = auto_model
    curve = clf.transformer_.n_features_curve_
    assert curve["budgets"] == sorted(curve["budgets"])
    assert set(curve["budgets"]) <= set(AUTO_BUDGETS)
    for k in ("holdout_error", "holdout_se", "loo_error", "se"):
        assert len(curve[k]) == len(curve["budgets"])
    assert curve["chosen"] == one_se_choice(curve)
    assert clf.n_features_out_ <= curve["chosen"]


@pytest.mark.parametrize("wrong, chosen", [
    # wrong cases per fold and budget (250, 500, 1000, 2000); 40 cases, 3 folds: error 3 w / 40
    ([4, 2, 1, 3], 1000),  # 0.30, 0.15, 0.075, 0.225: se(0.075) = 0.042, and 0.15 is beyond it
    ([4, 3, 2, 1], 2000),  # keeps improving: the largest
    ([0, 0, 0, 0], 250),   # all perfect: the smallest
    ([1, 0, 0, 0], 500),   # best 0 with standard error 0: only exact ties count as within
    ([2, 1, 1, 1], 500),   # ties with the best count as within
])
def test_one_se_rule_on_constructed_errors(monkeypatch, wrong, chosen):
    """The held-out errors are constructed (no BLAS decides anything), so the chosen budget is exact;
    each fold's ridge is fitted on the other folds' cases and judged on the fold's."""
    X, y = make_data(n_cases=40, n_channels=2, length=50, n_classes=2, seed=2)
    seen = []

    def fake_holdout_wrong(F, codes, F_test, codes_test, n_classes, alphas):
        seen.append((F.shape, F_test.shape))
        return wrong[AUTO_BUDGETS.index(F.shape[1])]

    monkeypatch.setattr(ridge, "holdout_wrong", fake_holdout_wrong)
    clf = LightWaveSClassifier(n_features="auto", random_state=0, components=0).fit(X, y)
    curve = clf.transformer_.n_features_curve_
    assert curve["budgets"] == list(AUTO_BUDGETS) and curve["chosen"] == chosen
    assert curve["holdout_error"] == pytest.approx([3 * w / 40 for w in wrong])
    # per fold, one call per budget (ascending) on that many columns, the fold's cases held out
    assert [shape[1] for shape, _ in seen] == list(AUTO_BUDGETS) * AUTO_FOLDS
    assert sorted({(a[0], b[0]) for a, b in seen}) == [(26, 14), (27, 13)]
    assert clf.n_features_out_ == chosen


def test_budget_folds_are_stratified_and_seeded():
    codes = np.array([0] * 7 + [1] * 2 + [2] * 1 + [3] * 5)
    fold = budget_folds(codes, 3, 5)
    assert np.array_equal(fold, budget_folds(codes, 3, 5))  # a seed gives the folds
    assert not all(np.array_equal(fold, budget_folds(codes, 3, s)) for s in range(6, 12))
    sizes = np.bincount(fold, minlength=3)
    assert sizes.max() - sizes.min() <= 1
    for c in range(4):
        per = np.bincount(fold[codes == c], minlength=3)
        assert per.max() - per.min() <= 1


def test_holdout_wrong_is_the_ridge_classifier_on_new_cases():
    """:func:`holdout_wrong` counts the mistakes of StandardScaler + RidgeClassifier (alpha fixed by a
    one-value grid) fitted on the training cases, primal and dual alike (well separated classes, no ties)."""
    from sklearn.linear_model import RidgeClassifier
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    for n_features in (6, 80):
        codes = np.arange(90) % 3
        F = rng.normal(size=(90, n_features)) + 0.8 * np.eye(3)[codes] @ rng.normal(size=(3, n_features))
        F[:, 0] = 0.0
        tr, te = slice(0, 60), slice(60, 90)
        sc = StandardScaler().fit(F[tr])
        ref = RidgeClassifier(alpha=1.0).fit(sc.transform(F[tr]), codes[tr]).predict(sc.transform(F[te]))
        got = holdout_wrong(F[tr], codes[tr], F[te], codes[te], 3, np.array([1.0]))
        assert got == int(np.sum(ref != codes[te]))
        assert 0 < got < 30 or n_features == 80  # not trivially perfect at 6 features


def test_budgets_above_the_candidates_are_not_tried():
    """84 * 3 = 252 MiniRocket-family triples: only 250 is tried (exact: counts of a seeded pool)."""
    X, y = make_data(n_cases=30, n_channels=2, length=40, n_classes=2, seed=3)
    clf = LightWaveSClassifier(n_features="auto", random_state=0, rocket_budget=300, components=0).fit(X, y)
    assert clf.transformer_.n_features_curve_["budgets"] == [250]


def test_an_int_keeps_todays_behaviour():
    X, y = make_data(n_cases=30, n_channels=2, length=40, n_classes=2, seed=3)
    clf = LightWaveSClassifier(n_features=50, random_state=0, rocket_budget=1000).fit(X, y)
    assert clf.transformer_.n_features_curve_ is None and clf.n_features_out_ == 50


@pytest.mark.parametrize("kw, match", [
    (dict(n_features="Auto"), "positive integer or 'auto'"),
    (dict(n_features="auto", variant="L1L2"), "needs selection='detach'"),
    (dict(n_features="auto", selection="mrmr"), "needs selection='detach'"),
])
def test_bad_auto_settings_get_one_line_errors(kw, match):
    X, y = make_data(n_cases=20, n_channels=2, length=30, n_classes=2)
    with pytest.raises(ValueError, match=match):
        LightWaveSClassifier(**kw).fit(X, y)


@pytest.mark.parametrize("n_features", [6, 80])  # the primal (fewer features than cases) and the dual
def test_loo_error_is_leave_one_out(n_features):
    """:func:`loo_error` equals refitting the ridge without each case (scikit-learn, alpha fixed by a
    one-value grid); the classes are well separated so no case sits at a tie and the count is exact."""
    from sklearn.linear_model import RidgeClassifier
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    codes = np.arange(45) % 3
    F = rng.normal(size=(45, n_features)) + 1.5 * np.eye(3)[codes] @ rng.normal(size=(3, n_features))
    F[:, 0] = 0.0  # a constant column: scaled as StandardScaler does
    e, se = loo_error(F, codes, 3, np.array([1.0]))
    wrong = 0
    for i in range(len(F)):
        keep = np.arange(len(F)) != i
        sc = StandardScaler().fit(F[keep])
        m = RidgeClassifier(alpha=1.0).fit(sc.transform(F[keep]), codes[keep])
        wrong += int(m.predict(sc.transform(F[i : i + 1]))[0] != codes[i])
    assert e == pytest.approx(wrong / len(F))
    assert se == pytest.approx(np.sqrt(e * (1 - e) / len(F)))


def test_model_file_keeps_the_curve(auto_model, tmp_path):
    clf, X, _ = auto_model
    path = tmp_path / "auto.lwz"
    save(clf, path)
    assert read_manifest(path)["format_version"] == 6  # the held-out curve (5: Hydra settings, older curves)
    loaded = load(path)
    assert loaded.transformer_.n_features_curve_ == clf.transformer_.n_features_curve_
    assert np.array_equal(loaded.decision_function(X), clf.decision_function(X))


def test_curves_of_older_files_still_load(auto_model, tmp_path):
    """Files from before the held-out error hold only the leave-one-out curve: they load as they are."""
    clf, X, _ = auto_model
    good, old = tmp_path / "good.lwz", tmp_path / "old.lwz"
    save(clf, good)

    def edit(m):
        for k in ("holdout_error", "holdout_se"):
            del m["transformer"]["n_features_curve"][k]
        m["format_version"] = 5

    rewrite_model(good, old, edit_manifest=edit)
    curve = load(old).transformer_.n_features_curve_
    assert set(curve) == {"budgets", "loo_error", "se", "chosen"}
    assert curve["loo_error"] == clf.transformer_.n_features_curve_["loo_error"]


def test_curve_and_format_version_must_agree(auto_model, tmp_path):
    """A version-5 file cannot claim the held-out curve, nor a version-6 file lack it."""
    clf, _, _ = auto_model
    good = tmp_path / "good.lwz"
    save(clf, good)
    for i, edit in enumerate([lambda m: m.update(format_version=5),
                              lambda m: m["transformer"]["n_features_curve"].pop("holdout_se")]):
        bad = tmp_path / f"bad{i}.lwz"
        rewrite_model(good, bad, edit_manifest=edit)
        with pytest.raises(ModelFileError, match="invalid n_features_curve"):
            load(bad)


@pytest.mark.parametrize("curve, match", [
    ({"budgets": [250], "loo_error": [0.1], "se": [0.01]}, "invalid n_features_curve"),
    ({"budgets": [250], "loo_error": [0.1], "se": [0.01], "chosen": 250, "holdout_error": [0.1]},
     "invalid n_features_curve"),
    ({"budgets": [250, 500], "loo_error": [0.1, 0.1], "se": [0.0, 0.0], "chosen": 250, "holdout_error": [0.1],
      "holdout_se": [0.0, 0.0]}, "one length"),
    ({"budgets": [250], "loo_error": [0.1], "se": [0.0], "chosen": 250, "holdout_error": [-0.1],
      "holdout_se": [0.0]}, r"\[0, 1\]"),
    ({"budgets": [250, 500], "loo_error": [0.1], "se": [0.01], "chosen": 250}, "one length"),
    ({"budgets": [500, 250], "loo_error": [0.1, 0.1], "se": [0.0, 0.0], "chosen": 250}, "budgets"),
    ({"budgets": [250, 10**9], "loo_error": [0.1, 0.1], "se": [0.0, 0.0], "chosen": 250}, "budgets"),
    ({"budgets": [250], "loo_error": [1.5], "se": [0.0], "chosen": 250}, r"\[0, 1\]"),
    ({"budgets": [250], "loo_error": [0.1], "se": [0.0], "chosen": 500}, "chosen budget"),
])
def test_lying_curves_are_refused(auto_model, tmp_path, curve, match):
    clf, _, _ = auto_model
    good, bad = tmp_path / "good.lwz", tmp_path / "bad.lwz"
    save(clf, good)

    def edit(m):
        m["transformer"]["n_features_curve"] = curve
        m["format_version"] = 6 if "holdout_error" in curve else 5  # the version each kind of curve needs

    rewrite_model(good, bad, edit_manifest=edit)
    with pytest.raises(ModelFileError, match=match):
        load(bad)


def test_dual_and_primal_leave_one_out_scores_agree():
    """The dual (n x n) and the streamed primal (k x k) computations give the same leave-one-out scores
    and alpha to rounding (noise features: many cases are misclassified, so the scores matter)."""
    from lightwaves.ridge import LooAccumulator, RidgeMoments, _dual_loo_scores, class_targets, prepare, solve

    rng = np.random.default_rng(1)
    codes = np.arange(30) % 3
    F = rng.normal(size=(30, 40))
    Y = class_targets(codes, 3)
    alphas = np.logspace(-3, 3, 10)
    prep = prepare(RidgeMoments.of_chunk(F, Y))
    loo = LooAccumulator(prep, alphas)
    loo.update(F, Y, codes)
    np.testing.assert_allclose(_dual_loo_scores(F, Y, alphas), solve(prep, loo).loo_scores, rtol=0, atol=1e-9)
