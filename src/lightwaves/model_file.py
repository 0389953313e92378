"""The ``.lwz`` model file: writing a fitted classifier, and reading and verifying a file.

This module knows the format, not the estimators (:mod:`lightwaves.model_io` rebuilds a classifier from
what :func:`read_model` returns), so the classifier can save itself without an import cycle.

A ``.lwz`` file is a zip archive holding exactly one JSON manifest (``manifest.json``) and ``.npy``
arrays under ``arrays/``. Nothing is pickled: arrays are read with ``allow_pickle=False`` and the
manifest with :func:`json.loads`, so loading a file never executes code.

The manifest records the format name and version, the library version, the estimator's parameters,
the classes (values and dtype), scalar fitted state, training metadata, a description of every array
member (dtype, shape, size, SHA-256) and a SHA-256 checksum over the content of every member (see
:func:`_checksum`). Any inconsistency found while loading raises :class:`ModelFileError`, a
``ValueError``.

Writing is atomic: the archive is written to a temporary file in the target directory, flushed and
fsynced, then moved over the target with :func:`os.replace`; a failed or interrupted save leaves any
existing file untouched.

Examples
--------
>>> from lightwaves.model_io import save, load   # the public entry points, re-exported there
>>> save(clf, "model.lwz", metadata={"dataset": "BasicMotions"})  # doctest: +SKIP
>>> clf2 = load("model.lwz")  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import io
import json
import os
import zipfile
import zlib
from typing import NamedTuple

import numpy as np

from .fileio import atomic_open, check_input_file, npy_header, npy_nbytes
from .families.hydra.features import ARRAY_SPEC as HYDRA_ARRAY_SPEC
from .families.rocket.features import ARRAY_SPEC as ROCKET_ARRAY_SPEC
from .params import AUTO_BUDGETS

FORMAT_NAME = "lightwaves-model"
#: 2: may hold MiniRocket-family arrays; 3: paper-family feature ids in the current layout (see
#: :mod:`lightwaves.families.paper.plan`), for features the first layout has no id for (first differences, mpv,
#: mipv); 4: may hold principal components (``rocket_components``); 5: may hold Hydra-family arrays
#: (``hydra_*``) and the parameter ``hydra_groups``, or ``n_features="auto"`` and its leave-one-out budget
#: curve; 6: an ``n_features="auto"`` curve with held-out errors. A model is written with the lowest version
#: that holds it, so older lightwaves read it.
FORMAT_VERSION = 6
MANIFEST = "manifest.json"
ARRAY_DIR = "arrays/"
MAX_MANIFEST_BYTES = 16 * 2**20
#: Largest model file, and largest total of its uncompressed members, that is read at all. A
#: 500-feature model is about 50 KB; this leaves room for 10^6 channels or 10^5 features.
MAX_MODEL_BYTES = 256 * 2**20
#: Room for an ``.npy`` header beyond the array data it describes.
MAX_NPY_HEADER = 4096

# name -> (attribute path, allowed dtype kinds, ndim)
_ARRAYS = {
    "channel_mean": ("transformer_.channel_mean_", "f", 1),
    "channel_std": ("transformer_.channel_std_", "f", 1),
    "dilations": ("transformer_.dilations_", "i", 1),
    "feature_ids": ("transformer_.feature_ids_", "i", 1),
    "feature_scores": ("transformer_.feature_scores_", "f", 1),
    "scaler_mean": ("scaler_.mean_", "f", 1),
    "scaler_scale": ("scaler_.scale_", "f", 1),
    "scaler_var": ("scaler_.var_", "f", 1),
    "ridge_coef": ("ridge_.coef_", "f", (1, 2)),  # sklearn may store 1D/0-d arrays for two classes
    "ridge_intercept": ("ridge_.intercept_", "f", (0, 1)),
    "ridge_alphas": ("ridge_.alphas", "f", 1),
    "coef": ("coef_", "f", 2),
    "intercept": ("intercept_", "f", 1),
}

#: Arrays of the MiniRocket family, present only in models that use it (then format version 2).
_ROCKET_ARRAYS = {f"rocket_{k}": (f"transformer_.rocket_ ({k})", kinds, ndim)
                  for k, (kinds, ndim) in ROCKET_ARRAY_SPEC.items()}
#: Arrays of the Hydra family, present only in models with Hydra features (then format version 5).
_HYDRA_ARRAYS = {f"hydra_{k}": (f"transformer_.hydra_ ({k})", kinds, ndim)
                 for k, (kinds, ndim) in HYDRA_ARRAY_SPEC.items()}
_ALL_ARRAYS = {**_ARRAYS, **_ROCKET_ARRAYS, **_HYDRA_ARRAYS}
#: Family arrays only models with principal components have (then format version 4).
_COMPONENT_ARRAYS = {"rocket_components"}

_CLASS_KINDS = {"U": "str", "S": "str", "i": "int", "u": "int", "f": "float", "b": "bool"}


class ModelFileError(ValueError):
    """A model file is not a valid ``.lwz`` file: wrong type, truncated, corrupted, tampered with,
    or written by a newer version of lightwaves."""


# ---------------------------------------------------------------------------------------- helpers
def _jsonable(value, where="metadata"):
    """Convert numpy scalars/arrays and tuples to plain JSON types (raises ``ValueError`` otherwise)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, np.bool_):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if not np.isfinite(value):
            return None
        return value
    if isinstance(value, np.ndarray):
        return [_jsonable(v, where) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, where) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v, where) for k, v in value.items()}
    raise ValueError(f"{where}: cannot store a value of type {type(value).__name__} ({value!r:.60})")


