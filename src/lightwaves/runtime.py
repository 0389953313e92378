"""What prediction needs, and nothing more: numpy and numba, no scikit-learn.

:class:`InferenceState` turns a fitted selection (feature ids, dilations, channel statistics) into the
plans the numba kernels run, for input holding every training channel or only the selected ones; the
transformer predicts through it. :class:`Predictor` adds the folded linear model: it is what
``lightwaves.model_io.load_predictor`` returns, so a device (or ``lightwaves predict``) can classify from
a ``.lwz`` file without importing scikit-learn.
"""

from __future__ import annotations

import numpy as np

from ._kernels import linear_scores, softmax_rows, transform_triples
from ._plan import plan_for_ids
from ._rocket_family import plan_for as rocket_plan_for
from ._rocket_kernels import transform_rocket
from ._validation import check_collection, check_dask_shape, is_dask_array

#: Cases computed at a time when a Dask array is transformed.
DASK_CHUNK_CASES = 4096


class InferenceState:
    """Plans and per-channel standardisation of a fitted LightWaveS selection.

    Parameters
    ----------
    n_channels_in : int
        Channels of the training data.
    feature_ids : ndarray of int
        Selected feature ids, in output column order.
    dilations : ndarray of int
        The dilations of the feature space.
    channel_mean, channel_std : ndarray of shape (n_channels_in,)
        Training statistics of each channel.
    rocket : RocketFeatures or None
        Selected features of the MiniRocket family (see :mod:`lightwaves._rocket_family`); their
        columns follow those of ``feature_ids``.
    """

    def __init__(self, n_channels_in, feature_ids, dilations, channel_mean, channel_std, rocket=None):
        self.n_channels_in = int(n_channels_in)
        ids = np.asarray(feature_ids, dtype=np.int64)
        plan = plan_for_ids(ids, dilations)
        self.selected_channels = np.unique(plan.channel)
        self._rocket = rocket if rocket is not None and rocket.n_features else None
        if self._rocket is not None:
            self.selected_channels = np.union1d(self.selected_channels, self._rocket.channels)
        inv_sd = 1.0 / np.asarray(channel_std, dtype=np.float64)
        mean = np.asarray(channel_mean, dtype=np.float64)
        sel = self.selected_channels
        position = np.full(self.n_channels_in, -1, dtype=np.int64)
        position[sel] = np.arange(len(sel))
        self._modes = {
            # input holds every training channel
            self.n_channels_in: (plan, mean, inv_sd),
            # input holds only the selected channels, in that order
            len(sel): (
                plan_for_ids(ids, dilations, channel_position=position),
                np.ascontiguousarray(mean[sel]),
                np.ascontiguousarray(inv_sd[sel]),
            ),
        }
        self._rocket_plans = None
        if self._rocket is not None:
            self._rocket_plans = {
                self.n_channels_in: rocket_plan_for(self._rocket),
                len(sel): rocket_plan_for(self._rocket, channel_position=position),
            }

    def features(self, X, n_jobs=1) -> np.ndarray:
        """The selected features of ``X`` (all training channels, or only the selected ones).

        A ``dask.array.Array`` is computed and transformed :data:`DASK_CHUNK_CASES` cases at a time.
        """
        if is_dask_array(X):
            return self._dask_features(X, n_jobs)
        coll = check_collection(X, n_channels_model=self.n_channels_in)
        try:
            plan, mean, inv_sd = self._modes[coll.n_channels]
        except KeyError:
            raise ValueError(
                f"X has {coll.n_channels} channels, but the model was fitted on {self.n_channels_in} "
                f"channels; pass all {self.n_channels_in} channels or only the {len(self.selected_channels)}"
                f" selected channels {self.selected_channels.tolist()} in that order"
            ) from None
        F = transform_triples(coll, mean, inv_sd, plan, n_jobs=n_jobs)
        if self._rocket_plans is not None:
            R = transform_rocket(coll, mean, inv_sd, self._rocket_plans[coll.n_channels], n_jobs=n_jobs)
            F = np.concatenate([F, R], axis=1) if F.shape[1] else R
        return check_finite(F)

    def _dask_features(self, X, n_jobs):
        n = check_dask_shape(X, "X")[0] if X.ndim else 0
        if X.ndim not in (2, 3) or n == 0:  # the usual error, on a case or none
            return self.features(np.asarray(X[:1].compute()) if X.ndim else np.asarray(X.compute()), n_jobs)
        out = []
        for start in range(0, n, DASK_CHUNK_CASES):
            part = np.asarray(X[start : start + DASK_CHUNK_CASES].compute())
            coll = check_collection(part, n_channels_model=self.n_channels_in, case_offset=start)
            out.append(self.features(coll, n_jobs))
        return np.concatenate(out)


