"""Readers for the command line: ``.ts``, ``.npz``, long-form ``.csv`` and bundled aeon datasets.

Every reader returns ``(X, y, info)``: ``X`` is a 3D float array ``(n_cases, n_channels,
n_timepoints)`` or, for unequal lengths, a list of 2D ``(n_channels, n_i)`` arrays; ``y`` is a 1D
array of labels or None; ``info`` is a dict describing the source (``source``, ``format``,
``dataset``, ``n_cases``, ``n_channels``, ``length_min``, ``length_max``, ``case_ids``).

A malformed file raises :class:`DataFileError` (a ``ValueError``) whose message names the file and,
for text formats, the line, and says what is wrong. See ``docs/formats.md`` for the formats.

Data sources
------------
``path/to/Name_TRAIN.ts``
    UEA/UCR ``.ts`` file (equal or unequal length); labels are kept exactly as written.
``path/to/data.npz``
    Arrays ``X`` (2D or 3D float) and optionally ``y`` and ``lengths`` (unequal lengths: ``X``
    padded, case ``i`` uses its first ``lengths[i]`` time points).
``path/to/data.csv``
    Long form with header ``case,channel,time,value``; labels from ``labels=`` (the CLI's
    ``--labels FILE``) or else the sibling ``<stem>.labels.csv`` if it exists (header
    ``case,label``).
``aeon:Name[:train|test]``
    A dataset shipped inside aeon's wheel (BasicMotions, JapaneseVowels, ...); no network.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import numpy as np

from .fileio import NPY_HEADER_MAX, check_input_file, npy_header, npy_nbytes

CSV_COLUMNS = ("case", "channel", "time", "value")
LABEL_COLUMNS = ("case", "label")


class DataFileError(ValueError):
    """A data file is malformed; the message names the file, the line and the problem."""


def _err(path, line, msg) -> DataFileError:
    where = f"{path}: line {line}: " if line is not None else f"{path}: "
    return DataFileError(where + msg)


#: A number as a data file may write it: ASCII digits, an optional sign, fraction and exponent. Python's
#: ``float`` (and numpy's parser, which calls it) also reads ``1_0`` as 10 and non-ASCII digits (``١``) as
#: digits; neither is accepted.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
#: One channel of a ``.ts`` data line: numbers separated by commas (whitespace around them allowed).
_NUMBERS = re.compile(rf"\s*{_NUMBER.pattern}\s*(?:,\s*{_NUMBER.pattern}\s*)*")
_INTEGER = re.compile(r"[+-]?[0-9]+")


def _lenient(text: str) -> bool:
    """Whether ``float(text)`` may accept something the strict grammar refuses other than NaN and inf
    (which are refused as non-finite): only text holding an underscore or a non-ASCII character can."""
    return "_" in text or not text.isascii()


def _not_a_number(what: str, text: str) -> str:
    hint = (" (digit separators '_' are not accepted)" if "_" in text
            else " (only ASCII digits are accepted)" if not text.isascii() else "")
    return f"{what} {text[:40]!r} is not a number{hint}"


def _number(text: str):
    """``float(text)`` if ``text`` is a number in the strict grammar, NaN/inf as floats (the caller refuses
    them with its own message), else None."""
    try:
        x = float(text)
    except ValueError:
        return None
    if _lenient(text) and np.isfinite(x) and not _NUMBER.fullmatch(text):
        return None
    return x


# ------------------------------------------------------------------------------------ entry point
def read_dataset(source, labels=None, require_labels=False):
    """Read a dataset from a file or a bundled aeon dataset.

    Parameters
    ----------
    source : str or os.PathLike
        A ``.ts``, ``.npz`` or ``.csv`` path, or ``aeon:Name[:train|test]``.
    labels : str or os.PathLike, optional
        Label file (CSV ``case,label``) for a long-form CSV source.
    require_labels : bool, default=False
        Raise if the source has no labels.

    Returns
    -------
    X : ndarray or list of ndarray
    y : ndarray or None
    info : dict

    Raises
    ------
    DataFileError
        If the data is malformed or labels are required but missing.
    OSError
        If a file cannot be read.
    """
    source = os.fspath(source)
    if source.startswith("aeon:"):
        X, y, info = read_aeon(source)
    else:
        suffix = Path(source).suffix.lower()
        try:
            check_input_file(source, "data file")
        except IsADirectoryError:
            raise IsADirectoryError(f"{source} is a directory; give a .ts, .npz or .csv file") from None
        except ValueError as e:
            raise DataFileError(str(e)) from None
        if suffix == ".ts":
            X, y, info = read_ts(source)
        elif suffix == ".npz":
            X, y, info = read_npz(source)
        elif suffix == ".npy":
            X, y, info = read_npy(source)
        elif suffix == ".csv":
            X, y, info = read_csv(source, labels=labels)
        else:
            raise DataFileError(
                f"{source}: unknown data format {suffix or '(no extension)'!r}; use .ts, .npz, .npy, .csv or "
                "aeon:Name[:train|test]"
            )
        if labels is not None and suffix != ".csv":
            raise DataFileError(f"{labels}: a label file is only used with long-form .csv data")
    if require_labels and y is None:
        hint = " (give --labels FILE or a sibling <name>.labels.csv)" if info["format"] == "csv" else ""
        raise DataFileError(f"{info['source']}: the data has no class labels{hint}")
    return X, y, info


def _describe(X, y, source, fmt, dataset, case_ids=None) -> dict:
    if isinstance(X, np.ndarray):
        n, c, t = X.shape
        lmin = lmax = t
    else:
        n, c = len(X), X[0].shape[0]
        lens = [a.shape[1] for a in X]
        lmin, lmax = min(lens), max(lens)
    return {
        "source": str(source),
        "format": fmt,
        "dataset": dataset,
        "n_cases": int(n),
        "n_channels": int(c),
        "length_min": int(lmin),
        "length_max": int(lmax),
        "has_labels": y is not None,
        "case_ids": list(case_ids) if case_ids is not None else [str(i) for i in range(n)],
    }


def bundled_datasets() -> list[str]:
    """Names of the classification datasets shipped inside aeon's wheel."""
    root = _aeon_data_dir()
    return sorted(p.name[: -len("_TRAIN.ts")] for p in root.glob("*/*_TRAIN.ts"))


