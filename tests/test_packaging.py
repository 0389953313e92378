"""The package installs outside ``make``: ``python -m build`` gives a wheel and an sdist (the wheel is built
from the sdist) that install in a fresh venv and work, and a venv with only numpy and numba can inspect
models and predict. The sdist is installed over the wheel and must give the wheel's files byte for byte
and its dependencies, so the one fit at the end (the slow part: numba compiles its kernels in every new
install) covers both archives.

Needs the package registry (as ``make setup`` does); pip's cache makes repeated runs quick.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from .cli_fixtures import ROOT
from .conftest import make_data

pytestmark = pytest.mark.slow


def sh(*args, cwd=None, timeout=900):
    # without PYTHONPATH: a checkout's src on it would shadow the package installed in the test's venv
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, timeout=timeout, env=env)
    assert r.returncode == 0, f"{' '.join(map(str, args))}\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}"
    return r.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """Wheel and sdist built from a copy of the tracked files (the checkout is left untouched)."""
    tmp = tmp_path_factory.mktemp("pkg")
    src = tmp / "src-copy"
    files = sh("git", "ls-files", cwd=ROOT).split()
    for f in files:
        (src / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / f, src / f)
    sh(sys.executable, "-m", "build", "--outdir", tmp / "dist", src)
    wheel = next((tmp / "dist").glob("lightwaves-*.whl"))
    sdist = next((tmp / "dist").glob("lightwaves-*.tar.gz"))
    return tmp, wheel, sdist


def test_wheel_and_sdist_install_and_work(dist):
    from lightwaves import LightWaveSClassifier, __version__

    tmp, wheel, sdist = dist
    assert wheel.name.startswith(f"lightwaves-{__version__}-py3-none-any")
    X, y = make_data()
    np.savez(tmp / "x.npz", X=X, y=y)
    model = tmp / "m.lwz"
    LightWaveSClassifier(n_features=10, random_state=0).fit(X, y).save(model)
    expected = LightWaveSClassifier(n_features=10, random_state=0).fit(X, y).predict(X).tolist()

    venv = tmp / "venv"
    sh(sys.executable, "-m", "venv", venv)
    py, cli = venv / "bin" / "python", venv / "bin" / "lightwaves"
    # 1. a device: only numpy and numba, then the wheel without its dependencies
    sh(py, "-m", "pip", "install", "-q", "numpy", "numba")
    sh(py, "-m", "pip", "install", "-q", "--no-deps", wheel)
    assert sh(cli, "--version").strip() == f"lightwaves {__version__}"
    assert "classes:" in sh(cli, "info", model)
    out = sh(cli, "predict", model, tmp / "x.npz")
    assert [int(r.split(",")[1]) for r in out.split()[1:]] == expected
    # 2. the wheel with its dependencies (pip resolves the wheel's Requires-Dist)
    sh(py, "-m", "pip", "install", "-q", wheel)
    # 3. the sdist builds and installs over it; what it installs is the wheel's files, byte for byte, and
    # the same dependencies, so one fit (numba compiles every kernel once per fresh install: the costly
    # part) checks both archives
    sh(py, "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", sdist)
    installed = Path(sh(py, "-c", "import lightwaves, os; print(os.path.dirname(lightwaves.__file__))").strip())
    assert installed.is_relative_to(venv), installed  # the venv's copy, not this checkout's
    with zipfile.ZipFile(wheel) as zf:
        files = [n for n in zf.namelist() if n.startswith("lightwaves/") and not n.endswith("/")]
        assert "lightwaves/__init__.py" in files and "lightwaves/cli.py" in files
        for name in files:
            assert (installed.parent / name).read_bytes() == zf.read(name), f"sdist install differs: {name}"
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        wheel_requires = sorted(x for x in zf.read(meta).decode().splitlines() if x.startswith("Requires-Dist:"))
    requires = sh(py, "-c", "from importlib.metadata import metadata; print(*metadata('lightwaves').get_all('Requires-Dist'), sep=chr(10))")
    assert sorted(f"Requires-Dist: {x}" for x in requires.splitlines()) == wheel_requires
    sh(py, "-m", "pip", "check")  # every dependency of the installed package is present
    assert sh(cli, "--version").strip() == f"lightwaves {__version__}"  # the sdist's entry point
    smoke = (
        "import numpy as np; from lightwaves import LightWaveSClassifier;"
        f"d = np.load({str(tmp / 'x.npz')!r}); c = LightWaveSClassifier(n_features=10, random_state=0)"
        ".fit(d['X'], d['y']); print(c.predict(d['X']).tolist())"
    )
    assert sh(py, "-c", smoke).strip() == str(expected)
