from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
GOLDEN = SHARED / "golden" / "features.npz"
DATASETS = SHARED / "datasets"

import numpy as np
import pytest


def make_data(n_cases=30, n_channels=3, length=40, n_classes=3, seed=0, informative=(1,)):
    """Small synthetic problem: class k adds a sine of frequency k+1 to the informative channels."""
    rng = np.random.default_rng(seed)
    y = np.arange(n_cases) % n_classes
    X = rng.normal(size=(n_cases, n_channels, length))
    t = np.linspace(0, 2 * np.pi, length)
    for c in informative:
        X[:, c] += 2 * np.sin((y[:, None] + 1) * t[None, :])
    return X, y


@pytest.fixture
def small():
    return make_data()


def pytest_configure(config):
    import warnings

    # Small test problems routinely have fewer usable features than asked for.
    warnings.filterwarnings("ignore", message="only .* usable features exist", category=UserWarning)
