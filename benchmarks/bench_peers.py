"""LightWaveS vs aeon's ROCKET family: accuracy, fit time, batch and single-case predict time, features,
channels read, fit memory.

    .venv/bin/python benchmarks/bench_peers.py                      # everything (10-20 min on 2 cores)
    .venv/bin/python benchmarks/bench_peers.py --quick              # BasicMotions only, fewer latency calls
    .venv/bin/python benchmarks/bench_peers.py --datasets NATOPS,Epilepsy --methods lws-l1l2,minirocket
    .venv/bin/python benchmarks/bench_peers.py --seeds 5     # accuracy: mean of 5 seeds for random methods

Methods that draw at random (every aeon peer, LightWaveS MR, MiniRocket SFD 500) are fitted with
``random_state`` 0..seeds-1 and their accuracy is the mean over seeds; timings, features and memory come
from the ``random_state=0`` fit. The paper's LightWaveS variants are deterministic (fixed kernels; the
selection subsample is drawn only above ``max_cases``), so they are fitted once.

Datasets: BasicMotions and JapaneseVowels (shipped in aeon's wheel) plus every ``<Name>/<Name>_TRAIN.ts`` /
``_TEST.ts`` pair in ``--datasets-dir`` (default ``<repo>/../shared/datasets``; skipped if missing).
Prints two markdown tables (all runs; paper-target and latency-ratio summary) and writes them to ``--out``.
"""

# numba reads NUMBA_NUM_THREADS when it is first imported: set it before anything can import numba, so
# every numba-parallel kernel (LightWaveS and aeon's) runs on one thread.
import os

