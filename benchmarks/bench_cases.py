"""Scaling in the number of cases: fit time, peak memory and prediction throughput, vs aeon's MiniRocket.

A synthetic problem like a year of sensor windows: 3 channels x 100 points, 4 classes (a class-dependent
sine in channel 1, noise elsewhere), float32 input held in memory. Each (method, size) runs in a fresh
process, so its peak RSS (``ru_maxrss``) is its own; the input's size is printed beside it.

    .venv/bin/python benchmarks/bench_cases.py [--sizes 10000,100000,1000000] [--minirocket-max 20000]
        [--out benchmarks/results/cases.md]
    .venv/bin/python benchmarks/bench_cases.py --sizes 1000000 --dask-workers 2   # serial vs Dask from a .npy

aeon's MiniRocket is run only up to ``--minirocket-max`` cases (the issue measured 651 s at 20,000 cases
and no finish within 15 minutes at 100,000 on this kind of machine).
"""

from __future__ import annotations

import argparse
import datetime
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, os, resource, sys, time
import numpy as np

method, n = sys.argv[1], int(sys.argv[2])

def make(n, seed):
    # drawn in chunks straight into float32 (the same values as one big draw): no float64 copy, so the
    # process's peak RSS before the fit is about the input's size
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, size=n)
    X = np.empty((n, 3, 100), dtype=np.float32)
    for s in range(0, n, 50000):
        X[s : s + 50000] = rng.normal(size=(min(50000, n - s), 3, 100))
    t = np.linspace(0, 2 * np.pi, 100, dtype=np.float32)
    for k in range(4):
        X[y == k, 1] += np.sin((k + 1) * t)
    return X, y

def worker_peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

if method == "write":  # the data of n cases as X.npy / y.npy in the directory argv[3]
    X, y = make(n, 0)
    np.save(f"{sys.argv[3]}/X.npy", X)
    np.save(f"{sys.argv[3]}/y.npy", y)
    print(json.dumps({"method": method, "n": n}))
    sys.exit(0)
if method.startswith("npy-"):  # memory-mapped from the file written by "write"
    X, y = np.load(f"{sys.argv[3]}/X.npy", mmap_mode="r"), np.load(f"{sys.argv[3]}/y.npy")
else:
    X, y = make(n, 0)
Xt, yt = make(2000, 1)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
workers_peak = 0
if method in ("lightwaves", "npy-serial", "npy-dask"):
    from lightwaves import LightWaveSClassifier
    clf = LightWaveSClassifier(random_state=0, n_jobs=1, variant=os.environ.get("LW_BENCH_VARIANT", "MR"))
else:
    from aeon.classification.convolution_based import MiniRocketClassifier
    clf = MiniRocketClassifier(random_state=0, n_jobs=1)
if method == "npy-dask":  # a LocalCluster of argv[4] single-threaded workers; they read the file themselves
    from lightwaves.distributed import client_for
    with client_for(workers=int(sys.argv[4]), timeout=60) as client:
        clf.set_params(backend="dask")
        t0 = time.perf_counter()
        clf.fit(X, y)
        fit_s = time.perf_counter() - t0
        workers_peak = sum(client.run(worker_peak).values())
    clf.set_params(backend="serial")
else:
    t0 = time.perf_counter()
    clf.fit(X, y)
    fit_s = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
t0 = time.perf_counter()
acc = float(np.mean(clf.predict(Xt) == yt))
pred_s = time.perf_counter() - t0
print(json.dumps({"method": method, "n": n, "fit_s": fit_s, "peak_rss": peak, "rss_before_fit": base,
                  "input_bytes": X.nbytes, "accuracy": acc, "predict_per_s": len(Xt) / pred_s,
                  "workers_peak_rss": workers_peak, "coef_sha": __import__("hashlib").sha1(clf.coef_.tobytes()).hexdigest()
                  if hasattr(clf, "coef_") else None}))
