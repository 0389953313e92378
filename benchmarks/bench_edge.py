"""The exported C model on a Cortex-M4F (QEMU's mps2-an386): flash, static RAM, stack and instructions of one
prediction per benchmark model, beside x86 single-case latency of the same C and of Python (issue #23.3).

    .venv/bin/python benchmarks/bench_edge.py                       # every dataset, and the reference
    .venv/bin/python benchmarks/bench_edge.py --datasets BasicMotions --cases 5 --no-reference

For each dataset (BasicMotions, JapaneseVowels and the univariate problems bundled with aeon, then the UEA
problems of ``--datasets-dir`` if present): fit the default classifier (``LightWaveSClassifier(random_state=0)``:
MiniRocket family, 500 features, with ``arith="float32"``: selection aware of the single-precision arithmetic;
``--variants`` adds others, e.g. ``H`` for the Hydra family), save it, export
it twice with ``board="mps2-an386"`` (``f64``: double arithmetic, the default; ``a32``: ``--arith float32``,
single-precision features, standardisation and scores, which the M4F's FPU runs in hardware), and build each
with ``arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard -Os -std=c99 -Wall -Wextra
-Werror -pedantic`` (the a32 build also with ``-Wdouble-promotion``: no double arithmetic left). Then:

- flash: ``arm-none-eabi-size`` text + data of ``lightwaves_model.o`` (the model: code and tables), and of the
  whole firmware image (with the harness, newlib's stdio, strtod and the soft-float library);
- static RAM: data + bss of ``lightwaves_model.o`` (0: the model has no mutable global state) and of the image
  (newlib's buffers and the harness's input buffer);
- stack of one ``lw_predict`` call: measured by stack painting on the board (the deepest word written below
  the caller's stack pointer), and from ``-fstack-usage -fcallgraph-info=su`` (the deepest path of the call
  graph from ``lw_predict``; libgcc's soft-float routines are leaves outside the graph, a few words each);
  ``lw_predict`` keeps its work buffer, ``LW_WORK_LEN(LW_MAX_LENGTH)`` doubles, on the stack;
- instructions per prediction: QEMU with ``-icount shift=0`` (one instruction = 1 ns of virtual time) and the
  board's CMSDK timer 0 (25 MHz: one tick per 40 instructions) read before and after each ``lw_predict`` call,
  minus the two timer reads, over the first ``--cases`` test cases (mean; min and max in the log);
  the classes are checked against Python's (f64: the model; a32: ``load_predictor(path, arith="float32")``);
- accuracy on the whole test set (its values rounded to float32, what the C interface takes): the model in
  double, and the Python float32 engine (whose scores the a32 build reproduces bit for bit: the x86 a32 build
  is run on every test case and its classes compared);
- x86-64: median single ``lw_predict`` call of both exports built with ``cc -O2`` (no ``-march=native``;
  benchmarks/bench_export.py's harness; on x86-64 Linux the vectorised loops also carry AVX2 clones picked at
  load time), of ``Predictor.predict`` on one case (``load_predictor``, numba engine, one thread) and of aeon's
  ``MiniRocketClassifier`` (``random_state=0``, one case per ``predict``; unequal-length data zero-padded).

The reference point (``--reference``, on by default): a MiniRocket-sized model of the MiniRocket family on
BasicMotions, ``LightWaveSClassifier(n_features=9996, rocket_budget=10000, selection="random")``, exported and
measured the same way. Writes the table to ``benchmarks/results/edge.md``.
"""

import os

os.environ["NUMBA_NUM_THREADS"] = "1"  # before numba is imported: one thread everywhere

import argparse  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import shlex  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_export import c_build, cases_f32, csv_text, single_case_latency  # noqa: E402
from bench_peers import AEON_DATASETS, AEON_UNIVARIATE, DEFAULT_DATASETS_DIR, load_dataset, make_estimator  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "benchmarks" / "results" / "edge.md"
M4 = ["-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"]
ARM_FLAGS = [*M4, "-Os", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]
QEMU = ["qemu-system-arm", "-M", "mps2-an386", "-nographic", "-monitor", "none", "-serial", "none",
        "-icount", "shift=0", "-semihosting-config", "enable=on,target=native", "-kernel"]
