"""Optional dependencies: one place that imports them and names the extra that installs each.

Prediction needs only numpy and numba; fitting adds scikit-learn (a core dependency). Everything else is
an extra of the ``lightwaves`` package:

========== ================================ ==========================================
extra      installs                         needed for
========== ================================ ==========================================
``plots``  matplotlib                       ``lightwaves report``, :mod:`lightwaves.report`
``aeon``   aeon                             ``aeon:Name`` datasets, ``lightwaves demo``, ``report --compare``
``distributed`` dask, distributed, psutil   ``backend="dask"``, ``--workers``/``--scheduler``
========== ================================ ==========================================

tqdm (progress bars) is a small core dependency; without it, progress bars are simply not shown.
"""

from __future__ import annotations

import importlib

#: module -> (extra, what needs it)
EXTRAS = {
    "matplotlib": ("plots", "plots and the HTML report"),
    "aeon": ("aeon", "aeon's bundled datasets and the MiniRocket/Rocket comparisons"),
    "dask": ("distributed", "the Dask backend"),
    "distributed": ("distributed", "the Dask backend"),
}


def install_hint(extra: str) -> str:
    """How to install an extra: lightwaves is installed from a checkout or a built wheel, not an index."""
    return (f"install the '{extra}' extra: pip install '.[{extra}]' in a lightwaves checkout, or "
            f"pip install 'lightwaves-<version>-py3-none-any.whl[{extra}]'")


def require(module: str):
    """Import ``module`` or raise ``ImportError`` naming the extra that provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        top = module.split(".")[0]
        extra, what = EXTRAS.get(top, (None, None))
        if extra is None:
            raise
        raise ImportError(f"{top} is not installed (needed for {what}); {install_hint(extra)}") from e


def progress_bar(**kwargs):
    """A tqdm progress bar, or a silent stand-in when tqdm is not installed."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _NoBar()
    return tqdm(**kwargs)


class _NoBar:
    def update(self, n=1):
        pass

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
