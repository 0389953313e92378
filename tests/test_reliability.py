"""Regression tests for issue #8: crashes, data loss and silent wrong answers on hostile and ordinary input.

Each test names the item of the issue it guards. The hypothesis fuzzing of model and data files lives in
``test_fuzz.py``; ``docs/reliability.md`` tabulates both.
"""

from __future__ import annotations

import io
import json
import os
import zipfile

import numpy as np
import pytest

from lightwaves import LightWaveSClassifier
from lightwaves.cli import main
from lightwaves.data import DataFileError, read_dataset
from lightwaves.model_io import ModelFileError, load, load_predictor, save

from .cli_fixtures import npy, read_zip, rewrite_model, write_zip
from .conftest import make_data
from .reference import features as reference_features


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code, err, match):
    lines = err.strip().splitlines()
    assert code == 1, err
    assert len(lines) == 1 and lines[0].startswith("lightwaves: error: "), err
    assert "unexpected" not in lines[0] and "Traceback" not in err
    assert match in lines[0], lines[0]


@pytest.fixture(scope="module")
def small_model(tmp_path_factory):
    """A 3-channel, 3-class model on synthetic data, saved, with its training file."""
    d = tmp_path_factory.mktemp("rel")
    X, y = make_data(n_cases=30, n_channels=3, length=40, n_classes=3, informative=(1,))
    clf = LightWaveSClassifier(n_features=12, random_state=0).fit(X, y)
    path = d / "m.lwz"
    save(clf, path)
    return clf, path, X, y


# ----------------------------------------------------------------- 1. every command, any class count/type
LABELS = {
    "str": np.array(["Up", "down", "Left side"]),
    "int": np.array([-3, 7, 100]),
    "float": np.array([0.5, 1.5, 2.25]),
}


@pytest.mark.slow
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("kind", sorted(LABELS))
def test_every_command_on_two_and_three_class_models(capsys, tmp_path, n_classes, kind):
    X, codes = make_data(n_cases=24, n_channels=2, length=30, n_classes=n_classes, informative=(0,))
    y = LABELS[kind][codes]
    data = tmp_path / "d.npz"
    np.savez(data, X=X, y=y)
    model = tmp_path / "m.lwz"
    code, _, err = run(capsys, "fit", data, "--out", model, "--n-features", "10", "-q")
    assert code == 0, err
    code, out, err = run(capsys, "info", model)
    assert code == 0 and "classes:" in out, err
    code, out, err = run(capsys, "info", model, "--json")
    assert code == 0 and len(json.loads(out)["features"]) == 10, err
    code, out, err = run(capsys, "predict", model, data, "--scores")
    assert code == 0, err
    rows = [r.split(",") for r in out.strip().splitlines()]
    written = {repr(float(v)) if kind == "float" else str(v) for v in LABELS[kind][:n_classes]}
    assert {r[1] for r in rows[1:]} <= written  # labels come back as written
    assert len(rows[0]) == 2 + n_classes
    code, out, err = run(capsys, "evaluate", model, data)
    assert code == 0 and "accuracy: " in out and "unknown" not in out, err
    code, out, err = run(capsys, "report", model, data, "--out", tmp_path / "rep")
    assert code == 0 and (tmp_path / "rep" / "index.html").exists(), err


def test_float_labels_fit_and_predict_in_python():
    X, codes = make_data(n_cases=20, n_classes=2)
    y = np.array([1.0, 2.0])[codes]
    clf = LightWaveSClassifier(n_features=8, random_state=0).fit(X, y)
    assert clf.classes_.dtype.kind == "f" and set(clf.predict(X)) <= {1.0, 2.0}
    with pytest.raises(ValueError, match="continuous"):
        LightWaveSClassifier(n_features=8).fit(X, codes + 0.5)


def test_feature_weights_for_two_classes(small_model):
    X, codes = make_data(n_cases=20, n_classes=2)
    clf = LightWaveSClassifier(n_features=8, random_state=0).fit(X, codes)
    assert clf.feature_weights_.shape == (clf.n_features_out_,)


