"""Export a fitted model as dependency-free C99 source (``lightwaves export --format c``).

:func:`export_c` writes three files into a directory:

- ``lightwaves_model.h``: the interface (``LW_N_CHANNELS``, ``LW_N_CLASSES``, ``lw_class_names``,
  ``lw_predict``, plus ``lw_predict_proba`` and ``lw_predict_work``), error codes and the work-buffer size;
- ``lightwaves_model.c``: the selected features, the per-channel standardisation and the folded linear
  model as ``static const`` tables, and the code that computes them (no heap, no global mutable state);
- ``main.c``: a small program that reads cases as CSV lines from standard input and prints the predicted
  class, the scores and the probabilities.

The C code runs the very plans the Python runtime runs (:meth:`lightwaves.runtime.InferenceState.plans`),
so every model the library fits (the paper's variants, the MiniRocket family with either pooling and
first differences, any number of features, classes and labels) is exported; a model that cannot be
represented is refused with a ``ValueError``. See ``docs/deploy.md``.
"""

from __future__ import annotations

import os
import re

import numpy as np

from .c_templates import HEADER, MAIN, SOURCE
from .families.spec import KERNEL_POSITIONS, NEED_L2

#: Files written by :func:`export_c`.
FILES = ("lightwaves_model.h", "lightwaves_model.c", "main.c")
#: Longest series the stack buffer is sized for when the model does not record its training length.
DEFAULT_MAX_LENGTH = 1024
#: Largest value of the ``unsigned short`` index tables.
_USHORT = 65535


def export_c(model, out_dir, *, float32=False, max_length=None) -> list[str]:
    """Write a fitted model as C99 source and header into ``out_dir``.

    Parameters
    ----------
    model : LightWaveSClassifier, Predictor, str or os.PathLike
        A fitted classifier, a predictor from :func:`lightwaves.model_io.load_predictor`, or the path of a
        ``.lwz`` model file.
    out_dir : str or os.PathLike
        Directory to write into (created, with missing parents, if needed). Existing files of the export
        are replaced atomically; other files in it are left alone.
    float32 : bool
        Store the linear model's coefficients as float (about half the flash of the largest table) instead
        of double. By default (double) the scores are bit for bit the Python model's on the same float32
        input (before the final cast to float); with float coefficients a score is off by up to about
        ``6e-8 * sum_j |F_j * coef_j|``, so a near-tie can be decided differently. The series, convolutions
        and features are computed in double in both builds.
    max_length : int, optional
        Longest series ``lw_predict`` accepts; it sizes the stack work buffer. Default: the longest
        training series recorded with the model, else :data:`DEFAULT_MAX_LENGTH`.
        ``lw_predict_work`` takes a caller's buffer and has no limit.

    Returns
    -------
    list of str
        Paths of the files written (:data:`FILES` in ``out_dir``).

    Raises
    ------
    ValueError
        If ``model`` is not fitted, has no probability calibration, or cannot be represented, or if
        ``out_dir`` is an existing file.
    """
    from .fileio import atomic_open

    parts = model_parts(model)
    if max_length is None:
        max_length = parts["length_max"] or DEFAULT_MAX_LENGTH
    if isinstance(max_length, bool) or not isinstance(max_length, (int, np.integer)) or not 1 <= max_length <= 2**24:
        raise ValueError(f"max_length must be an integer from 1 to {2**24}, got {max_length!r}")
    sources = c_sources(parts, float64=not float32, max_length=int(max_length))
    out_dir = os.fspath(out_dir)
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise ValueError(f"{out_dir} exists and is not a directory; give the directory to write the C files into")
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for name in FILES:
        path = os.path.join(out_dir, name)
        with atomic_open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(sources[name])
        written.append(path)
    return written


def model_parts(model) -> dict:
    """What the export needs from a classifier, a predictor or a model file: the inference state (plans),
    the folded linear model, classes, temperature and the longest training series (or None)."""
    from .runtime import InferenceState, Predictor

    if isinstance(model, (str, os.PathLike)):
        from .model_io import load_predictor

        model = load_predictor(model, engine="numpy")
    if isinstance(model, Predictor):
        state = model.state
        coef, intercept, classes = model.coef_, model.intercept_, model.classes_
        temperature = model.temperature_
        training = getattr(model, "training_metadata_", None) or {}
    elif hasattr(model, "transformer_") and hasattr(model, "coef_"):
        t = model.transformer_
        state = InferenceState(t.n_channels_in_, t.feature_ids_, t.dilations_, t.channel_mean_, t.channel_std_,
                               getattr(t, "rocket_", None), engine="numpy")
        coef, intercept, classes = model.coef_, model.intercept_, model.classes_
        temperature = getattr(model, "temperature_", None)
        training = getattr(model, "training_metadata_", None) or {}
    else:
        raise ValueError(f"cannot export {type(model).__name__}: give a fitted LightWaveSClassifier, a Predictor "
                         "(lightwaves.model_io.load_predictor) or the path of a .lwz model file")
    if temperature is None:
        raise ValueError("the model has no probability calibration (saved by an older lightwaves); refit it to "
                         "export it")
    length = training.get("length_max") if isinstance(training, dict) else None
    length = int(length) if isinstance(length, (int, np.integer)) and not isinstance(length, bool) and \
        length >= 1 else None
    return {"state": state, "coef": np.atleast_2d(np.asarray(coef, dtype=np.float64)),
            "intercept": np.atleast_1d(np.asarray(intercept, dtype=np.float64)), "classes": np.asarray(classes),
            "temperature": float(temperature), "length_max": length}


