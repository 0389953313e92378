"""Dask backend (issue 3): channel-sharded selection gives exactly the serial fit, and behaves.

The bitwise equalities with the serial fit are on one machine, with the same inputs: the workers run the
same numba kernels (a fixed order of arithmetic per feature, whatever the shard), rankings break ties by
id so shards merge to the serial top-k, and the ridge's partials are computed per fixed chunk with one BLAS
thread and reduced in chunk order (lightwaves.case_passes). Nothing here compares results across machines
(on another CPU the BLAS steps may round differently: see tests/test_seed_promise.py).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

from lightwaves import LightWaveSClassifier, LightWaveSTransformer  # noqa: E402
from lightwaves import distributed as lwd  # noqa: E402
from lightwaves.families.paper.kernels import transform_triples  # noqa: E402
from lightwaves.families.paper.plan import block_ids, check_variant, dilations_for, plan_for_ids  # noqa: E402
from lightwaves.validation import channel_stats, check_collection  # noqa: E402
from lightwaves.families.paper.scan import scan_channels  # noqa: E402

pytestmark = pytest.mark.distributed

DIL = dilations_for(32)
SLOTS = check_variant("L1L2")


def make_data(n_cases=40, n_channels=12, length=60, n_classes=3, seed=0):
    """Small synthetic problem; a few channels carry class information."""
    rng = np.random.default_rng(seed)
    y = np.arange(n_cases) % n_classes
    X = rng.normal(size=(n_cases, n_channels, length))
    for c in range(min(3, n_channels)):
        X[:, c, 10:25] += 0.8 * (y == (c % n_classes))[:, None]
    X[:, -1, :] = 2.5  # a constant channel: its candidates are unusable
    return X, y


def serial_scan(X, y, k, slots=SLOTS, distinct=True):
    coll = check_collection(X)
    mean, sd = channel_stats(coll)
    ref = scan_channels(
        coll, np.arange(coll.n_channels), y, int(y.max()) + 1, mean, 1.0 / sd, DIL, slots, k, distinct=distinct
    )
    return coll, mean, 1.0 / sd, ref


def assert_same(a, b):
    assert len(a) == len(b) == 3
    np.testing.assert_array_equal(a[0], b[0])
    assert a[1].tobytes() == b[1].tobytes()  # bitwise
    assert a[2] == b[2]


@pytest.fixture(scope="module")
def client():
    """Three worker processes of one thread each (more workers than some problems have channels)."""
    with lwd.client_for(workers=3, timeout=60) as c:
        yield c


# ------------------------------------------------------------------------------- without a cluster
def test_core_runs_without_dask_and_hint_names_the_extra():
    script = textwrap.dedent(
        """
        import sys
        sys.modules["dask"] = None          # make `import dask` fail
        sys.modules["distributed"] = None
        import numpy as np
        import lightwaves
        from lightwaves import LightWaveSTransformer
        import lightwaves.distributed as lwd   # importable: dask is imported lazily
        assert not [m for m in sys.modules if m.startswith(("dask.", "distributed.")) and sys.modules[m]]
        rng = np.random.default_rng(0)
        X = rng.normal(size=(12, 2, 30)); y = np.arange(12) % 2
        LightWaveSTransformer(n_features=5).fit(X, y)
        from lightwaves import LightWaveSClassifier
        LightWaveSClassifier(n_features=5, max_cases=6).fit(X, y).predict(X)  # the streamed ridge passes
        assert not [m for m in sys.modules if m.startswith(("dask", "distributed")) and sys.modules[m]]
        try:
            LightWaveSTransformer(n_features=5, backend="dask").fit(X, y)
        except ImportError as e:
            assert "install the 'distributed' extra" in str(e) and "pip install" in str(e), e
            print("OK")
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "OK" in out.stdout


def test_no_client_is_a_clear_error(monkeypatch):
    def no_client(*a, **k):
        raise ValueError("No global client found and no address provided")

    monkeypatch.setattr(distributed, "get_client", no_client)
    with pytest.raises(RuntimeError, match="needs a running dask.distributed client"):
        lwd.current_client()


