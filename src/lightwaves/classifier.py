"""LightWaveSClassifier: LightWaveS features, standard scaling, cross-validated ridge."""

from __future__ import annotations

from contextlib import nullcontext

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import RidgeClassifierCV
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from .case_passes import chunk_bounds, fit_ridge_streamed, serial_runner
from .params import CLASSIFIER_PARAMETERS, check_alphas, estimator_init
from .pipeline import CHUNK_CASES
from .runtime import decision_scores, feature_weights, labels_from_scores, probabilities
from .transformer import LightWaveSTransformer
from .validation import check_labels

DEFAULT_ALPHAS = np.logspace(-3, 3, 10)
#: Features of the training cases kept between the ridge's two passes up to this size (else recomputed).
FEATURE_CACHE_BYTES = 512 * 2**20
#: Leave-one-out scores of at most about this many cases (every m-th case) calibrate the probabilities.
MAX_CALIBRATION_CASES = 100_000


class LightWaveSClassifier(ClassifierMixin, BaseEstimator):
    """Multivariate time-series classifier: LightWaveS features + ``RidgeClassifierCV``.

    Each channel is standardised with training statistics, the selected LightWaveS features are computed
    (see :class:`~lightwaves.LightWaveSTransformer`), standardised, and classified by ridge regression
    with leave-one-out cross-validated ``alpha``. Prediction computes only the selected features and
    applies the scaler and ridge as one folded linear map, so a single case costs tens of microseconds.

    Parameters
    ----------
    variant, n_features, n_candidates, max_cases, max_dilation, random_state, n_jobs, backend, progress, \
    distinct_candidates, selection, pooling, diff, rocket_budget, detach_step, detach_cost, bias_cases, \
    components, hydra_groups, arith
        As in :class:`~lightwaves.LightWaveSTransformer`.
    alphas : array-like or None, default=None
        Ridge regularisation grid; None means ``np.logspace(-3, 3, 10)``.

    Attributes
    ----------
    classes_ : ndarray
        Class labels (any sortable type, strings too).
    transformer_ : LightWaveSTransformer
        The fitted feature transform.
    scaler_ : StandardScaler
    ridge_ : RidgeClassifierCV
    coef_ : ndarray of shape (1 or n_classes, n_features_out_)
        Ridge coefficients with the scaler folded in (applied to raw features).
    intercept_ : ndarray of shape (1 or n_classes,)
    temperature_ : float
        Softmax temperature of :meth:`predict_proba`, fitted on leave-one-out scores.
    selected_channels_, feature_names_, features_, n_channels_in_, n_features_out_
        Shortcuts to the transformer's attributes.
    feature_weights_ : ndarray of shape (n_features_out_,)
        Summed ``|ridge coefficient|`` of each feature (on standardised features).

    Examples
    --------
    >>> from aeon.datasets import load_classification
    >>> from lightwaves import LightWaveSClassifier
    >>> X, y = load_classification("BasicMotions", split="train")
    >>> clf = LightWaveSClassifier(random_state=0).fit(X, y)
    >>> X_test, y_test = load_classification("BasicMotions", split="test")
    >>> clf.score(X_test, y_test)
    1.0
    """

    __init__ = estimator_init(CLASSIFIER_PARAMETERS)

    def _make_transformer(self) -> LightWaveSTransformer:
        params = self.get_params()
        params.pop("alphas")
        return LightWaveSTransformer(**params)

    def fit(self, X, y):
        """Select features on ``X`` and fit the ridge classifier.

        ``X`` is read a chunk of cases at a time after selection (a memory-mapped ``.npy`` or a
        ``dask.array.Array`` is never loaded whole). With ``backend="dask"`` the ridge's two passes over
        those chunks run on the current Dask client's workers (see :mod:`lightwaves.case_passes` and
        :func:`lightwaves.distributed.case_runner_dask`); the model is bit-identical to the serial fit.

        ``X`` may also be a channel source such as :class:`lightwaves.distributed.NpyChannels` (data on
        a file system the Dask workers share): selection then runs on the current Dask client with the
        workers reading their shards, and this process reads only the merged candidates' channels; the
        workers read their chunks of the selected channels for the ridge's passes.
        """
        transformer = self._make_transformer()
        alphas = check_alphas(self.alphas)  # before the (long) selection
        alphas = DEFAULT_ALPHAS if alphas is None else alphas
        if _is_channel_source(X):
            from .distributed import case_runner_dask, fit_transformer_from_files

            y = check_labels(y, X.n_cases)
            fit_transformer_from_files(transformer, X, y)
            passes = case_runner_dask(transformer, X, CHUNK_CASES)  # workers read the selected channels
        else:
            source, F = transformer.fit_source(X, y)
            y = check_labels(y, source.n_cases)
            if F is not None:  # selection saw every case: its features serve both passes
                passes = nullcontext(serial_runner(lambda: ((s, F[s:e]) for s, e in chunk_bounds(len(F), CHUNK_CASES))))
            elif self.backend == "dask":  # the workers compute the chunks' features and partial statistics
                from .distributed import case_runner_dask

                passes = case_runner_dask(transformer, source, CHUNK_CASES)
            else:  # computed from the input a chunk at a time: memory flat in the number of cases
                passes = FeaturePasses(lambda: transformer.transform_chunks(source, CHUNK_CASES))
        # The ridge sees class codes 0..K-1: any label type (float labels too) gives the same model.
        classes, codes = np.unique(y, return_inverse=True)
        with passes as runner:  # runner(step, Y, codes) yields each chunk's partial, in chunk order
            self._fit_ridge(runner, codes, classes, alphas)
        self.transformer_ = transformer
        self.classes_ = classes
        self._fold()
        return self

    def _fit_ridge(self, runner, codes, classes, alphas):
        """Scaler, ridge and temperature from the two streamed passes of ``runner`` over the case chunks
        (see :mod:`lightwaves.case_passes`). Memory is that of a chunk plus ``O(n_features^2)``, whatever
        the number of cases."""
        prep, sol = fit_ridge_streamed(runner, codes, len(classes), alphas, MAX_CALIBRATION_CASES)
        self.scaler_ = fitted_scaler(prep.mean, prep.scale, prep.var, prep.n)
        self.ridge_ = fitted_ridge(sol.coef, sol.intercept, sol.alpha, alphas, sol.best_score, classes)
        self.temperature_ = fit_temperature(sol.loo_scores, sol.loo_codes)

    def _fold(self):
        """Fold the scaler into the ridge: scores = features @ coef_.T + intercept_."""
        coef = np.atleast_2d(self.ridge_.coef_) / self.scaler_.scale_
        self.coef_ = np.ascontiguousarray(coef)
        self.intercept_ = np.atleast_1d(self.ridge_.intercept_ - coef @ self.scaler_.mean_).astype(float)

    # shortcuts to the transform's fitted attributes
    @property
    def selected_channels_(self):
        return self.transformer_.selected_channels_

    @property
    def feature_names_(self):
        return self.transformer_.feature_names_

    @property
    def features_(self):
        return self.transformer_.features_

    @property
    def n_channels_in_(self):
        return self.transformer_.n_channels_in_

    @property
    def n_features_out_(self):
        return self.transformer_.n_features_out_

    @property
    def feature_weights_(self) -> np.ndarray:
        """``|ridge coefficient|`` of each selected feature on standardised features, summed over classes
        (one row for two classes): ``(n_features_out_,)``."""
        check_is_fitted(self, "ridge_")
        return feature_weights(self.ridge_.coef_)

    def decision_function(self, X):
        """Ridge scores: ``(n_cases,)`` for two classes (positive means ``classes_[1]``), else
        ``(n_cases, n_classes)``."""
        _check_fitted(self, "coef_")
        state = self.transformer_.inference_state_
        return decision_scores(state.features(X, self.transformer_.n_jobs), self.coef_, self.intercept_,
                               engine=state.engine)

    def predict(self, X):
        """Predicted class labels."""
        return labels_from_scores(self.decision_function(X), self.classes_)

    def predict_proba(self, X):
        """Calibrated class probabilities ``(n_cases, n_classes)``, columns in ``classes_`` order.

        ``softmax(decision_function(X) / temperature_)`` (with two classes the score ``s`` gives the
        logits ``(-s, s)``); ``temperature_`` minimises the log-loss of the ridge's exact leave-one-out
        scores of the training cases, so calibration costs no extra fit.
        """
        _check_fitted(self, "temperature_")
        return probabilities(self.decision_function(X), self.temperature_)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def save(self, path):
        """Write the fitted model to ``path`` (a ``.lwz`` file: arrays and JSON, no pickle)."""
        from .model_file import save

        save(self, path)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags


