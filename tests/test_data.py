"""Data readers for the CLI: .ts, .npz, long-form CSV + labels, bundled aeon datasets; malformed input."""

from __future__ import annotations

import numpy as np
import pytest

from lightwaves.data import DataFileError, bundled_datasets, read_dataset, read_labels

from .conftest import DATASETS

TS_HEADER = """# a comment
@problemName Toy
@timeStamps false
@missing false
@univariate false
@dimensions 2
@equalLength true
@seriesLength 3
@classLabel true a b
@data
"""


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


# ------------------------------------------------------------------------------------------ .ts
def test_ts_equal_length(tmp_path):
    p = write(tmp_path, "toy.ts", TS_HEADER + "1,2,3:4,5,6:a\n7,8,9:1,2,3:b\n")
    X, y, info = read_dataset(p)
    assert X.shape == (2, 2, 3) and X.dtype == np.float64
    assert y.tolist() == ["a", "b"]
    assert info["dataset"] == "Toy" and info["format"] == "ts" and info["n_channels"] == 2
    assert info["case_ids"] == ["0", "1"]


def test_ts_unequal_length_and_unlabelled(tmp_path):
    header = TS_HEADER.replace("@equalLength true", "@equalLength false").replace(
        "@seriesLength 3\n", "").replace("@classLabel true a b", "@classLabel false")
    p = write(tmp_path, "u.ts", header + "1,2,3:4,5,6\n7,8:1,2\n")
    X, y, info = read_dataset(p)
    assert isinstance(X, list) and [a.shape for a in X] == [(2, 3), (2, 2)]
    assert y is None and info["length_min"] == 2 and info["length_max"] == 3
    with pytest.raises(DataFileError, match="no class labels"):
        read_dataset(p, require_labels=True)


@pytest.mark.parametrize(
    "body, match",
    [
        ("1,2,3:4,5,6:a\n1,2,3:b\n", r"line 12: 1 dimensions, but the first case has 2"),
        ("1,2,3:4,5,6:a\n1,x,3:4,5,6:b\n", r"line 12: channel 0, time 1: 'x' is not a number"),
        ("1,2,3:4,5,6:a\n1,2,3:4,5,6:c\n", r"line 12: class label 'c' is not declared"),
        ("1,2,3:4,5,6:a\n1,2:4,5:b\n", r"line 12: series length 2 differs"),
        ("1,2,3:4,5:a\n", r"line 11: channels have different lengths \[3, 2\]"),
        ("1,2,3:4,5,6:a\n1,?,3:4,5,6:b\n", r"line 12: channel 0, time 1: missing"),
        ("1,2,3:4,5,6:a\n1,2,3:4,5,6\n", r"line 12: .*missing channel or class label"),
        ("1,2,3:4,5,6:a\n1,2,3:4,5,6:\n", r"line 12: empty class label"),
        ("1,2,3:,:a\n", r"line 11: "),
        ("", r"no cases after @data"),
        ("1,2,3:4,5,6,7,8:a\n", r"line 11: channels have different lengths"),
    ],
)
def test_ts_malformed(tmp_path, body, match):
    p = write(tmp_path, "bad.ts", TS_HEADER + body)
    with pytest.raises(DataFileError, match=match) as e:
        read_dataset(p)
    assert str(p) in str(e.value)


@pytest.mark.parametrize(
    "text, match",
    [
        ("hello world\n", r"line 1: expected a @tag header"),
        ("@problemName X\n@classLabel true a\n", r"no @data line"),
        (TS_HEADER.replace("@dimensions 2", "@dimensions 3") + "1,2,3:4,5,6:a\n", r"line 11: 2 dimensions but the header says @dimensions 3"),
        ("", r"no @data line"),
    ],
)
def test_ts_not_a_ts_file(tmp_path, text, match):
    p = write(tmp_path, "x.ts", text)
    with pytest.raises(DataFileError, match=match):
        read_dataset(p)


def test_ts_truncated_file(tmp_path):
    full = TS_HEADER + "1,2,3:4,5,6:a\n7,8,9:1,2,3:b\n"
    p = write(tmp_path, "t.ts", full[: len(TS_HEADER) + 20])
    with pytest.raises(DataFileError, match=r"line 12"):
        read_dataset(p)


def test_bundled_ts_files():
    X, y, info = read_dataset("aeon:BasicMotions:train")
    assert X.shape == (40, 6, 100) and len(y) == 40 and info["dataset"] == "BasicMotions"
    X, y, info = read_dataset("aeon:JapaneseVowels:test")
    assert isinstance(X, list) and len(X) == 370 and (info["length_min"], info["length_max"]) == (7, 29)
    X, _, _ = read_dataset("aeon:JapaneseVowels_eq")
    assert X.shape[0] == 270
    assert {"BasicMotions", "JapaneseVowels", "JapaneseVowels_eq"} <= set(bundled_datasets())


