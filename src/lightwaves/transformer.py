"""LightWaveSTransformer: supervised selection of a few hundred wavelet-scattering features."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .families import describe_features
from .families.hydra.features import empty as empty_hydra
from .families.rocket.features import empty as empty_rocket
from .params import TRANSFORMER_PARAMETERS, estimator_init
from .pipeline import CHUNK_CASES, FittedSelection, SerialBackend, fit_selection
from .runtime import InferenceState
from .validation import CaseSource, Collection

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
    variant : {"MR", "L1L2", "L1", "L2", "L1L2+MR", "H", "MR+H"}, default="MR"
        Candidate features: the MiniRocket family (``"MR"``: multichannel kernels, biases from training
        quantiles, see :mod:`lightwaves.families.rocket.features`; chosen as the default by cross-validation on
        training splits, see ``docs/accuracy.md``), the paper's scattering levels (``"L1"``, ``"L2"``,
        ``"L1L2"``: single channels, four features per level, exactly as in the paper), or both pooled
        and selected together (``"L1L2+MR"``); ``"H"``: the Hydra family (Dempster et al. 2023: groups of
        eight random kernels competing at each time point, soft and hard counts per kernel, see
        :mod:`lightwaves.families.hydra`), ``"MR+H"``: the MiniRocket and Hydra families pooled.
    n_features : int or "auto", default=500
        Number of features kept. ``"auto"`` (with detachment, the MiniRocket family's selection): the
        smallest of 250, 500, 1,000 and 2,000 whose error on held-out selection cases (3 stratified
        folds: detachment and the ridge on two, the error on the third) is within one standard error of the
        best budget's; the model keeps that budget's features of the detachment path on all the selection
        cases (:func:`lightwaves.pipeline.choose_budget`; the curve is in ``n_features_curve_``). It runs
        four detachments instead of one.
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
    detach_cost : float, default=0.25
        How much detachment weighs a feature's inference cost: each step ranks the candidates by
        importance / cost^``detach_cost``, the cost being the feature's own pooling plus its share of
        the computation it shares with the other kept features (its convolution; its Hydra group of
        eight), so that the features kept share fewer convolutions (a faster model; see
        :func:`lightwaves.selection.detach`). 0: importance alone, as before 2026-12-04. 0.25 was chosen
        by cross-validation (``docs/accuracy.md``).
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
    hydra_groups : int, default=64
        Hydra-family groups (of eight competing kernels) drawn per dilation (variants ``"H"``, ``"MR+H"``).
    arith : {"float64", "float32"}, default="float64"
        The arithmetic the model will run in. ``"float32"`` (for a device without a double FPU: the C
        export's ``--arith float32``) makes selection aware of it: the selected features are computed on the
        selection cases in float32 as well, and a feature whose float32 value moves by more than
        :data:`lightwaves.pipeline.FLOAT32_TOLERANCE` of its spread on any case (a count whose threshold a
        point meets within rounding, a value made of rounding noise) is set aside and selection is run
        again without it, so the model's float32 predictions follow its float64 ones. The fitted
        transform itself computes in float64; ``load_predictor`` and ``export_c`` default to the float32
        arithmetic for such a model.

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
    n_features_curve_ : dict or None
        With ``n_features="auto"``: ``budgets``, their error on held-out selection cases
        ``holdout_error`` (which chose) and its standard error ``holdout_se``, the ridge's leave-one-out
        ``loo_error`` on the final detachment path (optimistic) and its ``se``, and the ``chosen`` budget;
        None otherwise.
    rocket_ : RocketFeatures
        Selected MiniRocket-family features (none with the paper's variants); their output columns
        follow those of ``feature_ids_``, and they appear in ``features_`` with level 0 and feature
        4 + operator (4 ppv, 5 mpv, 6 mipv, 7 lspv), channel being the first of the combination.
    hydra_ : HydraFeatures
        Selected Hydra-family features (none without the family); their output columns follow the
        MiniRocket family's, and they appear in ``features_`` with level 3 and feature 8 (soft count of
        the maximum) or 9 (hard count of the minimum), kernel being 0-7 within its group.
    channel_mean_, channel_std_ : ndarray of shape (n_channels_in_,)
        Per-channel standardisation statistics of the training data.
    """

    __init__ = estimator_init(TRANSFORMER_PARAMETERS)

    # ------------------------------------------------------------------ fitting
    def fit(self, X, y):
        """Select features on (a subsample of) ``X`` with labels ``y``."""
        self.fit_source(X, y)
        return self

    def fit_transform(self, X, y=None, **fit_params):
        """Fit, then return the selected features of ``X`` (reusing the selection's computation)."""
        source, F = self.fit_source(X, y)
        if F is None:
            F = np.concatenate([Fc for _, Fc in self.transform_chunks(source)])
        return F

    def fit_source(self, X, y):
        """Fit, and return ``(source, F)`` for callers that stream the features of many cases.

        Runs the steps of :mod:`lightwaves.pipeline` on this transformer's backend. ``source`` is the
        :class:`~lightwaves.validation.CaseSource` of ``X`` (read chunk by chunk: channel statistics and
        validation never hold a float64 copy of all of ``X``; selection reads only its subsample of at most
        ``max_cases`` cases); ``F`` holds the features of every case when selection saw every case (then
        they come for free), else None: use :meth:`transform_chunks`.
        """
        training, fitted, values = fit_selection(X, y, self.get_params(), self.fit_backend())
        self.set_selection(fitted)
        return training.source, (values if training.subsample is None else None)

    def fit_backend(self):
        """The :class:`~lightwaves.pipeline.Backend` the ``backend`` parameter names."""
        if self.backend == "dask":
            from .distributed import DaskBackend

            return DaskBackend(n_jobs=self.n_jobs, progress=self.progress)
        return SerialBackend(n_jobs=self.n_jobs, progress=self.progress)

    def transform_chunks(self, source, size=CHUNK_CASES):
        """``(first case, features)`` of consecutive chunks of at most ``size`` cases of ``source`` (a
        ``CaseSource`` or anything :meth:`transform` accepts)."""
        check_is_fitted(self, "feature_ids_")
        if not isinstance(source, CaseSource):
            source = CaseSource(source)
        for start, coll in source.chunks(size):
            yield start, self._transform_collection(coll)

    def set_selection(self, fitted: FittedSelection):
        """Store a fitted selection (:class:`lightwaves.pipeline.FittedSelection`: what ``fit`` found,
        or what a model file holds) and derive the attributes and inference plans that follow from it."""
        self.n_channels_in_ = int(fitted.n_channels)
        self.channel_mean_ = fitted.mean
        self.channel_std_ = fitted.sd
        self.dilations_ = fitted.dilations
        self.feature_ids_ = fitted.paper
        self.feature_scores_ = fitted.scores
        self.n_candidates_usable_ = int(fitted.n_usable)
        self.rocket_ = empty_rocket() if fitted.rocket is None else fitted.rocket
        self.n_features_curve_ = fitted.budget_curve
        self.hydra_ = empty_hydra() if fitted.hydra is None else fitted.hydra
        self._set_derived()
        return self

    def _set_derived(self):
        """Attributes and inference plans that follow from the fitted state (also after loading)."""
        dil = self.dilations_
        rocket = getattr(self, "rocket_", None)
        if rocket is None:
            rocket = self.rocket_ = empty_rocket()
        hydra = getattr(self, "hydra_", None)
        if hydra is None:
            hydra = self.hydra_ = empty_hydra()
        names, self.features_, _ = describe_features(self.feature_ids_, dil, rocket, hydra)
        self.feature_names_ = np.asarray(names, dtype=object)
        self.n_features_out_ = len(names)
        self._inference = InferenceState(
            self.n_channels_in_, self.feature_ids_, dil, self.channel_mean_, self.channel_std_, rocket,
            hydra=hydra,
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
        weigh, and the summed combination of its group for Hydra's (a list of int arrays)."""
        check_is_fitted(self, "feature_ids_")
        paper = [np.array([c], dtype=np.int64) for c in self.features_[: len(self.feature_ids_), 0]]
        r = self.rocket_
        h = self.hydra_
        return paper + [r.reads(int(j)) for j in r.feature_conv] + [h.reads(int(g)) for g in h.group]

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
