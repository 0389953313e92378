"""Prototypes of accuracy ideas for the default model (variant="MR"), cross-validated on training splits only.

Each idea changes one step of the default's fit: the candidate pool (PPV over parts of a convolution's
output; the paper's second level on the family's convolutions; QUANT-style interval quantiles of the series
pooled with the MiniRocket-family pool; ROCKET-style max, min and argmax of each convolution; principal
components of the channels, or the channels negated, among the channels combinations draw from), the training
cases (augmented copies), the number of features kept, the candidates detachment starts from (near-duplicates
thinned), or how the final ridge scales the features. (The principal components became the library's
``components`` option; this prototype standardises them by their measured spread and signs them as the SVD
does, so its draws differ from the library's.)
The library does not offer these features, so this script computes them itself next to the library's own
pool (``lightwaves.families.rocket.features.fit_pool``, the kernels' ``conv_output`` and convolution: internals, on
purpose, as a prototype of features that are not there yet). ``default`` is the library's fit without
principal components (``components=0``, the default until they became one), step by step (pool, ANOVA
order with affine copies dropped, detachment to 500, ridge over ``logspace(-3, 3, 10)`` with the
leave-one-out alpha, here scikit-learn's ``RidgeClassifierCV``): it gives the same CV mean as
``benchmarks/cv_families.py --configs mr --seeds 3`` (0.908), per dataset within 0.002 (one prediction of
Libras and of RacketSports differ; the library's ridge solves from moments).

Folds are those of cv_families.py (stratified, shuffled with seed 0, on the training splits; the test splits
are never read); each (fold, seed) draws one pool that every idea shares.

    .venv/bin/python benchmarks/cv_pool_ideas.py [--ideas default,regions,scatter,quant,augment,fewer,scale,thin,
        extremes,components,components-all,signs]
        [--datasets NATOPS,ACSF1] [--seeds 3] [--out benchmarks/results/cv_pool_ideas.md]
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
from cv_distinct import take  # benchmarks/ is on sys.path when this script runs
from cv_families import load_training_sets, table_head, write_report
from numba import njit
from sklearn.linear_model import RidgeClassifierCV
from sklearn.model_selection import StratifiedKFold
from sklearn.utils import check_random_state

from lightwaves import selection
from lightwaves.families.spec import KERNEL_POSITIONS
from lightwaves.kernels import convolve, nine_tap_sum
from lightwaves.families.rocket.features import fit_pool, plan_for, quantiles
from lightwaves.families.rocket.kernels import conv_output, transform_rocket
from lightwaves.validation import CaseSource, channel_stats_chunks

ROOT = Path(__file__).resolve().parents[1]
K = 500
#: parts of a convolution's pooled region, as fractions of it (the first is the whole region: MiniRocket's PPV)
REGIONS = {
    "halves": [[0, 1], [0, 0.5], [0.5, 1]],
    "thirds": [[0, 1], [0, 1 / 3], [1 / 3, 2 / 3], [2 / 3, 1]],
}


# ---------------------------------------------------------------------------------------- candidates
@njit(cache=True)
def _pooled(data, start, n, mean, inv_sd, channels, diff, d, kernel, valid):
    """A convolution's full output and the region MiniRocket's padding alternation pools (valid or full)."""
    z = conv_output(data, start, n, mean, inv_sd, channels, diff, d, kernel)
    m = z.shape[0]
    lo, hi = (4 * d, m - 4 * d) if valid and m > 8 * d else (0, m)
    return z, lo, hi


@njit(cache=True)
def _region_ppv(data, offsets, lengths, mean, inv_sd, coff, cch, cdiff, cd, ck, f_start, bias, valid, parts, out):
    """PPV of each (convolution, bias) over each part of the pooled region (MiniRocket's: valid or full)."""
    n_parts = parts.shape[0]
    for i in range(offsets.shape[0]):
        for j in range(ck.shape[0]):
            z, lo, hi = _pooled(data, offsets[i], lengths[i], mean, inv_sd, cch[coff[j] : coff[j + 1]], cdiff[j],
                                cd[j], ck[j], valid[j])
            for q in range(f_start[j], f_start[j + 1]):
                for r in range(n_parts):
                    a = lo + int(parts[r, 0] * (hi - lo))
                    e = lo + int(parts[r, 1] * (hi - lo))
                    cnt = 0
                    for t in range(a, e):
                        cnt += z[t] > bias[q]
                    out[i, q * n_parts + r] = cnt / (e - a) if e > a else 0.0


def region_candidates(ctx, budget, regions):
    pool = pool_of(ctx, budget)
    parts = np.array(REGIONS[regions], dtype=np.float64)
    start = np.zeros(pool.n_convolutions + 1, np.int64)
    np.cumsum(np.bincount(pool.feature_conv, minlength=pool.n_convolutions), out=start[1:])
    out = []
    for coll in (ctx["train"], ctx["test"]):
        F = np.empty((coll.n_cases, pool.n_features * len(parts)))
        _region_ppv(coll.data, coll.offsets, coll.lengths, ctx["mean"], ctx["inv_sd"], pool.combo_offsets,
                    pool.combo_channels, pool.diff, pool.dilation, pool.kernel, start, pool.bias,
                    pool.valid[start[:-1]], parts, F)
        out.append(F)
    return out


@njit(cache=True)
def _level2(data, start, n, mean, inv_sd, channels, diff, d, kernel, pos):
    """The paper's second level on a MiniRocket-family convolution: |z| decimated by 2, convolved again
    with the same kernel and dilation (the library's zero-padded convolution)."""
    u = np.abs(conv_output(data, start, n, mean, inv_sd, channels, diff, d, kernel)[::2])
    m = u.shape[0]
    xp = np.zeros(m + 8 * d)
    xp[4 * d : 4 * d + m] = u
    acc = np.empty(m)
    w = np.empty(m)
    nine_tap_sum(xp, m, d, acc)
    convolve(xp, m, d, pos, acc, w)
    return w


@njit(cache=True)
def _level2_ppv(data, offsets, lengths, mean, inv_sd, coff, cch, cdiff, cd, ck, bias_start, bias, out):
    for i in range(offsets.shape[0]):
        for j in range(ck.shape[0]):
            w = _level2(data, offsets[i], lengths[i], mean, inv_sd, cch[coff[j] : coff[j + 1]], cdiff[j], cd[j],
                        ck[j], KERNEL_POSITIONS[ck[j]])
            for q in range(bias_start[j], bias_start[j + 1]):
                cnt = 0
                for t in range(w.shape[0]):
                    cnt += w[t] > bias[q]
                out[i, q] = cnt / w.shape[0] if w.shape[0] else 0.0


def scatter_candidates(ctx, budget):
    """The MR pool at ``budget`` and as many second-level PPVs: per convolution, the same number of biases
    at golden-ratio quantiles of the second-level outputs of 5 random training cases."""
    pool, *first = pool_values(ctx, budget)
    tr = ctx["train"]
    start = np.zeros(pool.n_convolutions + 1, np.int64)
    np.cumsum(np.bincount(pool.feature_conv, minlength=pool.n_convolutions), out=start[1:])
    q, bias, rng = quantiles(int(start[-1])), np.empty(int(start[-1])), np.random.RandomState(ctx["seed"])
    for j in range(pool.n_convolutions):
        outs = [_level2(tr.data, tr.offsets[c], tr.lengths[c], ctx["mean"], ctx["inv_sd"], pool.combo(j),
                        pool.diff[j], pool.dilation[j], pool.kernel[j], KERNEL_POSITIONS[pool.kernel[j]])
                for c in rng.permutation(tr.n_cases)[:5]]
        bias[start[j] : start[j + 1]] = np.quantile(np.concatenate(outs), q[start[j] : start[j + 1]])
    out = []
    for coll, F in zip((tr, ctx["test"]), first):
        G = np.empty((coll.n_cases, int(start[-1])))
        _level2_ppv(coll.data, coll.offsets, coll.lengths, ctx["mean"], ctx["inv_sd"], pool.combo_offsets,
                    pool.combo_channels, pool.diff, pool.dilation, pool.kernel, start, bias, G)
        out.append(np.hstack([F, G]))
    return out


def _intervals(length, depth=6):
    """QUANT's intervals: dyadic at depths 0..depth, and at each depth > 0 the same shifted by half."""
    out = []
    for level in range(depth + 1):
        n = 2**level
        if length // n < 1:
            break
        edges = np.linspace(0, length, n + 1).astype(int)
        out += list(zip(edges[:-1], edges[1:]))
        if level:
            h = (edges[1] - edges[0]) // 2
            out += [(a + h, b + h) for a, b in zip(edges[:-2], edges[1:-1])]
    return [(a, b) for a, b in out if b > a]


def quant_features(x, ref_length, div=4):
    """QUANT-style features of standardised cases ``x`` (..., channels, length): on the series and its
    first and second differences, 1 + (m - 1) // div quantiles of every interval (m: its length at
    ``ref_length``; intervals scale to shorter cases), every other one minus the interval's mean."""
    feats = []
    lead = x.shape[:-1]
    for r in (x, np.diff(x, 1, axis=-1), np.diff(x, 2, axis=-1)):
        n = r.shape[-1]
        ref = max(ref_length - (x.shape[-1] - n), 1)
        for a, b in _intervals(ref):
            lo = min(int(a * n / ref), max(n - 1, 0))
            seg = r[..., lo : max(int(b * n / ref), lo + 1)]
            q = np.moveaxis(np.quantile(seg, np.linspace(0, 1, 1 + (b - a - 1) // div), axis=-1), 0, -1)
            q[..., 1::2] -= seg.mean(axis=-1, keepdims=True)
            feats.append(q.reshape(*lead[:-1], -1))
    return np.concatenate(feats, axis=-1)


def quant_candidates(ctx):
    ref = int(ctx["train"].lengths.max())
    out = []
    for coll in (ctx["train"], ctx["test"]):
        xs = [(x - ctx["mean"][:, None]) * ctx["inv_sd"][:, None] for x in cases(coll)]
        if len({x.shape[1] for x in xs}) == 1:
            out.append(quant_features(np.stack(xs), ref))
        else:
            out.append(np.array([quant_features(x, ref) for x in xs]))
    return out


@njit(cache=True)
def _extremes(data, offsets, lengths, mean, inv_sd, coff, cch, cdiff, cd, ck, valid, out):
    """ROCKET-style pooling of every convolution over its pooled region: max, min and the argmax's
    relative position (bias-free, so one of each per convolution)."""
    for i in range(offsets.shape[0]):
        for j in range(ck.shape[0]):
            z, lo, hi = _pooled(data, offsets[i], lengths[i], mean, inv_sd, cch[coff[j] : coff[j + 1]], cdiff[j],
                                cd[j], ck[j], valid[j])
            if hi <= lo:
                out[i, 3 * j : 3 * j + 3] = 0.0
                continue
            seg = z[lo:hi]
            a = np.argmax(seg)
            out[i, 3 * j] = seg[a]
            out[i, 3 * j + 1] = seg.min()
            out[i, 3 * j + 2] = a / (hi - lo)


def extremes_candidates(ctx, budget=10_000):
    """The MR pool plus max, min and argmax position of each of its convolutions."""
    pool, *first = pool_values(ctx, budget)
    start = np.zeros(pool.n_convolutions + 1, np.int64)
    np.cumsum(np.bincount(pool.feature_conv, minlength=pool.n_convolutions), out=start[1:])
    out = []
    for coll, F in zip((ctx["train"], ctx["test"]), first):
        G = np.empty((coll.n_cases, 3 * pool.n_convolutions))
        _extremes(coll.data, coll.offsets, coll.lengths, ctx["mean"], ctx["inv_sd"], pool.combo_offsets,
                  pool.combo_channels, pool.diff, pool.dilation, pool.kernel, pool.valid[start[:-1]], G)
        out.append(np.hstack([F, G]))
    return out


def component_input(ctx, keep_raw, cap=8, signs=False):
    """Train and test collections (and their channel statistics) whose channels are the principal
    components of the standardised channels (fitted on the training fold's time points), after the raw
    channels (``keep_raw``, at most ``cap`` components) or instead of them (all components); with ``signs``
    the negated channels instead of components (no learning: combinations then draw signed sums)."""
    tr, te = ctx["train"], ctx["test"]
    std = [[(x - ctx["mean"][:, None]) * ctx["inv_sd"][:, None] for x in cases(c)] for c in (tr, te)]
    _, _, Vt = np.linalg.svd(np.hstack(std[0]).T, full_matrices=False)
    W = Vt[: min(tr.n_channels, cap)] if keep_raw else Vt
    if signs:
        W = -np.diag(np.sqrt(np.hstack(std[0]).var(axis=1)))
    colls = []
    for raw, s in zip((cases(tr), cases(te)), std):
        xs = [np.vstack([x, W @ z]) if keep_raw else W @ z for x, z in zip(raw, s)]
        X = np.stack(xs) if len({x.shape[1] for x in xs}) == 1 else xs
        colls.append(CaseSource(X).chunk(0, len(xs)))
    mean, sd = channel_stats_chunks(lambda: iter([colls[0]]))
    return colls, mean, 1.0 / sd


def component_values(ctx, keep_raw, budget=10_000, cap=8, signs=False, seed_shift=0):
    colls, mean, inv_sd = component_input(ctx, keep_raw, cap, signs)
    pool = fit_pool(colls[0], mean, inv_sd, budget=budget, seed=ctx["seed"] + seed_shift, bias_cases=5)
    plan = plan_for(pool)
    return [transform_rocket(c, mean, inv_sd, plan) for c in colls]


def with_components(ctx, keep_raw, budget=10_000, cap=8, signs=False):
    """The MR pool drawn over the channels and learned ones (see :func:`component_input`). Univariate sets
    have nothing to rotate, so they score the default."""
    if ctx["train"].n_channels < 2:
        return detach_and_score(ctx, *pool_values(ctx)[1:])
    return detach_and_score(ctx, *component_values(ctx, keep_raw, budget, cap, signs))


def with_component_pool(ctx, budget):
    """The default pool at ``budget`` next to a second pool of that budget drawn over the components
    alone (all of them, another seed)."""
    if ctx["train"].n_channels < 2:
        return detach_and_score(ctx, *pool_values(ctx)[1:])
    _, Ctr, Cte = pool_values(ctx, budget)
    Ptr, Pte = component_values(ctx, False, budget, seed_shift=1)
    return detach_and_score(ctx, np.hstack([Ctr, Ptr]), np.hstack([Cte, Pte]))


def cases(coll):
    return [coll.data[s : s + coll.n_channels * n].reshape(coll.n_channels, n)
            for s, n in zip(coll.offsets, coll.lengths)]


def augmented(ctx, kind):
    """One augmented copy of every training case: a random 90 % window stretched back to the case's length
    (``slice``), or Gaussian noise of 5 % of each channel's standard deviation (``noise``)."""
    rng = np.random.RandomState(ctx["seed"] % 1000)
    new = []
    for x in cases(ctx["train"]):
        c, n = x.shape
        if kind == "slice":
            w = max(2, int(round(0.9 * n)))
            a = rng.randint(0, n - w + 1)
            src = np.linspace(a, a + w - 1, n)
            new.append(np.stack([np.interp(src, np.arange(n), x[i]) for i in range(c)]))
        else:
            new.append(x + rng.normal(0, 0.05, x.shape) * x.std(axis=1, keepdims=True))
    X = np.stack(new) if len({x.shape[1] for x in new}) == 1 else new
    return CaseSource(X).chunk(0, len(new))


# ---------------------------------------------------------------------------------------- selection and fit
def thinned(C, cols, conv_of, threshold):
    """``cols`` (ANOVA order) without any column whose |correlation| with a better one of the same
    convolution exceeds ``threshold``."""
    Z = C[:, cols] - C[:, cols].mean(axis=0)
    Z /= np.where(Z.std(axis=0) > 0, Z.std(axis=0), 1.0) * np.sqrt(len(C))
    keep = np.zeros(len(cols), dtype=bool)
    for conv in np.unique(conv_of[cols]):
        pos = np.flatnonzero(conv_of[cols] == conv)
        R = np.abs(Z[:, pos].T @ Z[:, pos])
        kept = []
        for i in range(len(pos)):
            if not kept or R[i, kept].max() <= threshold:
                kept.append(i)
        keep[pos[kept]] = True
    return cols[keep]


def accuracy(Ftr, ytr, Fte, yte, power=1.0):
    """Test accuracy of the ridge on the features centred and divided by their standard deviation to
    ``power`` (1: standardised, the library's choice; 0: the features' own scale)."""
    mu, sd = Ftr.mean(axis=0), Ftr.std(axis=0)
    sd[sd == 0] = 1.0
    sd **= power
    ridge = RidgeClassifierCV(alphas=np.logspace(-3, 3, 10)).fit((Ftr - mu) / sd, ytr)
    return float(np.mean(ridge.predict((Fte - mu) / sd) == yte))


def ranked(C, codes, n_classes):
    """Usable columns in ANOVA order, affine copies dropped: what the library's fit hands detachment."""
    return selection.ranked_columns(C, codes, n_classes)[0]


def detached(ctx, C, codes=None, k=K, cols=None):
    """The columns of ``C`` detachment keeps (from ``cols``, default :func:`ranked`)."""
    codes = ctx["codes"] if codes is None else codes
    cols = ranked(C, codes, ctx["n_classes"]) if cols is None else cols
    return cols[selection.detach(C[:, cols], codes, ctx["n_classes"], k)]


def detach_and_score(ctx, Ctr, Cte, codes=None, y=None, k=K, cols=None, power=1.0):
    chosen = detached(ctx, Ctr, codes, k, cols)
    y = ctx["y_train"] if y is None else y
    return accuracy(Ctr[:, chosen], y, Cte[:, chosen], ctx["y_test"], power)


def pool_of(ctx, budget):
    """The MiniRocket-family pool at ``budget`` of this (fold, seed), drawn once."""
    key = ("pool", budget)
    if key not in ctx:
        ctx[key] = fit_pool(ctx["train"], ctx["mean"], ctx["inv_sd"], budget=budget, seed=ctx["seed"], bias_cases=5)
    return ctx[key]


def pool_values(ctx, budget=10_000):
    """``(pool, train values, test values)`` at ``budget``, computed once; 10,000 is the default's pool."""
    key = ("values", budget)
    if key not in ctx:
        pool = pool_of(ctx, budget)
        plan = plan_for(pool)
        ctx[key] = (pool, *(transform_rocket(c, ctx["mean"], ctx["inv_sd"], plan) for c in (ctx["train"], ctx["test"])))
    return ctx[key]


def with_augmented(ctx, kind, select_on_copies):
    pool, Ctr, Cte = pool_values(ctx)
    A = transform_rocket(augmented(ctx, kind), ctx["mean"], ctx["inv_sd"], plan_for(pool))
    codes2, y2 = np.tile(ctx["codes"], 2), np.tile(ctx["y_train"], 2)
    both = np.vstack([Ctr, A])
    chosen = detached(ctx, both, codes2) if select_on_copies else detached(ctx, Ctr)
    return accuracy(both[:, chosen], y2, Cte[:, chosen], ctx["y_test"])


def with_quant(ctx):
    _, Ctr, Cte = pool_values(ctx)
    Qtr, Qte = quant_candidates(ctx)
    return detach_and_score(ctx, np.hstack([Ctr, Qtr]), np.hstack([Cte, Qte]))


def with_thinning(ctx, threshold):
    pool, Ctr, Cte = pool_values(ctx)
    cols = thinned(Ctr, ranked(Ctr, ctx["codes"], ctx["n_classes"]), pool.feature_conv, threshold)
    return detach_and_score(ctx, Ctr, Cte, cols=cols)


#: idea -> {column label: function of the (fold, seed) context giving its CV accuracy}
IDEAS = {
    "default": {"default (MR)": lambda ctx: detach_and_score(ctx, *pool_values(ctx)[1:])},
    "regions": {
        "PPV + halves' PPV (30,000)": lambda ctx: detach_and_score(ctx, *region_candidates(ctx, 10_000, "halves")),
        "PPV + halves' PPV (10,000)": lambda ctx: detach_and_score(ctx, *region_candidates(ctx, 3_336, "halves")),
        "PPV + thirds' PPV (10,000)": lambda ctx: detach_and_score(ctx, *region_candidates(ctx, 2_520, "thirds")),
    },
    "scatter": {
        "+ second-level PPV (10,000 + 10,000)": lambda ctx: detach_and_score(ctx, *scatter_candidates(ctx, 10_000)),
        "+ second-level PPV (5,000 + 5,000)": lambda ctx: detach_and_score(ctx, *scatter_candidates(ctx, 5_000)),
    },
    "quant": {"MR pool + QUANT-style quantiles": with_quant},
    "augment": {
        "+ sliced copies (selection and ridge)": lambda ctx: with_augmented(ctx, "slice", True),
        "+ sliced copies (ridge only)": lambda ctx: with_augmented(ctx, "slice", False),
        "+ noisy copies (selection and ridge)": lambda ctx: with_augmented(ctx, "noise", True),
    },
    "fewer": {f"{k} features": (lambda k: lambda ctx: detach_and_score(ctx, *pool_values(ctx)[1:], k=k))(k)
              for k in (300, 200, 100)},
    "scale": {f"final ridge on features / sd ** {p}": (lambda p: lambda ctx: detach_and_score(
        ctx, *pool_values(ctx)[1:], power=p))(p) for p in (0.0, 0.5, 1.5)},
    "extremes": {"+ max, min, argmax of each convolution": lambda ctx: detach_and_score(
        ctx, *extremes_candidates(ctx))},
    "components": {
        "channels + principal components": lambda ctx: with_components(ctx, True),
        "principal components instead of channels": lambda ctx: with_components(ctx, False),
    },
    "components-all": {
        "channels + all principal components": lambda ctx: with_components(ctx, True, cap=10**6),
        "channels + 4 principal components": lambda ctx: with_components(ctx, True, cap=4),
    },
    "component-pool": {
        "channels pool + components pool (10,000 + 10,000)": lambda ctx: with_component_pool(ctx, 10_000),
        "channels pool + components pool (5,000 + 5,000)": lambda ctx: with_component_pool(ctx, 5_000),
    },
    "signs": {
        "channels and their negatives (signed sums)": lambda ctx: with_components(ctx, True, signs=True),
    },
    "thin": {f"near-duplicates > {t} dropped": (lambda t: lambda ctx: with_thinning(ctx, t))(t)
             for t in (0.999, 0.99, 0.95)},
}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets-dir", type=Path, default=ROOT.parent / "shared" / "datasets")
    ap.add_argument("--ideas", default=",".join(IDEAS), help="default first: the others are compared with it")
    ap.add_argument("--datasets", default="")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "cv_pool_ideas.md")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    variants = {label: fn for idea in args.ideas.split(",") for label, fn in IDEAS[idea].items()}
    only = set(args.datasets.split(",")) - {""}
    acc, names, start = {}, [], time.perf_counter()
    for name, X, y, _ in load_training_sets(args.datasets_dir, only):
        names.append(name)
        folds = min(5, int(np.bincount(np.unique(y, return_inverse=True)[1]).min()))
        for label in variants:
            acc[name, label] = []
        for tr, te in StratifiedKFold(folds, shuffle=True, random_state=0).split(np.zeros(len(y)), y):
            source = CaseSource(take(X, tr))
            train, test = source.chunk(0, source.n_cases), CaseSource(take(X, te)).chunk(0, len(te))
            mean, sd = channel_stats_chunks(lambda: (c for _, c in source.chunks(4096)))
            classes, codes = np.unique(y[tr], return_inverse=True)
            for seed in range(args.seeds):
                ctx = dict(train=train, test=test, mean=mean, inv_sd=1.0 / sd, codes=codes, n_classes=len(classes),
                           y_train=y[tr], y_test=y[te], seed=check_random_state(seed).randint(2**31 - 1))
                for label, fn in variants.items():
                    acc[name, label].append(fn(ctx))
        print(f"  {name}: " + ", ".join(f"{v} {np.mean(acc[name, v]):.3f}" for v in variants)
              + f" [{time.perf_counter() - start:.0f} s]", flush=True)
    lines = [
        "# Accuracy ideas for the default (MR): cross-validation on the training splits",
        "",
        f"`benchmarks/cv_pool_ideas.py --ideas {args.ideas} --seeds {args.seeds}"
        + (f" --datasets {args.datasets}" if args.datasets else "")
        + f"` (the folds of cv_families.py; seeds 0..{args.seeds - 1} averaged; 500 features unless the label "
        f"says otherwise; {time.perf_counter() - start:.0f} s).",
        "",
        *table_head("variant", ["CV mean", "largest gains and losses against the default"]),
    ]
    means = {v: np.mean([np.mean(acc[n, v]) for n in names]) for v in variants}
    base = next(iter(variants))
    for v in variants:
        d = sorted(((np.mean(acc[n, v]) - np.mean(acc[n, base]), n) for n in names), key=lambda t: t[0])
        moves = [f"{n} {x:+.3f}" for x, n in d[::-1][:2] + d[:2] if abs(x) >= 0.005] if v != base else []
        lines.append(f"| {v} | {means[v]:.3f} | {', '.join(dict.fromkeys(moves))} |")
    lines += ["", *table_head("dataset", list(variants))]
    lines += [f"| {n} | " + " | ".join(f"{np.mean(acc[n, v]):.3f}" for v in variants) + " |" for n in names]
    lines.append("| **mean** | " + " | ".join(f"**{means[v]:.3f}**" for v in variants) + " |")
    write_report(args.out, lines)


if __name__ == "__main__":
    main()