def test_plan_shards_uneven_never_empty():
    shards = lwd.plan_shards(12, 5)
    assert [len(s) for s in shards] == [3, 3, 2, 2, 2]
    np.testing.assert_array_equal(np.concatenate(shards), np.arange(12))
    assert len(lwd.plan_shards(2, 8)) == 2  # more shards asked than channels
    with pytest.raises(ValueError):
        lwd.plan_shards(3, 0)


def test_client_for_rejects_bad_arguments():
    with pytest.raises(ValueError, match="not both"):
        with lwd.client_for(workers=2, scheduler="tcp://127.0.0.1:1"):
            pass
    with pytest.raises(ValueError, match="workers"):
        with lwd.client_for(workers=0):
            pass


def test_unreachable_scheduler_fails_fast():
    with socket.socket() as s:  # a free port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.perf_counter()
    with pytest.raises(ConnectionError, match="could not reach the Dask scheduler"):
        with lwd.client_for(scheduler=f"tcp://127.0.0.1:{port}", timeout=2):
            pass
    assert time.perf_counter() - t0 < 15


def test_parallel_numba_from_several_threads_is_serialised():
    """Two threads of one process (as in a multi-threaded worker) calling the parallel transform at once."""
    X, _ = make_data(n_cases=30, n_channels=3)
    coll = check_collection(X)
    mean, sd = channel_stats(coll)
    plan = plan_for_ids(block_ids(np.arange(3), len(DIL), SLOTS), DIL)
    ref = transform_triples(coll, mean, 1.0 / sd, plan, n_jobs=1)
    results, errors = [], []

    def run():
        try:
            for _ in range(3):
                results.append(transform_triples(coll, mean, 1.0 / sd, plan, n_jobs=2))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 9
    for r in results:
        np.testing.assert_array_equal(r, ref)


# ------------------------------------------------------------------------------- on a LocalCluster
@pytest.mark.parametrize(
    "shards",
    [
        dict(n_shards=1),
        dict(n_shards=5),  # uneven: 3, 3, 2, 2, 2
        dict(n_shards=12),
        dict(n_shards=50),  # more shards asked than channels
        dict(shards=[[11, 0], [5], [1, 2, 3, 4, 6, 7, 8, 9, 10]]),  # uneven, not contiguous
        dict(),  # default: 2 per worker thread
    ],
)
def test_scan_is_bitwise_serial(client, shards):
    X, y = make_data()
    coll, mean, inv_sd, ref = serial_scan(X, y, k=60)
    got = lwd.scan_channels_dask(coll, y, 3, mean, inv_sd, DIL, SLOTS, 60, client=client, **shards)
    assert_same(got, ref)


@pytest.mark.parametrize("distinct", [True, False])
def test_scan_k_larger_than_candidates_and_variant(client, distinct):
    X, y = make_data(n_channels=3)
    slots = check_variant("L2")
    k = 5000  # more than the usable candidates (3 x 2016 minus the constant channel's)
    assert len(DIL) * 84 * len(slots) == 2016
    coll, mean, inv_sd, ref = serial_scan(X, y, k=k, slots=slots, distinct=distinct)
    got = lwd.scan_channels_dask(
        coll, y, 3, mean, inv_sd, DIL, slots, k, n_shards=2, client=client, distinct=distinct
    )
    assert_same(got, ref)
    # the constant channel has no usable candidate
    assert len(got[0]) <= got[2] <= 2 * len(DIL) * 84 * len(slots)
    if not distinct:
        assert len(got[0]) == got[2]  # every usable one is kept


@pytest.mark.parametrize("n_shards", [3, 7])
def test_scan_without_distinct_is_bitwise_serial(client, n_shards):
    X, y = make_data()
    coll, mean, inv_sd, ref = serial_scan(X, y, k=200, distinct=False)
    got = lwd.scan_channels_dask(
        coll, y, 3, mean, inv_sd, DIL, SLOTS, 200, n_shards=n_shards, client=client, distinct=False
    )
    assert_same(got, ref)


