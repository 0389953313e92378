"""The demo: LightWaveS vs aeon's MiniRocket on the datasets bundled with aeon (no network).

For each of BasicMotions (equal length) and JapaneseVowels (unequal length, 7-29 time points) it
fits ``LightWaveSClassifier(random_state=0)`` (the default, ``variant="MR"``), the paper's
``variant="L1L2"`` and ``aeon MiniRocketClassifier(random_state=0)``, prints accuracy, fit and predict
seconds, the number of features and the number of channels read, saves the default LightWaveS models
(``<Name>.lwz``) and writes the report of the BasicMotions model (with the MiniRocket/Rocket comparison)
to ``report/``.

LightWaveS takes unequal-length JapaneseVowels as is. MiniRocket needs equal lengths, so it uses
aeon's bundled equal-length copy ``JapaneseVowels_eq`` (same cases and labels, every series brought
to length 25 by aeon); both methods are scored on the same 370 test cases.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

DATASETS = (
    # (name, LightWaveS source, MiniRocket source)
    ("BasicMotions", "BasicMotions", "BasicMotions"),
    ("JapaneseVowels", "JapaneseVowels", "JapaneseVowels_eq"),
)


def _timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0


def run_demo(out_dir="demo-report", report=True, stream=None) -> list[dict]:
    """Run the comparison, print a table, save the models and write a report.

    Parameters
    ----------
    out_dir : str or os.PathLike, default="demo-report"
        Where models (``<Name>.lwz``) and the report (``report/index.html``) go.
    report : bool, default=True
        Write the BasicMotions report (with the MiniRocket/Rocket comparison).
    stream : file-like, optional
        Where the table is printed (default standard output).

    Returns
    -------
    list of dict
        One row per (dataset, method): ``dataset``, ``method``, ``accuracy``, ``fit_s``,
        ``predict_s``, ``features``, ``channels``.
    """
    from .deps import require

    MiniRocketClassifier = require("aeon.classification.convolution_based").MiniRocketClassifier

    from .classifier import LightWaveSClassifier
    from .data import read_aeon
    from .model_io import save, training_metadata

    stream = stream or sys.stdout
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    fitted = {}
    for name, lws_name, mr_name in DATASETS:
        X, y, info = read_aeon(f"aeon:{lws_name}:train")
        Xt, yt, _ = read_aeon(f"aeon:{lws_name}:test")
        for variant in ("MR", "L1L2"):
            clf = LightWaveSClassifier(variant=variant, random_state=0)
            _, fit_s = _timed(clf.fit, X, y)
            pred, pred_s = _timed(clf.predict, Xt)
            rows.append({"dataset": name, "method": f"LightWaveS {variant}", "accuracy": float(np.mean(pred == yt)),
                         "fit_s": fit_s, "predict_s": pred_s, "features": int(clf.n_features_out_),
                         "channels": f"{len(clf.selected_channels_)}/{clf.n_channels_in_}"})
            if variant == "MR":  # the default: saved and reported
                save(clf, out / f"{name}.lwz",
                     metadata=training_metadata(X, y, fit_time=fit_s, dataset=name, source=info["source"]))
                fitted[name] = (clf, X, y, Xt, yt)

        Xm, ym, _ = read_aeon(f"aeon:{mr_name}:train")
        Xmt, ymt, _ = read_aeon(f"aeon:{mr_name}:test")
        mr = MiniRocketClassifier(random_state=0)
        _, fit_s = _timed(mr.fit, Xm, ym)
        pred, pred_s = _timed(mr.predict, Xmt)
        rows.append({"dataset": name + ("" if mr_name == name else " (eq)"), "method": "MiniRocket",
                     "accuracy": float(np.mean(pred == ymt)), "fit_s": fit_s, "predict_s": pred_s,
                     "features": _minirocket_features(mr),
                     "channels": f"{Xm.shape[1]}/{Xm.shape[1]}"})
    print_table(rows, stream)
    print("(fit times include numba's and aeon's one-time compilation on a machine's first run, for "
          "every method; MR is LightWaveS's default, L1L2 the paper's method)", file=stream)
    if report:
        from .model_io import load
        from .report import write_report

        _, X, y, Xt, yt = fitted["BasicMotions"]
        clf = load(out / "BasicMotions.lwz")  # the report shows what the saved model records
        index = write_report(clf, Xt, yt, out / "report", compare=True, train=(X, y), title="BasicMotions")
        print(f"\nmodels: {out / 'BasicMotions.lwz'}, {out / 'JapaneseVowels.lwz'}\nreport: {index}", file=stream)
    return rows


def _minirocket_features(mr) -> int:
    """Number of features of a fitted aeon MiniRocket (its biases; 9,996 for 10,000 kernels)."""
    params = getattr(getattr(mr, "_transformer", None), "parameters", None)
    try:
        return int(len(params[-1]))
    except (TypeError, IndexError):
        return 9996


def print_table(rows, stream=None):
    """Print demo rows as an aligned text table."""
    stream = stream or sys.stdout
    header = f"{'dataset':<22}{'method':<17}{'accuracy':>9}{'fit s':>8}{'predict s':>10}{'features':>10}{'channels':>10}"
    print(header, file=stream)
    print("-" * len(header), file=stream)
    for r in rows:
        print(f"{r['dataset']:<22}{r['method']:<17}{r['accuracy']:>9.3f}{r['fit_s']:>8.2f}{r['predict_s']:>10.3f}"
              f"{r['features']:>10}{r['channels']:>10}", file=stream)