def _check_fitted(estimator, attribute):
    """``check_is_fitted(estimator, attribute)`` without its tag lookups: prediction of one case runs
    this on every call."""
    if not hasattr(estimator, attribute):
        raise NotFittedError(
            f"This {type(estimator).__name__} instance is not fitted yet. Call 'fit' with appropriate "
            "arguments before using this estimator."
        )


class FeaturePasses:
    """The training features, chunk by chunk, for the ridge's two passes (a context manager whose ``with``
    value is the serial runner of :mod:`lightwaves.case_passes` over these chunks).

    The first pass computes them (``compute()`` yields ``(first case, features)``); later passes read
    them back instead of recomputing: from memory while they fit in ``FEATURE_CACHE_BYTES``, else from a
    temporary file (written sequentially, read back chunk by chunk: the page cache, not the process,
    holds them), else, when the disk has no room, they are recomputed. Every pass yields the same bits.
    """

    def __init__(self, compute):
        self._compute = compute
        self._memory, self._bytes = [], 0
        self._file, self._index = None, []
        self._state = "first"  # then "memory", "file" or "recompute"

    def __enter__(self):
        return serial_runner(self)

    def __exit__(self, *exc):
        if self._file is not None:
            self._file.close()  # a TemporaryFile: removed on close
        return False

    def __call__(self):
        if self._state == "memory":
            yield from self._memory
        elif self._state == "file":
            self._file.seek(0)
            for start, shape in self._index:
                yield start, np.fromfile(self._file, dtype=np.float64, count=shape[0] * shape[1]).reshape(shape)
        elif self._state == "recompute":
            yield from self._compute()
        else:
            spill_failed = False
            for start, Fc in self._compute():
                if not spill_failed:
                    spill_failed = not self._keep(start, np.ascontiguousarray(Fc, dtype=np.float64))
                yield start, Fc
            self._state = "recompute" if spill_failed else ("file" if self._file is not None else "memory")
            self._memory = [] if self._state != "memory" else self._memory

    def _keep(self, start, Fc) -> bool:
        if self._file is None and self._bytes + Fc.nbytes <= FEATURE_CACHE_BYTES:
            self._memory.append((start, Fc))
            self._bytes += Fc.nbytes
            return True
        if self._file is None:
            import shutil
            import tempfile

            if shutil.disk_usage(tempfile.gettempdir()).free < 4 * FEATURE_CACHE_BYTES:
                return False
            self._file = tempfile.TemporaryFile()
            for s0, F0 in self._memory:
                self._write(s0, F0)
            self._memory = []
        try:
            self._write(start, Fc)
        except OSError:  # disk full: recompute instead
            return False
        return True

    def _write(self, start, Fc):
        self._file.write(Fc.tobytes())
        self._index.append((start, Fc.shape))


