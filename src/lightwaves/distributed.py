"""Sharded feature selection on Dask distributed (``backend="dask"``).

LightWaveS scores every candidate feature of every channel with an ANOVA F-score and keeps the best
``n_candidates``. A candidate's score depends on its own column only and every ranking breaks ties by the
smaller feature id, so the channels can be split into *shards*, each shard scored on its own (a Dask task
that returns only its top ``n_candidates`` ids, scores and usable count), and the shard results merged on
the client with :func:`lightwaves.selection.merge_top`: the merged top list is bit-for-bit the one of a
serial scan. The MiniRocket family (``variant="MR"``) is sharded by *convolutions* instead: its pool is
drawn on the client, each task computes the candidate features of a contiguous block of the pool's
convolutions from the channels those convolutions read (:func:`rocket_features_dask`), and the blocks
are concatenated in pool order, bit for bit the serial candidate matrix. Recomputing the merged
candidates and mRMR or detachment run on the client, as in a serial fit.

The classifier's ridge after selection is **case-sharded** (:func:`case_runner_dask`): its two streamed
passes (:mod:`lightwaves.case_passes`) run as tasks over runs of fixed case chunks, the workers reading
their chunks from a memory-mapped file themselves (:class:`NpyCases`, :class:`NpyChannels`) or receiving
them (in-memory data, blocks of a Dask array), and the client merges the per-chunk partial statistics in
chunk order: the model is bit-identical to the serial fit for any number of workers and any placement.

Dask is an optional extra: this module imports ``dask``/``distributed`` only inside its functions and
raises an :class:`ImportError` that names the ``distributed`` extra when they are missing.

Typical use::

    from lightwaves import LightWaveSClassifier
    from lightwaves.distributed import client_for

    with client_for(workers=4):                # or client_for(scheduler="tcp://host:8786")
        clf = LightWaveSClassifier(backend="dask", random_state=0).fit(X, y)

Data that does not fit in the client's memory is fed from a ``.npy`` file that every worker can read
(:class:`NpyChannels`); see :func:`fit_transformer_from_files` and ``docs/distributed.md``.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import os

import numpy as np

from .deps import install_hint, progress_bar, require
from .params import check_max_dilation
from .pipeline import Backend, plan_fit, scan_candidates, select_features, training_cases
from .families.hydra.features import HydraFeatures, plan_for as hydra_plan_for
from .families.hydra.kernels import transform_hydra
from .families.rocket.features import RocketFeatures, plan_for as rocket_plan_for
from .families.rocket.kernels import transform_rocket
from .validation import Collection, channel_stats, check_collection, is_dask_array
from .families.paper.scan import scan_channels
from .selection import merge_top

__all__ = [
    "CaseRunner",
    "NpyCases",
    "NpyChannels",
    "case_runner_dask",
    "channel_stats_dask",
    "chunk_features",
    "chunk_partials",
    "client_for",
    "current_client",
    "fit_transformer_from_files",
    "hydra_features_dask",
    "hydra_shard",
    "plan_runs",
    "plan_shards",
    "rocket_features_dask",
    "rocket_shard",
    "scan_channels_dask",
    "scan_shard",
]

INSTALL_HINT = install_hint("distributed")
#: Default upper bound on the input data of one shard (bytes of float64 samples sent to a worker).
SHARD_BYTES = 256 * 2**20
#: Shards per worker thread by default: a little slack for load balancing and cheap retries.
SHARDS_PER_THREAD = 2
#: At least this many shards by default (channels permitting), for clusters that are still scaling up.
MIN_SHARDS = 8
#: Upper bound on the channel data a MiniRocket- or Hydra-family block carries (bytes of float64).
FAMILY_SHARD_BYTES = 32 * 2**20
#: A shard task that raises is retried this many times (a worker that dies is handled by the scheduler).
RETRIES = 2


# ---------------------------------------------------------------------------------------------- dask access
def _import_distributed():
    """Import ``distributed`` or raise an ImportError telling how to install it."""
    require("dask")
    return require("distributed")


def current_client(client=None):
    """The Dask client to run on: ``client`` if given, else the current one.

    Parameters
    ----------
    client : distributed.Client or None
        An explicit client; None looks up the current client (``distributed.get_client()``: the
        innermost ``with Client(...)`` block or the last client created).

    Returns
    -------
    distributed.Client

    Raises
    ------
    RuntimeError
        When there is no client, with a hint on how to start one.
    """
    distributed = _import_distributed()
    if client is not None:
        return client
    try:
        return distributed.get_client()
    except ValueError:
        raise RuntimeError(
            "backend='dask' needs a running dask.distributed client and none was found. Start one "
            "first, e.g. `from dask.distributed import Client; client = Client()` (a LocalCluster), "
            "`Client('tcp://scheduler:8786')`, or `with lightwaves.distributed.client_for(workers=4):`"
        ) from None


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


@contextlib.contextmanager
def client_for(workers=None, scheduler=None, timeout=10):
    """A Dask client for the command line's ``--workers N`` / ``--scheduler ADDR``.

    Inside the ``with`` block the client is the current (default) client, so estimators built with
    ``backend="dask"`` run on it. Everything this function starts is closed on exit.

    Parameters
    ----------
    workers : int or None
        Start a ``LocalCluster`` with this many worker processes of one thread each (numba inside a worker
        is capped to one thread too). None with ``scheduler=None`` means one worker per CPU core.
    scheduler : str or None
        Address of a running scheduler (``"tcp://host:8786"``, or a scheduler file path ending in
        ``.json``) to connect to instead; its workers are used as they are.
    timeout : float
        Seconds to wait for the scheduler (or the local cluster) before giving up.

    Yields
    ------
    distributed.Client

    Raises
    ------
    ValueError
        Both ``workers`` and ``scheduler`` given, a bad ``workers`` value, or a malformed address.
    ConnectionError
        The scheduler could not be reached within ``timeout`` seconds.
    """
    distributed = _import_distributed()
    if workers is not None and scheduler is not None:
        raise ValueError("give either workers (start a local cluster) or scheduler (connect), not both")
    if timeout is None or not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if scheduler is not None:
        client = _connect(distributed, scheduler, timeout)
        try:
            yield client
        finally:
            client.close()
        return
    n = (os.cpu_count() or 1) if workers is None else _positive_int("workers", workers)
    try:
        cluster = distributed.LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            # Dask caps OMP/MKL/OpenBLAS at one thread per worker process but not numba.
            env={"NUMBA_NUM_THREADS": "1"},
        )
    except RuntimeError as exc:
        if "failed to start" not in str(exc):
            raise
        raise RuntimeError(
            f"Dask could not start its local worker processes ({exc}). Worker processes re-import the main"
            ' script: in a script, start the cluster under `if __name__ == "__main__":`'
        ) from exc
    try:
        client = distributed.Client(cluster, timeout=timeout)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


def _connect(distributed, scheduler, timeout):
    address = str(scheduler)
    kwargs = {"scheduler_file": address} if address.endswith(".json") else {"address": address}
    try:
        return distributed.Client(timeout=timeout, **kwargs)
    except (OSError, TimeoutError) as exc:  # asyncio/comm timeouts are OSError or TimeoutError
        raise ConnectionError(
            f"could not reach the Dask scheduler at {address!r} within {timeout} s ({exc}); check the "
            "address and that the scheduler is running and reachable from this machine"
        ) from exc
    except (ValueError, TypeError) as exc:
        raise ValueError(f"bad Dask scheduler address {address!r}: {exc}") from exc


# ---------------------------------------------------------------------------------------------- shards
def plan_shards(n_channels: int, n_shards: int) -> list[np.ndarray]:
    """Split channels ``0..n_channels-1`` into ``n_shards`` contiguous, near-equal shards.

    Sizes differ by at most one (the first shards are the larger); there are never more shards than
    channels, so no shard is empty.
    """
    n_channels = _positive_int("n_channels", n_channels)
    n_shards = min(_positive_int("n_shards", n_shards), n_channels)
    return [s.astype(np.int64) for s in np.array_split(np.arange(n_channels, dtype=np.int64), n_shards)]


def _default_shards(client, n_channels: int, bytes_per_channel: int) -> int:
    """Shards per the cluster's thread count, split further when a shard's data would exceed SHARD_BYTES."""
    by_threads = SHARDS_PER_THREAD * max(1, _cluster_threads(client))
    by_memory = math.ceil(n_channels * bytes_per_channel / SHARD_BYTES)
    return max(1, min(n_channels, max(by_threads, by_memory, MIN_SHARDS)))


def _check_partition(parts, n, part="shard", item="channel"):
    """``parts`` as int arrays; ``ValueError`` unless they hold each of ``0..n-1`` exactly once, none empty."""
    parts = [np.asarray(p, dtype=np.int64).ravel() for p in parts]
    if any(len(p) == 0 for p in parts):
        raise ValueError(f"every {part} must hold at least one {item}")
    every = np.sort(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)
    if not np.array_equal(every, np.arange(n)):
        raise ValueError(f"{part}s must hold each of the {n} {item}s exactly once")
    return parts


def _worker_threads() -> int:
    """Threads of the Dask worker running this task (1 outside a worker)."""
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return 1
    state = getattr(worker, "state", None)
    n = getattr(state, "nthreads", None) or getattr(worker, "nthreads", None) or 1
    return max(1, int(n))


def scan_shard(
    shard, channel_ids, codes, n_classes, mean, inv_sd, dilations, slots, k, n_jobs=None, distinct=True
):
    """Score one shard of channels and keep its top ``k`` (the task run on a worker).

    Parameters
    ----------
    shard : Collection or NpyChannels
        The shard's channels of the (sub)sampled training cases, in the order of ``channel_ids``; or a
        source the worker loads those channels from (anything with ``load(channels) -> Collection``).
    channel_ids : ndarray of int
        Global channel numbers of the shard.
    codes, n_classes : ndarray of int, int
        Class codes of the cases and the number of classes.
    mean, inv_sd : ndarray
        Standardisation of the shard's channels (aligned with ``channel_ids``).
    dilations, slots, k :
        As for :func:`lightwaves.families.paper.scan.scan_channels`.
    n_jobs : int or None
        numba threads; None means the threads of the Dask worker running the task (1 elsewhere). Calls
        with several threads are serialised within a process by ``lightwaves.kernels.PARALLEL_LOCK``.
    distinct : bool
        Keep only distinct candidates (see ``LightWaveSTransformer(distinct_candidates=...)``).

    Returns
    -------
    ids : ndarray of int
        The shard's best ``k`` candidate ids (rank order).
    scores : ndarray of float
        Their F-scores.
    n_usable : int
        Non-constant candidates in the shard.
    keys : ndarray of uint64
        Fingerprints of the kept candidates, for :func:`lightwaves.selection.merge_top`.
    """
    channel_ids = np.asarray(channel_ids, dtype=np.int64)
    coll = shard if isinstance(shard, Collection) else shard.load(channel_ids)
    if n_jobs is None:
        n_jobs = _worker_threads()
    return scan_channels(
        coll, channel_ids, codes, n_classes, mean, inv_sd, dilations, slots, k,
        n_jobs=n_jobs, distinct=distinct, return_keys=True,
    )


def _cluster_threads(client) -> int:
    try:
        return sum(client.nthreads().values())
    except Exception:  # pragma: no cover - a client that cannot list workers
        return 1


def _run_sharded(client, jobs, n_jobs, progress, desc):
    """Submit ``jobs`` (key, function, args) and yield (index, result) as they finish.

    At most ``2 x`` the cluster's threads tasks are in flight (at least 2): shard data is built on the
    client and held by the scheduler only for those, which bounds the memory of a fit on one machine.
    """
    distributed = _import_distributed()
    import dask

    jobs = iter(jobs)
    futures = {}
    bar = None
    if progress:
        bar = progress_bar(total=n_jobs, desc=desc, unit="shard", leave=False)

    def submit_more(pending):
        window = max(2, 2 * _cluster_threads(client))
        new = []
        # Shard data travels inside its task so the scheduler can rerun it on another worker if its
        # worker dies; a shard is deliberately bigger than Dask's "large graph" warning threshold.
        with dask.config.set({"distributed.admin.large-graph-warning-threshold": "64GiB"}):
            while pending < window:
                job = next(jobs, None)
                if job is None:
                    break
                key, fn, args = job
                fut = client.submit(fn, *args, key=key, pure=False, retries=RETRIES)
                futures[fut] = len(futures)
                new.append(fut)
                pending += 1
        return new

    try:
        first = submit_more(0)
        running = distributed.as_completed(first)
        pending = len(first)
        for fut in running:
            pending -= 1
            result = fut.result()
            fut.release()
            for extra in submit_more(pending):
                running.add(extra)
                pending += 1
            if bar is not None:
                bar.update(1)
            yield futures[fut], result
    finally:
        if bar is not None:
            bar.close()
        for fut in futures:
            fut.release()


def _token():
    return os.urandom(6).hex()


def scan_channels_dask(
    coll,
    codes,
    n_classes,
    mean,
    inv_sd,
    dilations,
    slots,
    k,
    progress=False,
    n_shards=None,
    shards=None,
    client=None,
    distinct=True,
):
    """Channel-sharded :func:`lightwaves.families.paper.scan.scan_channels` on a Dask cluster.

    Returns exactly what ``scan_channels(coll, np.arange(coll.n_channels), codes, n_classes, mean,
    inv_sd, dilations, slots, k, distinct=distinct)`` returns (bitwise), whatever the shards and the
    number of workers.

    Parameters
    ----------
    coll : Collection or NpyChannels
        The (sub)sampled training cases, all channels. For a Collection each shard's channels are cut
        out on the client (``coll.select_channels``) and sent with its task, so a worker receives only its
        channels; an :class:`NpyChannels` source is sent instead and each worker reads its channels.
    codes : ndarray of int
        Class codes of the cases.
    n_classes : int
    mean, inv_sd : ndarray of shape (n_channels,)
        Per-channel standardisation.
    dilations, slots : ndarray
        Dilations and feature slots of the variant.
    k : int
        Candidates to keep (``n_candidates``).
    progress : bool
        Show a tqdm bar over finished shards.
    n_shards : int or None
        Number of contiguous shards; None picks ``2 x`` the cluster's worker threads (at least
        :data:`MIN_SHARDS`), more when a shard's data would exceed :data:`SHARD_BYTES`, never more than
        the channels.
    shards : sequence of int arrays or None
        Explicit shards (each channel exactly once); overrides ``n_shards``.
    client : distributed.Client or None
        None uses the current client (see :func:`current_client`).
    distinct : bool
        Keep ``k`` distinct candidates (affine copies of a better one take no place), as the serial scan.

    Returns
    -------
    ids : ndarray of int
        The global top ``k`` candidate ids in rank order (descending score, ties by id).
    scores : ndarray of float
    n_usable : int
    """
    client = current_client(client)
    n_channels = coll.n_channels
    codes = np.asarray(codes, dtype=np.int64)
    mean = np.asarray(mean, dtype=np.float64)
    inv_sd = np.asarray(inv_sd, dtype=np.float64)
    if shards is not None:
        shards = _check_partition(shards, n_channels)
    else:
        if n_shards is None:
            n_shards = _default_shards(client, n_channels, 8 * _samples_per_channel(coll))
        shards = plan_shards(n_channels, n_shards)
    source = not isinstance(coll, Collection)
    token = _token()

    def jobs():
        for i, ch in enumerate(shards):
            data = coll if source else coll.select_channels(ch)
            args = (data, ch, codes, int(n_classes), mean[ch], inv_sd[ch], dilations, slots, int(k), None,
                    bool(distinct))
            yield f"lightwaves-shard-{token}-{i}", scan_shard, args

    parts = []
    n_usable = 0
    finished = _run_sharded(client, jobs(), len(shards), progress, "scoring channel shards")
    for _, (ids, scores, usable, keys) in finished:
        parts.append((ids, scores, keys))
        n_usable += int(usable)
    ids, scores = merge_top(parts, int(k), distinct=bool(distinct))
    return ids, scores, n_usable


def _shard_input(shard, channel_ids):
    """A shard task's cases (loaded from a source if need be) and the map from a global channel to its
    position among ``channel_ids`` (-1 elsewhere), which keeps the channels' order."""
    channel_ids = np.asarray(channel_ids, dtype=np.int64)
    coll = shard if isinstance(shard, Collection) else shard.load(channel_ids)
    position = np.full(int(channel_ids.max()) + 1 if channel_ids.size else 0, -1, dtype=np.int64)
    position[channel_ids] = np.arange(len(channel_ids))
    return coll, position


