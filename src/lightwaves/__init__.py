"""lightwaves: fast, deployable multivariate time-series classification with LightWaveS.

>>> from lightwaves import LightWaveSClassifier
>>> clf = LightWaveSClassifier(variant="L1L2", n_features=500, random_state=0)
"""

from .classifier import LightWaveSClassifier
from .transformer import LightWaveSTransformer

__version__ = "0.1.0"


def load(path):
    """Load a model saved with ``LightWaveSClassifier.save`` (no pickle; see :mod:`lightwaves.model_io`)."""
    from .model_io import load as _load

    return _load(path)


__all__ = ["LightWaveSClassifier", "LightWaveSTransformer", "load", "__version__"]