def _aeon_data_dir() -> Path:
    from .deps import require

    return Path(require("aeon.datasets").__file__).parent / "data"


def read_aeon(spec):
    """Read ``aeon:Name[:train|test]`` from the copy shipped with aeon (never downloads).

    ``Name`` may be an equal-length variant shipped by aeon, e.g. ``JapaneseVowels_eq``.
    """
    parts = spec.split(":")
    if len(parts) not in (2, 3) or not parts[1]:
        raise DataFileError(f"{spec}: expected aeon:Name or aeon:Name:train|test")
    name = parts[1]
    split = parts[2].lower() if len(parts) == 3 else "train"
    if split not in ("train", "test"):
        raise DataFileError(f"{spec}: split must be 'train' or 'test', got {parts[2]!r}")
    found = sorted(_aeon_data_dir().glob(f"*/{name}_{split.upper()}.ts")) if name.isidentifier() else []
    path = found[0] if found else None
    if path is None:
        raise DataFileError(
            f"{spec}: {name!r} is not bundled with aeon (no network downloads); bundled: "
            + ", ".join(bundled_datasets())
        )
    X, y, info = read_ts(path)
    info["source"] = spec
    info["dataset"] = name
    info["format"] = "aeon"
    return X, y, info


# ------------------------------------------------------------------------------------------ .ts
def _ts_lines(path):
    """(line number, text) of a ``.ts`` file, decoded as UTF-8 line by line (a byte-order mark is
    allowed), so a bad byte is reported on its own line."""
    with open(path, "rb") as f:
        for lineno, raw in enumerate(f, 1):
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                yield lineno, raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise _err(path, lineno, f"not valid UTF-8 (byte {raw[e.start]:#04x} at column {e.start + 1})"
                           ) from None


