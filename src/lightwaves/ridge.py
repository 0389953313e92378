"""The ridge classifier solved from streamed statistics, with scikit-learn's exact leave-one-out alpha.

``RidgeClassifierCV`` needs every case's features in memory at once. Here the cases arrive in chunks, in
two passes over the data:

1. :class:`RidgeMoments` accumulates, chunk by chunk, the feature means, the centred co-moment matrix
   (the features' Gram matrix), and the centred products with the +-1 class targets: ``O(k^2)`` memory
   for ``k`` features, whatever the number of cases. Chunks are merged with Chan et al.'s pairwise
   update, which is numerically stable (no large sums of squares are subtracted) and lets partial
   moments computed anywhere (e.g. on Dask workers) be reduced in a fixed order.
2. :func:`prepare` standardises (as ``StandardScaler``) and eigendecomposes the Gram matrix once;
   :class:`LooAccumulator` then takes each chunk again and adds up, for every alpha of the grid, the
   squared leave-one-out errors ``((y_i - yhat_i) / (1 - h_i))^2``, where ``h_i`` is the case's leverage
   (``1/n + z_i' V diag(1/(s + alpha)) V' z_i``). This is the criterion ``RidgeClassifierCV`` minimises
   (its "generalised cross-validation", which is exact leave-one-out for ridge); the first alpha of the
   grid wins ties, as in scikit-learn.

:func:`solve` then gives the coefficients for the chosen alpha. The result equals ``StandardScaler`` +
``RidgeClassifierCV`` on the same features to rounding (tests check 1e-9 relative on real data).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def class_targets(codes: np.ndarray, n_classes: int) -> np.ndarray:
    """The +-1 targets ``RidgeClassifierCV`` regresses on: one column for two classes (class 1 is +1)."""
    Y = np.where(np.arange(n_classes)[None, :] == np.asarray(codes)[:, None], 1.0, -1.0)
    return Y[:, 1:] if n_classes == 2 else Y


class RidgeMoments:
    """Running count, means and centred co-moments of features ``F`` and targets ``Y``.

    Parameters
    ----------
    n_features, n_targets : int
        Sizes; may be left at 0, the first chunk then sets them.
    """

    def __init__(self, n_features: int = 0, n_targets: int = 0):
        self.n = 0
        self.mean = np.zeros(n_features)
        self.comoment = np.zeros((n_features, n_features))
        self.y_mean = np.zeros(n_targets)
        self.cross = np.zeros((n_features, n_targets))

    @classmethod
    def of_chunk(cls, F: np.ndarray, Y: np.ndarray) -> "RidgeMoments":
        """The moments of one chunk (``F`` ``(m, k)`` features, ``Y`` ``(m, t)`` targets)."""
        F = np.asarray(F, dtype=np.float64)
        Y = np.asarray(Y, dtype=np.float64)
        m = cls(F.shape[1], Y.shape[1])
        if len(F) == 0:
            return m
        m.n = len(F)
        m.mean = F.mean(axis=0)
        m.y_mean = Y.mean(axis=0)
        Fc = F - m.mean
        m.comoment = Fc.T @ Fc
        m.cross = Fc.T @ (Y - m.y_mean)
        return m

    def merge(self, other: "RidgeMoments") -> "RidgeMoments":
        """Add ``other``'s cases to these moments (in place; returns self)."""
        if other.n == 0:
            return self
        if self.n == 0:
            self.n, self.mean, self.comoment = other.n, other.mean.copy(), other.comoment.copy()
            self.y_mean, self.cross = other.y_mean.copy(), other.cross.copy()
            return self
        n = self.n + other.n
        w = self.n * other.n / n
        d = other.mean - self.mean
        dy = other.y_mean - self.y_mean
        self.comoment += other.comoment + w * np.outer(d, d)
        self.cross += other.cross + w * np.outer(d, dy)
        self.mean += d * (other.n / n)
        self.y_mean += dy * (other.n / n)
        self.n = n
        return self

    def update(self, F, Y) -> "RidgeMoments":
        """Add a chunk of cases."""
        return self.merge(RidgeMoments.of_chunk(F, Y))


@dataclass
class Prepared:
    """Standardisation and eigendecomposition shared by every alpha."""

    n: int
    mean: np.ndarray  # feature means (StandardScaler.mean_)
    var: np.ndarray  # population variances (StandardScaler.var_)
    scale: np.ndarray  # StandardScaler.scale_ (1 where the variance is 0)
    y_mean: np.ndarray
    eigvals: np.ndarray  # of the standardised Gram matrix Z'Z (centred)
    eigvecs: np.ndarray
    vt_zty: np.ndarray  # V' Z' (Y - y_mean)