@pytest.mark.parametrize("n_channels", [12, 2])  # 2 channels: more workers (3) than channels
def test_fit_identical_to_serial(client, n_channels):
    """Bit for bit on this machine (see the module docstring): the same candidates, scores and ridge."""
    X, y = make_data(n_channels=n_channels)
    # max_cases: the subsample path too
    params = dict(variant="L1L2", n_features=20, max_cases=30, random_state=0)
    serial = LightWaveSClassifier(**params).fit(X, y)
    with client.as_current():
        dask = LightWaveSClassifier(backend="dask", **params).fit(X, y)
    t_s, t_d = serial.transformer_, dask.transformer_
    np.testing.assert_array_equal(t_d.feature_ids_, t_s.feature_ids_)
    assert t_d.feature_scores_.tobytes() == t_s.feature_scores_.tobytes()
    assert t_d.n_candidates_usable_ == t_s.n_candidates_usable_
    assert dask.coef_.tobytes() == serial.coef_.tobytes()
    Xt, _ = make_data(n_channels=n_channels, seed=1)
    np.testing.assert_array_equal(dask.predict(Xt), serial.predict(Xt))
    np.testing.assert_array_equal(dask.decision_function(Xt), serial.decision_function(Xt))


@pytest.mark.parametrize("variant, options", [("L1L2+MR", {}), ("MR", {}), ("MR", dict(components=6)),
                                              ("L1L2", dict(pooling="multirocket", diff=True))])
def test_families_fit_identical_to_serial(client, variant, options):
    """The paper family's candidates are scored on the cluster by channel shards, the MiniRocket
    family's computed there by convolution shards: the model is the serial one, bit for bit (also
    with MultiRocket's operators and the first-difference series in the paper's family, and with
    principal components among the MiniRocket family's channels)."""
    X, y = make_data(n_channels=6)
    params = dict(variant=variant, n_features=20, rocket_budget=300, random_state=0, **options)
    serial = LightWaveSClassifier(**params).fit(X, y)
    with client.as_current():
        dask = LightWaveSClassifier(backend="dask", **params).fit(X, y)
    assert list(dask.feature_names_) == list(serial.feature_names_)
    assert dask.coef_.tobytes() == serial.coef_.tobytes()
    Xt, _ = make_data(n_channels=6, seed=1)
    assert dask.decision_function(Xt).tobytes() == serial.decision_function(Xt).tobytes()


@pytest.mark.parametrize("n_shards", [1, 3, 7, 10_000])
def test_rocket_features_are_bitwise_serial(client, n_shards):
    """Any number of convolution shards (more than the convolutions too) gives the serial matrix, and a
    task receives only the channels of its convolutions."""
    from lightwaves.families.rocket.features import fit_pool, plan_for
    from lightwaves.families.rocket.kernels import transform_rocket

    X, y = make_data(n_channels=12)
    coll = check_collection(X)
    mean, sd = channel_stats(coll)
    pool = fit_pool(coll, mean, 1.0 / sd, budget=400, pooling="multirocket", diff=True, seed=3)
    ref = transform_rocket(coll, mean, 1.0 / sd, plan_for(pool))
    spy = SpyClient(client)
    got = lwd.rocket_features_dask(coll, mean, 1.0 / sd, pool, n_shards=n_shards, client=spy)
    assert got.tobytes() == ref.tobytes()
    assert len(spy.sent) == min(n_shards, pool.n_convolutions)
    for _, args, _ in spy.sent:
        shard, ch, block = args[0], args[1], args[4]
        np.testing.assert_array_equal(ch, block.channels)
        assert shard.n_channels == len(ch)


