"""The Hydra feature family: groups of competing random kernels (Dempster, Schmidt & Webb 2023).

A *group* is one series (the sum of a combination of standardised channels, or its first difference),
eight random kernels of length nine (weights drawn N(0, 1), then their mean subtracted, divided by the
sum of their absolute values, and rounded to multiples of ``2^-15``, the centre's minus the sum of the
others: :func:`quantised_weights`) and a dilation ``d``. The eight outputs are "same" length: the series is
zero padded by ``4d`` on each side, and ``z_k[t] = sum_j w[k, j] * (xp[t + j d] - xp[t + 4d])`` (taps
relative to the centre, summed in order ``j = 0..8`` without ``j = 4``: the weights sum to zero, so this is
the convolution, and a constant stretch gives exact zeros in any arithmetic). At each time point the kernels compete: the one with the largest output (the first of
equal ones) adds that output to its *soft count* (statistic 0, ``max``), the one with the smallest output
(the first of equal ones) adds one to its *hard count* (statistic 1, ``min``). A feature is a (group,
kernel 0-7, statistic); a fitted pool or selection is a :class:`HydraFeatures`.

:func:`fit_pool` draws a pool as Hydra does: dilations ``2^0 .. 2^floor(log2((L - 1) / 8))`` for the
longest training series ``L``; per dilation ``n_groups`` groups, the first ``ceil(n_groups / 2)`` on the
series and the others on its first difference; each group sums ``clip(C // 2, 2, 8)`` distinct channels
(at most ``C``; the one channel of univariate data), drawn with the seeded legacy ``RandomState``.
Channels are standardised with the training statistics before they are summed (Hydra sums raw channels),
as in the MiniRocket family (:mod:`lightwaves.families.rocket.features`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Kernels per group, taps per kernel, statistics per kernel.
N_GROUP_KERNELS = 8
N_TAPS = 9
STATS = ("max", "min")
#: ``features_`` table level of the family, and the feature code of each statistic.
LEVEL = 3
STAT_CODES = (8, 9)
#: Arrays of a :class:`HydraFeatures`, as stored in a model file (name -> dtype kind, ndim).
ARRAY_SPEC = {
    "combo_offsets": ("i", 1),
    "combo_channels": ("i", 1),
    "group": ("i", 2),
    "weights": ("f", 3),
    "feature": ("i", 2),
}
#: Largest number of groups per dilation a pool draws (parameter ``hydra_groups``).
MAX_GROUPS = 1024


def check_groups(n_groups) -> int:
    """``hydra_groups``: an integer from 1 to :data:`MAX_GROUPS`."""
    import numbers

    if isinstance(n_groups, bool) or not isinstance(n_groups, numbers.Integral) or not 1 <= n_groups <= MAX_GROUPS:
        raise ValueError(f"hydra_groups must be an integer from 1 to {MAX_GROUPS}, got {n_groups!r}")
    return int(n_groups)


@dataclass(frozen=True)
class HydraFeatures:
    """Groups and the features counted from them, in output column order.

    Group ``g`` sums channels ``combo_channels[combo_offsets[g]:combo_offsets[g + 1]]`` (standardised),
    first-differences the sum if ``diff[g]``, and convolves it with the eight kernels ``weights[g]``
    (``(8, 9)``) at dilation ``dilation[g]``. Feature ``q`` is statistic ``stat[q]`` (0 soft count of the
    maximum, 1 hard count of the minimum) of kernel ``kernel[q]`` of group ``group[q]``.
    """

    combo_offsets: np.ndarray
    combo_channels: np.ndarray
    dilation: np.ndarray
    diff: np.ndarray
    weights: np.ndarray
    group: np.ndarray
    kernel: np.ndarray
    stat: np.ndarray

    @property
    def n_features(self) -> int:
        return int(self.group.shape[0])

    @property
    def n_groups(self) -> int:
        return int(self.dilation.shape[0])

    def shared_computation(self) -> np.ndarray:
        """Per feature, its group (the features of a group share its eight convolutions)."""
        return np.asarray(self.group, dtype=np.int64)

    @property
    def n_convolutions(self) -> int:
        """Convolutions a case costs: the eight kernels of every group (a group's features share them)."""
        return N_GROUP_KERNELS * len(np.unique(self.group))

    def combo(self, g: int) -> np.ndarray:
        return self.combo_channels[self.combo_offsets[g] : self.combo_offsets[g + 1]]

    def reads(self, g: int) -> np.ndarray:
        """Sorted channels group ``g`` reads."""
        return np.unique(self.combo(g))

    @property
    def channels(self) -> np.ndarray:
        """Sorted channels read by at least one feature."""
        parts = [self.combo(int(g)) for g in np.unique(self.group)]
        return np.unique(np.concatenate(parts)).astype(np.int64) if parts else np.empty(0, dtype=np.int64)

    def subset(self, idx) -> "HydraFeatures":
        """The features ``idx`` in that order, with only the groups they use (renumbered in pool order)."""
        idx = np.asarray(idx, dtype=np.int64)
        used, grp = np.unique(self.group[idx], return_inverse=True)
        combos = [self.combo(int(g)) for g in used]
        offsets = np.zeros(len(used) + 1, dtype=np.int64)
        np.cumsum([len(c) for c in combos], out=offsets[1:])
        return HydraFeatures(
            combo_offsets=offsets,
            combo_channels=np.concatenate(combos).astype(np.int64) if combos else np.empty(0, np.int64),
            dilation=self.dilation[used], diff=self.diff[used],
            weights=np.ascontiguousarray(self.weights[used]).reshape(len(used), N_GROUP_KERNELS, N_TAPS),
            group=grp.ravel().astype(np.int64), kernel=self.kernel[idx], stat=self.stat[idx],
        )

    # -------------------------------------------------------------- model files
    def to_arrays(self) -> dict:
        """Plain arrays for a model file (see :data:`ARRAY_SPEC`)."""
        return {
            "combo_offsets": self.combo_offsets,
            "combo_channels": self.combo_channels,
            "group": np.stack([self.dilation, self.diff], axis=1).astype(np.int64),
            "weights": np.asarray(self.weights, dtype=np.float64),
            "feature": np.stack([self.group, self.kernel, self.stat], axis=1).astype(np.int64),
        }

    @classmethod
    def from_arrays(cls, a: dict, n_channels: int) -> "HydraFeatures":
        """Rebuild from :meth:`to_arrays` output; ``ValueError`` naming the array if the arrays are
        inconsistent or hold a value no fitted pool holds (every check runs before anything is allocated
        from their values)."""
        from ..spec import MAX_DILATION

        off, ch = (np.asarray(a[k], dtype=np.int64) for k in ("combo_offsets", "combo_channels"))
        grp, feat = np.asarray(a["group"], dtype=np.int64), np.asarray(a["feature"], dtype=np.int64)
        w = np.asarray(a["weights"], dtype=np.float64)
        if grp.ndim != 2 or grp.shape[1] != 2:
            raise ValueError(f"array hydra_group has shape {grp.shape}, expected (n_groups, 2)")
        n_groups = grp.shape[0]
        if w.shape != (n_groups, N_GROUP_KERNELS, N_TAPS):
            raise ValueError(f"array hydra_weights has shape {w.shape}, expected ({n_groups}, {N_GROUP_KERNELS}, "
                             f"{N_TAPS}) ({n_groups} groups)")
        if feat.ndim != 2 or feat.shape[1] != 3:
            raise ValueError(f"array hydra_feature has shape {feat.shape}, expected (n_features, 3)")
        if off.shape != (n_groups + 1,):
            raise ValueError(f"array hydra_combo_offsets has shape {off.shape}, expected ({n_groups + 1},) "
                             f"({n_groups} groups)")
        if off[0] != 0 or (np.diff(off) < 1).any() or off[-1] != ch.shape[0]:
            raise ValueError("array hydra_combo_offsets must increase strictly from 0 to the length of "
                             f"hydra_combo_channels ({ch.shape[0]})")
        if ch.size and (ch.min() < 0 or ch.max() >= n_channels):
            bad = int(ch[(ch < 0) | (ch >= n_channels)][0])
            raise ValueError(f"array hydra_combo_channels: Hydra channel out of range: {bad} (0 to {n_channels - 1})")
        if n_groups:
            inner = np.ones(ch.shape[0], dtype=bool)
            inner[off[:-1]] = False  # position i > 0 continues the combination of position i - 1
            if (np.diff(ch)[inner[1:]] < 1).any():
                raise ValueError("array hydra_combo_channels: a channel combination is not sorted or repeats a "
                                 "channel")
        dilation, diff = grp.T
        group, kernel, stat = feat.T
        for name, what, v, lo, hi in (("group", "dilation", dilation, 1, MAX_DILATION),
                                      ("group", "first-difference flag", diff, 0, 1),
                                      ("feature", "group", group, 0, n_groups - 1),
                                      ("feature", "kernel", kernel, 0, N_GROUP_KERNELS - 1),
                                      ("feature", "statistic", stat, 0, len(STATS) - 1)):
            bad = (v < lo) | (v > hi)
            if bad.any():
                j = int(np.flatnonzero(bad)[0])
                raise ValueError(f"array hydra_{name}: {what} {int(v[j])} of row {j} is out of range ({lo} to {hi})")
        if n_groups and np.unique(group).shape[0] != n_groups:
            raise ValueError(f"array hydra_feature: {n_groups - np.unique(group).shape[0]} of the {n_groups} "
                             "Hydra groups are used by no feature")
        if feat.shape[0] and np.unique(feat, axis=0).shape[0] != feat.shape[0]:
            raise ValueError("array hydra_feature: a Hydra feature is repeated")
        # normalised weights: finite, each at most 1 in absolute value (divided by the sum of them all)
        if not (np.isfinite(w).all() and (np.abs(w) <= 1.0).all()):
            raise ValueError("array hydra_weights: Hydra kernel weights must be finite and at most 1 in absolute "
                             "value (normalised by the sum of their absolute values)")
        c = np.ascontiguousarray
        return cls(off, ch, c(dilation), c(diff), c(w), c(group), c(kernel), c(stat))

    # -------------------------------------------------------------- descriptions
    def names(self) -> list[str]:
        """Readable names such as ``"hy/ch0+3/d4/diff/g12/k5/max"`` (group ``g12`` of this selection)."""
        out = []
        for q in range(self.n_features):
            g = int(self.group[q])
            parts = [f"hy/ch{'+'.join(str(c) for c in self.combo(g).tolist())}", f"d{self.dilation[g]}"]
            if self.diff[g]:
                parts.append("diff")
            parts += [f"g{g}", f"k{self.kernel[q]}", STATS[self.stat[q]]]
            out.append("/".join(parts))
        return out

    def table(self) -> np.ndarray:
        """``(n, 5)`` rows like :func:`lightwaves.families.paper.plan.feature_table`: first channel of the
        combination, kernel (0-7 of its group), dilation, level 3 (this family), 8 (max) or 9 (min)."""
        g = self.group
        first = self.combo_channels[self.combo_offsets[g]] if self.n_features else np.empty(0, np.int64)
        return np.stack([first, self.kernel, self.dilation[g], np.full_like(g, LEVEL),
                         np.asarray(STAT_CODES, dtype=np.int64)[self.stat]], axis=1).astype(np.int64)


@dataclass(frozen=True)
class HydraPlan:
    """What :func:`lightwaves.families.hydra.kernels.transform_hydra` runs: the groups features use, the
    features of each (``feature_start``), their kernel, statistic and output column."""

    combo_offsets: np.ndarray
    combo_channels: np.ndarray
    dilation: np.ndarray
    diff: np.ndarray
    weights: np.ndarray
    feature_start: np.ndarray
    kernel: np.ndarray
    stat: np.ndarray
    column: np.ndarray

    @property
    def n_features(self) -> int:
        return int(self.column.shape[0])


def plan_for(features: HydraFeatures, channel_position=None) -> HydraPlan:
    """Plan computing ``features`` in their column order (groups in their order, each computed once).

    ``channel_position`` maps a model channel to its position in the input array (identity if None).
    """
    f = features
    used = np.unique(f.group)
    rank = np.full(f.n_groups, -1, dtype=np.int64)
    rank[used] = np.arange(len(used))
    combos = [f.combo(int(g)) for g in used]
    if channel_position is not None:
        pos = np.asarray(channel_position, dtype=np.int64)
        combos = [pos[c] for c in combos]
    offsets = np.zeros(len(used) + 1, dtype=np.int64)
    np.cumsum([len(c) for c in combos], out=offsets[1:])
    fg = rank[f.group] if f.n_features else np.empty(0, np.int64)
    order = np.lexsort((np.arange(f.n_features), fg)) if f.n_features else np.empty(0, np.int64)
    start = np.zeros(len(used) + 1, dtype=np.int64)
    np.cumsum(np.bincount(fg, minlength=len(used)), out=start[1:])
    c = np.ascontiguousarray
    return HydraPlan(
        combo_offsets=offsets,
        combo_channels=c(np.concatenate(combos) if combos else np.empty(0), dtype=np.int64),
        dilation=c(f.dilation[used], dtype=np.int64), diff=c(f.diff[used], dtype=np.int64),
        weights=c(np.asarray(f.weights, dtype=np.float64)[used].reshape(len(used), N_GROUP_KERNELS, N_TAPS)),
        feature_start=start, kernel=c(f.kernel[order], dtype=np.int64), stat=c(f.stat[order], dtype=np.int64),
        column=c(order, dtype=np.int64),
    )


# ------------------------------------------------------------------------------------ fitting a pool
def fit_dilations(length: int) -> np.ndarray:
    """Hydra's dilations ``2^0 .. 2^floor(log2((length - 1) / 8))`` (only 1 for series of at most 16)."""
    top = 0
    while 8 * 2 ** (top + 1) <= length - 1:
        top += 1
    return 2 ** np.arange(top + 1, dtype=np.int64)


def channels_per_group(n_channels: int) -> int:
    """Channels a group sums: ``clip(C // 2, 2, 8)`` as Hydra, at most ``C``."""
    return min(int(n_channels), int(np.clip(n_channels // 2, 2, 8)))


def normalised_weights(w: np.ndarray) -> np.ndarray:
    """Kernel weights (..., 9) minus their mean, divided by the sum of their absolute values; the sums run
    in tap order (``np.cumsum``, no pairwise or BLAS summation), so the weights have the same bits on every
    machine."""
    w = np.asarray(w, dtype=np.float64)
    w = w - np.cumsum(w, axis=-1)[..., -1:] / w.shape[-1]
    return w / np.cumsum(np.abs(w), axis=-1)[..., -1:]


#: Drawn kernel weights are multiples of this step (normalised weights are at most 1/2 in magnitude: at
#: most 16,384 steps): exact in float and double, and a 16-bit integer each in the C export.
WEIGHT_STEP = 2.0**-15
#: Most steps a stored weight may have (int16)
WEIGHT_STEPS_MAX = 32767


def quantised_weights(w: np.ndarray) -> np.ndarray:
    """Kernel weights (..., 9) rounded to the nearest multiple of :data:`WEIGHT_STEP` (ties to even), within
    :data:`WEIGHT_STEPS_MAX` steps of zero, the centre's then set to minus the sum of the others (exact:
    multiples of the step), so that each kernel still sums to zero, as the taps relative to the centre
    assume. The rounding moves a weight by at most 1.5e-5 (of an absolute sum of 1), and a microcontroller
    stores a weight in two bytes (:mod:`lightwaves.families.hydra.export`; the centre's is not stored)
    instead of four or eight."""
    q = np.clip(np.rint(np.asarray(w, dtype=np.float64) / WEIGHT_STEP), -WEIGHT_STEPS_MAX, WEIGHT_STEPS_MAX)
    c = N_TAPS // 2
    q[..., c] = -(q.sum(axis=-1) - q[..., c])
    return q * WEIGHT_STEP


def fit_pool(coll, mean, inv_sd, n_groups=64, seed=0) -> HydraFeatures:
    """Draw a Hydra candidate pool for the training collection ``coll`` (every feature of every group).

    Parameters
    ----------
    coll : Collection
        Training cases (only their number of channels and longest length are read).
    mean, inv_sd : ndarray of shape (coll.n_channels,)
        Channel standardisation (the kernels use them; drawing does not).
    n_groups : int
        Groups per dilation: the first ``ceil(n_groups / 2)`` on the series, the others on its first
        difference.
    seed : int
        Seeds the kernel weights and channel combinations (legacy ``RandomState``: the same draws on every
        machine and numpy version).

    Returns
    -------
    HydraFeatures
        Groups ordered by dilation, then series before first difference, then draw; features by group,
        kernel, statistic (candidate ids are positions).
    """
    n_groups = check_groups(n_groups)
    rng = np.random.RandomState(seed)
    C = int(coll.n_channels)
    per = channels_per_group(C)
    dilations = fit_dilations(int(coll.lengths.max()))
    combos, dil, dif, weights = [], [], [], []
    for d in dilations.tolist():
        for d_flag, count in ((0, (n_groups + 1) // 2), (1, n_groups // 2)):
            for _ in range(count):
                weights.append(quantised_weights(normalised_weights(rng.standard_normal((N_GROUP_KERNELS, N_TAPS)))))
                combos.append(np.sort(rng.permutation(C)[:per]) if C > 1 else np.zeros(1, dtype=np.int64))
                dil.append(d)
                dif.append(d_flag)
    G = len(dil)
    offsets = np.zeros(G + 1, dtype=np.int64)
    np.cumsum([len(c) for c in combos], out=offsets[1:])
    per_group = N_GROUP_KERNELS * len(STATS)
    return HydraFeatures(
        combo_offsets=offsets, combo_channels=np.concatenate(combos).astype(np.int64),
        dilation=np.asarray(dil, dtype=np.int64), diff=np.asarray(dif, dtype=np.int64),
        weights=np.ascontiguousarray(np.stack(weights)),
        group=np.repeat(np.arange(G, dtype=np.int64), per_group),
        kernel=np.tile(np.repeat(np.arange(N_GROUP_KERNELS, dtype=np.int64), len(STATS)), G),
        stat=np.tile(np.arange(len(STATS), dtype=np.int64), G * N_GROUP_KERNELS),
    )


def empty() -> HydraFeatures:
    """No features (the family is not used)."""
    z = np.empty(0, dtype=np.int64)
    return HydraFeatures(np.zeros(1, np.int64), z, z, z, np.zeros((0, N_GROUP_KERNELS, N_TAPS)), z, z, z)
