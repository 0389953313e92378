"""Feature selection, the same for every family: ANOVA F-scores, a running top-k of distinct candidates,
then mRMR, sequential feature detachment (an embedded selection by ridge coefficients) or a random choice.

A column's F-score depends on that column alone and every ranking breaks ties by the smaller feature id,
so a top-k streamed over blocks or merged from shards (:class:`RunningTopK`, :func:`merge_top`) is the top-k
of everything at once: the paper family's channel scan (:func:`lightwaves.families.paper.scan.scan_channels`)
and the Dask backend rely on this.
"""

from __future__ import annotations

import warnings

import numpy as np
from numba import njit


#: Two candidates whose |Pearson r| reaches this are duplicates; mRMR never keeps both.
DUPLICATE_R = 1.0 - 1e-9
#: mRMR precomputes the full candidate correlation matrix up to this many candidates (8 * m**2 bytes).
MRMR_FULL_CORR_MAX = 4000


@njit(cache=True)
def _anova_f(F, codes, n_classes):
    """One-way ANOVA F-score of every column of ``F`` (cases x columns); -inf for constant columns.

    Within-class mean squares are floored at 1e-12 of the total mean square, so a column that separates
    the classes perfectly gets a large finite score, never inf or NaN.
    """
    n, p = F.shape
    counts = np.zeros(n_classes)
    for i in range(n):
        counts[codes[i]] += 1.0
    sums = np.zeros((n_classes, p))
    lo = F[0].copy()
    hi = F[0].copy()
    for i in range(n):
        k = codes[i]
        for j in range(p):
            v = F[i, j]
            sums[k, j] += v
            if v < lo[j]:
                lo[j] = v
            if v > hi[j]:
                hi[j] = v
    total = np.zeros(p)
    for k in range(n_classes):
        for j in range(p):
            total[j] += sums[k, j]
    mean = total / n
    cmean = np.empty((n_classes, p))
    for k in range(n_classes):
        for j in range(p):
            cmean[k, j] = sums[k, j] / counts[k] if counts[k] > 0 else 0.0
    ssw = np.zeros(p)
    sst = np.zeros(p)
    for i in range(n):
        k = codes[i]
        for j in range(p):
            v = F[i, j]
            a = v - cmean[k, j]
            b = v - mean[j]
            ssw[j] += a * a
            sst[j] += b * b
    present = 0
    for k in range(n_classes):
        if counts[k] > 0:
            present += 1
    df_b = max(present - 1, 1)
    df_w = max(n - present, 1)
    out = np.empty(p)
    for j in range(p):
        if hi[j] == lo[j]:
            out[j] = -np.inf
            continue
        ssb = 0.0
        for k in range(n_classes):
            if counts[k] > 0:
                dm = cmean[k, j] - mean[j]
                ssb += counts[k] * dm * dm
        msw = ssw[j] / df_w
        floor = 1e-12 * sst[j] / max(n - 1, 1)
        if msw < floor:
            msw = floor
        if msw <= 0.0:
            out[j] = -np.inf
            continue
        out[j] = (ssb / df_b) / msw
    return out


def anova_f(F: np.ndarray, codes: np.ndarray, n_classes: int) -> np.ndarray:
    """ANOVA F-scores of the columns of ``F``; ``-inf`` marks a constant (unusable) column."""
    return _anova_f(np.ascontiguousarray(F, dtype=np.float64), codes.astype(np.int64), int(n_classes))