def _family_pool(family, coll, mean, inv_sd):
    """A seeded pool of ``family``, its serial features, its Dask function and its units' count."""
    if family == "rocket":
        from lightwaves.families.rocket.features import fit_pool, plan_for
        from lightwaves.families.rocket.kernels import transform_rocket

        pool = fit_pool(coll, mean, inv_sd, budget=300, seed=1)
        return pool, transform_rocket(coll, mean, inv_sd, plan_for(pool)), lwd.rocket_features_dask, \
            lambda block: block.n_convolutions
    from lightwaves.families.hydra.features import fit_pool, plan_for
    from lightwaves.families.hydra.kernels import transform_hydra

    pool = fit_pool(coll, mean, inv_sd, n_groups=16, seed=1)
    return pool, transform_hydra(coll, mean, inv_sd, plan_for(pool)), lwd.hydra_features_dask, \
        lambda block: block.n_groups


@pytest.mark.parametrize("family", ["rocket", "hydra"])
def test_family_shards_carry_bounded_data(client, monkeypatch, family):
    """Blocks whose channels exceed FAMILY_SHARD_BYTES are split (down to one convolution, or one Hydra
    group): more tasks, each carrying less, the same bits."""
    X, y = make_data(n_channels=12)
    coll = check_collection(X)
    mean, sd = channel_stats(coll)
    pool, ref, features_dask, n_units = _family_pool(family, coll, mean, 1.0 / sd)
    per_channel = 8 * int(coll.lengths.sum())
    spy = SpyClient(client)
    features_dask(coll, mean, 1.0 / sd, pool, n_shards=2, client=spy)
    assert len(spy.sent) == 2 and max(len(args[1]) for _, args, _ in spy.sent) > 3  # unbounded: 2 tasks
    monkeypatch.setattr(lwd, "FAMILY_SHARD_BYTES", 3 * per_channel)
    spy = SpyClient(client)
    got = features_dask(coll, mean, 1.0 / sd, pool, n_shards=2, client=spy)
    assert got.tobytes() == ref.tobytes()
    assert len(spy.sent) > 2
    for _, args, _ in spy.sent:
        assert len(args[1]) <= 3 or n_units(args[4]) == 1


class SpyClient:
    """Records what each shard task is sent, then forwards to the real client."""

    def __init__(self, client):
        self.client = client
        self.sent = []

    def nthreads(self):
        return self.client.nthreads()

    def submit(self, fn, *args, **kwargs):
        self.sent.append((fn, args, kwargs))
        return self.client.submit(fn, *args, **kwargs)


def test_worker_receives_only_its_channels(client):
    X, y = make_data()
    coll, mean, inv_sd, ref = serial_scan(X, y, k=60)
    spy = SpyClient(client)
    got = lwd.scan_channels_dask(coll, y, 3, mean, inv_sd, DIL, SLOTS, 60, n_shards=5, client=spy)
    assert_same(got, ref)
    assert len(spy.sent) == 5
    total = 0
    for fn, (shard, channels, *_rest), kwargs in spy.sent:
        assert fn is lwd.scan_shard
        assert kwargs["retries"] >= 1
        assert shard.n_channels == len(channels) < coll.n_channels
        np.testing.assert_array_equal(shard.data, coll.select_channels(channels).data)
        total += shard.data.nbytes
    assert total == coll.data.nbytes  # the whole array is sent once, split across the shards


def test_workers_cap_numba_threads(client):
    env = client.run(lambda: os.environ.get("NUMBA_NUM_THREADS"))
    assert set(env.values()) == {"1"}
    assert client.submit(lwd._worker_threads, pure=False).result() == 1
    assert lwd._worker_threads() == 1  # outside a worker


def test_threaded_worker_matches_serial():
    """One worker with two threads: shard tasks run concurrently in one process, numba uses both threads."""
    X, y = make_data()
    coll, mean, inv_sd, ref = serial_scan(X, y, k=60)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0"
    ) as cluster, distributed.Client(cluster) as c:
        assert c.submit(lwd._worker_threads, pure=False).result() == 2
        got = lwd.scan_channels_dask(coll, y, 3, mean, inv_sd, DIL, SLOTS, 60, n_shards=6, client=c)
    assert_same(got, ref)


