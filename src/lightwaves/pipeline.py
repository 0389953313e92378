"""The fit pipeline: the public steps every way of fitting runs, in this order.

1. :func:`plan_fit` checks the estimator's parameters (:func:`lightwaves.params.check_params`) and
   normalises them into a :class:`FitPlan`;
2. :func:`training_cases` reads the training cases through a case source (labels, channel statistics a
   chunk at a time, the seeded stratified subsample selection sees): :class:`TrainingCases`;
3. :func:`scan_candidates` asks each family of the variant for its :class:`~lightwaves.families.Candidates`
   on the selection cases (:meth:`~lightwaves.families.interface.FeatureFamily.candidates`);
4. :func:`select_features` keeps ``n_features`` of them (:func:`choose_columns`: mRMR, detachment or at
   random) and returns the :class:`FittedSelection` the transformer stores, with the chosen features'
   values on the selection cases;
5. the classifier's ridge is fitted on streamed passes over the cases
   (:func:`lightwaves.case_passes.fit_ridge_streamed`).

Where the heavy parts of steps 2 and 3 run is a :class:`Backend`: :class:`SerialBackend` (this process),
:class:`lightwaves.distributed.DaskBackend` (the current Dask client; the same bits) or
:class:`lightwaves.distributed.FileBackend` (workers read the training cases from a file). The serial
fit, the Dask fit and the fit from files differ only in the backend they pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.utils import check_random_state

from .families import FAMILIES, families_of, parse_variant, resolve_selection
from .families.hydra.features import HydraFeatures
from .families.rocket.features import RocketFeatures
from .params import AUTO_BUDGETS, check_max_dilation, check_params
from .validation import CaseSource, Collection, channel_stats_chunks, check_labels

#: Cases per chunk when the whole training set is read (channel statistics, features for the ridge).
CHUNK_CASES = 4096


# ---------------------------------------------------------------------------------------- 1. parameters
@dataclass(frozen=True)
class FitPlan:
    """Checked fit parameters (see :class:`~lightwaves.LightWaveSTransformer` for their meaning).

    ``paper_pool`` is the number of paper-family candidates the scan keeps; ``rocket_pool`` the number of
    MiniRocket-family candidates kept by ANOVA before selection (None: all). ``budgets`` are the feature
    budgets ``n_features="auto"`` chooses among (None: ``n_features`` is a number). ``seed`` is drawn from
    ``random_state`` by :func:`scan_candidates` (None before).
    """

    variant: str
    slots: np.ndarray
    dilations: np.ndarray
    n_features: int
    max_cases: int
    selection: str
    pooled: bool
    paper_pool: int
    rocket_pool: int | None
    pooling: str
    diff: bool
    rocket_budget: int
    detach_step: float
    bias_cases: int
    components: object
    hydra_groups: int
    distinct: bool
    random_state: object
    n_jobs: object
    progress: bool
    budgets: tuple | None = None
    seed: int | None = None
    arith: str = "float64"
    detach_cost: float = 0.0


def plan_fit(params: dict) -> FitPlan:
    """Step 1: check ``params`` (an estimator's ``get_params()``) and normalise them."""
    p = check_params(params)
    variant = params["variant"]
    selection = resolve_selection(params["selection"], variant)
    pooled = any(parse_variant(variant)[1:]) or selection != "mrmr"
    # Without n_candidates, detachment and random selection see the MiniRocket family's whole pool.
    rocket_pool = None if params["n_candidates"] is None and selection != "mrmr" else p.n_candidates
    budgets = None
    if params["n_features"] == "auto":
        if selection != "detach":
            raise ValueError(f"n_features='auto' chooses the budget on the detachment path: it needs "
                             f"selection='detach' (or 'auto' with the MiniRocket family), got {selection!r}")
        budgets = AUTO_BUDGETS
    return FitPlan(
        variant=variant, slots=p.slots, dilations=p.dilations, n_features=p.n_features, max_cases=p.max_cases,
        selection=selection, pooled=pooled, paper_pool=p.n_candidates, rocket_pool=rocket_pool,
        pooling=params["pooling"], diff=bool(params["diff"]), rocket_budget=int(params["rocket_budget"]),
        detach_step=float(params["detach_step"]), bias_cases=int(params["bias_cases"]),
        components=params["components"], hydra_groups=int(params.get("hydra_groups", 64)),
        distinct=params["distinct_candidates"],
        random_state=params["random_state"], n_jobs=params["n_jobs"], progress=params["progress"],
        budgets=budgets, arith=params.get("arith", "float64"), detach_cost=float(params.get("detach_cost", 0.0)),
    )


# ---------------------------------------------------------------------------------------- backends
class Backend:
    """Where the heavy steps run; this base class runs them in this process on in-memory cases.

    Subclasses override single steps (the Dask backends) and must return the same bits.
    """

    def __init__(self, n_jobs=1, progress=False):
        self.n_jobs = n_jobs
        self.progress = progress

    # step 2
    def case_source(self, X):
        """The training cases, read a chunk at a time."""
        return CaseSource(X)

    def longest_series(self, source) -> int:
        return int(source.length_max)

    def channel_stats(self, source):
        """Per-channel mean and standard deviation of every case (the same bits for any chunking)."""
        return channel_stats_chunks(lambda: (c for _, c in source.chunks(CHUNK_CASES)))

    def selection_cases(self, source, subsample):
        """The cases selection sees (``subsample`` None: all of them)."""
        return source.chunk(0, source.n_cases) if subsample is None else source.take(subsample)

    # step 3, paper family
    def scan_paper(self, cases, plan, m):
        """The paper family's ANOVA top ``m``: ``(ids, scores, n_usable)``
        (:func:`lightwaves.families.paper.scan.scan_channels`)."""
        from .families.paper.scan import scan_channels

        bar = None
        if self.progress:
            from .deps import progress_bar

            bar = progress_bar(total=cases.coll.n_channels, desc="scoring channels", unit="ch", leave=False)
        try:
            return scan_channels(
                cases.coll, np.arange(cases.coll.n_channels, dtype=np.int64), cases.codes, cases.n_classes,
                cases.mean, cases.inv_sd, plan.dilations, plan.slots, m, n_jobs=self.n_jobs,
                progress=None if bar is None else bar.update, distinct=plan.distinct,
            )
        finally:
            if bar is not None:
                bar.close()

    def paper_values(self, cases, ids, plan):
        """The paper-family features ``ids`` of the selection cases."""
        from .families.paper.kernels import transform_triples
        from .families.paper.plan import plan_for_ids

        return transform_triples(cases.coll, cases.mean, cases.inv_sd, plan_for_ids(ids, plan.dilations),
                                 n_jobs=self.n_jobs)

    # step 3, MiniRocket family
    def rocket_values(self, coll, mean, inv_sd, pool: RocketFeatures):
        """The MiniRocket-family features of ``pool`` on ``coll`` (channels and components)."""
        from .families.rocket.features import plan_for
        from .families.rocket.kernels import transform_rocket

        return transform_rocket(coll, mean, inv_sd, plan_for(pool), n_jobs=self.n_jobs)

    # step 3, Hydra family
    def hydra_values(self, coll, mean, inv_sd, pool: HydraFeatures):
        """The Hydra-family features of ``pool`` on ``coll``."""
        from .families.hydra.features import plan_for
        from .families.hydra.kernels import transform_hydra

        return transform_hydra(coll, mean, inv_sd, plan_for(pool), n_jobs=self.n_jobs)


class SerialBackend(Backend):
    """Every step in this process (``backend="serial"``)."""


# ---------------------------------------------------------------------------------------- 2. cases
@dataclass(frozen=True)
class SelectionCases:
    """The cases selection sees: a collection (or a channel source), class codes, standardisation."""

    coll: object
    codes: np.ndarray
    n_classes: int
    mean: np.ndarray
    inv_sd: np.ndarray


@dataclass(frozen=True)
class TrainingCases:
    """Step 2's result: the case source, labels, channel statistics and the selection subsample."""

    source: object
    y: np.ndarray
    classes: np.ndarray
    codes: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    subsample: np.ndarray | None
    selection: SelectionCases


def training_cases(X, y, plan: FitPlan, backend: Backend) -> TrainingCases:
    """Step 2: the case source of ``X``, checked labels, channel statistics and the selection cases."""
    source = backend.case_source(X)
    check_max_dilation(int(plan.dilations[-1]), backend.longest_series(source))
    y = check_labels(y, source.n_cases)
    classes, codes = np.unique(y, return_inverse=True)
    mean, sd = backend.channel_stats(source)
    sub = subsample(codes, plan.max_cases, plan.random_state)
    coll = backend.selection_cases(source, sub)
    scodes = codes if sub is None else codes[sub]
    cases = SelectionCases(coll, scodes, len(classes), mean, 1.0 / sd)
    return TrainingCases(source, y, classes, codes, mean, sd, sub, cases)


def subsample(codes, max_cases, random_state):
    """Sorted indices of the (seeded, stratified) subsample used for selection, or None for every case
    (see :func:`stratified_subsample`)."""
    if len(codes) <= max_cases:
        return None
    return stratified_subsample(codes, max_cases, check_random_state(random_state))


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


# ---------------------------------------------------------------------------------------- 3. candidates
def scan_candidates(cases: SelectionCases, plan: FitPlan, backend: Backend):
    """Step 3: the candidates of each family of the variant, in output column order.

    Returns ``(plan, candidates)``: the plan with its ``seed`` drawn from ``random_state`` (for pooled
    selections only, as before the pipeline existed, so a ``RandomState`` passed in is advanced alike).
    """
    if plan.pooled:
        from dataclasses import replace

        plan = replace(plan, seed=int(check_random_state(plan.random_state).randint(2**31 - 1)))
    return plan, [family.candidates(cases, plan, backend) for family in families_of(plan.variant)]


# ---------------------------------------------------------------------------------------- 4. selection
@dataclass(frozen=True)
class FittedSelection:
    """What a fitted transformer holds (and a model file stores): channel standardisation, dilations, and
    per family the selected features (``paper``: feature ids; ``rocket``: :class:`RocketFeatures`;
    ``hydra``: :class:`HydraFeatures`, None for none), with their ANOVA scores in output column order;
    with ``n_features="auto"``, ``budget_curve`` (see :func:`choose_budget`)."""

    n_channels: int
    mean: np.ndarray
    sd: np.ndarray
    dilations: np.ndarray
    scores: np.ndarray
    n_usable: int
    paper: np.ndarray
    rocket: RocketFeatures
    budget_curve: dict | None = None
    hydra: HydraFeatures | None = None

    @property
    def n_features(self) -> int:
        return int(len(self.paper)) + self.rocket.n_features + (0 if self.hydra is None else self.hydra.n_features)


def choose_columns(C, scores, candidates, cases: SelectionCases, plan: FitPlan):
    """Step 4a: the columns of the candidate matrix ``C`` (every family's candidates side by side, ANOVA
    ``scores``) that ``plan.selection`` keeps, in selection order, and the budget curve of
    ``n_features="auto"`` (else None): ``(columns, curve)``."""
    from .selection import detach, mrmr, random_columns, rank_order

    k = plan.n_features
    if plan.budgets is not None:
        return choose_budget(C, cases, plan, candidates)
    if not plan.pooled:  # the paper's method: mRMR straight on the scan's ranked candidates
        return mrmr(C, scores, k), None
    if plan.selection == "mrmr":
        order = rank_order(np.arange(len(scores)), scores)
        return order[mrmr(np.ascontiguousarray(C[:, order]), scores[order], k)], None
    if plan.selection == "detach":
        return detach(C, cases.codes, cases.n_classes, k, step=plan.detach_step,
                      cost=inference_costs(candidates, plan)), None
    return random_columns(C.shape[1], np.isfinite(scores), k, plan.seed), None


def inference_costs(candidates, plan: FitPlan):
    """The cost model :func:`lightwaves.selection.detach` weighs with ``plan.detach_cost`` (None when 0):
    ``(shared, shared_cost, own_cost, detach_cost)`` over the columns of every family's candidates side by
    side: the id of the computation each column shares (numbered across families; a column without one
    has its own), the cost of each such computation, and each column's own cost (see
    :class:`lightwaves.families.interface.Candidates`)."""
    if not plan.detach_cost:
        return None
    shared, shared_cost, own_cost, base = [], [], [], 0
    for c in candidates:
        n = c.values.shape[1]
        ids = np.arange(n, dtype=np.int64) if c.shared is None else np.asarray(c.shared, dtype=np.int64)
        n_ids = int(ids.max()) + 1 if n else 0
        shared.append(ids + base)
        shared_cost.append(np.full(n_ids, float(c.cost[0])))
        own_cost.append(np.full(n, float(c.cost[1])))
        base += n_ids
    return (np.concatenate(shared), np.concatenate(shared_cost), np.concatenate(own_cost), plan.detach_cost)


#: ``n_features="auto"``: the selection cases are split into this many stratified folds to estimate each
#: budget's error on cases its detachment did not see.
AUTO_FOLDS = 3


def budget_folds(codes: np.ndarray, n_folds: int, seed) -> np.ndarray:
    """Each case's fold (``0 .. n_folds - 1``), stratified: every class's cases, in a seeded random order,
    dealt to the folds in turn (continuing from the previous class), so folds differ in size by at most one
    case and in each class's count by at most one."""
    rng = np.random.default_rng(seed)
    codes = np.asarray(codes)
    fold = np.empty(len(codes), dtype=np.int64)
    dealt = 0
    for c in np.unique(codes):
        idx = np.flatnonzero(codes == c)
        idx = idx[rng.permutation(len(idx))]
        fold[idx] = (dealt + np.arange(len(idx))) % n_folds
        dealt += len(idx)
    return fold


def choose_budget(C, cases: SelectionCases, plan: FitPlan, candidates):
    """``n_features="auto"``: choose among ``plan.budgets`` by the error on cases detachment did not see.

    The selection cases are split into :data:`AUTO_FOLDS` stratified folds (:func:`budget_folds`, seeded by
    ``plan.seed``); for each fold, detachment runs through the budgets on the other folds
    (:func:`lightwaves.selection.detach_path`, largest first) and the ridge classifier fitted there at
    each budget classifies the fold's cases (:func:`lightwaves.ridge.holdout_wrong`). The smallest budget
    whose held-out error is within one standard error (``sqrt(e (1 - e) / n)``) of the best is kept (the
    one-standard-error rule), and the model takes that budget's columns of the detachment path on all the
    selection cases. The ridge's exact leave-one-out error on that path (:func:`lightwaves.ridge.loo_error`)
    is reported beside it: it is optimistic (detachment chose the features on the same cases), most at
    small budgets, which is why it does not choose. Budgets above the number of candidates are not tried.

    Returns ``(columns, curve)``; ``curve`` holds ``budgets`` (ascending), ``holdout_error``,
    ``holdout_se``, ``loo_error``, ``se`` (the leave-one-out error's standard error) and ``chosen``.
    """
    from threadpoolctl import threadpool_limits

    from .ridge import holdout_wrong, loo_error
    from .selection import DETACH_ALPHAS, detach_path

    budgets = [b for b in plan.budgets if b <= C.shape[1]] or [C.shape[1]]
    cost = inference_costs(candidates, plan)
    codes = np.asarray(cases.codes)

    def path_of(rows=None):  # rows None: every selection case (C itself, no copy)
        return detach_path(C if rows is None else np.ascontiguousarray(C[rows]),
                           codes if rows is None else codes[rows], cases.n_classes, budgets[::-1],
                           step=plan.detach_step, cost=cost)[::-1]

    wrong, tested = np.zeros(len(budgets), dtype=np.int64), 0
    fold = budget_folds(codes, AUTO_FOLDS, [int(plan.seed or 0), AUTO_FOLDS])
    with threadpool_limits(limits=1, user_api="blas"):  # the choice does not depend on the thread count
        for k in range(AUTO_FOLDS):
            train, test = np.flatnonzero(fold != k), np.flatnonzero(fold == k)
            if len(train) < 2 or not len(test):  # (fewer than 4 selection cases)
                continue
            tested += len(test)
            for i, cols in enumerate(path_of(train)):
                wrong[i] += holdout_wrong(C[np.ix_(train, cols)], codes[train], C[np.ix_(test, cols)], codes[test],
                                          cases.n_classes, DETACH_ALPHAS)
        path = path_of()
        loo = [loo_error(C[:, cols], codes, cases.n_classes, DETACH_ALPHAS) for cols in path]
    held = wrong / max(tested, 1)
    held_se = np.sqrt(held * (1.0 - held) / max(tested, 1))
    best = int(np.argmin(held))
    pick = next(i for i in range(len(budgets)) if held[i] <= held[best] + held_se[best])
    curve = {"budgets": [int(b) for b in budgets], "holdout_error": [float(e) for e in held],
             "holdout_se": [float(e) for e in held_se], "loo_error": [e for e, _ in loo],
             "se": [se for _, se in loo], "chosen": int(budgets[pick])}
    return path[pick], curve


#: ``arith="float32"``: a selected feature is set aside when the float32 arithmetic moves its value on some
#: selection case by more than this fraction of its spread (standard deviation over the selection cases).
FLOAT32_TOLERANCE = 1e-3
#: ... and selection runs again without it, at most this many times in all (then such features are dropped).
FLOAT32_ROUNDS = 4


def select_features(candidates, training: TrainingCases, plan: FitPlan):
    """Step 4: keep ``plan.n_features`` of the candidates (:func:`choose_columns`); with
    ``plan.arith == "float32"``, only features the float32 arithmetic reproduces (:func:`float32_unstable`):
    selection runs again without the others (at most :data:`FLOAT32_ROUNDS` times in all).

    Returns ``(fitted, values)``: the :class:`FittedSelection` and the chosen features' values on the
    selection cases, in output column order (bit for bit what the fitted transform computes for them).
    """
    from .selection import warn_if_short

    blocks = [c.values for c in candidates]
    C = np.concatenate(blocks, axis=1) if len(blocks) > 1 else blocks[0]
    scores = np.concatenate([c.scores for c in candidates])
    n_usable = sum(c.n_usable for c in candidates)
    keep = None  # candidate columns selection may use (None: all)
    for round_ in range(FLOAT32_ROUNDS if plan.arith == "float32" else 1):
        if keep is None:
            chosen, curve = choose_columns(C, scores, candidates, training.selection, plan)
        else:
            chosen, curve = choose_columns(np.ascontiguousarray(C[:, keep]), scores[keep], candidates,
                                           training.selection, plan)
            chosen = keep[np.asarray(chosen, dtype=np.int64)]
        fitted, columns = _selection_of(np.asarray(chosen, dtype=np.int64), candidates, training, plan, scores,
                                        n_usable, curve)
        if plan.arith != "float32":
            break
        unstable = float32_unstable(fitted, training.selection, C[:, columns])
        if not unstable.any():
            break
        keep = np.setdiff1d(np.arange(C.shape[1]) if keep is None else keep, columns[unstable])
        if round_ == FLOAT32_ROUNDS - 1:  # the last round: drop what is still unstable
            import warnings

            fitted, columns = _selection_of(columns[~unstable], candidates, training, plan, scores, n_usable,
                                            curve)
            warnings.warn(f"arith='float32': {int(unstable.sum())} selected features are still not reproduced in "
                          f"float32 after {FLOAT32_ROUNDS} selections; the model keeps the other {len(columns)}",
                          UserWarning, stacklevel=3)
            return fitted, np.ascontiguousarray(C[:, columns])
    if plan.budgets is None:
        warn_if_short(len(columns), plan.n_features, "features")
    return fitted, np.ascontiguousarray(C[:, columns])


def _selection_of(chosen, candidates, training: TrainingCases, plan: FitPlan, scores, n_usable, curve):
    """The :class:`FittedSelection` of the candidate columns ``chosen`` and its columns of the candidate
    matrix in output column order (grouped by family, each family's in selection order)."""
    picked, columns, start = {}, [], 0
    for c in candidates:
        stop = start + c.values.shape[1]
        own = chosen[(chosen >= start) & (chosen < stop)]
        picked[c.family] = c.take(own - start)
        columns.append(own)
        start = stop
    columns = np.concatenate(columns)
    if len(columns) == 0:
        raise ValueError(
            "no usable features: every candidate feature is constant on the cases used for selection"
            " (constant training data, or too few cases per class; check X and max_cases)"
        )
    empty = {f.name: f.empty() for f in FAMILIES}
    fitted = FittedSelection(
        n_channels=int(training.source.n_channels), mean=training.mean, sd=training.sd,
        dilations=plan.dilations, scores=scores[columns], n_usable=int(n_usable),
        paper=picked.get("paper", empty["paper"]), rocket=picked.get("rocket", empty["rocket"]),
        budget_curve=curve,
        hydra=picked.get("hydra", empty["hydra"]),
    )
    return fitted, columns


def float32_unstable(fitted: FittedSelection, cases: SelectionCases, values) -> np.ndarray:
    """Whether each feature of ``fitted`` (output column order) moves, in the float32 arithmetic
    (:class:`lightwaves.runtime.InferenceState` with ``arith="float32"``: the input rounded to float32, every
    operation in float32), by more than :data:`FLOAT32_TOLERANCE` of its spread on some selection case;
    ``values`` are its float64 values on those cases. Such a feature is a count whose threshold a point
    meets within rounding, or a value made of rounding noise: float32 would not reproduce it."""
    from .runtime import InferenceState

    coll = cases.coll if isinstance(cases.coll, Collection) else cases.coll.load(np.arange(fitted.n_channels))
    state = InferenceState(fitted.n_channels, fitted.paper, fitted.dilations, fitted.mean, fitted.sd,
                           fitted.rocket, engine="numpy", hydra=fitted.hydra, arith="float32")
    F32 = state.features(coll).astype(np.float64)
    spread = values.std(axis=0)
    return (np.abs(F32 - values) > FLOAT32_TOLERANCE * spread).any(axis=0)


def fit_selection(X, y, params: dict, backend: Backend):
    """Steps 1 to 4: ``(training cases, fitted selection, values of the chosen features on the selection
    cases)``."""
    plan = plan_fit(params)
    training = training_cases(X, y, plan, backend)
    plan, candidates = scan_candidates(training.selection, plan, backend)
    fitted, values = select_features(candidates, training, plan)
    return training, fitted, values


__all__ = ["CHUNK_CASES", "Backend", "FitPlan", "FittedSelection", "SelectionCases", "SerialBackend",
           "TrainingCases", "choose_budget", "choose_columns", "fit_selection", "plan_fit", "scan_candidates", "select_features",
           "stratified_subsample", "subsample", "training_cases"]