def _getattr_path(obj, path):
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _npy_bytes(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(a), allow_pickle=False)
    return buf.getvalue()


def _canonical(manifest: dict) -> bytes:
    body = {k: v for k, v in manifest.items() if k != "checksum"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def _checksum(manifest: dict, members: dict[str, bytes]) -> str:
    """SHA-256 over every array member (sorted by name: name, NUL, length, NUL, bytes) followed by
    the canonical JSON of the manifest without its ``checksum`` entry."""
    h = hashlib.sha256()
    for name in sorted(members):
        data = members[name]
        h.update(name.encode() + b"\0" + str(len(data)).encode() + b"\0")
        h.update(data)
    h.update(_canonical(manifest))
    return h.hexdigest()


def _classes_entry(classes: np.ndarray) -> dict:
    classes = np.asarray(classes)
    if classes.dtype.kind == "O":
        values = classes.tolist()
        kinds = {type(v) for v in values}
        if kinds <= {str}:
            kind = "str"
        elif kinds <= {int, np.int64}:
            kind = "int"
        elif kinds <= {float}:
            kind = "float"
        elif kinds <= {bool}:
            kind = "bool"
        else:
            raise ValueError(
                f"cannot save classes of mixed or unsupported types {sorted(k.__name__ for k in kinds)}"
            )
        return {"kind": kind, "dtype": "object", "values": _jsonable(values, "classes")}
    if classes.dtype.kind not in _CLASS_KINDS:
        raise ValueError(f"cannot save classes of dtype {classes.dtype}; use str, int, float or bool labels")
    values = classes.tolist()
    if classes.dtype.kind == "S":
        values = [v.decode("latin-1") for v in values]
    return {"kind": _CLASS_KINDS[classes.dtype.kind], "dtype": classes.dtype.str, "values": values}


def _params_entry(clf, with_hydra: bool) -> dict:
    """The estimator's parameters for the manifest. ``hydra_groups`` is left out of a model without Hydra
    features when it has its default (loading fills that in), so the file stays readable by lightwaves
    from before the Hydra family (format version 4 and older)."""
    from .families import FAMILY_DEFAULTS

    params = clf.get_params()
    if not with_hydra and params.get("hydra_groups") == FAMILY_DEFAULTS["hydra_groups"]:
        params.pop("hydra_groups")
    if params.get("detach_cost") == 0:  # its default: files stay readable by lightwaves from before it
        params.pop("detach_cost")
    out = {}
    for k, v in params.items():
        if k == "random_state" and not (v is None or isinstance(v, (int, np.integer))):
            v = None  # a RandomState instance is not stored; it only matters for re-fitting
        if k == "alphas" and v is not None:
            v = [float(a) for a in np.asarray(v, dtype=float).ravel()]
        out[k] = _jsonable(v, f"parameter {k}")
    return out


def training_metadata(X=None, y=None, fit_time=None, dataset=None, **extra) -> dict:
    """Describe the training data for the manifest.

    Parameters
    ----------
    X : array or list of 2D arrays, optional
        Training series (3D array, or a list of ``(n_channels, n_i)`` arrays).
    y : array-like, optional
        Training labels.
    fit_time : float, optional
        Seconds spent in ``fit``.
    dataset : str, optional
        Dataset name or source.
    **extra
        Further JSON-serialisable entries.

    Returns
    -------
    dict
        ``n_cases``, ``n_channels``, ``length_min``, ``length_max``, ``class_counts``,
        ``fit_time_s``, ``dataset`` (those that are known) plus ``extra``.
    """
    meta = {}
    if X is not None:
        if isinstance(X, np.ndarray) and X.dtype != object:
            Xa = X if X.ndim == 3 else X[:, None, :]
            meta.update(n_cases=int(Xa.shape[0]), n_channels=int(Xa.shape[1]),
                        length_min=int(Xa.shape[2]), length_max=int(Xa.shape[2]))
        else:
            shapes = [np.shape(a) for a in X]
            lengths = [s[-1] for s in shapes]
            meta.update(n_cases=len(shapes), n_channels=int(shapes[0][0]) if len(shapes[0]) == 2 else 1,
                        length_min=int(min(lengths)), length_max=int(max(lengths)))
    if y is not None:
        vals, counts = np.unique(np.asarray(y), return_counts=True)
        meta["class_counts"] = {str(v): int(c) for v, c in zip(vals.tolist(), counts.tolist())}
    if fit_time is not None:
        meta["fit_time_s"] = round(float(fit_time), 4)
    if dataset is not None:
        meta["dataset"] = str(dataset)
    meta.update(extra)
    return meta


# ------------------------------------------------------------------------------------------- save
def save(clf, path, metadata=None) -> None:
    """Write a fitted classifier to ``path`` as a ``.lwz`` file (atomically).

    Parameters
    ----------
    clf : LightWaveSClassifier
        A fitted classifier.
    path : str or os.PathLike
        Target file; replaced atomically if it exists.
    metadata : dict, optional
        Training metadata (see :func:`training_metadata`); merged over the classifier's
        ``training_metadata_`` (set by :func:`load`) and over what the model itself knows
        (n_cases, n_channels). The save date is always recorded.

    Raises
    ------
    ValueError
        If ``clf`` is not fitted or holds something that cannot be stored.
    OSError
        If the file cannot be written (an existing file is then left untouched).
    """
    from .version import __version__
    from .families.paper.plan import to_layout1

    if not hasattr(clf, "coef_") or not hasattr(clf, "transformer_"):
        from sklearn.exceptions import NotFittedError

        raise NotFittedError(f"This {type(clf).__name__} instance is not fitted yet. Call 'fit' with "
                             "appropriate arguments before saving it.")
    members = {}
    described = {}
    rocket = getattr(clf.transformer_, "rocket_", None)
    family = {f"rocket_{k}": v for k, v in rocket.to_arrays().items()} if rocket is not None and \
        rocket.n_features else {}
    hydra = getattr(clf.transformer_, "hydra_", None)
    if hydra is not None and hydra.n_features:
        family.update({f"hydra_{k}": v for k, v in hydra.to_arrays().items()})
    params_entry = _params_entry(clf, with_hydra=bool(set(_HYDRA_ARRAYS) & set(family)))
    layout1 = to_layout1(clf.transformer_.feature_ids_, len(clf.transformer_.dilations_))
    for name, (attr, _kinds, _ndim) in (*_ARRAYS.items(), *((n, (None, None, None)) for n in family)):
        try:
            if name == "feature_ids" and layout1 is not None:
                value = layout1
            else:
                value = family[name] if name in family else _getattr_path(clf, attr)
        except AttributeError:
            raise ValueError(f"the classifier has no attribute {attr}; is it fitted?") from None
        a = np.asarray(value)
        if name == "ridge_alphas":
            a = np.asarray(a, dtype=np.float64).ravel()
        member = f"{ARRAY_DIR}{name}.npy"
        data = _npy_bytes(a)
        members[member] = data
        described[name] = {
            "member": member,
            "dtype": a.dtype.str,
            "shape": list(a.shape),
            "nbytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }

    t = clf.transformer_
    meta = {
        "n_cases": int(np.asarray(clf.scaler_.n_samples_seen_).max()),
        "n_channels": int(t.n_channels_in_),
    }
    meta.update(getattr(clf, "training_metadata_", None) or {})
    meta.update(metadata or {})
    meta["saved"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    curve = getattr(t, "n_features_curve_", None)
    manifest = {
        "format": FORMAT_NAME,
        "format_version": (6 if curve is not None and "holdout_error" in curve
                           else 5 if "hydra_groups" in params_entry or curve is not None
                           else 4 if _COMPONENT_ARRAYS & set(family)
                           else 3 if layout1 is None else 2 if family else 1),
        "library_version": __version__,
        "estimator": "LightWaveSClassifier",
        "params": params_entry,
        "classes": _classes_entry(clf.classes_),
        "transformer": {
            "n_channels_in": int(t.n_channels_in_),
            "n_candidates_usable": int(t.n_candidates_usable_),
            **({} if curve is None else {"n_features_curve": _jsonable(curve, "n_features_curve_")}),
        },
        "scaler": {
            "n_features_in": int(clf.scaler_.n_features_in_),
            "n_samples_seen": int(np.asarray(clf.scaler_.n_samples_seen_).max()),
            "with_mean": bool(clf.scaler_.with_mean),
            "with_std": bool(clf.scaler_.with_std),
        },
        "ridge": {
            "alpha": float(clf.ridge_.alpha_),
            "best_score": _jsonable(getattr(clf.ridge_, "best_score_", None), "ridge best_score_"),
            "fit_intercept": bool(clf.ridge_.fit_intercept),
        },
        "calibration": {"temperature": float(clf.temperature_)},
        "training": _jsonable(meta, "metadata"),
        "arrays": described,
    }
    manifest["checksum"] = {"algorithm": "sha256", "value": _checksum(manifest, members)}
    manifest_bytes = json.dumps(manifest, indent=1, allow_nan=False).encode()
    _atomic_write(os.fspath(path), manifest_bytes, members)


def _write_zip(fileobj, manifest_bytes: bytes, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo(MANIFEST, date_time=(1980, 1, 1, 0, 0, 0)), manifest_bytes,
                    compress_type=zipfile.ZIP_DEFLATED)
        for name in sorted(members):
            zf.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), members[name],
                        compress_type=zipfile.ZIP_DEFLATED)


def _atomic_write(path: str, manifest_bytes: bytes, members: dict[str, bytes]) -> None:
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path} is a directory; give a file name such as model.lwz")
    with atomic_open(path, "wb") as f:
        _write_zip(f, manifest_bytes, members)