os.environ["NUMBA_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import gc  # noqa: E402
import platform  # noqa: E402
import shlex  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
import tracemalloc  # noqa: E402
import warnings  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATASETS_DIR = REPO_ROOT.parent / "shared" / "datasets"
DEFAULT_OUT = REPO_ROOT / "benchmarks" / "results" / "peers.md"
DEFAULT_OUT_QUICK = REPO_ROOT / "benchmarks" / "results" / "peers_quick.md"
AEON_DATASETS = ("BasicMotions", "JapaneseVowels")
#: univariate problems bundled with aeon, after the multivariate ones
AEON_UNIVARIATE = ("ArrowHead", "GunPoint", "ItalyPowerDemand", "ACSF1", "OSULeaf")

# LightWaveS L1L2 test accuracy published by the LightWaveS authors (mean over 30 runs),
# copied from ../shared/datasets/README.md.
PAPER_L1L2 = {
    "NATOPS": 0.644,
    "Epilepsy": 0.978,
    "RacketSports": 0.888,
    "Libras": 0.900,
    "ERing": 0.959,
    "FingerMovements": 0.520,
    "BasicMotions": 1.000,
    "JapaneseVowels": 0.922,
}
ACC_TOLERANCE = 0.02  # target = paper - 0.02
TARGET_MINI_RATIO = 8.0  # single-case latency, MiniRocket / LightWaveS L1L2 (median over datasets)
TARGET_ROCKET_RATIO = 50.0  # single-case latency, Rocket / LightWaveS L1L2 (median over datasets)

METHODS = {
    # key: (display name, kind, variant or aeon class name)
    "lws-l1": ("LightWaveS L1", "lws", "L1"),
    "lws-l2": ("LightWaveS L2", "lws", "L2"),
    "lws-l1l2": ("LightWaveS L1L2", "lws", "L1L2"),
    # the paper's candidate pool (copies of a candidate may take several of its places)
    "lws-l1l2-paper": ("LightWaveS L1L2 paper pool", "lws", "L1L2-paper"),
    # the MiniRocket family with detachment (variant="MR", the default), chosen by benchmarks/cv_families.py
    "lws-mr": ("LightWaveS MR", "lws", "MR"),
    # aeon's MiniRocket features cut to 500 by sequential feature detachment, then the same ridge
    "minirocket-sfd500": ("MiniRocket SFD 500", "pruned", "MiniRocket"),
    "rocket": ("Rocket", "aeon", "RocketClassifier"),
    "minirocket": ("MiniRocket", "aeon", "MiniRocketClassifier"),
    "multirocket": ("MultiRocket", "aeon", "MultiRocketClassifier"),
    # issue #22: the budget chosen by the data, and aeon's Hydra and MultiRocket-Hydra (need torch:
    # `make setup-bench`)
    "lws-mr-auto": ("LightWaveS MR auto", "lws", "MR-auto"),
    "lws-mr-h": ("LightWaveS MR+H", "lws", "MR+H"),
    "hydra": ("Hydra", "aeon", "HydraClassifier"),
    "mr-hydra": ("MultiRocket-Hydra", "aeon", "MultiRocketHydraClassifier"),
}
#: methods whose fit does not depend on random_state (with at most max_cases training cases)
DETERMINISTIC = {"lws-l1", "lws-l2", "lws-l1l2", "lws-l1l2-paper"}
# Used only if the fitted aeon object does not reveal its feature count.
NOMINAL_FEATURES = {"rocket": 20_000, "minirocket": 9_996, "multirocket": 49_728, "hydra": 0, "mr-hydra": 0}


# ----------------------------------------------------------------------------------------------- data
@dataclass
class Dataset:
    name: str
    source: str
    X_train: object  # 3D ndarray, or list of 2D arrays (unequal length)
    y_train: np.ndarray
    X_test: object
    y_test: np.ndarray
    notes: list = field(default_factory=list)
    _padded: tuple | None = None

    @property
    def unequal(self) -> bool:
        return isinstance(self.X_train, list) or isinstance(self.X_test, list)

    @property
    def n_channels(self) -> int:
        return int(self.X_train[0].shape[0]) if isinstance(self.X_train, list) else int(self.X_train.shape[1])

    def shape_text(self) -> str:
        if self.unequal:
            lengths = [x.shape[1] for x in list(self.X_train) + list(self.X_test)]
            length = f"{min(lengths)}-{max(lengths)} (unequal)"
        else:
            length = str(self.X_train.shape[2])
        return (
            f"{len(self.y_train)}/{len(self.y_test)} cases, {self.n_channels} channels, length {length}, "
            f"{len(np.unique(self.y_train))} classes"
        )

    def padded(self):
        """Train and test as 3D arrays, zero-padded at the end to the longest case of train + test."""
        if not self.unequal:
            return self.X_train, self.X_test
        if self._padded is None:
            cases = list(self.X_train) + list(self.X_test)
            length = max(x.shape[1] for x in cases)

            def pad(xs):
                out = np.zeros((len(xs), self.n_channels, length), dtype=np.float64)
                for i, x in enumerate(xs):
                    out[i, :, : x.shape[1]] = x
                return out

            self._padded = (pad(self.X_train), pad(self.X_test))
        return self._padded


def _as_collection(X):
    if isinstance(X, np.ndarray):
        return np.ascontiguousarray(X, dtype=np.float64)
    return [np.ascontiguousarray(x, dtype=np.float64) for x in X]


def load_dataset(name: str, datasets_dir: Path | None) -> Dataset | None:
    from aeon.datasets import load_classification, load_from_ts_file

    folder = datasets_dir / name if datasets_dir is not None else None
    if folder is not None and (folder / f"{name}_TRAIN.ts").is_file() and (folder / f"{name}_TEST.ts").is_file():
        X_train, y_train = load_from_ts_file(str(folder / f"{name}_TRAIN.ts"))
        X_test, y_test = load_from_ts_file(str(folder / f"{name}_TEST.ts"))
        source = f"{folder}"
    elif folder is not None and (datasets_dir / "ucr" / name / f"{name}_TRAIN.tsv").is_file():
        def tsv(split):  # UCR's tab-separated files: the label, then the series (NaN-padded if unequal)
            a = np.loadtxt(datasets_dir / "ucr" / name / f"{name}_{split}.tsv", delimiter="\t")
            X = a[:, None, 1:]
            if np.isnan(X).any():  # unequal lengths: a list of (1, length) cases, the padding dropped
                X = [row[:, ~np.isnan(row[0])] for row in X]
            return X, a[:, 0].astype(int).astype(str)

        (X_train, y_train), (X_test, y_test) = tsv("TRAIN"), tsv("TEST")
        source = f"{datasets_dir / 'ucr' / name}"
    elif name in AEON_DATASETS + AEON_UNIVARIATE:
        X_train, y_train = load_classification(name, split="train")
        X_test, y_test = load_classification(name, split="test")
        source = "aeon (bundled)"
    else:
        return None
    return Dataset(
        name, source, _as_collection(X_train), np.asarray(y_train), _as_collection(X_test), np.asarray(y_test)
    )


def discover_datasets(datasets_dir: Path | None, ucr: str = "no") -> list[str]:
    """The benchmark's datasets; ``ucr`` "also" / "only" adds / keeps only the univariate UCR problems of
    ``<datasets_dir>/ucr`` (tab-separated files)."""
    names = list(AEON_DATASETS)
    if datasets_dir is not None and datasets_dir.is_dir():
        for sub in sorted(datasets_dir.iterdir()):
            if (sub / f"{sub.name}_TRAIN.ts").is_file() and (sub / f"{sub.name}_TEST.ts").is_file():
                if sub.name not in names:
                    names.append(sub.name)
    names += list(AEON_UNIVARIATE)
    extra = []
    if ucr != "no" and datasets_dir is not None and (datasets_dir / "ucr").is_dir():
        extra = [p.name for p in sorted((datasets_dir / "ucr").iterdir()) if (p / f"{p.name}_TRAIN.tsv").is_file()]
    return extra if ucr == "only" else names + extra


def subset(X, idx):
    if isinstance(X, list):
        return [X[i] for i in idx]
    return X[idx]


def tiny_indices(y, per_class=3):
    """A few training cases of every class: the untimed warm-up fit."""
    idx = []
    for c in np.unique(y):
        idx.extend(np.flatnonzero(y == c)[:per_class].tolist())
    return np.array(sorted(idx))


# ----------------------------------------------------------------------------------------------- memory
def _proc_status_kb(key: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS counter (VmHWM) of this process (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _malloc_trim():
    """Hand free heap pages back to the OS (glibc), so that a following fit's allocations show up as RSS growth
    instead of silently reusing pages left resident by earlier work."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
        return True
    except Exception:  # noqa: BLE001
        return False


class PeakRSS:
    """Peak resident-set growth over a block: VmHWM after the block minus VmRSS before it, with the peak
    counter reset at the start and free heap pages returned to the OS first (``malloc_trim``). Kernel-tracked,
    so it sees every allocation (numpy, numba NRT, BLAS); pages that stay resident anyway (untrimmable heap
    fragments, other allocators' caches) can be reused without growth, so it is a lower bound."""

    def __enter__(self):
        gc.collect()
        _malloc_trim()
        self.ok = reset_peak_rss()
        self.rss0 = _proc_status_kb("VmRSS")
        return self

    def __exit__(self, *exc):
        hwm = _proc_status_kb("VmHWM")
        self.mb = (hwm - self.rss0) / 1024 if (self.ok and hwm is not None and self.rss0 is not None) else None
        return False


# ----------------------------------------------------------------------------------------------- methods
def make_estimator(key: str, seed: int = 0):
    _, kind, arg = METHODS[key]
    if kind == "lws":
        from lightwaves import LightWaveSClassifier

        variant, _, option = arg.partition("-")
        return LightWaveSClassifier(
            variant=variant, n_features="auto" if option == "auto" else 500, random_state=seed, n_jobs=1,
            distinct_candidates=option != "paper",
        )
    if kind == "pruned":
        return PrunedMiniRocket(random_state=seed)
    from aeon.classification import convolution_based

    return getattr(convolution_based, arg)(random_state=seed, n_jobs=1)


class PrunedMiniRocket:
    """aeon's MiniRocket transform, cut to 500 features by :func:`lightwaves.selection.detach`, then
    ``StandardScaler`` + ``RidgeClassifierCV``. Prediction still runs the whole MiniRocket transform."""

    def __init__(self, random_state=0, k=500):
        self.random_state, self.k = random_state, k

    def fit(self, X, y):
        from aeon.transformations.collection.convolution_based import MiniRocket
        from sklearn.linear_model import RidgeClassifierCV
        from sklearn.preprocessing import StandardScaler

        from lightwaves.selection import detach

        self.rocket_ = MiniRocket(random_state=self.random_state, n_jobs=1).fit(X)
        F = np.asarray(self.rocket_.transform(X), dtype=np.float64)
        classes, codes = np.unique(y, return_inverse=True)
        self.keep_ = detach(F, codes, len(classes), self.k)
        self.scaler_ = StandardScaler().fit(F[:, self.keep_])
        self.ridge_ = RidgeClassifierCV(alphas=np.logspace(-3, 3, 10)).fit(
            self.scaler_.transform(F[:, self.keep_]), y)
        self.n_features_out_ = len(self.keep_)
        return self

    def predict(self, X):
        F = np.asarray(self.rocket_.transform(X), dtype=np.float64)[:, self.keep_]
        return self.ridge_.predict(self.scaler_.transform(F))


def n_features_of(key: str, est) -> tuple[int, str]:
    """Feature count and how it was obtained."""
    if METHODS[key][1] in ("lws", "pruned"):
        return int(est.n_features_out_), "fitted"
    pipe = getattr(est, "pipeline_", None) or getattr(est, "clf_", None)  # clf_: aeon's HydraClassifier
    try:
        return int(pipe.steps[-1][1].n_features_in_), "fitted"
    except Exception:  # noqa: BLE001
        pass
    scale = getattr(est, "_scale_hydra", None), getattr(est, "_scale_multirocket", None)  # MultiRocket-Hydra
    try:
        return int(scale[0].mu.shape[-1]) + int(scale[1].n_features_in_), "fitted"
    except Exception:  # noqa: BLE001
        return NOMINAL_FEATURES[key], "nominal"


@dataclass
class Result:
    dataset: str
    key: str
    accuracy: float
    fit_s: float
    predict_s: float
    latency_s: float
    n_features: int
    features_how: str
    channels: str
    rss_mb: float | None
    tracemalloc_mb: float | None = None
    #: accuracy of each seed (random_state 0, 1, ...); ``accuracy`` is their mean
    seed_accuracies: tuple = ()
    #: bytes of the saved model file (LightWaveS: ``.lwz``; peers: None, they have no file format)
    model_bytes: int | None = None


def run_one(ds: Dataset, key: str, args) -> Result:
    kind = METHODS[key][1]
    if kind == "lws":
        X_train, X_test = ds.X_train, ds.X_test  # lists stay lists: LightWaveS takes unequal length
    else:
        X_train, X_test = ds.padded()  # aeon's convolution classifiers are equal-length only
    y_train, y_test = ds.y_train, ds.y_test

    if args.warm:  # untimed: numba JIT compilation / cache loading, first-call imports
        idx = tiny_indices(y_train)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est = make_estimator(key).fit(subset(X_train, idx), y_train[idx])
            est.predict(subset(X_test, [0]))
        del est

    est = make_estimator(key)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "only N usable features exist" etc.; feature count is reported
        with PeakRSS() as mem:
            t0 = time.perf_counter()
            est.fit(X_train, y_train)
            fit_s = time.perf_counter() - t0

    # batch predict: best of up to 3 calls (stop repeating once 2 s have been spent)
    batch_times, spent = [], 0.0
    while len(batch_times) < 3 and (not batch_times or spent < 2.0):
        t0 = time.perf_counter()
        pred = est.predict(X_test)
        batch_times.append(time.perf_counter() - t0)
        spent += batch_times[-1]
    predict_s = min(batch_times)
    accuracy = float(np.mean(np.asarray(pred) == y_test))

    # single-case latency: one (1, C, T) case per predict call, cycling through the test set
    n_test = len(y_test)
    singles = [subset(X_test, [i]) if isinstance(X_test, list) else X_test[i : i + 1] for i in range(n_test)]
    for i in range(args.warmup_calls):
        est.predict(singles[i % n_test])
    times = np.empty(args.latency_calls)
    for i in range(args.latency_calls):
        x = singles[i % n_test]
        t0 = time.perf_counter()
        est.predict(x)
        times[i] = time.perf_counter() - t0
    latency_s = float(np.median(times))

    n_feat, how = n_features_of(key, est)
    model_bytes = None
    if kind == "lws":
        channels = f"{len(est.selected_channels_)} / {est.n_channels_in_}"
        with tempfile.TemporaryDirectory() as tmp:
            est.save(os.path.join(tmp, "m.lwz"))
            model_bytes = os.path.getsize(os.path.join(tmp, "m.lwz"))
    else:
        channels = f"{ds.n_channels} / {ds.n_channels} (all)"

    tm_mb = None
    if kind == "lws" and args.tracemalloc:
        # a separate, untimed fit: tracemalloc slows allocation down
        del est
        gc.collect()
        est2 = make_estimator(key)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tracemalloc.start()
            est2.fit(X_train, y_train)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        tm_mb = peak / 2**20

    seed_acc = [accuracy]
    if key not in DETERMINISTIC:
        for seed in range(1, args.seeds):  # accuracy only: the timings above are those of seed 0
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est_s = make_estimator(key, seed).fit(X_train, y_train)
                seed_acc.append(float(np.mean(np.asarray(est_s.predict(X_test)) == y_test)))
            del est_s
    return Result(ds.name, key, float(np.mean(seed_acc)), fit_s, predict_s, latency_s, n_feat, how, channels,
                  mem.mb, tm_mb, tuple(seed_acc), model_bytes)


# ----------------------------------------------------------------------------------------------- report
def fmt_time(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:.0f} µs"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def fmt_mb(mb):
    return "—" if mb is None else f"{mb:.1f}"


def version_of(mod_name: str) -> str:
    try:
        mod = __import__(mod_name)
        return getattr(mod, "__version__", "?")
    except Exception:  # noqa: BLE001
        return "not installed"


def header(args, argv) -> list[str]:
    import numba

    try:
        cpu = next(
            line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")
        )
    except Exception:  # noqa: BLE001
        cpu = platform.processor() or "?"
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except Exception:  # noqa: BLE001
        commit = "?"
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",) * 3
    return [
        "# LightWaveS vs ROCKET-family peers",
        "",
        f"- command: `{' '.join(shlex.quote(a) for a in argv)}`",
        f"- date (UTC): {datetime.now(timezone.utc):%Y-%m-%d %H:%M}; repo commit {commit}",
        f"- machine: nproc={nproc} ({cpu}), {platform.system()} {platform.release()}, "
        f"load average at start {', '.join(f'{x:.2f}' if isinstance(x, float) else x for x in load)}",
        f"- python {platform.python_version()}, numpy {np.__version__}, numba {numba.__version__} "
        f"(NUMBA_NUM_THREADS={os.environ.get('NUMBA_NUM_THREADS')}, numba.get_num_threads()={numba.get_num_threads()}), "
        f"aeon {version_of('aeon')}, scikit-learn {version_of('sklearn')}, lightwaves {version_of('lightwaves')}",
        "",
    ]


def results_table(results: list[Result], datasets: dict[str, Dataset]) -> list[str]:
    lines = [
        "| dataset | method | accuracy | seeds (min–max) | fit s | batch predict s | single-case latency | features "
        "| channels read | model file KB | fit peak RSS growth MB | fit tracemalloc peak MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        feats = f"{r.n_features:,}" + ("" if r.features_how == "fitted" else " (nominal)")
        name = r.dataset + (" (padded for peers)" if datasets[r.dataset].unequal and METHODS[r.key][1] != "lws" else "")
        lines.append(
            f"| {name} | {METHODS[r.key][0]} | {r.accuracy:.3f} | {seeds_cell(r)} | {r.fit_s:.2f} | {r.predict_s:.3f} "
            f"| {fmt_time(r.latency_s)} | {feats} | {r.channels} | "
            f"{'—' if r.model_bytes is None else f'{r.model_bytes / 1024:.1f}'} | {fmt_mb(r.rss_mb)} | "
            f"{fmt_mb(r.tracemalloc_mb)} |"
        )
    return lines


def seeds_cell(r: Result) -> str:
    if len(r.seed_accuracies) <= 1:
        return "1 (deterministic)" if r.key in DETERMINISTIC else "1"
    return f"{len(r.seed_accuracies)} ({min(r.seed_accuracies):.3f}–{max(r.seed_accuracies):.3f})"


def summary_table(results: list[Result]) -> tuple[list[str], list[str]]:
    by = {(r.dataset, r.key): r for r in results}
    datasets = list(dict.fromkeys(r.dataset for r in results))
    lines = [
        "| dataset | L1L2 accuracy | paper L1L2 | target (paper − 0.02) | pass | L1L2 latency "
        "| MiniRocket latency | Rocket latency | MultiRocket latency | MiniRocket / L1L2 | Rocket / L1L2 "
        "| MultiRocket / L1L2 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    ratios = {"minirocket": [], "rocket": [], "multirocket": []}
    fails = []
    for d in datasets:
        lw = by.get((d, "lws-l1l2"))
        if lw is None:
            continue
        paper = PAPER_L1L2.get(d)
        if paper is None:
            target_txt, paper_txt, verdict = "—", "—", "n/a"
        else:
            target = paper - ACC_TOLERANCE
            ok = lw.accuracy >= target - 1e-12
            paper_txt, target_txt, verdict = f"{paper:.3f}", f"{target:.3f}", "pass" if ok else "**FAIL**"
            if not ok:
                fails.append(f"{d}: L1L2 accuracy {lw.accuracy:.4f} < target {target:.3f} (paper {paper:.3f})")
            elif lw.accuracy - target < 0.005:
                fails.append(
                    f"{d}: L1L2 accuracy {lw.accuracy:.4f} passes the target {target:.3f} by only "
                    f"{lw.accuracy - target:.4f} (paper {paper:.3f})"
                )
        cells = []
        ratio_cells = []
        for peer in ("minirocket", "rocket", "multirocket"):
            pr = by.get((d, peer))
            cells.append(fmt_time(pr.latency_s) if pr else "—")
            if pr:
                ratio = pr.latency_s / lw.latency_s
                ratios[peer].append(ratio)
                ratio_cells.append(f"{ratio:.1f}×")
            else:
                ratio_cells.append("—")
        lines.append(
            f"| {d} | {lw.accuracy:.3f} | {paper_txt} | {target_txt} | {verdict} | {fmt_time(lw.latency_s)} | "
            + " | ".join(cells)
            + " | "
            + " | ".join(ratio_cells)
            + " |"
        )
    med = {k: (float(np.median(v)) if v else None) for k, v in ratios.items()}

    def med_cell(k, target=None):
        if med[k] is None:
            return "—"
        txt = f"**{med[k]:.1f}×**"
        if target is not None:
            txt += f" (target ≥ {target:.0f}×: {'pass' if med[k] >= target else 'FAIL'})"
        return txt

    lines.append(
        "| **median over datasets** | | | | | | | | | "
        f"{med_cell('minirocket', TARGET_MINI_RATIO)} | {med_cell('rocket', TARGET_ROCKET_RATIO)} "
        f"| {med_cell('multirocket')} |"
    )
    findings = list(fails)
    if med["minirocket"] is not None and med["minirocket"] < TARGET_MINI_RATIO:
        findings.append(f"median MiniRocket/L1L2 latency ratio {med['minirocket']:.1f}× < target {TARGET_MINI_RATIO:.0f}×")
    if med["rocket"] is not None and med["rocket"] < TARGET_ROCKET_RATIO:
        findings.append(f"median Rocket/L1L2 latency ratio {med['rocket']:.1f}× < target {TARGET_ROCKET_RATIO:.0f}×")
    for peer, target in (("minirocket", TARGET_MINI_RATIO), ("rocket", TARGET_ROCKET_RATIO)):
        for d in datasets:
            lw, pr = by.get((d, "lws-l1l2")), by.get((d, peer))
            if lw and pr and pr.latency_s / lw.latency_s < target:
                findings.append(
                    f"{d}: {METHODS[peer][0]}/L1L2 latency ratio {pr.latency_s / lw.latency_s:.1f}× "
                    f"below the {target:.0f}× target (per-dataset; the target applies to the median)"
                )
    return lines, findings


#: columns of the accuracy comparison (issue #7): the paper, the default, the peers, MiniRocket cut to 500
COMPARE = ("lws-l1l2", "lws-mr", "lws-mr-auto", "lws-mr-h", "minirocket", "multirocket", "rocket", "minirocket-sfd500",
           "hydra", "mr-hydra")


def family_table(results: list[Result], new: str = "lws-mr", ref: str = "minirocket") -> list[str]:
    """The default (MiniRocket-family) configuration against the paper's L1L2 and aeon's peers: accuracy
    (mean over seeds), then its latency, fit-time, feature and channel figures against MiniRocket; summary
    lines with mean accuracy and wins/ties/losses against MiniRocket for every method."""
    by = {(r.dataset, r.key): r for r in results}
    nn, rn = METHODS[new][0], METHODS[ref][0]
    datasets = [d for d in dict.fromkeys(r.dataset for r in results) if (d, new) in by and (d, ref) in by]
    if not datasets:
        return []
    cols = [k for k in COMPARE if any((d, k) in by for d in datasets)]
    lines = [
        "| dataset | " + " | ".join(METHODS[k][0] for k in cols)
        + f" | new − ref | {rn} / new latency | new / {rn} fit time | new features | new channels read |",
        "|---|" + "---|" * (len(cols) + 5),
    ]
    lat, fit = [], []
    for d in datasets:
        a, b = by[d, new], by[d, ref]
        lat.append(b.latency_s / a.latency_s)
        fit.append(a.fit_s / b.fit_s)
        cells = [f"{by[d, k].accuracy:.3f}" if (d, k) in by else "—" for k in cols]
        lines.append(f"| {d} | " + " | ".join(cells) + f" | {a.accuracy - b.accuracy:+.3f} | {lat[-1]:.1f}× "
                     f"| {fit[-1]:.2f}× | {a.n_features} | {a.channels} |")
    means, wtl = [], []
    for k in cols:
        vals = [by[d, k].accuracy for d in datasets if (d, k) in by]
        complete = len(vals) == len(datasets)
        means.append(f"**{np.mean(vals):.3f}**" if complete else "—")
        if k == ref or not complete:
            wtl.append("—")
            continue
        diff = np.array([by[d, k].accuracy - by[d, ref].accuracy for d in datasets])
        wtl.append(f"{(diff > 0.005).sum()}/{(np.abs(diff) <= 0.005).sum()}/{(diff < -0.005).sum()}, "
                   f"worst {diff.min():+.3f}")
    diffs = np.array([by[d, new].accuracy - by[d, ref].accuracy for d in datasets])
    lines.append("| **mean** | " + " | ".join(means) + f" | **{diffs.mean():+.3f}** | min {min(lat):.1f}× "
                 f"| max {max(fit):.2f}× | | |")
    lines.append(f"| wins/ties/losses vs {rn} (±0.005) | " + " | ".join(wtl) + " | | | | | |")
    lines += ["", f"new = {nn}, ref = {rn}.", "", f"{nn} against {rn} (test accuracy, ties within 0.005): "
              f"{(diffs > 0.005).sum()} wins, {(np.abs(diffs) <= 0.005).sum()} ties, "
              f"{(diffs < -0.005).sum()} losses; mean {diffs.mean():+.3f}, worst {diffs.min():+.3f} "
              f"(targets: mean ≥ 0, worst ≥ −0.03: "
              f"{'met' if diffs.mean() >= 0 and diffs.min() >= -0.03 else 'NOT met'}); single-case latency "
              f"{rn} / {nn} ≥ {min(lat):.1f}× (target ≥ 10×: {'met' if min(lat) >= 10 else 'NOT met'}); "
              f"fit time {nn} / {rn} ≤ {max(fit):.2f}× (target ≤ 3×: {'met' if max(fit) <= 3 else 'NOT met'})."]
    return lines


def notes(args, datasets: dict[str, Dataset], skipped: list[str]) -> list[str]:
    out = ["", "Notes:", ""]
    out.append(
        f"- All methods: `n_jobs=1`; accuracy is the mean over `random_state` 0..{args.seeds - 1} for methods "
        "that draw at random (the seeds column gives the spread), timings and memory are those of the "
        "`random_state=0` fit; LightWaveS `n_features=500` (fewer when fewer usable "
        "candidates exist — the features column shows the fitted count). Peers use aeon defaults "
        "(`n_kernels=10000`, ridge with cross-validated alpha)."
    )
    out.append(
        "- `NUMBA_NUM_THREADS=1` is set at the top of the script before numba is imported: every timing is "
        "single-threaded numba."
    )
    if args.warm:
        out.append(
            "- Warm-up: before each timed fit, one untimed fit + predict of the same method on a tiny subset of the "
            "same training data (3 cases per class), so numba JIT compilation / cache loading is excluded from fit "
            "and predict times."
        )
    else:
        out.append("- `--no-warm`: fit times include any numba JIT compilation / cache loading.")
    out.append(
        f"- fit s: wall clock of one `fit` on the training set. Batch predict s: one `predict` on the whole test "
        f"set, best of up to 3 calls (repeats stop once 2 s have been spent). Single-case latency: median of {args.latency_calls} `predict` calls, each on one test case as a "
        f"`(1, C, T)` slice (a one-element list for unequal length), cycling through the test set, after "
        f"{args.warmup_calls} warm-up calls; includes each library's input validation."
    )
    out.append(
        "- Machine is shared with other jobs (2 cores), so absolute timings are noisy; latency ratios are the "
        "meaningful numbers."
    )
    out.append(
        "- Features: LightWaveS `n_features_out_`; peers: `n_features_in_` of the fitted ridge in "
        "`pipeline_` (aeon 1.6's MultiRocket with defaults gives 4 pooling features × 9,996 kernel/dilation "
        "combinations × 2 representations (series and first difference) = 79,968, not the 49,728 of the "
        "MultiRocket paper's 6,216-kernel setup)."
    )
    out.append(
        "- Channels read: LightWaveS `len(selected_channels_) / n_channels_in_` (predict reads only those); "
        "peers read all channels."
    )
    out.append(
        "- Fit memory. *fit peak RSS growth*: Linux peak resident set (VmHWM, reset via "
        "`/proc/self/clear_refs` just before `fit`) minus the resident set before `fit`, measured during the timed "
        "fit of every method, after `gc.collect()` and glibc `malloc_trim(0)` so that freed heap pages from "
        "earlier work are not silently reused; it sees all allocations (numpy, numba NRT, BLAS) but remains a "
        "lower bound (pages that stay resident can still be reused). *fit tracemalloc peak*: "
        "`tracemalloc` peak during a separate untimed LightWaveS fit; exact for Python/numpy allocations, but "
        "blind to arrays allocated inside numba-compiled code."
    )
    pads = [d for d in datasets.values() if d.unequal]
    for d in pads:
        length = d.padded()[0].shape[2]
        out.append(
            f"- {d.name} is unequal length: LightWaveS takes the list of `(C, T_i)` arrays as is. aeon 1.6's "
            f"Rocket/MiniRocket/MultiRocket classifiers do not accept unequal length (`capability:unequal_length` "
            f"is False), so for them train and test are zero-padded at the end to {length} timepoints (the longest "
            f"case of train + test). The paper's figures for {d.name} are also on padded data."
        )
    for d in datasets.values():
        out.append(f"- {d.name}: {d.shape_text()}; source {d.source}.")
    for s in skipped:
        out.append(f"- skipped: {s}")
    out.append(
        f"- Summary: accuracy target is the paper's LightWaveS L1L2 mean minus {ACC_TOLERANCE}; latency ratios are "
        f"peer single-case latency / LightWaveS L1L2 single-case latency; targets on the median over datasets: "
        f"≥ {TARGET_MINI_RATIO:.0f}× vs MiniRocket, ≥ {TARGET_ROCKET_RATIO:.0f}× vs Rocket."
    )
    return out


# ----------------------------------------------------------------------------------------------- main
def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--datasets", help="comma-separated dataset names (default: all found)")
    p.add_argument(
        "--methods",
        default=",".join(COMPARE),
        help=f"comma-separated, from {', '.join(METHODS)} (default: {', '.join(COMPARE)})",
    )
    p.add_argument("--quick", action="store_true", help="BasicMotions only, fewer latency calls")
    p.add_argument("--datasets-dir", type=Path, default=DEFAULT_DATASETS_DIR, help="folder of <Name>/<Name>_TRAIN.ts")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"also write the tables here (default {DEFAULT_OUT.relative_to(REPO_ROOT)}; "
        f"with --quick {DEFAULT_OUT_QUICK.relative_to(REPO_ROOT)})",
    )
    p.add_argument(
        "--warm",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="untimed warm-up fit of each method on tiny data first, excluding JIT time (default: on)",
    )
    p.add_argument("--latency-calls", type=int, default=None, help="timed single-case calls (default 200, quick 50)")
    p.add_argument("--warmup-calls", type=int, default=None, help="untimed single-case calls (default 10, quick 5)")
    p.add_argument(
        "--tracemalloc",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="extra untimed LightWaveS fit under tracemalloc (default: on)",
    )
    p.add_argument("--ucr", choices=("no", "also", "only"), default="no",
                   help="also (or only) the univariate UCR problems of <datasets-dir>/ucr (.tsv)")
    p.add_argument("--seeds", type=int, default=5,
                   help="random_state 0..N-1 for methods that draw at random; accuracy is their mean (default 5)")
    args = p.parse_args(argv)
    if args.seeds < 1:
        p.error("--seeds must be >= 1")
    if args.latency_calls is None:
        args.latency_calls = 50 if args.quick else 200
    if args.warmup_calls is None:
        args.warmup_calls = 5 if args.quick else 10
    if args.latency_calls < 1 or args.warmup_calls < 0:
        p.error("--latency-calls must be >= 1 and --warmup-calls >= 0")
    if args.out is None:
        args.out = DEFAULT_OUT_QUICK if args.quick else DEFAULT_OUT
    keys = [m.strip().lower() for m in args.methods.split(",") if m.strip()]
    bad = [k for k in keys if k not in METHODS]
    if bad:
        p.error(f"unknown method(s) {bad}; choose from {list(METHODS)}")
    args.method_keys = keys
    return args


def main(argv=None):
    args = parse_args(argv)
    datasets_dir = args.datasets_dir.resolve() if args.datasets_dir is not None else None
    skipped = []
    if datasets_dir is None or not datasets_dir.is_dir():
        skipped.append(f"datasets folder {args.datasets_dir} not found; only the aeon-bundled datasets are used")
        print(f"warning: {skipped[-1]}", file=sys.stderr)
        datasets_dir = None

    if args.quick and not args.datasets:
        names = ["BasicMotions"]
    elif args.datasets:
        names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    else:
        names = discover_datasets(datasets_dir, args.ucr)

    argv_used = [os.path.relpath(sys.executable), os.path.relpath(__file__)] + (
        sys.argv[1:] if argv is None else list(argv)
    )
    head = header(args, argv_used)
    print("\n".join(head[:6]), file=sys.stderr, flush=True)

    datasets: dict[str, Dataset] = {}
    results: list[Result] = []
    errors: list[str] = []
    for name in names:
        ds = load_dataset(name, datasets_dir)
        if ds is None:
            skipped.append(f"{name}: not in {args.datasets_dir} and not bundled with aeon")
            print(f"warning: {skipped[-1]}", file=sys.stderr)
            continue
        datasets[name] = ds
        print(f"[{name}] {ds.shape_text()}", file=sys.stderr, flush=True)
        for key in args.method_keys:
            t0 = time.perf_counter()
            try:
                r = run_one(ds, key, args)
            except Exception as exc:  # noqa: BLE001 - report the failure, keep benchmarking the rest
                msg = f"{name} / {METHODS[key][0]}: {type(exc).__name__}: {exc}"
                errors.append(msg)
                print(f"  ERROR {msg}", file=sys.stderr, flush=True)
                traceback.print_exc()
                continue
            results.append(r)
            print(
                f"  {METHODS[key][0]:<16} acc={r.accuracy:.3f} fit={r.fit_s:.2f}s predict={r.predict_s:.3f}s "
                f"latency={fmt_time(r.latency_s)} features={r.n_features} channels={r.channels} "
                f"rss+={fmt_mb(r.rss_mb)}MB tracemalloc={fmt_mb(r.tracemalloc_mb)}MB "
                f"(total {time.perf_counter() - t0:.1f}s)",
                file=sys.stderr,
                flush=True,
            )

    table = results_table(results, datasets)
    summary, findings = summary_table(results)
    doc = head + ["## All runs", ""] + table + notes(args, datasets, skipped)
    if any(r.key == "lws-l1l2" for r in results):
        doc += ["", "## LightWaveS L1L2 vs paper, and single-case latency ratios", ""] + summary
    family = family_table(results)
    if family:
        doc += ["", "## The default (LightWaveS MR) vs the paper and aeon's ROCKET family", ""] + family
    for new, ref in (("lws-mr", "mr-hydra"), ("lws-mr-auto", "minirocket"), ("lws-mr-auto", "mr-hydra")):
        extra = family_table(results, new=new, ref=ref)
        if extra:
            doc += ["", f"## {METHODS[new][0]} vs {METHODS[ref][0]}", ""] + extra
    # the split: multivariate and univariate problems apart, and the 13 datasets without the UCR folder
    groups = [("Multivariate problems", [d for d, ds in datasets.items() if ds.n_channels > 1]),
              ("Univariate problems", [d for d, ds in datasets.items() if ds.n_channels == 1]),
              ("The 13 benchmark datasets (without the UCR folder)",
               [d for d, ds in datasets.items() if f"{os.sep}ucr{os.sep}" not in str(ds.source)])]
    for title, names in groups:
        if not 0 < len(names) < len(datasets):
            continue
        sub = [r for r in results if r.dataset in names]
        for new, ref in (("lws-mr", "minirocket"), ("lws-mr", "mr-hydra")):
            extra = family_table(sub, new=new, ref=ref)
            if extra:
                doc += ["", f"## {title} ({len(names)}): {METHODS[new][0]} vs {METHODS[ref][0]}", ""] + extra
    doc += ["", "## Findings", ""]
    findings = [f"run failed — {e}" for e in errors] + findings
    doc += [f"- {f}" for f in findings] if findings else ["- all accuracy and latency-ratio targets met, none marginally"]
    text = "\n".join(doc) + "\n"
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