def _parse_channel(path, lineno, c, text):
    """The values of one channel of a ``.ts`` data line."""
    fields = text.split(",")
    values = None
    # numpy parses the channel at C speed; only text that float() could read leniently is checked against
    # the strict grammar first (so the check costs two scans of the text, not a regular expression)
    if not _lenient(text) or _NUMBERS.fullmatch(text):
        try:
            values = np.array(fields, dtype=np.float64)
        except ValueError:
            pass
    if values is None or not np.isfinite(values).all():
        for t, v in enumerate(fields):
            v = v.strip()
            if v == "?":
                raise _err(path, lineno, f"channel {c}, time {t}: missing value '?' (impute it before "
                                         "using lightwaves)")
            x = _number(v)
            if x is None:
                raise _err(path, lineno, _not_a_number(f"channel {c}, time {t}:", v))
            if not np.isfinite(x):
                raise _err(path, lineno, f"channel {c}, time {t}: missing or non-finite value {v!r} "
                                         "(impute it before using lightwaves)")
    return values


def _ts_flag(path, lineno, tag, value):
    word = value.split()[0].lower() if value.split() else ""
    if word not in ("true", "false"):
        raise _err(path, lineno, f"{tag} needs true or false, got {value[:40]!r}")
    return word == "true"


def read_ts(path):
    """Read a UEA/UCR ``.ts`` file (equal or unequal length).

    The file is parsed here, line by line (aeon's loader changes labels: it lowercases them and turns
    ``nan`` inside a word into ``NaN``). Checked: the header, ``@data``, the number of dimensions of
    every case, equal channel lengths within a case, ``@equalLength``, class labels against
    ``@classLabel``, and every value (``?``, NaN and inf are refused). Labels come back exactly as
    written. ``@timeStamps true`` files are refused (not supported).

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    X, y, info
        ``y`` is None when the file has ``@classLabel false``.
    """
    path = os.fspath(path)
    header, header_lines = {}, {}
    in_data = False
    labelled = False
    allowed = None
    n_dims = None
    first_len = None
    cases, labels, data_lines = [], [], []
    for lineno, raw in _ts_lines(path):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not in_data:
            if not line.startswith("@"):
                raise _err(path, lineno, f"expected a @tag header line or @data, got {line[:40]!r}")
            tag, _, value = line.partition(" ")
            tag = tag.lower()
            value = value.strip()
            if tag == "@data":
                in_data = True
                continue
            if tag == "@classlabel":
                labelled = _ts_flag(path, lineno, "@classLabel", value)
                allowed = value.split()[1:] if labelled else None
            elif tag in ("@timestamps", "@equallength", "@univariate", "@missing", "@targetlabel"):
                flag = _ts_flag(path, lineno, line.partition(" ")[0], value)
                if tag == "@timestamps" and flag:
                    raise _err(path, lineno, "@timeStamps true: time-stamped .ts data is not supported; "
                                             "convert it to regularly sampled series")
                if tag == "@targetlabel" and flag:
                    raise _err(path, lineno, "@targetLabel true: regression targets, not class labels")
            header[tag] = value
            header_lines[tag] = lineno
            continue
        parts = line.split(":")
        label = None
        if labelled:
            if len(parts) < 2:
                raise _err(path, lineno, "no class label after the series (expected ...:label)")
            label = parts[-1].strip()
            parts = parts[:-1]
        if n_dims is None:
            n_dims = len(parts)
            declared = header.get("@dimensions")
            if declared is not None and declared.isascii() and declared.isdigit() and int(declared) != n_dims:
                raise _err(path, lineno, f"{n_dims} dimensions but the header says @dimensions {declared}")
        elif len(parts) != n_dims:
            raise _err(path, lineno, f"{len(parts)} dimensions, but the first case has {n_dims}"
                                     + (" (a missing channel or class label?)" if labelled and len(parts) == n_dims - 1 else ""))
        if labelled and not label:
            raise _err(path, lineno, "empty class label")
        if labelled and "\x00" in label:
            raise _err(path, lineno, "class label contains a NUL character")
        if labelled and allowed and label not in allowed:
            raise _err(path, lineno, f"class label {label!r} is not declared in @classLabel "
                                     f"({' '.join(allowed)})")
        lengths = [p.count(",") + 1 if p.strip() else 0 for p in parts]
        if min(lengths) == 0:
            raise _err(path, lineno, f"channel {lengths.index(0)} is empty")
        if len(set(lengths)) != 1:
            raise _err(path, lineno, f"channels have different lengths {lengths}; every channel of a"
                                     " case must have the same length")
        if first_len is None:
            first_len = lengths[0]
        elif header.get("@equallength", "").lower().startswith("true") and lengths[0] != first_len:
            raise _err(path, lineno, f"series length {lengths[0]} differs from the first case's "
                                     f"{first_len} but the header says @equalLength true")
        cases.append(np.stack([_parse_channel(path, lineno, c, p) for c, p in enumerate(parts)]))
        labels.append(label)
        data_lines.append(lineno)
    if not in_data:
        raise _err(path, None, "no @data line: not a .ts file (or truncated header)")
    if not cases:
        raise _err(path, None, "no cases after @data")
    X = np.stack(cases) if len({a.shape[1] for a in cases}) == 1 else cases
    y = np.asarray(labels) if labelled else None
    dataset = header.get("@problemname") or Path(path).stem
    return X, y, _describe(X, y, path, "ts", dataset)