def _column_blocks(client, n_shards, unit, n_units):
    """Contiguous blocks ``(first, stop)`` of feature columns, about ``n_shards`` of them, cut between
    units (convolutions or groups): ``unit`` is each column's unit, ascending. ``n_shards`` None picks
    ``2 x`` the cluster's worker threads (at least :data:`MIN_SHARDS`), never more than the units."""
    if n_shards is None:
        n_shards = max(MIN_SHARDS, SHARDS_PER_THREAD * _cluster_threads(client))
    n_shards = max(1, min(_positive_int("n_shards", n_shards), max(n_units, 1)))
    cuts = np.searchsorted(unit, np.linspace(0, n_units, n_shards + 1).round().astype(np.int64))
    return [(a, b) for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist()) if b > a]


def rocket_shard(shard, channel_ids, mean, inv_sd, features: RocketFeatures, n_jobs=None):
    """MiniRocket-family features of one block of convolutions (the task run on a worker).

    Parameters
    ----------
    shard : Collection or NpyChannels
        The cases' channels ``channel_ids`` (in that order), or a source the worker loads them from.
    channel_ids : ndarray of int
        Sorted global channel numbers: every channel the block's convolutions read.
    mean, inv_sd : ndarray
        Standardisation of those channels (aligned with ``channel_ids``).
    features : RocketFeatures
        The block (global channel numbers).
    n_jobs : int or None
        numba threads; None means the threads of the Dask worker running the task.

    Returns
    -------
    ndarray of shape (n_cases, features.n_features)
        Bit for bit the serial features: each is computed by the same per-case function from the same
        channels, summed in the same order (the mapping to shard positions keeps channel order).
    """
    coll, position = _shard_input(shard, channel_ids)
    plan = rocket_plan_for(features, channel_position=position)
    return transform_rocket(coll, mean, inv_sd, plan, n_jobs=_worker_threads() if n_jobs is None else n_jobs)


