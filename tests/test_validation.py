"""Every bad input fails with a ValueError that names the problem."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lightwaves import LightWaveSClassifier, LightWaveSTransformer
from lightwaves.validation import check_collection

from .conftest import make_data


@pytest.fixture(scope="module")
def fitted():
    X, y = make_data()
    return LightWaveSClassifier(n_features=20, random_state=0).fit(X, y), X, y


@pytest.mark.parametrize("bad, word", [(np.nan, "NaN"), (np.inf, "inf"), (-np.inf, "inf")])
def test_non_finite_values_name_case_and_channel(fitted, bad, word):
    clf, X, y = fitted
    Xb = X.copy()
    Xb[4, 2, 7] = bad
    for call in (lambda: LightWaveSClassifier(n_features=5).fit(Xb, y), lambda: clf.predict(Xb)):
        with pytest.raises(ValueError, match=rf"{word}.*case 4, channel 2, time 7"):
            call()


def test_non_finite_in_unequal_length_list_names_the_case():
    X, _ = make_data()
    cases = [x[:, :20] for x in X]
    cases[3] = cases[3].copy()
    cases[3][1, 5] = np.nan
    with pytest.raises(ValueError, match=r"NaN.*case 3, channel 1, time 5"):
        check_collection(cases)


def test_wrong_channel_count_at_predict(fitted):
    clf, X, _ = fitted
    bad_count = next(c for c in range(1, 10) if c not in (3, len(clf.selected_channels_)))
    with pytest.raises(ValueError, match=rf"{bad_count} channels.*fitted on 3 channels"):
        clf.predict(np.zeros((2, bad_count, 40)))


def test_single_class(fitted):
    _, X, _ = fitted
    with pytest.raises(ValueError, match=r"y has a single class \(0\.0\); a classifier"):
        LightWaveSClassifier().fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match=r"y has a single class \('walk'\); a classifier"):
        LightWaveSClassifier().fit(X, np.array(["walk"] * len(X)))


@pytest.mark.parametrize("X", [np.zeros((0, 3, 10)), [], np.zeros((5, 0, 10))])
def test_empty_input(X):
    with pytest.raises(ValueError, match="empty|no channels"):
        LightWaveSClassifier().fit(X, np.arange(len(X)) % 2)


def test_too_short():
    with pytest.raises(ValueError, match="too short"):
        check_collection(np.zeros((4, 2, 0)))
    with pytest.raises(ValueError, match="case 1 is too short"):
        check_collection([np.zeros((2, 5)), np.zeros((2, 0))])


@pytest.mark.parametrize(
    "X, word",
    [
        (np.array([[["a", "b"]]]), "non-numeric"),
        (np.ones((2, 1, 3), dtype=complex), "complex"),
        ([np.array([["x", "y"]], dtype=object)], "non-numeric"),
        ("not an array", "3D array"),
        (np.zeros((2, 2, 2, 2)), "shape"),
        (np.zeros(5), "shape"),
    ],
)
def test_malformed_arrays(X, word):
    with pytest.raises(ValueError, match=word):
        check_collection(X)


def test_inconsistent_channels_in_list():
    with pytest.raises(ValueError, match="case 1 has 3 channels but case 0 has 2"):
        check_collection([np.zeros((2, 5)), np.zeros((3, 5))])


def test_mismatched_X_and_y(fitted):
    _, X, y = fitted
    with pytest.raises(ValueError, match="30 cases but y has 29 labels"):
        LightWaveSClassifier().fit(X, y[:-1])
    with pytest.raises(ValueError, match="y must be 1D"):
        LightWaveSClassifier().fit(X, np.c_[y, y])
    with pytest.raises(ValueError, match="NaN"):
        LightWaveSClassifier().fit(X, np.where(y == 1, np.nan, y))


@pytest.mark.parametrize(
    "params, word",
    [
        ({"variant": "L3"}, "variant"),
        ({"n_features": 0}, "n_features"),
        ({"n_features": 2.5}, "n_features"),
        ({"n_candidates": 3, "n_features": 5}, "n_candidates"),
        ({"max_dilation": 12}, "power of two"),
        ({"max_cases": -1}, "max_cases"),
        ({"n_jobs": 0}, "n_jobs"),
        ({"backend": "mpi"}, "backend"),
    ],
)
def test_bad_parameters(fitted, params, word):
    _, X, y = fitted
    with pytest.raises(ValueError, match=word):
        LightWaveSTransformer(**params).fit(X, y)


@settings(max_examples=60, deadline=None)
@given(
    X=st.one_of(
        hnp.arrays(
            st.sampled_from([np.float64, np.float32]),
            hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=6),
            elements=st.floats(width=32),
        ),
        hnp.arrays(
            st.sampled_from([np.int64, np.int8, np.bool_]),
            hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=6),
        ),
        st.lists(
            hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=5)),
            max_size=4,
        ),
    )
)
def test_any_input_is_accepted_or_rejected_with_value_error(X):
    """No crash, no hang: either a valid collection or a ValueError with a message."""
    try:
        coll = check_collection(X)
    except ValueError as err:
        assert str(err)
        return
    assert np.isfinite(coll.data).all()
    assert (coll.lengths > 0).all() and coll.n_channels > 0


@settings(max_examples=25, deadline=None)
@given(
    n_channels=st.integers(1, 6),
    length=st.integers(1, 60),
    n_cases=st.integers(1, 4),
)
def test_predict_accepts_any_length_and_rejects_wrong_channels(fitted, n_channels, length, n_cases):
    clf, _, _ = fitted
    X = np.random.default_rng(length).normal(size=(n_cases, n_channels, length))
    if n_channels in (3, len(clf.selected_channels_)):
        assert clf.predict(X).shape == (n_cases,)
    else:
        with pytest.raises(ValueError, match="channels"):
            clf.predict(X)


def test_values_too_large_for_float64_are_reported(fitted):
    clf, X, y = fitted
    Xb = X[:3].copy()
    Xb[2, 1, :] = 1.7e308
    with pytest.raises(ValueError, match="too large.*case 2"):
        clf.predict(Xb)
    Xf = X.copy()
    Xf[:, 2, ::2] = 1e300
    with pytest.raises(ValueError, match="too large.*channel 2"):
        LightWaveSClassifier(n_features=5).fit(Xf, y)