# ----------------------------------------------------------------- 2. an output that is an input
def test_output_that_is_an_input_is_refused_before_any_work(capsys, tmp_path, small_model):
    _, model, X, y = small_model
    data = tmp_path / "x.npz"
    np.savez(data, X=X, y=y)
    m = tmp_path / "m.lwz"
    m.write_bytes(model.read_bytes())
    before_m, before_d = m.read_bytes(), data.read_bytes()
    code, _, err = run(capsys, "predict", m, data, "--out", m)
    one_line_error(code, err, "would destroy the input")
    code, _, err = run(capsys, "fit", data, "--out", data, "-q")
    one_line_error(code, err, "would destroy the input")
    os.symlink(data, tmp_path / "link.npz")
    code, _, err = run(capsys, "fit", data, "--out", tmp_path / "link.npz", "-q")
    one_line_error(code, err, "would destroy the input")
    os.link(m, tmp_path / "hard.lwz")
    code, _, err = run(capsys, "predict", m, data, "--out", tmp_path / "hard.lwz")
    one_line_error(code, err, "would destroy the input")
    code, _, err = run(capsys, "report", m, data, "--out", m)
    one_line_error(code, err, "not a directory")
    assert m.read_bytes() == before_m and data.read_bytes() == before_d


def test_unwritable_output_is_reported_before_the_fit(capsys, tmp_path, monkeypatch):
    import lightwaves.classifier as classifier

    def no_fit(self, X, y):
        raise AssertionError("the fit ran before the output was checked")

    monkeypatch.setattr(classifier.LightWaveSClassifier, "fit", no_fit)
    X, y = make_data()
    np.savez(tmp_path / "d.npz", X=X, y=y)
    code, _, err = run(capsys, "fit", tmp_path / "d.npz", "--out", tmp_path / "nope" / "m.lwz", "-q")
    one_line_error(code, err, f"cannot write {tmp_path / 'nope' / 'm.lwz'}")
    assert ".tmp" not in err
    code, _, err = run(capsys, "fit", tmp_path / "d.npz", "--out", "/dev/null", "-q")
    one_line_error(code, err, "/dev/null is a device")


# ----------------------------------------------------------------- 3. .ts labels exactly as written
TS = """@problemName labels
@univariate true
@equalLength true
@classLabel true Up up Banana nan
@data
"""


def test_ts_labels_come_back_exactly_as_written(tmp_path):
    body = "".join(f"{i},{i + 1},{i * 2},{i % 3}:{lab}\n" for i, lab in enumerate(["Up", "up", "Banana", "nan"] * 3))
    (tmp_path / "l.ts").write_text(TS + body)
    _, y, _ = read_dataset(tmp_path / "l.ts")
    assert y.tolist() == ["Up", "up", "Banana", "nan"] * 3


def test_ts_with_byte_order_mark_and_bad_headers(tmp_path):
    body = "1,2,3:a\n4,5,6:b\n"
    p = tmp_path / "bom.ts"
    p.write_bytes(b"\xef\xbb\xbf" + (TS.replace("Up up Banana nan", "a b") + body).encode())
    X, y, _ = read_dataset(p)
    assert X.shape == (2, 1, 3) and y.tolist() == ["a", "b"]
    p.write_text(TS.replace("@classLabel true Up up Banana nan", "@classLabel") + body)
    with pytest.raises(DataFileError, match="line 4: @classLabel needs true or false"):
        read_dataset(p)
    p.write_text(TS.replace("@univariate true", "@timeStamps true") + body)
    with pytest.raises(DataFileError, match="time-stamped .ts data is not supported"):
        read_dataset(p)
    p.write_bytes((TS.replace("Up up Banana nan", "a b") + "1,2,3:a\n4,\xff5,6:b\n").encode("latin-1"))
    with pytest.raises(DataFileError, match="line 7: not valid UTF-8"):
        read_dataset(p)


