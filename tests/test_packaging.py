"""The package installs outside ``make``: ``python -m build`` gives a wheel and an sdist that install in a
fresh venv and work, and a venv with only numpy and numba can inspect models and predict.

Needs the package registry (as ``make setup`` does); pip's cache makes repeated runs quick.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from .cli_fixtures import ROOT
from .conftest import make_data

pytestmark = pytest.mark.slow


def sh(*args, cwd=None, timeout=900):
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, timeout=timeout)
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
    # 2. the wheel with its dependencies: fitting works
    sh(py, "-m", "pip", "install", "-q", wheel)
    smoke = (
        "import numpy as np; from lightwaves import LightWaveSClassifier;"
        f"d = np.load({str(tmp / 'x.npz')!r}); c = LightWaveSClassifier(n_features=10, random_state=0)"
        ".fit(d['X'], d['y']); print(c.predict(d['X']).tolist())"
    )
    assert sh(py, "-c", smoke).strip() == str(expected)
    # 3. the sdist builds and installs too
    sh(py, "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", sdist)
    assert sh(py, "-c", smoke).strip() == str(expected)