# ------------------------------------------------------------------------------------------- load
def read_manifest(path) -> dict:
    """The verified manifest of a ``.lwz`` file (checksums checked; arrays not decoded).

    Raises
    ------
    ModelFileError
        If the file is not a valid model file.
    """
    manifest, _ = _read(path)
    return manifest


def _fail(path, msg) -> ModelFileError:
    return ModelFileError(f"{path}: {msg}")


def _read(path):
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path} is a directory, not a model file")
    try:
        size = check_input_file(path, "model file", MAX_MODEL_BYTES)
    except ValueError as e:
        raise ModelFileError(str(e)) from None
    with open(path, "rb") as f:  # FileNotFoundError / PermissionError propagate (OSError)
        raw = f.read(size + 1)  # one byte more tells a file that grew after the check
    if len(raw) > MAX_MODEL_BYTES:
        raise _fail(path, f"the file is larger than a model file can be ({MAX_MODEL_BYTES} bytes)")
    if len(raw) == 0:
        raise _fail(path, "the file is empty (not a lightwaves model)")
    if not raw.startswith(b"PK"):
        raise _fail(path, "not a lightwaves model file (.lwz): not a zip archive")
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, EOFError, ValueError, OSError, NotImplementedError, KeyError,
            UnicodeDecodeError, RuntimeError) as e:
        raise _fail(path, f"truncated or corrupted model file (cannot read the zip directory: {e})") from None
    try:
        return _read_zip(path, zf)
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError,
            NotImplementedError, RuntimeError, UnicodeDecodeError) as e:
        raise _fail(path, f"truncated or corrupted model file ({type(e).__name__}: {e})") from None
    finally:
        zf.close()


