"""What prediction needs, and nothing more: numpy and (optionally) numba, no scikit-learn.

:class:`InferenceState` turns a fitted selection (feature ids, dilations, channel statistics) into the
plans the kernels run, for input holding every training channel or only the selected ones; the
transformer predicts through it. :class:`Predictor` adds the folded linear model: it is what
``lightwaves.model_io.load_predictor`` returns, so a device (or ``lightwaves predict``) can classify from
a ``.lwz`` file without importing scikit-learn.

Two engines run the plans: ``"numba"`` (:mod:`lightwaves.families.paper.kernels`, :mod:`lightwaves.families.rocket.kernels`)
and ``"numpy"`` (:mod:`lightwaves.numpy_kernels`: no numba import, no JIT compilation, the same
features, scores and probabilities bit for bit). ``"auto"`` (the default) is numba when it can be imported, else
numpy; the environment variable ``LIGHTWAVES_ENGINE`` overrides ``"auto"``.
"""

from __future__ import annotations

import dataclasses
import os
from types import SimpleNamespace

import numpy as np

from .families.hydra.features import plan_for as hydra_plan_for
from .families.spec import NEED_L2
from .families.paper.plan import plan_for_ids
from .families.rocket.features import component_stats, with_components
from .families.rocket.features import plan_for as rocket_plan_for
from .params import ARITHMETICS
from .validation import check_collection, check_dask_shape, is_dask_array

#: Cases computed at a time when a Dask array is transformed.
DASK_CHUNK_CASES = 4096

#: Inference engines (see the module docstring).
ENGINES = ("auto", "numba", "numpy")
ENGINE_ENV = "LIGHTWAVES_ENGINE"


def check_arith(arith) -> str:
    """``arith`` if it names an arithmetic of :data:`~lightwaves.params.ARITHMETICS` (``"float64"``, the
    fit's own; ``"float32"``: the numpy engine in single precision, the same bits as the C export's float32
    build), else a ``ValueError``."""
    if arith not in ARITHMETICS:
        raise ValueError(f"arith must be one of {list(ARITHMETICS)}, got {arith!r}")
    return arith


def to_float32(name, a, nonzero=False) -> np.ndarray:
    """``a`` rounded to float32 (to nearest), or a ``ValueError`` naming ``name`` if a finite value
    overflows float32 (or, with ``nonzero``, a non-zero value rounds to zero): such a model cannot run in
    float32."""
    a64 = np.asarray(a, dtype=np.float64)
    with np.errstate(over="ignore", under="ignore"):
        a32 = a64.astype(np.float32)
    if (np.isfinite(a64) & ~np.isfinite(a32)).any() or (nonzero and ((a64 != 0) & (a32 == 0)).any()):
        raise ValueError(f"this model cannot run in float32 arithmetic: its {name} exceed float32's range; use "
                         "the float64 arithmetic")
    return a32


def requested_engine(engine=None) -> str:
    """The engine asked for: ``engine``, or for None and ``"auto"`` the ``$LIGHTWAVES_ENGINE`` override
    (``"auto"`` when it is unset); ``ValueError`` for an unknown name."""
    if engine is None or engine == "auto":
        engine = os.environ.get(ENGINE_ENV, "").strip() or "auto"
        if engine not in ENGINES:
            raise ValueError(f"{ENGINE_ENV} must be one of {list(ENGINES)}, got {engine!r}")
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {list(ENGINES)}, got {engine!r}")
    return engine


def resolve_engine(engine=None) -> str:
    """``"numba"`` or ``"numpy"`` for ``engine`` (None or ``"auto"``: ``$LIGHTWAVES_ENGINE`` if set, else
    numba when it can be imported, else numpy); ``ValueError`` for an unknown name, ``ImportError`` if
    ``"numba"`` is asked for and cannot be imported."""
    engine = requested_engine(engine)
    if engine == "numpy":
        return engine
    try:
        import numba  # noqa: F401
    except ImportError:
        if engine == "numba":
            raise ImportError("the numba engine needs numba (pip install numba); or use engine='numpy'") from None
        return "numpy"
    return "numba"


