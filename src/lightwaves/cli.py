"""The ``lightwaves`` command: fit, predict, evaluate, inspect and report on LightWaveS models.

Run ``lightwaves --help`` or ``lightwaves COMMAND --help``; ``docs/cli.md`` has examples. Imports
of numpy, scikit-learn, aeon, matplotlib and dask happen inside the commands that need them, so
``lightwaves --help`` and a single prediction start quickly.
"""

from __future__ import annotations

import argparse
import os
import sys

PROG = "lightwaves"
CHUNK_CASES = 2000  # predict in chunks with a progress bar above this many cases
#: ``lightwaves predict --engine auto`` (``$LIGHTWAVES_ENGINE`` unset) runs the numpy engine while its
#: estimated time stays under what a new process pays before numba's first case (import, compiler set-up,
#: loading its cache: about 1.5 s). The numpy engine takes about n_cases x convolutions x (2 us + 2.7 ns x
#: length) (fitted to models of BasicMotions, NATOPS, OSULeaf and ACSF1). Both engines give the same bits.
NUMBA_STARTUP_S = 1.5
NUMPY_S_PER_CONVOLUTION = 2e-6
NUMPY_S_PER_POINT = 2.7e-9


def numpy_seconds(n_cases: int, length: int, n_convolutions: int) -> float:
    """Estimated time of the numpy engine on ``n_cases`` series of ``length`` points."""
    return n_cases * n_convolutions * (NUMPY_S_PER_CONVOLUTION + NUMPY_S_PER_POINT * length)


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors are one line: ``lightwaves: error: ...``."""

    def error(self, message):
        cmd = self.prog if self.prog != PROG else PROG
        sys.stderr.write(f"{PROG}: error: {message} (see '{cmd} --help')\n")
        raise SystemExit(2)


class UserError(Exception):
    """An error to report as one line without a traceback."""


# ------------------------------------------------------------------------------------ arguments
def _version() -> str:
    from .version import __version__

    return __version__


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``lightwaves`` command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show full tracebacks on errors")
    labels = argparse.ArgumentParser(add_help=False)
    labels.add_argument("--labels", metavar="FILE",
                        help="label file (CSV case,label) for long-form .csv data; default: the sibling "
                             "<name>.labels.csv if it exists")

    p = _Parser(prog=PROG, description="LightWaveS multivariate time-series classification.",
                epilog="DATA is a .ts, .npz or long-form .csv file, or aeon:Name[:train|test] for a "
                       "dataset bundled with aeon (e.g. aeon:BasicMotions:test).")
    p.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    p.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    f = sub.add_parser("fit", parents=[common, labels], help="fit a model and save it (.lwz)",
                       description="Fit LightWaveS on TRAIN and save the model.")
    f.add_argument("train", metavar="TRAIN", help="training data (labelled)")
    f.add_argument("--out", "-o", required=True, metavar="MODEL", help="model file to write (.lwz)")
    f.add_argument("--variant", choices=["MR", "L1L2", "L1", "L2", "L1L2+MR", "H", "MR+H"], default="MR",
                   help="the MiniRocket family (MR), the paper's scattering levels, the Hydra family (H), or "
                        "families pooled (default MR)")
    f.add_argument("--pooling", choices=["ppv", "multirocket"], default="ppv",
                   help="multirocket: add MultiRocket's pooling operators (mpv, mipv; lspv for MR) to each "
                        "family's candidates (default ppv: each family's own)")
    f.add_argument("--diff", action="store_true",
                   help="also draw candidates from the first-difference series, as MultiRocket")
    f.add_argument("--n-features", type=_n_features, default=500, metavar="K",
                   help="features kept, or 'auto': the smallest of 250/500/1000/2000 within one standard error "
                        "of the best leave-one-out error (default 500)")
    f.add_argument("--hydra-groups", type=int, default=None, metavar="G",
                   help="Hydra groups of eight kernels drawn per dilation, for --variant H and MR+H (the "
                        "estimators' hydra_groups; default 64)")
    f.add_argument("--arith", choices=["float64", "float32"], default="float64",
                   help="the arithmetic the model will run in: float32 for a device without a double FPU "
                        "(selection keeps only features float32 reproduces; predict and export then default to "
                        "float32); default float64")
    f.add_argument("--n-candidates", type=int, default=None, metavar="M",
                   help="candidates kept by ANOVA before selection (default: 3*K for L1/L2/L1L2, every "
                        "candidate for MR)")
    f.add_argument("--max-dilation", type=int, default=32, metavar="D", help="largest dilation, a power of two (default 32)")
    f.add_argument("--max-cases", type=int, default=1500, metavar="N", help="cases used for selection (default 1500)")
    f.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    f.add_argument("--n-jobs", type=int, default=-1, metavar="J",
                   help="numba threads (default -1: all cores; the model does not depend on it)")
    g = f.add_mutually_exclusive_group()
    g.add_argument("--workers", type=int, metavar="N", help="score candidates on a local Dask cluster of N workers")
    g.add_argument("--scheduler", metavar="ADDR", help="score candidates on the Dask scheduler at ADDR")
    f.add_argument("--quiet", "-q", action="store_true", help="no progress bar or summary")
    f.set_defaults(handler=cmd_fit)

    pr = sub.add_parser("predict", parents=[common, labels], help="predict the classes of new data",
                        description="Predict with a saved model; writes CSV case,prediction[,score_<class>...].")
    pr.add_argument("model", metavar="MODEL", help="model file (.lwz)")
    pr.add_argument("data", metavar="DATA", help="data to classify (labels not needed)")
    pr.add_argument("--out", "-o", metavar="CSV", help="output CSV (default: standard output)")
    pr.add_argument("--scores", action="store_true", help="add one decision score column per class")
    pr.add_argument("--proba", action="store_true",
                    help="add one calibrated probability column per class (proba_<class>)")
    pr.add_argument("--engine", choices=["auto", "numba", "numpy"], default="auto",
                    help="inference kernels: numba, or plain numpy (no numba import, the same output); "
                         "default auto: $LIGHTWAVES_ENGINE if set, else numpy for small inputs (no numba "
                         "start-up) and numba for large ones if installed")
    pr.add_argument("--arith", choices=["float64", "float32"], default=None,
                    help="arithmetic of features and scores: float64, or float32 on the numpy engine (bit for "
                         "bit the C export built with --arith float32); default: the model's (float64 unless "
                         "it was fitted with --arith float32)")
    pr.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    pr.set_defaults(handler=cmd_predict)

    e = sub.add_parser("evaluate", parents=[common, labels], help="accuracy and confusion matrix on labelled data",
                       description="Evaluate a saved model on labelled TEST data.")
    e.add_argument("model", metavar="MODEL")
    e.add_argument("test", metavar="TEST", help="labelled test data")
    e.add_argument("--json", action="store_true", help="print JSON instead of text")
    e.set_defaults(handler=cmd_evaluate)

    i = sub.add_parser("info", parents=[common], help="describe a saved model",
                       description="Variant, features, selected channels and training metadata of a model.")
    i.add_argument("model", metavar="MODEL")
    i.add_argument("--json", action="store_true", help="print JSON instead of text")
    i.set_defaults(handler=cmd_info)

    x = sub.add_parser("export", parents=[common], help="export a model as C source for devices",
                       description="Write a model as dependency-free C99 (lightwaves_model.h, lightwaves_model.c "
                                   "and a CSV-reading main.c) into DIR; see docs/deploy.md.")
    x.add_argument("model", metavar="MODEL", help="model file (.lwz)")
    x.add_argument("--format", choices=["c"], default="c", help="output format (default c)")
    x.add_argument("--out", "-o", required=True, metavar="DIR", help="directory to write the files into")
    prec = x.add_mutually_exclusive_group()
    prec.add_argument("--float64", dest="float32", action="store_false", default=False,
                      help="store the coefficients as double: scores bit for bit the Python model's (default)")
    prec.add_argument("--float32", dest="float32", action="store_true",
                      help="store the coefficients as float: half their flash, scores within ~1e-7 relative")
    x.add_argument("--arith", choices=["float64", "float32"], default=None,
                   help="arithmetic of the C code: float64, or float32 for an FPU without double (a "
                        "Cortex-M4F): float tables (coefficients too) and single-precision features and "
                        "scores, bit for bit `lightwaves predict --arith float32`; default: the model's")
    x.add_argument("--board", choices=["mps2-an386"], default=None,
                   help="also write a startup file and linker script for this board (mps2-an386: QEMU's "
                        "Cortex-M4F board, semihosting; see docs/deploy.md)")
    x.add_argument("--max-length", type=int, metavar="N",
                   help="longest series lw_predict accepts (sizes its stack buffer; default: the longest "
                        "training series recorded in the model)")
    x.set_defaults(handler=cmd_export)

    r = sub.add_parser("report", parents=[common, labels], help="write an HTML report with plots",
                       description="Write index.html and PNG plots for a model evaluated on TEST.")
    r.add_argument("model", metavar="MODEL")
    r.add_argument("test", metavar="TEST", help="labelled test data")
    r.add_argument("--out", "-o", required=True, metavar="DIR", help="output directory")
    r.add_argument("--compare", metavar="TRAIN",
                   help="also fit aeon's MiniRocket and Rocket on TRAIN and compare accuracy and latency")
    r.add_argument("--train-labels", metavar="FILE", help="label file for a .csv TRAIN given to --compare")
    r.set_defaults(handler=cmd_report)

    d = sub.add_parser("demo", parents=[common], help="LightWaveS vs MiniRocket on bundled datasets",
                       description="Fit LightWaveS and aeon's MiniRocket on BasicMotions and JapaneseVowels "
                                   "(bundled with aeon, no network), print a table, save a model and a report.")
    d.add_argument("--out", "-o", default="demo-report", metavar="DIR", help="output directory (default demo-report)")
    d.set_defaults(handler=cmd_demo)
    return p


# ------------------------------------------------------------------------------------ helpers
def _say(msg, quiet=False):
    if not quiet:
        print(msg, file=sys.stderr)


def safe_text(value) -> str:
    """``str(value)`` with control and other non-printable characters escaped (``\\x1b``, ``\\u202e``).

    Labels, case ids and metadata come from files that may not be the user's own; they must not move
    the cursor, recolour or rewrite the terminal, or break a CSV row.
    """
    text = str(value)
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def _load_model(path):
    from .model_io import load

    return load(path)


def _load_predictor(path, engine="auto", arith=None):
    """Prediction only: no scikit-learn import (see lightwaves.runtime)."""
    from .model_io import load_predictor

    return load_predictor(path, n_jobs=-1, engine=engine, arith=arith)  # batches use every core; same results


def _auto_engine(engine) -> bool:
    """Whether the engine is ours to choose from the input's size (``auto``, ``$LIGHTWAVES_ENGINE`` unset)."""
    from .runtime import requested_engine

    return requested_engine(engine) == "auto"