def fitted_scaler(mean, scale, var, n_samples) -> StandardScaler:
    """A fitted ``StandardScaler`` with the given statistics (used by ``fit`` and by model loading)."""
    scaler = StandardScaler()
    scaler.mean_ = np.asarray(mean, dtype=np.float64)
    scaler.scale_ = np.asarray(scale, dtype=np.float64)
    scaler.var_ = np.asarray(var, dtype=np.float64)
    scaler.n_features_in_ = int(scaler.mean_.shape[0])
    scaler.n_samples_seen_ = np.int64(n_samples)
    return scaler


def fitted_ridge(coef, intercept, alpha, alphas, best_score, classes) -> RidgeClassifierCV:
    """A fitted ``RidgeClassifierCV`` on standardised features (``fit`` and model loading); with two
    classes ``coef`` is ``(1, n_features)`` and ``intercept`` ``(1,)``, as scikit-learn stores them."""
    from sklearn.preprocessing import LabelBinarizer

    ridge = RidgeClassifierCV(alphas=np.asarray(alphas, dtype=np.float64))
    ridge.coef_ = np.asarray(coef, dtype=np.float64)
    ridge.intercept_ = np.asarray(intercept, dtype=np.float64)
    ridge.alpha_ = float(alpha)
    if best_score is not None:
        ridge.best_score_ = float(best_score)
    ridge.n_features_in_ = int(ridge.coef_.shape[-1])
    ridge._label_binarizer = LabelBinarizer(pos_label=1, neg_label=-1).fit(classes)
    ridge.classes_ = classes
    return ridge


def fit_temperature(scores, codes) -> float:
    """The softmax temperature that minimises the cross-entropy of ``scores`` ``(n_cases, 1 or K)``
    against smoothed targets of the true classes ``codes`` (a one-dimensional bounded search over
    log-temperature, deterministic).

    The targets are Platt's (1999): a case of a class with ``n`` training cases gets ``(n + 1) / (n + 2)``
    on its class and ``1 / (n + 2)`` spread evenly over the others. With plain one-hot targets, scores
    that separate the training cases perfectly (common with hundreds of selected features and few
    cases, as the leave-one-out scores are of the selected features) drive the temperature to zero and
    every probability to 0 or 1; the smoothed targets keep the confidence at what the class sizes
    support.
    """
    from scipy.optimize import minimize_scalar

    logits = np.concatenate([-scores, scores], axis=1) if scores.shape[1] == 1 else scores
    n_classes = logits.shape[1]
    rows = np.arange(len(codes))
    counts = np.bincount(codes, minlength=n_classes).astype(np.float64)
    hit = (counts[codes] + 1.0) / (counts[codes] + 2.0)
    targets = np.repeat(((1.0 - hit) / max(n_classes - 1, 1))[:, None], n_classes, axis=1)
    targets[rows, codes] = hit

    def nll(log_t):
        z = logits / np.exp(log_t)
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-np.mean((targets * log_p).sum(axis=1)))

    res = minimize_scalar(nll, bounds=(-7.0, 7.0), method="bounded", options={"xatol": 1e-6})
    return float(np.exp(res.x))


def _is_channel_source(X) -> bool:
    """A lazily loaded data source (``n_cases``, ``n_channels``, ``subset``, ``load``), not an array."""
    return all(hasattr(X, a) for a in ("n_cases", "n_channels", "subset", "load")) and not isinstance(
        X, (np.ndarray, list, tuple)
    )