# ----------------------------------------------------------------- 4. zip bombs and endless files
def npy_header_bytes(shape, dtype="<f8"):
    """An .npy header (version 1.0) that claims ``shape``; no data."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": tuple(shape)})
    return buf.getvalue()


def _bomb_member(n_bytes):
    shape = (n_bytes // 8,)
    return npy_header_bytes(shape), shape


def test_zip_bomb_is_refused_before_inflating(tmp_path, small_model, monkeypatch):
    """A member whose manifest entry is consistent but implies more than the limit is never inflated."""
    import lightwaves.model_file as model_io

    _, model, _, _ = small_model
    monkeypatch.setattr(model_io, "MAX_MODEL_BYTES", 2**20)  # a 16 MiB member is then a bomb
    head, shape = _bomb_member(16 * 2**20)
    members = read_zip(model)
    manifest = json.loads(members.pop("manifest.json"))
    name = "arrays/feature_scores.npy"
    d = manifest["arrays"]["feature_scores"]
    d.update(shape=list(shape), dtype="<f8", nbytes=len(head) + 16 * 2**20, sha256="0" * 64)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        for k, v in members.items():
            if k != name:
                zf.writestr(k, v)
        with zf.open(name, "w", force_zip64=True) as f:
            f.write(head)
            zeros = bytes(2**20)
            for _ in range(16):
                f.write(zeros)
    path = tmp_path / "bomb.lwz"
    path.write_bytes(buf.getvalue())
    assert path.stat().st_size < 2**20
    read = []
    real_read = zipfile.ZipFile.read
    monkeypatch.setattr(zipfile.ZipFile, "read", lambda self, n, *a: read.append(getattr(n, "filename", n)) or real_read(self, n, *a))
    with pytest.raises(ModelFileError, match="inflate to more than"):
        load_predictor(path)
    assert name not in read


def test_member_larger_than_its_manifest_entry_is_not_read(tmp_path, small_model):
    _, model, _, _ = small_model
    big = npy(np.zeros(10**6))
    path = rewrite_model(model, tmp_path / "big.lwz", replace={"arrays/feature_scores.npy": big}, recompute=False)
    with pytest.raises(ModelFileError, match="has 8000128 bytes, the manifest says"):
        load(path)


def test_npy_header_claiming_terabytes(tmp_path, small_model):
    _, model, _, _ = small_model
    liar = npy_header_bytes((10**13,)) + bytes(96)
    path = rewrite_model(model, tmp_path / "tb.lwz", replace={"arrays/feature_scores.npy": liar}, recompute=False)
    with pytest.raises(ModelFileError):
        load(path)
    X, _ = make_data()
    liar = npy_header_bytes((300000, 3000, 400000)) + npy(X)[128:]
    write_zip(tmp_path / "tb.npz", {"X.npy": liar})
    with pytest.raises(DataFileError, match="tb.npz: array 'X' is truncated or corrupted"):
        read_dataset(tmp_path / "tb.npz")


def test_devices_and_directories_are_refused(capsys, tmp_path, small_model):
    _, model, _, _ = small_model
    os.symlink("/dev/zero", tmp_path / "zero.npz")
    os.symlink("/dev/zero", tmp_path / "zero.lwz")
    code, _, err = run(capsys, "predict", model, tmp_path / "zero.npz")
    one_line_error(code, err, "is a device, not a data file")
    code, _, err = run(capsys, "info", tmp_path / "zero.lwz")
    one_line_error(code, err, "is a device, not a model file")


# ----------------------------------------------------------------- 5. max_dilation
@pytest.mark.parametrize("md", [2**21, 2**24, 2**30, 3, 0, -32, 32.0, True])
def test_max_dilation_parameter_is_bounded(md):
    X, y = make_data()
    with pytest.raises(ValueError, match="max_dilation"):
        LightWaveSClassifier(max_dilation=md, n_features=5).fit(X, y)


def test_max_dilation_no_larger_than_the_series_can_use():
    X, y = make_data(length=40)
    with pytest.raises(ValueError, match=r"longest series \(length 40\) can use; use at most 32"):
        LightWaveSClassifier(max_dilation=64, n_features=5).fit(X, y)
    X, y = make_data(length=130)
    LightWaveSClassifier(max_dilation=128, n_features=5, random_state=0).fit(X, y)


def test_large_dilations_cost_only_the_series_length():
    """Dilations beyond the series read only padding: the kernel clamps them (same bits, bounded memory)."""
    from lightwaves.families.paper.kernels import transform_triples
    from lightwaves.families.paper.plan import block_ids, paper_slots, plan_for_ids
    from lightwaves.validation import check_collection

    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 1, 13))
    coll = check_collection(x)
    dil = 2 ** np.arange(21, dtype=np.int64)
    # every feature (six per level, two levels) of the series and of its first difference (length 12)
    ids = block_ids(np.array([0]), len(dil), paper_slots("L1L2", "multirocket", diff=True))
    F = transform_triples(coll, np.zeros(1), np.ones(1), plan_for_ids(ids, dil))
    F = F.reshape(2, len(dil), 84, 12)  # representation, dilation, kernel, slot
    for rep in (0, 1):
        for di in (3, 4, 10, 20):  # 8 < 12, 13 <= 16: from dilation 16 on, only the centre tap reads data
            for k in (0, 41, 83):
                np.testing.assert_allclose(
                    F[rep, di, k], reference_features(x[0, 0], k, dil[di], diff=bool(rep)), rtol=1e-10, atol=1e-300
                )
    # ppv, run and mean index of positive values do not depend on the dilation once it exceeds the series
    exact = F[:, :, :, [0, 2, 5, 6, 8, 11]]
    assert np.array_equal(exact[:, 4:], np.broadcast_to(exact[:, 4:5], exact[:, 4:].shape))


def test_model_file_with_huge_max_dilation_is_refused(tmp_path, small_model):
    _, model, _, _ = small_model

    def edit(m):
        m["params"]["max_dilation"] = 2**24

    path = rewrite_model(model, tmp_path / "d.lwz", edit_manifest=edit)
    with pytest.raises(ModelFileError, match="max_dilation"):
        load_predictor(path)


@pytest.mark.parametrize(
    "param, value, match",
    [
        ("variant", "L3", "variant"),
        ("n_features", -1, "n_features"),
        ("n_features", 1.5, "n_features"),
        ("n_jobs", "2", "n_jobs"),
        ("n_jobs", 0, "n_jobs"),
        ("alphas", [], "alphas"),
        ("alphas", [-1.0], "alphas"),
        ("max_cases", 1, "max_cases"),
        ("backend", "gpu", "backend"),
        ("progress", "yes", "progress"),
        ("random_state", -5, "random_state"),
    ],
)
def test_loaded_parameters_are_checked_like_fitted_ones(tmp_path, small_model, param, value, match):
    _, model, X, y = small_model

    def edit(m):
        m["params"][param] = value

    path = rewrite_model(model, tmp_path / "p.lwz", edit_manifest=edit)
    with pytest.raises(ModelFileError, match=match):
        load_predictor(path)
    with pytest.raises(ValueError, match=match):
        LightWaveSClassifier(**{"n_features": 5, param: value}).fit(X, y)


@pytest.mark.parametrize(
    "classes, match",
    [
        ({"kind": "int", "dtype": "<i1", "values": [1, 2, 1000]}, "do not fit dtype"),
        ({"kind": "str", "dtype": "<U2", "values": ["a", "b", "abc"]}, "change when stored"),
        ({"kind": "str", "dtype": "<U999999999", "values": ["a", "b", "c"]}, "invalid class dtype"),
        ({"kind": "int", "dtype": "<i8", "values": [1, 2, "3"]}, "not of kind int"),
    ],
)
def test_class_values_out_of_range_for_their_dtype(tmp_path, small_model, classes, match):
    _, model, _, _ = small_model

    def edit(m):
        m["classes"] = classes

    path = rewrite_model(model, tmp_path / "c.lwz", edit_manifest=edit)
    text = path.read_bytes()
    with pytest.raises(ModelFileError, match=match):
        load_predictor(path)
    assert path.read_bytes() == text


def test_non_finite_json_constants_are_refused(tmp_path, small_model):
    _, model, _, _ = small_model
    members = read_zip(model)
    members["manifest.json"] = members["manifest.json"].replace(b'"alpha": ', b'"alpha": NaN, "x": ', 1)
    write_zip(tmp_path / "nan.lwz", members)
    with pytest.raises(ModelFileError, match="NaN is not allowed"):
        load_predictor(tmp_path / "nan.lwz")


# ----------------------------------------------------------------- 6. scores do not depend on the batch
def test_scores_are_the_same_bits_alone_in_any_batch_and_thread_count(small_model):
    clf, path, X, _ = small_model
    pred = load_predictor(path)
    batch = clf.decision_function(X)
    for i in range(len(X)):
        assert np.array_equal(clf.decision_function(X[i : i + 1])[0], batch[i])
    for size in (1, 4, 7, 29):
        chunks = np.concatenate([pred.decision_function(X[s : s + size]) for s in range(0, len(X), size)])
        assert np.array_equal(chunks, batch)
    clf.set_params(n_jobs=2)
    clf.transformer_.set_params(n_jobs=2)
    assert np.array_equal(clf.decision_function(X), batch)


def test_scores_are_the_defined_sequential_sum(small_model):
    """The arithmetic is fixed: sum_j F[i, j] * coef[k, j] in order j = 0, 1, ..., then + intercept (no
    BLAS blocking, no fused multiply-add), which any implementation (the C export too) can reproduce."""
    clf, _, X, _ = small_model
    F = clf.transformer_.transform(X[:5])
    scores = clf.decision_function(X[:5])
    for i in range(5):
        for k in range(clf.coef_.shape[0]):
            s = 0.0
            for j in range(F.shape[1]):
                s += float(F[i, j]) * float(clf.coef_[k, j])
            assert s + float(clf.intercept_[k]) == scores[i, k]


# ----------------------------------------------------------------- 7. aeon's pandas collections
def test_aeon_pd_multiindex_is_converted(small_model):
    from aeon.utils.conversion import convert_collection

    clf, _, X, _ = small_model
    df = convert_collection(X, "pd-multiindex")
    assert np.array_equal(clf.predict(df), clf.predict(X))
    X1, y1 = make_data(n_channels=1, informative=(0,))
    uni = LightWaveSClassifier(n_features=8, random_state=0).fit(X1, y1)
    assert np.array_equal(uni.predict(convert_collection(X1, "pd-multiindex")), uni.predict(X1))
    assert np.array_equal(uni.predict(convert_collection(X1, "pd-wide")), uni.predict(X1))
    unequal = [X[0][:, :30], X[1]]
    assert np.array_equal(clf.predict(convert_collection(unequal, "pd-multiindex")), clf.predict(unequal))


def test_other_pandas_shapes_are_refused(small_model):
    import pandas as pd

    clf, _, X, _ = small_model
    idx = pd.MultiIndex.from_product([range(2), range(3), range(40)])
    with pytest.raises(ValueError, match="3-level index"):
        clf.predict(pd.DataFrame({"a": np.zeros(240)}, index=idx))
    with pytest.raises(ValueError, match="pandas Series"):
        clf.predict(pd.Series(np.zeros(40)))


# ----------------------------------------------------------------- 8. 2D input
def test_2d_input_to_a_multichannel_model_is_refused(small_model):
    clf, path, X, _ = small_model
    one = X[0][clf.selected_channels_]
    for model in (clf, load_predictor(path)):
        with pytest.raises(ValueError, match="2D .* one-channel series, but the model was fitted on 3 channels"):
            model.predict(X[0])
        if len(clf.selected_channels_) == 1:
            with pytest.raises(ValueError, match="2D"):
                model.predict(one)
        assert model.predict(X[:1]).shape == (1,)


# ----------------------------------------------------------------- 9. crashes that must be clear errors
def test_python_inputs_that_crashed():
    X, y = make_data()
    with pytest.raises(ValueError, match="mixes label types"):
        LightWaveSClassifier(n_features=5).fit(X, np.array([1, "a"] * 15, dtype=object))
    with pytest.raises(ValueError, match="alphas"):
        LightWaveSClassifier(n_features=5, alphas=[]).fit(X, y)
    with pytest.raises(ValueError, match="no usable features"):
        LightWaveSClassifier(n_features=5).fit(np.ones_like(X), y)
    with pytest.raises(ValueError, match="max_cases"):
        LightWaveSClassifier(n_features=5, max_cases=1).fit(X, y)


def test_float_labels_from_files(capsys, tmp_path):
    X, codes = make_data(n_classes=2)
    np.savez(tmp_path / "f.npz", X=X, y=np.array([0.5, 1.25])[codes])
    code, _, err = run(capsys, "fit", tmp_path / "f.npz", "--out", tmp_path / "f.lwz", "--n-features", "8", "-q")
    assert code == 0, err
    code, out, err = run(capsys, "predict", tmp_path / "f.lwz", tmp_path / "f.npz")
    assert code == 0 and {r.split(",")[1] for r in out.split()[1:]} == {"0.5", "1.25"}


# ----------------------------------------------------------------- 10. messages that misled
def test_truncated_npz_array_is_not_called_pickle(tmp_path):
    X, y = make_data()
    buf = io.BytesIO()
    np.savez(buf, X=X, y=y)
    members = read_zip(io.BytesIO(buf.getvalue()))
    members["X.npy"] = members["X.npy"][:-100]
    write_zip(tmp_path / "t.npz", members)
    with pytest.raises(DataFileError, match="array 'X' is truncated or corrupted") as e:
        read_dataset(tmp_path / "t.npz")
    assert "pickle" not in str(e.value)


def test_bad_byte_in_csv_is_reported_on_its_line(tmp_path):
    p = tmp_path / "b.csv"
    p.write_bytes(b"case,channel,time,value\n0,0,0,1\xff\n0,0,1,2\n")
    with pytest.raises(DataFileError, match="line 2: not valid UTF-8"):
        read_dataset(p)


# ----------------------------------------------------------------- control characters from files
def test_control_characters_in_labels_are_escaped(capsys, tmp_path):
    X, codes = make_data(n_classes=2)
    evil = np.array(["ok", "\x1b[2J\x1b]0;pwned\x07red\u202e"])
    np.savez(tmp_path / "e.npz", X=X, y=evil[codes])
    code, _, err = run(capsys, "fit", tmp_path / "e.npz", "--out", tmp_path / "e.lwz", "--n-features", "8", "-q")
    assert code == 0, err
    for argv in (["info", tmp_path / "e.lwz"], ["predict", tmp_path / "e.lwz", tmp_path / "e.npz", "--scores"],
                 ["evaluate", tmp_path / "e.lwz", tmp_path / "e.npz"]):
        code, out, err = run(capsys, *argv)
        assert code == 0, err
        assert "\x1b" not in out + err and "\x07" not in out + err and "\u202e" not in out + err
        assert "\\x1b[2J" in out


@pytest.mark.parametrize("variant", ["MR", "H"])
def test_a_dilation_past_the_series_costs_nothing_and_changes_nothing(variant):
    """A model file may hold any dilation up to 2^20 (the loader's bound). Past the series every tap but
    the centre's reads zero padding, so the kernels cap it at the series length: the features are those of
    dilation = length, bit for bit, in both engines, and the padding stays the size of the series (the
    numpy engine's peak allocation is measured; uncapped it would be about 8 * 2^20 values per case)."""
    import dataclasses
    import tracemalloc

    from lightwaves.families.hydra.kernels import transform_hydra as hydra_numba
    from lightwaves.families.hydra.numpy_kernels import transform_hydra as hydra_numpy
    from lightwaves.families.rocket.kernels import transform_rocket as rocket_numba
    from lightwaves.families.rocket.numpy_kernels import transform_rocket as rocket_numpy
    from lightwaves.validation import channel_stats, check_collection

    X, y = make_data(n_cases=20, n_channels=2, length=30)
    clf = LightWaveSClassifier(n_features=20, random_state=0, variant=variant, components=0).fit(X, y)
    state = clf.transformer_.inference_state_
    plan = state.hydra_plan() if variant == "H" else state.plans()[3]
    engines = (hydra_numba, hydra_numpy) if variant == "H" else (rocket_numba, rocket_numpy)
    coll = check_collection(X)
    mean, sd = channel_stats(coll)
    huge = dataclasses.replace(plan, dilation=np.full_like(plan.dilation, 2**20))
    length = dataclasses.replace(plan, dilation=np.full_like(plan.dilation, 30))
    for transform in engines:
        expected = transform(coll, mean, 1.0 / sd, length)
        tracemalloc.start()
        got = transform(coll, mean, 1.0 / sd, huge)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        np.testing.assert_array_equal(got, expected)
        assert peak < 20 * 2**20, peak