@pytest.mark.parametrize("spec, match", [
    ("aeon:NoSuchThing", "not bundled"),
    ("aeon:BasicMotions:valid", "split must be"),
    ("aeon:", "expected aeon:Name"),
    ("aeon:../etc:train", "not bundled"),
])
def test_bad_aeon_spec(spec, match):
    with pytest.raises(DataFileError, match=match):
        read_dataset(spec)


def test_shared_uea_ts():
    path = DATASETS / "Libras" / "Libras_TRAIN.ts"
    if not path.exists():
        pytest.skip(f"{path} not found")
    X, y, info = read_dataset(path)
    assert X.shape == (180, 2, 45) and len(np.unique(y)) == 15


# ----------------------------------------------------------------------------------------- .npz
def test_npz_roundtrip(tmp_path):
    X = np.random.default_rng(0).normal(size=(5, 3, 8))
    y = np.array(["a", "b", "a", "b", "a"])
    np.savez(tmp_path / "d.npz", X=X, y=y)
    X2, y2, info = read_dataset(tmp_path / "d.npz")
    assert np.array_equal(X2, X) and y2.tolist() == y.tolist() and info["format"] == "npz"
    np.savez(tmp_path / "nolabels.npz", X=X[:, 0])  # 2D: one channel, no y
    X3, y3, _ = read_dataset(tmp_path / "nolabels.npz")
    assert X3.shape == (5, 1, 8) and y3 is None


def test_npz_unequal_lengths(tmp_path):
    X = np.arange(2 * 2 * 5, dtype=float).reshape(2, 2, 5)
    np.savez(tmp_path / "u.npz", X=X, y=np.array([0, 1]), lengths=np.array([5, 3]))
    X2, y2, info = read_dataset(tmp_path / "u.npz")
    assert [a.shape for a in X2] == [(2, 5), (2, 3)] and np.array_equal(X2[1], X[1, :, :3])
    assert y2.tolist() == [0, 1] and info["length_min"] == 3


@pytest.mark.parametrize(
    "arrays, match",
    [
        ({"Z": np.ones((2, 2, 2))}, r"no array 'X' \(found: Z\)"),
        ({"X": np.ones((2, 2, 2, 2))}, "must be 3D"),
        ({"X": np.array([["a", "b"]])}, "expected real numbers"),
        ({"X": np.ones((3, 1, 4)), "y": np.array([1, 2])}, "y has shape"),
        ({"X": np.ones((0, 1, 4))}, "empty"),
        ({"X": np.full((2, 1, 4), np.nan)}, r"case 0, channel 0, time 0 is NaN"),
        ({"X": np.ones((2, 1, 4)), "y": np.array([1.0, np.nan])}, r"y\[1\] is NaN"),
        ({"X": np.ones((2, 1, 4)), "lengths": np.array([4, 9])}, r"lengths\[1\] = 9"),
        ({"X": np.ones((2, 1, 4)), "lengths": np.array([1.5, 2])}, "lengths must be 2 integers"),
    ],
)
def test_npz_malformed(tmp_path, arrays, match):
    p = tmp_path / "bad.npz"
    np.savez(p, **arrays)
    with pytest.raises(DataFileError, match=match) as e:
        read_dataset(p)
    assert str(p) in str(e.value)


def test_npz_object_arrays_are_not_unpickled(tmp_path):
    X = np.empty(2, dtype=object)
    X[:] = [np.ones((1, 3)), np.ones((1, 4))]
    np.savez(tmp_path / "o.npz", X=X)
    with pytest.raises(DataFileError, match="cannot be read without pickle"):
        read_dataset(tmp_path / "o.npz")


def test_npz_corrupted(tmp_path):
    (tmp_path / "c.npz").write_bytes(b"this is not a zip")
    with pytest.raises(DataFileError, match="not a valid .npz"):
        read_dataset(tmp_path / "c.npz")
    np.save(tmp_path / "single.npy", np.ones(3))
    (tmp_path / "single.npz").write_bytes((tmp_path / "single.npy").read_bytes())
    with pytest.raises(DataFileError, match="not an .npz archive"):
        read_dataset(tmp_path / "single.npz")


# ----------------------------------------------------------------------------------------- .csv
def long_csv(X, ids=None):
    lines = ["case,channel,time,value"]
    for i, case in enumerate(X):
        for c, row in enumerate(case):
            for t, v in enumerate(row):
                lines.append(f"{ids[i] if ids else i},{c},{t},{float(v)!r}")
    return "\n".join(lines) + "\n"


