"""Cross-validated effect of the distinct candidate pool (``distinct_candidates``), on training data only.

Stratified k-fold CV (5 folds; 3 for ERing's 30 training cases) on the *training* split of BasicMotions,
JapaneseVowels and every dataset in ../shared/datasets, for LightWaveS L1L2 with the paper's candidate pool
(``distinct_candidates=False``) and with the distinct pool (default). The test splits are never used, so
the comparison does not tune on the numbers reported by bench_peers.py.

    .venv/bin/python benchmarks/cv_distinct.py [--datasets-dir ../shared/datasets] [--folds 5]
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parents[1]


def load_training_sets(datasets_dir: Path):
    from aeon.datasets import load_classification, load_from_ts_file

    for name in ("BasicMotions", "JapaneseVowels"):
        yield name, *load_classification(name, split="train")
    if datasets_dir.is_dir():
        for d in sorted(p for p in datasets_dir.iterdir() if (p / f"{p.name}_TRAIN.ts").exists()):
            yield d.name, *load_from_ts_file(str(d / f"{d.name}_TRAIN.ts"))


def take(X, idx):
    return [X[i] for i in idx] if isinstance(X, list) else X[idx]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets-dir", type=Path, default=ROOT.parent / "shared" / "datasets")
    ap.add_argument("--folds", type=int, default=5)
    args = ap.parse_args(argv)

    from lightwaves import LightWaveSClassifier

    warnings.filterwarnings("ignore", message="only .* usable features exist")
    rows = []
    start = time.perf_counter()
    for name, X, y in load_training_sets(args.datasets_dir):
        folds = min(args.folds, int(np.bincount(np.unique(y, return_inverse=True)[1]).min()))
        cv = StratifiedKFold(folds, shuffle=True, random_state=0)
        acc = {False: [], True: []}
        n_feat = {False: [], True: []}
        for train, test in cv.split(np.zeros(len(y)), y):
            for distinct in (False, True):
                clf = LightWaveSClassifier(random_state=0, distinct_candidates=distinct)
                clf.fit(take(X, train), y[train])
                acc[distinct].append(clf.score(take(X, test), y[test]))
                n_feat[distinct].append(clf.n_features_out_)
        rows.append((name, folds, *(np.mean(acc[d]) for d in (False, True)),
                     *(np.mean(n_feat[d]) for d in (False, True))))
        print(f"  {name}: paper pool {rows[-1][2]:.3f}, distinct {rows[-1][3]:.3f}", flush=True)

    print(f"\nCV accuracy on the training splits ({time.perf_counter() - start:.0f} s)\n")
    print("| dataset | folds | paper pool | distinct pool | features (paper) | features (distinct) |")
    print("|---|---|---|---|---|---|")
    for name, folds, a0, a1, f0, f1 in rows:
        print(f"| {name} | {folds} | {a0:.3f} | {a1:.3f} | {f0:.0f} | {f1:.0f} |")
    m0, m1 = np.mean([r[2] for r in rows]), np.mean([r[3] for r in rows])
    print(f"| **mean** | | **{m0:.3f}** | **{m1:.3f}** | | |")


if __name__ == "__main__":
    main()
