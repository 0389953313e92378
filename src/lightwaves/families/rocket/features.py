"""The MiniRocket feature family: candidate pools drawn as MiniRocket does, and plans to compute them.

A fitted pool (or a selection from it) is a :class:`RocketFeatures`: convolutions (a channel
combination, a kernel, a dilation, whether the series is first-differenced) and features (a convolution,
a bias, the pooled region, a pooling operator). :func:`fit_pool` draws the pool from training data:

- dilations from the series length, as MiniRocket's ``_fit_dilations`` (``budget`` plays the role of
  MiniRocket's ``num_features``; 10,000 gives its 9,996 (kernel, dilation, bias) triples);
- for each (dilation, kernel) one channel combination of ``floor(2 ** U(0, log2(min(C, 9) + 1)))``
  channels, drawn without replacement (seeded);
- biases at low-discrepancy quantiles (golden-ratio sequence) of the convolution output of one random
  training case (MiniRocket's rule), or of the outputs of ``bias_cases`` random training cases pooled;
- MiniRocket's padding alternation: the (dilation index + kernel) odd combinations pool only the valid
  part of the output;
- one feature per bias and pooling operator (``pooling="ppv"``: PPV only; ``"multirocket"``: PPV, MPV,
  MIPV, LSPV), and with ``diff`` the same again, drawn independently, on the first-difference series.

Channels are standardised with the training statistics before they are summed (MiniRocket sums raw
channels), so a combination is not dominated by the channel with the largest scale.

With ``components=P`` (:func:`fit_components`) the family has ``P`` learned channels too: the leading
principal components of the standardised channels over the training time points, scaled to unit variance
(channel ``C + p`` is component ``p``). Half of the budget then draws combinations of the channels, as
above, and half combinations of the components. A component is a fixed weighted sum of every channel; it
is computed once per case (:func:`family_input`), before the convolutions that read it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace

import numpy as np

from ..spec import N_KERNELS, POOLS
from ...validation import Collection

POOLINGS = {"ppv": (0,), "multirocket": (0, 1, 2, 3)}
#: Arrays of a :class:`RocketFeatures`, as stored in a model file (name -> dtype kind, ndim).
ARRAY_SPEC = {
    "combo_offsets": ("i", 1),
    "combo_channels": ("i", 1),
    "conv": ("i", 2),
    "feature_conv": ("i", 1),
    "feature_spec": ("i", 2),
    "feature_bias": ("f", 1),
    "components": ("f", 2),
}
#: Rows of ``components`` are dropped when their variance is below this share of the largest one.
COMPONENT_RTOL = 1e-10


def check_pooling(pooling) -> tuple:
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be one of {sorted(POOLINGS)}, got {pooling!r}")
    return POOLINGS[pooling]


@dataclass(frozen=True)
class RocketFeatures:
    """Convolutions and the features pooled from them, in output column order.

    Convolution ``j`` sums channels ``combo_channels[combo_offsets[j]:combo_offsets[j + 1]]``
    (standardised), first-differences the sum if ``diff[j]``, and convolves it with kernel ``kernel[j]``
    at dilation ``dilation[j]``. Feature ``q`` pools convolution ``feature_conv[q]`` with operator
    ``pool[q]`` (see :data:`lightwaves.families.rocket.kernels.POOLS`) against ``bias[q]``, over the valid part
    of the output if ``valid[q]``. ``components`` is ``(P, C)``: a combination's channel ``C + p`` is
    ``components[p] @ (standardised channels)`` (``P = 0``: combinations read only the ``C`` channels).
    """

    combo_offsets: np.ndarray
    combo_channels: np.ndarray
    kernel: np.ndarray
    dilation: np.ndarray
    diff: np.ndarray
    feature_conv: np.ndarray
    bias: np.ndarray
    valid: np.ndarray
    pool: np.ndarray
    components: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    @property
    def n_features(self) -> int:
        return int(self.feature_conv.shape[0])

    @property
    def n_components(self) -> int:
        return int(self.components.shape[0])

    def used_components(self) -> np.ndarray:
        """Sorted components read by at least one feature (empty without components)."""
        if not self.n_components:
            return np.empty(0, dtype=np.int64)
        C = self.components.shape[1]
        used = np.unique(self.feature_conv)
        parts = [self.combo(j) for j in used]
        ch = np.unique(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)
        return ch[ch >= C] - C

    @property
    def n_convolutions(self) -> int:
        return int(self.kernel.shape[0])

    def shared_computation(self) -> np.ndarray:
        """Per feature, the convolution it pools (features of one convolution share it)."""
        return np.asarray(self.feature_conv, dtype=np.int64)

    @property
    def channels(self) -> np.ndarray:
        """Sorted channels read by at least one feature (see :meth:`reads`)."""
        parts = [self.reads(int(j)) for j in np.unique(self.feature_conv)]
        return np.unique(np.concatenate(parts)).astype(np.int64) if parts else np.empty(0, dtype=np.int64)

    def reads(self, j: int) -> np.ndarray:
        """Sorted channels convolution ``j`` reads: those of its combination, and every channel a
        component in it weighs."""
        combo = self.combo(j)
        if not self.n_components:
            return np.unique(combo)
        C = self.components.shape[1]
        comps = combo[combo >= C] - C
        return np.union1d(combo[combo < C], np.flatnonzero((self.components[comps] != 0).any(axis=0)))

    def over_components(self) -> "RocketFeatures":
        """The same features as read from :func:`family_input`'s output, where components are plain
        channels (no components of their own; ``channels`` then counts them as channels)."""
        if not self.n_components:
            return self
        return replace(self, components=np.zeros((0, sum(self.components.shape))))

    def combo(self, j: int) -> np.ndarray:
        return self.combo_channels[self.combo_offsets[j] : self.combo_offsets[j + 1]]

    def subset(self, idx) -> "RocketFeatures":
        """The features ``idx`` in that order, with only the convolutions they use."""
        idx = np.asarray(idx, dtype=np.int64)
        used, conv = np.unique(self.feature_conv[idx], return_inverse=True)
        combos = [self.combo(j) for j in used]
        offsets = np.zeros(len(used) + 1, dtype=np.int64)
        np.cumsum([len(c) for c in combos], out=offsets[1:])
        return RocketFeatures(
            combo_offsets=offsets,
            combo_channels=np.concatenate(combos).astype(np.int64) if combos else np.empty(0, np.int64),
            kernel=self.kernel[used], dilation=self.dilation[used], diff=self.diff[used],
            feature_conv=conv.ravel().astype(np.int64), bias=self.bias[idx], valid=self.valid[idx],
            pool=self.pool[idx], components=self.components,
        )

    # -------------------------------------------------------------- model files
    def to_arrays(self) -> dict:
        """Plain arrays for a model file (see :data:`ARRAY_SPEC`; ``components`` only if there are some)."""
        return {
            "combo_offsets": self.combo_offsets,
            "combo_channels": self.combo_channels,
            "conv": np.stack([self.kernel, self.dilation, self.diff], axis=1).astype(np.int64),
            "feature_conv": self.feature_conv,
            "feature_spec": np.stack([self.valid, self.pool], axis=1).astype(np.int64),
            "feature_bias": self.bias,
            **({"components": self.components} if self.n_components else {}),
        }

    @classmethod
    def from_arrays(cls, a: dict, n_channels: int) -> "RocketFeatures":
        """Rebuild from :meth:`to_arrays` output; ``ValueError`` naming the array if the arrays are
        inconsistent or hold a value no fitted pool holds (every check runs before anything is allocated
        from their values)."""
        from ..spec import MAX_DILATION

        off, ch, conv = (np.asarray(a[k], dtype=np.int64) for k in ("combo_offsets", "combo_channels", "conv"))
        fconv, spec = np.asarray(a["feature_conv"], np.int64), np.asarray(a["feature_spec"], np.int64)
        bias = np.asarray(a["feature_bias"], dtype=np.float64)
        comps = np.asarray(a.get("components", np.zeros((0, n_channels))), dtype=np.float64)  # older files: none
        if comps.ndim != 2 or (comps.shape[0] and comps.shape[1] != n_channels):
            raise ValueError(f"array rocket_components: MiniRocket-family components have an inconsistent shape "
                             f"{comps.shape}, expected (P, {n_channels}) (one weight per channel)")
        P = comps.shape[0]
        if P > n_channels:
            raise ValueError(f"array rocket_components: {P} principal components of {n_channels} channels "
                             "(there are at most as many as channels)")
        if not np.isfinite(comps).all():
            raise ValueError("array rocket_components: MiniRocket-family components must be finite")
        if conv.ndim != 2 or conv.shape[1] != 3:
            raise ValueError(f"array rocket_conv has shape {conv.shape}, expected (n_convolutions, 3)")
        n_conv, k = conv.shape[0], fconv.shape[0]
        if off.shape != (n_conv + 1,):
            raise ValueError(f"array rocket_combo_offsets has shape {off.shape}, expected ({n_conv + 1},) "
                             f"({n_conv} convolutions)")
        if off[0] != 0 or (np.diff(off) < 1).any() or off[-1] != ch.shape[0]:
            raise ValueError("array rocket_combo_offsets must increase strictly from 0 to the length of "
                             f"rocket_combo_channels ({ch.shape[0]})")
        if spec.shape != (k, 2):
            raise ValueError(f"array rocket_feature_spec has shape {spec.shape}, expected ({k}, 2) ({k} features)")
        if bias.shape != (k,):
            raise ValueError(f"array rocket_feature_bias has shape {bias.shape}, expected ({k},) ({k} features)")
        if ch.size and (ch.min() < 0 or ch.max() >= n_channels + P):
            bad = int(ch[(ch < 0) | (ch >= n_channels + P)][0])
            raise ValueError(f"array rocket_combo_channels: MiniRocket-family channel out of range: {bad} (0 to "
                             f"{n_channels + P - 1}: {n_channels} channels, {P} components)")
        if n_conv:
            first = off[:-1]
            # a combination is drawn without replacement, and sorted (earlier files may mix channels and
            # components in one combination: accepted)
            step = np.diff(ch)
            inner = np.ones(ch.shape[0], dtype=bool)
            inner[first] = False  # position i > 0 continues the combination of position i - 1
            if (step[inner[1:]] < 1).any():
                raise ValueError("array rocket_combo_channels: a channel combination is not sorted or repeats "
                                 "a channel")
        kernel, dilation, diff = conv.T
        for what, v, lo, hi in (("kernel", kernel, 0, N_KERNELS - 1), ("dilation", dilation, 1, MAX_DILATION),
                                ("first-difference flag", diff, 0, 1)):
            bad = (v < lo) | (v > hi)
            if bad.any():
                j = int(np.flatnonzero(bad)[0])
                raise ValueError(f"array rocket_conv: {what} {int(v[j])} of convolution {j} is out of range "
                                 f"({lo} to {hi})")
        if k and (fconv.min() < 0 or fconv.max() >= n_conv):
            bad = int(fconv[(fconv < 0) | (fconv >= n_conv)][0])
            raise ValueError(f"array rocket_feature_conv: a MiniRocket-family feature refers to a missing "
                             f"convolution ({bad}; there are {n_conv})")
        if k and np.unique(fconv).shape[0] != n_conv:
            # a fitted model keeps only the convolutions its features pool (subset); prediction projects only
            # the components those read, so an unused convolution could read a component never computed
            raise ValueError(f"array rocket_feature_conv: {n_conv - np.unique(fconv).shape[0]} of the {n_conv} "
                             "MiniRocket-family convolutions are used by no feature")
        valid, pool = spec.T
        for what, v, hi in (("valid-part flag", valid, 1), ("pooling operator", pool, len(POOLS) - 1)):
            bad = (v < 0) | (v > hi)
            if bad.any():
                q = int(np.flatnonzero(bad)[0])
                raise ValueError(f"array rocket_feature_spec: {what} {int(v[q])} of feature {q} is out of "
                                 f"range (0 to {hi})")
        if not np.isfinite(bias).all():
            raise ValueError("array rocket_feature_bias: MiniRocket-family biases must be finite")
        return cls(off, ch, np.ascontiguousarray(kernel), np.ascontiguousarray(dilation),
                   np.ascontiguousarray(diff), fconv, bias, np.ascontiguousarray(valid),
                   np.ascontiguousarray(pool), np.ascontiguousarray(comps))

    # -------------------------------------------------------------- descriptions
    def names(self) -> list[str]:
        """Readable names such as ``"mr/ch0+3/k17/d8/diff/valid/ppv>0.125"`` (``ch0+pc2``: channel 0 plus
        principal component 2; ``pc2``: component 2 alone)."""
        out = []
        C = self.components.shape[1] if self.n_components else None
        for q in range(self.n_features):
            j = int(self.feature_conv[q])
            combo = self.combo(j).tolist()
            chans = "+".join(str(c) if C is None or c < C else f"pc{c - C}" for c in combo)
            parts = [f"mr/ch{chans}" if C is None or combo[0] < C else f"mr/{chans}", f"k{self.kernel[j]}",
                     f"d{self.dilation[j]}"]
            if self.diff[j]:
                parts.append("diff")
            parts.append("valid" if self.valid[q] else "full")
            parts.append(f"{POOLS[self.pool[q]]}>{self.bias[q]:.4g}")
            out.append("/".join(parts))
        return out

    def table(self) -> np.ndarray:
        """``(n, 5)`` rows like :func:`lightwaves.families.paper.plan.feature_table`: first channel of the combination
        (``C + p`` for principal component ``p``), kernel, dilation, level 0 (this family), 4 + pooling
        operator."""
        j = self.feature_conv
        first = self.combo_channels[self.combo_offsets[j]] if self.n_features else np.empty(0, np.int64)
        return np.stack([first, self.kernel[j], self.dilation[j], np.zeros_like(j), 4 + self.pool],
                        axis=1).astype(np.int64)


@dataclass(frozen=True)
class RocketPlan:
    """What :func:`lightwaves.families.rocket.kernels.transform_rocket` runs: convolutions sorted by (series,
    dilation, kernel), per-convolution feature ranges, and the output column of each feature.
    ``valid_only[j]`` is 1 when every feature of convolution ``j`` pools only the valid part of its
    output (then the convolution is computed only there)."""

    series_id: np.ndarray
    combo_offsets: np.ndarray
    combo_channels: np.ndarray
    diff: np.ndarray
    dilation: np.ndarray
    kernel: np.ndarray
    feature_start: np.ndarray
    valid: np.ndarray
    pool: np.ndarray
    bias: np.ndarray
    column: np.ndarray
    valid_only: np.ndarray

    @property
    def n_features(self) -> int:
        return int(self.column.shape[0])


def plan_for(features: RocketFeatures, channel_position=None) -> RocketPlan:
    """Plan computing ``features`` in their column order.

    ``channel_position`` maps a model channel to its position in the input array (identity if None).
    Convolutions of the same series (channel combination and differencing) run one after the other so
    the series is built once, and those at the same dilation share the nine-tap sum.
    """
    f = features
    n_conv = f.n_convolutions
    keys = [(tuple(f.combo(j).tolist()), int(f.diff[j])) for j in range(n_conv)]
    series_keys = sorted(set(keys))
    sid_of = {key: s for s, key in enumerate(series_keys)}
    sid = np.array([sid_of[key] for key in keys], dtype=np.int64)
    order = np.lexsort((np.arange(n_conv), f.kernel, f.dilation, sid)) if n_conv else np.empty(0, np.int64)
    rank = np.empty(n_conv, dtype=np.int64)
    rank[order] = np.arange(n_conv)
    combos = [f.combo(j) for j in order]
    if channel_position is not None:
        pos = np.asarray(channel_position, dtype=np.int64)
        combos = [pos[c] for c in combos]
    offsets = np.zeros(n_conv + 1, dtype=np.int64)
    np.cumsum([len(c) for c in combos], out=offsets[1:])
    fconv = rank[f.feature_conv] if f.n_features else np.empty(0, np.int64)
    forder = np.lexsort((np.arange(f.n_features), fconv)) if f.n_features else np.empty(0, np.int64)
    start = np.zeros(n_conv + 1, dtype=np.int64)
    np.cumsum(np.bincount(fconv, minlength=n_conv), out=start[1:])
    valid_only = np.ones(n_conv, dtype=np.int64)  # a convolution without features is never pooled
    np.minimum.at(valid_only, fconv, np.asarray(f.valid, dtype=np.int64))
    c = np.ascontiguousarray
    return RocketPlan(
        series_id=c(sid[order]), combo_offsets=offsets,
        combo_channels=c(np.concatenate(combos) if combos else np.empty(0), dtype=np.int64),
        diff=c(f.diff[order], dtype=np.int64), dilation=c(f.dilation[order], dtype=np.int64),
        kernel=c(f.kernel[order], dtype=np.int64), feature_start=start,
        valid=c(f.valid[forder], dtype=np.int64), pool=c(f.pool[forder], dtype=np.int64),
        bias=c(f.bias[forder], dtype=np.float64), column=c(forder, dtype=np.int64),
        valid_only=c(valid_only, dtype=np.int64),
    )


# ------------------------------------------------------------------------------------ fitting a pool
def fit_dilations(length: int, budget: int, max_dilations_per_kernel: int = 32):
    """Dilations and biases per dilation, as MiniRocket's ``_fit_dilations`` (dilation >= 1 always)."""
    per_kernel = max(1, budget // N_KERNELS)
    true_max = min(per_kernel, max_dilations_per_kernel)
    multiplier = per_kernel / true_max
    max_exponent = max(0.0, np.log2(max(length - 1, 1) / 8))
    dilations, counts = np.unique(
        np.logspace(0, max_exponent, true_max, base=2).astype(np.int64), return_counts=True
    )
    counts = (counts * multiplier).astype(np.int64)
    remainder = per_kernel - counts.sum()
    i = 0
    while remainder > 0:
        counts[i] += 1
        remainder -= 1
        i = (i + 1) % len(counts)
    return dilations, counts


def quantiles(n: int) -> np.ndarray:
    """The first ``n`` terms of the golden-ratio low-discrepancy sequence in (0, 1)."""
    return (np.arange(1, n + 1) * ((np.sqrt(5) + 1) / 2)) % 1


def fit_components(coll, mean, inv_sd, n: int) -> np.ndarray:
    """Weights ``(P, C)`` of the ``P <= n`` leading principal components of the standardised channels of
    the training collection ``coll`` (over all its time points), each scaled to unit variance and signed so
    that its largest weight is positive. None (``(0, C)``) for ``n = 0`` or a single channel; components
    without variance are dropped. The covariance goes through BLAS, so its last bits may differ between
    CPUs; the weights are stored, and a fitted model computes its components in a fixed order."""
    C = coll.n_channels
    if n <= 0 or C < 2:
        return np.zeros((0, C))
    cov = np.zeros((C, C))
    for start, length in zip(coll.offsets.tolist(), coll.lengths.tolist()):  # case by case: memory stays flat
        S = (coll.data[start : start + C * length].reshape(C, length) - mean[:, None]) * inv_sd[:, None]
        cov += S @ S.T
    lam, vec = np.linalg.eigh(cov / max(int(np.sum(coll.lengths)), 1))
    order = np.argsort(-lam, kind="stable")[: min(int(n), C)]
    lam, vec = lam[order], vec[:, order]
    keep = lam > COMPONENT_RTOL * max(float(lam[0]), 0.0)
    lam, vec = lam[keep], vec[:, keep]
    vec = vec * np.where(vec[np.argmax(np.abs(vec), axis=0), np.arange(vec.shape[1])] < 0, -1.0, 1.0)
    return np.ascontiguousarray((vec / np.sqrt(lam)).T)


def family_input(coll, mean, inv_sd, components, rows=None, project=None):
    """``(coll, mean, inv_sd)`` as the family's kernels read them: the input itself without components,
    else the cases with the components ``rows`` (default all; others 0) after their channels.

    ``components`` holds one weight per channel of ``coll`` (``(P, coll.n_channels)``); components come out
    standardised already (mean 0, inverse sd 1 in the returned statistics, see :func:`component_stats`).
    ``project`` is an engine's ``project_components`` (default numba's); both give the same bits.
    """
    P = components.shape[0]
    if P == 0:
        return coll, mean, inv_sd
    return (with_components(coll, mean, inv_sd, components, rows, project), *component_stats(mean, inv_sd, P))


def component_stats(mean, inv_sd, n_components: int):
    """The channel statistics of :func:`family_input`'s output: the channels', then mean 0 and inverse sd 1
    for each component (they are standardised when computed)."""
    return np.concatenate([mean, np.zeros(n_components)]), np.concatenate([inv_sd, np.ones(n_components)])


def with_components(coll, mean, inv_sd, components, rows=None, project=None):
    """The collection of :func:`family_input` (its statistics aside); prediction calls it on every case."""
    if project is None:
        from .kernels import project_components as project
    P = components.shape[0]
    rows = np.arange(P, dtype=np.int64) if rows is None else rows
    data, offsets = project(coll.data, coll.offsets, coll.lengths, coll.n_channels, mean, inv_sd,
                            components, rows)
    return Collection(data, offsets, coll.lengths, coll.n_channels + P)


def fit_pool(coll, mean, inv_sd, budget=10_000, pooling="ppv", diff=False, seed=0, bias_cases=1,
             components=None) -> RocketFeatures:
    """Draw a MiniRocket-family candidate pool from the training collection ``coll``.

    Parameters
    ----------
    coll : Collection
        Training cases (all channels; with ``components``, as :func:`family_input` extends them).
    mean, inv_sd : ndarray of shape (coll.n_channels,)
        Channel standardisation.
    budget : int
        (kernel, dilation, bias) triples per series representation, as MiniRocket's ``num_features``.
    pooling : {"ppv", "multirocket"}
        Pooling operators of every (convolution, bias).
    diff : bool
        Add a second representation, the first difference of the (summed) series.
    seed : int
        Seeds the channel combinations and the cases biases are drawn from.
    bias_cases : int
        Training cases (distinct, at most all of them) whose outputs, pooled, give a convolution's bias
        quantiles; 1 is MiniRocket's rule and draws exactly what it always drew.
    components : ndarray of shape (P, C) or None
        The weights :func:`fit_components` fitted (``coll`` then has ``C + P`` channels, as
        :func:`family_input` extends it); None: none. With ``P > 0`` half of ``budget`` draws combinations
        of the channels, the other half combinations of the components.

    Returns
    -------
    RocketFeatures
        Ordered by source (channels, then components), representation, dilation, kernel, bias, operator
        (candidate ids are positions).
    """
    from .kernels import fit_biases  # numba: only fitting draws biases

    pools = np.asarray(check_pooling(pooling), dtype=np.int64)
    rng = np.random.RandomState(seed)
    P = 0 if components is None else int(np.shape(components)[0])
    C = coll.n_channels - P
    length = int(coll.lengths.max())  # dilations for the longest series (shorter ones pool all of z)
    combos, kern, dil, dif, cases, n_bias, qs, valid = [], [], [], [], [], [], [], []
    # combinations of the channels; with components, half the budget draws combinations of components
    sources = [(0, C, budget)] if P == 0 else [(0, C, budget // 2), (C, P, budget - budget // 2)]
    for (first, count, b), d_flag in itertools.product(sources, (0, 1) if diff else (0,)):
        dilations, per_dil = fit_dilations(length - d_flag, b)
        q = quantiles(N_KERNELS * int(per_dil.sum()))
        n_per = (2 ** rng.uniform(0, np.log2(min(count, 9) + 1), len(dilations) * N_KERNELS)).astype(np.int64)
        q_start = 0
        for di, d in enumerate(dilations.tolist()):
            nb = int(per_dil[di])
            for k in range(N_KERNELS):
                # = rng.choice(count, size, replace=False) (legacy RandomState draws it so), without its overhead
                combos.append(first + np.sort(rng.permutation(count)[: min(int(n_per[di * N_KERNELS + k]), count)]))
                if bias_cases == 1:
                    cases.append([rng.randint(coll.n_cases)])
                else:
                    cases.append(rng.permutation(coll.n_cases)[:bias_cases])
                kern.append(k)
                dil.append(d)
                dif.append(d_flag)
                n_bias.append(nb)
                qs.append(q[q_start : q_start + nb])
                valid.append((di + k) % 2)
                q_start += nb
    offsets = np.zeros(len(combos) + 1, dtype=np.int64)
    np.cumsum([len(c) for c in combos], out=offsets[1:])
    channels = np.concatenate(combos).astype(np.int64)
    kern, dil, dif = (np.asarray(v, dtype=np.int64) for v in (kern, dil, dif))
    n_bias = np.asarray(n_bias, dtype=np.int64)
    q_off = np.zeros(len(n_bias) + 1, dtype=np.int64)
    np.cumsum(n_bias, out=q_off[1:])
    case_off = np.zeros(len(cases) + 1, dtype=np.int64)
    np.cumsum([len(c) for c in cases], out=case_off[1:])
    biases = fit_biases(coll.data, coll.offsets, coll.lengths, mean, inv_sd, offsets, channels, dif, dil, kern,
                        case_off, np.concatenate(cases).astype(np.int64), q_off, np.concatenate(qs))
    # one feature per (convolution, bias, operator), in that order
    per_conv = n_bias * len(pools)
    return RocketFeatures(
        combo_offsets=offsets, combo_channels=channels, kernel=kern, dilation=dil, diff=dif,
        feature_conv=np.repeat(np.arange(len(kern), dtype=np.int64), per_conv),
        bias=np.repeat(biases, len(pools)), valid=np.repeat(np.asarray(valid, dtype=np.int64), per_conv),
        pool=np.tile(pools, int(n_bias.sum())),
        components=np.zeros((0, C)) if components is None else np.asarray(components, dtype=np.float64),
    )


def empty() -> RocketFeatures:
    """No features (the family is not used)."""
    z = np.empty(0, dtype=np.int64)
    return RocketFeatures(np.zeros(1, np.int64), z, z, z, z, z, np.empty(0), z, z)
