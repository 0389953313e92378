"""Fuzzing of everything a file can tell lightwaves (hypothesis).

Model files are rebuilt with a *valid checksum* around lies (shapes, ids, dtypes, parameters, sizes,
classes), so every check behind the checksum is exercised; data files get hostile content (labels,
encodings, numbers, headers, arrays). Every outcome must be either a clean error (``ModelFileError`` /
``DataFileError``, both ``ValueError``, naming the file) or a well-formed result; never another exception,
never unbounded time or memory.

CI runs a small budget. A long run::

    LIGHTWAVES_FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest tests/test_fuzz.py -q

(``docs/reliability.md`` records what was run and what each class of input gets.)
"""

from __future__ import annotations

import io
import json
import os
import string
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lightwaves import LightWaveSClassifier
from lightwaves.data import read_dataset
from lightwaves.model_io import PARAM_NAMES, ModelFileError, load, load_predictor, save

from .cli_fixtures import npy, read_zip, rewrite_model, write_zip
from .conftest import make_data

EXAMPLES = int(os.environ.get("LIGHTWAVES_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 40,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
#: Bytes any single fuzzed load or read may allocate (the inputs are a few KB).
MEMORY_LIMIT = 64 * 2**20


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    d = tmp_path_factory.mktemp("fuzz")
    X, y = make_data(n_cases=24, n_channels=3, length=30, n_classes=3)
    clf = LightWaveSClassifier(n_features=10, random_state=0).fit(X, y)
    path = d / "base.lwz"
    save(clf, path)
    return path, X, d


def bounded(fn, limit=MEMORY_LIMIT):
    """Run ``fn`` and check how much memory it allocated at its peak."""
    tracemalloc.start()
    try:
        return fn()
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < limit, f"allocated {peak} bytes"


# --------------------------------------------------------------------------------- model files
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
json_values = st.recursive(json_scalars, lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=5), c, max_size=3),
                           max_leaves=8)
ARRAY_NAMES = ["channel_mean", "channel_std", "dilations", "feature_ids", "feature_scores", "scaler_mean",
               "scaler_scale", "scaler_var", "ridge_coef", "ridge_intercept", "ridge_alphas", "coef", "intercept"]
dtypes = st.sampled_from(["<f8", "<f4", "<i8", "<i4", "|u1", "<U3", "|b1", "<c16", ">f8", "<f2"])
shapes = st.lists(st.integers(0, 40), min_size=0, max_size=3)


def array_lie():
    """Replace one array by another of a hostile shape, dtype or content."""
    def build(name, dtype, shape, fill):
        with np.errstate(all="ignore"):  # nan/inf/1e300 cast to small or integer dtypes: the lie is the point
            a = np.full(tuple(shape), fill).astype(dtype) if np.dtype(dtype).kind != "U" else np.full(tuple(shape), "abc")
        return ("array", name, a)

    fills = st.sampled_from([0, 1, -1, 2**31, 1e300, -7, np.nan, np.inf])
    return st.builds(build, st.sampled_from(ARRAY_NAMES), dtypes, shapes, fills)


def manifest_lie():
    """Change one entry of the manifest (parameters, classes, scalar state, array descriptions)."""
    where = st.sampled_from([
        ("params", p) for p in sorted(PARAM_NAMES)
    ] + [("transformer", "n_channels_in"), ("transformer", "n_candidates_usable"), ("ridge", "alpha"),
         ("scaler", "n_samples_seen"), ("classes", "values"), ("classes", "dtype"), ("classes", "kind"),
         ("format_version", None), ("params", "extra")] + [
        ("arrays", f"{n}.{k}") for n in ARRAY_NAMES[:4] for k in ("shape", "dtype", "nbytes")])
    return st.tuples(st.just("manifest"), where, json_values)


def apply_lie(base_path, dst, lie):
    kind = lie[0]
    if kind == "array":
        _, name, a = lie
        return rewrite_model(base_path, dst, replace={f"arrays/{name}.npy": npy(a)})
    _, (section, key), value = lie

    def edit(m):
        if key is None:
            m[section] = value
        elif section == "arrays":
            n, k = key.split(".")
            m["arrays"][n][k] = value
        else:
            m[section][key] = value

    return rewrite_model(base_path, dst, edit_manifest=edit)


@FUZZ
@given(lie=st.one_of(array_lie(), manifest_lie()))
def test_lying_model_files_fail_cleanly(base, lie):
    path, X, d = base
    dst = apply_lie(path, d / "lie.lwz", lie)

    def attempt():
        try:
            pred = load_predictor(dst)
        except ModelFileError as e:
            assert str(dst) in str(e) and "\n" not in str(e).strip()
            return None
        # Loaded: then it is a consistent model and answers well-formed, finite scores.
        scores = pred.decision_function(X[:3])
        assert np.isfinite(scores).all() and len(pred.predict(X[:3])) == 3
        return pred

    bounded(attempt)


