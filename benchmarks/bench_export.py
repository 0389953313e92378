"""The exported C model against the Python predict path and aeon's MiniRocket: single-case latency,
accuracy, source and object sizes (issue #9).

    nice .venv/bin/python benchmarks/bench_export.py                    # every dataset (about 15 min)
    nice .venv/bin/python benchmarks/bench_export.py --datasets BasicMotions,GunPoint --variants L1L2

For each dataset (the 8 multivariate problems of benchmarks/bench_peers.py and aeon's ArrowHead,
GunPoint, ItalyPowerDemand, ACSF1, OSULeaf) and variant (L1L2, MR; 500 features): fit, save, export
twice (default: double coefficients; ``--float32``: float coefficients), compile each with
``cc -O2 -std=c99`` and a timing harness, then measure in one run:

- C: time of one ``lw_predict`` call (built with ``--cflags``, default ``-O2 -march=native``), measured
  inside C with ``clock_gettime`` around each call: the median over calls cycling through the test set
  (at least two passes, 200 calls and 0.5 s), the statistic of the Python figures;
- Python: median time of ``Predictor.predict`` on one ``(1, C, T)`` case (``load_predictor``, numba
  engine, one thread), cycling through the test set after a warm-up;
- aeon's MiniRocketClassifier (10,000 features): median time of ``predict`` on one case, the same way
  (equal-length input only: unequal-length series are zero-padded at the end for it).

Accuracy: Python on the float64 test set and on its float32 values; C on the float32 values (its
interface takes floats).
Writes the table to ``benchmarks/results/export.md`` with the command, date and commit at the top.
"""

import os

os.environ["NUMBA_NUM_THREADS"] = "1"  # before numba is imported: one thread everywhere

import argparse  # noqa: E402
import platform  # noqa: E402
import shlex  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_peers import DEFAULT_DATASETS_DIR, discover_datasets, load_dataset  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "benchmarks" / "results" / "export.md"
CC = os.environ.get("CC", "cc")
STRICT = ["-O2", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]

HARNESS = r"""
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "lightwaves_model.h"

#define MAX_CALLS 200000
static double calls[MAX_CALLS];

static int cmp(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* stdin: one case per line (channel-major CSV). stdout: the predicted class index of each case, then
   "latency_us <mean time of one lw_predict call>" */
int main(void)
{
    size_t cap = 1 << 20, used = 0, n_cases = 0, max_cases = 1 << 16;
    float *values = malloc(cap * sizeof *values);
    size_t *start = malloc((max_cases + 1) * sizeof *start);
    int *length = malloc(max_cases * sizeof *length), c, reps, r;
    char token[64];
    size_t len = 0, i;
    volatile int sink = 0;
    double t0, pass, total;
    (void)sink;
    if (!values || !start || !length)
        return 2;
    start[0] = 0;
    while ((c = getchar()) != EOF) {
        if (c == ',' || c == '\n') {
            if (len) {
                token[len] = '\0';
                if (used == cap && !(values = realloc(values, (cap *= 2) * sizeof *values)))
                    return 2;
                values[used++] = (float)strtod(token, NULL);
                len = 0;
            }
            if (c == '\n' && used > start[n_cases]) {
                length[n_cases] = (int)((used - start[n_cases]) / LW_N_CHANNELS);
                start[++n_cases] = used;
                if (n_cases == max_cases)
                    break;
            }
        } else if (len + 1 < sizeof token) {
            token[len++] = (char)c;
        }
    }
    for (i = 0; i < n_cases; ++i)
        printf("%d\n", lw_predict(values + start[i], LW_N_CHANNELS, length[i], NULL));
    /* single calls, cycling through the test set, until 0.5 s have been spent (at least 2 passes and
       200 calls): the median call, the statistic the Python figures use */
    for (r = 0, total = 0.0; r < MAX_CALLS && (r < 2 * (int)n_cases || r < 200 || total < 0.5); ++r) {
        i = (size_t)r % n_cases;
        t0 = now();
        sink += lw_predict(values + start[i], LW_N_CHANNELS, length[i], NULL);
        pass = now() - t0;
        calls[r] = pass;
        total += pass;
    }
    reps = r;
    qsort(calls, (size_t)reps, sizeof *calls, cmp);
    printf("latency_us %.3f\n", 1e6 * calls[reps / 2]);
    return 0;
}
"""


