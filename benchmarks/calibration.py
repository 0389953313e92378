"""How well ``predict_proba`` is calibrated: log-loss and expected calibration error on the test splits.

For BasicMotions, JapaneseVowels and every dataset in ../shared/datasets, LightWaveS (the default
variant MR, or ``--variant``; ``random_state=0``) is fitted on the training split and its test
probabilities are scored three ways:

- **one-hot**: probability 1 for the predicted class (what a classifier without probabilities gives);
- **temperature** (lightwaves' ``predict_proba``): softmax of the ridge scores divided by a temperature
  fitted on the ridge's exact leave-one-out scores of the training cases, against Platt's smoothed
  targets (no extra fit);
- **CalibratedClassifierCV**: scikit-learn's sigmoid calibration with 5-fold cross-validation, i.e. five
  extra fits of LightWaveS (``ensemble=True``, its default).

Log-loss clips probabilities at 1e-15 (as scikit-learn's ``log_loss``). ECE is the top-label expected
calibration error over 10 equal-width confidence bins. Nothing is tuned on the test splits.

    .venv/bin/python benchmarks/calibration.py [--variant MR] [--datasets-dir ../shared/datasets] [--out FILE]
"""

from __future__ import annotations

import argparse
import datetime
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def load_sets(datasets_dir: Path):
    from lightwaves.data import read_dataset

    for name in ("BasicMotions", "JapaneseVowels"):
        yield name, read_dataset(f"aeon:{name}:train")[:2], read_dataset(f"aeon:{name}:test")[:2]
    if datasets_dir.is_dir():
        for d in sorted(p for p in datasets_dir.iterdir() if (p / f"{p.name}_TRAIN.ts").exists()):
            yield (d.name, read_dataset(d / f"{d.name}_TRAIN.ts")[:2], read_dataset(d / f"{d.name}_TEST.ts")[:2])


def ece(P, y_codes, bins=10) -> float:
    conf = P.max(axis=1)
    correct = P.argmax(axis=1) == y_codes
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(conf, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            total += m.mean() * abs(correct[m].mean() - conf[m].mean())
    return float(total)


def scores(P, y_codes):
    from sklearn.metrics import log_loss

    return log_loss(y_codes, np.clip(P, 1e-15, 1.0), labels=np.arange(P.shape[1])), ece(P, y_codes)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets-dir", type=Path, default=ROOT.parent / "shared" / "datasets")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "calibration.md")
    ap.add_argument("--variant", default="MR", help="LightWaveSClassifier variant (default MR, the default)")
    args = ap.parse_args(argv)

    from sklearn.calibration import CalibratedClassifierCV

    from lightwaves import LightWaveSClassifier

    warnings.filterwarnings("ignore", message="only .* usable features exist")
    lines = ["| dataset | accuracy | temperature | log-loss one-hot | log-loss temperature | log-loss "
             "CalibratedClassifierCV | ECE one-hot | ECE temperature | ECE CalibratedClassifierCV |",
             "|---|---|---|---|---|---|---|---|---|"]
    means = []
    start = time.perf_counter()
    for name, (X, y), (Xt, yt) in load_sets(args.datasets_dir):
        clf = LightWaveSClassifier(variant=args.variant, random_state=0).fit(X, y)
        codes = np.searchsorted(clf.classes_, yt)
        onehot = np.eye(len(clf.classes_))[np.searchsorted(clf.classes_, clf.predict(Xt))]
        cal = CalibratedClassifierCV(LightWaveSClassifier(variant=args.variant, random_state=0), method="sigmoid",
                                     cv=5).fit(X, y)
        row = [scores(onehot, codes), scores(clf.predict_proba(Xt), codes), scores(cal.predict_proba(Xt), codes)]
        means.append([v for pair in row for v in pair])
        acc = float(np.mean(clf.predict(Xt) == yt))
        lines.append(f"| {name} | {acc:.3f} | {clf.temperature_:.3g} | "
                     + " | ".join(f"{row[i][0]:.3f}" for i in range(3)) + " | "
                     + " | ".join(f"{row[i][1]:.3f}" for i in range(3)) + " |")
        print(lines[-1], flush=True)
    m = np.mean(means, axis=0)
    lines.append(f"| **mean** | | | {m[0]:.3f} | {m[2]:.3f} | {m[4]:.3f} | {m[1]:.3f} | {m[3]:.3f} | {m[5]:.3f} |")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=ROOT).stdout.strip()
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    text = (f"# Calibration of predict_proba\n\nRun of {when}, commit {commit}, "
            f"`{' '.join([Path(sys.executable).name, *sys.argv])}`, {time.perf_counter() - start:.0f} s.\n\n"
            + __doc__.split("\n\n", 1)[1].rsplit("\n\n", 1)[0] + "\n\n" + "\n".join(lines) + "\n")
    args.out.write_text(text)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
