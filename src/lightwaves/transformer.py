"""LightWaveSTransformer: supervised selection of a few hundred wavelet-scattering features."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._kernels import transform_triples
from ._plan import feature_names, feature_table, plan_for_ids
from ._validation import (
    BACKENDS,
    CaseSource,
    Collection,
    channel_stats_chunks,
    check_collection,
    check_labels,
    check_max_dilation,
    check_params,
)
from .runtime import InferenceState
from .selection import mrmr, scan_channels, warn_if_short

#: Cases per chunk when the whole training set is read (channel statistics, features for the ridge).
CHUNK_CASES = 4096


class LightWaveSTransformer(TransformerMixin, BaseEstimator):
    """LightWaveS features: MiniRocket kernels, two scattering levels, ANOVA + mRMR selection.

    Every channel is convolved with the 84 fixed MiniRocket kernels at dilations 1, 2, ...,
    ``max_dilation``. Level 1 takes four features of the output z (fraction of positive values, max|z|,
    longest positive run / length, min|z|); level 2 takes the same four of the kernel applied again to
    |z| decimated by two. ``fit`` keeps the ``n_features`` best by ANOVA F-score then mRMR; ``transform``
    computes only those, so channels without a selected feature are never read.

    Parameters
    ----------
    variant : {"L1L2", "L1", "L2"}, default="L1L2"
        Which scattering levels provide candidate features.
    n_features : int, default=500
        Number of features kept by mRMR.
    n_candidates : int or None, default=None
        Candidates kept by ANOVA F-score before mRMR; None means ``3 * n_features``.
    max_cases : int, default=1500
        Selection uses at most this many training cases (a subsample seeded by ``random_state``).
    max_dilation : int, default=32
        Largest dilation, a power of two.
    random_state : int, RandomState or None, default=None
        Seeds the subsample of training cases (only used when there are more than ``max_cases``).
    n_jobs : int, default=1
        numba threads for the transform (-1: all). Results are identical for every value.
    backend : {"serial", "dask"}, default="serial"
        Where candidate scoring runs: in this process, or sharded by channel on the current
        ``dask.distributed`` client (needs the ``distributed`` extra).
    progress : bool, default=False
        Show a progress bar over channels during ``fit``.
    distinct_candidates : bool, default=True
        Keep ``n_candidates`` *distinct* candidates: a candidate that is an exact affine copy of a better
        one (|Pearson r| = 1, common for short series and large dilations) does not take a place in the
        pool handed to mRMR. ``False`` reproduces the paper, whose pool may hold many copies (mRMR never
        picks a copy either way).

    Attributes
    ----------
    n_channels_in_ : int
        Channels of the training data.
    feature_ids_ : ndarray of int
        Ids of the selected features, in mRMR order (see :mod:`lightwaves._plan`).
    features_ : ndarray of shape (n_features_out_, 5)
        One row per selected feature: channel, kernel, dilation, level (1 or 2), feature
        (0 ppv, 1 max, 2 lspv, 3 min).
    feature_names_ : ndarray of str (dtype object)
        Readable names, e.g. ``"ch3/k17/d8/L2/ppv"``; ``get_feature_names_out()`` returns the same.
    feature_scores_ : ndarray
        ANOVA F-scores of the selected features.
    selected_channels_ : ndarray of int
        Sorted channels that the fitted transform reads.
    n_features_out_ : int
        Number of features kept (fewer than ``n_features`` when fewer usable candidates exist).
    n_candidates_usable_ : int
        Non-constant candidate features seen during selection.
    channel_mean_, channel_std_ : ndarray of shape (n_channels_in_,)
        Per-channel standardisation statistics of the training data.
    """

    def __init__(
        self,
        variant="L1L2",
        n_features=500,
        n_candidates=None,
        max_cases=1500,
        max_dilation=32,
        random_state=None,
        n_jobs=1,
        backend="serial",
        progress=False,
        distinct_candidates=True,
    ):
        self.variant = variant
        self.n_features = n_features
        self.n_candidates = n_candidates
        self.max_cases = max_cases
        self.max_dilation = max_dilation
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.backend = backend
        self.progress = progress
        self.distinct_candidates = distinct_candidates

    # ------------------------------------------------------------------ parameters
    def _check_params(self):
        p = check_params(self.get_params())
        return p.slots, p.dilations, p.n_features, p.n_candidates, p.max_cases

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y):
        """Select features on (a subsample of) ``X`` with labels ``y``."""
        self._fit(X, y)
        return self

    def fit_transform(self, X, y=None, **fit_params):
        """Fit, then return the selected features of ``X`` (reusing the selection's computation)."""
        source, F = self.fit_source(X, y)
        if F is None:
            F = np.concatenate([Fc for _, Fc in self.transform_chunks(source)])
        return F

    def fit_source(self, X, y):
        """Fit, and return ``(source, F)`` for callers that stream the features of many cases.

        ``source`` is the :class:`~lightwaves._validation.CaseSource` of ``X`` (read chunk by chunk:
        channel statistics and validation never hold a float64 copy of all of ``X``; selection reads only
        its subsample of at most ``max_cases`` cases); ``F`` holds the features of every case when
        selection saw every case (then they come for free), else None: use :meth:`transform_chunks`.
        """
        return self._fit(X, y)

    def transform_chunks(self, source, size=CHUNK_CASES):
        """``(first case, features)`` of consecutive chunks of at most ``size`` cases of ``source`` (a
        ``CaseSource`` or anything :meth:`transform` accepts)."""
        check_is_fitted(self, "feature_ids_")
        if not isinstance(source, CaseSource):
            source = CaseSource(source)
        for start, coll in source.chunks(size):
            yield start, self._transform_collection(coll)

    def _fit(self, X, y):
        slots, dil, k, m, max_cases = self._check_params()
        source = CaseSource(X)
        check_max_dilation(int(dil[-1]), int(source.length_max))
        y = check_labels(y, source.n_cases)
        classes, codes = np.unique(y, return_inverse=True)
        mean, sd = channel_stats_chunks(lambda: (c for _, c in source.chunks(CHUNK_CASES)))

        sub = self._subsample(codes, max_cases)
        scoll, scodes = (source.chunk(0, source.n_cases), codes) if sub is None else (source.take(sub), codes[sub])
        inv_sd = 1.0 / sd
        ids, scores, n_usable = self._scan(scoll, scodes, len(classes), mean, inv_sd, dil, slots, m)
        C = transform_triples(scoll, mean, inv_sd, plan_for_ids(ids, dil), n_jobs=self.n_jobs)
        chosen = self._select(C, ids, scores, n_usable, k, source.n_channels, mean, sd, dil)
        # C order, as transform returns it: scaling reduces over cases in a layout-dependent order
        return source, (np.ascontiguousarray(C[:, chosen]) if sub is None else None)

    def _subsample(self, codes, max_cases):
        """Sorted indices of the (seeded, stratified) subsample used for selection, or None for every case.

        See :func:`stratified_subsample`.
        """
        if len(codes) <= max_cases:
            return None
        return stratified_subsample(codes, max_cases, check_random_state(self.random_state))

    def _select(self, C, ids, scores, n_usable, k, n_channels, mean, sd, dil):
        """mRMR on the merged candidates ``C`` and store the fitted state; returns the chosen columns."""
        chosen = mrmr(C, scores, k)
        if len(chosen) == 0:
            raise ValueError(
                "no usable features: every candidate feature is constant on the cases used for selection"
                " (constant training data, or too few cases per class; check X and max_cases)"
            )
        warn_if_short(len(chosen), k, "features")
        self.n_channels_in_ = n_channels
        self.channel_mean_ = mean
        self.channel_std_ = sd
        self.dilations_ = dil
        self.feature_ids_ = ids[chosen]
        self.feature_scores_ = scores[chosen]
        self.n_candidates_usable_ = int(n_usable)
        self._set_derived()
        return chosen

    def _scan(self, coll, codes, n_classes, mean, inv_sd, dil, slots, m):
        channels = np.arange(coll.n_channels, dtype=np.int64)
        if self.backend == "dask":
            from .distributed import scan_channels_dask

            return scan_channels_dask(
                coll, codes, n_classes, mean, inv_sd, dil, slots, m, progress=self.progress,
                distinct=self.distinct_candidates,
            )
        bar = _progress_bar(self.progress, coll.n_channels, "scoring channels")
        try:
            return scan_channels(
                coll, channels, codes, n_classes, mean, inv_sd, dil, slots, m,
                n_jobs=self.n_jobs, progress=None if bar is None else bar.update,
                distinct=self.distinct_candidates,
            )
        finally:
            if bar is not None:
                bar.close()

    def _set_derived(self):
        """Attributes and inference plans that follow from the fitted state (also after loading)."""
        dil = self.dilations_
        self.features_ = feature_table(self.feature_ids_, dil)
        self.feature_names_ = np.asarray(feature_names(self.feature_ids_, dil), dtype=object)
        self.n_features_out_ = int(len(self.feature_ids_))
        self._inference = InferenceState(
            self.n_channels_in_, self.feature_ids_, dil, self.channel_mean_, self.channel_std_
        )
        self.selected_channels_ = self._inference.selected_channels

    # ------------------------------------------------------------------ transforming
    def transform(self, X):
        """The selected features of ``X``: ``(n_cases, n_features_out_)``.

        ``X`` holds either every channel seen in ``fit`` or only ``selected_channels_`` (in that
        order), so a device that records only the selected channels can call it directly.
        """
        check_is_fitted(self, "feature_ids_")
        return self._inference.features(X, self.n_jobs)

    def _transform_collection(self, coll: Collection) -> np.ndarray:
        return self._inference.features(coll, self.n_jobs)

    def get_feature_names_out(self, input_features=None):
        """Names of the output features (the same array as ``feature_names_``)."""
        check_is_fitted(self, "feature_ids_")
        return self.feature_names_.copy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.allow_nan = False
        return tags


def stratified_subsample(codes, size, rng) -> np.ndarray:
    """Sorted indices of ``size`` cases drawn without replacement, stratified by class.

    Each class gets ``size * n_class / n`` places, rounded down, at least one (so a rare class is never
    left out of selection) and at most its number of cases; the places left over go to the classes with the
    largest remainders (ties: the smaller class code). Within a class the cases are drawn uniformly with
    ``rng``. Deterministic for a given ``random_state``.
    """
    codes = np.asarray(codes)
    counts = np.bincount(codes)
    n = len(codes)
    exact = size * counts / n
    quota = np.minimum(np.maximum(np.floor(exact).astype(np.int64), (counts > 0).astype(np.int64)), counts)
    left = size - int(quota.sum())
    order = np.lexsort((np.arange(len(counts)), -(exact - np.floor(exact))))
    while left > 0:
        moved = False
        for c in order:
            if left and quota[c] < counts[c]:
                quota[c] += 1
                left -= 1
                moved = True
        if not moved:
            break
    while left < 0:  # more classes than places: drop from the largest quotas
        c = int(np.argmax(quota))
        quota[c] -= 1
        left += 1
    picked = [rng.choice(np.flatnonzero(codes == c), size=int(q), replace=False) for c, q in enumerate(quota) if q]
    return np.sort(np.concatenate(picked))


def _progress_bar(enabled, total, desc):
    if not enabled:
        return None
    from ._deps import progress_bar

    return progress_bar(total=total, desc=desc, unit="ch", leave=False)