@FUZZ
@given(data=st.binary(min_size=0, max_size=400), offset=st.integers(0, 10_000))
def test_corrupted_model_bytes_fail_cleanly(base, data, offset):
    path, _, d = base
    raw = bytearray(path.read_bytes())
    offset %= max(len(raw), 1)
    raw[offset : offset + len(data)] = data
    dst = d / "bytes.lwz"
    dst.write_bytes(bytes(raw))
    try:
        bounded(lambda: load(dst))
    except ModelFileError as e:
        assert str(dst) in str(e)


# ----------------------------------------------------------------------- model array values
#: The MiniRocket family's arrays and the paper family's / linear model's, as the base model holds them.
FAMILY_ARRAYS = ["rocket_conv", "rocket_combo_offsets", "rocket_combo_channels", "rocket_feature_conv",
                 "rocket_feature_spec", "rocket_feature_bias", "rocket_components"]
hostile_ints = st.one_of(st.sampled_from([0, 1, -1, 2, 3, 4, 83, 84, 2**20, 2**20 + 1, 10**9, 2**31, -2**31,
                                          2**62, -2**63, 2**63 - 1]), st.integers(-2**63, 2**63 - 1))
hostile_floats = st.one_of(st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e308, -1e308, 5e-324, 1e-300]),
                           st.floats(allow_nan=True, allow_infinity=True))


@st.composite
def array_value_lies(draw):
    """One model array with one element, a column or its shape or dtype replaced by a hostile value."""
    name = draw(st.sampled_from(FAMILY_ARRAYS + ARRAY_NAMES))
    how = draw(st.sampled_from(["element", "element", "element", "column", "shape", "dtype"]))
    return name, how, draw(hostile_ints), draw(hostile_floats), draw(st.integers(0, 2**16)), \
        draw(shapes), draw(dtypes)


def apply_value_lie(arrays, lie):
    name, how, iv, fv, where, shape, dtype = lie
    a = arrays[name].copy()
    if how in ("element", "column") and a.size:
        value = iv if a.dtype.kind == "i" else fv
        if how == "element":
            a.flat[where % a.size] = value
        else:
            col = where % (a.shape[1] if a.ndim == 2 else 1)
            (a[:, col] if a.ndim == 2 else a)[...] = value
        return a
    with np.errstate(all="ignore"):
        if how == "shape":
            return np.resize(a, tuple(shape)) if a.size else np.zeros(tuple(shape), a.dtype)
        return a.astype(dtype) if np.dtype(dtype).kind != "U" else np.full(a.shape, "abc")


@pytest.fixture(scope="module")
def base_arrays(base):
    path, _, _ = base
    return {n[len("arrays/"):-len(".npy")]: np.load(io.BytesIO(d), allow_pickle=False)
            for n, d in read_zip(path).items() if n.startswith("arrays/")}


@settings(FUZZ, deadline=5000)
@given(lie=array_value_lies())
def test_hostile_model_array_values(base, base_arrays, lie):
    """A valid, re-signed model file with one array value lied about: ``load_predictor`` refuses it with a
    one-line ``ModelFileError``, or the model it yields predicts valid input (well-formed scores, or a
    one-line ``ValueError`` that the features overflow: a finite but absurd weight can make them) within
    the memory bound."""
    path, X, d = base
    assert set(FAMILY_ARRAYS) <= set(base_arrays)
    dst = rewrite_model(path, d / "value.lwz", replace={f"arrays/{lie[0]}.npy": npy(apply_value_lie(base_arrays, lie))})

    def attempt():
        try:
            pred = load_predictor(dst)
        except ModelFileError as e:
            assert str(dst) in str(e) and "\n" not in str(e).strip(), str(e)
            return
        try:
            scores = pred.decision_function(X[:3])
        except ValueError as e:
            assert "too large" in str(e) and "\n" not in str(e).strip(), str(e)
            return
        assert scores.shape[0] == 3 and not np.isnan(scores).any()
        assert len(pred.predict(X[:3])) == 3

    # The largest dilation a file may hold (2^20) pads a series by 8 * 2^20 doubles (64 MiB, freed after
    # each case): the MiniRocket-family kernels do not clamp the dilation to the series length yet
    bounded(attempt, MEMORY_LIMIT + 8 * 8 * 2**20)


# --------------------------------------------------------------------------------- data files
label_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=":\n\r,"),
                     min_size=0, max_size=8)
number_text = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-10**30, 10**30).map(str),
    st.sampled_from(["?", "", "nan", "NaN", "inf", "-inf", "1e999", "0x10", "1_000", " 1 ", "--1", "1,5"]),
)