INSNS_PER_TICK = 40  # -icount shift=0: 1 ns per instruction; the CMSDK timer runs at 25 MHz
#: issue #23's targets
FLASH_TARGET, FLASH_TARGET_FEW, RAM_TARGET, INSNS_TARGET = 128 * 1024, 64 * 1024, 32 * 1024, 1.5e6

#: the exported main.c's read_case, a timer read around each lw_predict call, stack painting below the caller
HARNESS = r"""
#define main lw_main_unused
#include "main.c"
#undef main

#define LW_TIMER ((volatile unsigned long *)0x40000000u)  /* CMSDK APB timer 0: CTRL, VALUE, RELOAD (down) */
#define LW_PAINT_WORDS (1u << 18)                         /* 1 MiB below the caller's stack pointer */
#define LW_PATTERN 0xA5C3E187u

static __attribute__((noinline)) unsigned long lw_sp(void)
{
    unsigned long sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

static __attribute__((noinline)) int lw_timed(int n, unsigned long *ticks)
{
    unsigned long a, b;
    int r;
    a = LW_TIMER[1];
    r = lw_predict(values, LW_N_CHANNELS, n, NULL);
    b = LW_TIMER[1];
    *ticks = a - b;
    return r;
}

int main(void)
{
    long count;
    unsigned long a, b, ticks, sp, i;
    volatile unsigned long *low;
    int label;
    LW_TIMER[0] = 0;
    LW_TIMER[2] = 0xFFFFFFFFu;
    LW_TIMER[1] = 0xFFFFFFFFu;
    LW_TIMER[0] = 1;
    a = LW_TIMER[1];
    b = LW_TIMER[1];
    printf("baseline %lu\n", a - b);
    while ((count = read_case()) != -1) {
        if (count <= 0)
            continue;
        sp = lw_sp();
        low = (volatile unsigned long *)(sp - 4u * LW_PAINT_WORDS);
        for (i = 0; i < LW_PAINT_WORDS - 64u; ++i)
            low[i] = LW_PATTERN;
        label = lw_timed((int)(count / LW_N_CHANNELS), &ticks);
        for (i = 0; i < LW_PAINT_WORDS - 64u && low[i] == LW_PATTERN; ++i)
            ;
        printf("%d %lu %lu\n", label, ticks, 4u * (LW_PAINT_WORDS - i));
    }
    return 0;
}
"""


def sh(cmd, **kw):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed:\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}")
    return r


def size(path):
    """(text, data, bss) bytes of an object or image (arm-none-eabi-size)."""
    return tuple(int(v) for v in sh(["arm-none-eabi-size", path]).stdout.splitlines()[1].split()[:3])