def rocket_features_dask(coll, mean, inv_sd, features: RocketFeatures, progress=False, n_shards=None,
                         client=None):
    """Convolution-sharded MiniRocket-family features on a Dask cluster.

    Returns exactly ``transform_rocket(coll, mean, inv_sd, plan_for(features))`` (bitwise), whatever the
    shards and the number of workers: the features are ordered by convolution, so each shard is a
    contiguous block of columns, and a task receives only the channels its convolutions read.

    Parameters
    ----------
    coll : Collection or NpyChannels
        The (sub)sampled training cases, all channels.
    mean, inv_sd : ndarray of shape (n_channels,)
        Per-channel standardisation.
    features : RocketFeatures
        The candidate pool (features grouped by convolution, as :func:`lightwaves.families.rocket.features.fit_pool`
        draws them).
    progress : bool
        Show a tqdm bar over finished shards.
    n_shards : int or None
        Number of blocks; None picks ``2 x`` the cluster's worker threads (at least :data:`MIN_SHARDS`),
        never more than the convolutions.
    client : distributed.Client or None
        None uses the current client (see :func:`current_client`).

    Returns
    -------
    ndarray of shape (n_cases, features.n_features)
    """
    client = current_client(client)
    mean = np.asarray(mean, dtype=np.float64)
    inv_sd = np.asarray(inv_sd, dtype=np.float64)
    n_conv, n_feat = features.n_convolutions, features.n_features
    if n_feat and (np.diff(features.feature_conv) < 0).any():
        raise ValueError("the pool's features must be grouped by convolution")
    blocks = _column_blocks(client, n_shards, features.feature_conv, n_conv)  # contiguous convolutions
    return _features_in_blocks(client, coll, mean, inv_sd, features, features.feature_conv, blocks, rocket_shard,
                               "rocket", progress, "MiniRocket-family convolution shards")


