"""Sanity check of the Hydra family (issue #22): 5-fold stratified CV on the *training* splits only, variant
"MR" (the default) against "MR+H" (the MiniRocket and Hydra families pooled, detachment across both), every
other parameter at its default, random_state 0. Not a benchmark: one seed, four problems. ``--configs H``
runs the Hydra family alone, ``--seeds 0,1,2`` averages models fitted with those random states (the same
folds); with ``PYTHONPATH`` set to another checkout's ``src`` it measures that version of the library.

    PYTHONPATH=src .venv/bin/python benchmarks/cv_hydra.py [--folds 5] [--datasets BasicMotions,...]
        [--configs MR,MR+H,H] [--seeds 0]
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold

UCR = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "ucr"
DATASETS = ("BasicMotions", "JapaneseVowels", "DistalPhalanxTW", "MedicalImages")
CONFIGS = {"MR": dict(variant="MR"), "MR+H": dict(variant="MR+H"), "H": dict(variant="H")}


def train_split(name):
    path = UCR / name / f"{name}_TRAIN.tsv"
    if path.exists():
        a = np.loadtxt(path, delimiter="\t")
        return a[:, None, 1:], a[:, 0].astype(np.int64)
    from lightwaves.data import read_aeon

    X, y, _ = read_aeon(f"aeon:{name}:train")
    return X, y


def take(X, idx):
    return X[idx] if isinstance(X, np.ndarray) else [X[i] for i in idx]


def main():
    from lightwaves import LightWaveSClassifier

    p = argparse.ArgumentParser()
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--datasets", default=",".join(DATASETS))
    p.add_argument("--configs", default="MR,MR+H", help=f"comma-separated, of {', '.join(CONFIGS)}")
    p.add_argument("--seeds", default="0", help="comma-separated random states, averaged (default 0)")
    args = p.parse_args()
    configs = {c: CONFIGS[c] for c in args.configs.split(",")}
    seeds = [int(s) for s in args.seeds.split(",")]
    warnings.filterwarnings("ignore", message="only .* usable features exist")
    print(f"| dataset | {' | '.join(f'{c} acc' for c in configs)} | {' | '.join(f'{c} s' for c in configs)} |")
    print("|---|" + "---|" * (2 * len(configs)))
    means = {c: [] for c in configs}
    for name in args.datasets.split(","):
        X, y = train_split(name)
        folds = list(StratifiedKFold(args.folds, shuffle=True, random_state=0).split(np.zeros(len(y)), y))
        acc, secs = {}, {}
        for key, params in configs.items():
            right, t0 = 0, time.perf_counter()
            for seed in seeds:
                for tr, te in folds:
                    clf = LightWaveSClassifier(random_state=seed, **params).fit(take(X, tr), y[tr])
                    right += int((clf.predict(take(X, te)) == y[te]).sum())
            acc[key], secs[key] = right / len(y) / len(seeds), time.perf_counter() - t0
            means[key].append(acc[key])
        print(f"| {name} | {' | '.join(f'{acc[c]:.3f}' for c in configs)} | "
              f"{' | '.join(f'{secs[c]:.0f}' for c in configs)} |", flush=True)
    print(f"| **mean** | {' | '.join(f'**{np.mean(means[c]):.3f}**' for c in configs)} | "
          + " | ".join("" for _ in configs) + " |")


if __name__ == "__main__":
    main()