"""


#: the LightWaveS variant the children fit (--variant)
VARIANT = ["MR"]


def run(method, n, timeout, *extra):
    t0 = time.perf_counter()
    try:
        r = subprocess.run([sys.executable, "-c", CHILD, method, str(n), *map(str, extra)], capture_output=True, text=True,
                           timeout=timeout, env={"NUMBA_NUM_THREADS": "1", "PATH": "/usr/bin:/bin",
                                                 "LW_BENCH_VARIANT": VARIANT[0]})
    except subprocess.TimeoutExpired:
        return {"method": method, "n": n, "error": f"not finished in {timeout:.0f} s"}
    if r.returncode != 0:
        lines = r.stderr.strip().splitlines() or [f"exit status {r.returncode}"]
        return {"method": method, "n": n, "error": lines[-1][:120]}
    out = json.loads(r.stdout.strip().splitlines()[-1])
    out["wall_s"] = time.perf_counter() - t0
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--minirocket-max", type=int, default=20000)
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "cases.md")
    ap.add_argument("--dask-workers", type=int, default=0,
                    help="instead: fit from a .npy file on disk, serially and on a LocalCluster of this many "
                         "workers (--sizes cases); the table goes to a section of --out, the rest is kept")
    ap.add_argument("--data-dir", type=Path, default=Path("/tmp"), help="where --dask-workers writes the .npy")
    ap.add_argument("--variant", default="MR", help="LightWaveSClassifier variant (default MR, the default)")
    args = ap.parse_args(argv)
    VARIANT[0] = args.variant
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.dask_workers:
        return dask_rows(args, sizes, argv)
    rows = []
    gave_up = None
    for n in sizes:
        for method in ("lightwaves", "minirocket"):
            if method == "minirocket" and (n > args.minirocket_max or gave_up is not None):
                if gave_up is not None and n <= args.minirocket_max:
                    rows.append({"method": method, "n": n, "error": f"not run: did not finish at {gave_up:,} cases"})
                continue
            res = run(method, n, args.timeout)
            if method == "minirocket" and "error" in res:
                gave_up = n
            rows.append(res)
            print(json.dumps(res), flush=True)
    mb = 2**20
    lines = ["| cases | method | fit s | peak RSS MB | RSS before fit MB | input MB | peak RSS − input MB | accuracy (2,000 test cases) | predict cases/s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['n']:,} | {r['method']} | {r['error']} | | | | | | |")
            continue
        lines.append(f"| {r['n']:,} | {r['method']} | {r['fit_s']:.1f} | {r['peak_rss'] / mb:.0f} | "
                     f"{r['rss_before_fit'] / mb:.0f} | {r['input_bytes'] / mb:.0f} | {(r['peak_rss'] - r['input_bytes']) / mb:.0f} | "
                     f"{r['accuracy']:.3f} | {r['predict_per_s']:,.0f} |")
    fits = {(r["method"], r["n"]): r["fit_s"] for r in rows if "error" not in r}
    notes = []
    if ("lightwaves", 100000) in fits and ("lightwaves", 1000000) in fits:
        notes.append(f"- lightwaves fit time 10^5 → 10^6 cases: ×{fits[('lightwaves', 1000000)] / fits[('lightwaves', 100000)]:.1f} (target ≤ 11×)")
    for n in sizes:
        if ("minirocket", n) in fits and ("lightwaves", n) in fits:
            notes.append(f"- at {n:,} cases lightwaves fits {fits[('minirocket', n)] / fits[('lightwaves', n)]:.0f}× faster than aeon's MiniRocket")
    when, commit = run_stamp()
    text = (f"# Scaling in the number of cases\n\nRun of {when}, commit {commit}: "
            f"`{Path(sys.executable).name} benchmarks/bench_cases.py {' '.join(argv or sys.argv[1:])}`.\n\n"
            + __doc__.split("\n\n")[1] + "\n\n" + "\n".join(lines) + "\n\n" + "\n".join(notes) + "\n")
    args.out.write_text(text)
    print(text)


DASK_SECTION = "## Case-sharded Dask fit from a file on disk"


def run_stamp():
    """(UTC time, short commit) written at the top of a results section."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), commit


def dask_rows(args, sizes, argv):
    """Serial and Dask fits of the same memory-mapped .npy file; writes the section DASK_SECTION of --out."""
    import tempfile

    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory(dir=args.data_dir) as d:
            w = run("write", n, args.timeout, d)
            if "error" in w:
                raise SystemExit(f"could not write the data: {w['error']}")
            for method, extra in (("npy-serial", ()), ("npy-dask", (args.dask_workers,))):
                res = run(method, n, args.timeout, d, *extra)
                rows.append(res)
                print(json.dumps(res), flush=True)
    mb = 2**20
    lines = ["| cases | fit | fit s | client peak RSS MB | workers' peak RSS MB (sum) | input MB | accuracy | coef_ SHA-1 |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        what = "serial" if r["method"] == "npy-serial" else f"Dask, {args.dask_workers} workers"
        if "error" in r:
            lines.append(f"| {r['n']:,} | {what} | {r['error']} | | | | | |")
            continue
        lines.append(f"| {r['n']:,} | {what} | {r['fit_s']:.1f} | {r['peak_rss'] / mb:.0f} | "
                     f"{r['workers_peak_rss'] / mb:.0f} | {r['input_bytes'] / mb:.0f} | {r['accuracy']:.3f} | "
                     f"{(r['coef_sha'] or '')[:12]} |")
    when, commit = run_stamp()
    section = (f"{DASK_SECTION}\n\nRun of {when}, commit {commit}: "
               f"`{Path(sys.executable).name} benchmarks/bench_cases.py {' '.join(argv or sys.argv[1:])}`. The data "
               "(same generator) is written once to a `.npy` file and memory-mapped (`np.load(mmap_mode=\"r\")`); "
               "the Dask workers read their chunks of cases from it themselves. Peak RSS counts the file's pages "
               "a process touched. Same `coef_` digest = bit-identical models.\n\n" + "\n".join(lines) + "\n")
    old = args.out.read_text() if args.out.exists() else ""
    keep = old.split(DASK_SECTION)[0].rstrip() if old else "# Scaling in the number of cases"
    args.out.write_text(keep + "\n\n" + section)
    print(section)


if __name__ == "__main__":
    main()
