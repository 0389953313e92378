"""scikit-learn's estimator checks on the 2D path (a 2D array is n_cases x n_timepoints, one channel).

Checks we skip, and why:
- n_features_in_ checks, and "different number of features at predict": a 2D column here is a time
  point, not a feature. LightWaveS features are normalised by length, so a model legitimately predicts
  series of another length; what must match is the number of channels (``n_channels_in_``), which is
  checked with a clear error (tests/test_validation.py).
- check_dtype_object: an object array holding a dict is rejected with our ValueError naming the case,
  not with numpy's TypeError wording that the check looks for.
- check_estimators_empty_data_messages: zero time points is rejected as "too short", naming the shape,
  rather than with the check's "0 feature(s)" wording.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from lightwaves import LightWaveSClassifier, LightWaveSTransformer

SKIPPED = {
    "check_n_features_in": "columns are time points; length may differ between fit and predict",
    "check_n_features_in_after_fitting": "columns are time points; length may differ",
    "check_classifiers_train": "asserts an error for a different series length, which we accept",
    "check_transformer_general": "asserts an error for a different series length, which we accept",
    "check_dtype_object": "a dict inside X raises our ValueError naming the case, not numpy's TypeError",
    "check_estimators_empty_data_messages": "zero time points is reported as 'too short'",
}


def expected_failures(estimator):
    return SKIPPED


@parametrize_with_checks(
    [LightWaveSClassifier(n_features=10, random_state=0), LightWaveSTransformer(n_features=10, random_state=0)],
    expected_failed_checks=expected_failures,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