def _read_member(path, zf, info, limit):
    if info.file_size > limit:
        raise _fail(path, f"member {info.filename} is too large ({info.file_size} bytes)")
    data = zf.read(info)  # checks the CRC-32
    if len(data) != info.file_size:
        raise _fail(path, f"member {info.filename} is truncated")
    return data


def _read_zip(path, zf):
    infos = {}
    for info in zf.infolist():
        if info.filename in infos:
            raise _fail(path, f"duplicate member {info.filename!r}")
        infos[info.filename] = info
    if MANIFEST not in infos:
        raise _fail(path, f"not a lightwaves model file: no {MANIFEST} in the archive")
    text = _read_member(path, zf, infos[MANIFEST], MAX_MANIFEST_BYTES)
    try:
        manifest = json.loads(text.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise _fail(path, f"the manifest is not valid JSON ({e})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        found = manifest.get("format") if isinstance(manifest, dict) else type(manifest).__name__
        raise _fail(path, f"not a lightwaves model file (format {found!r}, expected {FORMAT_NAME!r})")
    version = manifest.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _fail(path, f"invalid format_version {version!r}")
    if version > FORMAT_VERSION:
        from .version import __version__

        raise _fail(
            path,
            f"written by a newer lightwaves ({manifest.get('library_version', '?')}, format version "
            f"{version}); this lightwaves {__version__} reads format version {FORMAT_VERSION} or older."
            " Upgrade lightwaves to load it",
        )
    described = manifest.get("arrays")
    family = set(_ROCKET_ARRAYS) - _COMPONENT_ARRAYS if version >= 2 and isinstance(described, dict) and \
        set(_ROCKET_ARRAYS) & set(described) else set()
    if family and version >= 4:
        family |= _COMPONENT_ARRAYS & set(described)
    if version >= 5 and isinstance(described, dict) and set(_HYDRA_ARRAYS) & set(described):
        family |= set(_HYDRA_ARRAYS)
    if not isinstance(described, dict) or set(described) != set(_ARRAYS) | family:
        missing = sorted(set(_ARRAYS) - set(described or {})) if isinstance(described, dict) else "all"
        raise _fail(path, f"the manifest's array list is invalid (missing: {missing})")
    expected = {MANIFEST}
    for name, d in described.items():
        if not isinstance(d, dict) or d.get("member") != f"{ARRAY_DIR}{name}.npy":
            raise _fail(path, f"the manifest's entry for array {name!r} is invalid")
        expected.add(d["member"])
    unexpected = sorted(set(infos) - expected)
    if unexpected:
        raise _fail(path, f"unexpected member {unexpected[0]!r} in the archive (only .npy arrays and"
                          " the manifest are allowed); refusing to load")
    missing = sorted(expected - set(infos))
    if missing:
        raise _fail(path, f"member {missing[0]!r} is missing (truncated file?)")

    # Every size is checked against what the manifest's shapes imply before anything is inflated.
    total = 0
    for name, d in described.items():
        info = infos[d["member"]]
        implied = _implied_nbytes(path, name, d)
        nbytes = d.get("nbytes")
        if isinstance(nbytes, bool) or not isinstance(nbytes, int) or not implied < nbytes <= implied + MAX_NPY_HEADER:
            raise _fail(path, f"array {name}: the manifest's size {nbytes!r} does not match its shape "
                              f"{d.get('shape')} and dtype {d.get('dtype')}")
        if info.file_size != nbytes:
            raise _fail(path, f"member {d['member']} has {info.file_size} bytes, the manifest says {nbytes}")
        total += nbytes
        if total > MAX_MODEL_BYTES:
            raise _fail(path, f"the arrays would inflate to more than {MAX_MODEL_BYTES} bytes; refusing to"
                              " read them")
    members = {}
    for name, d in described.items():
        members[d["member"]] = _read_member(path, zf, infos[d["member"]], d["nbytes"])
    checksum = manifest.get("checksum")
    if not isinstance(checksum, dict) or checksum.get("algorithm") != "sha256":
        raise _fail(path, "the manifest has no sha256 checksum")
    actual = _checksum(manifest, members)
    if not isinstance(checksum.get("value"), str) or not hmac.compare_digest(actual, checksum["value"]):
        raise _fail(path, "checksum mismatch: the file was modified or corrupted after it was saved")
    return manifest, members


def _refuse_constant(token):
    raise ValueError(f"{token} is not allowed in a model file")


def _implied_nbytes(path, name, d) -> int:
    """Bytes of data the manifest entry of array ``name`` describes (dtype and shape checked)."""
    _attr, kinds, ndim = _ALL_ARRAYS[name]
    ndims = ndim if isinstance(ndim, tuple) else (ndim,)
    if not isinstance(d, dict):
        raise _fail(path, f"the manifest's entry for array {name!r} is invalid")
    shape, dtype = d.get("shape"), d.get("dtype")
    if (not isinstance(shape, list) or len(shape) not in ndims
            or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in shape)):
        raise _fail(path, f"array {name}: invalid shape {shape!r:.60} in the manifest")
    try:
        dt = np.dtype(dtype) if isinstance(dtype, str) else None
    except (TypeError, ValueError):
        dt = None
    if dt is not None and dt.hasobject:
        raise _fail(path, f"array {name} has dtype object, which cannot be read without pickle; refusing it")
    if dt is None or dt.kind not in kinds or dt.itemsize > 16 or dt.fields is not None:
        raise _fail(path, f"array {name}: invalid dtype {dtype!r:.40} in the manifest")
    return npy_nbytes(shape, dt)


def _decode_array(path, name, d, data):
    _attr, kinds, ndim = _ALL_ARRAYS[name]
    try:
        shape, dtype, offset = npy_header(data)
    except ValueError as e:
        raise _fail(path, f"array {name} is not a valid .npy array ({e})") from None
    if dtype.str != d.get("dtype") or list(shape) != d.get("shape"):
        raise _fail(path, f"array {name} does not match its manifest entry")
    if npy_nbytes(shape, dtype) != len(data) - offset:
        raise _fail(path, f"array {name} is truncated or has trailing bytes")
    try:
        a = np.load(io.BytesIO(data), allow_pickle=False)
    except ValueError as e:
        raise _fail(path, f"array {name} cannot be read ({e})") from None
    ndims = ndim if isinstance(ndim, tuple) else (ndim,)
    if not isinstance(a, np.ndarray) or a.dtype.kind not in kinds or a.ndim not in ndims:
        raise _fail(path, f"array {name} has dtype {getattr(a, 'dtype', '?')} and {getattr(a, 'ndim', '?')}"
                          f" dimensions; expected kind {kinds!r} with {ndim}")
    if a.dtype.str != d.get("dtype") or list(a.shape) != d.get("shape"):
        raise _fail(path, f"array {name} does not match its manifest entry")
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        raise _fail(path, f"array {name} contains NaN or inf")
    return a


def _decode_classes(path, entry):
    if not isinstance(entry, dict) or not isinstance(entry.get("values"), list):
        raise _fail(path, "the manifest's classes entry is invalid")
    kind, dtype, values = entry.get("kind"), entry.get("dtype"), entry["values"]
    types = {"str": str, "int": int, "float": float, "bool": bool}
    if kind not in types:
        raise _fail(path, f"unsupported class kind {kind!r}")
    for v in values:
        ok = isinstance(v, types[kind]) and not (kind == "int" and isinstance(v, bool))
        if kind == "float" and isinstance(v, int) and not isinstance(v, bool):
            ok = True
        if not ok:
            raise _fail(path, f"class value {v!r} is not of kind {kind}")
        if kind == "float" and not np.isfinite(float(v)):
            raise _fail(path, f"class value {v!r} is not finite")
    if dtype == "object":
        classes = np.empty(len(values), dtype=object)
        classes[:] = values
        return classes
    try:
        dt = np.dtype(dtype) if isinstance(dtype, str) else None
    except (TypeError, ValueError):
        dt = None
    if dt is None or dt.fields is not None or dt.itemsize > 4096:
        raise _fail(path, f"invalid class dtype {dtype!r:.40}")
    if dt.kind not in _CLASS_KINDS or _CLASS_KINDS[dt.kind] != kind:
        raise _fail(path, f"class dtype {dtype!r} does not match kind {kind!r}")
    try:
        if dt.kind == "S":
            values = [v.encode("latin-1") for v in values]
        classes = np.asarray(values, dtype=dt)
    except (OverflowError, ValueError, UnicodeEncodeError) as e:
        raise _fail(path, f"class values do not fit dtype {dtype} ({e})") from None
    if classes.tolist() != ([v.decode("latin-1") for v in values] if dt.kind == "S" else values):
        raise _fail(path, f"class values change when stored as dtype {dtype} (truncated or rounded)")
    return classes


#: Constructor parameters of LightWaveSClassifier a model file may record (tests keep it in step).
PARAM_NAMES = frozenset({
    "variant", "n_features", "n_candidates", "max_cases", "max_dilation", "random_state", "n_jobs",
    "backend", "progress", "distinct_candidates", "alphas", "selection", "pooling", "diff",
    "rocket_budget", "detach_step", "detach_cost", "bias_cases", "components", "hydra_groups", "arith",
})


def _load_parts(path):
    """Read, verify and decode a model file: (manifest, arrays, classes, params). No scikit-learn."""
    from .families.paper.plan import dilations_for
    from .params import check_params

    manifest, members = _read(path)
    try:
        arrays = {name: _decode_array(path, name, d, members[d["member"]])
                  for name, d in manifest["arrays"].items()}
        classes = _decode_classes(path, manifest.get("classes"))
        params = manifest.get("params")
        if not isinstance(params, dict):
            raise _fail(path, f"invalid estimator parameters {params!r:.80}")
        if set(params) - PARAM_NAMES:
            raise _fail(path, f"unknown estimator parameters {sorted(set(params) - PARAM_NAMES)!r:.80}")
        from .families import FAMILY_DEFAULTS
        from .params import LATER_DEFAULTS

        params = {**{k: v for k, v in {**FAMILY_DEFAULTS, **LATER_DEFAULTS}.items() if k not in params},
                  **params}  # older files
        if PARAM_NAMES - set(params):
            raise _fail(path, f"missing estimator parameters {sorted(PARAM_NAMES - set(params))!r:.80}")
        try:  # the same rules as for a new estimator
            check_params(params)
        except ValueError as e:
            raise _fail(path, f"invalid parameter: {e}") from None
        tinfo, sinfo, rinfo = manifest["transformer"], manifest["scaler"], manifest["ridge"]
        n_channels = tinfo["n_channels_in"]
        n_usable = tinfo["n_candidates_usable"]
        alpha = rinfo["alpha"]
        for label, v in (("n_channels_in", n_channels), ("n_candidates_usable", n_usable),
                         ("n_samples_seen", sinfo["n_samples_seen"])):
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise _fail(path, f"invalid {label} {v!r}")
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < np.inf:
            raise _fail(path, f"invalid ridge alpha {alpha!r}")
        calibration_temperature(path, manifest)
        features_curve(path, manifest)
    except (KeyError, TypeError) as e:
        raise _fail(path, f"the manifest is incomplete ({type(e).__name__}: {e})") from None
    _check_consistency(path, arrays, classes, n_channels, params, dilations_for, manifest["format_version"])
    return manifest, arrays, classes, params


class ModelParts(NamedTuple):
    """A verified model file, decoded but not turned into estimators (see :func:`read_model`)."""

    manifest: dict
    arrays: dict
    classes: np.ndarray
    params: dict


def read_model(path) -> ModelParts:
    """Read and check a model file exactly as :func:`load` does, without building estimators (so
    without importing scikit-learn): the manifest, the decoded arrays, the classes and parameters."""
    return ModelParts(*_load_parts(os.fspath(path)))


def features_curve(path, manifest):
    """The budget curve of an ``n_features="auto"`` model (``budgets``, ``holdout_error``, ``holdout_se``,
    ``loo_error``, ``se``, ``chosen``; see :func:`lightwaves.pipeline.choose_budget`), checked, or None. Format
    version 6 holds that curve; version 5 (written before the held-out rule, commit 4405e4d) has no held-out
    errors: its budget was chosen by ``loo_error``."""
    curve = manifest["transformer"].get("n_features_curve")
    if curve is None:
        return None
    old, new = {"budgets", "loo_error", "se", "chosen"}, {"holdout_error", "holdout_se"}
    expected = old | new if manifest["format_version"] >= 6 else old  # format 6: the held-out rule's curve
    if not isinstance(curve, dict) or set(curve) != expected:
        raise _fail(path, f"invalid n_features_curve {curve!r:.80}")
    budgets, chosen = curve["budgets"], curve["chosen"]
    series = [k for k in ("holdout_error", "holdout_se", "loo_error", "se") if k in curve]

    def numbers(v, kind):
        return isinstance(v, list) and 1 <= len(v) <= 64 and all(
            isinstance(x, kind) and not isinstance(x, bool) for x in v)

    if not (numbers(budgets, int) and all(numbers(curve[k], (int, float)) and len(curve[k]) == len(budgets)
                                          for k in series)):
        raise _fail(path, f"invalid n_features_curve: budgets, {', '.join(series[:-1])} and {series[-1]} must be "
                          "lists of numbers of one length")
    if budgets != sorted(set(budgets)) or budgets[0] < 1 or budgets[-1] > AUTO_BUDGETS[-1]:
        raise _fail(path, f"invalid n_features_curve budgets {budgets!r:.80}")
    if not all(0.0 <= x <= 1.0 for k in series for x in curve[k]):
        raise _fail(path, "invalid n_features_curve: errors and standard errors must lie in [0, 1]")
    if chosen not in budgets:
        raise _fail(path, f"invalid n_features_curve: chosen budget {chosen!r:.40} is not among its budgets")
    return {"budgets": budgets, **{k: [float(x) for x in curve[k]] for k in series}, "chosen": int(chosen)}


def calibration_temperature(path, manifest):
    """The softmax temperature of ``predict_proba``, or None for files saved before it existed."""
    cal = manifest.get("calibration")
    if cal is None:
        return None
    t = cal.get("temperature") if isinstance(cal, dict) else None
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0 < t < np.inf:
        raise _fail(path, f"invalid calibration temperature {t!r}")
    return float(t)


def load_predictor(path, n_jobs=1, engine="auto", arith=None):
    """Load only what prediction needs, without importing scikit-learn.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.lwz`` file, checked exactly as by :func:`load`.
    n_jobs : int
        numba threads for large batches (results do not depend on it).
    engine : {"auto", "numba", "numpy"}
        Kernels to run (see :func:`lightwaves.runtime.resolve_engine`): ``"numpy"`` never imports numba
        and gives the same predictions and scores; ``"auto"`` uses it when numba cannot be imported.
    arith : {"float64", "float32"} or None
        ``"float32"``: features and scores in single precision on the numpy engine, bit for bit the C
        export's float32 build (``lightwaves export --arith float32``); ``"float64"``: the classifier's
        arithmetic; None (the default): the model's ``arith`` parameter (``"float64"`` unless it was fitted
        with ``arith="float32"``).

    Returns
    -------
    lightwaves.runtime.Predictor
        ``predict`` / ``decision_function`` bit-for-bit equal to the classifier's, plus ``classes_``,
        ``n_channels_in_`` and ``selected_channels_``.
    """
    from .runtime import InferenceState, Predictor

    path = os.fspath(path)
    manifest, arrays, classes, params = _load_parts(path)
    state = InferenceState(
        manifest["transformer"]["n_channels_in"], arrays["feature_ids"], arrays["dilations"],
        arrays["channel_mean"], arrays["channel_std"], rocket=arrays.get("rocket"), engine=engine,
        hydra=arrays.get("hydra"), arith=params["arith"] if arith is None else arith,
    )
    pred = Predictor(state, arrays["coef"], arrays["intercept"], classes, n_jobs=n_jobs,
                     temperature=calibration_temperature(path, manifest), feature_mean=arrays["scaler_mean"])
    training = manifest.get("training")
    pred.training_metadata_ = dict(training) if isinstance(training, dict) else {}
    pred.model_arith_ = params["arith"]  # the arithmetic the model was fitted for
    return pred


def _check_consistency(path, arrays, classes, n_channels, params, dilations_for, version):
    """Shapes and values that must agree for the model to make sense.

    Feature ids of format versions 1 and 2 (the first layout) are converted to the current layout.

    The MiniRocket-family arrays (if any) are replaced by one ``RocketFeatures`` under ``"rocket"``, the
    Hydra-family arrays (if any) by one ``HydraFeatures`` under ``"hydra"``.
    """
    from .families.hydra.features import HydraFeatures
    from .families.rocket.features import RocketFeatures

    n_paper = arrays["feature_ids"].shape[0]
    k = n_paper
    for family, names, features in (("rocket", _ROCKET_ARRAYS, RocketFeatures), ("hydra", _HYDRA_ARRAYS, HydraFeatures)):
        found = {name[len(family) + 1:]: arrays.pop(name) for name in list(arrays) if name in names}
        if found:
            try:
                arrays[family] = features.from_arrays(found, n_channels)
            except ValueError as e:
                raise _fail(path, str(e)) from None
            k += arrays[family].n_features
    n_classes = len(classes)
    rows = 1 if n_classes == 2 else n_classes
    if n_classes < 2 or len(np.unique(classes)) != n_classes:
        raise _fail(path, f"invalid classes {classes.tolist()!r}")
    if n_channels < 1 or arrays["channel_mean"].shape != (n_channels,) or arrays["channel_std"].shape != (n_channels,):
        raise _fail(path, "channel statistics do not match n_channels_in")
    # fitting replaces a channel sd at most 1e-12 * max(|mean|, 1) by 1 (validation.finish_channel_stats):
    # a smaller one only makes standardised inputs overflow (and 1 / sd inf)
    std = arrays["channel_std"]
    if not ((std > 1e-12 * np.maximum(np.abs(arrays["channel_mean"]), 1.0)) | (std == 1.0)).all():
        raise _fail(path, "array channel_std: a channel's standard deviation is not positive or is below the "
                          "floor fitting applies (1e-12 * max(|mean|, 1))")
    if not (arrays["scaler_scale"] > 0).all() or (arrays["scaler_var"] < 0).any():
        raise _fail(path, "array scaler_scale must be positive and scaler_var non-negative")
    if k < 1:
        raise _fail(path, "the model has no features")
    limit = AUTO_BUDGETS[-1] if params["n_features"] == "auto" else params["n_features"]
    if k > limit:
        raise _fail(path, f"the model has {k} features but n_features is {params['n_features']}")
    alphas = arrays["ridge_alphas"]
    if alphas.size == 0 or not (alphas > 0).all():
        raise _fail(path, "ridge_alphas must be positive")
    shapes = {
        "feature_scores": [(k,)], "scaler_mean": [(k,)], "scaler_scale": [(k,)], "scaler_var": [(k,)],
        "ridge_coef": [(rows, k)] + ([(k,)] if rows == 1 else []),
        "ridge_intercept": [(rows,)] + ([()] if rows == 1 else []),
        "coef": [(rows, k)], "intercept": [(rows,)],
    }
    for name, allowed in shapes.items():
        if arrays[name].shape not in allowed:
            shape = allowed[0]
            raise _fail(path, f"array {name} has shape {arrays[name].shape}, expected {shape} "
                              f"({k} features, {n_classes} classes)")
    try:
        expected_dil = dilations_for(params.get("max_dilation", 32))
    except ValueError as e:
        raise _fail(path, f"invalid parameter: {e}") from None
    if not np.array_equal(arrays["dilations"], expected_dil):
        raise _fail(path, "dilations do not match max_dilation")
    ids = arrays["feature_ids"]
    from .families.paper.plan import from_layout1, n_ids

    layout1 = version < 3
    n_total = n_ids(n_channels, len(expected_dil), layout1=layout1)
    if n_paper and (ids.min() < 0 or ids.max() >= n_total or len(np.unique(ids)) != n_paper):
        raise _fail(path, "feature ids out of range or repeated")
    if layout1:
        arrays["feature_ids"] = from_layout1(ids, len(expected_dil))
