"""``n_features="auto"``: the budget chosen on the detachment path by leave-one-out error (issue #22).

Which budget wins on real data goes through BLAS (detachment's ridge, the leave-one-out errors), so no
test asserts it; the rule itself is tested exactly by constructing the errors it sees
(:func:`lightwaves.ridge.loo_error` replaced), and a fitted model's curve only for its structure and for
agreeing with the rule applied to its own numbers.
"""

from __future__ import annotations

import numpy as np
import pytest

import lightwaves.ridge as ridge
from lightwaves import LightWaveSClassifier
from lightwaves.model_io import ModelFileError, load, read_manifest, save
from lightwaves.params import AUTO_BUDGETS
from lightwaves.ridge import loo_error

from .cli_fixtures import rewrite_model
from .conftest import make_data


def one_se_choice(curve) -> int:
    e, se, b = curve["loo_error"], curve["se"], curve["budgets"]
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
    assert len(curve["loo_error"]) == len(curve["se"]) == len(curve["budgets"])
    assert curve["chosen"] == one_se_choice(curve)
    assert clf.n_features_out_ <= curve["chosen"]


@pytest.mark.parametrize("errors, ses, chosen", [
    ([0.20, 0.10, 0.09, 0.12], [0.02, 0.02, 0.02, 0.02], 500),   # 500 within one SE of 1000's 0.09
    ([0.30, 0.20, 0.10, 0.05], [0.01, 0.01, 0.01, 0.01], 2000),  # keeps improving: the largest
    ([0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], 250),           # all perfect: the smallest
    ([0.11, 0.10, 0.10, 0.10], [0.01, 0.01, 0.01, 0.01], 250),   # ties with the best count as within
])
def test_one_se_rule_on_constructed_errors(monkeypatch, errors, ses, chosen):
    """The errors are constructed (no BLAS decides anything), so the chosen budget is exact."""
    X, y = make_data(n_cases=40, n_channels=2, length=50, n_classes=2, seed=2)
    seen = []

    def fake_loo_error(F, codes, n_classes, alphas):
        seen.append(F.shape[1])
        i = len(seen) - 1
        return errors[i], ses[i]

    monkeypatch.setattr(ridge, "loo_error", fake_loo_error)
    clf = LightWaveSClassifier(n_features="auto", random_state=0, components=0).fit(X, y)
    curve = clf.transformer_.n_features_curve_
    assert curve["budgets"] == list(AUTO_BUDGETS) and curve["chosen"] == chosen
    assert seen == list(AUTO_BUDGETS)  # one error per budget, on that many columns (enough candidates)
    assert clf.n_features_out_ == chosen


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
    assert read_manifest(path)["format_version"] == 5
    loaded = load(path)
    assert loaded.transformer_.n_features_curve_ == clf.transformer_.n_features_curve_
    assert np.array_equal(loaded.decision_function(X), clf.decision_function(X))


@pytest.mark.parametrize("curve, match", [
    ({"budgets": [250], "loo_error": [0.1], "se": [0.01]}, "invalid n_features_curve"),
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