def kernels(engine=None) -> SimpleNamespace:
    """The functions of an engine: ``transform_triples``, ``transform_rocket``, ``transform_hydra``,
    ``linear_scores``, ``project_components`` (imported on first use, so the numpy engine never imports numba)."""
    name = resolve_engine(engine)
    if name not in _KERNELS:
        _KERNELS[name] = _load_kernels(name)
    return _KERNELS[name]


_KERNELS: dict = {}


def _load_kernels(name: str) -> SimpleNamespace:
    if name == "numpy":
        from .families.hydra.numpy_kernels import transform_hydra
        from .families.paper.numpy_kernels import transform_triples
        from .families.rocket.numpy_kernels import project_components, transform_rocket
        from .numpy_kernels import linear_scores
    else:
        from .families.hydra.kernels import transform_hydra
        from .families.paper.kernels import transform_triples
        from .families.rocket.kernels import project_components, transform_rocket
        from .kernels import linear_scores
    return SimpleNamespace(transform_triples=transform_triples, transform_rocket=transform_rocket,
                           transform_hydra=transform_hydra, linear_scores=linear_scores,
                           project_components=project_components)


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
        Selected features of the MiniRocket family (see :mod:`lightwaves.families.rocket.features`); their
        columns follow those of ``feature_ids``.
    engine : {"auto", "numba", "numpy"}
        Kernels that compute the features (see :func:`resolve_engine`); the features are the same.
    hydra : HydraFeatures or None
        Selected features of the Hydra family (see :mod:`lightwaves.families.hydra.features`); their
        columns follow the MiniRocket family's.
    arith : {"float64", "float32"}
        Arithmetic of the features: ``"float32"`` rounds the input, the channel statistics, the biases and
        the kernel and component weights to float32 and computes in float32 (numpy engine only: ``engine``
        must be ``"auto"`` or ``"numpy"``), as the C export's float32 build does, bit for bit.
    """

    def __init__(self, n_channels_in, feature_ids, dilations, channel_mean, channel_std, rocket=None,
                 engine="auto", hydra=None, arith="float64"):
        self.arith = check_arith(arith)
        if arith == "float32":
            if requested_engine(engine) == "numba":
                raise ValueError("the float32 arithmetic runs on the numpy engine; use engine='numpy' (or 'auto')")
            engine = "numpy"
        self.engine = resolve_engine(engine)
        self._kernels = kernels(self.engine)
        self.n_channels_in = int(n_channels_in)
        ids = np.asarray(feature_ids, dtype=np.int64)
        plan = plan_for_ids(ids, dilations)
        self.selected_channels = np.unique(plan.channel)
        self._rocket = rocket if rocket is not None and rocket.n_features else None
        if self._rocket is not None:
            self.selected_channels = np.union1d(self.selected_channels, self._rocket.channels)
        self._hydra = hydra if hydra is not None and hydra.n_features else None
        if self._hydra is not None:
            self.selected_channels = np.union1d(self.selected_channels, self._hydra.channels)
        self.selected_channels = np.asarray(self.selected_channels, dtype=np.int64)
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
        self._hydra_plans = None if self._hydra is None else {
            self.n_channels_in: hydra_plan_for(self._hydra),
            len(sel): hydra_plan_for(self._hydra, channel_position=position),
        }
        self._rocket_plans = None
        self._components = None  # input channel count -> component weights over those channels
        self.component_rows = np.empty(0, dtype=np.int64)
        if self._rocket is not None:
            P = self._rocket.n_components
            # components follow the input's channels: channel C + p of the model is position len(input) + p
            position_ext = np.concatenate([position, len(sel) + np.arange(P, dtype=np.int64)])
            self._rocket_plans = {
                self.n_channels_in: rocket_plan_for(self._rocket),
                len(sel): rocket_plan_for(self._rocket, channel_position=position_ext),
            }
            self.component_rows = self._rocket.used_components()
            if len(self.component_rows):  # per input: weights over its channels, and the extended statistics
                W = self._rocket.components
                self._components = {
                    n_in: (np.ascontiguousarray(w, dtype=np.float64), *component_stats(m, isd, P))
                    for n_in, w, m, isd in ((self.n_channels_in, W, mean, inv_sd),
                                            (len(sel), W[:, sel], mean[sel], inv_sd[sel]))
                }
        self._float64 = None
        if self.arith == "float32":
            self._to_float32()

    def _to_float32(self):
        """Every constant the kernels read, rounded to float32 (the float32 arithmetic's tables); the float64
        ones stay what :meth:`plans`, :meth:`hydra_plan` and :meth:`components_read` give (the C export rounds
        them itself)."""
        self._float64 = (self._modes, self._rocket_plans, self._hydra_plans, self._components)
        self._modes = {n_in: (plan, to_float32("channel means", mean), to_float32("channel scales", inv_sd, nonzero=True))
                       for n_in, (plan, mean, inv_sd) in self._modes.items()}
        if self._rocket_plans is not None:
            self._rocket_plans = {n_in: dataclasses.replace(p, bias=to_float32("MiniRocket-family biases", p.bias))
                                  for n_in, p in self._rocket_plans.items()}
        if self._hydra_plans is not None:
            self._hydra_plans = {n_in: dataclasses.replace(p, weights=to_float32("Hydra kernel weights", p.weights))
                                 for n_in, p in self._hydra_plans.items()}
        if self._components is not None:
            self._components = {n_in: tuple(to_float32("principal components", a) for a in parts)
                                for n_in, parts in self._components.items()}

    def components_read(self):
        """``(rows, weights)``: the principal components the selected features read (sorted) and their
        weights over every model channel, ``(len(rows), n_channels_in)`` (none: empty)."""
        components = self._float64[3] if self._float64 is not None else self._components
        if components is None:
            return self.component_rows, np.zeros((0, self.n_channels_in))
        return self.component_rows, components[self.n_channels_in][0][self.component_rows]

    @property
    def n_convolutions(self) -> int:
        """Convolutions computed per case: each selected triple's level 1, the level 2 of those with a
        level-2 feature, each selected MiniRocket-family convolution, and the eight kernels of each
        selected Hydra group (its features share them)."""
        plan, _, _, rocket = self.plans()
        n = len(plan.kernel) + int(np.count_nonzero(plan.needs & NEED_L2))
        n += 0 if rocket is None else len(rocket.kernel)
        return n + (0 if self._hydra is None else self._hydra.n_convolutions)

    def hydra_plan(self):
        """The Hydra-family plan for input holding every training channel (None without Hydra features)."""
        plans = self._float64[2] if self._float64 is not None else self._hydra_plans
        return None if plans is None else plans[self.n_channels_in]

    def plans(self):
        """``(plan, mean, inv_sd, rocket_plan)`` for input holding every training channel: what
        :meth:`features` runs (``rocket_plan`` is None without MiniRocket-family features). The C export
        (:mod:`lightwaves.export_c`) writes these very plans as tables."""
        modes, rocket_plans = (self._float64[:2] if self._float64 is not None else (self._modes, self._rocket_plans))
        plan, mean, inv_sd = modes[self.n_channels_in]
        rocket = None if rocket_plans is None else rocket_plans[self.n_channels_in]
        return plan, mean, inv_sd, rocket

    def features(self, X, n_jobs=1) -> np.ndarray:
        """The selected features of ``X`` (all training channels, or only the selected ones).

        A ``dask.array.Array`` is computed and transformed :data:`DASK_CHUNK_CASES` cases at a time.
        """
        if is_dask_array(X):
            return self._dask_features(X, n_jobs)
        coll = check_collection(X, n_channels_model=self.n_channels_in)
        if self.arith == "float32":  # the input as the C float32 build takes it
            with np.errstate(over="ignore"):
                coll = dataclasses.replace(coll, data=coll.data.astype(np.float32))
        try:
            plan, mean, inv_sd = self._modes[coll.n_channels]
        except KeyError:
            raise ValueError(
                f"X has {coll.n_channels} channels, but the model was fitted on {self.n_channels_in} "
                f"channels; pass all {self.n_channels_in} channels or only the {len(self.selected_channels)}"
                f" selected channels {self.selected_channels.tolist()} in that order"
            ) from None
        parts = []  # paper-family columns first, then the MiniRocket family's, then Hydra's
        if plan.channel.shape[0] or (self._rocket_plans is None and self._hydra_plans is None):
            parts.append(self._kernels.transform_triples(coll, mean, inv_sd, plan, n_jobs=n_jobs))
        if self._rocket_plans is not None:
            rcoll, rmean, rinv = coll, mean, inv_sd
            if self._components is not None:  # the components the features read, after the channels
                weights, rmean, rinv = self._components[coll.n_channels]
                rcoll = with_components(coll, mean, inv_sd, weights, self.component_rows,
                                        self._kernels.project_components)
            parts.append(self._kernels.transform_rocket(rcoll, rmean, rinv, self._rocket_plans[coll.n_channels],
                                                        n_jobs=n_jobs))
        if self._hydra_plans is not None:
            parts.append(self._kernels.transform_hydra(coll, mean, inv_sd, self._hydra_plans[coll.n_channels],
                                                       n_jobs=n_jobs))
        return check_finite(parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1), self.arith)

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


def check_finite(F: np.ndarray, arith: str = "float64") -> np.ndarray:
    """Features overflow only for absurdly large inputs (|x| near 1e308, or 3e38 in float32); say so
    instead of predicting."""
    if not np.isfinite(F).all():
        i = int(np.flatnonzero(~np.isfinite(F).all(axis=1))[0])
        raise ValueError(
            f"X has values too large for {arith} arithmetic: the features of case {i} overflow; rescale"
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

    def __init__(self, state: InferenceState, coef, intercept, classes, n_jobs=1, temperature=None,
                 feature_mean=None):
        self._state = state
        self.coef_ = np.ascontiguousarray(np.atleast_2d(coef), dtype=np.float64)
        self.intercept_ = np.atleast_1d(np.asarray(intercept, dtype=np.float64))
        self.classes_ = np.asarray(classes)
        self.temperature_ = None if temperature is None else float(temperature)
        self.n_jobs = n_jobs
        self.feature_mean_ = None if feature_mean is None else np.asarray(feature_mean, dtype=np.float64)
        self._float32 = None
        if state.arith == "float32":
            if feature_mean is None:
                raise ValueError("the float32 arithmetic needs the features' training mean (feature_mean)")
            self._float32 = float32_linear_model(self.coef_, self.intercept_, feature_mean)

    @classmethod
    def from_classifier(cls, clf, engine="auto", arith=None, n_jobs=1) -> "Predictor":
        """The predictor of a fitted :class:`~lightwaves.LightWaveSClassifier` (what ``load_predictor`` gives
        for its saved file), in the engine and arithmetic asked for (``arith`` None: the classifier's
        ``arith`` parameter)."""
        if arith is None:
            arith = getattr(clf, "arith", "float64")
        t = clf.transformer_
        state = InferenceState(t.n_channels_in_, t.feature_ids_, t.dilations_, t.channel_mean_, t.channel_std_,
                               getattr(t, "rocket_", None), engine=engine, hydra=getattr(t, "hydra_", None),
                               arith=arith)
        pred = cls(state, clf.coef_, clf.intercept_, clf.classes_, n_jobs=n_jobs,
                   temperature=getattr(clf, "temperature_", None), feature_mean=clf.scaler_.mean_)
        pred.training_metadata_ = dict(getattr(clf, "training_metadata_", None) or {})
        pred.model_arith_ = getattr(clf, "arith", "float64")
        return pred

    @property
    def arith(self) -> str:
        """``"float64"`` or ``"float32"``: the arithmetic of features and scores."""
        return self._state.arith

    @property
    def n_channels_in_(self) -> int:
        return self._state.n_channels_in

    @property
    def selected_channels_(self) -> np.ndarray:
        return self._state.selected_channels

    @property
    def state(self) -> InferenceState:
        """The features this predictor computes (plans and channel standardisation)."""
        return self._state

    @property
    def engine(self) -> str:
        """``"numba"`` or ``"numpy"``: the kernels this predictor runs."""
        return self._state.engine

    def decision_function(self, X) -> np.ndarray:
        F = self._state.features(X, self.n_jobs)
        if self._float32 is not None:
            from .numpy_kernels import linear_scores_float32

            scores = linear_scores_float32(F, *self._float32).astype(np.float64)
            return scores.ravel() if scores.shape[1] == 1 else scores
        return decision_scores(F, self.coef_, self.intercept_, engine=self.engine)

    def predict(self, X) -> np.ndarray:
        return labels_from_scores(self.decision_function(X), self.classes_)

    def predict_proba(self, X) -> np.ndarray:
        """Calibrated class probabilities ``(n_cases, n_classes)``, columns in ``classes_`` order."""
        if self.temperature_ is None:
            raise ValueError("this model file has no probability calibration (saved by an older lightwaves);"
                             " refit it to get predict_proba")
        return probabilities(self.decision_function(X), self.temperature_)


def decision_scores(F, coef, intercept, engine="auto") -> np.ndarray:
    """Ridge scores of features ``F``: ``(n_cases,)`` for two classes, else ``(n_cases, n_classes)``.

    ``coef`` is ``(1 or n_classes, n_features)``. The sums run in a fixed order (not through BLAS), so
    a case gets the same bits alone, in any batch or chunk, with any ``n_jobs``, on any CPU.
    """
    scores = kernels(engine).linear_scores(F, coef, intercept)
    return scores.ravel() if scores.shape[1] == 1 else scores


def float32_linear_model(coef, intercept, feature_mean):
    """``(center, coef, intercept)`` in float32 of the float32 scores ``sum_j (F_j - center_j) coef_j +
    intercept`` (:func:`lightwaves.numpy_kernels.linear_scores_float32`; the C float32 build's tables):
    ``center`` is the features' training mean, ``coef`` the folded ridge, and ``intercept`` the folded
    intercept plus ``coef . center``, summed in order in float64 (the ridge's own intercept)."""
    from .numpy_kernels import linear_scores

    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    mean = np.asarray(feature_mean, dtype=np.float64).reshape(1, -1)
    if mean.shape[1] != coef.shape[1]:
        raise ValueError(f"feature_mean has {mean.shape[1]} values for {coef.shape[1]} features")
    centred = linear_scores(mean, coef, intercept)[0]
    return (to_float32("feature means", mean[0]), np.ascontiguousarray(to_float32("coefficients", coef)),
            to_float32("intercepts", centred))


def feature_weights(ridge_coef) -> np.ndarray:
    """Summed ``|coefficient|`` over classes of each feature of a ridge on standardised features (its
    ``coef_``, 1D or one row for two classes): ``(n_features,)``."""
    return np.abs(np.atleast_2d(np.asarray(ridge_coef))).sum(axis=0)


def probabilities(scores, temperature) -> np.ndarray:
    """Class probabilities from ridge scores: ``softmax(scores / temperature)``, ``(n_cases, n_classes)``.

    With two classes the single score ``s`` stands for the logits ``(-s, s)``. ``temperature`` is fitted
    on the ridge's leave-one-out scores of the training cases (see ``LightWaveSClassifier``). Both
    engines' scores are the same bits, and this one softmax serves both, so neither the engine nor the
    batch changes a probability.
    """
    from .numpy_kernels import softmax_rows

    scores = np.asarray(scores, dtype=np.float64)
    logits = np.stack([-scores, scores], axis=1) if scores.ndim == 1 else scores
    return softmax_rows(logits, temperature)


def labels_from_scores(scores, classes) -> np.ndarray:
    """Class labels from ridge scores (positive score means ``classes[1]`` with two classes)."""
    if scores.ndim == 1:
        return classes[(scores > 0).astype(np.int64)]
    return classes[np.argmax(scores, axis=1)]


__all__ = ["ARITHMETICS", "ENGINES", "ENGINE_ENV", "InferenceState", "check_arith", "float32_linear_model", "to_float32", "Predictor", "requested_engine", "resolve_engine", "kernels", "check_finite", "decision_scores", "labels_from_scores",
           "feature_weights", "probabilities"]
