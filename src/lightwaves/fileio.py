"""File safety shared by model files, data files and the command line.

- Atomic writes: a file the user already has is replaced whole or not at all (:func:`atomic_open`).
- Checks done before any work: an output path that can be written and is not one of the inputs
  (:func:`check_output`), an input that is a regular file of bounded size (:func:`check_input_file`).
- ``.npy`` headers read without trusting them (:func:`npy_header`), so a file that claims a huge
  array is refused before anything is allocated.
"""

from __future__ import annotations

import ast
import contextlib
import os
import stat
import tempfile

import numpy as np


def _file_mode(path: str) -> int:
    """The mode of the file being replaced, else 0o666 minus the umask (mkstemp uses 0o600)."""
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        pass
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_open(path, mode: str = "wb", **kwargs):
    """Open a temporary file beside ``path``; on success fsync it and rename it over ``path``.

    If the block raises (or the process dies), ``path`` keeps its old content and the temporary file is
    removed (or, after a crash, left as a hidden ``.name.*.tmp`` file, never at ``path``).
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path} is a directory; give a file name")
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    except OSError as e:  # name the user's file, not the temporary one
        raise type(e)(e.errno, f"cannot write {path}: {e.strerror}") from None
    try:
        os.chmod(tmp, _file_mode(path))
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename durable; not possible on every platform
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def _describe_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_input_file(path, what: str = "file", max_bytes: int | None = None) -> int:
    """Check that ``path`` is an existing regular file (links followed) of at most ``max_bytes``.

    Devices (``/dev/zero``), pipes and directories are refused: reading them may never end. Returns the
    size in bytes. Raises ``FileNotFoundError``, ``IsADirectoryError`` or ``ValueError`` with a one-line
    message naming the path.
    """
    path = os.fspath(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such {what}") from None
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(f"{path} is a directory, not a {what}")
    if not stat.S_ISREG(st.st_mode):
        raise ValueError(f"{path} is {_describe_kind(st.st_mode)}, not a {what}; give a regular file")
    if max_bytes is not None and st.st_size > max_bytes:
        raise ValueError(f"{path}: {st.st_size} bytes is larger than a {what} can be ({max_bytes} bytes);"
                         " refusing to read it")
    return st.st_size


def same_file(a, b) -> bool:
    """True when ``a`` and ``b`` name the same file (hard and symbolic links included)."""
    a, b = os.fspath(a), os.fspath(b)
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def check_output(path, inputs=(), what: str = "output file") -> None:
    """Refuse, before any work is done, an output that cannot be written or would destroy an input.

    ``inputs`` are the paths the command reads (None entries and non-paths such as ``aeon:...`` are
    skipped). The output must not be any of them, must not be a directory, device or other special file,
    and its directory must exist and be writable.
    """
    path = os.fspath(path)
    for src in inputs:
        if src is None:
            continue
        src = os.fspath(src)
        if src.startswith("aeon:"):
            continue
        if same_file(path, src):
            raise ValueError(f"{path}: the {what} is the input {src}; writing it would destroy the input."
                             " Choose another name")
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise type(e)(e.errno, f"cannot write {path}: {e.strerror}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise ValueError(f"{path} is {_describe_kind(st.st_mode)}; the {what} must be a regular file name")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot write {path}: directory {directory} does not exist")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise PermissionError(f"cannot write {path}: directory {directory} is not writable")


#: Bytes that always hold a whole ``.npy`` header (magic, version, length field, at most 64 KiB of text).
NPY_HEADER_MAX = 12 + 65536


def npy_header(data: bytes):
    """Shape, dtype and data offset of an ``.npy`` image, read without allocating the array.

    Raises ``ValueError`` when the header is malformed. The caller compares ``prod(shape) * itemsize``
    with what it has before decoding.
    """
    if len(data) < 10 or data[:6] != b"\x93NUMPY":
        raise ValueError("not an .npy array (bad magic)")
    major = data[6]
    if major == 1:
        hlen, start = int.from_bytes(data[8:10], "little"), 10
    elif major in (2, 3):
        if len(data) < 12:
            raise ValueError("truncated .npy header")
        hlen, start = int.from_bytes(data[8:12], "little"), 12
    else:
        raise ValueError(f"unsupported .npy version {major}")
    if hlen > 65536 or start + hlen > len(data):
        raise ValueError("truncated or oversized .npy header")
    text = data[start : start + hlen].decode("latin-1")
    try:
        d = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise ValueError("malformed .npy header") from None
    if not isinstance(d, dict) or set(d) != {"descr", "fortran_order", "shape"}:
        raise ValueError("malformed .npy header")
    shape = d["shape"]
    if not isinstance(shape, tuple) or not all(isinstance(v, int) and v >= 0 for v in shape):
        raise ValueError(f"invalid .npy shape {shape!r:.60}")
    try:
        dtype = np.dtype(d["descr"]) if isinstance(d["descr"], str) else None
    except (TypeError, ValueError):
        dtype = None
    if dtype is None or dtype.hasobject or dtype.fields is not None:
        raise ValueError(f"unsupported .npy dtype {d['descr']!r:.40} (only plain numbers and strings)")
    return shape, dtype, start + hlen


def npy_nbytes(shape, dtype) -> int:
    """Bytes of array data implied by a header (Python ints: no overflow)."""
    n = 1
    for v in shape:
        n *= int(v)
    return n * dtype.itemsize