def test_csv_with_sibling_labels(tmp_path):
    X = np.random.default_rng(1).normal(size=(3, 2, 4))
    write(tmp_path, "d.csv", long_csv(X, ids=["c9", "c1", "c5"]))
    write(tmp_path, "d.labels.csv", "case,label\nc1,up\nc9,down\nc5,up\n")
    X2, y, info = read_dataset(tmp_path / "d.csv")
    assert np.array_equal(X2, X)  # cases in order of first appearance, values exact
    assert y.tolist() == ["down", "up", "up"] and info["case_ids"] == ["c9", "c1", "c5"]
    assert info["labels"].endswith("d.labels.csv")


def test_csv_explicit_labels_unequal_and_shuffled_rows(tmp_path):
    rows = ["time,value,case,channel"]  # any column order, rows in any order
    data = {("a", 0): [1, 2, 3], ("a", 1): [4, 5, 6], ("b", 0): [7, 8], ("b", 1): [9, 10]}
    for (case, ch), vals in reversed(list(data.items())):
        for t, v in reversed(list(enumerate(vals))):
            rows.append(f"{t},{v},{case},{ch}")
    write(tmp_path, "u.csv", "\n".join(rows) + "\n")
    write(tmp_path, "lab.csv", "label,case\nx,a\ny,b\n")
    X, y, info = read_dataset(tmp_path / "u.csv", labels=tmp_path / "lab.csv")
    assert info["case_ids"] == ["b", "a"] and y.tolist() == ["y", "x"]
    assert X[1].tolist() == [[1, 2, 3], [4, 5, 6]] and X[0].tolist() == [[7, 8], [9, 10]]
    X, y, _ = read_dataset(tmp_path / "u.csv")  # no sibling label file: unlabelled
    assert y is None


@pytest.mark.parametrize(
    "text, match",
    [
        ("case,channel,value\n0,0,1.0\n", r"line 1: missing column 'time'"),
        ("", r"line 1: the file is empty"),
        ("case,channel,time,value\n", "no data rows"),
        ("case,channel,time,value\n0,0,0,1.0\n0,0,1,abc\n", r"line 3: value 'abc' is not a number"),
        ("case,channel,time,value\n0,0,0,1.0\n0,0,1,nan\n", r"line 3: value 'nan' is not finite"),
        ("case,channel,time,value\n0,0,0,1\n0,0,1.5,2\n", r"line 3: time '1.5' is not an integer"),
        ("case,channel,time,value\n0,0,0,1\n0,-1,0,2\n", r"line 3: channel -1 is negative"),
        ("case,channel,time,value\n0,0,0,1\n0,0,1\n", r"line 3: 3 fields"),
        ("case,channel,time,value\n0,0,0,1\n0,0,0,2\n", r"line 3: duplicate row .* \(first at line 2\)"),
        ("case,channel,time,value\n0,0,0,1\n0,0,1,2\n0,0,3,2\n", r"line 3: case '0', channel 0: time 2 is missing"),
        ("case,channel,time,value\n0,0,0,1\n0,2,0,2\n", r"line 2: case '0' has no rows for channel 1"),
        ("case,channel,time,value\n0,0,0,1\n0,1,0,2\n1,0,0,3\n", r"line 4: case '1' has 1 channels but case '0' has 2"),
        ("case,channel,time,value\n0,0,0,1\n0,0,1,1\n0,1,0,2\n", r"line 4: case '0': channel 1 has 1 time points"),
        ("case,channel,time,value\n,0,0,1\n", r"line 2: empty case id"),
        ("case,case,time,value\n0,0,0,1\n", r"missing column 'channel'"),
    ],
)
def test_csv_malformed(tmp_path, text, match):
    p = write(tmp_path, "bad.csv", text)
    with pytest.raises(DataFileError, match=match) as e:
        read_dataset(p)
    assert str(p) in str(e.value)


@pytest.mark.parametrize(
    "labels, match",
    [
        ("case,label\na,x\n", r"no label for 1 case\(s\) of the data, e.g. b"),
        ("case,label\na,x\nb,y\nc,z\n", r"line 4: case 'c' is not in the data"),
        ("case,label\na,x\na,y\nb,y\n", r"line 3: case 'a' has a second label \(first at line 2\)"),
        ("id,label\na,x\n", r"line 1: missing column 'case'"),
        ("case,label\na,\nb,y\n", r"line 2: empty label for case 'a'"),
        ("case,label\na\n", r"line 2: 1 fields"),
        ("", r"line 1: the file is empty"),
    ],
)
def test_label_file_mismatches(tmp_path, labels, match):
    write(tmp_path, "d.csv", "case,channel,time,value\na,0,0,1\na,0,1,2\nb,0,0,3\nb,0,1,4\n")
    lab = write(tmp_path, "lab.csv", labels)
    with pytest.raises(DataFileError, match=match) as e:
        read_dataset(tmp_path / "d.csv", labels=lab)
    assert str(lab) in str(e.value)