# ------------------------------------------------------------------------------------ C text
def c_string(text: str) -> str:
    """A C string literal of ``text`` (UTF-8): printable ASCII as is, everything else octal-escaped
    (``"``, ``\\`` and ``?`` too, so no trigraph or escape can form)."""
    out = []
    for b in text.encode("utf-8"):
        ch = chr(b)
        if 32 <= b < 127 and ch not in '"\\?':
            out.append(ch)
        else:
            out.append(f"\\{b:03o}")
    return '"' + "".join(out) + '"'


def _join(values, per_line=16) -> str:
    """Comma-separated values, ``per_line`` to a line (no spaces: a 500-feature model of 15 classes stays
    under 200 KB of source)."""
    values = list(values)
    if len(values) <= per_line:
        return ",".join(values)
    lines = [",".join(values[i : i + per_line]) for i in range(0, len(values), per_line)]
    return "\n" + ",\n".join(lines) + "\n"


def _ints(a) -> str:
    return _join([str(int(v)) for v in np.asarray(a).ravel()], 32)


def _doubles(a) -> str:
    """Shortest literals that read back as the same doubles."""
    return _join([repr(float(v)) for v in np.asarray(a, dtype=np.float64).ravel()], 8)


def _reals(a, float64) -> str:
    """Literals of ``lw_real``: doubles, or the shortest literals of the nearest floats (``f`` suffix)."""
    if float64:
        return _doubles(a)
    vals = np.asarray(a, dtype=np.float64).ravel()
    if vals.size and np.abs(vals).max() > np.finfo(np.float32).max:
        raise ValueError("cannot store the coefficients as float: a value overflows float32; export without --float32")
    return _join([_float_literal(v) for v in vals.astype(np.float32)], 10)


def _float_literal(v) -> str:
    text = str(v)  # numpy's shortest repr of a float32
    if "e" not in text and "." not in text and "n" not in text:
        text += ".0"
    return text + "f"


def _check_range(name, values, limit):
    values = np.asarray(values)
    if values.size and (values.min() < 0 or values.max() > limit):
        raise ValueError(f"cannot export this model to C: {name} exceed the C tables' range (0-{limit})")