def sh(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed:\n{r.stderr[-3000:]}")
    return r


def cases_f32(X):
    return [np.asarray(x, dtype=np.float32) for x in X]


def csv_text(cases):
    return "".join(",".join(f"{v:.9g}" for v in c.ravel()) + "\n" for c in cases)


def single_case_latency(predict, X, calls, warmup=20):
    """Median seconds of ``predict`` on one case, cycling through the cases of ``X``."""
    singles = [X[i : i + 1] if isinstance(X, np.ndarray) else [X[i]] for i in range(len(X))]
    for i in range(warmup):
        predict(singles[i % len(singles)])
    times = np.empty(calls)
    for i in range(calls):
        x = singles[i % len(singles)]
        t0 = time.perf_counter()
        predict(x)
        times[i] = time.perf_counter() - t0
    return float(np.median(times))


def c_build(model_path, out, cases, float32, max_length, cflags, arith="float64"):
    """Export, check the strict compile of the model, build the harness; (class indices, latency s,
    source bytes, object text+data bytes, work bytes)."""
    from lightwaves.export_c import export_c

    export_c(model_path, out, float32=float32, max_length=max_length, arith=arith)
    src = out / "lightwaves_model.c"
    r = sh([CC, *STRICT, "-c", str(src), "-o", str(out / "model.o")])
    warnings_text = r.stderr.strip()
    text = sh(["size", str(out / "model.o")]).stdout.splitlines()[1].split()
    flash = int(text[0]) + int(text[1])
    (out / "bench.c").write_text(HARNESS)
    exe = out / "bench"
    sh([CC, *cflags.split(), "-std=c99", str(out / "bench.c"), str(src), "-lm", "-o", str(exe)])
    run = sh([str(exe)], input=csv_text(cases), timeout=1800).stdout.split("\n")
    idx = np.array([int(v) for v in run if v and not v.startswith("latency_us")])
    latency = float(next(v for v in run if v.startswith("latency_us")).split()[1]) * 1e-6
    header = (out / "lightwaves_model.h").read_text()
    n_features = int(header.split("#define LW_N_FEATURES")[1].split()[0])
    l2 = "3u * (((size_t)(n)" in header.split("#define LW_WORK_LEN")[1].split("\n")[0]
    work = (4 if arith == "float32" else 8) * (n_features + 3 * max_length + (3 * ((max_length + 1) // 2) if l2 else 0))
    return idx, latency, src.stat().st_size, flash, work, warnings_text


def run_dataset(name, args, tmp):
    from aeon.classification.convolution_based import MiniRocketClassifier

    from lightwaves import LightWaveSClassifier
    from lightwaves.model_io import load_predictor, save, training_metadata

    ds = load_dataset(name, args.datasets_dir)
    if ds is None:
        print(f"{name}: not found, skipped", file=sys.stderr)
        return []
    cases = cases_f32(ds.X_test)
    longest = max(x.shape[-1] for x in list(ds.X_train) + list(ds.X_test))
    rows = []
    mini = MiniRocketClassifier(random_state=0)
    Xtr_pad, Xte_pad = ds.padded()
    mini.fit(Xtr_pad, ds.y_train)
    mini_acc = float(np.mean(mini.predict(Xte_pad) == ds.y_test))
    mini_s = single_case_latency(mini.predict, Xte_pad, args.calls)
    for variant in args.variants:
        t0 = time.perf_counter()
        clf = LightWaveSClassifier(variant=variant, n_features=args.n_features, random_state=0).fit(ds.X_train,
                                                                                                     ds.y_train)
        fit_s = time.perf_counter() - t0
        path = tmp / f"{name}-{variant}.lwz"
        save(clf, path, metadata=training_metadata(ds.X_train, ds.y_train, dataset=name))
        pred = load_predictor(path)
        py_acc = float(np.mean(pred.predict(ds.X_test) == ds.y_test))
        # what the C model gets: the test values as float32 (its interface), in float64 for Python
        X32 = [c.astype(np.float64) for c in cases]
        X32 = np.stack(X32) if isinstance(ds.X_test, np.ndarray) else X32
        py32 = pred.predict(X32)
        py_acc32 = float(np.mean(py32 == ds.y_test))
        py_s = single_case_latency(pred.predict, ds.X_test, args.calls)
        out = {}
        for build, float32 in (("f64", False), ("f32", True)):
            idx, lat, src_bytes, flash, work, warn = c_build(path, tmp / f"{name}-{variant}-{build}", cases, float32,
                                                              longest, args.cflags)
            out[build] = dict(acc=float(np.mean(clf.classes_[idx] == ds.y_test)), latency=lat, src=src_bytes,
                              flash=flash, work=work, warnings=warn,
                              same=bool(np.array_equal(clf.classes_[idx], py32)))
        row = dict(dataset=name, variant=variant, n_features=clf.n_features_out_, length=longest,
                   channels=f"{len(clf.selected_channels_)}/{clf.n_channels_in_}", fit_s=fit_s, py_acc=py_acc,
                   py_acc32=py_acc32,
                   py_s=py_s, mini_acc=mini_acc, mini_s=mini_s, **{f"{b}_{k}": v for b, d in out.items()
                                                                   for k, v in d.items()})
        rows.append(row)
        print(format_row(row), flush=True)
    return rows


COLUMNS = ("dataset", "variant", "features", "channels read", "length", "C us (f64 coef)", "C us (f32 coef)",
           "Python us", "MiniRocket us", "C / Python", "acc Python", "acc Python float32 input", "acc C f64", "acc C f32",
           "C predictions = Python's (float32 input)",
           "source KB f64 / f32", "flash KB f64 / f32", "work RAM KB", "warnings")


def format_row(r):
    ratio = r["f64_latency"] / r["py_s"]
    return "| " + " | ".join([
        r["dataset"], r["variant"], str(r["n_features"]), r["channels"], str(r["length"]),
        f"{r['f64_latency'] * 1e6:.1f}", f"{r['f32_latency'] * 1e6:.1f}", f"{r['py_s'] * 1e6:.0f}",
        f"{r['mini_s'] * 1e6:.0f}", f"{ratio:.3f}", f"{r['py_acc']:.4f}", f"{r['py_acc32']:.4f}", f"{r['f64_acc']:.4f}",
        f"{r['f32_acc']:.4f}", "yes" if r["f64_same"] and r["f32_same"] else "NO",
        f"{r['f64_src'] / 1024:.0f} / {r['f32_src'] / 1024:.0f}", f"{r['f64_flash'] / 1024:.1f} / {r['f32_flash'] / 1024:.1f}",
        f"{r['f64_work'] / 1024:.1f}", "none" if not (r["f64_warnings"] or r["f32_warnings"]) else "YES",
    ]) + " |"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--datasets", help="comma-separated names (default: all)")
    p.add_argument("--datasets-dir", type=Path, default=DEFAULT_DATASETS_DIR)
    p.add_argument("--variants", default="L1L2,MR")
    p.add_argument("--n-features", type=int, default=500)
    p.add_argument("--calls", type=int, default=200, help="single-case predict calls timed in Python")
    p.add_argument("--cflags", default="-O2 -march=native",
                   help="flags of the timed C build (default: -O2 for the host CPU, as firmware is built for its "
                        "board; -std=c99 is always added)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = p.parse_args(argv)
    args.variants = args.variants.split(",")
    names = args.datasets.split(",") if args.datasets else discover_datasets(args.datasets_dir)
    warnings.filterwarnings("ignore")
    commit = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    cc_version = sh([CC, "--version"]).stdout.splitlines()[0]
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    rows = []
    print("| " + " | ".join(COLUMNS) + " |\n|" + "---|" * len(COLUMNS))
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            rows += run_dataset(name, args, Path(tmp))
    ratios = [r["f64_latency"] / r["py_s"] for r in rows]
    lines = [
        "# Exported C model vs Python predict vs aeon MiniRocket",
        "",
        f"Command: `{' '.join(shlex.quote(a) for a in ['benchmarks/bench_export.py', *(argv or sys.argv[1:])])}`  ",
        f"Date: {started}; commit {commit}{' (with uncommitted changes)' if dirty else ''}; {platform.machine()}, "
        f"{os.cpu_count()} cores (shared), {cc_version}; Python {platform.python_version()}, one thread.",
        "",
        f"Single-case latency: C is one `lw_predict` call (default build, double coefficients; and the "
        f"`--float32` build) compiled with `{args.cflags} -std=c99`, timed inside C with `clock_gettime` around "
        "each call: the median over calls cycling through the test set (at least two passes, 200 calls and "
        "0.5 s); Python "
        "is the median of `Predictor.predict` on one `(1, C, T)` case (`load_predictor`, numba engine); MiniRocket "
        "is aeon's `MiniRocketClassifier` (10,000 features), median of `predict` on one case (unequal-length "
        "data zero-padded for it). Accuracy: Python on the float64 test set, and on its values rounded to float32 "
        "(what the C interface takes); C on the float32 values. The last-but-four column compares every C "
        "prediction (both builds) with Python's on the same float32 values. "
        "Source: size of `lightwaves_model.c`; flash: text + data of its object (`size`, `cc -O2 -std=c99`); "
        "work RAM: the stack buffer of `lw_predict` for the longest series (`LW_WORK_LEN`, doubles). "
        "Warnings: any output of `cc -O2 -std=c99 -Wall -Wextra -Werror -pedantic -c lightwaves_model.c`.",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
        *[format_row(r) for r in rows],
        "",
        f"Targets: C at most half the Python latency on every dataset: "
        f"{'met' if rows and max(ratios) <= 0.5 else 'NOT met'} (largest C / Python ratio {max(ratios):.3f}); "
        f"float32 build's accuracy equal to Python's on the same (float32) input on every dataset: "
        f"{'met' if all(r['f32_acc'] == r['py_acc32'] and r['f32_same'] for r in rows) else 'NOT met'} "
        f"(equal to Python's on the float64 input on "
        f"{sum(r['f32_acc'] == r['py_acc'] for r in rows)} of {len(rows)} runs); "
        f"largest source of a 500-feature model: {max(r['f64_src'] for r in rows) / 1024:.0f} KB (default build), "
        f"{max(r['f32_src'] for r in rows) / 1024:.0f} KB (--float32), compiled without a warning: "
        f"{'yes' if not any(r['f64_warnings'] or r['f32_warnings'] for r in rows) else 'NO'}.",
    ] if rows else ["no dataset found"]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines[-1:]))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
