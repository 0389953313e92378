"""Saving and loading .lwz model files: parity, contents, corruption, no pickle, atomic writes."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import lightwaves
from lightwaves.model_io import FORMAT_VERSION, MANIFEST, ModelFileError, load, read_manifest, save

from .cli_fixtures import (  # noqa: F401  (fixtures)
    PYTHON,
    bm,
    bm_model,
    bm_model_file,
    fit_small,
    npy,
    read_zip,
    rewrite_model,
    write_zip,
)


def _same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


# ------------------------------------------------------------------------------------ round trip
def test_roundtrip_bitwise_same_process(bm, bm_model, bm_model_file):
    _, _, Xt, _ = bm
    clf = load(bm_model_file)
    assert _same_bits(clf.decision_function(Xt), bm_model.decision_function(Xt))
    assert np.array_equal(clf.predict(Xt), bm_model.predict(Xt))
    for name in ("coef_", "intercept_", "classes_"):
        assert _same_bits(getattr(clf, name), getattr(bm_model, name)), name
    t, t0 = clf.transformer_, bm_model.transformer_
    for name in ("channel_mean_", "channel_std_", "dilations_", "feature_ids_", "feature_scores_",
                 "selected_channels_", "features_"):
        assert _same_bits(getattr(t, name), getattr(t0, name)), name
    assert np.array_equal(t.feature_names_, t0.feature_names_)
    assert t.n_channels_in_ == t0.n_channels_in_ and t.n_candidates_usable_ == t0.n_candidates_usable_
    assert clf.get_params() == bm_model.get_params()


def test_rebuilt_scaler_and_ridge_are_usable(bm, bm_model_file):
    _, _, Xt, _ = bm
    clf = load(bm_model_file)
    F = clf.transformer_.transform(Xt)
    assert np.array_equal(clf.ridge_.predict(clf.scaler_.transform(F)), clf.predict(Xt))
    np.testing.assert_allclose(clf.ridge_.decision_function(clf.scaler_.transform(F)),
                               clf.decision_function(Xt), rtol=1e-9, atol=1e-9)
    assert clf.ridge_.alpha_ in clf.ridge_.alphas  # the winner is one of the grid's values
    assert clf.scaler_.n_samples_seen_ == 40


def _scores_in_new_process(code, model_file, X, tmp_path):
    """Run ``code`` (model path, input .npy, output .npy in sys.argv) in a fresh interpreter."""
    np.save(tmp_path / "X.npy", X)
    subprocess.run([PYTHON, "-c", code, str(model_file), str(tmp_path / "X.npy"), str(tmp_path / "s.npy")],
                   check=True, timeout=120)
    return np.load(tmp_path / "s.npy")


def test_roundtrip_in_new_process_is_bitwise(bm, bm_model, bm_model_file, tmp_path):
    _, _, Xt, _ = bm
    code = (
        "import sys, numpy as np, lightwaves;"
        "clf = lightwaves.load(sys.argv[1]);"
        "np.save(sys.argv[3], clf.decision_function(np.load(sys.argv[2])))"
    )
    got = _scores_in_new_process(code, bm_model_file, Xt, tmp_path)
    assert _same_bits(got, bm_model.decision_function(Xt))


def test_predictor_without_sklearn_is_bitwise_in_new_process(bm, bm_model, bm_model_file, tmp_path):
    """load_predictor: the deployment path imports numpy and numba only, and predicts identically."""
    _, _, Xt, _ = bm
    code = (
        "import sys, numpy as np;"
        "from lightwaves.model_io import load_predictor;"
        "p = load_predictor(sys.argv[1]);"
        "np.save(sys.argv[3], p.decision_function(np.load(sys.argv[2])));"
        "assert not [m for m in sys.modules if m.startswith('sklearn')], 'sklearn was imported'"
    )
    got = _scores_in_new_process(code, bm_model_file, Xt[:, bm_model.selected_channels_], tmp_path)
    assert _same_bits(got, bm_model.decision_function(Xt))


def test_predictor_matches_classifier_and_checks_input(bm, bm_model, bm_model_file):
    from lightwaves.model_io import load_predictor

    _, _, Xt, _ = bm
    p = load_predictor(bm_model_file)
    assert np.array_equal(p.predict(Xt), bm_model.predict(Xt))
    assert _same_bits(p.selected_channels_, bm_model.selected_channels_)
    assert p.n_channels_in_ == bm_model.n_channels_in_
    with pytest.raises(ValueError, match="channels"):
        p.predict(Xt[:, :2])
    with pytest.raises(ValueError, match="NaN"):
        p.predict(np.full_like(Xt[:1], np.nan))


def test_param_names_in_step_with_the_classifier():
    from lightwaves import LightWaveSClassifier
    from lightwaves.model_io import PARAM_NAMES

    assert PARAM_NAMES == set(LightWaveSClassifier._get_param_names())


def test_save_method_and_package_load(bm, bm_model, tmp_path):
    path = tmp_path / "m.lwz"
    bm_model.save(path)
    clf = lightwaves.load(path)
    assert _same_bits(clf.decision_function(bm[2]), bm_model.decision_function(bm[2]))


@pytest.mark.parametrize("kind", ["str", "int", "float", "bool", "object", "binary_str"])
def test_class_dtypes_roundtrip(bm, kind, tmp_path):
    X, y, Xt, _ = bm
    codes = np.unique(y, return_inverse=True)[1]
    labels = {
        "str": y,
        "int": codes.astype(np.int64) * 10 - 5,
        "float": codes * 2.0 - 1.0,  # sklearn ridge rejects non-integral float labels
        "bool": codes % 2 == 0,
        "object": np.asarray(y, dtype=object),
        "binary_str": np.where(codes % 2 == 0, "even", "odd"),
    }[kind]
    clf = fit_small(X, labels, n_features=12)
    save(clf, tmp_path / "m.lwz")
    got = load(tmp_path / "m.lwz")
    assert got.classes_.dtype == clf.classes_.dtype
    assert got.classes_.tolist() == clf.classes_.tolist()
    assert _same_bits(got.decision_function(Xt), clf.decision_function(Xt))
    assert np.array_equal(got.predict(Xt), clf.predict(Xt))
    assert got.ridge_.classes_.tolist() == clf.classes_.tolist()


def test_unequal_length_model_roundtrip(tmp_path):
    from aeon.datasets import load_classification

    X, y = load_classification("JapaneseVowels", split="train")
    keep = [i for i, label in enumerate(y) if label in ("1", "2", "3")][:60]
    X, y = [X[i] for i in keep], y[keep]
    clf = fit_small(X, y, n_features=25, max_dilation=8)
    save(clf, tmp_path / "jv.lwz", metadata={"dataset": "JapaneseVowels"})
    got = load(tmp_path / "jv.lwz")
    assert _same_bits(got.decision_function(X), clf.decision_function(X))
    assert got.get_params()["max_dilation"] == 8


def test_selected_channels_only_input(bm, bm_model, bm_model_file):
    _, _, Xt, _ = bm
    clf = load(bm_model_file)
    sel = clf.selected_channels_
    assert _same_bits(clf.decision_function(Xt[:, sel]), bm_model.decision_function(Xt[:, sel]))


def test_manifest_contents(bm_model_file):
    m = read_manifest(bm_model_file)
    assert m["format"] == "lightwaves-model" and m["format_version"] == 1
    assert m["library_version"] == lightwaves.__version__
    assert m["params"]["n_features"] == 40 and m["params"]["variant"] == "L1L2"
    assert m["classes"] == {"kind": "str", "dtype": "<U9",
                            "values": ["badminton", "running", "standing", "walking"]}
    assert m["training"]["dataset"] == "BasicMotions"
    assert m["training"]["n_cases"] == 40 and m["training"]["n_channels"] == 6
    assert "saved" in m["training"]
    assert m["checksum"]["algorithm"] == "sha256" and len(m["checksum"]["value"]) == 64
    names = zipfile.ZipFile(bm_model_file).namelist()
    assert names[0] == MANIFEST
    assert all(n == MANIFEST or (n.startswith("arrays/") and n.endswith(".npy")) for n in names)


def test_metadata_kept_when_resaved(bm_model, tmp_path):
    from lightwaves.model_io import training_metadata

    meta = training_metadata(np.zeros((3, 2, 7)), np.array(["a", "b", "a"]), fit_time=1.23456,
                             dataset="toy", note=np.int64(3))
    assert meta == {"n_cases": 3, "n_channels": 2, "length_min": 7, "length_max": 7,
                    "class_counts": {"a": 2, "b": 1}, "fit_time_s": 1.2346, "dataset": "toy", "note": 3}
    save(bm_model, tmp_path / "a.lwz", metadata=meta)
    clf = load(tmp_path / "a.lwz")
    assert clf.training_metadata_["dataset"] == "toy"
    clf.save(tmp_path / "b.lwz")
    assert load(tmp_path / "b.lwz").training_metadata_["class_counts"] == {"a": 2, "b": 1}
    ragged = training_metadata([np.zeros((2, 5)), np.zeros((2, 9))])
    assert (ragged["length_min"], ragged["length_max"], ragged["n_channels"]) == (5, 9, 2)


def test_unfitted_and_bad_metadata(bm_model, tmp_path):
    with pytest.raises(ValueError, match="not fitted"):
        save(lightwaves.LightWaveSClassifier(), tmp_path / "x.lwz")
    with pytest.raises(ValueError, match="cannot store"):
        save(bm_model, tmp_path / "x.lwz", metadata={"bad": object()})
    assert not (tmp_path / "x.lwz").exists()
    with pytest.raises(IsADirectoryError):
        save(bm_model, tmp_path)


# ------------------------------------------------------------------------------------ corruption
@pytest.mark.parametrize("keep", [0, 1, 10, 100, 1000, -200, -30, -1])
def test_truncated_file(bm_model_file, tmp_path, keep):
    data = bm_model_file.read_bytes()
    bad = tmp_path / "t.lwz"
    bad.write_bytes(data[:keep] if keep >= 0 else data[:len(data) + keep])
    with pytest.raises(ModelFileError):
        load(bad)


def test_flipped_bytes_never_load_silently_wrong(bm, bm_model_file, tmp_path):
    """Every flipped byte gives ModelFileError or (zip bookkeeping only) an identical model."""
    _, _, Xt, _ = bm
    ref = load(bm_model_file).decision_function(Xt[:3])
    data = bytearray(bm_model_file.read_bytes())
    rng = np.random.default_rng(0)
    positions = sorted(set(np.linspace(0, len(data) - 1, 150).astype(int).tolist()
                           + rng.integers(0, len(data), 150).tolist()))
    bad = tmp_path / "f.lwz"
    errors = 0
    for pos in positions:
        flipped = bytearray(data)
        flipped[pos] ^= 0x5A
        bad.write_bytes(bytes(flipped))
        try:
            clf = load(bad)
        except ModelFileError:
            errors += 1
            continue
        assert _same_bits(clf.decision_function(Xt[:3]), ref), f"silent change at byte {pos}"
    assert errors > 0.8 * len(positions)


def test_flipped_byte_in_array_data(bm_model_file, tmp_path):
    members = read_zip(bm_model_file)
    coef = bytearray(members["arrays/coef.npy"])
    coef[-3] ^= 1
    with zipfile.ZipFile(bm_model_file) as zf:  # keep the zip CRC consistent: only the checksum catches it
        order = zf.namelist()
    members["arrays/coef.npy"] = bytes(coef)
    write_zip(tmp_path / "c.lwz", {n: members[n] for n in order})
    with pytest.raises(ModelFileError, match="checksum mismatch"):
        load(tmp_path / "c.lwz")


def test_tampered_manifest_without_new_checksum(bm_model_file, tmp_path):
    def edit(m):
        m["ridge"]["alpha"] = 123.0

    rewrite_model(bm_model_file, tmp_path / "t.lwz", edit_manifest=edit, recompute=False)
    with pytest.raises(ModelFileError, match="checksum mismatch"):
        load(tmp_path / "t.lwz")


def test_tampered_array_without_new_checksum(bm_model_file, tmp_path):
    rewrite_model(bm_model_file, tmp_path / "t.lwz",
                  replace={"arrays/intercept.npy": npy(np.zeros(4))}, recompute=False)
    with pytest.raises(ModelFileError):
        load(tmp_path / "t.lwz")


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda m: m["transformer"].update(n_channels_in=7), "channel statistics"),
        (lambda m: m["params"].update(max_dilation=16), "dilations"),
        (lambda m: m["params"].update(evil="x"), "unknown estimator parameters"),
        (lambda m: m["classes"].update(values=["a", "b", "c"]), "shape"),
        (lambda m: m["classes"].update(kind="int"), "not of kind int"),
        (lambda m: m["classes"].update(dtype="<M8[s]"), "class dtype"),
        (lambda m: m.pop("ridge"), "incomplete"),
        (lambda m: m["arrays"].pop("coef"), "array list"),
        (lambda m: m.update(format="something-else"), "not a lightwaves model"),
        (lambda m: m.update(format_version=99), "newer lightwaves"),
        (lambda m: m.update(format_version="1"), "invalid format_version"),
    ],
)
def test_tampered_manifest_with_recomputed_checksum(bm_model_file, tmp_path, edit, match):
    rewrite_model(bm_model_file, tmp_path / "t.lwz", edit_manifest=edit)
    with pytest.raises(ModelFileError, match=match):
        load(tmp_path / "t.lwz")


def test_consistent_edit_with_recomputed_checksum_loads(bm_model_file, tmp_path):
    """The checksum detects corruption, not a deliberate consistent edit (no signature)."""
    rewrite_model(bm_model_file, tmp_path / "t.lwz",
                  edit_manifest=lambda m: m["training"].update(dataset="renamed"))
    assert load(tmp_path / "t.lwz").training_metadata_["dataset"] == "renamed"


def test_inconsistent_arrays_with_recomputed_checksum(bm_model_file, tmp_path):
    rewrite_model(bm_model_file, tmp_path / "a.lwz", replace={"arrays/feature_ids.npy": npy(np.arange(3))})
    with pytest.raises(ModelFileError, match="shape"):
        load(tmp_path / "a.lwz")
    ids = np.load(__import__("io").BytesIO(read_zip(bm_model_file)["arrays/feature_ids.npy"]))
    ids[0] = 10**9
    rewrite_model(bm_model_file, tmp_path / "b.lwz", replace={"arrays/feature_ids.npy": npy(ids)})
    with pytest.raises(ModelFileError, match="out of range"):
        load(tmp_path / "b.lwz")
    rewrite_model(bm_model_file, tmp_path / "c.lwz",
                  replace={"arrays/coef.npy": npy(np.full((4, 40), np.nan))})
    with pytest.raises(ModelFileError, match="NaN"):
        load(tmp_path / "c.lwz")
    rewrite_model(bm_model_file, tmp_path / "d.lwz", replace={"arrays/coef.npy": npy(np.ones((4, 40), "<U3"))})
    with pytest.raises(ModelFileError, match="dtype"):
        load(tmp_path / "d.lwz")


def test_future_version(bm_model_file, tmp_path):
    rewrite_model(bm_model_file, tmp_path / "v.lwz",
                  edit_manifest=lambda m: m.update(format_version=FORMAT_VERSION + 1, library_version="9.0"))
    with pytest.raises(ModelFileError, match=rf"newer lightwaves \(9.0, format version {FORMAT_VERSION + 1}\)"):
        load(tmp_path / "v.lwz")


@pytest.mark.parametrize(
    "content, match",
    [
        (b"", "empty"),
        (b"case,prediction\n0,a\n", "not a zip"),
        (b"\x93NUMPY\x01\x00", "not a zip"),
        (b"PK\x03\x04garbage", "truncated or corrupted"),
    ],
)
def test_not_a_model_file(tmp_path, content, match):
    (tmp_path / "x.lwz").write_bytes(content)
    with pytest.raises(ModelFileError, match=match):
        load(tmp_path / "x.lwz")


def test_zip_without_manifest_or_bad_json(tmp_path):
    write_zip(tmp_path / "a.lwz", {"arrays/coef.npy": npy(np.ones(3))})
    with pytest.raises(ModelFileError, match="no manifest.json"):
        load(tmp_path / "a.lwz")
    write_zip(tmp_path / "b.lwz", {MANIFEST: b"{not json"})
    with pytest.raises(ModelFileError, match="not valid JSON"):
        load(tmp_path / "b.lwz")
    write_zip(tmp_path / "c.lwz", {MANIFEST: b"[1, 2]"})
    with pytest.raises(ModelFileError, match="not a lightwaves model"):
        load(tmp_path / "c.lwz")


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "nope.lwz")
    with pytest.raises(IsADirectoryError):
        load(tmp_path)


class _Payload:
    """Unpickling this creates a marker file: it must never happen."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_zip_with_pickle_member_is_refused(bm_model_file, tmp_path):
    marker = tmp_path / "pwned"
    rewrite_model(bm_model_file, tmp_path / "p.lwz",
                  add={"model.pkl": pickle.dumps(_Payload(str(marker)))})
    with pytest.raises(ModelFileError, match="unexpected member 'model.pkl'"):
        load(tmp_path / "p.lwz")
    assert not marker.exists()