def _predictor_before_reading(path, engine="auto", arith=None):
    """The model's predictor, loaded (and so checked) before the data is read; with an automatic engine it
    starts as numpy, which :func:`_predictor_for_input` may swap for numba once the input's size is known
    (``arith`` None: the model's arithmetic)."""
    return _load_predictor(path, engine="numpy" if _auto_engine(engine) else engine, arith=arith)


def _predictor_for_input(clf, path, info, engine="auto"):
    """``clf``, or the model reloaded with numba (when installed) if numpy would take longer than numba's
    start-up on the input described by ``info``. Both engines give the same bits."""
    if clf.arith == "float64" and _auto_engine(engine) and numpy_seconds(info["n_cases"], info["length_max"],
                                              clf.state.n_convolutions) > NUMBA_STARTUP_S:
        return _load_predictor(path, engine="auto", arith="float64")
    return clf


def _read(source, labels=None, require_labels=False):
    from .data import read_dataset

    return read_dataset(source, labels=labels, require_labels=require_labels)


def _dask_client(args):
    """A context manager yielding a Dask client for --workers/--scheduler, else None."""
    import contextlib

    if args.workers is None and args.scheduler is None:
        return contextlib.nullcontext(None)
    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers must be at least 1, got {args.workers}")
    from .distributed import client_for  # its ImportError names the extra to install

    return client_for(workers=args.workers, scheduler=args.scheduler)


