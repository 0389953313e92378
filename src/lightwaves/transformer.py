"""LightWaveSTransformer: supervised selection of a few hundred wavelet-scattering features."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .families.paper.kernels import transform_triples
from .families.paper.plan import plan_for_ids
from .validation import (
    CaseSource,
    Collection,
    channel_stats_chunks,
    check_labels,
    check_max_dilation,
    check_params,
)
from .families import describe_features, parse_variant, resolve_selection, select_pooled
from .families.rocket.features import empty as empty_rocket
from .runtime import InferenceState
from .selection import mrmr, scan_channels, warn_if_short

#: Cases per chunk when the whole training set is read (channel statistics, features for the ridge).
CHUNK_CASES = 4096


class LightWaveSTransformer(TransformerMixin, BaseEstimator):
    """LightWaveS features: a large pool of MiniRocket-kernel candidates, a few hundred selected.

    With the default ``variant="MR"`` the candidates are the MiniRocket family: the 84 MiniRocket
    kernels over seeded channel combinations, at dilations fitted to the series length, each pooled
    (PPV) against biases drawn from training convolution outputs; ``fit`` keeps ``n_features`` of them by
    sequential feature detachment (ridge coefficients). With the paper's variants (``"L1"``, ``"L2"``,
    ``"L1L2"``) every channel is convolved alone at dilations 1, 2, ..., ``max_dilation``; level 1 takes
    four features of the output z (fraction of positive values, max|z|, longest positive run / length,
    min|z|), level 2 the same four of the kernel applied again to |z| decimated by two, and ``fit``
    keeps the ``n_features`` best by ANOVA F-score then mRMR. Either way ``transform`` computes only the
    selected features, so channels without a selected feature are never read.

    Parameters
    ----------
    variant : {"MR", "L1L2", "L1", "L2", "L1L2+MR"}, default="MR"
        Candidate features: the MiniRocket family (``"MR"``: multichannel kernels, biases from training
        quantiles, see :mod:`lightwaves.families.rocket.features`; chosen as the default by cross-validation on
        training splits, see ``docs/accuracy.md``), the paper's scattering levels (``"L1"``, ``"L2"``,
        ``"L1L2"``: single channels, four features per level, exactly as in the paper), or both pooled
        and selected together (``"L1L2+MR"``).
    n_features : int, default=500
        Number of features kept by mRMR.
    n_candidates : int or None, default=None
        Candidates kept by ANOVA F-score before mRMR; None means ``3 * n_features``.
    max_cases : int, default=1500
        Selection uses at most this many training cases (a subsample seeded by ``random_state``).
    max_dilation : int, default=32
        Largest dilation, a power of two.
    random_state : int, RandomState or None, default=None
        Seeds the MiniRocket family's draws (channel combinations, the cases biases come from) and the
        subsample of training cases (only drawn when there are more than ``max_cases``). The paper's
        variants draw nothing else, so with at most ``max_cases`` cases they do not depend on it.
    n_jobs : int, default=1
        numba threads for the transform (-1: all). Results are identical for every value.
    backend : {"serial", "dask"}, default="serial"
        Where candidates are computed and scored: in this process, or on the current
        ``dask.distributed`` client (needs the ``distributed`` extra), the paper family sharded by
        channel and the MiniRocket family by convolution. For the classifier it also places the ridge's
        passes over the training cases, sharded by case chunks. The model is bit for bit the serial one.
    progress : bool, default=False
        Show a progress bar over channels during ``fit``.
    distinct_candidates : bool, default=True
        Keep ``n_candidates`` *distinct* candidates: a candidate that is an exact affine copy of a better
        one (|Pearson r| = 1, common for short series and large dilations) does not take a place in the
        pool handed to mRMR. ``False`` reproduces the paper, whose pool may hold many copies (mRMR never
        picks a copy either way).
    selection : {"auto", "mrmr", "detach", "random"}, default="auto"
        How the ``n_features`` are chosen from the candidates: mRMR on the ``n_candidates`` best ANOVA
        F-scores (the paper), sequential feature detachment by ridge coefficients
        (:func:`lightwaves.selection.detach`), or at random (seeded; a baseline). ``"auto"``: mRMR for
        the paper's variants (which are then exactly the paper's), detachment with the MiniRocket family.
    pooling : {"ppv", "multirocket"}, default="ppv"
        Pooling operators. ``"ppv"``: each family's own, the MiniRocket family's PPV and the paper's
        four features. ``"multirocket"``: MultiRocket's PPV, MPV (mean of positive values), MIPV (mean
        index of positive values) and LSPV (longest positive run) for the MiniRocket family; the paper
        family adds MPV and MIPV (bias 0) to the four features of each of its levels.
    diff : bool, default=False
        Also draw candidates from the first-difference series of each family (as MultiRocket): of the
        channel combinations for the MiniRocket family, of each standardised channel for the paper's.
        The paper's variants are exactly the paper's with ``pooling="ppv"`` and ``diff=False``.
    rocket_budget : int, default=10000
        (kernel, dilation, bias) triples of the MiniRocket family per series representation (as
        MiniRocket's ``num_features``); the family has ``rocket_budget`` x operators x (1 + diff)
        candidates, rounded down to a multiple of 84.
    detach_step : float, default=0.3
        Fraction of the remaining candidates dropped per step of ``selection="detach"``.
    bias_cases : int, default=5
        Training cases whose convolution outputs, pooled, give each MiniRocket-family convolution's bias
        quantiles (drawn at random per convolution, seeded; all of them when there are fewer). 1 is
        MiniRocket's rule (one case); 5 was chosen by cross-validation (``docs/accuracy.md``).
    components : "auto" or int, default="auto"
        Learned channels for the MiniRocket family: the leading principal components of the
        standardised channels (fitted on the training time points, each scaled to unit variance), as
        channels ``n_channels_in_ + p`` (named ``pc<p>``). Half of ``rocket_budget`` then draws
        combinations of the channels and half combinations of the components. An int asks for at most
        ``min(components, n_channels)``; ``"auto"`` for 32 on data of at most 64 channels and none on wider
        data (fitting costs channels² x time points, and a case costs channels x components more to
        transform); 0 for none, as before 2026-11-30. None on univariate data. Chosen by cross-validation
        (``docs/accuracy.md``).

    With ``selection="detach"`` or ``"random"``, ``n_candidates`` is an optional ANOVA prefilter of the
    MiniRocket family (None: every candidate) and the paper family's pool size (None: ``3 * n_features``).

    Attributes
    ----------
    n_channels_in_ : int
        Channels of the training data.
    feature_ids_ : ndarray of int
        Ids of the selected features, in mRMR order (see :mod:`lightwaves.families.paper.plan`).
    features_ : ndarray of shape (n_features_out_, 5)
        One row per selected feature: channel, kernel, dilation, level (1 or 2), feature
        (0 ppv, 1 max, 2 lspv, 3 min, 5 mpv, 6 mipv).
    feature_names_ : ndarray of str (dtype object)
        Readable names, e.g. ``"ch3/k17/d8/L2/ppv"`` (``"ch3/diff/k17/d8/L1/mpv"`` on the first
        difference); ``get_feature_names_out()`` returns the same.
    feature_scores_ : ndarray
        ANOVA F-scores of the selected features.
    selected_channels_ : ndarray of int
        Sorted channels that the fitted transform reads.
    n_features_out_ : int
        Number of features kept (fewer than ``n_features`` when fewer usable candidates exist).
    n_candidates_usable_ : int
        Non-constant candidate features seen during selection.
    rocket_ : RocketFeatures
        Selected MiniRocket-family features (none with the paper's variants); their output columns
        follow those of ``feature_ids_``, and they appear in ``features_`` with level 0 and feature
        4 + operator (4 ppv, 5 mpv, 6 mipv, 7 lspv), channel being the first of the combination.
    channel_mean_, channel_std_ : ndarray of shape (n_channels_in_,)
        Per-channel standardisation statistics of the training data.
    """

    def __init__(
        self,
        variant="MR",
        n_features=500,
        n_candidates=None,
        max_cases=1500,
        max_dilation=32,
        random_state=None,
        n_jobs=1,
        backend="serial",
        progress=False,
        distinct_candidates=True,
        selection="auto",
        pooling="ppv",
        diff=False,
        rocket_budget=10_000,
        detach_step=0.3,
        bias_cases=5,
        components="auto",
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
        self.selection = selection
        self.pooling = pooling
        self.diff = diff
        self.rocket_budget = rocket_budget
        self.detach_step = detach_step
        self.bias_cases = bias_cases
        self.components = components

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

        ``source`` is the :class:`~lightwaves.validation.CaseSource` of ``X`` (read chunk by chunk:
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
        paper, rocket = parse_variant(self.variant)
        selection = resolve_selection(self.selection, self.variant)
        if rocket or selection != "mrmr":
            m = None if self.n_candidates is None and selection != "mrmr" else m
            picked = select_pooled(
                scoll, scodes, len(classes), mean, inv_sd, k, m,
                scan=lambda m_paper: self._scan(scoll, scodes, len(classes), mean, inv_sd, dil, slots, m_paper),
                dilations=dil, paper=paper is not None, rocket=rocket, selection=selection, pooling=self.pooling,
                diff=bool(self.diff), budget=int(self.rocket_budget), step=float(self.detach_step),
                bias_cases=int(self.bias_cases), components=self.components,
                distinct=self.distinct_candidates, seed=check_random_state(self.random_state).randint(2**31 - 1),
                n_jobs=self.n_jobs, rocket_features=self._rocket_features(),
            )
            _check_some_usable(picked.n_features)
            warn_if_short(picked.n_features, k, "features")
            self._store(source.n_channels, mean, sd, dil, picked.feature_ids, picked.scores, picked.n_usable,
                        picked.rocket)
            # selection saw every case: its values of the chosen features serve the ridge's passes
            return source, (picked.values if sub is None else None)
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
        _check_some_usable(len(chosen))
        warn_if_short(len(chosen), k, "features")
        self._store(n_channels, mean, sd, dil, ids[chosen], scores[chosen], n_usable, empty_rocket())
        return chosen

    def _store(self, n_channels, mean, sd, dil, feature_ids, scores, n_usable, rocket):
        """Set the fitted state (then the derived attributes and inference plans)."""
        self.n_channels_in_ = n_channels
        self.channel_mean_ = mean
        self.channel_std_ = sd
        self.dilations_ = dil
        self.feature_ids_ = feature_ids
        self.feature_scores_ = scores
        self.n_candidates_usable_ = int(n_usable)
        self.rocket_ = rocket
        self._set_derived()

    def _rocket_features(self):
        """How the MiniRocket family's candidates are computed: None (here) or sharded on Dask."""
        if self.backend != "dask":
            return None
        from .distributed import rocket_features_dask

        return lambda coll, mean, inv_sd, pool: rocket_features_dask(coll, mean, inv_sd, pool,
                                                                     progress=self.progress)

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
        rocket = getattr(self, "rocket_", None)
        if rocket is None:
            rocket = self.rocket_ = empty_rocket()
        names, self.features_, _ = describe_features(self.feature_ids_, dil, rocket)
        self.feature_names_ = np.asarray(names, dtype=object)
        self.n_features_out_ = len(names)
        self._inference = InferenceState(
            self.n_channels_in_, self.feature_ids_, dil, self.channel_mean_, self.channel_std_, rocket
        )
        self.selected_channels_ = self._inference.selected_channels

    @property
    def inference_state_(self) -> InferenceState:
        """The plans and channel standardisation that compute the selected features (what
        :meth:`transform` runs; see :class:`lightwaves.runtime.InferenceState`)."""
        try:
            return self._inference
        except AttributeError:  # not fitted (checked this way: prediction reads it on every call)
            check_is_fitted(self, "feature_ids_")
            raise

    def feature_channels(self) -> list:
        """The channels each output feature reads, in column order: one channel for the paper's features,
        the summed combination for the MiniRocket family's, with every channel its principal components
        weigh (a list of int arrays)."""
        check_is_fitted(self, "feature_ids_")
        paper = [np.array([c], dtype=np.int64) for c in self.features_[: len(self.feature_ids_), 0]]
        r = self.rocket_
        return paper + [r.reads(int(j)) for j in r.feature_conv]

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


def _check_some_usable(n_chosen: int) -> None:
    if n_chosen == 0:
        raise ValueError(
            "no usable features: every candidate feature is constant on the cases used for selection"
            " (constant training data, or too few cases per class; check X and max_cases)"
        )


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
    from .deps import progress_bar

    return progress_bar(total=total, desc=desc, unit="ch", leave=False)