def test_pickled_npy_member_is_never_unpickled(bm_model_file, tmp_path):
    marker = tmp_path / "pwned"
    payload = np.empty(4, dtype=object)
    payload[:] = [_Payload(str(marker))] * 4
    data = npy(payload, allow_pickle=True)
    assert not marker.exists()

    def fix(m):  # make the manifest agree with the pickled member so only allow_pickle stops it
        d = m["arrays"]["intercept"]
        d["dtype"], d["shape"] = "|O", [4]

    members = read_zip(bm_model_file)
    manifest = json.loads(members[MANIFEST])
    from lightwaves.model_file import _checksum
    import hashlib

    members["arrays/intercept.npy"] = data
    d = manifest["arrays"]["intercept"]
    d.update(nbytes=len(data), sha256=hashlib.sha256(data).hexdigest())
    fix(manifest)
    manifest["checksum"]["value"] = _checksum(manifest, {k: v for k, v in members.items() if k != MANIFEST})
    members[MANIFEST] = json.dumps(manifest).encode()
    write_zip(tmp_path / "q.lwz", members)
    with pytest.raises(ModelFileError, match="without pickle"):
        load(tmp_path / "q.lwz")
    assert not marker.exists()


def test_duplicate_and_oversized_members(bm_model_file, tmp_path):
    members = read_zip(bm_model_file)
    path = tmp_path / "d.lwz"
    with zipfile.ZipFile(path, "w") as zf:
        for n, d in members.items():
            zf.writestr(n, d)
        with pytest.warns(UserWarning):
            zf.writestr("arrays/coef.npy", members["arrays/coef.npy"])
    with pytest.raises(ModelFileError, match="duplicate member"):
        load(path)