@st.composite
def ts_files(draw):
    header = draw(st.lists(st.sampled_from([
        "@problemName fuzz", "@timeStamps false", "@timeStamps true", "@missing false", "@univariate true",
        "@dimensions 2", "@equalLength true", "@equalLength false", "@seriesLength 3", "@classLabel",
        "@classLabel true a b", "@classLabel false", "@classLabel maybe", "@targetLabel true", "@nonsense 1",
    ]), max_size=6))
    if draw(st.booleans()):
        header.append("@classLabel true")
    lines = []
    for _ in range(draw(st.integers(0, 5))):
        channels = [",".join(draw(st.lists(number_text, min_size=0, max_size=4)))
                    for _ in range(draw(st.integers(1, 3)))]
        line = ":".join(channels)
        if draw(st.booleans()):
            line += ":" + draw(label_text)
        lines.append(line)
    text = "\n".join(header + (["@data"] if draw(st.booleans()) or not header else []) + lines) + "\n"
    raw = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        raw = b"\xef\xbb\xbf" + raw
    if draw(st.booleans()):
        pos = draw(st.integers(0, len(raw)))
        raw = raw[:pos] + draw(st.binary(max_size=3)) + raw[pos:]
    return raw


@st.composite
def csv_files(draw):
    header = draw(st.sampled_from(["case,channel,time,value", "case,time,channel,value", "value,case",
                                   "\ufeffcase,channel,time,value", "case,case,time,value", ""]))
    rows = []
    for _ in range(draw(st.integers(0, 8))):
        rows.append(",".join([draw(label_text), draw(st.sampled_from(["0", "1", "-1", "x", "99999999999"])),
                              draw(st.sampled_from(["0", "1", "2", "1.5", "-3"])), draw(number_text)]))
    raw = ("\n".join([header] + rows) + "\n").encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        pos = draw(st.integers(0, len(raw)))
        raw = raw[:pos] + draw(st.binary(max_size=3)) + raw[pos:]
    return raw


@st.composite
def npz_files(draw):
    arrays = {}
    for key in draw(st.lists(st.sampled_from(["X", "y", "lengths", "other"]), unique=True, max_size=4)):
        shape = tuple(draw(st.lists(st.integers(0, 4), max_size=4)))
        dtype = draw(st.sampled_from(["<f8", "<i4", "<U2", "|b1", "<c8", "<f2", "|S3"]))
        fill = draw(st.sampled_from([0, 1, 2, np.nan, np.inf, -1]))
        try:
            with np.errstate(invalid="ignore"):  # nan/inf cast to an integer dtype: any garbage will do
                arrays[key] = np.full(shape, fill).astype(dtype)
        except (ValueError, OverflowError):
            arrays[key] = np.zeros(shape, dtype=dtype)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    raw = buf.getvalue()
    if draw(st.booleans()) and raw:
        cut = draw(st.integers(0, len(raw)))
        raw = raw[:cut]
    return raw


def check_read(path):
    def attempt():
        try:
            X, y, info = read_dataset(path)
        except ValueError as e:  # DataFileError is a ValueError
            assert str(path) in str(e) and "\n" not in str(e).strip(), str(e)
            return
        cases = X if isinstance(X, list) else list(X)
        assert len(cases) == info["n_cases"] >= 1
        assert all(np.isfinite(a).all() and a.ndim == 2 and a.dtype == np.float64 for a in cases)
        assert y is None or len(y) == len(cases)

    bounded(attempt)


@FUZZ
@given(raw=ts_files())
def test_hostile_ts_files(tmp_path, raw):
    p = tmp_path / "f.ts"
    p.write_bytes(raw)
    check_read(p)


@FUZZ
@given(raw=csv_files())
def test_hostile_csv_files(tmp_path, raw):
    p = tmp_path / "f.csv"
    p.write_bytes(raw)
    check_read(p)


@FUZZ
@given(raw=npz_files())
def test_hostile_npz_files(tmp_path, raw):
    p = tmp_path / "f.npz"
    p.write_bytes(raw)
    check_read(p)


@FUZZ
@given(labels=st.lists(label_text.filter(lambda s: s.strip() == s and s and "\x00" not in s), min_size=2,
                      max_size=2, unique=True))
def test_ts_labels_round_trip_exactly(tmp_path, labels):
    body = "".join(f"{i},{i + 1},{i * 2}:{labels[i % 2]}\n" for i in range(4))
    p = tmp_path / "l.ts"
    p.write_text("@problemName l\n@classLabel true\n@data\n" + body, encoding="utf-8")
    _, y, _ = read_dataset(p)
    assert y.tolist() == [labels[i % 2] for i in range(4)]


@FUZZ
@given(text=st.text(max_size=20))
def test_safe_text_never_passes_control_characters(text):
    from lightwaves.cli import safe_text

    out = safe_text(text)
    assert out.isprintable()
    if text.isprintable():
        assert out == text
