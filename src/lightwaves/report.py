"""HTML report of a fitted model: channel importance, dilations and levels, confusion matrix, the Hydra
family's part (models with Hydra-family features) and, optionally, accuracy vs single-case latency against
aeon's MiniRocket and Rocket.

Plots are PNG files drawn with matplotlib's Agg backend; ``index.html`` embeds them (base64), so the
HTML file is self-contained.
"""

from __future__ import annotations

import base64
import html
import time
from pathlib import Path

import numpy as np

from .deps import require
from .families.hydra.features import LEVEL as HYDRA_LEVEL, STAT_CODES as HYDRA_STAT_CODES, STATS as HYDRA_STATS
from .families.spec import FEATURE_CODES, LEVEL_FEATURES, POOLS

#: Files that :func:`write_report` writes into its directory.
REPORT_FILES = ("index.html", "channel_importance.png", "dilations_levels.png", "confusion_matrix.png",
                "accuracy_vs_latency.png", "budget_curve.png", "hydra_family.png")
#: The Hydra family's statistics and series, as the report names them.
HYDRA_STAT_NAMES = ("soft count of max", "hard count of min")
HYDRA_SERIES = ("series", "first difference")


def _figure(nrows, ncols, figsize):
    """A figure drawn by the Agg canvas (pyplot and the user's backend are left alone)."""
    Figure = require("matplotlib.figure").Figure

    fig = Figure(figsize=figsize)
    return fig, fig.subplots(nrows, ncols)


def channel_importance(clf) -> dict:
    """Per-channel number of selected features and summed ``|ridge weight|``.

    The weights are those of ``clf.ridge_.coef_``, i.e. on standardised features, summed over
    classes. A MiniRocket-family feature reads a combination of channels: it counts for each of them,
    and its weight is shared equally between them (so the weights still sum to the model's).

    Parameters
    ----------
    clf : LightWaveSClassifier
        A fitted classifier.

    Returns
    -------
    dict
        ``channels``, ``n_features`` and ``weight`` arrays of length ``n_channels_in_``.
    """
    t = clf.transformer_
    chans = t.feature_channels()
    w = clf.feature_weights_
    n = t.n_channels_in_
    ch = np.concatenate(chans) if chans else np.empty(0, dtype=np.int64)
    share = np.concatenate([np.full(len(c), wi / len(c)) for c, wi in zip(chans, w)]) if chans else np.empty(0)
    return {
        "channels": np.arange(n),
        "n_features": np.bincount(ch, minlength=n),
        "weight": np.bincount(ch, weights=share, minlength=n),
    }


def _plot_channels(clf, path):
    imp = channel_importance(clf)
    n = len(imp["channels"])
    fig, axes = _figure(1, 2, figsize=(max(7, 0.35 * n + 4), 3.4))
    sel = imp["n_features"] > 0
    colors = np.where(sel, "tab:blue", "lightgray")
    axes[0].bar(imp["channels"], imp["n_features"], color=colors)
    axes[0].set_title("selected features per channel")
    axes[0].set_xlabel("channel")
    axes[0].set_ylabel("features")
    axes[1].bar(imp["channels"], imp["weight"], color=np.where(sel, "tab:orange", "lightgray"))
    axes[1].set_title("sum of |ridge weight| per channel")
    axes[1].set_xlabel("channel")
    axes[1].set_ylabel("sum |w| (standardised features)")
    for ax in axes:
        if n <= 40:
            ax.set_xticks(imp["channels"])
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


#: (level in ``features_``, legend, colour, names of the feature codes) of each family
_FAMILIES = (
    (1, "level 1", "tab:blue", dict(zip(FEATURE_CODES, LEVEL_FEATURES))),
    (2, "level 2", "tab:green", dict(zip(FEATURE_CODES, LEVEL_FEATURES))),
    (0, "MiniRocket family", "tab:purple", {4 + j: n for j, n in enumerate(POOLS)}),
    (HYDRA_LEVEL, "Hydra family", "tab:red", dict(zip(HYDRA_STAT_CODES, HYDRA_STATS))),
)