def rank_order(ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Order by descending score, ties by ascending id."""
    return np.lexsort((ids, -scores))


def ranked_columns(C: np.ndarray, codes: np.ndarray, n_classes: int, distinct: bool = True):
    """The usable columns of ``C`` in ANOVA rank order (descending F, ties by position), and the scores.

    Returns ``(order, scores, n_usable)``: ``scores`` are every column's F-scores (``-inf`` for a
    constant column) and ``n_usable`` how many columns are not constant. With ``distinct``, only the best
    of each group of affine copies (same :func:`column_keys`) stays in ``order``.
    """
    scores = anova_f(C, codes, n_classes)
    usable = np.flatnonzero(np.isfinite(scores))
    order = usable[rank_order(usable, scores[usable])]
    if distinct:
        _, first = np.unique(column_keys(C[:, order]), return_index=True)
        order = order[np.sort(first)]
    return order, scores, len(usable)


#: Fingerprints quantise standardised columns (unit norm) to this many steps per unit.
KEY_QUANTUM = 1e7


@njit(cache=True)
def _mix(h):
    """splitmix64 finaliser (uint64 arithmetic wraps)."""
    h ^= h >> np.uint64(30)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(27)
    h *= np.uint64(0x94D049BB133111EB)
    h ^= h >> np.uint64(31)
    return h


@njit(cache=True)
def _column_keys(F):
    """A 64-bit fingerprint of every column of ``F``, equal for columns that are positive or negative
    affine copies of each other (|Pearson r| = 1): each column is centred, scaled to unit norm, given the
    sign of its first clearly non-zero entry, quantised and hashed. Constant columns get key 0."""
    n, p = F.shape
    mean = np.zeros(p)
    for i in range(n):
        for j in range(p):
            mean[j] += F[i, j]
    mean /= n
    ss = np.zeros(p)
    for i in range(n):
        for j in range(p):
            d = F[i, j] - mean[j]
            ss[j] += d * d
    scale = np.zeros(p)
    for j in range(p):
        if ss[j] > 0.0:
            scale[j] = KEY_QUANTUM / np.sqrt(ss[j])
    keys = np.full(p, np.uint64(0x9E3779B97F4A7C15))
    signed = np.zeros(p, dtype=np.bool_)
    for i in range(n):
        for j in range(p):
            if scale[j] == 0.0:
                continue
            q = (F[i, j] - mean[j]) * scale[j]
            if not signed[j] and abs(q) > 1.0:
                signed[j] = True  # canonical sign: the first clearly non-zero entry is positive
                if q < 0.0:
                    scale[j] = -scale[j]
                    q = -q
            keys[j] = _mix(keys[j] ^ np.uint64(np.int64(np.round(q)) & np.int64(0x7FFFFFFFFFFFFFFF)))
    for j in range(p):
        if ss[j] <= 0.0:
            keys[j] = np.uint64(0)
    return keys


def column_keys(F: np.ndarray) -> np.ndarray:
    """Fingerprints of the columns of ``F`` (see :func:`_column_keys`)."""
    return _column_keys(np.ascontiguousarray(F, dtype=np.float64))


def _top_distinct(ids, scores, keys, k):
    """Indices of the ``k`` best by rank order, keeping only the best of each key (if keys given)."""
    order = rank_order(ids, scores)
    if keys is not None:
        _, first = np.unique(keys[order], return_index=True)
        order = order[np.sort(first)]
    return order[:k]


class RunningTopK:
    """Keeps the ``k`` best (id, score[, key]) candidates seen so far; usable (finite) scores only.

    With keys, only the best-ranked candidate of each key is kept, so the result is the top ``k``
    distinct candidates. Streaming blocks (or merging shards) gives exactly the result of ranking
    everything at once: a candidate evicted from a partial top ``k`` has ``k`` distinct better ones.
    """

    def __init__(self, k: int, distinct: bool = True):
        self.k = int(k)
        self.distinct = distinct
        self.ids = np.empty(0, dtype=np.int64)
        self.scores = np.empty(0)
        self.keys = np.empty(0, dtype=np.uint64)
        self.n_usable = 0

    def push(self, ids: np.ndarray, scores: np.ndarray, keys=None) -> None:
        keep = np.isfinite(scores)
        self.n_usable += int(keep.sum())
        ids = np.concatenate([self.ids, ids[keep]])
        scores = np.concatenate([self.scores, scores[keep]])
        keys = np.concatenate([self.keys, keys[keep]]) if self.distinct else None
        order = _top_distinct(ids, scores, keys, self.k)
        self.ids, self.scores = ids[order], scores[order]
        if self.distinct:
            self.keys = keys[order]


def merge_top(parts, k: int, distinct: bool = True):
    """Merge per-shard candidate lists into the global top ``k`` (identical to a serial scan).

    ``parts`` holds (ids, scores) or (ids, scores, keys) per shard; with keys and ``distinct`` only the
    best candidate of each key is kept, as :class:`RunningTopK` does.
    """
    if not parts:
        return np.empty(0, dtype=np.int64), np.empty(0)
    ids = np.concatenate([p[0] for p in parts])
    scores = np.concatenate([p[1] for p in parts])
    keys = np.concatenate([p[2] for p in parts]) if distinct and all(len(p) > 2 for p in parts) else None
    order = _top_distinct(ids, scores, keys, k)
    return ids[order], scores[order]


def mrmr(C: np.ndarray, scores: np.ndarray, k: int) -> np.ndarray:
    """Minimum-redundancy maximum-relevance selection, as in LightWaveS.

    Parameters
    ----------
    C : ndarray (n_cases, n_candidates)
        Candidate features, columns in rank order (best F-score first, ties by id).
    scores : ndarray (n_candidates,)
        Their F-scores (relevance), finite.
    k : int
        Number of features to keep.

    Returns
    -------
    chosen : ndarray of int
        Column indices into ``C`` in the order chosen. The first is the best F-score; each next one
        maximises ``F / mean(|r| to those chosen)``. Constant columns are never chosen, a column that
        duplicates a chosen one (``|r| >= DUPLICATE_R``) is excluded, scores are never NaN, and ties go to
        the earlier column. Fewer than ``k`` come back when the usable candidates run out.
    """
    n, m = C.shape
    if m == 0 or k <= 0:
        return np.empty(0, dtype=np.int64)
    Z = C - C.mean(axis=0)
    norm = np.sqrt((Z * Z).sum(axis=0))
    available = norm > 1e-12 * np.maximum(np.abs(C).max(axis=0), 1e-300)
    Z = np.divide(Z, norm, out=np.zeros_like(Z), where=available)
    Zt = np.ascontiguousarray(Z.T)
    # All |r| at once (one BLAS call) while the m x m matrix is small; else one row per step.
    R = np.abs(Zt @ Zt.T) if m <= MRMR_FULL_CORR_MAX else None
    scores = np.asarray(scores, dtype=np.float64)
    redundancy = np.zeros(m)
    chosen = []
    current = int(np.argmax(np.where(available, scores, -np.inf))) if available.any() else -1
    while current >= 0:
        chosen.append(current)
        available[current] = False
        if len(chosen) == k:
            break
        r = R[current] if R is not None else np.abs(Zt @ Zt[current])
        available &= r < DUPLICATE_R
        if not available.any():
            break
        redundancy += r
        mean_r = np.maximum(redundancy / len(chosen), 1e-12)
        current = int(np.argmax(np.where(available, scores / mean_r, -np.inf)))
    return np.asarray(chosen, dtype=np.int64)


#: Ridge regularisation grid of sequential feature detachment (as the classifier's default).
DETACH_ALPHAS = np.logspace(-3, 3, 10)


def _ridge_importance(Z, Y, alphas, gram=None):
    """Sum over classes of |ridge coefficient| of every column of ``Z`` (centred, unit-variance columns),
    for the alpha of ``alphas`` with the smallest leave-one-out squared error.

    One eigendecomposition of the smaller Gram matrix (``Z Z^T`` when there are fewer cases than
    columns, else ``Z^T Z``) gives the coefficients and the leave-one-out errors for every alpha.
    ``gram``: ``Z Z^T`` when already known (fewer cases than columns).
    """
    n, p = Z.shape
    if n <= p:
        lam, U = np.linalg.eigh(Z @ Z.T if gram is None else gram)  # Z = U S V^T, lam = S**2
        lam = np.maximum(lam, 0.0)
        UtY = U.T @ Y
        U2 = U * U
    else:
        lam, V = np.linalg.eigh(Z.T @ Z)
        lam = np.maximum(lam, 0.0)
        ZV = Z @ V
        s = np.sqrt(lam)
        U = np.divide(ZV, s, out=np.zeros_like(ZV), where=s > 1e-12 * max(s.max(), 1e-300))
        UtY = U.T @ Y
        U2 = U * U
    best, best_err = None, np.inf
    for a in alphas:
        shrink = lam / (lam + a)
        fitted = U @ (shrink[:, None] * UtY)
        h = U2 @ shrink + 1.0 / n  # leverage, with the intercept's 1/n (columns are centred)
        err = float((((Y - Y.mean(axis=0) - fitted) / (1.0 - h)[:, None]) ** 2).sum())
        if err < best_err:
            best, best_err = a, err
    inv = 1.0 / (lam + best)
    if n <= p:
        W = Z.T @ (U @ (inv[:, None] * UtY))  # dual: Z^T (Z Z^T + a I)^-1 Y
    else:
        W = V @ (inv[:, None] * (V.T @ (Z.T @ Y)))
    return np.abs(W).sum(axis=1)


def detach(C: np.ndarray, codes: np.ndarray, n_classes: int, k: int, step: float = 0.3,
           alphas=DETACH_ALPHAS, cost=None) -> np.ndarray:
    """Sequential feature detachment (as in Detach-ROCKET): an embedded selection by ridge coefficients.

    Parameters
    ----------
    C : ndarray (n_cases, n_candidates)
        Candidate features.
    codes : ndarray of int
        Class codes 0 .. n_classes - 1 of the cases.
    n_classes : int
        Number of classes.
    k : int
        Number of features to keep.
    step : float
        Fraction of the remaining columns detached per step (at least one, never below ``k``).
    alphas : array-like
        Ridge grid; each step uses the alpha with the smallest leave-one-out error.
    cost : tuple or None
        ``(shared, shared_cost, own_cost, gamma)``: each step ranks the columns by importance divided by
        ``cost ** gamma``, a column's cost being ``own_cost[j] + shared_cost[shared[j]] / m``, ``m`` the
        kept columns sharing its computation ``shared[j]`` (a convolution or group they share). A column
        alone on its convolution pays all of it, so detachment prefers features that share (a cheaper
        model). None: importance alone.

    Returns
    -------
    chosen : ndarray of int
        Column indices into ``C``, ascending. Each step standardises the kept columns, fits a ridge
        (one-vs-rest targets of +-1, the classifier's encoding) and drops the columns with the
        smallest sum over classes of |coefficient| (ties: the larger index goes first). Constant columns
        are never kept; fewer than ``k`` come back when the usable columns run out. Deterministic.
    """
    if not 0.0 < step < 1.0:
        raise ValueError(f"step must be in (0, 1), got {step!r}")
    from threadpoolctl import threadpool_limits

    # One BLAS thread: these matrices are small (cases x cases), threads only contend, and the
    # result then does not depend on the machine's thread count.
    with threadpool_limits(limits=1, user_api="blas"):
        return _detach(np.asarray(C, dtype=np.float64), codes, n_classes, k, step, alphas, cost)


def detach_path(C: np.ndarray, codes: np.ndarray, n_classes: int, budgets, step: float = 0.3,
                alphas=DETACH_ALPHAS, cost=None) -> list:
    """The detachment path through several budgets: for ``budgets`` (largest first), the columns kept
    when detachment stops at each, every stop continuing from the previous one's columns.

    The first stop is :func:`detach` to ``budgets[0]``; the path to a smaller budget is then the same as
    detaching from those columns (so a budget's columns are a subset of the larger budget's).
    """
    if not 0.0 < step < 1.0:
        raise ValueError(f"step must be in (0, 1), got {step!r}")
    from threadpoolctl import threadpool_limits

    C = np.asarray(C, dtype=np.float64)
    kept, sub = [], np.arange(C.shape[1])
    with threadpool_limits(limits=1, user_api="blas"):
        for k in budgets:
            sub_cost = None if cost is None else (cost[0][sub], cost[1], cost[2][sub], cost[3])
            sub = sub[_detach(np.ascontiguousarray(C[:, sub]), codes, n_classes, k, step, alphas, sub_cost)]
            kept.append(sub)
    return kept


def _detach(C, codes, n_classes, k, step, alphas, cost=None):
    n = C.shape[0]
    sd = C.std(axis=0)
    keep = np.flatnonzero(sd > 1e-12 * np.maximum(np.abs(C).max(axis=0), 1e-300))
    Y = -np.ones((n, max(n_classes, 2)))
    Y[np.arange(n), codes] = 1.0
    Y = Y - Y.mean(axis=0)
    alphas = np.asarray(alphas, dtype=np.float64)
    if len(keep) <= k:
        return keep
    # the kept columns standardised once (each column's values do not depend on the others kept), and,
    # while there are fewer cases than columns, their Gram matrix Z Z^T updated by subtracting the detached
    # columns' share (fewer products than recomputing it; the same matrix up to rounding)
    Z = (C[:, keep] - C[:, keep].mean(axis=0)) / sd[keep]
    gram = Z @ Z.T if n <= len(keep) else None
    while len(keep) > k:
        importance = _ridge_importance(Z, Y, alphas, gram=gram)
        n_keep = max(k, len(keep) - max(1, int(len(keep) * step)))
        if cost is not None:
            shared, shared_cost, own_cost, gamma = cost
            g = shared[keep]
            m = np.bincount(g, minlength=len(shared_cost))[g]
            importance = importance / (own_cost[keep] + shared_cost[g] / m) ** gamma
        order = np.lexsort((keep, -importance))  # best first, ties by smaller index
        stay = np.sort(order[:n_keep])
        if gram is not None and n <= n_keep:
            gone = Z[:, np.sort(order[n_keep:])]
            gram -= gone @ gone.T
        else:
            gram = None
        Z, keep = Z[:, stay], keep[stay]
    return keep


def random_columns(n_columns: int, usable: np.ndarray, k: int, seed) -> np.ndarray:
    """``k`` of the usable columns drawn at random (seeded), ascending: the baseline for selections."""
    pick = np.random.RandomState(seed).choice(np.flatnonzero(usable), size=min(k, int(usable.sum())),
                                              replace=False)
    return np.sort(pick)


def warn_if_short(kept: int, asked: int, what: str) -> None:
    if kept < asked:
        warnings.warn(
            f"only {kept} usable {what} exist, fewer than the {asked} asked for; the model keeps {kept}",
            UserWarning,
            stacklevel=3,
        )