def test_missing_label_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such label file"):
        read_labels(tmp_path / "nope.csv", ["a"])


# ------------------------------------------------------------------------------------ dispatch
def test_unknown_extension_missing_file_and_misplaced_labels(tmp_path):
    write(tmp_path, "d.txt", "x")
    with pytest.raises(DataFileError, match="unknown data format '.txt'"):
        read_dataset(tmp_path / "d.txt")
    with pytest.raises(FileNotFoundError):
        read_dataset(tmp_path / "nope.ts")
    with pytest.raises(IsADirectoryError):
        read_dataset(tmp_path)
    np.savez(tmp_path / "d.npz", X=np.ones((2, 1, 3)))
    with pytest.raises(DataFileError, match="only used with long-form .csv"):
        read_dataset(tmp_path / "d.npz", labels=tmp_path / "d.txt")


# ------------------------------------------------------------------ numbers in the strict grammar only
@pytest.mark.parametrize("token", ["1_0", "1_000.5", "\u0661", "\uff11", "1e1_0", "\u0661_0"])
def test_ts_refuses_lenient_numbers(tmp_path, token):
    """Python's float() reads "1_0" as 10 and Arabic-Indic digits as digits: the readers do not."""
    p = tmp_path / "u.ts"
    p.write_text(f"@problemName u\n@classLabel true a b\n@data\n1,2,3:a\n4,{token},6:b\n", encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        read_dataset(p)
    msg = str(info.value)
    assert msg.startswith(f"{p}: line 5: channel 0, time 1: {token!r} is not a number") and "\n" not in msg


@pytest.mark.parametrize("field,token", [("value", "1_0"), ("value", "\u0662"), ("channel", "0_0"),
                                         ("time", "\u0661"), ("time", "1_0")])
def test_csv_refuses_lenient_numbers(tmp_path, field, token):
    row = {"case": "a", "channel": "0", "time": "1", "value": "2.5"}
    row[field] = token
    p = tmp_path / "u.csv"
    p.write_text("case,channel,time,value\na,0,0,1\n" + ",".join(row[k] for k in ("case", "channel", "time", "value"))
                 + "\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=f"line 3: {field} {token!r} is not (a number|an integer)") as info:
        read_dataset(p)
    assert "\n" not in str(info.value)


def test_strict_numbers_keep_every_ordinary_spelling(tmp_path):
    tokens = ["1", "-1.5", "+2", "1e-3", "1E+3", ".5", "5.", "-0", " 7 ", "1.e2", "0007"]
    expected = [1, -1.5, 2, 1e-3, 1e3, 0.5, 5.0, -0.0, 7, 100.0, 7]
    p = tmp_path / "ok.ts"
    p.write_text("@problemName ok\n@classLabel true a b\n@data\n" + ",".join(tokens) + ":a\n"
                 + ",".join(["0"] * len(tokens)) + ":b\n", encoding="utf-8")
    X, y, _ = read_dataset(p)
    assert X[0, 0].tolist() == expected and y.tolist() == ["a", "b"]
    q = tmp_path / "ok.csv"
    q.write_text("case,channel,time,value\n" + "".join(f"c,0,{t},{v.strip()}\n" for t, v in enumerate(tokens))
                 + "".join(f"d,+0,{t},0\n" for t in range(len(tokens))), encoding="utf-8")
    X, _, _ = read_dataset(q)
    assert X[0, 0].tolist() == expected


@pytest.mark.parametrize("token,match", [("?", "missing value '\\?'"), ("NaN", "non-finite value 'NaN'"),
                                         ("inf", "non-finite value 'inf'"), ("1e999", "non-finite value '1e999'"),
                                         ("", "'' is not a number"), ("0x10", "'0x10' is not a number")])
def test_ts_missing_and_non_finite_messages_unchanged(tmp_path, token, match):
    p = tmp_path / "m.ts"
    p.write_text(f"@problemName m\n@classLabel true a b\n@data\n1,{token},3:a\n4,5,6:b\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=f"line 4: channel 0, time 1: .*{match}"):
        read_dataset(p)
