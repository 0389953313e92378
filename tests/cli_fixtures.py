"""Shared fixtures and helpers for test_model_io, test_data and test_cli (small data, fast fits)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def small_basicmotions():
    """BasicMotions (bundled with aeon): train and test, 40 cases x 6 channels x 100 each."""
    from aeon.datasets import load_classification

    X, y = load_classification("BasicMotions", split="train")
    Xt, yt = load_classification("BasicMotions", split="test")
    return X, y, Xt, yt


def fit_small(X, y, n_features=40, **kw):
    from lightwaves import LightWaveSClassifier

    return LightWaveSClassifier(n_features=n_features, random_state=0, **kw).fit(X, y)


@pytest.fixture(scope="session")
def bm():
    return small_basicmotions()


@pytest.fixture(scope="session")
def bm_model(bm):
    """A paper-variant model: tests/test_model_io.py checks the paper family's file format in detail
    (the MiniRocket family's is checked in tests/test_rocket_family.py)."""
    X, y, _, _ = bm
    return fit_small(X, y, variant="L1L2")


@pytest.fixture(scope="session")
def bm_model_file(bm_model, tmp_path_factory):
    from lightwaves.model_io import save

    path = tmp_path_factory.mktemp("models") / "bm.lwz"
    save(bm_model, path, metadata={"dataset": "BasicMotions"})
    return path


def run_cli(*args, env=None, cwd=None, timeout=300):
    """Run ``python -m lightwaves.cli ARGS`` in a fresh process."""
    e = dict(os.environ)
    e.pop("LIGHTWAVES_DEBUG", None)
    e.update(env or {})
    return subprocess.run(
        [PYTHON, "-c", "import sys; from lightwaves.cli import main; sys.exit(main())", *map(str, args)],
        capture_output=True, text=True, env=e, cwd=cwd, timeout=timeout,
    )


# ------------------------------------------------------------------ .lwz surgery for corruption tests
def read_zip(path):
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def write_zip(path, members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    Path(path).write_bytes(buf.getvalue())


def rewrite_model(src, dst, edit_manifest=None, replace=None, add=None, recompute=True):
    """Copy a .lwz, editing the manifest dict and/or replacing members, optionally fixing checksums."""
    from lightwaves.model_file import MANIFEST, _checksum

    members = read_zip(src)
    manifest = json.loads(members.pop(MANIFEST))
    for name, data in (replace or {}).items():
        members[name] = data
        for d in manifest["arrays"].values():
            if d["member"] == name and recompute:
                d["nbytes"] = len(data)
                d["sha256"] = hashlib.sha256(data).hexdigest()
                arr = np.load(io.BytesIO(data), allow_pickle=True)
                d["dtype"], d["shape"] = arr.dtype.str, list(arr.shape)
    if edit_manifest is not None:
        edit_manifest(manifest)
    if recompute:
        arrays = {k: v for k, v in members.items() if k.startswith("arrays/")}
        manifest["checksum"]["value"] = _checksum(manifest, arrays)
    out = {MANIFEST: json.dumps(manifest).encode()}
    out.update(members)
    out.update(add or {})
    write_zip(dst, out)
    return dst


def npy(a, allow_pickle=False):
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=allow_pickle)
    return buf.getvalue()