def test_progress_bar_over_shards(client, capfd):
    X, y = make_data()
    coll, mean, inv_sd, ref = serial_scan(X, y, k=60)
    capfd.readouterr()
    lwd.scan_channels_dask(coll, y, 3, mean, inv_sd, DIL, SLOTS, 60, n_shards=4, client=client)
    assert "shard" not in capfd.readouterr().err
    lwd.scan_channels_dask(coll, y, 3, mean, inv_sd, DIL, SLOTS, 60, n_shards=4, client=client, progress=True)
    err = capfd.readouterr().err
    assert "scoring channel shards" in err and "/4" in err  # a bar over the 4 shards


def test_feed_shards_from_npy_files(client, tmp_path):
    X, y = make_data(n_cases=45)
    path = tmp_path / "train.npy"
    np.save(path, X)
    source = lwd.NpyChannels(path)
    assert (source.n_cases, source.n_channels, source.n_timepoints) == X.shape

    mean, sd = lwd.channel_stats_dask(source, n_shards=5, client=client)
    ref_mean, ref_sd = channel_stats(check_collection(X))
    assert mean.tobytes() == ref_mean.tobytes()

    params = dict(variant="L1L2", n_features=20, max_cases=30, random_state=0)  # files: the paper's variants
    ref = LightWaveSTransformer(**params).fit(X, y)
    got = lwd.fit_transformer_from_files(LightWaveSTransformer(**params), source, y, client=client, n_shards=5)
    np.testing.assert_array_equal(got.feature_ids_, ref.feature_ids_)
    assert got.feature_scores_.tobytes() == ref.feature_scores_.tobytes()
    assert got.channel_std_.tobytes() == ref.channel_std_.tobytes()
    assert got.n_candidates_usable_ == ref.n_candidates_usable_
    # features for the ridge: read only the selected channels
    F = got.transform(source.load(got.selected_channels_))
    np.testing.assert_array_equal(F, ref.transform(X))

    # a worker gets the path and case indices, never the samples
    spy = SpyClient(client)
    sub = source.subset(np.arange(0, 45, 2))
    lwd.scan_channels_dask(sub, y[::2], 3, mean, 1.0 / sd, DIL, SLOTS, 60, n_shards=3, client=spy)
    assert all(isinstance(args[0], lwd.NpyChannels) for _, args, _ in spy.sent)


def test_classifier_fits_from_a_channel_source(client, tmp_path):
    """LightWaveSClassifier.fit(NpyChannels(...), y) equals the in-memory fit, predictions included."""
    from lightwaves import LightWaveSClassifier

    X, y = make_data(n_cases=36)
    np.save(tmp_path / "train.npy", X)
    params = dict(variant="L1L2", n_features=20, random_state=0)  # files: the paper's variants
    ref = LightWaveSClassifier(**params).fit(X, y)
    got = LightWaveSClassifier(**params).fit(lwd.NpyChannels(tmp_path / "train.npy"), y)
    np.testing.assert_array_equal(got.transformer_.feature_ids_, ref.transformer_.feature_ids_)
    assert got.decision_function(X).tobytes() == ref.decision_function(X).tobytes()


# ------------------------------------------------------------------------------- faults
def fit_killing_a_worker(client, fit, is_target):
    """Run ``fit()`` in a thread and SIGKILL the first worker seen running a task whose key satisfies
    ``is_target``. Returns ``({"got": result} or {"error": exception}, killed address or None, the worker
    pids before the kill)``, once ``fit`` has returned."""
    pids = client.run(os.getpid)
    out = {}

    def target():
        try:
            out["got"] = fit()
        except BaseException as e:  # pragma: no cover - reported by the caller
            out["error"] = e

    runner = threading.Thread(target=target)
    runner.start()
    killed = None
    deadline = time.monotonic() + 60
    while killed is None and runner.is_alive() and time.monotonic() < deadline:
        for addr, keys in client.processing().items():
            if any(is_target(str(k)) for k in keys) and addr in pids:
                os.kill(pids[addr], signal.SIGKILL)
                killed = addr
                break
        time.sleep(0.01)
    runner.join(90)
    assert not runner.is_alive()
    return out, killed, pids


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_worker_killed_mid_fit_is_retried():
    X, y = make_data(n_cases=120, n_channels=6, length=200)
    coll, mean, inv_sd, ref = serial_scan(X, y, k=100)
    with lwd.client_for(workers=2, timeout=60) as c:
        out, killed, _ = fit_killing_a_worker(
            c,
            lambda: lwd.scan_channels_dask(coll, y, 3, mean, inv_sd, DIL, SLOTS, 100, n_shards=6, client=c),
            lambda key: "lightwaves-shard" in key,
        )
        assert killed is not None, "no shard task was seen running"
        assert "error" not in out, out.get("error")
        assert killed not in c.run(os.getpid)  # that worker process is gone
    assert_same(out["got"], ref)