def _check_model_channels(clf, info, source):
    n = info["n_channels"]
    if n not in (clf.n_channels_in_, len(clf.selected_channels_)):
        raise UserError(
            f"{source} has {n} channels but the model was fitted on {clf.n_channels_in_}; give all "
            f"{clf.n_channels_in_} channels or only the {len(clf.selected_channels_)} selected channels "
            f"{clf.selected_channels_.tolist()} in that order"
        )


def _align_labels(y, classes):
    """Labels read from text files are strings; convert them to the model's class dtype if possible."""
    import numpy as np

    y = np.asarray(y)
    if y.dtype.kind == classes.dtype.kind or classes.dtype.kind == "O":
        return y
    try:
        if classes.dtype.kind == "b":
            conv = np.asarray([{"true": True, "false": False, "1": True, "0": False}[str(v).lower()] for v in y])
        else:
            conv = y.astype(classes.dtype)
            if classes.dtype.kind in "iu" and y.dtype.kind in "US":
                if not np.array_equal(conv.astype(str), np.char.strip(y.astype(str))):
                    return y
        return conv
    except (ValueError, KeyError, TypeError):
        return y


# ------------------------------------------------------------------------------------ commands
def cmd_fit(args):
    """``lightwaves fit``: fit on TRAIN and save the model."""
    import time

    from .fileio import check_output
    from .classifier import LightWaveSClassifier
    from .model_io import save, training_metadata
    from .params import check_params

    check_output(args.out, [args.train, args.labels], "model file")  # before the (long) fit
    use_dask = args.workers is not None or args.scheduler is not None
    hydra = {} if args.hydra_groups is None else {"hydra_groups": args.hydra_groups}  # else the default
    clf = LightWaveSClassifier(
        variant=args.variant, pooling=args.pooling, diff=args.diff, n_features=args.n_features,
        n_candidates=args.n_candidates,
        max_cases=args.max_cases, max_dilation=args.max_dilation, random_state=args.seed,
        n_jobs=args.n_jobs, backend="dask" if use_dask else "serial", progress=not args.quiet,
        arith=args.arith, **hydra,
    )
    check_params(clf.get_params())  # the estimators' own checks, before the data is read
    X, y, info = _read(args.train, labels=args.labels, require_labels=True)
    _say(f"fitting LightWaveS {args.variant} on {info['n_cases']} cases x {info['n_channels']} channels "
         f"(length {info['length_min']}-{info['length_max']}) from {info['source']}", args.quiet)
    with _dask_client(args):
        t0 = time.perf_counter()
        clf.fit(X, y)
        fit_time = time.perf_counter() - t0
    meta = training_metadata(X, y, fit_time=fit_time, dataset=info["dataset"], source=info["source"])
    if use_dask:
        meta["backend"] = "dask"
    # a model that is loaded later should not try to reach a cluster or draw bars
    clf.set_params(backend="serial", progress=False)
    clf.transformer_.set_params(backend="serial", progress=False)
    save(clf, args.out, metadata=meta)
    size = os.path.getsize(args.out)
    _say(f"selected {clf.n_features_out_} features on channels {clf.selected_channels_.tolist()} of "
         f"{clf.n_channels_in_}; ridge alpha {clf.ridge_.alpha_:.3g}; fit {fit_time:.2f} s", args.quiet)
    _say(f"saved {args.out} ({size / 1024:.1f} KiB)", args.quiet)
    return 0