def _plot_dilations(clf, path):
    f = clf.transformer_.features_
    fams = [fam for fam in _FAMILIES if (f[:, 3] == fam[0]).any()]
    dil = np.unique(f[:, 2])
    fig, axes = _figure(1, 2, figsize=(max(9, 0.4 * len(dil) + 5), 3.4))
    x = np.arange(len(dil))
    bottom = np.zeros(len(dil))
    for level, label, color, _ in fams:
        counts = np.array([np.sum((f[:, 2] == d) & (f[:, 3] == level)) for d in dil])
        axes[0].bar(x, counts, bottom=bottom, color=color, label=label)
        bottom += counts
    axes[0].set_xticks(x, [str(d) for d in dil])
    axes[0].set_xlabel("dilation")
    axes[0].set_ylabel("selected features")
    axes[0].set_title("dilations of the selected features")
    axes[0].legend()
    # one bar per (family, feature type) present
    pos = 0
    ticks, names = [], []
    for level, label, color, codes in fams:
        for code, name in codes.items():
            count = int(np.sum((f[:, 3] == level) & (f[:, 4] == code)))
            if count:
                axes[1].bar(pos, count, color=color)
                ticks.append(pos)
                names.append(name)
                pos += 1
    axes[1].set_xticks(ticks, names)
    axes[1].set_title("feature types (colour: family)")
    for ax in axes:
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def hydra_summary(clf) -> dict | None:
    """What the Hydra family contributes to a fitted classifier; None if it has no Hydra-family feature.

    Parameters
    ----------
    clf : LightWaveSClassifier
        A fitted classifier.

    Returns
    -------
    dict or None
        ``n_features`` (Hydra-family features, of ``n_features_total``), ``weight_share`` (their part of the
        summed ``|ridge weight|``, on standardised features), ``dilations`` (sorted, of the selected
        features), ``features`` (``(statistic, series, dilation)`` counts of the selected features:
        statistic 0 soft count of the maximum, 1 hard count of the minimum; series 0 the series, 1 its first
        difference), ``groups`` (``(series, dilation)`` counts of the groups computed at inference),
        ``n_groups`` and ``n_convolutions`` (eight per group) per case, ``groups_per_dilation`` (the
        ``hydra_groups`` drawn per dilation at fit time) and ``channels`` (read by the groups).
    """
    h = clf.transformer_.hydra_
    if not h.n_features:
        return None
    dil = np.unique(h.dilation)
    col = np.searchsorted(dil, h.dilation)  # dilation of each group, as a position in ``dil``
    features = np.zeros((len(HYDRA_STATS), len(HYDRA_SERIES), len(dil)), dtype=np.int64)
    np.add.at(features, (h.stat, h.diff[h.group], col[h.group]), 1)
    groups = np.zeros((len(HYDRA_SERIES), len(dil)), dtype=np.int64)
    np.add.at(groups, (h.diff, col), 1)
    w = clf.feature_weights_
    hydra_w = w[clf.transformer_.features_[:, 3] == HYDRA_LEVEL]
    return {
        "n_features": h.n_features,
        "n_features_total": int(clf.n_features_out_),
        "weight_share": float(hydra_w.sum() / w.sum()) if w.sum() > 0 else 0.0,
        "dilations": dil,
        "features": features,
        "groups": groups,
        "n_groups": h.n_groups,
        "n_convolutions": h.n_convolutions,
        "groups_per_dilation": clf.get_params()["hydra_groups"],
        "channels": h.channels,
    }