# ----------------------------------------------------------------------------------------- .npz
def read_npz(path):
    """Read ``X`` (and optionally ``y``, ``lengths``) from an ``.npz`` file without pickle.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    X, y, info
    """
    import zipfile

    path = os.fspath(path)
    try:
        npz = np.load(path, allow_pickle=False)
    except (zipfile.BadZipFile, ValueError, EOFError) as e:
        raise _err(path, None, f"not a valid .npz archive ({e})") from None
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise _err(path, None, "a single .npy array, not an .npz archive with X and y")
    with npz:
        keys = list(npz.files)
        if "X" not in keys:
            raise _err(path, None, f"no array 'X' (found: {', '.join(keys) or 'nothing'})")
        arrays = {}
        for key in ("X", "y", "lengths"):
            if key in keys:
                _check_npz_member(path, npz, key)
                try:
                    arrays[key] = npz[key]
                except ValueError as e:
                    raise _err(path, None, f"array {key!r} cannot be read without pickle ({e}); store "
                                           "numeric X and string/number y") from None
                except (zipfile.BadZipFile, EOFError, OSError) as e:
                    raise _err(path, None, f"array {key!r} is corrupted ({e})") from None
    X = arrays["X"]
    if X.dtype.kind not in "biuf":
        raise _err(path, None, f"X has dtype {X.dtype}; expected real numbers")
    if X.ndim == 2:
        X = X[:, None, :]
    if X.ndim != 3:
        raise _err(path, None, f"X must be 3D (n_cases, n_channels, n_timepoints) or 2D, got shape {X.shape}")
    if 0 in X.shape:
        raise _err(path, None, f"X is empty (shape {X.shape})")
    X = np.asarray(X, dtype=np.float64)
    n = X.shape[0]
    if "lengths" in arrays:
        lengths = arrays["lengths"]
        if lengths.dtype.kind not in "iu" or lengths.shape != (n,):
            raise _err(path, None, f"lengths must be {n} integers (one per case), got dtype "
                                   f"{lengths.dtype} shape {lengths.shape}")
        if lengths.min() < 1 or lengths.max() > X.shape[2]:
            i = int(np.argmax((lengths < 1) | (lengths > X.shape[2])))
            raise _err(path, None, f"lengths[{i}] = {int(lengths[i])} is outside 1..{X.shape[2]}")
        cases = [np.ascontiguousarray(X[i, :, : int(m)]) for i, m in enumerate(lengths)]
        X = cases if len(set(lengths.tolist())) > 1 else np.stack(cases)
    _check_finite_cases(path, X)
    y = arrays.get("y")
    if y is not None:
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        if y.ndim != 1 or y.shape[0] != n:
            raise _err(path, None, f"y has shape {y.shape} but X has {n} cases; y needs one label per case")
        if y.dtype.kind not in "biufUS":
            raise _err(path, None, f"y has dtype {y.dtype}; expected strings or numbers")
        if y.dtype.kind == "f" and not np.isfinite(y).all():
            raise _err(path, None, f"y[{int(np.argmin(np.isfinite(y)))}] is NaN or inf")
        if y.dtype.kind == "S":
            y = y.astype(str)
        if y.dtype.kind == "f":  # float labels name classes: keep them exactly as stored ("0.5")
            y = np.asarray([repr(float(v)) for v in y])
    return X, y, _describe(X, y, path, "npz", Path(path).stem)


