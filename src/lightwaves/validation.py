"""Input checking and the flat collection layout handed to the numba kernels.

Every user-facing entry point goes through :func:`check_collection` and :func:`check_labels`; each
problem raises a ``ValueError`` that names it and, where there is one, the offending case and channel.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass

import numpy as np


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


def _from_pandas(X, name: str):
    """aeon's pandas collection types as numpy: ``pd-multiindex`` (index (case, time), one column per
    channel) becomes a 3D array or a list of 2D arrays; ``pd-wide`` (one row per case, one column per
    time point) a 2D array. Anything else pandas is refused rather than guessed at."""
    import pandas as pd

    if isinstance(X, pd.Series):
        raise ValueError(f"{name} is a pandas Series; pass a 3D array (n_cases, n_channels, n_timepoints),"
                         " a list of 2D arrays or an aeon pd-multiindex DataFrame")
    index = X.index
    if isinstance(index, pd.MultiIndex):
        if index.nlevels != 2:
            raise ValueError(f"{name} is a DataFrame with a {index.nlevels}-level index; aeon's pd-multiindex"
                             " collections have two levels (case, time point)")
        if X.shape[1] == 0 or len(X) == 0:
            raise ValueError(f"{name} is an empty DataFrame")
        bad = [c for c in X.columns if X[c].dtype.kind not in "biuf"]
        if bad:
            raise ValueError(f"{name}: DataFrame column {bad[0]!r} is not numeric (dtype {X[bad[0]].dtype})")
        codes, cases = pd.factorize(index.get_level_values(0), sort=False)
        values = X.to_numpy(dtype=np.float64)
        order = np.argsort(codes, kind="stable")
        counts = np.bincount(codes, minlength=len(cases))
        blocks = np.split(values[order], np.cumsum(counts)[:-1])
        arrays = [np.ascontiguousarray(b.T) for b in blocks]  # (n_channels, n_timepoints)
        if len(set(counts.tolist())) == 1:
            return np.stack(arrays)
        return arrays
    if any(X[c].dtype.kind not in "biuf" for c in X.columns):
        raise ValueError(f"{name} is a DataFrame with non-numeric columns; pass numbers in aeon's pd-wide "
                         "(one row per case) or pd-multiindex layout")
    return X.to_numpy(dtype=np.float64)  # pd-wide: (n_cases, n_timepoints)


def check_collection(X, name: str = "X", n_channels_model=None, case_offset: int = 0) -> Collection:
    """Validate ``X`` and flatten it.

    Accepted: a 3D numeric array ``(n_cases, n_channels, n_timepoints)``, a list of 2D arrays
    ``(n_channels, n_timepoints_i)`` (unequal length), aeon's ``pd-multiindex`` and ``pd-wide``
    DataFrames, and a 2D array ``(n_cases, n_timepoints)``, which always means one-channel cases
    (aeon's ``numpy2D``). ``n_channels_model`` is the channel count of a fitted model: a 2D array is
    then refused unless the model has one channel, because a 2D array given to a multichannel model is
    ambiguous (one multichannel case, or several one-channel cases). ``case_offset`` is added to the
    case numbers in error messages (for chunks of a larger collection).
    """
    if isinstance(X, Collection):
        return X
    if hasattr(X, "tocsr") or type(X).__module__.startswith("scipy.sparse"):
        raise ValueError(f"{name} is a sparse matrix: sparse input is not supported; pass a dense array")
    if type(X).__module__.split(".")[0] == "pandas":
        X = _from_pandas(X, name)
    if not isinstance(X, (np.ndarray, list, tuple)) and hasattr(X, "__array__"):
        X = np.asarray(X)  # array-likes
    if (
        n_channels_model is not None and n_channels_model != 1 and isinstance(X, np.ndarray)
        and X.ndim == 2 and X.dtype != object
    ):
        raise ValueError(
            f"{name} is 2D {X.shape}, which means {X.shape[0]} one-channel series, but the model was fitted"
            f" on {n_channels_model} channels; pass a 3D array (n_cases, n_channels, n_timepoints), e.g."
            f" X[None] for a single case"
        )
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
            _raise_non_finite(X, name, case_offset)
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
    for i, case in enumerate(cases, case_offset):
        a = _check_case_array(case, i, name)
        if n_channels is None:
            n_channels = a.shape[0]
            if n_channels == 0:
                raise ValueError(f"{name}: case {i} has no channels")
        elif a.shape[0] != n_channels:
            raise ValueError(
                f"{name}: case {i} has {a.shape[0]} channels but case {case_offset} has {n_channels}; every"
                " case must have the same channels"
            )
        if a.shape[1] == 0:
            raise ValueError(f"{name}: case {i} is too short: length 0")
        if not np.isfinite(a).all():
            _raise_non_finite(a[None], name, case_offset=i)
        arrays.append(a)
    lengths = np.array([a.shape[1] for a in arrays], dtype=np.int64)
    return Collection.from_pieces([a.ravel() for a in arrays], lengths, n_channels)


def is_dask_array(X) -> bool:
    """Whether ``X`` is a ``dask.array.Array`` (without importing dask)."""
    return type(X).__module__.split(".")[0] == "dask" and hasattr(X, "chunks") and hasattr(X, "compute")


def check_dask_shape(X, name):
    """The shape of a Dask array, refusing unknown (NaN) chunk sizes with a one-line error."""
    if any(isinstance(s, float) and s != s for s in X.shape):
        raise ValueError(f"{name} is a Dask array with unknown chunk sizes (shape {X.shape}); call "
                         f"{name}.compute_chunk_sizes() first")
    return X.shape


class CaseSource:
    """The cases of ``X``, read and validated a chunk at a time (never a float64 copy of all of ``X``).

    ``X`` is anything :func:`check_collection` accepts; a 3D or 2D array may be a ``numpy.memmap`` (for
    example ``np.load("big.npy", mmap_mode="r")``) or a ``dask.array.Array``, of which only the chunk being
    worked on is read (a Dask array's chunk is computed with ``.compute()``: on the current
    ``dask.distributed`` client if there is one).
    """

    def __init__(self, X, name: str = "X"):
        if isinstance(X, Collection):
            self._X, self.n_cases, self.n_channels = X, X.n_cases, X.n_channels
            self.length_max = int(X.lengths.max()) if X.n_cases else 0
            self.name = name
            return
        if type(X).__module__.split(".")[0] == "pandas":
            X = _from_pandas(X, name)
        if is_dask_array(X):
            check_dask_shape(X, name)
            if X.ndim not in (2, 3):
                raise ValueError(f"{name} must be 3D (n_cases, n_channels, n_timepoints) or 2D (n_cases, "
                                 f"n_timepoints), got a Dask array of shape {X.shape}")
        if (isinstance(X, np.ndarray) or is_dask_array(X)) and X.dtype != object and X.ndim in (2, 3):
            if X.ndim == 2:
                X = X[:, None, :]
            n, c, t = X.shape
            self.n_cases, self.n_channels, self.length_max = n, c, t
            first = np.asarray(X[:1].compute()) if is_dask_array(X) else X[:1]
            check_collection(first, name)  # dtype and shape errors now, in the usual order
        elif isinstance(X, (list, tuple)) and len(X):
            self.n_cases = len(X)
            self.n_channels = None  # checked chunk by chunk (a 1D case is one channel)
            self.length_max = max(np.shape(a)[-1] if np.ndim(a) else 0 for a in X)
        else:  # anything else: validate all at once (and raise the usual error)
            X = check_collection(X, name)
            self.n_cases, self.n_channels, self.length_max = X.n_cases, X.n_channels, int(X.lengths.max())
        self._X = X
        self.name = name
        if self.n_cases == 0:
            check_collection(X, name)  # raises: no cases

    @property
    def data(self):
        """The input as read (a 2D array seen as 3D ``(n_cases, 1, n_timepoints)``, pandas as numpy)."""
        return self._X

    def chunk(self, start: int, stop: int) -> Collection:
        """Cases ``start:stop`` as a validated collection."""
        if isinstance(self._X, Collection):
            return self._X if (start, stop) == (0, self.n_cases) else self._X.subset(np.arange(start, stop))
        part = self._X[start:stop]
        if is_dask_array(part):  # read only this chunk
            part = np.asarray(part.compute())
        coll = check_collection(part, self.name, case_offset=start)
        if self.n_channels is None:
            self.n_channels = coll.n_channels
        elif coll.n_channels != self.n_channels:
            raise ValueError(f"{self.name}: cases from {start} have {coll.n_channels} channels but case 0 has "
                             f"{self.n_channels}; every case must have the same channels")
        return coll

    def chunks(self, size: int):
        """``(start, collection)`` of consecutive chunks of at most ``size`` cases."""
        for start in range(0, self.n_cases, size):
            yield start, self.chunk(start, min(start + size, self.n_cases))

    def take(self, cases) -> Collection:
        """The (sorted) ``cases`` as one validated collection."""
        cases = np.asarray(cases, dtype=np.int64)
        if isinstance(self._X, Collection):
            return self._X.subset(cases)
        if isinstance(self._X, np.ndarray):
            return check_collection(self._X[cases], self.name)
        if is_dask_array(self._X):
            return check_collection(np.asarray(self._X[cases].compute()), self.name)
        return check_collection([self._X[i] for i in cases], self.name)


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
    if y.dtype.kind == "f" and (y != np.round(y)).any():
        raise ValueError(
            f"Unknown label type: {name} is continuous (non-integer floats such as "
            f"{y[y != np.round(y)][0]!r}); a classifier needs class labels. If these numbers name classes,"
            f" pass them as strings ({name}.astype(str))"
        )
    if y.dtype == object:
        missing = [i for i, v in enumerate(y) if v is None or (isinstance(v, float) and v != v)]
        if missing:
            raise ValueError(f"{name} contains a missing label at case {missing[0]}")
    if n_cases < 2:
        raise ValueError("X has 1 sample (one case); fitting needs at least two cases of two classes")
    if y.dtype.kind not in "biufUSO":
        raise ValueError(f"{name} has dtype {y.dtype}; class labels must be strings, integers, floats or bools")
    if y.dtype == object:
        kinds = {"str" if isinstance(v, str) else "bool" if isinstance(v, (bool, np.bool_)) else
                 "number" if isinstance(v, (numbers.Real, np.number)) else type(v).__name__ for v in y}
        if len(kinds) > 1 or not kinds <= {"str", "bool", "number"}:
            raise ValueError(f"{name} mixes label types ({', '.join(sorted(kinds))}); use one type, e.g."
                             f" all strings")
    classes = np.unique(y)
    if len(classes) < 2:
        label = classes[0].item() if isinstance(classes[0], np.generic) else classes[0]  # 0, not np.int64(0)
        raise ValueError(f"{name} has a single class ({label!r}); a classifier needs at least two classes")
    return y


def channel_stats(coll: Collection):
    """Per-channel mean and standard deviation over all cases and time points.

    A constant channel gets standard deviation 1 (it is then only centred).
    """
    return channel_stats_chunks(lambda: iter([coll]))


def channel_stats_chunks(chunks):
    """:func:`channel_stats` of a collection given as consecutive chunks (``chunks()`` yields
    ``Collection`` objects in case order and is called twice). The sums run in the same order as over
    the whole collection, so the result has the same bits for any chunking."""
    from .kernels import channel_squares, channel_sums  # numba: only fitting needs these

    sums = None
    total = 0
    for coll in chunks():
        if sums is None:
            sums = np.zeros(coll.n_channels)
        total += channel_sums(coll.data, coll.offsets, coll.lengths, coll.n_channels, sums)
    mean = sums / total
    sq = np.zeros_like(sums)
    for coll in chunks():
        channel_squares(coll.data, coll.offsets, coll.lengths, coll.n_channels, mean, sq)
    return finish_channel_stats(mean, np.sqrt(sq / total))


def finish_channel_stats(mean: np.ndarray, sd: np.ndarray):
    """Check raw per-channel statistics and floor the standard deviation of constant channels at 1."""
    bad = ~(np.isfinite(mean) & np.isfinite(sd))
    if bad.any():
        raise ValueError(
            f"X has values too large to standardise in channel {int(np.flatnonzero(bad)[0])} (its variance"
            " overflows float64); rescale the data"
        )
    return mean, np.where(sd > 1e-12 * np.maximum(np.abs(mean), 1.0), sd, 1.0)
