"""The feature space: ids of candidate features, readable names, and plans of triples to compute.

A candidate feature of the paper's family is a tuple (channel, representation, dilation index, kernel,
slot): representation 0 is the standardised channel, 1 its first difference (``diff=True``); slots 0-5
are the level-1 features (ppv, max, lspv, min, then MultiRocket's mpv and mipv with
``pooling="multirocket"``) and 6-11 the level-2 ones. Its integer id is
``(((channel * 2 + representation) * n_dilations + dilation_index) * 84 + kernel) * 12 + slot``; ids order
candidates the same way everywhere (ties in every ranking are broken by the smaller id).

Model files of format version 1 and 2 hold ids of the paper's eight features in the first layout,
``((channel * n_dilations + dilation_index) * 84 + kernel) * 8 + slot`` (slot = 4 * level + feature):
:func:`from_layout1` and :func:`to_layout1` convert, preserving the order.

A variant's *slots* are extended slots ``representation * 12 + slot``: the features taken from every
(channel, dilation, kernel).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..spec import (
    FEATURE_CODES,
    FEATURES_PER_TRIPLE,
    LEVEL_FEATURES,
    N_KERNELS,
    NEED_L1_MEANS,
    NEED_L1_RUN,
    NEED_L2,
    NEED_L2_MEANS,
    NEED_L2_RUN,
    PAPER_FEATURES,
    REPRESENTATIONS,
)

_PER_LEVEL = len(LEVEL_FEATURES)
_L1 = np.arange(PAPER_FEATURES)
_L2 = _PER_LEVEL + _L1
#: Slots of the paper's variants (raw series, the paper's four features per level).
VARIANT_SLOTS = {
    "L1": _L1,
    "L2": _L2,
    "L1L2": np.concatenate([_L1, _L2]),
}
#: Slots MultiRocket's operators add to a level: mpv, mipv.
_MEANS = np.arange(PAPER_FEATURES, _PER_LEVEL)
#: Ids per (channel, dilation, kernel) in the first layout: the paper's four features of two levels.
_LAYOUT1_SLOTS = 2 * PAPER_FEATURES


def check_variant(variant) -> np.ndarray:
    if variant not in VARIANT_SLOTS:
        raise ValueError(f"variant must be one of {sorted(VARIANT_SLOTS)}, got {variant!r}")
    return VARIANT_SLOTS[variant]


def paper_slots(variant, pooling="ppv", diff=False) -> np.ndarray:
    """Extended slots of a paper variant: its levels' four features, with ``pooling="multirocket"``
    also their mpv and mipv, on the raw series and (``diff``) on its first difference."""
    slots = check_variant(variant)
    if pooling == "multirocket":
        levels = np.unique(slots // _PER_LEVEL)
        slots = np.sort(np.concatenate([slots] + [lv * _PER_LEVEL + _MEANS for lv in levels.tolist()]))
    if diff:
        slots = np.concatenate([slots, FEATURES_PER_TRIPLE + slots])
    return np.ascontiguousarray(slots, dtype=np.int64)


def dilations_for(max_dilation) -> np.ndarray:
    """Dilations 1, 2, 4, ... up to ``max_dilation`` (a power of two)."""
    if isinstance(max_dilation, bool) or not isinstance(max_dilation, (int, np.integer)):
        raise ValueError(f"max_dilation must be a power of two >= 1, got {max_dilation!r}")
    md = int(max_dilation)
    if md < 1 or md & (md - 1):
        raise ValueError(f"max_dilation must be a power of two >= 1, got {max_dilation!r}")
    return 2 ** np.arange(md.bit_length(), dtype=np.int64)


def features_per_channel(n_dilations: int, slots: np.ndarray) -> int:
    return n_dilations * N_KERNELS * len(slots)


@dataclass(frozen=True)
class TriplePlan:
    """Triples to compute (sorted by channel, representation, then dilation) and the columns to gather.

    ``channel`` holds positions in the array handed to the kernels, ``diff`` 1 where the triple reads
    the channel's first difference, ``dilation`` dilation values. Output column q is feature
    ``gather_feature[q]`` (slot 0-11) of triple ``gather_triple[q]``; ``needs`` holds the ``NEED_*``
    flags of each triple (see :mod:`lightwaves.families.paper.kernels`).
    """

    channel: np.ndarray
    diff: np.ndarray
    dilation: np.ndarray
    kernel: np.ndarray
    needs: np.ndarray
    gather_triple: np.ndarray
    gather_feature: np.ndarray


def decode(ids: np.ndarray, n_dilations: int):
    """Split feature ids into (channel, representation, dilation index, kernel, slot) arrays."""
    ids = np.asarray(ids, dtype=np.int64)
    slot = ids % FEATURES_PER_TRIPLE
    rest = ids // FEATURES_PER_TRIPLE
    kernel = rest % N_KERNELS
    rest = rest // N_KERNELS
    dil_idx = rest % n_dilations
    rest = rest // n_dilations
    rep = rest % len(REPRESENTATIONS)
    channel = rest // len(REPRESENTATIONS)
    return channel, rep, dil_idx, kernel, slot


def encode(channel, rep, dil_idx, kernel, slot, n_dilations: int) -> np.ndarray:
    channel = np.asarray(channel, dtype=np.int64)
    series = channel * len(REPRESENTATIONS) + rep
    return ((series * n_dilations + dil_idx) * N_KERNELS + kernel) * FEATURES_PER_TRIPLE + slot


def n_ids(n_channels: int, n_dilations: int, layout1: bool = False) -> int:
    """Number of ids of the feature space (every id is in ``[0, n_ids)``), in the current or the first
    layout."""
    if layout1:
        return int(n_channels) * n_dilations * N_KERNELS * _LAYOUT1_SLOTS
    return int(n_channels) * len(REPRESENTATIONS) * n_dilations * N_KERNELS * FEATURES_PER_TRIPLE


def from_layout1(ids: np.ndarray, n_dilations: int) -> np.ndarray:
    """Ids of the first layout (model format versions 1 and 2: the paper's eight features per triple,
    slot = 4 * level + feature) in the current layout; the order is kept."""
    ids = np.asarray(ids, dtype=np.int64)
    old = ids % _LAYOUT1_SLOTS
    triple = ids // _LAYOUT1_SLOTS
    kernel = triple % N_KERNELS
    rest = triple // N_KERNELS
    return encode(rest // n_dilations, 0, rest % n_dilations, kernel,
                  (old // PAPER_FEATURES) * _PER_LEVEL + old % PAPER_FEATURES, n_dilations)


def to_layout1(ids: np.ndarray, n_dilations: int):
    """The first layout's ids of ``ids`` (see :func:`from_layout1`), or None if one of them has no
    first-layout id (a first-difference feature, or MultiRocket's mpv or mipv)."""
    channel, rep, dil_idx, kernel, slot = decode(ids, n_dilations)
    feature = slot % _PER_LEVEL
    if (rep != 0).any() or (feature >= PAPER_FEATURES).any():
        return None
    triple = (channel * n_dilations + dil_idx) * N_KERNELS + kernel
    return triple * _LAYOUT1_SLOTS + (slot // _PER_LEVEL) * PAPER_FEATURES + feature


def block_ids(channels: np.ndarray, n_dilations: int, slots: np.ndarray) -> np.ndarray:
    """Ids of every candidate of ``channels`` (ascending when channels are), extended ``slots``."""
    channels = np.asarray(channels, dtype=np.int64)
    slots = np.asarray(slots, dtype=np.int64)
    triples = np.arange(n_dilations * N_KERNELS, dtype=np.int64) * FEATURES_PER_TRIPLE
    rep, slot = slots // FEATURES_PER_TRIPLE, slots % FEATURES_PER_TRIPLE
    offset = rep * n_dilations * N_KERNELS * FEATURES_PER_TRIPLE + slot
    per_channel = np.sort((triples[:, None] + offset[None, :]).ravel())
    stride = len(REPRESENTATIONS) * n_dilations * N_KERNELS * FEATURES_PER_TRIPLE
    return (channels[:, None] * stride + per_channel[None, :]).ravel()


def plan_for_ids(ids: np.ndarray, dilations: np.ndarray, channel_position=None) -> TriplePlan:
    """Plan computing exactly the features ``ids``, in that column order.

    ``channel_position`` maps a model channel to its position in the input array (identity if None).
    Level 2 is computed only for triples of which a level-2 feature is asked, and the longest positive
    run and the means of positive values only where they are asked.
    """
    ids = np.asarray(ids, dtype=np.int64)
    n_dil = len(dilations)
    triple_key = ids // FEATURES_PER_TRIPLE  # (channel, representation, dilation, kernel) in sort order
    keys, inverse = np.unique(triple_key, return_inverse=True)
    slot = ids % FEATURES_PER_TRIPLE
    channel, rep, dil_idx, kernel, _ = decode(keys * FEATURES_PER_TRIPLE, n_dil)
    level2 = slot >= _PER_LEVEL
    feature = slot % _PER_LEVEL
    means = feature >= PAPER_FEATURES
    flag = np.where(level2, NEED_L2, 0) | np.where(~level2 & (feature == 2), NEED_L1_RUN, 0)
    flag |= np.where(level2 & (feature == 2), NEED_L2_RUN, 0)
    flag |= np.where(means, np.where(level2, NEED_L2_MEANS, NEED_L1_MEANS), 0)
    needs = np.zeros(len(keys), dtype=np.int64)
    np.bitwise_or.at(needs, inverse, flag)
    if channel_position is not None:
        channel = np.asarray(channel_position, dtype=np.int64)[channel]
    return TriplePlan(
        channel=np.ascontiguousarray(channel, dtype=np.int64),
        diff=np.ascontiguousarray(rep, dtype=np.int64),
        dilation=np.ascontiguousarray(dilations[dil_idx], dtype=np.int64),
        kernel=np.ascontiguousarray(kernel, dtype=np.int64),
        needs=needs,
        gather_triple=np.ascontiguousarray(inverse.ravel(), dtype=np.int64),
        gather_feature=np.ascontiguousarray(slot, dtype=np.int64),
    )


def feature_names(ids: np.ndarray, dilations: np.ndarray) -> list[str]:
    """Readable names such as ``"ch3/k17/d8/L2/ppv"`` (``"ch3/diff/k17/d8/L1/mpv"`` on the first
    difference)."""
    channel, rep, dil_idx, kernel, slot = decode(ids, len(dilations))
    return [
        f"ch{c}{'/diff' if r else ''}/k{k}/d{dilations[di]}/L{1 + s // _PER_LEVEL}/{LEVEL_FEATURES[s % _PER_LEVEL]}"
        for c, r, di, k, s in zip(channel.tolist(), rep.tolist(), dil_idx.tolist(), kernel.tolist(), slot.tolist())
    ]


def feature_table(ids: np.ndarray, dilations: np.ndarray) -> np.ndarray:
    """``(n, 5)`` int array: channel, kernel, dilation, level (1 or 2), feature (0 ppv, 1 max, 2 lspv,
    3 min, 5 mpv, 6 mipv: :data:`~lightwaves.families.spec.FEATURE_CODES`)."""
    channel, _, dil_idx, kernel, slot = decode(ids, len(dilations))
    code = np.asarray(FEATURE_CODES, dtype=np.int64)[slot % _PER_LEVEL]
    return np.stack([channel, kernel, dilations[dil_idx], 1 + slot // _PER_LEVEL, code], axis=1)
