"""The paper family's candidate scan: every candidate of a block of channels scored, a running top-k kept.

The candidate matrix (cases x channels x 84 kernels x dilations x features) is never built whole: channels
are transformed a block at a time, every column is scored on its own, and only the best ``n_candidates``
(id, score) pairs survive each block (:class:`lightwaves.selection.RunningTopK`), so the result does not
depend on how the channels are split into blocks or shards (the Dask backend scans shards and merges them
with :func:`lightwaves.selection.merge_top`).
"""

from __future__ import annotations

import numpy as np

from ...selection import RunningTopK, anova_f, column_keys
from ...validation import Collection
from .kernels import transform_triples
from .plan import block_ids, features_per_channel, plan_for_ids

#: Bytes of candidate features held at once while scanning channels (one block).
BLOCK_BYTES = 64 * 2**20


def scan_channels(
    coll: Collection,
    channel_ids: np.ndarray,
    codes: np.ndarray,
    n_classes: int,
    mean: np.ndarray,
    inv_sd: np.ndarray,
    dilations: np.ndarray,
    slots: np.ndarray,
    k: int,
    n_jobs: int = 1,
    progress=None,
    distinct: bool = True,
    return_keys: bool = False,
):
    """Score every candidate of the collection's channels and keep the top ``k``.

    ``coll`` holds the channels ``channel_ids`` (global channel numbers) in that order; ``mean`` and
    ``inv_sd`` are aligned with them. Returns (ids, scores, n_usable), ids in rank order, or
    (ids, scores, n_usable, keys) with ``return_keys`` (what a shard sends for :func:`merge_top`).
    With ``distinct``, candidates that are affine copies of a better one (|r| = 1) do not take a place.
    ``progress`` is called with the number of channels finished after each block.
    """
    per_channel = features_per_channel(len(dilations), slots)
    block = max(1, BLOCK_BYTES // max(1, coll.n_cases * per_channel * 8))
    top = RunningTopK(k, distinct=distinct)
    positions = np.arange(coll.n_channels)
    for start in range(0, coll.n_channels, block):
        pos = positions[start : start + block]
        ids = block_ids(channel_ids[pos], len(dilations), slots)
        plan = plan_for_ids(ids, dilations, channel_position=_position_map(channel_ids, pos))
        F = transform_triples(coll, mean, inv_sd, plan, n_jobs=n_jobs)
        top.push(ids, anova_f(F, codes, n_classes), column_keys(F) if distinct else None)
        del F
        if progress is not None:
            progress(len(pos))
    if return_keys:
        keys = top.keys if distinct else np.zeros(len(top.ids), dtype=np.uint64)
        return top.ids, top.scores, top.n_usable, keys
    return top.ids, top.scores, top.n_usable


def _position_map(channel_ids: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Array mapping global channel -> position in the collection, for the channels at ``pos``."""
    mapping = np.full(int(channel_ids.max()) + 1, -1, dtype=np.int64)
    mapping[channel_ids[pos]] = pos
    return mapping