def _plot_hydra(summary, path):
    dil = summary["dilations"]
    x = np.arange(len(dil))
    fig, axes = _figure(1, 2, figsize=(max(9, 0.5 * len(dil) + 6), 3.6))
    colors = (("tab:red", "lightcoral"), ("tab:blue", "lightskyblue"))  # [statistic][series]
    bottom = np.zeros(len(dil))
    for s, stat in enumerate(HYDRA_STAT_NAMES):
        for r, series in enumerate(HYDRA_SERIES):
            counts = summary["features"][s, r]
            axes[0].bar(x, counts, bottom=bottom, color=colors[s][r], label=f"{stat}, {series}")
            bottom += counts
    axes[0].set_ylabel("selected features")
    axes[0].set_title("selected Hydra features by dilation")
    bottom = np.zeros(len(dil))
    for r, (series, color) in enumerate(zip(HYDRA_SERIES, ("tab:gray", "silver"))):
        axes[1].bar(x, summary["groups"][r], bottom=bottom, color=color, label=series)
        bottom += summary["groups"][r]
    for xi, n in zip(x, bottom):
        axes[1].annotate(str(int(n)), (xi, n), textcoords="offset points", xytext=(0, 2), ha="center", fontsize=9)
    axes[1].set_ylabel("groups (8 kernels each)")
    axes[1].set_title(f"groups computed at inference: {summary['n_groups']}")
    for ax, title in zip(axes, (None, f"{summary['groups_per_dilation']} drawn per dilation")):
        ax.set_ylim(0, 1.45 * max(ax.get_ylim()[1], 1))  # room for the legend
        ax.legend(fontsize=8, title=title, title_fontsize=8, loc="upper right")
        ax.set_xticks(x, [str(d) for d in dil])
        ax.set_xlabel("dilation")
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _hydra_section(summary, path) -> list[str]:
    """HTML of the report's Hydra section: two tables and the figure, drawn into ``path``."""
    _plot_hydra(summary, path)
    f = summary["features"].sum(axis=2)  # (statistic, series)
    rows = [[stat, *f[s].tolist(), int(f[s].sum())] for s, stat in enumerate(HYDRA_STAT_NAMES)]
    rows.append(["total", *f.sum(axis=0).tolist(), int(f.sum())])
    return [
        "<h2>Hydra family</h2>",
        _table(["", ""], [
            ("Hydra features", f"{summary['n_features']} of {summary['n_features_total']}"),
            ("share of sum |ridge weight|", f"{summary['weight_share']:.1%}"),
            ("groups computed at inference", f"{summary['n_groups']} ({summary['n_convolutions']} convolutions "
                                             "per case)"),
            ("groups drawn per dilation (hydra_groups)", summary["groups_per_dilation"]),
            ("channels read by the groups", summary["channels"].tolist()),
        ]),
        _table(["selected features", *HYDRA_SERIES, "total"], rows),
        _img(path, "Hydra family: selected features by dilation, statistic and series; groups computed at "
                   "inference per dilation"),
    ]