# ------------------------------------------------------------------------------------ atomic write
def _no_temp_files(directory):
    return [p.name for p in directory.iterdir() if p.name.endswith(".tmp")] == []


def test_interrupted_save_keeps_old_file(bm_model, bm_model_file, tmp_path, monkeypatch):
    import lightwaves.model_file as mio

    target = tmp_path / "model.lwz"
    target.write_bytes(bm_model_file.read_bytes())
    before = target.read_bytes()
    real = mio._write_zip

    def crash(fileobj, manifest_bytes, members):
        fileobj.write(b"PK\x03\x04 half a zip")
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(mio, "_write_zip", crash)
    with pytest.raises(OSError, match="disk full"):
        save(bm_model, target)
    assert target.read_bytes() == before and _no_temp_files(tmp_path)

    def interrupt(fileobj, manifest_bytes, members):
        real(fileobj, manifest_bytes, members)
        raise KeyboardInterrupt

    monkeypatch.setattr(mio, "_write_zip", interrupt)
    with pytest.raises(KeyboardInterrupt):
        save(bm_model, target)
    assert target.read_bytes() == before and _no_temp_files(tmp_path)

    monkeypatch.setattr(mio, "_write_zip", real)
    monkeypatch.setattr(mio.os, "replace", lambda a, b: (_ for _ in ()).throw(OSError("rename failed")))
    with pytest.raises(OSError, match="rename failed"):
        save(bm_model, target)
    assert target.read_bytes() == before and _no_temp_files(tmp_path)
    load(target)