def read_npy(path):
    """Memory-map ``X`` from an ``.npy`` file (no labels): nothing is read until a chunk of cases is used.

    For data larger than memory (``lightwaves predict`` streams it chunk by chunk; in Python,
    ``LightWaveSClassifier.fit`` and ``predict`` accept the returned memmap). The header is checked against
    the file's size first; values are checked (finite, real) chunk by chunk when they are used.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        head = f.read(NPY_HEADER_MAX)
    shape, dtype = _checked_npy_header(path, "X", head, os.path.getsize(path))
    if dtype.kind not in "biuf":
        raise _err(path, None, f"X has dtype {dtype}; expected real numbers")
    if len(shape) not in (2, 3) or 0 in shape:
        raise _err(path, None, f"X must be 3D (n_cases, n_channels, n_timepoints) or 2D, got shape {shape}")
    X = np.load(path, mmap_mode="r", allow_pickle=False)
    if X.ndim == 2:
        X = X[:, None, :]
    return X, None, _describe(X, None, path, "npy", Path(path).stem)


def _memory_bytes() -> int:
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return 2**40


def _check_npz_member(path, npz, key):
    """Read the ``.npy`` header of ``key`` and check it against the member's size before decoding, so
    a header that claims terabytes (or a truncated member) is refused without allocating anything."""
    import zipfile

    name = key + ".npy"
    try:
        info = npz.zip.getinfo(name)
        with npz.zip.open(info) as f:
            head = f.read(NPY_HEADER_MAX)
    except (KeyError, zipfile.BadZipFile, EOFError, OSError, RuntimeError, NotImplementedError) as e:
        raise _err(path, None, f"array {key!r} is corrupted ({e})") from None
    shape, dtype = _checked_npy_header(path, f"array {key!r}", head, info.file_size)
    if npy_nbytes(shape, dtype) > _memory_bytes():
        raise _err(path, None, f"array {key!r} ({npy_nbytes(shape, dtype)} bytes) is larger than this machine's"
                               " memory")


def _checked_npy_header(path, what, head, stored):
    """Shape and dtype of an ``.npy`` image whose first bytes are ``head`` and whole size ``stored``;
    refuses a malformed header, object arrays, and a header that disagrees with the stored size."""
    try:
        shape, dtype, offset = npy_header(head)
    except ValueError as e:
        if "O'" in str(e):  # an object dtype ('|O')
            raise _err(path, None, f"{what} holds Python objects, which cannot be read without pickle;"
                                   " store numeric X and string/number y") from None
        raise _err(path, None, f"{what} is not a valid .npy array ({e})") from None
    need, have = npy_nbytes(shape, dtype), stored - offset
    if need != have:
        raise _err(path, None, f"{what} is truncated or corrupted: its header describes shape {shape} of "
                               f"{dtype} ({need} bytes) but the file holds {max(have, 0)} bytes")
    return shape, dtype


def _check_finite_cases(path, X):
    cases = X if isinstance(X, list) else [X[i] for i in range(X.shape[0])]
    if isinstance(X, np.ndarray) and np.isfinite(X).all():
        return
    for i, a in enumerate(cases):
        bad = ~np.isfinite(a)
        if bad.any():
            c, t = (int(v) for v in np.argwhere(bad)[0])
            raise _err(path, None, f"X: case {i}, channel {c}, time {t} is NaN or inf (impute it first)")


# ----------------------------------------------------------------------------------------- .csv
def _open_csv(path, required):
    # surrogateescape: a bad byte does not stop the decoder mid-buffer (which would be reported on the
    # wrong line); _check_utf8 finds it in the row that holds it.
    f = open(path, newline="", encoding="utf-8", errors="surrogateescape")
    reader = csv.reader(f)
    try:
        header = next(reader)
        _check_utf8(path, reader.line_num, header)
    except StopIteration:
        f.close()
        raise _err(path, 1, f"the file is empty; expected a header {','.join(required)}") from None
    except (csv.Error, UnicodeDecodeError) as e:
        f.close()
        raise _err(path, 1, f"unreadable CSV ({e})") from None
    except DataFileError:
        f.close()
        raise
    header = [h.strip().lstrip("\ufeff").lower() for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        f.close()
        raise _err(path, 1, f"missing column {missing[0]!r} in header {','.join(header)!r}; "
                            f"expected {','.join(required)}")
    dup = [h for h in set(header) if header.count(h) > 1]
    if dup:
        f.close()
        raise _err(path, 1, f"column {dup[0]!r} appears twice in the header")
    return f, reader, [header.index(c) for c in required]


def _int_field(path, lineno, name, text):
    if not (text.isascii() and text.isdigit()) and not _INTEGER.fullmatch(text):  # int() also reads "1_0", "١"
        raise _err(path, lineno, f"{name} {text[:40]!r} is not an integer")
    v = int(text)
    if v < 0:
        raise _err(path, lineno, f"{name} {v} is negative")
    return v


def read_csv(path, labels=None):
    """Read long-form CSV ``case,channel,time,value`` and its labels.

    Cases are kept in order of first appearance; channels must be ``0..C-1`` in every case and
    times ``0..n_i-1`` in every channel of a case (no gaps, no duplicates). Labels come from
    ``labels`` or, if None, from the sibling file ``<stem>.labels.csv`` when it exists.

    Parameters
    ----------
    path : str or os.PathLike
    labels : str or os.PathLike, optional
        CSV with header ``case,label``.

    Returns
    -------
    X, y, info
    """
    path = os.fspath(path)
    f, reader, idx = _open_csv(path, CSV_COLUMNS)
    ic, ich, it, iv = idx
    series = {}  # case -> {channel: {time: value}}
    first_line = {}
    width = max(idx) + 1
    for lineno, row in _rows(path, f, reader):
        if len(row) < width:
            raise _err(path, lineno, f"{len(row)} fields; expected {','.join(CSV_COLUMNS)}")
        case = row[ic].strip()
        if not case:
            raise _err(path, lineno, "empty case id")
        channel = _int_field(path, lineno, "channel", row[ich].strip())
        time = _int_field(path, lineno, "time", row[it].strip())
        text = row[iv].strip()
        value = _number(text)
        if value is None:
            raise _err(path, lineno, _not_a_number("value", text))
        if not np.isfinite(value):
            raise _err(path, lineno, f"value {text!r} is not finite (impute missing values first)")
        chans = series.setdefault(case, {})
        first_line.setdefault(case, lineno)
        times = chans.setdefault(channel, {})
        if time in times:
            raise _err(path, lineno, f"duplicate row for case {case!r}, channel {channel}, time {time} "
                                     f"(first at line {times[time][1]})")
        times[time] = (value, lineno)
    if not series:
        raise _err(path, None, "no data rows after the header")

    n_channels = None
    X = []
    for case, chans in series.items():
        line = first_line[case]
        chs = sorted(chans)
        if chs != list(range(len(chs))):
            gap = next(c for c in range(len(chs) + 1) if c not in chans)
            raise _err(path, line, f"case {case!r} has no rows for channel {gap} (channels must be "
                                   f"0..n-1; found {_short(chs)})")
        if n_channels is None:
            n_channels = len(chs)
            first_case = case
        elif len(chs) != n_channels:
            raise _err(path, line, f"case {case!r} has {len(chs)} channels but case {first_case!r} has "
                                   f"{n_channels}")
        length = None
        rows = []
        for c in chs:
            ts = chans[c]
            m = max(ts) + 1
            if len(ts) != m:
                gap = next(t for t in range(m) if t not in ts)
                after = ts.get(gap - 1, (None, line))[1] if gap > 0 else line
                raise _err(path, after, f"case {case!r}, channel {c}: time {gap} is missing (times must run "
                                        f"0..{m - 1} without gaps)")
            if length is None:
                length = m
            elif m != length:
                raise _err(path, ts[m - 1][1], f"case {case!r}: channel {c} has {m} time points but channel "
                                               f"{chs[0]} has {length}")
            rows.append([ts[t][0] for t in range(m)])
        X.append(np.asarray(rows, dtype=np.float64))
    case_ids = list(series)
    lengths = {a.shape[1] for a in X}
    X = np.stack(X) if len(lengths) == 1 else X

    label_path = labels
    if label_path is None:
        sibling = Path(path).with_name(Path(path).stem + ".labels.csv")
        label_path = sibling if sibling.exists() else None
    y = None
    if label_path is not None:
        y = read_labels(label_path, case_ids)
    info = _describe(X, y, path, "csv", Path(path).stem, case_ids=case_ids)
    info["labels"] = os.fspath(label_path) if label_path is not None else None
    return X, y, info


def _check_utf8(path, lineno, row):
    try:
        "\x00".join(row).encode("utf-8")
    except UnicodeEncodeError as e:
        bad = e.object[e.start]
        raise _err(path, lineno, f"not valid UTF-8 (byte {ord(bad) - 0xDC00:#04x})") from None


def _rows(path, f, reader):
    try:
        for row in reader:
            lineno = reader.line_num
            _check_utf8(path, lineno, row)
            if not row or all(not v.strip() for v in row):
                continue
            yield lineno, row
    except (csv.Error, UnicodeDecodeError) as e:
        raise _err(path, reader.line_num, f"unreadable CSV ({e})") from None
    finally:
        f.close()


def _short(values, k=8):
    values = list(values)
    return ", ".join(map(str, values[:k])) + (", ..." if len(values) > k else "")


def read_labels(path, case_ids):
    """Read a label file (CSV ``case,label``) and order it like ``case_ids``.

    Every case of the data needs exactly one label; labels of unknown cases are an error.

    Parameters
    ----------
    path : str or os.PathLike
    case_ids : list of str

    Returns
    -------
    ndarray of str
    """
    path = os.fspath(path)
    try:
        check_input_file(path, "label file")
    except ValueError as e:
        raise DataFileError(str(e)) from None
    f, reader, (ic, il) = _open_csv(path, LABEL_COLUMNS)
    labels = {}
    lines = {}
    known = set(case_ids)
    for lineno, row in _rows(path, f, reader):
        if len(row) <= max(ic, il):
            raise _err(path, lineno, f"{len(row)} fields; expected case,label")
        case, label = row[ic].strip(), row[il].strip()
        if not label:
            raise _err(path, lineno, f"empty label for case {case!r}")
        if "\x00" in label:
            raise _err(path, lineno, f"the label of case {case!r} contains a NUL character")
        if case in labels:
            raise _err(path, lineno, f"case {case!r} has a second label (first at line {lines[case]})")
        if case not in known:
            raise _err(path, lineno, f"case {case!r} is not in the data")
        labels[case] = label
        lines[case] = lineno
    missing = [c for c in case_ids if c not in labels]
    if missing:
        raise _err(path, None, f"no label for {len(missing)} case(s) of the data, e.g. {_short(missing, 3)}")
    return np.asarray([labels[c] for c in case_ids])


# ------------------------------------------------------------------------------------- helpers
def iter_chunks(X, size):
    """Yield consecutive chunks of at most ``size`` cases of ``X`` (array or list)."""
    n = len(X)
    for start in range(0, n, size):
        yield X[start : start + size]