def callgraph_stack(ci: Path, root="lw_predict") -> int:
    """Deepest stack of a path from ``root`` in a -fcallgraph-info=su graph (nodes outside it count 0)."""
    text = ci.read_text()
    frame, edges = {}, {}
    for title, label in re.findall(r'node: \{ title: "([^"]+)" label: "([^"]*)"', text):
        m = re.search(r"\\n(\d+) bytes", label)
        frame[title] = int(m.group(1)) if m else 0
    for src, dst in re.findall(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"', text):
        edges.setdefault(src, set()).add(dst)

    def deepest(node, seen=()):
        if node in seen:
            raise ValueError(f"recursion through {node}")
        return frame.get(node, 0) + max((deepest(d, seen + (node,)) for d in edges.get(node, ())), default=0)

    return deepest(root)


def board_build(model_path, out: Path, arith: str, max_length: int):
    """Export with the board files, build the model object and the harness image; their sizes and stack."""
    from lightwaves.export_c import export_c

    export_c(model_path, out, max_length=max_length, board="mps2-an386", arith=arith)
    obj = out / "lightwaves_model.o"
    strict = ["-Wdouble-promotion"] if arith == "float32" else []
    r = sh(["arm-none-eabi-gcc", *ARM_FLAGS, *strict, "-fstack-usage", "-fcallgraph-info=su", "-c",
            out / "lightwaves_model.c", "-o", obj])
    if r.stderr.strip():
        raise RuntimeError(f"warnings:\n{r.stderr}")
    (out / "harness.c").write_text(HARNESS)
    elf = out / "harness.elf"
    r = sh(["arm-none-eabi-gcc", *ARM_FLAGS, "--specs=rdimon.specs", "-T", out / "mps2_an386.ld",
            out / "startup_mps2_an386.c", out / "harness.c", obj, "-lm", "-o", elf])
    if r.stderr.strip():
        raise RuntimeError(f"warnings:\n{r.stderr}")
    return dict(obj=size(obj), elf=size(elf), stack_static=callgraph_stack(out / "lightwaves_model.ci")), elf


def board_run(elf: Path, cases):
    """Class index, instructions and stack bytes of each case's lw_predict call on the board."""
    out = sh(QEMU + [elf], input=csv_text(cases), timeout=3600).stdout.splitlines()
    baseline = int(out[0].split()[1])
    rows = np.array([[int(v) for v in line.split()] for line in out[1:] if line.strip()])
    return rows[:, 0], (rows[:, 1] - baseline) * INSNS_PER_TICK, rows[:, 2]


def measure(name, clf, ds, args, tmp: Path, label, display):
    from lightwaves.model_io import load_predictor, save, training_metadata

    cases = cases_f32(ds.X_test)
    longest = max(x.shape[-1] for x in list(ds.X_train) + list(ds.X_test))
    path = tmp / f"{label}.lwz"
    save(clf, path, metadata=training_metadata(ds.X_train, ds.y_train, dataset=name))
    pred = load_predictor(path, arith="float64")  # the model's own arithmetic is float32: Python's is double
    pred32 = load_predictor(path, arith="float32")
    X32 = [c.astype(np.float64) for c in cases]
    X32 = np.stack(X32) if isinstance(ds.X_test, np.ndarray) else X32
    py = {"f64": pred.predict(X32), "a32": pred32.predict(X32)}
    py_idx = {b: np.searchsorted(clf.classes_, v) for b, v in py.items()}
    few = cases[: args.cases]
    row = dict(dataset=name, label=display, classes=len(clf.classes_), n_features=clf.n_features_out_,
               channels=f"{len(clf.selected_channels_)}/{clf.n_channels_in_}", length=longest, n_cases=len(few),
               acc_f64=float(np.mean(py["f64"] == ds.y_test)), acc_a32=float(np.mean(py["a32"] == ds.y_test)),
               differ=int(np.sum(py["f64"] != py["a32"])), n_test=len(cases))
    for build, arith in (("f64", "float64"), ("a32", "float32")):
        sizes, elf = board_build(path, tmp / f"{label}-{build}", arith, longest)
        t0 = time.perf_counter()
        idx, insns, stack = board_run(elf, few)
        row[f"{build}_qemu_s"] = time.perf_counter() - t0
        row[f"{build}_same"] = bool(np.array_equal(idx, py_idx[build][: len(few)]))
        row.update({f"{build}_{k}": v for k, v in sizes.items()})
        row[f"{build}_insns"], row[f"{build}_insns_min"], row[f"{build}_insns_max"] = \
            float(insns.mean()), int(insns.min()), int(insns.max())
        row[f"{build}_stack"] = int(stack.max())
        idx, lat, _, _, _, _ = c_build(path, tmp / f"{label}-x86-{build}", cases, False, longest, args.cflags,
                                       arith=arith)
        row[f"x86_{build}_same"] = bool(np.array_equal(idx, py_idx[build]))
        row[f"x86_{build}_s"] = lat
    row["py_s"] = single_case_latency(pred.predict, ds.X_test, args.calls)
    if args.minirocket:  # aeon's MiniRocket (9,996 features), one case per predict call, in the same run
        X_train, X_test = ds.padded()
        mr = make_estimator("minirocket").fit(X_train, ds.y_train)
        row["mr_s"] = single_case_latency(mr.predict, X_test, args.calls)
    return row


COLUMNS = ("dataset", "model", "features", "classes", "channels read", "length",
           "flash KB model f64 / a32", "flash KB image a32", "static RAM B model / KB image",
           "stack KB a32 measured / static (f64)", "M insns / prediction f64 / a32", "ms at 64 MHz a32 (1 insn/cycle)",
           "x86 C us f64 / a32", "Python us", "MiniRocket us (÷ C f64)", "accuracy f64 / a32 (cases differing)",
           "classes = Python's (board f64, a32; x86 f64, a32)", "flash target", "RAM target")


def kb(v):
    return f"{v / 1024:.1f}"


def yes(v):
    return "yes" if v else "NO"


def format_row(r):
    obj64, obj32, elf = r["f64_obj"], r["a32_obj"], r["a32_elf"]
    flash64, flash32 = obj64[0] + obj64[1], obj32[0] + obj32[1]
    target = FLASH_TARGET_FEW if r["classes"] <= 6 else FLASH_TARGET
    ram32 = obj32[1] + obj32[2] + r["a32_stack"]
    return "| " + " | ".join([
        r["dataset"], r["label"], str(r["n_features"]), str(r["classes"]), r["channels"], str(r["length"]),
        f"{kb(flash64)} / {kb(flash32)}", kb(elf[0] + elf[1]), f"{obj32[1] + obj32[2]} / {kb(elf[1] + elf[2])}",
        f"{kb(r['a32_stack'])} / {kb(r['a32_stack_static'])} ({kb(r['f64_stack'])})",
        f"{r['f64_insns'] / 1e6:.2f} / {r['a32_insns'] / 1e6:.3f}", f"{r['a32_insns'] / 64e3:.1f}",
        f"{r['x86_f64_s'] * 1e6:.1f} / {r['x86_a32_s'] * 1e6:.1f}", f"{r['py_s'] * 1e6:.1f}",
        f"{r['mr_s'] * 1e6:.0f} ({r['mr_s'] / r['x86_f64_s']:.0f}×)" if "mr_s" in r else "—",
        f"{r['acc_f64']:.4f} / {r['acc_a32']:.4f} ({r['differ']} of {r['n_test']})",
        f"{yes(r['f64_same'])}, {yes(r['a32_same'])} ({r['n_cases']}); {yes(r['x86_f64_same'])}, "
        f"{yes(r['x86_a32_same'])} ({r['n_test']})",
        f"{'meets' if flash32 <= target else 'misses'} {kb(target)}",
        f"{'meets' if ram32 <= RAM_TARGET else 'misses'} 32 ({kb(ram32)})",
    ]) + " |"


def summarise(rows) -> str:
    """The issue's targets, against the measured rows."""
    lines = []
    models = [r for r in rows if "reference" not in r["label"]]
    if models:
        worst = max(models, key=lambda r: r["a32_insns"])
        lines.append(f"- Classes on the board = Python's on every case run: f64 {yes(all(r['f64_same'] for r in rows))}, "
                     f"a32 (vs the Python float32 engine) {yes(all(r['a32_same'] for r in rows))}; x86 builds = "
                     f"Python's on every test case: f64 {yes(all(r['x86_f64_same'] for r in rows))}, a32 "
                     f"{yes(all(r['x86_a32_same'] for r in rows))}.")
        same_acc = [r for r in models if r["acc_f64"] == r["acc_a32"]]
        lines.append(f"- float32 accuracy = float64 accuracy (same float32 test values): {len(same_acc)} of "
                     f"{len(models)} models; cases whose class differs: "
                     + ", ".join(f"{r['dataset']} {r['label']} {r['differ']}" for r in models if r["differ"])
                     + (" (none)" if not any(r["differ"] for r in models) else "") + ".")
        lines.append(f"- Instructions per prediction, a32 (hardware float): {min(r['a32_insns'] for r in models) / 1e6:.2f} M "
                     f"to {worst['a32_insns'] / 1e6:.2f} M ({worst['dataset']} {worst['label']}); f64 (soft-float) "
                     f"is {min(r['f64_insns'] / r['a32_insns'] for r in models):.1f}x to "
                     f"{max(r['f64_insns'] / r['a32_insns'] for r in models):.1f}x more.")
        for r in models:
            if r["dataset"] == "BasicMotions" and r["label"] == "default":
                lines.append(f"- BasicMotions (6 x 100): {r['a32_insns'] / 1e6:.3f} M instructions per prediction "
                             f"(a32) against the target of 1.5 M: {'met' if r['a32_insns'] <= INSNS_TARGET else 'missed'} "
                             f"({r['a32_insns'] / INSNS_TARGET:.2f}x the target).")
        for label in dict.fromkeys(r["label"] for r in models):
            fast = [r for r in models if "mr_s" in r and r["label"] == label]
            if fast:
                low = min(fast, key=lambda r: r["mr_s"] / r["x86_f64_s"])
                lines.append(f"- x86 C (-O2) against aeon's MiniRocket (one case, Python), {label} models: f64 at least "
                             f"{low['mr_s'] / low['x86_f64_s']:.0f}x faster ({low['dataset']}; target 10x), a32 at "
                             f"least {min(r['mr_s'] / r['x86_a32_s'] for r in fast):.0f}x.")
        slow = [f"{r['dataset']} {r['label']}" for r in models if r["x86_f64_s"] > r["py_s"]]
        lines.append(f"- x86 C (-O2, f64) at most Python's latency: {len(models) - len(slow)} of {len(models)}"
                     + (f" (slower: {', '.join(slow)})" if slow else "") + ".")
        short = [r for r in models if r["length"] <= 1000]
        flash_ok = [r["dataset"] for r in short if "meets" in format_row(r).split(" | ")[-2]]
        ram_ok = [r["dataset"] for r in short if "meets" in format_row(r).split(" | ")[-1]]
        lines.append(f"- Series up to length 1,000 ({len(short)} models): flash target met by {len(flash_ok)}, "
                     f"RAM target (stack included) by {len(ram_ok)}.")
    ref = next((r for r in rows if "reference" in r["label"]), None)
    base = next((r for r in models if r["dataset"] == (ref or {}).get("dataset") and r["label"] == "default"), None)
    if ref and base:
        f_ref = ref["a32_obj"][0] + ref["a32_obj"][1]
        for r in [base] + [r for r in models if r["dataset"] == ref["dataset"] and "detach_cost" in r["label"]]:
            f_r = r["a32_obj"][0] + r["a32_obj"][1]
            lines.append(f"- Against the MiniRocket-sized reference ({ref['n_features']} features, {ref['dataset']}), "
                         f"both in a32, the {r['label']} model: flash {f_ref / f_r:.1f}x below, instructions "
                         f"{ref['a32_insns'] / r['a32_insns']:.1f}x below, stack {ref['a32_stack'] / r['a32_stack']:.1f}x "
                         f"below (target: 10x for flash and instructions).")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", help="comma-separated names (default: the aeon ones, then --datasets-dir's)")
    ap.add_argument("--datasets-dir", type=Path, default=DEFAULT_DATASETS_DIR)
    ap.add_argument("--cases", type=int, default=10, help="test cases run on the board per model (default 10)")
    ap.add_argument("--calls", type=int, default=200, help="single-case Python calls timed (default 200)")
    ap.add_argument("--cflags", default="-O2", help="x86 build of the C latency harness (default -O2)")
    ap.add_argument("--variants", default="",
                    help="comma-separated variants fitted beside the default on every dataset (e.g. H,MR+H)")
    ap.add_argument("--variant-datasets", default="",
                    help="comma-separated datasets the --variants run on (default: every dataset)")
    ap.add_argument("--detach-costs", default="",
                    help="comma-separated detach_cost values: the default refitted with each, on the "
                         "--variant-datasets (rows 'default, detach_cost=x')")
    ap.add_argument("--no-minirocket", dest="minirocket", action="store_false",
                    help="skip timing aeon's MiniRocket on each dataset")
    ap.add_argument("--no-reference", dest="reference", action="store_false",
                    help="skip the MiniRocket-sized (9,996 features) reference model")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    missing = [t for t in ("arm-none-eabi-gcc", "arm-none-eabi-size", "qemu-system-arm") if not shutil.which(t)]
    if missing:
        sys.exit(f"missing {', '.join(missing)}: run `make setup-edge`")

    from lightwaves import LightWaveSClassifier

    extra = sorted(p.name for p in args.datasets_dir.iterdir() if (p / f"{p.name}_TEST.ts").is_file()) \
        if args.datasets_dir.is_dir() else []
    names = args.datasets.split(",") if args.datasets else [*AEON_DATASETS, *AEON_UNIVARIATE, *extra]
    # models for a single-precision device: fitted with arith="float32" (selection aware of the arithmetic)
    jobs = [(n, "default", dict(arith="float32")) for n in names]
    vnames = args.variant_datasets.split(",") if args.variant_datasets else names
    jobs += [(n, v, dict(variant=v, arith="float32")) for n in vnames for v in args.variants.split(",") if v]
    jobs += [(n, f"default, detach_cost={c}", dict(detach_cost=float(c), arith="float32"))
             for n in vnames for c in args.detach_costs.split(",") if c]
    if args.reference:
        jobs.append(("BasicMotions", "MR 9996 (reference)",
                     dict(n_features=9996, rocket_budget=10000, selection="random", arith="float32")))
    header = "| " + " | ".join(COLUMNS) + " |\n|" + "---|" * len(COLUMNS)
    print(header, flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, label, kw in jobs:
            ds = load_dataset(name, args.datasets_dir)
            if ds is None:
                print(f"{name}: not found, skipped", file=sys.stderr)
                continue
            clf = LightWaveSClassifier(random_state=0, **kw).fit(ds.X_train, ds.y_train)
            r = measure(name, clf, ds, args, Path(tmp), re.sub(r"\W+", "_", f"{name}_{label}"), label)
            rows.append(r)
            print(format_row(r), flush=True)
            print(f"  {name} {label}: insns a32 min {r['a32_insns_min']} max {r['a32_insns_max']}; QEMU "
                  f"{r['f64_qemu_s']:.1f} s + {r['a32_qemu_s']:.1f} s for {r['n_cases']} cases", file=sys.stderr,
                  flush=True)
    summary = summarise(rows)
    print(summary, flush=True)
    commit = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    cmd = shlex.join(["benchmarks/bench_edge.py", *(argv if argv is not None else sys.argv[1:])])
    qemu = sh(["qemu-system-arm", "--version"]).stdout.splitlines()[0]
    gcc = sh(["arm-none-eabi-gcc", "--version"]).stdout.splitlines()[0]
    text = (f"# The exported C model on a Cortex-M4F (QEMU mps2-an386)\n\n`{cmd}` at {commit}, "
            f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.machine()} ({platform.processor() or '?'}),"
            f" {gcc}, {qemu}. What each column measures: the docstring of benchmarks/bench_edge.py. "
            "f64: double arithmetic (soft-float on the M4F); a32: `--arith float32` (single precision: the "
            "FPU). Targets (issue #23): flash of the a32 model object within 128 KB (64 KB with at most 6 "
            "classes); RAM (static data + bss of the model, and the measured stack of `lw_predict`, its work "
            "buffer included) within 32 KB; 1.5 M instructions per prediction on BasicMotions.\n\n" + header + "\n"
            + "\n".join(format_row(r) for r in rows) + "\n\n" + summary + "\n")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