def test_interrupted_first_save_leaves_nothing(bm_model, tmp_path, monkeypatch):
    import lightwaves.model_file as mio

    monkeypatch.setattr(mio.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError("I/O error")))
    with pytest.raises(OSError):
        save(bm_model, tmp_path / "new.lwz")
    assert list(tmp_path.iterdir()) == []


def test_save_replaces_and_keeps_mode(bm_model, tmp_path):
    target = tmp_path / "m.lwz"
    target.write_text("old")
    os.chmod(target, 0o640)
    save(bm_model, target)
    assert (os.stat(target).st_mode & 0o777) == 0o640
    load(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.lwz"]


# ------------------------------------------------------------------ feature-id layouts
def _stored_ids(path):
    with zipfile.ZipFile(path) as zf, zf.open("arrays/feature_ids.npy") as f:
        return np.load(f, allow_pickle=False)


def test_paper_features_are_stored_in_the_first_layout(bm_model, bm_model_file):
    """A model of the paper's features is written as older lightwaves wrote it (format version 1, ids
    ``((channel * n_dil + dil) * 84 + kernel) * 8 + 4 * level + feature``) and read back in the current
    layout, so files move both ways between versions."""
    from lightwaves.families.paper.plan import decode, from_layout1, to_layout1

    ids = bm_model.transformer_.feature_ids_
    stored = _stored_ids(bm_model_file)
    assert read_manifest(bm_model_file)["format_version"] == 1
    n_dil = len(bm_model.transformer_.dilations_)
    channel, _, dil, kernel, slot = decode(ids, n_dil)
    expected = ((channel * n_dil + dil) * 84 + kernel) * 8 + 4 * (slot // 6) + slot % 6
    np.testing.assert_array_equal(stored, expected)
    assert not np.array_equal(stored, ids)
    np.testing.assert_array_equal(to_layout1(ids, n_dil), stored)
    np.testing.assert_array_equal(from_layout1(stored, n_dil), ids)
    np.testing.assert_array_equal(load(bm_model_file).transformer_.feature_ids_, ids)


def test_first_difference_and_multirocket_features_roundtrip(bm, tmp_path):
    """Features the first layout has no id for are written in the current layout, as format version 3,
    and load (classifier and predictor, both engines) with the same bits.

    The model holds a feature of every paper-family kind by construction (:func:`tests.forced.covering_fit`,
    not by what selection, which goes through BLAS, happens to keep), so the name checks are exact."""
    from lightwaves import LightWaveSClassifier
    from lightwaves.model_io import load_predictor

    from .forced import covering_fit

    X, y, Xt, _ = bm
    clf = covering_fit(LightWaveSClassifier(n_features=60, random_state=0, variant="L1L2", pooling="multirocket",
                                            diff=True), X, y)
    names = clf.transformer_.feature_names_
    assert any("/diff/" in n for n in names) and any(n.endswith(("/mpv", "/mipv")) for n in names)
    path = tmp_path / "mp.lwz"
    save(clf, path)
    assert read_manifest(path)["format_version"] == 3 < FORMAT_VERSION  # 4 only with principal components
    np.testing.assert_array_equal(_stored_ids(path), clf.transformer_.feature_ids_)
    loaded = load(path)
    np.testing.assert_array_equal(loaded.transformer_.feature_names_, names)
    assert _same_bits(loaded.decision_function(Xt), clf.decision_function(Xt))
    for engine in ("numba", "numpy"):
        pred = load_predictor(path, engine=engine)
        assert _same_bits(pred.decision_function(Xt), clf.decision_function(Xt))
        assert _same_bits(pred.predict_proba(Xt), clf.predict_proba(Xt))


def test_current_layout_ids_out_of_range_are_refused(bm, tmp_path):
    from lightwaves.families.paper.plan import n_ids

    X, y, _, _ = bm
    clf = fit_small(X, y, n_features=20, variant="L1", pooling="multirocket", diff=True)
    save(clf, tmp_path / "m.lwz")
    assert read_manifest(tmp_path / "m.lwz")["format_version"] == 3
    ids = clf.transformer_.feature_ids_.copy()
    ids[0] = n_ids(X.shape[1], len(clf.transformer_.dilations_))
    rewrite_model(tmp_path / "m.lwz", tmp_path / "bad.lwz", replace={"arrays/feature_ids.npy": npy(ids)})
    with pytest.raises(ModelFileError, match="feature ids out of range"):
        load(tmp_path / "bad.lwz")


# ------------------------------------------------------------------ hostile values behind a valid checksum
@pytest.fixture(scope="module")
def mr_file(tmp_path_factory):
    """A small fitted model of the MiniRocket family with principal components (the default), saved."""
    from lightwaves import LightWaveSClassifier

    from .conftest import make_data

    X, y = make_data(n_cases=24, n_channels=3, length=30, n_classes=3)
    clf = LightWaveSClassifier(n_features=12, random_state=0).fit(X, y)
    path = tmp_path_factory.mktemp("hostile") / "mr.lwz"
    save(clf, path)
    arrays = {n[len("arrays/"):-len(".npy")]: np.load(__import__("io").BytesIO(d))
              for n, d in read_zip(path).items() if n.startswith("arrays/")}
    assert arrays["rocket_components"].shape[0] >= 1  # the attacks on components need some
    return path, arrays, X


def _with(arrays, name, fn):
    a = arrays[name].copy()
    out = fn(a)
    return a if out is None else out


def _first_pair(arrays):
    """Index in combo_channels of the second channel of the first combination of at least two."""
    off = arrays["rocket_combo_offsets"]
    j = int(np.flatnonzero(np.diff(off) >= 2)[0])
    return int(off[j]) + 1


def _set(a, index, value):
    a[index] = value


ATTACKS = {
    # name: (array, mutate(a, arrays) -> new array or None (in place), message)
    "dilation 10^9": ("rocket_conv", lambda a, A: _set(a, (0, 1), 10**9),
                      r"array rocket_conv: dilation 1000000000 of convolution 0 is out of range \(1 to 1048576\)"),
    "dilation 2^20 + 1": ("rocket_conv", lambda a, A: _set(a, (-1, 1), 2**20 + 1), "dilation 1048577 of convolution"),
    "dilation 0": ("rocket_conv", lambda a, A: _set(a, (0, 1), 0), "dilation 0 of convolution 0 is out of range"),
    "dilation -2^62": ("rocket_conv", lambda a, A: _set(a, (0, 1), -2**62), "rocket_conv: dilation -4611686018427387904"),
    "kernel 84": ("rocket_conv", lambda a, A: _set(a, (0, 0), 84), r"kernel 84 of convolution 0 is out of range \(0 to 83\)"),
    "kernel -1": ("rocket_conv", lambda a, A: _set(a, (0, 0), -1), "kernel -1 of convolution 0"),
    "diff flag 2": ("rocket_conv", lambda a, A: _set(a, (0, 2), 2), "first-difference flag 2 of convolution 0"),
    "conv 2 columns": ("rocket_conv", lambda a, A: a[:, :2], r"rocket_conv has shape \(\d+, 2\)"),
    "conv as floats": ("rocket_conv", lambda a, A: a.astype(np.float64), "rocket_conv: invalid dtype .<f8. in the manifest"),
    "offsets from 1": ("rocket_combo_offsets", lambda a, A: a + 1, "rocket_combo_offsets must increase strictly from 0"),
    "offsets negative": ("rocket_combo_offsets", lambda a, A: _set(a, 1, -5), "rocket_combo_offsets must increase"),
    "offsets short": ("rocket_combo_offsets", lambda a, A: a[:-1], "rocket_combo_offsets has shape"),
    "offsets past the end": ("rocket_combo_offsets", lambda a, A: _set(a, -1, a[-1] + 1), "rocket_combo_offsets must"),
    "empty combination": ("rocket_combo_offsets", lambda a, A: _set(a, 1, 0), "rocket_combo_offsets must increase"),
    "channel -1": ("rocket_combo_channels", lambda a, A: _set(a, 0, -1), "rocket_combo_channels: MiniRocket-family channel out of range: -1"),
    "channel C + P": ("rocket_combo_channels", lambda a, A: _set(a, -1, 3 + A["rocket_components"].shape[0]),
                      "channel out of range: .* channels, .* components"),
    "channel 2^40": ("rocket_combo_channels", lambda a, A: _set(a, 0, 2**40), "channel out of range: 1099511627776"),
    "repeated channel": ("rocket_combo_channels", lambda a, A: _set(a, _first_pair(A), a[_first_pair(A) - 1]),
                         "not sorted or repeats a channel"),
    "feature_conv n_conv": ("rocket_feature_conv", lambda a, A: _set(a, 0, A["rocket_conv"].shape[0]),
                            "rocket_feature_conv: .* missing convolution"),
    # every feature on convolution 0: the others, unused, would read components prediction never projects
    # (the numpy engine raised IndexError, numba read past the data)
    "unused convolutions": ("rocket_feature_conv", lambda a, A: a * 0, "rocket_feature_conv: .* used by no feature"),
    "feature_conv -1": ("rocket_feature_conv", lambda a, A: _set(a, 0, -1), "missing convolution \\(-1"),
    "valid flag 2": ("rocket_feature_spec", lambda a, A: _set(a, (0, 0), 2), "valid-part flag 2 of feature 0"),
    "pooling 4": ("rocket_feature_spec", lambda a, A: _set(a, (0, 1), 4), r"pooling operator 4 of feature 0 is out of range \(0 to 3\)"),
    "pooling -1": ("rocket_feature_spec", lambda a, A: _set(a, (0, 1), -1), "pooling operator -1"),
    "spec 3 columns": ("rocket_feature_spec", lambda a, A: np.zeros((len(a), 3), np.int64), "rocket_feature_spec has shape"),
    "bias NaN": ("rocket_feature_bias", lambda a, A: _set(a, 0, np.nan), "array rocket_feature_bias contains NaN or inf"),
    "bias inf": ("rocket_feature_bias", lambda a, A: _set(a, 0, -np.inf), "rocket_feature_bias contains NaN or inf"),
    "bias short": ("rocket_feature_bias", lambda a, A: a[:-1], "rocket_feature_bias has shape"),
    "components NaN": ("rocket_components", lambda a, A: _set(a, (0, 0), np.nan), "rocket_components contains NaN"),
    "components (P, C + 1)": ("rocket_components", lambda a, A: np.zeros((len(a), 4)), "components have an inconsistent shape"),
    "components (C + 1, C)": ("rocket_components", lambda a, A: np.ones((4, 3)), "4 principal components of 3 channels"),
    "components 1D": ("rocket_components", lambda a, A: a.ravel(), "rocket_components: invalid shape \\[\\d+\\] in the manifest"),
    "channel_std tiny": ("channel_std", lambda a, A: _set(a, 0, 1e-300), "array channel_std: .* below the floor"),
    "channel_std 0": ("channel_std", lambda a, A: _set(a, 0, 0.0), "array channel_std"),
    "scaler_scale 0": ("scaler_scale", lambda a, A: _set(a, 0, 0.0), "scaler_scale must be positive"),
    "scaler_var -1": ("scaler_var", lambda a, A: _set(a, 0, -1.0), "scaler_var non-negative"),
    "coef inf": ("coef", lambda a, A: _set(a, (0, 0), np.inf), "array coef contains NaN or inf"),
    "intercept short": ("intercept", lambda a, A: a[:-1], "array intercept has shape"),
    "ridge_alphas 0": ("ridge_alphas", lambda a, A: a * 0, "ridge_alphas must be positive"),
}


def _hostile(mr_file, tmp_path, name):
    path, arrays, _ = mr_file
    member, fn, _ = ATTACKS[name]
    bad = _with(arrays, member, lambda a: fn(a, arrays))
    return rewrite_model(path, tmp_path / "hostile.lwz", replace={f"arrays/{member}.npy": npy(bad)})


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_hostile_array_values_are_refused_at_load(mr_file, tmp_path, name):
    """Every value is checked against what a fitted model can hold, behind a valid checksum, before any
    allocation from it: ``load`` and ``load_predictor`` refuse the file quickly with one line naming the
    array (the 10^9 dilation used to load, then ask predict for 2.33 TiB)."""
    import time
    import tracemalloc

    from lightwaves.model_io import load_predictor

    bad = _hostile(mr_file, tmp_path, name)
    expected = ATTACKS[name][2]
    for loader in (load, load_predictor):
        tracemalloc.start()
        t0 = time.perf_counter()
        try:
            with pytest.raises(ModelFileError, match=expected) as info:
                loader(bad)
        finally:
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        assert time.perf_counter() - t0 < 2 and peak < 16 * 2**20, (loader.__name__, peak)
        msg = str(info.value)
        assert msg.startswith(f"{bad}: ") and "\n" not in msg


def test_hostile_manifest_channels_are_refused(mr_file, tmp_path):
    path, _, _ = mr_file
    for value in (10**12, 0, 2):
        bad = rewrite_model(path, tmp_path / "c.lwz",
                            edit_manifest=lambda m: m["transformer"].update(n_channels_in=value))
        with pytest.raises(ModelFileError):
            load(bad)


def test_largest_allowed_dilation_still_loads(mr_file, tmp_path):
    """2^20 (``lightwaves.families.spec.MAX_DILATION``) is the bound: a model can hold it, and predicts (one case)."""
    from lightwaves.model_io import load_predictor

    path, arrays, X = mr_file
    conv = arrays["rocket_conv"].copy()
    conv[:, 1] = 2**20
    bad = rewrite_model(path, tmp_path / "big.lwz", replace={"arrays/rocket_conv.npy": npy(conv)})
    pred = load_predictor(bad)
    assert np.isfinite(pred.decision_function(X[:1])).all()


@pytest.mark.parametrize("command", [("info",), ("predict", "DATA"), ("export", "--out", "OUT")])
def test_cli_reports_a_hostile_model_on_one_line(mr_file, tmp_path, command):
    from .cli_fixtures import run_cli

    bad = _hostile(mr_file, tmp_path, "dilation 10^9")
    _, _, X = mr_file
    data = tmp_path / "x.npz"
    np.savez(data, X=X[:2])
    args = [{"DATA": data, "OUT": tmp_path / "c"}.get(a, a) for a in command]
    r = run_cli(args[0], bad, *args[1:], timeout=120)
    assert r.returncode == 1, (r.stdout, r.stderr)
    err = r.stderr.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert "rocket_conv: dilation 1000000000 of convolution 0 is out of range" in err
