"""Single-case latency of LightWaveS (default MR) and aeon's MiniRocket, calls interleaved.

On a shared machine, timing one method after the other lets a burst of load from other jobs fall on one
of them. Here each round predicts the same test case with LightWaveS, then with MiniRocket, so both see
the same load; the table gives the median of 300 rounds (after 10 untimed ones), numba on one thread.

    .venv/bin/python benchmarks/latency_interleaved.py ACSF1 OSULeaf ArrowHead NATOPS [--out FILE]
"""

import os

os.environ["NUMBA_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import datetime  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def load(name, datasets_dir):
    from aeon.datasets import load_classification, load_from_ts_file

    p = datasets_dir / name / f"{name}_TRAIN.ts"
    if p.exists():
        return load_from_ts_file(str(p)), load_from_ts_file(str(p).replace("_TRAIN", "_TEST"))
    return load_classification(name, split="train"), load_classification(name, split="test")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("datasets", nargs="+")
    ap.add_argument("--datasets-dir", type=Path, default=ROOT.parent / "shared" / "datasets")
    ap.add_argument("--rounds", type=int, default=300)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "latency_interleaved.md")
    args = ap.parse_args(argv)
    from aeon.classification.convolution_based import MiniRocketClassifier

    from lightwaves import LightWaveSClassifier

    warnings.filterwarnings("ignore")
    lines = ["| dataset | length | LightWaveS MR | MiniRocket | MiniRocket / MR |", "|---|---|---|---|---|"]
    for name in args.datasets:
        (X, y), (Xt, _) = load(name, args.datasets_dir)
        if isinstance(X, list):  # unequal length: MiniRocket needs equal length, skip
            continue
        lw = LightWaveSClassifier(random_state=0, n_jobs=1).fit(X, y)
        mr = MiniRocketClassifier(random_state=0, n_jobs=1).fit(X, y)
        a, b = [], []
        for i in range(args.rounds + 10):
            x = Xt[i % len(Xt)][None]
            t0 = time.perf_counter()
            lw.predict(x)
            t1 = time.perf_counter()
            mr.predict(x)
            t2 = time.perf_counter()
            if i >= 10:
                a.append(t1 - t0)
                b.append(t2 - t1)
        la, lb = np.median(a), np.median(b)
        lines.append(f"| {name} | {X.shape[2]} | {la * 1e6:.0f} µs | {lb * 1e6:.0f} µs | {lb / la:.1f}× |")
        print(lines[-1], flush=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=ROOT).stdout.strip()
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    text = (f"# Single-case latency, calls interleaved\n\n`benchmarks/latency_interleaved.py "
            f"{' '.join(args.datasets)}`, {when}, commit {commit}, load average at the end "
            f"{os.getloadavg()[0]:.1f}. Median of {args.rounds} rounds.\n\n" + "\n".join(lines) + "\n")
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
