"""lightwaves: fast, deployable multivariate time-series classification with LightWaveS.

>>> from lightwaves import LightWaveSClassifier
>>> clf = LightWaveSClassifier(n_features=500, random_state=0)           # variant="MR", the default
>>> paper = LightWaveSClassifier(variant="L1L2", n_features=500)         # the paper's method, exactly

The estimators are imported on first use, so ``lightwaves --help`` and other light commands do not pay
for importing scikit-learn and numba.
"""

from .version import __version__

_LAZY = {
    "LightWaveSClassifier": "classifier",
    "LightWaveSTransformer": "transformer",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'lightwaves' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


def load(path):
    """Load a model saved with ``LightWaveSClassifier.save`` (no pickle; see :mod:`lightwaves.model_io`)."""
    from .model_io import load as _load

    return _load(path)


__all__ = ["LightWaveSClassifier", "LightWaveSTransformer", "load", "__version__"]
