"""Input checking and the flat collection layout handed to the numba kernels.

Every user-facing entry point goes through :func:`check_collection` and :func:`check_labels`; each
problem raises a ``ValueError`` that names it and, where there is one, the offending case and channel.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from numba import njit


@dataclass(frozen=True)
class Collection:
    """A collection of multichannel series, equal length or not, flattened for numba.

    Channel ``c`` of case ``i`` is ``data[offsets[i] + c*lengths[i] : offsets[i] + (c+1)*lengths[i]]``.
    """

    data: np.ndarray
    offsets: np.ndarray
    lengths: np.ndarray
    n_channels: int

    @property
    def n_cases(self) -> int:
        return self.offsets.shape[0]

    def subset(self, cases: np.ndarray) -> "Collection":
        """The collection restricted to ``cases`` (a copy only of what is kept)."""
        cases = np.asarray(cases, dtype=np.int64)
        lengths = self.lengths[cases]
        sizes = lengths * self.n_channels
        pieces = [self.data[o : o + s] for o, s in zip(self.offsets[cases], sizes)]
        return Collection.from_pieces(pieces, lengths, self.n_channels)

    def select_channels(self, channels: np.ndarray) -> "Collection":
        """A collection holding only ``channels`` (in that order)."""
        channels = np.asarray(channels, dtype=np.int64)
        pieces = []
        for o, n in zip(self.offsets.tolist(), self.lengths.tolist()):
            case = self.data[o : o + n * self.n_channels].reshape(self.n_channels, n)
            pieces.append(case[channels].ravel())
        return Collection.from_pieces(pieces, self.lengths.copy(), len(channels))

    @staticmethod
    def from_pieces(pieces, lengths: np.ndarray, n_channels: int) -> "Collection":
        """Concatenate flat per-case pieces (each ``n_channels * lengths[i]`` values) into a collection."""
        offsets = np.zeros(len(lengths), dtype=np.int64)
        np.cumsum(lengths[:-1] * n_channels, out=offsets[1:])
        data = np.concatenate(pieces) if len(pieces) else np.empty(0)
        return Collection(data, offsets, lengths, int(n_channels))


def _describe_bad(values: np.ndarray) -> str:
    if np.isnan(values).any():
        return "NaN"
    return "inf"


def _check_case_array(a, i: int, name: str) -> np.ndarray:
    a = np.asarray(a)
    if a.dtype == object or a.dtype.kind not in "biuf":
        if a.dtype.kind == "c":
            raise ValueError(f"{name}: case {i} is complex; only real numbers are accepted")
        try:
            a = a.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{name}: case {i} holds non-numeric data (dtype {a.dtype})") from None
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2:
        raise ValueError(
            f"{name}: case {i} must be 2D (n_channels, n_timepoints), got shape {a.shape}"
        )
    return np.ascontiguousarray(a, dtype=np.float64)


def _raise_non_finite(X: np.ndarray, name: str, case_offset=0):
    bad = ~np.isfinite(X)
    i, c, t = (int(v) for v in np.argwhere(bad)[0])
    raise ValueError(
        f"{name} contains {_describe_bad(X[i, c])} values: first at case {i + case_offset}, "
        f"channel {c}, time {t}; remove or impute them before calling lightwaves"
    )


def check_collection(X, name: str = "X") -> Collection:
    """Validate ``X`` and flatten it.

    Accepted: a 3D numeric array ``(n_cases, n_channels, n_timepoints)``, a 2D array
    ``(n_cases, n_timepoints)`` (one channel), or a list of 2D arrays ``(n_channels, n_timepoints_i)``
    (unequal length, aeon's convention).
    """
    if isinstance(X, Collection):
        return X
    if hasattr(X, "tocsr") or type(X).__module__.startswith("scipy.sparse"):
        raise ValueError(f"{name} is a sparse matrix: sparse input is not supported; pass a dense array")
    if not isinstance(X, (np.ndarray, list, tuple)) and hasattr(X, "__array__"):
        X = np.asarray(X)  # pandas DataFrame, array-likes
    if isinstance(X, np.ndarray) and X.dtype == object:
        try:  # a regular object array of numbers
            X = X.astype(np.float64)
        except (TypeError, ValueError):
            pass
    if isinstance(X, np.ndarray) and X.dtype != object:
        if X.dtype.kind not in "biuf":
            kind = "complex" if X.dtype.kind == "c" else "non-numeric"
            what = "Complex data not supported" if kind == "complex" else "non-numeric data"
            raise ValueError(f"{what}: {name} holds {kind} data (dtype {X.dtype}); expected real numbers")
        if X.ndim == 2:
            X = X[:, None, :]
        if X.ndim != 3:
            raise ValueError(
                f"{name} must be 3D (n_cases, n_channels, n_timepoints) or 2D (n_cases, n_timepoints),"
                f" got shape {X.shape}" + ("; Reshape your data" if X.ndim == 1 else "")
            )
        n, c, t = X.shape
        if n == 0:
            raise ValueError(f"{name} is empty: it has no cases (shape {X.shape})")
        if c == 0:
            raise ValueError(f"{name} has no channels (shape {X.shape})")
        if t == 0:
            raise ValueError(f"{name} is too short: series of length 0 (shape {X.shape})")
        X = np.ascontiguousarray(X, dtype=np.float64)
        if not np.isfinite(X).all():
            _raise_non_finite(X, name)
        offsets = np.arange(n, dtype=np.int64) * (c * t)
        return Collection(X.reshape(-1), offsets, np.full(n, t, dtype=np.int64), c)

    if isinstance(X, (str, bytes)) or not hasattr(X, "__len__"):
        raise ValueError(
            f"{name} must be a 3D array (n_cases, n_channels, n_timepoints) or a list of 2D arrays,"
            f" got {type(X).__name__}"
        )
    cases = list(X)
    if len(cases) == 0:
        raise ValueError(f"{name} is empty: it has no cases")
    arrays = []
    n_channels = None
    for i, case in enumerate(cases):
        a = _check_case_array(case, i, name)
        if n_channels is None:
            n_channels = a.shape[0]
            if n_channels == 0:
                raise ValueError(f"{name}: case {i} has no channels")
        elif a.shape[0] != n_channels:
            raise ValueError(
                f"{name}: case {i} has {a.shape[0]} channels but case 0 has {n_channels}; every case"
                " must have the same channels"
            )
        if a.shape[1] == 0:
            raise ValueError(f"{name}: case {i} is too short: length 0")
        if not np.isfinite(a).all():
            _raise_non_finite(a[None], name, case_offset=i)
        arrays.append(a)
    lengths = np.array([a.shape[1] for a in arrays], dtype=np.int64)
    return Collection.from_pieces([a.ravel() for a in arrays], lengths, n_channels)


def check_labels(y, n_cases: int, name: str = "y") -> np.ndarray:
    """Validate class labels: 1D, one per case, at least two classes, no missing values."""
    if y is None:
        raise ValueError(
            f"this estimator requires y to be passed, but the target y is None: LightWaveS selects"
            " features with the class labels"
        )
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        from sklearn.exceptions import DataConversionWarning

        warnings.warn(
            f"A column-vector {name} was passed when a 1d array was expected; using {name}.ravel()",
            DataConversionWarning,
            stacklevel=3,
        )
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1D (one label per case), got shape {y.shape}")
    if y.shape[0] != n_cases:
        raise ValueError(f"X has {n_cases} cases but {name} has {y.shape[0]} labels")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError(f"{name} contains NaN or inf labels (first at case {int(np.argmin(np.isfinite(y)))})")
    if y.dtype == object:
        missing = [i for i, v in enumerate(y) if v is None or (isinstance(v, float) and v != v)]
        if missing:
            raise ValueError(f"{name} contains a missing label at case {missing[0]}")
    if n_cases < 2:
        raise ValueError("X has 1 sample (one case); fitting needs at least two cases of two classes")
    classes = np.unique(y)
    if len(classes) < 2:
        raise ValueError(
            f"{name} has a single class ({classes[0]!r}); a classifier needs at least two classes"
        )
    return y


@njit(cache=True)
def _channel_stats(data, offsets, lengths, n_channels):
    total = 0
    sums = np.zeros(n_channels)
    for i in range(offsets.shape[0]):
        n = lengths[i]
        total += n
        for c in range(n_channels):
            s = offsets[i] + c * n
            for t in range(n):
                sums[c] += data[s + t]
    mean = sums / total
    sq = np.zeros(n_channels)
    for i in range(offsets.shape[0]):
        n = lengths[i]
        for c in range(n_channels):
            s = offsets[i] + c * n
            for t in range(n):
                v = data[s + t] - mean[c]
                sq[c] += v * v
    return mean, np.sqrt(sq / total)


def channel_stats(coll: Collection):
    """Per-channel mean and standard deviation over all cases and time points.

    A constant channel gets standard deviation 1 (it is then only centred).
    """
    mean, sd = _channel_stats(coll.data, coll.offsets, coll.lengths, coll.n_channels)
    return finish_channel_stats(mean, sd)


def finish_channel_stats(mean: np.ndarray, sd: np.ndarray):
    """Check raw per-channel statistics and floor the standard deviation of constant channels at 1."""
    bad = ~(np.isfinite(mean) & np.isfinite(sd))
    if bad.any():
        raise ValueError(
            f"X has values too large to standardise in channel {int(np.flatnonzero(bad)[0])} (its variance"
            " overflows float64); rescale the data"
        )
    return mean, np.where(sd > 1e-12 * np.maximum(np.abs(mean), 1.0), sd, 1.0)