def _plot_confusion(labels, cm, path):
    n = len(labels)
    size = min(12, max(4.5, 0.5 * n + 2.5))
    fig, ax = _figure(1, 1, figsize=(size, size * 0.85))
    im = ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(n), labels, rotation=45 if max(map(len, labels)) > 3 else 0, ha="right" if max(map(len, labels)) > 3 else "center")
    ax.set_yticks(range(n), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("confusion matrix (test)")
    top = cm.max() if cm.size else 0
    if n <= 30:
        for i in range(n):
            for j in range(n):
                if cm[i, j]:
                    ax.text(j, i, str(cm[i, j]), ha="center", va="center",
                            color="white" if cm[i, j] > top / 2 else "black", fontsize=9)
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def single_case_latency(predict, x, repeats=30) -> float:
    """Median seconds of ``predict(x)`` for one case (after one warm-up call)."""
    predict(x)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        predict(x)
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def _pad(X, length):
    """Zero-pad every case to ``length`` (aeon's Rocket family needs equal lengths)."""
    if isinstance(X, np.ndarray) and X.shape[2] == length:
        return X
    cases = list(X)
    out = np.zeros((len(cases), cases[0].shape[0], length))
    for i, a in enumerate(cases):
        out[i, :, : a.shape[1]] = a
    return out


def _max_len(X):
    return X.shape[2] if isinstance(X, np.ndarray) else max(a.shape[1] for a in X)


def compare_methods(clf, X, y, X_train, y_train, random_state=0) -> list[dict]:
    """Accuracy, fit time and single-case latency of LightWaveS, MiniRocket and Rocket.

    MiniRocket and Rocket (aeon, default 10,000 kernels) are fitted on ``X_train``; unequal-length
    data is zero-padded to a common length for them. LightWaveS uses the already-fitted ``clf``
    (its fit time comes from the model's training metadata when known).

    Returns
    -------
    list of dict
        One row per method: ``method``, ``accuracy``, ``fit_s``, ``latency_ms``, ``features``.
    """
    aeon_cb = require("aeon.classification.convolution_based")
    MiniRocketClassifier, RocketClassifier = aeon_cb.MiniRocketClassifier, aeon_cb.RocketClassifier

    y = np.asarray(y)
    rows = []
    first = X[:1]
    acc = float(np.mean(clf.predict(X) == y))
    rows.append({
        "method": "LightWaveS",
        "accuracy": acc,
        "fit_s": (getattr(clf, "training_metadata_", {}) or {}).get("fit_time_s"),
        "latency_ms": 1e3 * single_case_latency(clf.predict, first),
        "features": int(clf.n_features_out_),
    })
    length = max(_max_len(X), _max_len(X_train))
    Xtr, Xte = _pad(X_train, length), _pad(X, length)
    for name, est in (("MiniRocket", MiniRocketClassifier(random_state=random_state)),
                      ("Rocket", RocketClassifier(random_state=random_state))):
        t0 = time.perf_counter()
        est.fit(Xtr, np.asarray(y_train))
        fit_s = time.perf_counter() - t0
        acc = float(np.mean(est.predict(Xte) == y))
        rows.append({
            "method": name,
            "accuracy": acc,
            "fit_s": fit_s,
            "latency_ms": 1e3 * single_case_latency(est.predict, Xte[:1], repeats=10),
            "features": 9996 if name == "MiniRocket" else 20000,
        })
    return rows


def _plot_compare(rows, path):
    fig, ax = _figure(1, 1, figsize=(6, 4))
    colors = {"LightWaveS": "tab:blue", "MiniRocket": "tab:orange", "Rocket": "tab:red"}
    for r in rows:
        ax.scatter(r["latency_ms"], r["accuracy"], s=90, color=colors.get(r["method"], "gray"), zorder=3)
        ax.annotate(r["method"], (r["latency_ms"], r["accuracy"]), textcoords="offset points",
                    xytext=(7, 5), fontsize=10)
    ax.set_xscale("log")
    ax.set_xlabel("single-case prediction latency (ms, log scale)")
    ax.set_ylabel("test accuracy")
    lo = min(r["accuracy"] for r in rows)
    ax.set_ylim(max(0.0, lo - 0.1), 1.02)
    lat = [r["latency_ms"] for r in rows]
    ax.set_xlim(min(lat) / 3, max(lat) * 5)
    ax.set_title("accuracy vs latency")
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _plot_budget_curve(curve, path):
    b, e, se = (np.asarray(curve[k], dtype=float) for k in ("budgets", "loo_error", "se"))
    fig, ax = _figure(1, 1, (6, 3.5))
    top = e + se
    if "holdout_error" in curve:  # the error that chose (older files: leave-one-out chose)
        h, hse = (np.asarray(curve[k], dtype=float) for k in ("holdout_error", "holdout_se"))
        ax.errorbar(b, h, yerr=hse, marker="o", capsize=4, label="held-out error (chooses)")
        top = np.maximum(top, h + hse)
    ax.errorbar(b, e, yerr=se, marker="s", capsize=4, alpha=0.6, label="leave-one-out error (optimistic)")
    ax.axvline(curve["chosen"], color="#c33", ls="--", label=f"chosen: {curve['chosen']}")
    ax.set_xscale("log")
    ax.minorticks_off()
    ax.set_xticks(b, [str(int(v)) for v in b])
    ax.set_ylim(0.0, max(0.05, float(top.max()) * 1.2))
    ax.set_xlabel("features (budget)")
    ax.set_ylabel("error on the selection cases")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _img(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}"><figcaption>{html.escape(alt)}</figcaption></figure>'


def _table(header, rows) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def write_report(clf, X, y, out_dir, compare=False, train=None, title=None) -> Path:
    """Write PNG plots and a self-contained ``index.html`` about ``clf`` evaluated on ``(X, y)``.

    A model with Hydra-family features also gets a Hydra section (:func:`hydra_summary`) and
    ``hydra_family.png``.

    Parameters
    ----------
    clf : LightWaveSClassifier
        A fitted classifier.
    X : array or list of 2D arrays
        Labelled test data.
    y : array-like
        Test labels.
    out_dir : str or os.PathLike
        Output directory (created if needed).
    compare : bool, default=False
        Also fit aeon's ``MiniRocketClassifier`` and ``RocketClassifier`` on ``train`` and plot
        accuracy against single-case latency. Needs ``train``.
    train : tuple (X_train, y_train), optional
        Training data for the comparison.
    title : str, optional
        Dataset name shown in the report.

    Returns
    -------
    Path
        The written ``index.html``.
    """
    from sklearn.metrics import balanced_accuracy_score, confusion_matrix

    if compare and train is None:
        raise ValueError("compare=True needs the training data: pass train=(X_train, y_train)")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    y = np.asarray(y)
    pred = clf.predict(X)
    ys, ps = y.astype(str), pred.astype(str)
    labels = np.unique(np.concatenate([clf.classes_.astype(str), ys]))
    cm = confusion_matrix(ys, ps, labels=labels)
    acc = float(np.mean(ys == ps))
    bacc = float(balanced_accuracy_score(ys, ps))

    figures = []
    p = out / "channel_importance.png"
    _plot_channels(clf, p)
    figures.append((p, "Per-channel importance: selected features and summed |ridge weight|"))
    p = out / "dilations_levels.png"
    _plot_dilations(clf, p)
    figures.append((p, "Selected dilations, feature families and feature types"))
    p = out / "confusion_matrix.png"
    _plot_confusion(labels.tolist(), cm, p)
    figures.append((p, "Confusion matrix on the test data"))
    curve = getattr(clf.transformer_, "n_features_curve_", None)
    if curve:  # n_features="auto"
        p = out / "budget_curve.png"
        _plot_budget_curve(curve, p)
        figures.append((p, "n_features='auto': error against the feature budget (1-SE rule on the held-out error)"))

    hydra = hydra_summary(clf)
    hydra_html = [] if hydra is None else _hydra_section(hydra, out / "hydra_family.png")

    rows = None
    if compare:
        rows = compare_methods(clf, X, y, *train)
        p = out / "accuracy_vs_latency.png"
        _plot_compare(rows, p)
        figures.append((p, "Accuracy vs single-case latency (LightWaveS, aeon MiniRocket, aeon Rocket)"))

    t = clf.transformer_
    meta = getattr(clf, "training_metadata_", {}) or {}
    name = title or meta.get("dataset") or "model"
    n_test = len(y)
    summary = [
        ("dataset", name),
        ("variant", clf.variant),
        ("features", t.n_features_out_),
        ("channels read", f"{len(t.selected_channels_)} of {t.n_channels_in_}: {t.selected_channels_.tolist()}"),
        ("training cases", meta.get("n_cases", "?")),
        ("test cases", n_test),
        ("test accuracy", f"{acc:.4f}"),
        ("balanced accuracy", f"{bacc:.4f}"),
        ("ridge alpha", f"{float(clf.ridge_.alpha_):.4g}"),
    ]
    if curve:
        held = "holdout_error" in curve
        summary.append(("budget (n_features='auto')", ", ".join(
            f"{bb}: {'held-out' if held else 'LOO'} error {ee:.3f} ± {ss:.3f}"
            for bb, ee, ss in zip(curve["budgets"], curve["holdout_error" if held else "loo_error"],
                                  curve["holdout_se" if held else "se"])) + f"; chosen {curve['chosen']}"))
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>LightWaveS report: {html.escape(str(name))}</title>",
        "<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}"
        "img{max-width:100%}figure{margin:1.5em 0}figcaption{color:#555;font-size:90%}</style></head><body>",
        f"<h1>LightWaveS report: {html.escape(str(name))}</h1>",
        _table(["", ""], summary),
    ]
    if rows is not None:
        parts.append("<h2>Comparison</h2>")
        parts.append(_table(
            ["method", "accuracy", "fit (s)", "single-case latency (ms)", "features"],
            [[r["method"], f"{r['accuracy']:.4f}", "?" if r["fit_s"] is None else f"{r['fit_s']:.2f}",
              f"{r['latency_ms']:.3f}", r["features"]] for r in rows],
        ))
    parts += hydra_html
    parts.append("<h2>Plots</h2>")
    parts += [_img(path, alt) for path, alt in figures]
    parts.append("<p style='color:#777;font-size:85%'>Ridge weights are on standardised features. "
                 "Generated by lightwaves.</p></body></html>")
    index = out / "index.html"
    index.write_text("\n".join(parts), encoding="utf-8")
    return index


__all__ = ["write_report", "channel_importance", "compare_methods", "hydra_summary", "single_case_latency"]