def _features_in_blocks(client, coll, mean, inv_sd, features, unit, blocks, shard_task, name, progress, desc):
    """A family's feature matrix from contiguous column ``blocks`` computed on the cluster: each task gets
    the block's features and only the channels they read (``shard_task(data, channels, mean, inv_sd,
    block, None)``); the parts are placed by column, so the result does not depend on the blocks. ``unit``
    is each column's convolution or group: in memory, a block whose channels hold more than
    :data:`FAMILY_SHARD_BYTES` is split between its units first (its channels travel with its task)."""
    source = not isinstance(coll, Collection)
    if not source:
        blocks = _bounded_blocks(features, unit, blocks, 8 * _samples_per_channel(coll))
    token = _token()

    def jobs():
        for i, (a, b) in enumerate(blocks):
            block = features.subset(np.arange(a, b))
            ch = block.channels
            data = coll if source else coll.select_channels(ch)
            yield f"lightwaves-{name}-{token}-{i}", shard_task, (data, ch, mean[ch], inv_sd[ch], block, None)

    out = np.zeros((coll.n_cases, features.n_features))
    for i, part in _run_sharded(client, jobs(), len(blocks), progress, desc):
        a, b = blocks[i]
        out[:, a:b] = part
    return out


def hydra_shard(shard, channel_ids, mean, inv_sd, features: HydraFeatures, n_jobs=None):
    """Hydra-family features of one block of groups (the task run on a worker): as :func:`rocket_shard`,
    bit for bit the serial features (the same per-case function on the same channels, in the same order)."""
    coll, position = _shard_input(shard, channel_ids)
    plan = hydra_plan_for(features, channel_position=position)
    return transform_hydra(coll, mean, inv_sd, plan, n_jobs=_worker_threads() if n_jobs is None else n_jobs)


