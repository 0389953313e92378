"""Export a fitted model as dependency-free C99 source (``lightwaves export --format c``).

:func:`export_c` writes three files into a directory:

- ``lightwaves_model.h``: the interface (``LW_N_CHANNELS``, ``LW_N_CLASSES``, ``lw_class_names``,
  ``lw_predict``, plus ``lw_predict_proba`` and ``lw_predict_work``), error codes and the work-buffer size;
- ``lightwaves_model.c``: the selected features, the per-channel standardisation and the folded linear
  model as ``static const`` tables, and the code that computes them (no heap, no global mutable state);
- ``main.c``: a small program that reads cases as CSV lines from standard input and prints the predicted
  class, the scores and the probabilities.

With ``board="mps2-an386"`` it also writes the board support of :data:`BOARDS` (QEMU's Cortex-M4F board: a
vector table and reset handler, and a linker script), with which the same ``main.c`` runs on the board under
semihosting (standard input and output are the host's).

The C code runs the very plans the Python runtime runs (:meth:`lightwaves.runtime.InferenceState.plans`),
so every model the library fits (the paper's variants, the MiniRocket family with either pooling and
first differences, the Hydra family, any number of features, classes and labels) is exported; a model
that cannot be represented is refused with a ``ValueError``. See ``docs/deploy.md``.
"""

from __future__ import annotations

import os
import re

import numpy as np

from .c_literals import USHORT, arith_reals, c_string, check_range, doubles, ints, join, reals
from .c_templates import HEADER, MAIN, MPS2_AN386_LD, MPS2_AN386_STARTUP, SOURCE
from .families.hydra.export import c_tables as hydra_c_tables
from .families.paper.export import c_tables as paper_c_tables
from .families.rocket.export import c_tables as rocket_c_tables
from .families.spec import KERNEL_POSITIONS

#: Files written by :func:`export_c`.
FILES = ("lightwaves_model.h", "lightwaves_model.c", "main.c")
#: Longest series the stack buffer is sized for when the model does not record its training length.
DEFAULT_MAX_LENGTH = 1024
#: Board support files ``export_c(..., board=NAME)`` writes beside :data:`FILES` (name: {file: template}).
BOARDS = {"mps2-an386": {"startup_mps2_an386.c": MPS2_AN386_STARTUP, "mps2_an386.ld": MPS2_AN386_LD}}