# ------------------------------------------------------------------------------- case-sharded ridge passes
def case_problem(n_cases=600, seed=0):
    """More cases than max_cases, so the ridge's passes stream chunks of cases (on the workers with Dask)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n_cases) % 3
    X = rng.normal(size=(n_cases, 3, 40)).astype(np.float32)
    X[:, 1] += np.sin((y[:, None] + 1) * np.linspace(0, 6, 40)).astype(np.float32)
    return X, y


CASE_PARAMS = dict(variant="L1L2", n_features=20, max_cases=80, random_state=0)


def model_bits(clf, Xt):
    return (clf.coef_.tobytes(), clf.intercept_.tobytes(), clf.ridge_.alpha_, clf.temperature_,
            clf.scaler_.scale_.tobytes(), clf.decision_function(Xt).tobytes(), clf.predict(Xt).tobytes())


class PinnedClient(SpyClient):
    """Pins the pass tasks to workers in turn (``order`` indexes the cluster's workers), and records them."""

    def __init__(self, client, order):
        super().__init__(client)
        addrs = sorted(client.nthreads())
        self.pins = [addrs[i] for i in order]

    def __getattr__(self, name):  # compute, scheduler_info, ...
        return getattr(self.client, name)

    def submit(self, fn, *args, **kwargs):
        if fn in PASS_TASKS:
            kwargs.update(workers=[self.pins[len(self.sent) % len(self.pins)]], allow_other_workers=False)
        return super().submit(fn, *args, **kwargs)


PASS_TASKS = (lwd._pass_task, lwd.chunk_features, lwd.chunk_partials)


@pytest.mark.parametrize("kind, chunk, variant", [
    ("array", 64, "L1L2"), ("array", 250, "MR"), ("memmap", 64, "L1L2"), ("dask", 250, "L1L2"),
])
def test_case_passes_bitwise_serial(client, tmp_path, monkeypatch, kind, chunk, variant):
    """The ridge's passes on the workers give the serial model bit for bit: for each chunk size, with the
    tasks on one worker or spread over two or three, in contiguous or scattered runs of chunks; a memory-
    mapped input is read by the workers themselves, a Dask array's blocks are computed on the cluster."""
    import functools

    import lightwaves.classifier as classifier

    X, y = case_problem()
    monkeypatch.setattr(classifier, "CHUNK_CASES", chunk)
    params = dict(CASE_PARAMS, variant=variant, rocket_budget=300)  # MR: the rocket family's plans travel too
    ref = LightWaveSClassifier(**params).fit(X, y)
    expected = model_bits(ref, X[:50])
    if kind == "memmap":
        np.save(tmp_path / "X.npy", X)
        data = np.load(tmp_path / "X.npy", mmap_mode="r")
    elif kind == "dask":
        import dask.array as da

        data = da.from_array(X, chunks=(97, 3, 40))  # blocks that do not line up with the chunks
    else:
        data = X
    n_chunks = -(-len(X) // chunk)
    scattered = [np.arange(n_chunks)[::-1][i::3] for i in range(3)]  # every third chunk, last first
    real = lwd.case_runner_dask
    for order, runs, keep in [([0], None, None), ([0, 1], None, False), ([1, 0, 2], scattered, None)]:
        pinned = PinnedClient(client, order)
        monkeypatch.setattr(lwd, "case_runner_dask",
                            functools.partial(real, client=pinned, runs=runs, keep_features=keep))
        with client.as_current():
            got = LightWaveSClassifier(backend="dask", **params).fit(data, y)
        assert model_bits(got, X[:50]) == expected
        sent = {fn: [args for f, args, _ in pinned.sent if f is fn] for fn in PASS_TASKS}
        n_runs = len(runs) if runs else None
        if kind == "memmap" and keep is None:  # features computed once, kept on the workers for pass 2
            assert len(sent[lwd.chunk_partials]) == 2 * len(sent[lwd.chunk_features]) > 0
            assert n_runs is None or len(sent[lwd.chunk_features]) == n_runs
            assert not sent[lwd._pass_task]
            readers, pieces = [a[0] for a in sent[lwd.chunk_features]], [p for a in sent[lwd.chunk_features] for p in a[1]]
        else:
            assert not sent[lwd.chunk_features] and len(sent[lwd._pass_task]) == 2 * (n_runs or len(sent[lwd._pass_task]) // 2)
            readers, pieces = [a[0] for a in sent[lwd._pass_task]], [p for a in sent[lwd._pass_task] for p in a[1]]
        if kind == "memmap":  # the workers read the file: no samples are sent
            assert all(isinstance(r, lwd.NpyCases) for r in readers) and all(p is None for p in pieces)
        elif kind == "dask":
            assert all(isinstance(p, distributed.Future) for p in pieces)
        else:  # each pass sends every case once, in its chunk's task
            assert sum(p.nbytes for p in pieces) == 2 * X.nbytes
    # a Dask array predicts as the array does, and never becomes one numpy array
    if kind == "dask":
        with client.as_current():
            assert got.predict_proba(data).tobytes() == ref.predict_proba(X).tobytes()


def test_npy_channels_passes_read_the_selected_channels(client, tmp_path):
    """fit(NpyChannels) runs the ridge's passes on the workers, which read their chunks of the selected
    channels from the file; the model is the in-memory one."""
    X, y = case_problem(n_cases=300)
    np.save(tmp_path / "X.npy", X)
    ref = LightWaveSClassifier(**CASE_PARAMS).fit(X, y)
    with client.as_current():
        got = LightWaveSClassifier(**CASE_PARAMS).fit(lwd.NpyChannels(tmp_path / "X.npy"), y)
    assert model_bits(got, X[:50]) == model_bits(ref, X[:50])


def test_dask_array_input_is_read_chunk_by_chunk(monkeypatch):
    """fit/predict/transform of a Dask array (local scheduler) equal those of the numpy array; the array is
    never converted whole; bad Dask arrays get one-line errors."""
    import dask.array as da

    import lightwaves.classifier as classifier
    import lightwaves.runtime as runtime

    X, y = case_problem(n_cases=300)
    dX = da.from_array(X, chunks=(70, 3, 40))
    monkeypatch.setattr(classifier, "CHUNK_CASES", 64)
    monkeypatch.setattr(runtime, "DASK_CHUNK_CASES", 64)
    ref = LightWaveSClassifier(**CASE_PARAMS).fit(X, y)

    def whole(self, *a, **k):
        if self.shape[0] > 80:  # selection's subsample (max_cases) and chunks are computed, nothing larger
            raise AssertionError(f"a Dask array of {self.shape[0]} cases was converted whole")
        return np.asarray(self.compute())

    monkeypatch.setattr(type(dX), "__array__", whole)
    got = LightWaveSClassifier(**CASE_PARAMS).fit(dX, y)
    assert model_bits(got, X[:50]) == model_bits(ref, X[:50])
    assert got.transformer_.transform(dX).tobytes() == ref.transformer_.transform(X).tobytes()
    assert np.array_equal(got.predict(dX[:, :, :]), ref.predict(X))
    assert np.array_equal(got.predict(dX[:, got.selected_channels_]), ref.predict(X))

    bad = X.copy()
    bad[123, 2, 7] = np.nan
    with pytest.raises(ValueError, match="X contains NaN values: first at case 123, channel 2, time 7"):
        LightWaveSClassifier(**CASE_PARAMS).fit(da.from_array(bad, chunks=(70, 3, 40)), y)
    with pytest.raises(ValueError, match="at case 123, channel 2"):
        ref.predict(da.from_array(bad, chunks=(70, 3, 40)))
    unknown = dX[dX[:, 0, 0] > -100]  # unknown chunk sizes
    with pytest.raises(ValueError, match="unknown chunk sizes.*compute_chunk_sizes"):
        LightWaveSClassifier(**CASE_PARAMS).fit(unknown, y)
    with pytest.raises(ValueError, match="got a Dask array of shape"):
        LightWaveSClassifier(**CASE_PARAMS).fit(dX[..., None], y)
    with pytest.raises(ValueError, match="2D"):
        ref.predict(dX[:, 0])  # 2D means one-channel cases: refused by a three-channel model


# ------------------------------------------------------------------------------- faults (last: kills a worker)
@pytest.mark.parametrize("slow_pass", [1, 2])
def test_worker_killed_mid_pass_gives_the_same_model(client, tmp_path, monkeypatch, slow_pass):
    """A worker process killed while it runs a task of pass 1 or 2: the scheduler reruns the task elsewhere
    (tasks are pure; pass 1's features kept on the dead worker are recomputed from the file) and the model
    is the serial one, bit for bit. The file-backed input is read by the workers."""
    import re

    import lightwaves.case_passes as case_passes
    import lightwaves.classifier as classifier

    X, y = case_problem()
    monkeypatch.setattr(classifier, "CHUNK_CASES", 64)
    ref = LightWaveSClassifier(**CASE_PARAMS).fit(X, y)
    np.save(tmp_path / "X.npy", X)
    mm = np.load(tmp_path / "X.npy", mmap_mode="r")

    class SlowMoments(case_passes.ChunkMoments):  # local: sent to the workers by value; same result
        def __call__(self, start, F, Y, codes):
            time.sleep(0.1)
            return super().__call__(start, F, Y, codes)

    class SlowLoo(case_passes.ChunkLoo):
        def __call__(self, start, F, Y, codes):
            time.sleep(0.1)
            return super().__call__(start, F, Y, codes)

    if slow_pass == 1:
        monkeypatch.setattr(case_passes, "ChunkMoments", SlowMoments)
    else:
        monkeypatch.setattr(case_passes, "ChunkLoo", SlowLoo)
    key = re.compile(rf"lightwaves-pass-[0-9a-f]+-{slow_pass}-")
    n_workers = len(client.nthreads())

    def fit():
        with client.as_current():
            return LightWaveSClassifier(backend="dask", **CASE_PARAMS).fit(mm, y)

    out, killed, pids = fit_killing_a_worker(client, fit, lambda k: key.search(k) is not None)
    assert killed is not None, "no pass task was seen running"
    assert "error" not in out, out.get("error")
    assert model_bits(out["got"], X[:50]) == model_bits(ref, X[:50])
    client.wait_for_workers(n_workers, timeout=60)  # the nanny restarts the killed worker
    pids_now = client.run(os.getpid)
    assert killed not in pids_now or pids_now[killed] != pids[killed]


def test_case_passes_on_a_threaded_worker_match_serial(tmp_path, monkeypatch):
    """One in-process worker with two threads: pass tasks run concurrently in a process whose BLAS has two
    threads; each chunk's partial still uses one BLAS thread, so the model is the serial one."""
    import lightwaves.classifier as classifier

    X, y = case_problem(n_cases=400)
    monkeypatch.setattr(classifier, "CHUNK_CASES", 32)
    ref = LightWaveSClassifier(**CASE_PARAMS).fit(X, y)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0"
    ) as cluster, distributed.Client(cluster) as c, c.as_current():
        got = LightWaveSClassifier(backend="dask", **CASE_PARAMS).fit(X, y)
    assert model_bits(got, X[:50]) == model_bits(ref, X[:50])