def hydra_features_dask(coll, mean, inv_sd, features: HydraFeatures, progress=False, n_shards=None, client=None):
    """Group-sharded Hydra-family features on a Dask cluster.

    Returns exactly ``transform_hydra(coll, mean, inv_sd, plan_for(features))`` (bitwise), whatever the
    shards and the number of workers: the features are ordered by group (as
    :func:`lightwaves.families.hydra.features.fit_pool` draws them), so each shard is a contiguous block of
    columns, and a task receives only the channels its groups read. ``n_shards`` None picks ``2 x`` the
    cluster's worker threads (at least :data:`MIN_SHARDS`), never more than the groups.
    """
    client = current_client(client)
    mean = np.asarray(mean, dtype=np.float64)
    inv_sd = np.asarray(inv_sd, dtype=np.float64)
    n_groups, n_feat = features.n_groups, features.n_features
    if n_feat and (np.diff(features.group) < 0).any():
        raise ValueError("the pool's features must be grouped by group")
    blocks = _column_blocks(client, n_shards, features.group, n_groups)
    return _features_in_blocks(client, coll, mean, inv_sd, features, features.group, blocks, hydra_shard, "hydra",
                               progress, "Hydra-family group shards")


def _bounded_blocks(features, unit, blocks, bytes_per_channel: int) -> list:
    """Split feature blocks (in order, cut between their units: convolutions or groups) until each block's
    channels (``features.reads``) hold at most :data:`FAMILY_SHARD_BYTES` or the block has one unit: the data
    a task carries stays bounded with many channels."""
    out = []
    todo = list(reversed(blocks))
    while todo:
        a, b = todo.pop()
        units = np.unique(unit[a:b])
        n_ch = len(np.unique(np.concatenate([features.reads(int(j)) for j in units])))
        if len(units) > 1 and n_ch * bytes_per_channel > FAMILY_SHARD_BYTES:
            mid = int(np.searchsorted(unit[a:b], units[len(units) // 2])) + a
            todo += [(mid, b), (a, mid)]
        else:
            out.append((a, b))
    return out


def _samples_per_channel(coll) -> int:
    if isinstance(coll, Collection):
        return int(coll.lengths.sum())
    return coll.n_cases * coll.n_timepoints


# ---------------------------------------------------------------------------------------------- from files
class NpyChannels:
    """Training data in a ``.npy`` file that every worker can read, loaded a shard of channels at a time.

    The file holds a float array ``(n_cases, n_channels, n_timepoints)`` (equal-length series). It is
    opened with ``numpy.load(mmap_mode="r")``, so loading a shard reads only that shard's channels of the
    chosen cases; the object itself (a path and case indices) is all that is sent to a worker.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.npy`` file, at a path valid on the client and on every worker (shared file system).
    cases : array of int or None
        Rows to use (e.g. the subsample of a fit); None means all.
    """

    def __init__(self, path, cases=None):
        self.path = os.fspath(path)
        X = np.load(self.path, mmap_mode="r")
        if X.ndim != 3:
            raise ValueError(
                f"{self.path} must hold a 3D array (n_cases, n_channels, n_timepoints), got shape {X.shape}"
            )
        self.file_shape = X.shape
        self.cases = None if cases is None else np.asarray(cases, dtype=np.int64)
        del X

    @property
    def n_cases(self) -> int:
        return self.file_shape[0] if self.cases is None else len(self.cases)

    @property
    def n_channels(self) -> int:
        return self.file_shape[1]

    @property
    def n_timepoints(self) -> int:
        return self.file_shape[2]

    def subset(self, cases) -> "NpyChannels":
        """The same file restricted to ``cases`` (indices into this source's cases)."""
        cases = np.asarray(cases, dtype=np.int64)
        return NpyChannels(self.path, cases if self.cases is None else self.cases[cases])

    def load(self, channels) -> Collection:
        """The given channels (global numbers, in that order) of this source's cases, validated."""
        X = np.load(self.path, mmap_mode="r")
        channels = np.asarray(channels, dtype=np.int64)
        if self.cases is None:
            part = X[:, channels]
        else:  # rows first, so only the chosen cases of the channels are read
            part = np.stack([X[i, channels] for i in self.cases.tolist()]) if len(self.cases) else X[:0, channels]
        return check_collection(np.ascontiguousarray(part, dtype=np.float64))

    def load_cases(self, start, stop, channels) -> Collection:
        """The given channels of this source's cases ``start:stop`` (a chunk of a pass), validated."""
        if self.cases is not None:
            return self.subset(np.arange(start, stop)).load(channels)
        X = np.load(self.path, mmap_mode="r")
        part = X[start:stop][:, np.asarray(channels, dtype=np.int64)]
        return check_collection(np.ascontiguousarray(part, dtype=np.float64), case_offset=int(start))

    def __repr__(self):
        return f"NpyChannels({self.path!r}, n_cases={self.n_cases}, n_channels={self.n_channels})"


def _stats_shard(source, channels):
    return channel_stats(source.load(channels))


def channel_stats_dask(source, n_shards=None, client=None, progress=False):
    """Per-channel mean and standard deviation of an :class:`NpyChannels` source, computed on the workers.

    Identical (bitwise) to :func:`lightwaves.validation.channel_stats` of the whole data: each channel's
    sums run over the same cases and time points in the same order whatever the shard.
    """
    client = current_client(client)
    if n_shards is None:
        n_shards = _default_shards(client, source.n_channels, 8 * _samples_per_channel(source))
    shards = plan_shards(source.n_channels, n_shards)
    mean = np.empty(source.n_channels)
    sd = np.empty(source.n_channels)
    token = _token()
    jobs = ((f"lightwaves-stats-{token}-{i}", _stats_shard, (source, ch)) for i, ch in enumerate(shards))
    for i, (m, s) in _run_sharded(client, jobs, len(shards), progress, "channel statistics"):
        mean[shards[i]] = m
        sd[shards[i]] = s
    return mean, sd


class DaskBackend(Backend):
    """The fit pipeline's heavy steps on the current ``dask.distributed`` client (``backend="dask"``):
    the paper family scanned in channel shards (:func:`scan_channels_dask`), the MiniRocket family's
    candidates computed in convolution shards (:func:`rocket_features_dask`), the Hydra family's in group
    shards (:func:`hydra_features_dask`). The same bits as
    :class:`~lightwaves.pipeline.SerialBackend`."""

    def __init__(self, n_jobs=1, progress=False, client=None, n_shards=None):
        super().__init__(n_jobs=n_jobs, progress=progress)
        self.client = client
        self.n_shards = n_shards

    def scan_paper(self, cases, plan, m):
        return scan_channels_dask(
            cases.coll, cases.codes, cases.n_classes, cases.mean, cases.inv_sd, plan.dilations, plan.slots, m,
            progress=self.progress, n_shards=self.n_shards, client=self.client, distinct=plan.distinct,
        )

    def rocket_values(self, coll, mean, inv_sd, pool):
        return rocket_features_dask(coll, mean, inv_sd, pool.over_components(), progress=self.progress,
                                    n_shards=self.n_shards, client=self.client)

    def hydra_values(self, coll, mean, inv_sd, pool):
        return hydra_features_dask(coll, mean, inv_sd, pool, progress=self.progress, n_shards=self.n_shards,
                                   client=self.client)


class FileBackend(DaskBackend):
    """The fit pipeline on training cases in a file the Dask workers read (an :class:`NpyChannels`):
    the workers compute the channel statistics and scan their shards straight from the file, and this
    process loads only the channels of the merged candidates, of the subsampled cases."""

    def case_source(self, X):
        return X

    def longest_series(self, source) -> int:
        return int(source.n_timepoints)

    def channel_stats(self, source):
        return channel_stats_dask(source, n_shards=self.n_shards, client=self.client, progress=self.progress)

    def selection_cases(self, source, subsample):
        return source if subsample is None else source.subset(subsample)

    def paper_values(self, cases, ids, plan):
        from .families.paper.kernels import transform_triples
        from .families.paper.plan import decode, plan_for_ids

        cand = np.unique(decode(ids, len(plan.dilations))[0])
        position = np.full(cases.coll.n_channels, -1, dtype=np.int64)
        position[cand] = np.arange(len(cand))
        return transform_triples(
            cases.coll.load(cand), np.ascontiguousarray(cases.mean[cand]), np.ascontiguousarray(cases.inv_sd[cand]),
            plan_for_ids(ids, plan.dilations, channel_position=position), n_jobs=self.n_jobs,
        )


def fit_transformer_from_files(transformer, source, y, client=None, n_shards=None):
    """Fit a :class:`~lightwaves.LightWaveSTransformer` on data the client cannot hold.

    The fit pipeline (:mod:`lightwaves.pipeline`) with a :class:`FileBackend`: workers compute the
    channel statistics and score their shards straight from ``source``; the client only ever loads the
    channels of the merged candidates (for mRMR) of the subsampled cases. The fitted transformer is
    identical to ``transformer.fit(np.load(path), y)``. Its ``transform`` accepts only the selected
    channels, so features for a classifier are ``transformer.transform(
    source.load(transformer.selected_channels_))``.

    Parameters
    ----------
    transformer : LightWaveSTransformer
        Unfitted; its parameters are used (``backend`` is ignored: this always runs on Dask).
    source : NpyChannels
        All training cases.
    y : array-like of shape (n_cases,)
        Class labels.
    client : distributed.Client or None
        None uses the current client.
    n_shards : int or None
        As for :func:`scan_channels_dask`.

    Returns
    -------
    transformer : LightWaveSTransformer
        The same object, fitted.
    """
    client = current_client(client)
    plan = plan_fit(transformer.get_params())
    check_max_dilation(int(plan.dilations[-1]), int(source.n_timepoints))
    if plan.pooled:
        raise ValueError(
            "fitting from files supports the paper's variants with mRMR selection only; the MiniRocket"
            " family and detachment need the training cases in memory"
        )
    backend = FileBackend(n_jobs=transformer.n_jobs, progress=transformer.progress, client=client,
                          n_shards=n_shards)
    training = training_cases(source, y, plan, backend)
    plan, candidates = scan_candidates(training.selection, plan, backend)
    fitted, _ = select_features(candidates, training, plan)
    transformer.set_selection(fitted)
    return transformer


# ---------------------------------------------------------------------------------------------- case passes
#: Pass tasks per worker thread by default (each task takes a contiguous run of case chunks).
TASKS_PER_THREAD = 4
#: At most this many case chunks per pass task by default (bounds a task's data and its result).
MAX_CHUNKS_PER_TASK = 8
#: Pass 1's features are kept on the workers by default when they take at most this share of the
#: workers' summed memory limits.
KEPT_FEATURES_SHARE = 0.25


class NpyCases:
    """The cases of an array memory-mapped from a file the workers can read (what a pass task receives).

    Describes the array by file, byte offset, dtype, shape and strides, so a worker maps the same view of
    the file and reads only the chunks it is given; the samples themselves are never sent.

    Parameters
    ----------
    path : str
        The file, at a path valid on every worker (shared file system).
    offset : int
        Byte offset of the array's first element in the file.
    dtype, shape, strides :
        Of the array (3D: ``(n_cases, n_channels, n_timepoints)``).
    name : str
        Name of the input in error messages.
    """

    def __init__(self, path, offset, dtype, shape, strides, name="X"):
        self.path = os.fspath(path)
        self.offset = int(offset)
        self.dtype = np.dtype(dtype)
        self.shape = tuple(int(s) for s in shape)
        self.strides = tuple(int(s) for s in strides)
        self.name = name

    @classmethod
    def of(cls, X, name="X"):
        """The description of ``X`` if it is a view of a memory-mapped file (``np.load(mmap_mode=...)``,
        ``np.memmap``), else None."""
        import mmap

        if not isinstance(X, np.memmap) or getattr(X, "filename", None) is None:
            return None
        root = X
        while isinstance(root.base, np.ndarray):
            root = root.base
        if not isinstance(root, np.memmap) or not isinstance(root.base, mmap.mmap) or root.mode == "c":
            return None  # (copy-on-write: this process's changes are not in the file)
        if root.mode in ("r+", "w+"):
            root.flush()  # what the workers read is what this process sees
        mapped = np.frombuffer(root.base, dtype=np.uint8)
        start_in_file = root.offset - root.offset % mmap.ALLOCATIONGRANULARITY  # where the mapping starts
        offset = start_in_file + X.__array_interface__["data"][0] - mapped.__array_interface__["data"][0]
        return cls(X.filename, offset, X.dtype, X.shape, X.strides, name)

    def array(self) -> np.ndarray:
        """The array, memory-mapped read-only (nothing is read until it is indexed)."""
        try:
            raw = np.memmap(self.path, dtype=np.uint8, mode="r")
        except OSError as exc:
            raise OSError(
                f"{self.name} is memory-mapped from {self.path}, which this Dask worker cannot read ({exc}); "
                "the workers must share the file system, or pass the data as an in-memory array"
            ) from exc
        return np.ndarray(self.shape, self.dtype, buffer=raw, offset=self.offset, strides=self.strides)

    def chunk(self, start: int, stop: int) -> Collection:
        """Cases ``start:stop``, validated."""
        from .validation import CaseSource

        return CaseSource(self.array(), self.name).chunk(start, stop)

    def __repr__(self):
        return f"NpyCases({self.path!r}, offset={self.offset}, shape={self.shape})"


class _SelectedRows:
    """Chunks of cases of the selected channels of an :class:`NpyChannels` source (a pass task's reader)."""

    def __init__(self, source, channels):
        self.source = source
        self.channels = np.asarray(channels, dtype=np.int64)

    def chunk(self, start, stop) -> Collection:
        return self.source.load_cases(start, stop, self.channels)


def chunk_features(reader, pieces, bounds, state, name):
    """The selected features of a run of case chunks (a task; pure, so Dask may rerun it anywhere).

    Each chunk's cases come from ``reader.chunk(start, stop)`` when its piece is None (the worker reads
    them from a shared file), else from the piece (the chunk's input, sent with the task or computed from
    a Dask array on the cluster). Returns one feature array per chunk, in the order of ``bounds``.
    """
    from .validation import CaseSource

    n_jobs = _worker_threads()
    out = []
    for (start, stop), piece in zip(bounds, pieces):
        coll = reader.chunk(start, stop) if piece is None else CaseSource(piece, name).chunk(0, stop - start)
        out.append(state.features(coll, n_jobs))
    return out


def chunk_partials(features, bounds, step, Ys, codes):
    """``step``'s partial of each chunk of a run, from the chunks' features (a task; pure)."""
    return [step(start, F, Y, c) for (start, _), F, Y, c in zip(bounds, features, Ys, codes)]


def _pass_task(reader, pieces, bounds, step, Ys, codes, state, name):
    """:func:`chunk_features` then :func:`chunk_partials` in one task (when features are not kept)."""
    return chunk_partials(chunk_features(reader, pieces, bounds, state, name), bounds, step, Ys, codes)


def plan_runs(n_chunks: int, n_runs: int) -> list[np.ndarray]:
    """Split chunks ``0..n_chunks-1`` into ``n_runs`` contiguous runs of near-equal size (none empty)."""
    return plan_shards(n_chunks, n_runs)


def case_runner_dask(transformer, source, size, client=None, runs=None, n_runs=None, keep_features=None):
    """A runner for :func:`lightwaves.case_passes.fit_ridge_streamed` whose chunks run on Dask workers.

    Each pass has one task per *run* of case chunks; it computes its chunks' partial statistics from
    their selected features, and the client reduces the partials in chunk order, so the result is
    bit-identical to the serial passes for any runs and any number of workers. Use it as a context
    manager (it releases the features kept on the workers on exit).

    Where a task's cases come from:

    - a memory-mapped file (``np.load(path, mmap_mode="r")``, ``lightwaves.data.read_npy``) or an
      :class:`NpyChannels` source: the task receives the file's description and
      the worker reads its chunks itself (the file must be on a shared file system). The features of
      pass 1 are then kept on the workers for pass 2 (:func:`chunk_features` results held as futures;
      Dask spills them to disk under memory pressure and recomputes them if their worker dies);
    - a Dask array: each chunk's block is computed on the cluster (``client.compute``) and handed to the
      task as a future; pass 2 computes the features again;
    - any other input: the chunks' data travels inside the task, so that the scheduler can rerun it on
      another worker if its worker dies; pass 2 computes the features again.

    Parameters
    ----------
    transformer : LightWaveSTransformer
        Fitted; its inference state (a few kB) is sent with every task.
    source : lightwaves.validation.CaseSource or NpyChannels
        The training cases.
    size : int
        Cases per chunk (the serial fit's ``CHUNK_CASES``: the chunks, not the runs, fix the result).
    client : distributed.Client or None
        None uses the current client.
    runs : sequence of int arrays or None
        Explicit runs (each chunk exactly once, any grouping and order); overrides ``n_runs``.
    n_runs : int or None
        Number of contiguous runs; None: :data:`TASKS_PER_THREAD` per worker thread, more when a run
        would hold more than :data:`MAX_CHUNKS_PER_TASK` chunks.
    keep_features : bool or None
        Keep pass 1's features on the workers for pass 2 (file-backed input only); None: when they take
        at most :data:`KEPT_FEATURES_SHARE` of the workers' memory limits.

    Returns
    -------
    CaseRunner
        ``runner(step, Y, codes)`` yields the chunks' partials in chunk order.
    """
    from .case_passes import chunk_bounds

    client = current_client(client)
    bounds = chunk_bounds(source.n_cases, size)
    if runs is not None:
        runs = _check_partition(runs, len(bounds), "run", "chunk")
    else:
        if n_runs is None:
            threads = max(1, _cluster_threads(client))
            n_runs = max(TASKS_PER_THREAD * threads, math.ceil(len(bounds) / MAX_CHUNKS_PER_TASK))
        runs = plan_runs(len(bounds), n_runs)
    if isinstance(source, NpyChannels):
        reader, data, name = _SelectedRows(source, transformer.selected_channels_), None, "X"
    else:
        data, name = source.data, source.name
        reader = NpyCases.of(data, name)
        if reader is not None:
            data = None
    if data is not None:
        keep_features = False  # the task's lineage would hold the input: compute the features again
    elif keep_features is None:
        keep_features = 8 * source.n_cases * transformer.n_features_out_ <= KEPT_FEATURES_SHARE * _memory_limits(client)
    return CaseRunner(client, transformer.inference_state_, bounds, runs, reader, data, name, bool(keep_features))


def _memory_limits(client) -> int:
    """Summed memory limits of the workers (a worker without a limit counts as 4 GiB)."""
    try:
        workers = client.scheduler_info(n_workers=-1)["workers"].values()
    except TypeError:  # older distributed: no n_workers argument
        workers = client.scheduler_info()["workers"].values()
    except Exception:  # pragma: no cover - a client that cannot describe its workers
        return 0
    return sum(int(w.get("memory_limit") or 4 * 2**30) for w in workers)


class CaseRunner:
    """The passes of :func:`case_runner_dask` (a callable and a context manager)."""

    def __init__(self, client, state, bounds, runs, reader, data, name, keep_features):
        self.client, self.state, self.bounds, self.runs = client, state, bounds, runs
        self.reader, self.data, self.name = reader, data, name
        self.keep_features = keep_features
        self.kept = None  # futures of pass 1's features per run, when kept
        self.token = _token()
        self.n_passes = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        """Release the features kept on the workers."""
        for fut in self.kept or []:
            fut.release()
        self.kept = None

    def pieces(self, b):
        if self.data is None:
            return [None] * len(b)
        if is_dask_array(self.data):
            return [self.client.compute(self.data[s:e]) for s, e in b]
        if isinstance(self.data, Collection):
            return [self.data.subset(np.arange(s, e)) for s, e in b]
        return [self.data[s:e] for s, e in b]

    def __call__(self, step, Y, codes):
        """Yield ``step``'s partial of every chunk, in chunk order."""
        self.n_passes += 1
        client, token = self.client, f"{self.token}-{self.n_passes}"
        window = max(2, 2 * _cluster_threads(client))
        keep = self.keep_features
        first = keep and self.kept is None
        if first:
            self.kept = []

        def jobs():
            for j, chunks in enumerate(self.runs):
                b = [self.bounds[i] for i in chunks]
                Ys, cs = [Y[s:e] for s, e in b], [codes[s:e] for s, e in b]
                if not keep:
                    args = (self.reader, self.pieces(b), b, step, Ys, cs, self.state, self.name)
                    yield chunks, _pass_task, args, f"lightwaves-pass-{token}-{j}"
                    continue
                if first:
                    fut = client.submit(chunk_features, self.reader, [None] * len(b), b, self.state, self.name,
                                        key=f"lightwaves-features-{self.token}-{j}", pure=False,
                                        retries=RETRIES)
                    self.kept.append(fut)
                args = (self.kept[j], b, step, Ys, cs)
                yield chunks, chunk_partials, args, f"lightwaves-pass-{token}-{j}"

        done = {}
        following = 0
        for chunks, parts in _run_window(client, jobs(), window):
            done.update(zip(chunks.tolist(), parts))
            while following in done:
                yield done.pop(following)
                following += 1


def _run_window(client, jobs, window):
    """Submit ``jobs`` ((tag, function, args, key)) with at most ``window`` in flight, and yield
    ``(tag, result)`` in submission order (futures among a job's chunk pieces are released when done)."""
    import dask
    from collections import deque

    _import_distributed()
    pending = deque()
    try:
        with dask.config.set({"distributed.admin.large-graph-warning-threshold": "64GiB"}):
            for tag, fn, args, key in jobs:
                if len(pending) >= window:
                    t, fut, held = pending.popleft()
                    yield t, _result(fut, held)
                fut = client.submit(fn, *args, key=key, pure=False, retries=RETRIES)
                held = [p for p in args[1] if hasattr(p, "release")] if fn is _pass_task else []
                pending.append((tag, fut, held))
        while pending:
            t, fut, held = pending.popleft()
            yield t, _result(fut, held)
    finally:
        for _, fut, held in pending:
            fut.release()
            for h in held:
                h.release()


def _result(fut, held):
    try:
        return fut.result()
    finally:
        fut.release()
        for h in held:
            h.release()
