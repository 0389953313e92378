"""The feature space: ids of candidate features, readable names, and plans of triples to compute.

A candidate feature is a tuple (channel, dilation index, kernel, slot) where slot 0-3 are the level-1
features (ppv, max, lspv, min) and 4-7 the level-2 ones. Its integer id is
``((channel * n_dilations + dilation_index) * 84 + kernel) * 8 + slot``; ids order candidates the same
way everywhere (ties in every ranking are broken by the smaller id).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._kernel_spec import FEATURES_PER_TRIPLE, LEVEL_FEATURES, N_KERNELS, NEED_L1_RUN, NEED_L2, NEED_L2_RUN

VARIANT_SLOTS = {
    "L1": np.arange(0, 4),
    "L2": np.arange(4, 8),
    "L1L2": np.arange(0, 8),
}


def check_variant(variant) -> np.ndarray:
    if variant not in VARIANT_SLOTS:
        raise ValueError(f"variant must be one of {sorted(VARIANT_SLOTS)}, got {variant!r}")
    return VARIANT_SLOTS[variant]


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
    """Triples to compute (sorted by channel, then dilation) and the columns to gather from them.

    ``channel`` holds positions in the array handed to the kernels, ``dilation`` dilation values.
    Output column q is feature ``gather_feature[q]`` (0-7) of triple ``gather_triple[q]``; ``needs``
    holds the ``NEED_*`` flags of each triple (see :mod:`lightwaves._kernels`).
    """

    channel: np.ndarray
    dilation: np.ndarray
    kernel: np.ndarray
    needs: np.ndarray
    gather_triple: np.ndarray
    gather_feature: np.ndarray


def decode(ids: np.ndarray, n_dilations: int):
    """Split feature ids into (channel, dilation index, kernel, slot) arrays."""
    ids = np.asarray(ids, dtype=np.int64)
    slot = ids % FEATURES_PER_TRIPLE
    rest = ids // FEATURES_PER_TRIPLE
    kernel = rest % N_KERNELS
    rest = rest // N_KERNELS
    dil_idx = rest % n_dilations
    channel = rest // n_dilations
    return channel, dil_idx, kernel, slot


def encode(channel, dil_idx, kernel, slot, n_dilations: int) -> np.ndarray:
    channel = np.asarray(channel, dtype=np.int64)
    return ((channel * n_dilations + dil_idx) * N_KERNELS + kernel) * FEATURES_PER_TRIPLE + slot


def block_ids(channels: np.ndarray, n_dilations: int, slots: np.ndarray) -> np.ndarray:
    """Ids of every candidate of ``channels`` (ascending when channels are), variant ``slots``."""
    channels = np.asarray(channels, dtype=np.int64)
    base = np.arange(n_dilations * N_KERNELS, dtype=np.int64) * FEATURES_PER_TRIPLE
    per_channel = (base[:, None] + slots[None, :]).ravel()
    stride = n_dilations * N_KERNELS * FEATURES_PER_TRIPLE
    return (channels[:, None] * stride + per_channel[None, :]).ravel()


def plan_for_ids(ids: np.ndarray, dilations: np.ndarray, channel_position=None) -> TriplePlan:
    """Plan computing exactly the features ``ids``, in that column order.

    ``channel_position`` maps a model channel to its position in the input array (identity if None).
    Level 2 is computed only for triples of which a level-2 feature is asked, and the longest positive
    run only where it is asked.
    """
    ids = np.asarray(ids, dtype=np.int64)
    n_dil = len(dilations)
    triple_key = ids // FEATURES_PER_TRIPLE  # (channel, dilation, kernel) in sort order
    keys, inverse = np.unique(triple_key, return_inverse=True)
    slot = ids % FEATURES_PER_TRIPLE
    channel, dil_idx, kernel, _ = decode(keys * FEATURES_PER_TRIPLE, n_dil)
    flag = np.where(slot >= 4, NEED_L2, 0) | np.where(slot == 2, NEED_L1_RUN, 0)
    flag |= np.where(slot == 6, NEED_L2_RUN, 0)
    needs = np.zeros(len(keys), dtype=np.int64)
    np.bitwise_or.at(needs, inverse, flag)
    if channel_position is not None:
        channel = np.asarray(channel_position, dtype=np.int64)[channel]
    return TriplePlan(
        channel=np.ascontiguousarray(channel, dtype=np.int64),
        dilation=np.ascontiguousarray(dilations[dil_idx], dtype=np.int64),
        kernel=np.ascontiguousarray(kernel, dtype=np.int64),
        needs=needs,
        gather_triple=np.ascontiguousarray(inverse.ravel(), dtype=np.int64),
        gather_feature=np.ascontiguousarray(slot, dtype=np.int64),
    )


def feature_names(ids: np.ndarray, dilations: np.ndarray) -> list[str]:
    """Readable names such as ``"ch3/k17/d8/L2/ppv"``."""
    channel, dil_idx, kernel, slot = decode(ids, len(dilations))
    return [
        f"ch{c}/k{k}/d{dilations[di]}/L{1 + s // 4}/{LEVEL_FEATURES[s % 4]}"
        for c, di, k, s in zip(channel.tolist(), dil_idx.tolist(), kernel.tolist(), slot.tolist())
    ]


def feature_table(ids: np.ndarray, dilations: np.ndarray) -> np.ndarray:
    """``(n, 5)`` int array: channel, kernel, dilation, level (1 or 2), feature (0 ppv .. 3 min)."""
    channel, dil_idx, kernel, slot = decode(ids, len(dilations))
    return np.stack([channel, kernel, dilations[dil_idx], 1 + slot // 4, slot % 4], axis=1)
