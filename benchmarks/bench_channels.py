"""Many-channel benchmark of LightWaveS selection: serial vs Dask (issue 3).

Prints a markdown table and checks the targets (here, never in unit tests):

(a) a synthetic PEMS-SF-shaped problem (270 cases x 144 points, 7 classes, a few informative channels)
    with 100, 250, 500 and 1000 channels, fitted serially: time and peak RSS. Targets: peak RSS < 2 GB at
    1000 channels; time no worse than linear from 100 to 1000 channels.
(b) the 1000-channel problem on a LocalCluster of 1 worker x 1 thread vs 2 workers x 1 thread.
    Target: speed-up >= 1.6x.
(c) BasicMotions (bundled with aeon): serial fit vs Dask fit (2 workers). Target: <= 3 s more.

Every configuration runs in a fresh subprocess, so peak RSS (``VmHWM``) is its own; for Dask the
client process (which also hosts the LocalCluster's scheduler) and each worker report their peaks. Fit
times exclude the numba cache load (a tiny warm-up fit first) and, for Dask, the cluster start (reported
separately).

Usage::

    python benchmarks/bench_channels.py           # full run (several minutes on 2 cores)
    python benchmarks/bench_channels.py --quick   # smoke run (about a minute)
    python benchmarks/bench_channels.py --variant L1L2   # the paper's variant (default: the classifier's)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

N_CASES, LENGTH, N_CLASSES, N_INFORMATIVE = 270, 144, 7, 6


def synthetic(n_channels, n_cases=N_CASES, length=LENGTH, seed=0):
    """PEMS-SF-shaped data: smooth noisy channels, ``N_INFORMATIVE`` of them carry the class."""
    import numpy as np

    rng = np.random.default_rng(seed)
    y = np.arange(n_cases) % N_CLASSES
    rng.shuffle(y)
    t = np.linspace(0, 2 * np.pi, length)
    X = rng.normal(scale=0.5, size=(n_cases, n_channels, length))
    X += np.sin(t)[None, None, :] * rng.uniform(0.5, 1.5, size=(1, n_channels, 1))
    informative = rng.choice(n_channels, size=min(N_INFORMATIVE, n_channels), replace=False)
    for j, c in enumerate(informative):
        shift = (y * 11 + 7 * j) % length
        for i in range(n_cases):
            X[i, c, shift[i] : shift[i] + 12] += 1.5
    return X, y


def peak_rss_bytes() -> int:
    """Peak RSS of this process: ``VmHWM`` of ``/proc/self/status`` (Linux).

    Not ``ru_maxrss``: Linux keeps it across ``exec``, so a Dask worker (forked from the client, then
    exec'ed) would report the client's RSS at the moment it was spawned (the 1,000-channel input
    included) as its own peak. ``VmHWM`` belongs to the process's own memory map. Elsewhere, falls back
    to ``ru_maxrss``.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def _warm_up():
    """A tiny fit, so numba's cache is loaded before timing (run in the client and in every worker)."""
    import numpy as np

    from lightwaves import LightWaveSClassifier

    rng = np.random.default_rng(0)
    LightWaveSClassifier(n_features=5).fit(rng.normal(size=(8, 1, 30)), np.arange(8) % 2)


def run_one(spec: dict) -> dict:
    """One configuration, in this (fresh) process. Returns timings and peak RSS."""
    from lightwaves import LightWaveSClassifier

    if spec["data"] == "BasicMotions":
        from aeon.datasets import load_classification

        X, y = load_classification("BasicMotions", split="train")
    else:
        X, y = synthetic(spec["channels"])
    params = dict(n_features=spec.get("n_features", 500), random_state=0)
    if spec.get("variant"):
        params["variant"] = spec["variant"]
    _warm_up()
    out = {"data_mb": X.nbytes / 2**20}
    if spec["backend"] == "serial":
        t0, c0 = time.perf_counter(), time.process_time()
        clf = LightWaveSClassifier(**params).fit(X, y)
        out["fit_s"] = time.perf_counter() - t0
        out["cpu_s"] = time.process_time() - c0
        out["client_rss"] = peak_rss_bytes()
    else:
        from distributed import Client, LocalCluster

        t0 = time.perf_counter()
        with LocalCluster(
            n_workers=spec["workers"], threads_per_worker=1, processes=True, dashboard_address=":0",
            env={"NUMBA_NUM_THREADS": "1"},
        ) as cluster, Client(cluster) as client:
            client.wait_for_workers(spec["workers"])
            client.run(_warm_up)
            out["startup_s"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            clf = LightWaveSClassifier(backend="dask", **params).fit(X, y)
            out["fit_s"] = time.perf_counter() - t0
            out["client_rss"] = peak_rss_bytes()
            out["worker_rss"] = sorted(client.run(peak_rss_bytes).values())
    out["features"] = int(clf.transformer_.n_features_out_)
    out["accuracy_train"] = float((clf.predict(X) == y).mean())
    return out


def spawn(spec: dict) -> dict:
    res = subprocess.run(
        [sys.executable, __file__, "--run", json.dumps(spec)], capture_output=True, text=True, check=False
    )
    if res.returncode != 0:
        raise RuntimeError(f"{spec} failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def mb(b):
    return f"{b / 2**20:.0f}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small smoke run")
    ap.add_argument("--variant", default=None, help="LightWaveSClassifier variant (default: its default)")
    ap.add_argument("--run", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.run:
        print(json.dumps(run_one(json.loads(args.run))))
        return 0

    channels = [20, 50] if args.quick else [100, 250, 500, 1000]
    big = channels[-1]
    rows, results = [], {}

    def record(name, spec):
        spec = dict(spec, variant=args.variant)
        print(f"running {name} ...", file=sys.stderr, flush=True)
        r = spawn(spec)
        results[name] = r
        workers = r.get("worker_rss", [])
        rows.append(
            "| {} | {} | {:.1f} | {} | {} | {} | {} | {} | {:.2f} |".format(
                name,
                spec.get("channels", 6),
                r["fit_s"],
                f"{r['cpu_s']:.1f}" if "cpu_s" in r else "-",
                f"{r['startup_s']:.1f}" if "startup_s" in r else "-",
                mb(r["client_rss"]),
                " / ".join(mb(w) for w in workers) if workers else "-",
                mb(r["client_rss"] + sum(workers)),
                r["accuracy_train"],
            )
        )
        return r

    for c in channels:
        record(f"(a) serial {c} ch", {"data": "synthetic", "channels": c, "backend": "serial"})
    record(f"(b) dask 1x1 {big} ch", {"data": "synthetic", "channels": big, "backend": "dask", "workers": 1})
    record(f"(b) dask 2x1 {big} ch", {"data": "synthetic", "channels": big, "backend": "dask", "workers": 2})
    record("(c) BasicMotions serial", {"data": "BasicMotions", "backend": "serial"})
    record("(c) BasicMotions dask 2x1", {"data": "BasicMotions", "backend": "dask", "workers": 2})

    from lightwaves import LightWaveSClassifier

    variant = args.variant or LightWaveSClassifier().variant
    print(f"\nLightWaveS many-channel benchmark ({'quick' if args.quick else 'full'}), variant {variant}: "
          f"{N_CASES} cases x "
          f"{LENGTH} points, {N_CLASSES} classes, n_features=500; {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; load average before: {os.getloadavg()[0]:.1f}\n")
    print("| configuration | channels | fit wall (s) | fit CPU (s) | cluster start (s) | peak RSS client (MB) "
          "| peak RSS workers (MB) | peak RSS total (MB) | train acc |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))

    a_small, a_big = results[f"(a) serial {channels[0]} ch"], results[f"(a) serial {big} ch"]
    linear = a_big["fit_s"] / a_small["fit_s"]
    linear_cpu = a_big["cpu_s"] / a_small["cpu_s"]
    speedup = results[f"(b) dask 1x1 {big} ch"]["fit_s"] / results[f"(b) dask 2x1 {big} ch"]["fit_s"]
    overhead = results["(c) BasicMotions dask 2x1"]["fit_s"] - results["(c) BasicMotions serial"]["fit_s"]
    dask_total = max(r["client_rss"] + sum(r.get("worker_rss", [])) for k, r in results.items() if "(b)" in k)
    checks = [
        (f"peak RSS serial at {big} ch < 2 GB", a_big["client_rss"] < 2 * 2**30, f"{mb(a_big['client_rss'])} MB"),
        (f"peak RSS dask (client + workers) at {big} ch < 2 GB", dask_total < 2 * 2**30, f"{mb(dask_total)} MB"),
        (f"time {channels[0]} -> {big} ch no worse than linear (<= {big / channels[0]:.0f}x)",
         linear <= big / channels[0], f"{linear:.2f}x"),
        ("same, CPU time (less sensitive to other load on the machine)",
         linear_cpu <= big / channels[0], f"{linear_cpu:.2f}x"),
        ("2 workers vs 1 worker >= 1.6x", speedup >= 1.6, f"{speedup:.2f}x"),
        ("BasicMotions dask overhead <= 3 s", overhead <= 3.0, f"{overhead:+.2f} s"),
    ]
    print("\n| target | result | status |\n|---|---:|---|")
    for name, ok, value in checks:
        print(f"| {name} | {value} | {'PASS' if ok else 'FAIL'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