def prepare(m: RidgeMoments) -> Prepared:
    """Standardise the moments as ``StandardScaler`` would and eigendecompose the Gram matrix."""
    if m.n < 2:
        raise ValueError("the ridge needs at least two cases")
    var = np.maximum(np.diag(m.comoment) / m.n, 0.0)
    scale = np.sqrt(var)
    scale = np.where(scale < 10 * np.finfo(np.float64).eps, 1.0, scale)  # as StandardScaler
    gram = m.comoment / np.outer(scale, scale)
    s, V = np.linalg.eigh(gram)
    s = np.maximum(s, 0.0)
    return Prepared(m.n, m.mean.copy(), var, scale, m.y_mean.copy(), s, V, V.T @ (m.cross / scale[:, None]))


class LooAccumulator:
    """Second pass: squared leave-one-out errors for every alpha, chunk by chunk.

    ``keep`` (a boolean mask over all cases, or None for all) selects the cases whose leave-one-out
    scores are kept for every alpha (for probability calibration).
    """

    def __init__(self, prep: Prepared, alphas, keep_every: int = 1):
        self.prep = prep
        self.alphas = np.asarray(alphas, dtype=np.float64)
        self.sse = np.zeros(len(self.alphas))
        self.keep_every = int(keep_every)
        self.kept: list[np.ndarray] = []  # (m_kept, n_alphas, t) per chunk
        self.kept_codes: list[np.ndarray] = []
        self.seen = 0

    def partial(self, F, Y, codes=None, start=None):
        """(sse per alpha, kept LOO scores, kept codes) of one chunk, without changing the accumulator.

        ``start`` is the chunk's first case (default: the cases added so far); it picks the kept rows, so
        a chunk's partial is a pure function of the chunk and may be computed anywhere.
        """
        p = self.prep
        start = self.seen if start is None else int(start)
        Z = (np.asarray(F, dtype=np.float64) - p.mean) / p.scale
        ZV = Z @ p.eigvecs
        ZV2 = ZV * ZV
        Yc = np.asarray(Y, dtype=np.float64) - p.y_mean
        rows = np.flatnonzero((start + np.arange(len(Z))) % self.keep_every == 0)
        sse = np.empty(len(self.alphas))
        kept = np.empty((len(rows), len(self.alphas), Yc.shape[1]))
        for a, alpha in enumerate(self.alphas):
            w = 1.0 / (p.eigvals + alpha)
            h = 1.0 / p.n + ZV2 @ w
            err = (Yc - ZV @ (w[:, None] * p.vt_zty)) / (1.0 - h)[:, None]
            sse[a] = np.sum(err * err)
            kept[:, a, :] = (np.asarray(Y, dtype=np.float64) - err)[rows]
        return sse, kept, (None if codes is None else np.asarray(codes)[rows])

    def add(self, partial) -> None:
        """Add a chunk's partial result (chunks must be added in case order)."""
        sse, kept, codes = partial
        self.sse += sse
        self.kept.append(kept)
        if codes is not None:
            self.kept_codes.append(codes)

    def update(self, F, Y, codes=None) -> None:
        """Add a chunk of cases (in case order)."""
        self.add(self.partial(F, Y, codes))
        self.seen += len(F)

    def best(self) -> int:
        """Index of the alpha with the smallest mean squared leave-one-out error (the first on ties)."""
        best = 0
        for a in range(1, len(self.sse)):
            if self.sse[a] < self.sse[best]:
                best = a
        return best


@dataclass
class RidgeSolution:
    """A fitted ridge on standardised features (``RidgeClassifierCV``'s ``coef_``/``intercept_``)."""

    alpha: float
    best_score: float  # minus the mean squared leave-one-out error, as RidgeClassifierCV.best_score_
    coef: np.ndarray  # (t, k)
    intercept: np.ndarray  # (t,)
    loo_scores: np.ndarray  # leave-one-out scores of the kept cases at the chosen alpha, (m, t)
    loo_codes: np.ndarray | None


def solve(prep: Prepared, loo: LooAccumulator) -> RidgeSolution:
    """Coefficients for the best alpha of ``loo``."""
    a = loo.best()
    alpha = float(loo.alphas[a])
    w = 1.0 / (prep.eigvals + alpha)
    coef = (prep.eigvecs @ (w[:, None] * prep.vt_zty)).T
    t = prep.vt_zty.shape[1]
    kept = np.concatenate(loo.kept) if loo.kept else np.empty((0, len(loo.alphas), t))
    codes = np.concatenate(loo.kept_codes) if loo.kept_codes else None
    return RidgeSolution(alpha, -float(loo.sse[a]) / (prep.n * t), np.ascontiguousarray(coef),
                         prep.y_mean.copy(), kept[:, a, :], codes)