def check_finite(F: np.ndarray) -> np.ndarray:
    """Features overflow only for absurdly large inputs (|x| near 1e308); say so instead of predicting."""
    if not np.isfinite(F).all():
        i = int(np.flatnonzero(~np.isfinite(F).all(axis=1))[0])
        raise ValueError(
            f"X has values too large for float64 arithmetic: the features of case {i} overflow; rescale"
            " the data"
        )
    return F


class Predictor:
    """A fitted LightWaveS classifier reduced to prediction: features, then one linear map.

    Attributes mirror :class:`~lightwaves.LightWaveSClassifier`: ``classes_``, ``coef_``, ``intercept_``,
    ``n_channels_in_``, ``selected_channels_``, ``temperature_``; ``predict``, ``decision_function`` and
    ``predict_proba`` give bit-for-bit the
    classifier's results.
    """

    def __init__(self, state: InferenceState, coef, intercept, classes, n_jobs=1, temperature=None):
        self._state = state
        self.coef_ = np.ascontiguousarray(np.atleast_2d(coef), dtype=np.float64)
        self.intercept_ = np.atleast_1d(np.asarray(intercept, dtype=np.float64))
        self.classes_ = np.asarray(classes)
        self.temperature_ = None if temperature is None else float(temperature)
        self.n_jobs = n_jobs

    @property
    def n_channels_in_(self) -> int:
        return self._state.n_channels_in

    @property
    def selected_channels_(self) -> np.ndarray:
        return self._state.selected_channels

    def decision_function(self, X) -> np.ndarray:
        return decision_scores(self._state.features(X, self.n_jobs), self.coef_, self.intercept_)

    def predict(self, X) -> np.ndarray:
        return labels_from_scores(self.decision_function(X), self.classes_)

    def predict_proba(self, X) -> np.ndarray:
        """Calibrated class probabilities ``(n_cases, n_classes)``, columns in ``classes_`` order."""
        if self.temperature_ is None:
            raise ValueError("this model file has no probability calibration (saved by an older lightwaves);"
                             " refit it to get predict_proba")
        return probabilities(self.decision_function(X), self.temperature_)


def decision_scores(F, coef, intercept) -> np.ndarray:
    """Ridge scores of features ``F``: ``(n_cases,)`` for two classes, else ``(n_cases, n_classes)``.

    ``coef`` is ``(1 or n_classes, n_features)``. The sums run in a fixed order (not through BLAS), so
    a case gets the same bits alone, in any batch or chunk, with any ``n_jobs``, on any CPU.
    """
    scores = linear_scores(F, coef, intercept)
    return scores.ravel() if scores.shape[1] == 1 else scores


def feature_weights(ridge_coef) -> np.ndarray:
    """Summed ``|coefficient|`` over classes of each feature of a ridge on standardised features (its
    ``coef_``, 1D or one row for two classes): ``(n_features,)``."""
    return np.abs(np.atleast_2d(np.asarray(ridge_coef))).sum(axis=0)


def probabilities(scores, temperature) -> np.ndarray:
    """Class probabilities from ridge scores: ``softmax(scores / temperature)``, ``(n_cases, n_classes)``.

    With two classes the single score ``s`` stands for the logits ``(-s, s)``. ``temperature`` is fitted
    on the ridge's leave-one-out scores of the training cases (see ``LightWaveSClassifier``).
    """
    scores = np.asarray(scores, dtype=np.float64)
    logits = np.stack([-scores, scores], axis=1) if scores.ndim == 1 else scores
    return softmax_rows(logits, temperature)


def labels_from_scores(scores, classes) -> np.ndarray:
    """Class labels from ridge scores (positive score means ``classes[1]`` with two classes)."""
    if scores.ndim == 1:
        return classes[(scores > 0).astype(np.int64)]
    return classes[np.argmax(scores, axis=1)]


__all__ = ["InferenceState", "Predictor", "check_finite", "decision_scores", "labels_from_scores",
           "feature_weights", "probabilities"]