def cmd_predict(args):
    """``lightwaves predict``: write case,prediction[,scores][,probabilities] as CSV, a chunk at a time."""
    import contextlib
    import csv

    from .deps import progress_bar
    from .fileio import atomic_open, check_output
    from .data import iter_chunks
    from .runtime import labels_from_scores, probabilities

    if args.out:
        check_output(args.out, [args.model, args.data, args.labels], "predictions file")
    clf = _predictor_before_reading(args.model, args.engine, args.arith)
    X, _, info = _read(args.data, labels=args.labels)
    clf = _predictor_for_input(clf, args.model, info, args.engine)  # float32 stays on the numpy engine
    _check_model_channels(clf, info, args.data)
    if args.proba and clf.temperature_ is None:
        raise UserError(f"{args.model} has no probability calibration (saved by an older lightwaves); "
                        "refit it to use --proba")
    names = [safe_text(c) for c in clf.classes_.tolist()]
    header = ["case", "prediction"] + [f"score_{c}" for c in names if args.scores]
    header += [f"proba_{c}" for c in names if args.proba]
    case_ids = info["case_ids"]  # None: the case index
    n = info["n_cases"]
    # --out is replaced atomically: an interrupted run never leaves half a file over an old one
    if args.out:
        target = atomic_open(args.out, "w", newline="", encoding="utf-8")
    else:
        target = contextlib.nullcontext(sys.stdout)
    # Rows are written a chunk at a time: memory stays flat for a file of millions of cases (an .npy file
    # is memory-mapped and read chunk by chunk). Scores do not depend on the chunking.
    show = n > CHUNK_CASES and not args.quiet
    with target as out, progress_bar(total=n, desc="predicting", unit="case", disable=not show,
                                     file=sys.stderr) as bar:
        w = csv.writer(out, lineterminator="\n")
        w.writerow(header)
        start = 0
        for chunk in iter_chunks(X, CHUNK_CASES):
            scores = clf.decision_function(chunk)
            pred = labels_from_scores(scores, clf.classes_).tolist()
            cols = scores[:, None] * [-1.0, 1.0] if scores.ndim == 1 else scores
            proba = probabilities(scores, clf.temperature_) if args.proba else None
            for k, p in enumerate(pred):
                i = start + k
                row = [safe_text(case_ids[i]) if case_ids is not None else i, safe_text(p)]
                if args.scores:
                    row += [repr(float(v)) for v in cols[k]]
                if args.proba:
                    row += [repr(float(v)) for v in proba[k]]
                w.writerow(row)
            start += len(pred)
            bar.update(len(pred))
    if args.out:
        _say(f"wrote {n} predictions to {args.out}", args.quiet)
    return 0