def loo_error(F: np.ndarray, codes: np.ndarray, n_classes: int, alphas) -> tuple[float, float]:
    """The ridge classifier's exact leave-one-out error rate on features ``F`` (standardised, alpha chosen
    from ``alphas`` by leave-one-out as the classifier does) and its standard error
    ``sqrt(e (1 - e) / n)``: each case is classified by the ridge fitted without it.

    With more features than cases the same leave-one-out scores come from the ``n x n`` Gram matrix of the
    cases (the dual), which is what makes this cheap for ``n_features="auto"``'s large budgets.
    """
    codes = np.asarray(codes)
    Y = class_targets(codes, n_classes)
    F = np.asarray(F, dtype=np.float64)
    n, p = F.shape
    if n < p:
        scores = _dual_loo_scores(F, Y, np.asarray(alphas, dtype=np.float64))
    else:
        moments = RidgeMoments.of_chunk(F, Y)
        prep = prepare(moments)
        loo = LooAccumulator(prep, alphas)
        loo.update(F, Y, codes)
        scores = solve(prep, loo).loo_scores
    e = float(np.mean(_predicted_codes(scores) != codes))
    return e, float(np.sqrt(e * (1.0 - e) / len(codes)))


def holdout_wrong(F: np.ndarray, codes: np.ndarray, F_test: np.ndarray, codes_test: np.ndarray, n_classes: int,
                  alphas) -> int:
    """How many of the cases ``F_test`` (classes ``codes_test``) the ridge classifier fitted on ``F``
    (standardised, alpha chosen from ``alphas`` by leave-one-out, as the classifier does) misclassifies.

    Solved in the dual (the ``n x n`` Gram matrix of the training cases), which is cheap for
    ``n_features="auto"``'s large budgets and exact for any number of features.
    """
    codes = np.asarray(codes)
    Y = class_targets(codes, n_classes)
    fit = _dual_fit(np.asarray(F, dtype=np.float64), Y, np.asarray(alphas, dtype=np.float64))
    mean, scale, Z, U, lam, UtY, y_mean, alpha = (fit[k] for k in ("mean", "scale", "Z", "U", "lam", "UtY",
                                                                  "y_mean", "alpha"))
    Zt = (np.asarray(F_test, dtype=np.float64) - mean) / scale
    # the primal fit's scores y_mean + Zt (Z'Z + a I)^-1 Z' Yc, written as Zt Z' U diag(1 / (lam + a)) U' Yc
    scores = y_mean + (Zt @ Z.T) @ (U @ (UtY / (lam + alpha)[:, None]))
    return int(np.sum(_predicted_codes(scores) != np.asarray(codes_test)))


def _predicted_codes(scores):
    """Class codes of ridge scores ``(n, t)``: one column for two classes (class 1 where positive)."""
    return (scores[:, 0] > 0).astype(np.int64) if scores.shape[1] == 1 else np.argmax(scores, axis=1)


def _dual_fit(F, Y, alphas):
    """The dual solution of the standardised ridge on ``F`` at the alpha with the smallest squared
    leave-one-out error (the first on ties): its pieces and that alpha's leave-one-out scores ``loo``."""
    n = F.shape[0]
    mean = F.mean(axis=0)
    scale = np.sqrt(np.maximum(((F - mean) ** 2).mean(axis=0), 0.0))
    scale = np.where(scale < 10 * np.finfo(np.float64).eps, 1.0, scale)  # as StandardScaler
    Z = (F - mean) / scale
    lam, U = np.linalg.eigh(Z @ Z.T)
    lam = np.maximum(lam, 0.0)
    y_mean = Y.mean(axis=0)
    Yc = Y - y_mean
    UtY = U.T @ Yc
    U2 = U * U
    best, best_sse, best_alpha = None, np.inf, None
    for a in alphas:
        shrink = lam / (lam + a)
        h = U2 @ shrink + 1.0 / n
        err = (Yc - U @ (shrink[:, None] * UtY)) / (1.0 - h)[:, None]
        sse = float(np.sum(err * err))
        if sse < best_sse:
            best, best_sse, best_alpha = Y - err, sse, float(a)
    return dict(mean=mean, scale=scale, Z=Z, U=U, lam=lam, UtY=UtY, y_mean=y_mean, alpha=best_alpha, loo=best)


def _dual_loo_scores(F, Y, alphas):
    """Leave-one-out scores at the alpha with the smallest squared leave-one-out error (the first on
    ties), from the eigendecomposition of ``Z Z'`` (``Z``: the standardised, centred features)."""
    return _dual_fit(F, Y, alphas)["loo"]