def export_c(model, out_dir, *, float32=False, max_length=None, board=None, arith=None) -> list[str]:
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
        With the double arithmetic, store the linear model's coefficients as float (about half the flash
        of the largest table) instead of double. By default (double) the scores are bit for bit the Python
        model's on the same float32 input (before the final cast to float); with float coefficients a score
        is off by up to about ``6e-8 * sum_j |F_j * coef_j|``, so a near-tie can be decided differently.
    arith : {"float64", "float32"} or None
        Arithmetic of the series, convolutions, features, standardisation and scores (None, the default:
        the model's ``arith`` parameter, ``"float64"`` unless it was fitted with ``arith="float32"``). ``"float32"`` is for
        an FPU without double (a Cortex-M4F: double runs there in software, many times slower): every table
        is float, and the scores are bit for bit those of the Python float32 engine
        (``load_predictor(path, arith="float32")``) on the same input. Either build must be compiled without
        floating-point contraction (``-ffp-contract=off``; the default of ``-std=c99`` with GCC).
    max_length : int, optional
        Longest series ``lw_predict`` accepts; it sizes the stack work buffer. Default: the longest
        training series recorded with the model, else :data:`DEFAULT_MAX_LENGTH`.
        ``lw_predict_work`` takes a caller's buffer and has no limit.
    board : str, optional
        Also write the board support files of ``BOARDS[board]`` (``"mps2-an386"``: QEMU's Cortex-M4F board),
        which build the model and ``main.c`` into a firmware image (see docs/deploy.md).

    Returns
    -------
    list of str
        Paths of the files written (:data:`FILES` in ``out_dir``, then the board's files).

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
    if board is not None and board not in BOARDS:
        raise ValueError(f"unknown board {board!r}; known: {', '.join(BOARDS)}")
    from .runtime import check_arith

    arith = check_arith(parts["arith"] if arith is None else arith)
    sources = c_sources(parts, float64=not float32 and arith == "float64", max_length=int(max_length), arith=arith)
    if board is not None:
        sources.update(board_sources(board))
    out_dir = os.fspath(out_dir)
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise ValueError(f"{out_dir} exists and is not a directory; give the directory to write the C files into")
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for name in sources:
        path = os.path.join(out_dir, name)
        with atomic_open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(sources[name])
        written.append(path)
    return written


def board_sources(board: str) -> dict:
    """The text of each board support file of ``BOARDS[board]`` (they do not depend on the model)."""
    from .version import __version__

    return {name: text.replace("@VERSION@", __version__) for name, text in BOARDS[board].items()}


def model_parts(model) -> dict:
    """What the export needs from a classifier, a predictor or a model file: the inference state (plans),
    the folded linear model, classes, temperature and the longest training series (or None)."""
    from .runtime import Predictor

    if isinstance(model, (str, os.PathLike)):
        from .model_io import load_predictor

        model = load_predictor(model, engine="numpy")
    arith = getattr(model, "arith", "float64")
    if isinstance(model, Predictor):
        arith = getattr(model, "model_arith_", arith)
        state = model.state
        coef, intercept, classes = model.coef_, model.intercept_, model.classes_
        temperature = model.temperature_
        training = getattr(model, "training_metadata_", None) or {}
        feature_mean = model.feature_mean_
    elif hasattr(model, "transformer_") and hasattr(model, "coef_"):
        pred = Predictor.from_classifier(model, engine="numpy")
        state = pred.state
        coef, intercept, classes = pred.coef_, pred.intercept_, pred.classes_
        temperature = pred.temperature_
        training = pred.training_metadata_
        feature_mean = pred.feature_mean_
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
            "temperature": float(temperature), "length_max": length,
            "feature_mean": None if feature_mean is None else np.asarray(feature_mean, dtype=np.float64),
            "arith": arith}


def c_sources(parts: dict, *, float64: bool, max_length: int, arith: str = "float64") -> dict:
    """The text of each file of :data:`FILES` for the model ``parts`` (see :func:`model_parts`) in the
    arithmetic ``arith`` (``float64``: coefficients as double, else float)."""
    from .runtime import float32_linear_model
    from .version import __version__

    state = parts["state"]
    plan, mean, inv_sd, rplan = state.plans()
    coef, intercept, classes = parts["coef"], parts["intercept"], parts["classes"]
    n_paper = int(plan.gather_triple.shape[0])
    n_mr = 0 if rplan is None else rplan.n_features
    hplan = state.hydra_plan()
    n_h = 0 if hplan is None else hplan.n_features
    k = n_paper + n_mr + n_h
    n_classes = len(classes)
    n_out = 1 if n_classes == 2 else n_classes
    if coef.shape != (n_out, k) or intercept.shape != (n_out,):
        raise ValueError(f"cannot export: the linear model has shape {coef.shape}, expected {(n_out, k)}")
    if k < 1:
        raise ValueError("cannot export a model without features")
    check_range("the number of features", [k], USHORT)

    sel = np.asarray(state.selected_channels, dtype=np.int64)
    position = np.full(state.n_channels_in, -1, dtype=np.int64)
    position[sel] = np.arange(len(sel))
    check_range("the selected channels", [len(sel)], USHORT)
    arith32 = arith == "float32"
    subs = {
        "VERSION": __version__, "N_CHANNELS": str(state.n_channels_in), "N_CLASSES": str(n_classes),
        "N_FEATURES": str(k), "MAX_LENGTH": str(max_length), "FLOAT64": "1" if float64 else "0",
        "ARITH32": "1" if arith32 else "0",
        "REAL": "double" if float64 else "float", "N_SELECTED": str(len(sel)), "N_OUT": str(n_out),
        "TEMPERATURE": repr(parts["temperature"]),
        "CLASS_NAMES": join([c_string(str(c)) for c in classes.tolist()], 8),
        "KPOS": join(["{" + ", ".join(str(int(p)) for p in row) + "}" for row in KERNEL_POSITIONS], 12),
        "SEL_CHANNEL": ints(sel), "MEAN": arith_reals(mean[sel], arith, "channel means"),
        "INV_SD": arith_reals(inv_sd[sel], arith, "channel scales", nonzero=True),
        "COEF": join(["{" + reals(row, float64) + "}" for row in coef], 1),
        "INTERCEPT": doubles(intercept),
    }
    if arith32:  # the Python float32 engine's linear model (lightwaves.runtime.float32_linear_model)
        if parts.get("feature_mean") is None:
            raise ValueError("cannot export in float32 arithmetic: the model has no feature means")
        center, coef32, intercept32 = float32_linear_model(coef, intercept, parts["feature_mean"])
        subs.update(FMEAN=arith_reals(center, arith, "feature means"),
                    COEF=join(["{" + arith_reals(row, arith, "coefficients", 10) + "}" for row in coef32], 1),
                    INTERCEPT=arith_reals(intercept32, arith, "intercepts"))
    paper_subs, n_triples = paper_c_tables(plan, position, n_paper, arith=arith)
    rocket_subs, n_conv = rocket_c_tables(rplan, state.components_read(), sel, position, n_paper, n_mr, arith=arith)
    hydra_subs, n_hgroups = hydra_c_tables(hplan, position, n_paper + n_mr, arith=arith)
    subs["N_STD"] = str(len(sel)) if n_mr or n_h else "0"  # standardised channels kept per case
    combos = [np.diff(p.combo_offsets) for p in (rplan, hplan) if p is not None and len(p.combo_offsets) > 1]
    subs["MAX_COMBO"] = str(max([1] + [int(c.max()) for c in combos]))
    subs.update(paper_subs)
    subs.update(rocket_subs)
    subs.update(hydra_subs)
    family = []
    if n_paper:
        family.append(f"{n_paper} paper-family features ({n_triples} triples)")
    if n_mr:
        family.append(f"{n_mr} MiniRocket-family features ({n_conv} convolutions)")
    if n_h:
        family.append(f"{n_h} Hydra-family features ({n_hgroups} groups of 8 kernels)")
    subs["DESCRIPTION"] = (f"{k} features: {', '.join(family)}; {len(sel)} of {state.n_channels_in} channels "
                           f"read; {n_classes} classes; "
                           + ("float32 arithmetic." if arith32 else f"{'double' if float64 else 'float'} coefficients."))
    subs["SOURCE"] = "lightwaves export --format c"
    out = {}
    for name, template in zip(FILES, (HEADER, SOURCE, MAIN)):
        text = template
        for key, value in subs.items():
            text = text.replace(f"@{key}@", value)
        # the tables of a family the model does not use sit in "#if 0" blocks: fill them with anything
        out[name] = re.sub(r"@[A-Z0-9_]+@", "0", text)
    return out


__all__ = ["BOARDS", "DEFAULT_MAX_LENGTH", "FILES", "board_sources", "c_sources", "c_string", "export_c", "model_parts"]