def evaluation(clf, X, y):
    """Accuracy, balanced accuracy, confusion matrix and per-class metrics as a dict."""
    import numpy as np
    from sklearn.metrics import balanced_accuracy_score, confusion_matrix, precision_recall_fscore_support

    y = _align_labels(y, clf.classes_)
    pred = clf.predict(X)
    labels = np.unique(np.concatenate([clf.classes_.astype(object), np.asarray(y).astype(object)]).astype(str))
    ys, ps = np.asarray(y).astype(str), pred.astype(str)
    cm = confusion_matrix(ys, ps, labels=labels)
    prec, rec, f1, support = precision_recall_fscore_support(ys, ps, labels=labels, zero_division=0)
    unknown = sorted(set(ys.tolist()) - set(clf.classes_.astype(str).tolist()))
    return {
        "n_cases": int(len(ys)),
        "accuracy": float(np.mean(ys == ps)),
        "balanced_accuracy": float(balanced_accuracy_score(ys, ps)),
        "labels": labels.tolist(),
        "confusion_matrix": cm.tolist(),
        "per_class": {str(c): {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
                      for c, p, r, f, s in zip(labels, prec, rec, f1, support)},
        "unknown_labels": unknown,
        "predictions": pred,
    }


def cmd_evaluate(args):
    """``lightwaves evaluate``: metrics on labelled data."""
    import json

    clf = _predictor_before_reading(args.model)  # predictions only: no scikit-learn estimator needed
    X, y, info = _read(args.test, labels=args.labels, require_labels=True)
    clf = _predictor_for_input(clf, args.model, info)
    _check_model_channels(clf, info, args.test)
    ev = evaluation(clf, X, y)
    ev.pop("predictions")
    if args.json:
        print(json.dumps(ev, indent=2))  # JSON escapes control characters itself
        return 0
    labels = [safe_text(v) for v in ev["labels"]]
    ev["per_class"] = {safe_text(k): v for k, v in ev["per_class"].items()}
    print(f"cases: {ev['n_cases']}   accuracy: {ev['accuracy']:.4f}   balanced accuracy: {ev['balanced_accuracy']:.4f}")
    if ev["unknown_labels"]:
        print(f"note: labels not seen in training: {', '.join(map(safe_text, ev['unknown_labels']))}")
    w = max(8, max(len(s) for s in labels) + 1)
    print("\nconfusion matrix (rows: true, columns: predicted)")
    print(" " * w + "".join(f"{s[:w - 1]:>{w}}" for s in labels))
    for s, row in zip(labels, ev["confusion_matrix"]):
        print(f"{s[:w - 1]:<{w}}" + "".join(f"{v:>{w}}" for v in row))
    print(f"\n{'class':<{w}}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}")
    for s in labels:
        m = ev["per_class"][s]
        print(f"{s[:w - 1]:<{w}}{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1']:>10.3f}{m['support']:>9}")
    return 0


def model_info(path) -> dict:
    """Everything ``lightwaves info`` shows, as a JSON-serialisable dict (no scikit-learn import)."""
    from .families import describe_features, feature_kind, reads_first_difference
    from .model_io import read_model
    from .runtime import feature_weights

    m = read_model(path)
    manifest, arrays = m.manifest, m.arrays
    hydra = arrays.get("hydra")
    names, table, channels = describe_features(arrays["feature_ids"], arrays["dilations"], arrays.get("rocket"),
                                               hydra)
    diff = reads_first_difference(arrays["feature_ids"], arrays["dilations"], arrays.get("rocket"), hydra)
    weight = feature_weights(arrays["ridge_coef"])
    features = [
        {"rank": r, "name": n, "channel": int(row[0]), "kernel": int(row[1]), "dilation": int(row[2]),
         "level": int(row[3]), "feature": feature_kind(row), "diff": bool(dv),
         "anova_f": float(s), "ridge_weight": float(w)}
        for r, (n, row, dv, s, w) in enumerate(zip(names, table, diff, arrays["feature_scores"], weight))
    ]
    return {
        "model_file": {k: manifest[k] for k in ("format", "format_version", "library_version")},
        "variant": m.params["variant"],
        "n_features": len(names),
        "n_channels_in": int(manifest["transformer"]["n_channels_in"]),
        "selected_channels": channels.tolist(),
        "classes": m.classes.tolist(),
        "ridge_alpha": float(manifest["ridge"]["alpha"]),
        "n_features_curve": manifest["transformer"].get("n_features_curve"),
        "hydra": None if hydra is None or not hydra.n_features else {
            "groups_per_dilation": m.params.get("hydra_groups"), "groups": hydra.n_groups,
            "convolutions": hydra.n_convolutions},
        "params": m.params,
        "training": manifest.get("training") if isinstance(manifest.get("training"), dict) else {},
        "features": features,
    }


def _n_features(text):
    """``--n-features``: a positive integer or ``auto``."""
    if text == "auto":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer or 'auto', got {text!r}") from None


def cmd_info(args):
    """``lightwaves info``: describe a model."""
    import json

    info = model_info(args.model)
    if args.json:
        print(json.dumps(info, indent=2, default=str))
        return 0
    mf = {k: safe_text(v) for k, v in info["model_file"].items()}
    print(f"model:             {safe_text(args.model)} (format {mf.get('format_version')}, lightwaves "
          f"{mf.get('library_version')})")
    print(f"variant:           {info['variant']}")
    print(f"features:          {info['n_features']}")
    print(f"channels:          {len(info['selected_channels'])} of {info['n_channels_in']} read: "
          f"{info['selected_channels']}")
    print(f"classes:           {', '.join(map(safe_text, info['classes']))}")
    print(f"ridge alpha:       {info['ridge_alpha']:.4g}")
    curve = info["n_features_curve"]
    if curve:  # n_features="auto": the error that chose the budget (held out; older files: leave-one-out)
        held = "holdout_error" in curve
        print(f"budget (auto):     {'held-out' if held else 'leave-one-out'} error: " + ", ".join(
            f"{b}: {e:.3f} ± {s:.3f}" + (" (chosen)" if b == curve["chosen"] else "")
            for b, e, s in zip(curve["budgets"], curve["holdout_error" if held else "loo_error"],
                               curve["holdout_se" if held else "se"])))
    hydra = info["hydra"]
    if hydra:  # Hydra-family features: the groups a case computes
        print(f"hydra groups:      {hydra['groups']} computed per case ({hydra['convolutions']} convolutions); "
              f"{hydra['groups_per_dilation']} drawn per dilation")
    print("training:")
    for k, v in info["training"].items():
        print(f"  {safe_text(k) + ':':<17}{safe_text(v)}")
    print(f"\n{'rank':>4}  {'feature':<24}{'ANOVA F':>12}{'|ridge w|':>12}")
    for f in info["features"]:
        print(f"{f['rank']:>4}  {f['name']:<24}{f['anova_f']:>12.4g}{f['ridge_weight']:>12.4g}")
    return 0


def cmd_export(args):
    """``lightwaves export``: C source of a model."""
    from .export_c import export_c

    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise UserError(f"{args.out} exists and is not a directory; --out names the directory to write into")
    parent = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(parent):
        raise UserError(f"{parent} does not exist; create it or choose another --out")
    if args.max_length is not None and args.max_length < 1:
        raise UserError(f"--max-length must be at least 1, got {args.max_length}")
    written = export_c(args.model, args.out, float32=args.float32, max_length=args.max_length, board=args.board,
                       arith=args.arith)
    size = sum(os.path.getsize(p) for p in written)
    _say(f"wrote {', '.join(os.path.basename(p) for p in written)} to {args.out} ({size / 1024:.1f} KiB)")
    return 0


def cmd_report(args):
    """``lightwaves report``: HTML report with plots."""
    from .fileio import check_output
    from .report import REPORT_FILES, write_report

    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise UserError(f"{args.out} exists and is not a directory; --out names the report's directory")
    inputs = [args.model, args.test, args.labels, args.compare, args.train_labels]
    for name in REPORT_FILES if os.path.isdir(args.out) else ():
        check_output(os.path.join(args.out, name), inputs, "report file")
    clf = _load_model(args.model)
    X, y, info = _read(args.test, labels=args.labels, require_labels=True)
    _check_model_channels(clf, info, args.test)
    train = None
    if args.compare:
        Xtr, ytr, tinfo = _read(args.compare, labels=args.train_labels, require_labels=True)
        if tinfo["n_channels"] != clf.n_channels_in_:
            raise UserError(f"{args.compare} has {tinfo['n_channels']} channels; the model has {clf.n_channels_in_}")
        train = (Xtr, _align_labels(ytr, clf.classes_))
        _say("fitting MiniRocket and Rocket for the comparison...")
    if info["n_channels"] != clf.n_channels_in_ and args.compare:
        raise UserError("--compare needs TEST with all the model's channels")
    path = write_report(clf, X, _align_labels(y, clf.classes_), args.out, compare=train is not None,
                        train=train, title=info.get("dataset"))
    _say(f"wrote {path}")
    return 0


def cmd_demo(args):
    """``lightwaves demo``: the bundled comparison."""
    from .demo import run_demo

    run_demo(args.out)
    return 0


# ------------------------------------------------------------------------------------ entry point
def main(argv=None) -> int:
    """Run the ``lightwaves`` command line.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 on success, 1 on a user error, 2 on a usage error, 130 if interrupted.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = getattr(args, "debug", False) or os.environ.get("LIGHTWAVES_DEBUG") == "1"
    import warnings

    def _warn(message, category, filename, lineno, file=None, line=None):
        print(f"{PROG}: warning: {safe_text(message)}", file=sys.stderr)

    warnings.showwarning = _warn
    try:
        return args.handler(args) or 0
    except BrokenPipeError:  # e.g. `lightwaves predict ... | head`: stop quietly
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 141
    except KeyboardInterrupt:
        if debug:
            raise
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except (UserError, ValueError, OSError, ImportError, RuntimeError, MemoryError) as e:
        if debug:
            raise
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        if isinstance(e, OSError) and getattr(e, "filename", None) and str(e.filename) not in msg:
            msg = f"{e.filename}: {msg}"
        print(f"{PROG}: error: {safe_text(msg)}", file=sys.stderr)
        return 1
    except Exception as e:  # noqa: BLE001 - anything else is a bug, but still one line
        if debug:
            raise
        print(f"{PROG}: error: unexpected {type(e).__name__}: {safe_text(e)} (run with --debug for a "
              "traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