def c_sources(parts: dict, *, float64: bool, max_length: int) -> dict:
    """The text of each file of :data:`FILES` for the model ``parts`` (see :func:`model_parts`)."""
    from .version import __version__

    state = parts["state"]
    plan, mean, inv_sd, rplan = state.plans()
    coef, intercept, classes = parts["coef"], parts["intercept"], parts["classes"]
    n_paper = int(plan.gather_triple.shape[0])
    n_mr = 0 if rplan is None else rplan.n_features
    k = n_paper + n_mr
    n_classes = len(classes)
    n_out = 1 if n_classes == 2 else n_classes
    if coef.shape != (n_out, k) or intercept.shape != (n_out,):
        raise ValueError(f"cannot export: the linear model has shape {coef.shape}, expected {(n_out, k)}")
    if k < 1:
        raise ValueError("cannot export a model without features")
    _check_range("the number of features", [k], _USHORT)

    sel = np.asarray(state.selected_channels, dtype=np.int64)
    position = np.full(state.n_channels_in, -1, dtype=np.int64)
    position[sel] = np.arange(len(sel))
    _check_range("the selected channels", [len(sel)], _USHORT)
    subs = {
        "VERSION": __version__, "N_CHANNELS": str(state.n_channels_in), "N_CLASSES": str(n_classes),
        "N_FEATURES": str(k), "MAX_LENGTH": str(max_length), "FLOAT64": "1" if float64 else "0",
        "REAL": "double" if float64 else "float", "N_SELECTED": str(len(sel)), "N_OUT": str(n_out),
        "TEMPERATURE": repr(parts["temperature"]),
        "CLASS_NAMES": _join([c_string(str(c)) for c in classes.tolist()], 8),
        "KPOS": _join(["{" + ", ".join(str(int(p)) for p in row) + "}" for row in KERNEL_POSITIONS], 12),
        "SEL_CHANNEL": _ints(sel), "MEAN": _doubles(mean[sel]), "INV_SD": _doubles(inv_sd[sel]),
        "COEF": _join(["{" + _reals(row, float64) + "}" for row in coef], 1),
        "INTERCEPT": _doubles(intercept),
    }
    # paper family: triples, and per triple the output columns it fills
    n_triples = int(plan.channel.shape[0])
    has_l2 = bool(n_triples and (plan.needs & NEED_L2).any())
    subs.update(N_TRIPLES=str(n_triples), N_PAPER=str(max(n_paper, 1)), HAS_L2="1" if has_l2 else "0",
                L2_WORK="6" if has_l2 else "0")
    if n_triples:
        dil_values, dil_index = np.unique(plan.dilation, return_inverse=True)
        d = dil_values.astype(np.float64)
        scale = np.array([1.0 / (v * np.sqrt(v)) for v in d.tolist()])  # as the numba kernel computes it
        order = np.lexsort((np.arange(n_paper), plan.gather_triple))
        # flag 8: the triple has a level-1 feature other than the run (ppv, max, min)
        l1_used = np.zeros(n_triples, dtype=bool)
        l1_used[plan.gather_triple[np.isin(plan.gather_feature, (0, 1, 3))]] = True
        fstart = np.zeros(n_triples + 1, dtype=np.int64)
        np.cumsum(np.bincount(plan.gather_triple, minlength=n_triples), out=fstart[1:])
        _check_range("dilations", dil_values, 2**31 - 1)
        subs.update(
            N_DIL=str(len(dil_values)), DIL=_ints(dil_values), DIL_SCALE=_doubles(scale),
            DIL_SCALE2=_doubles([s * s for s in scale.tolist()]), TRI_SEL=_ints(position[plan.channel]), TRI_DIFF=_ints(plan.diff),
            TRI_DIL=_ints(dil_index.ravel()), TRI_KERNEL=_ints(plan.kernel), TRI_NEEDS=_ints(plan.needs | np.where(l1_used, 8, 0)),
            TRI_FSTART=_ints(fstart), TF_COL=_ints(order), TF_SLOT=_ints(plan.gather_feature[order]),
        )
    # MiniRocket family: convolutions and the features pooled from each (columns after the paper's); the
    # components they read come after the selected channels (entry n_sel + k: the k-th component read)
    n_conv = 0 if rplan is None else int(rplan.kernel.shape[0])
    rows, weights = state.components_read()
    comp_position = np.full(int(rows.max()) + 1 if len(rows) else 0, -1, dtype=np.int64)
    comp_position[rows] = len(sel) + np.arange(len(rows))
    position_ext = np.concatenate([position, comp_position])
    subs.update(N_COMP=str(len(rows)), COMP_W=_join(["{" + _doubles(w[sel]) + "}" for w in weights], 1))
    subs.update(N_CONV=str(n_conv), N_MR=str(max(n_mr, 1)),
                N_COMBO=str(max(len(rplan.combo_channels) if n_conv else 0, 1)))
    if n_conv:
        _check_range("MiniRocket-family convolutions", [n_conv, len(rplan.combo_channels)], _USHORT)
        _check_range("dilations", rplan.dilation, 2**31 - 1)
        _check_range("pooling operators", rplan.pool, 3)
        subs.update(
            MR_SERIES=_ints(rplan.series_id), MR_COMBO_OFF=_ints(rplan.combo_offsets),
            MR_COMBO=_ints(position_ext[rplan.combo_channels]), MR_DIFF=_ints(rplan.diff), MR_DIL=_ints(rplan.dilation),
            MR_KERNEL=_ints(rplan.kernel), MR_FSTART=_ints(rplan.feature_start),
            MR_VALID_ONLY=_ints(rplan.valid_only), MF_VALID=_ints(rplan.valid),
            MF_POOL=_ints(rplan.pool), MF_BIAS=_doubles(rplan.bias), MF_COL=_ints(rplan.column + n_paper),
        )
    family = []
    if n_paper:
        family.append(f"{n_paper} paper-family features ({n_triples} triples)")
    if n_mr:
        family.append(f"{n_mr} MiniRocket-family features ({n_conv} convolutions)")
    subs["DESCRIPTION"] = (f"{k} features: {', '.join(family)}; {len(sel)} of {state.n_channels_in} channels "
                           f"read; {n_classes} classes; {'double' if float64 else 'float'} coefficients.")
    subs["SOURCE"] = "lightwaves export --format c"
    out = {}
    for name, template in zip(FILES, (HEADER, SOURCE, MAIN)):
        text = template
        for key, value in subs.items():
            text = text.replace(f"@{key}@", value)
        # the tables of a family the model does not use sit in "#if 0" blocks: fill them with anything
        out[name] = re.sub(r"@[A-Z0-9_]+@", "0", text)
    return out


__all__ = ["DEFAULT_MAX_LENGTH", "FILES", "c_sources", "c_string", "export_c", "model_parts"]
