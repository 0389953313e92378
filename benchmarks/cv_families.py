"""Cross-validated comparison of feature families, pooling operators and selections, on training data only.

Stratified k-fold CV (5 folds; fewer when a class has fewer training cases) on the *training* split of
BasicMotions, JapaneseVowels, every dataset in ../shared/datasets and the univariate ArrowHead, GunPoint,
ItalyPowerDemand, ACSF1 and OSULeaf (aeon bundles them; runs before 2026-11-30 used the first three).
Every configuration sees the same folds; aeon's MiniRocket (9,996 features, on JapaneseVowels aeon's
equal-length copy of the same cases) is run on them too as the reference. The test splits are never
read, so choosing a configuration from this table does not tune on the numbers reported by
bench_peers.py.

    .venv/bin/python benchmarks/cv_families.py [--folds 5] [--configs paper,mr-sfd] [--datasets NATOPS]
        [--seeds 1] [--out benchmarks/results/cv_families.md]

With ``--seeds N`` every model (LightWaveS and MiniRocket) is fitted with ``random_state`` 0..N-1 on the
same folds and the table shows the mean over seeds, so a difference between configurations is not the
luck of one draw of kernels' channels and biases.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
from cv_distinct import take  # benchmarks/ is on sys.path when this script runs
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parents[1]

#: name -> (label, LightWaveSClassifier parameters). The configurations measured before ``bias_cases=5`` became
#: the default (2026-11-30) pin ``bias_cases=1``, and those measured before ``components="auto"`` did pin
#: ``components=0``, so their recorded results stay reproducible.
CONFIGS = {
    "paper": ("paper L1L2 (ANOVA→mRMR)", dict(variant="L1L2")),
    "mr-mrmr": ("MR, ANOVA→mRMR", dict(variant="MR", components=0, bias_cases=1, selection="mrmr")),
    "mr-random": ("MR, random 500", dict(variant="MR", components=0, bias_cases=1, selection="random")),
    "mr-sfd": ("MR, SFD", dict(variant="MR", components=0, bias_cases=1, selection="detach")),
    "mr-mp-sfd": ("MR + MultiRocket pooling, SFD", dict(variant="MR", components=0, bias_cases=1,
                                                        selection="detach", pooling="multirocket",
                                                        rocket_budget=2500)),
    "mr-mp-diff-sfd": ("MR + MP + diff, SFD", dict(variant="MR", components=0, bias_cases=1, selection="detach",
                                                   pooling="multirocket", diff=True, rocket_budget=2500)),
    "mr-diff-sfd": ("MR + diff, SFD", dict(variant="MR", components=0, bias_cases=1, selection="detach",
                                           diff=True, rocket_budget=5000)),
    "both-sfd": ("paper + MR, SFD", dict(variant="L1L2+MR", components=0, bias_cases=1, selection="detach")),
    "mr-sfd-s10": ("MR, SFD 10% steps", dict(variant="MR", components=0, bias_cases=1, selection="detach",
                                             detach_step=0.1)),
    "mr-mp5k-sfd": ("MR + MP (budget 5,000), SFD", dict(variant="MR", components=0, bias_cases=1,
                                                          selection="detach", pooling="multirocket",
                                                          rocket_budget=5000)),
    # since 2026-11-30 (fifth session) pooling and diff apply to the paper's family too
    "both-mp-sfd": ("paper + MR, both with MP, SFD", dict(variant="L1L2+MR", components=0, bias_cases=1,
                                                          selection="detach", pooling="multirocket",
                                                          rocket_budget=2500)),
    "mr-20k-sfd": ("MR (budget 20,000), SFD", dict(variant="MR", components=0, bias_cases=1, rocket_budget=20_000)),
    "mr-5k-sfd": ("MR (budget 5,000), SFD", dict(variant="MR", components=0, bias_cases=1, rocket_budget=5000)),
    "mr-mp10k-sfd": ("MR + MP (budget 10,000), SFD", dict(variant="MR", components=0, bias_cases=1, selection="detach",
                                                            pooling="multirocket", rocket_budget=10_000)),
    # the ridge's LOO picks alpha = 1e-3, the grid's smallest, on 12 of 13 training sets: extend it down
    "mr-alpha-lo": ("MR, ridge alphas 1e-6..1e3",
                    dict(variant="MR", components=0, bias_cases=1, alphas=np.logspace(-6, 3, 19))),
    "mr-bias5": ("MR, biases from 5 cases", dict(variant="MR", components=0, bias_cases=5)),
    "mr-bias10": ("MR, biases from 10 cases", dict(variant="MR", components=0, bias_cases=10)),
    "mr-bias3": ("MR, biases from 3 cases", dict(variant="MR", components=0, bias_cases=3)),
    "mr-bias7": ("MR, biases from 7 cases", dict(variant="MR", components=0, bias_cases=7)),
    "mr-bias20": ("MR, biases from 20 cases", dict(variant="MR", components=0, bias_cases=20)),
    "mr-bias10-20k": ("MR (budget 20,000), biases from 10 cases",
                      dict(variant="MR", components=0, bias_cases=10, rocket_budget=20_000)),
    "mr-bias10-mp5k": ("MR + MP (budget 5,000), biases from 10 cases",
                       dict(variant="MR", components=0, bias_cases=10, pooling="multirocket", rocket_budget=5000)),
    "mr-bias10-s15": ("MR, biases from 10 cases, SFD 15% steps",
                      dict(variant="MR", components=0, bias_cases=10, detach_step=0.15)),
    # with bias_cases=5, the default since 2026-11-30
    "mr": ("MR (biases from 5 cases, no components)", dict(variant="MR", components=0)),
    "mr-s15": ("MR, SFD 15% steps", dict(variant="MR", components=0, detach_step=0.15)),
    "mr-mp": ("MR + MultiRocket pooling", dict(variant="MR", components=0, pooling="multirocket", rocket_budget=2500)),
    "mr-mp5k": ("MR + MultiRocket pooling (budget 5,000)",
                dict(variant="MR", components=0, pooling="multirocket", rocket_budget=5000)),
    "mr-20k": ("MR (budget 20,000)", dict(variant="MR", components=0, rocket_budget=20_000)),
    # more features than the default's 500: what an accuracy-first setting would buy
    "paper-mp": ("paper L1L2 + MultiRocket pooling", dict(variant="L1L2", pooling="multirocket")),
    "paper-diff": ("paper L1L2 + diff", dict(variant="L1L2", diff=True)),
    "paper-mp-diff": ("paper L1L2 + MP + diff", dict(variant="L1L2", pooling="multirocket", diff=True)),
    "paper-sfd": ("paper L1L2, SFD", dict(variant="L1L2", selection="detach")),
    "paper-mp-diff-sfd": ("paper L1L2 + MP + diff, SFD", dict(variant="L1L2", pooling="multirocket", diff=True,
                                                             selection="detach")),
    "mr-pc4": ("MR + 4 principal components (components=4)", dict(variant="MR", components=4)),
    "mr-pc8": ("MR + 8 principal components (components=8)", dict(variant="MR", components=8)),
    "mr-pc32": ("MR + up to 32 principal components (components=32)", dict(variant="MR", components=32)),
    # with principal components (components="auto"), the default since 2026-11-30 (seventh session)
    "mr-pc": ("MR + principal components (default)", dict(variant="MR")),
    "mr-copies": ("MR, affine copies kept (distinct_candidates=False)",
                  dict(variant="MR", components=0, distinct_candidates=False)),
    "mr-750": ("MR, 750 features", dict(variant="MR", components=0, n_features=750)),
    "mr-1000": ("MR, 1,000 features", dict(variant="MR", components=0, n_features=1000)),
    # issue #22: the budget chosen by the data (leave-one-out error on the detachment path, 1-SE rule)
    "mr-auto": ("MR + principal components, n_features='auto'", dict(variant="MR", n_features="auto")),
    # issue #22, part 3: the default's open options, re-settled (on univariate data above all)
    "default-diff": ("default + first differences (diff=True)", dict(diff=True)),
    "default-bias1": ("default, biases from 1 case (MiniRocket's rule)", dict(bias_cases=1)),
    "default-bias10": ("default, biases from 10 cases", dict(bias_cases=10)),
    # issue #23: detachment weighing the inference cost (fewer convolutions per model)
    "default-cost25": ("default, detach_cost=0.25", dict(detach_cost=0.25)),
    "default-cost50": ("default, detach_cost=0.5", dict(detach_cost=0.5)),
}
UNIVARIATE = ("ArrowHead", "GunPoint", "ItalyPowerDemand", "ACSF1", "OSULeaf")


def table_head(first: str, columns) -> list[str]:
    """The header and rule lines of a markdown table."""
    return [f"| {first} | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]


def write_report(out: Path, lines) -> None:
    """Print the report and write it to ``out``."""
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)


def load_training_sets(datasets_dir: Path, only=None, ucr_too=False):
    """(name, X, y, X for MiniRocket) of every training split; the last is equal length."""
    from aeon.datasets import load_classification, load_from_ts_file

    names = ["BasicMotions", "JapaneseVowels"]
    if datasets_dir.is_dir():
        names += sorted(p.name for p in datasets_dir.iterdir() if (p / f"{p.name}_TRAIN.ts").exists())
    names += list(UNIVARIATE)
    ucr = datasets_dir / "ucr"
    if ucr_too and ucr.is_dir():  # the univariate UCR problems, as tab-separated files (label first)
        for p in sorted(ucr.iterdir()):
            f = p / f"{p.name}_TRAIN.tsv"
            if f.exists() and (not only or p.name in only):
                a = np.loadtxt(f, delimiter="\t")
                X = a[:, None, 1:]
                if np.isnan(X).any():  # unequal lengths (NaN-padded): a list for LightWaveS, padded for
                    X_eq = np.nan_to_num(X)  # MiniRocket, which needs equal lengths (zeros, as aeon's _eq sets)
                    X = [row[:, ~np.isnan(row[0])] for row in X]
                else:
                    X_eq = X
                yield p.name, X, a[:, 0].astype(int).astype(str), X_eq
    for name in names:
        if ucr_too == "only" or (only and name not in only):
            continue
        path = datasets_dir / name / f"{name}_TRAIN.ts"
        X, y = load_from_ts_file(str(path)) if path.exists() else load_classification(name, split="train")
        X_eq = X
        if name == "JapaneseVowels":
            X_eq, y_eq = load_classification("JapaneseVowels_eq", split="train")
            assert (y_eq == y).all()
        yield name, X, y, X_eq


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets-dir", type=Path, default=ROOT.parent / "shared" / "datasets")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--datasets", default="")
    ap.add_argument("--no-minirocket", action="store_true")
    ap.add_argument("--ucr", choices=("no", "also", "only"), default="no",
                    help="also (or only) the univariate UCR problems of <datasets-dir>/ucr (.tsv)")
    ap.add_argument("--seeds", type=int, default=1, help="random_state 0..N-1 for every model; means reported")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "cv_families.md")
    args = ap.parse_args(argv)

    from aeon.classification.convolution_based import MiniRocketClassifier

    from lightwaves import LightWaveSClassifier

    warnings.filterwarnings("ignore", message="only .* usable features exist")
    configs = [c for c in args.configs.split(",") if c]
    methods = configs + ([] if args.no_minirocket else ["minirocket"])
    only = set(args.datasets.split(",")) - {""}
    acc, fit_s, convs = {}, {}, {}
    start = time.perf_counter()
    names = []
    for name, X, y, X_eq in load_training_sets(args.datasets_dir, only, {"no": False, "also": True, "only": "only"}[args.ucr]):
        folds = min(args.folds, int(np.bincount(np.unique(y, return_inverse=True)[1]).min()))
        if folds < 2:  # a class with a single training case: stratified folds cannot hold it out
            print(f"  {name}: skipped (a class has one training case)", flush=True)
            continue
        names.append(name)
        cv = StratifiedKFold(folds, shuffle=True, random_state=0)
        for m in methods:
            acc[name, m], fit_s[name, m], convs[name, m] = [], [], []
        for train, test in cv.split(np.zeros(len(y)), y):
            for m in methods:
                for seed in range(args.seeds):
                    if m == "minirocket":
                        clf = MiniRocketClassifier(random_state=seed, n_jobs=1)
                        Xtr, Xte = take(X_eq, train), take(X_eq, test)
                    else:
                        clf = LightWaveSClassifier(random_state=seed, n_jobs=1, **CONFIGS[m][1])
                        Xtr, Xte = take(X, train), take(X, test)
                    t0 = time.perf_counter()
                    clf.fit(Xtr, y[train])
                    fit_s[name, m].append(time.perf_counter() - t0)
                    acc[name, m].append(float(np.mean(clf.predict(Xte) == y[test])))
                    if m != "minirocket":  # what a prediction computes: convolutions and Hydra groups
                        t = clf.transformer_
                        convs[name, m].append(t.rocket_.n_convolutions + t.hydra_.n_groups)
        print(f"  {name} ({folds} folds): "
              + ", ".join(f"{m} {np.mean(acc[name, m]):.3f}" for m in methods), flush=True)

    label = {m: CONFIGS[m][0] if m in CONFIGS else "aeon MiniRocket (9,996)" for m in methods}
    lines = [
        "# Feature families and selections: cross-validation on the training splits",
        "",
        f"`benchmarks/cv_families.py --configs {args.configs} --seeds {args.seeds}"
        f"{'' if args.ucr == 'no' else ' --ucr ' + args.ucr}` "
        f"({args.folds}-fold stratified CV, shuffled with seed 0, on the training splits only; "
        f"every LightWaveS model keeps 500 features unless its label says otherwise, n_jobs=1; models "
        f"fitted with random_state "
        f"{', '.join(map(str, range(args.seeds)))} on every fold and averaged; "
        f"{time.perf_counter() - start:.0f} s).",
        "",
        "Mean CV accuracy:",
        "",
        *table_head("dataset", [label[m] for m in methods]),
    ]
    for name in names:
        lines.append(f"| {name} | " + " | ".join(f"{np.mean(acc[name, m]):.3f}" for m in methods) + " |")
    means = {m: np.mean([np.mean(acc[n, m]) for n in names]) for m in methods}
    lines.append("| **mean** | " + " | ".join(f"**{means[m]:.3f}**" for m in methods) + " |")
    if "minirocket" in methods:
        row = []
        for m in methods:
            d = np.array([np.mean(acc[n, m]) - np.mean(acc[n, "minirocket"]) for n in names])
            row.append(f"{(d > 0.005).sum()}/{(np.abs(d) <= 0.005).sum()}/{(d < -0.005).sum()}, "
                       f"worst {d.min():+.3f}")
        lines.append("| wins/ties/losses vs MiniRocket (±0.005) | " + " | ".join(row) + " |")
    lines += ["", "Median fit time per fold (s; the first fit of a method includes numba compilation when its"
              " cache is cold):", "", *table_head("dataset", [label[m] for m in methods])]
    for name in names:
        lines.append(f"| {name} | " + " | ".join(f"{np.median(fit_s[name, m]):.2f}" for m in methods) + " |")
    lw = [m for m in methods if m != "minirocket"]
    lines += ["", "Mean convolutions per model (MiniRocket-family convolutions, plus Hydra groups of eight; the paper"
              " family's are not counted):", "", *table_head("dataset", [label[m] for m in lw])]
    for name in names:
        lines.append(f"| {name} | " + " | ".join(f"{np.mean(convs[name, m]):.0f}" for m in lw) + " |")
    lines.append("| **mean** | " + " | ".join(f"**{np.mean([np.mean(convs[n, m]) for n in names]):.0f}**"
                                           for m in lw) + " |")
    write_report(args.out, lines)


if __name__ == "__main__":
    main()
