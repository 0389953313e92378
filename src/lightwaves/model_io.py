"""Saving and loading fitted :class:`~lightwaves.LightWaveSClassifier` models (``.lwz`` files, no pickle).

The public entry points: :func:`save` (also ``LightWaveSClassifier.save``), :func:`load` (a usable
classifier), :func:`load_predictor` (prediction only, without scikit-learn), :func:`read_model` and
:func:`read_manifest` (the verified contents). The format, and every check a file passes before any of
its values is used, live in :mod:`lightwaves.model_file`; this module rebuilds the estimators.

Examples
--------
>>> from lightwaves.model_io import save, load
>>> save(clf, "model.lwz", metadata={"dataset": "BasicMotions"})  # doctest: +SKIP
>>> clf2 = load("model.lwz")  # doctest: +SKIP
"""

from __future__ import annotations

import os

import numpy as np

from .model_file import (  # noqa: F401 - re-exported: the public names of model files
    FORMAT_VERSION,
    MANIFEST,
    PARAM_NAMES,
    ModelFileError,
    ModelParts,
    calibration_temperature,
    features_curve,
    load_predictor,
    read_manifest,
    read_model,
    save,
    training_metadata,
)


def load(path):
    """Load a classifier written by :func:`save`.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.lwz`` file.

    Returns
    -------
    LightWaveSClassifier
        The fitted classifier, with ``transformer_``, ``scaler_`` and ``ridge_`` rebuilt as usable
        objects, ``coef_``/``intercept_`` restored bit for bit, and the manifest's training
        metadata in ``training_metadata_`` (``model_file_`` holds the rest of the manifest).

    Raises
    ------
    ModelFileError
        If the file is not a lightwaves model, is truncated, corrupted or modified (checksum
        mismatch), inconsistent, or was written by a newer format version.
    OSError
        If the file cannot be read.
    """
    from .classifier import LightWaveSClassifier, fitted_ridge, fitted_scaler  # scikit-learn: only here
    from .pipeline import FittedSelection
    from .transformer import LightWaveSTransformer

    path = os.fspath(path)
    manifest, arrays, classes, params = read_model(path)
    tinfo, sinfo, rinfo = manifest["transformer"], manifest["scaler"], manifest["ridge"]

    clf = LightWaveSClassifier(**params)
    tparams = dict(params)
    tparams.pop("alphas", None)
    t = LightWaveSTransformer(**tparams)
    t.set_selection(FittedSelection(
        n_channels=int(tinfo["n_channels_in"]),
        mean=arrays["channel_mean"].astype(np.float64, copy=False),
        sd=arrays["channel_std"].astype(np.float64, copy=False),
        dilations=arrays["dilations"].astype(np.int64, copy=False),
        scores=arrays["feature_scores"].astype(np.float64, copy=False),
        n_usable=int(tinfo["n_candidates_usable"]),
        paper=arrays["feature_ids"].astype(np.int64, copy=False),
        rocket=arrays.get("rocket"),
        budget_curve=features_curve(path, manifest),
        hydra=arrays.get("hydra"),
    ))

    scaler = fitted_scaler(arrays["scaler_mean"], arrays["scaler_scale"], arrays["scaler_var"],
                           sinfo["n_samples_seen"])
    best = rinfo.get("best_score")
    ridge = fitted_ridge(arrays["ridge_coef"], arrays["ridge_intercept"], rinfo["alpha"], arrays["ridge_alphas"],
                         best if isinstance(best, (int, float)) and not isinstance(best, bool) else None, classes)

    clf.transformer_ = t
    clf.scaler_ = scaler
    clf.ridge_ = ridge
    clf.classes_ = classes
    clf.coef_ = np.ascontiguousarray(arrays["coef"])
    clf.intercept_ = arrays["intercept"]
    temperature = calibration_temperature(path, manifest)
    if temperature is not None:  # files saved before probabilities existed have none
        clf.temperature_ = temperature
    training = manifest.get("training")
    clf.training_metadata_ = dict(training) if isinstance(training, dict) else {}
    clf.model_file_ = {k: manifest[k] for k in ("format", "format_version", "library_version")}
    return clf


__all__ = ["FORMAT_VERSION", "MANIFEST", "PARAM_NAMES", "ModelFileError", "ModelParts", "load", "load_predictor", "read_manifest",
           "read_model", "save", "training_metadata"]
