"""C literals of Python values for the generated model source: strings, integer and real tables.

Shared by :mod:`lightwaves.export_c` and each family's export pieces (``lightwaves.families.*.export``).
"""

from __future__ import annotations

import numpy as np

#: Largest value of the ``unsigned short`` index tables.
USHORT = 65535


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


def join(values, per_line=16) -> str:
    """Comma-separated values, ``per_line`` to a line (no spaces: a 500-feature model of 15 classes stays
    under 200 KB of source)."""
    values = list(values)
    if len(values) <= per_line:
        return ",".join(values)
    lines = [",".join(values[i : i + per_line]) for i in range(0, len(values), per_line)]
    return "\n" + ",\n".join(lines) + "\n"


def ints(a) -> str:
    return join([str(int(v)) for v in np.asarray(a).ravel()], 32)


def doubles(a) -> str:
    """Shortest literals that read back as the same doubles."""
    return join([repr(float(v)) for v in np.asarray(a, dtype=np.float64).ravel()], 8)


def reals(a, float64) -> str:
    """Literals of ``lw_real``: doubles, or the shortest literals of the nearest floats (``f`` suffix)."""
    if float64:
        return doubles(a)
    vals = np.asarray(a, dtype=np.float64).ravel()
    if vals.size and np.abs(vals).max() > np.finfo(np.float32).max:
        raise ValueError("cannot store the coefficients as float: a value overflows float32; export without --float32")
    return join([float_literal(v) for v in vals.astype(np.float32)], 10)


def arith_reals(a, arith: str, name: str, per_line=8, nonzero=False) -> str:
    """Literals of a table of the arithmetic ``arith``: the doubles of ``a`` (``"float64"``), or the
    shortest literals of ``a`` rounded to float32 (``"float32"``: the values the Python float32 engine
    uses; ``ValueError`` naming ``name`` if one overflows or, with ``nonzero``, rounds to zero)."""
    if arith == "float64":
        return doubles(a)
    from .runtime import to_float32

    return join([float_literal(v) for v in to_float32(name, a, nonzero=nonzero).ravel()], per_line)


def float_literal(v) -> str:
    text = str(v)  # numpy's shortest repr of a float32
    if "e" not in text and "." not in text and "n" not in text:
        text += ".0"
    return text + "f"


def check_range(name, values, limit):
    values = np.asarray(values)
    if values.size and (values.min() < 0 or values.max() > limit):
        raise ValueError(f"cannot export this model to C: {name} exceed the C tables' range (0-{limit})")
