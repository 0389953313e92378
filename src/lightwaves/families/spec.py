"""Constants of the feature definitions, shared by every engine (numba, numpy, exported C).

Nothing here imports numba, so the numpy inference engine (:mod:`lightwaves.numpy_kernels`) and the C
export (:mod:`lightwaves.export_c`) use the very same kernel table as the numba kernels.
"""

from __future__ import annotations

import itertools

import numpy as np

#: Positions of the three weight-2 taps of the 84 kernels, in ``itertools.combinations`` order.
KERNEL_POSITIONS = np.array(list(itertools.combinations(range(9), 3)), dtype=np.int64)
N_KERNELS = KERNEL_POSITIONS.shape[0]
#: Features of one level of the paper's family, in slot order: the paper's four, then MultiRocket's
#: mean of positive values and mean of indices of positive values (``pooling="multirocket"``).
LEVEL_FEATURES = ("ppv", "max", "lspv", "min", "mpv", "mipv")
#: The paper's four features of a level.
PAPER_FEATURES = 4
FEATURES_PER_TRIPLE = 2 * len(LEVEL_FEATURES)
#: Series representations of the paper's family: the standardised channel, and its first difference.
REPRESENTATIONS = ("raw", "diff")
#: Bit flags of what a triple needs beyond level-1 ppv/max/min.
NEED_L1_RUN = 1
NEED_L2 = 2
NEED_L2_RUN = 4
NEED_L1_MEANS = 16
NEED_L2_MEANS = 32
#: ``features_`` table code of each paper-family feature (MultiRocket's operators share the
#: MiniRocket family's codes ``4 + operator``: 5 mpv, 6 mipv).
FEATURE_CODES = (0, 1, 2, 3, 5, 6)
#: Pooling operators of the MiniRocket family, in id order (see :mod:`lightwaves.families.rocket.kernels`).
POOLS = ("ppv", "mpv", "mipv", "lspv")
#: A series whose values reach this bound could overflow in a convolution (the kernels' absolute weights
#: sum to 12, and pooling subtracts a bias of the same order): its features are NaN, so the caller
#: reports the case (see ``lightwaves.runtime.check_finite``) instead of pooling infinities silently.
SAFE_ABS = np.finfo(np.float64).max / 64
#: The same bound for the float32 arithmetic (``FLT_MAX / 64`` in the C float32 build).
SAFE_ABS_FLOAT32 = np.float32(np.finfo(np.float32).max / np.float32(64))


def safe_abs(dtype):
    """:data:`SAFE_ABS` of the arithmetic ``dtype`` (float64 or float32)."""
    return SAFE_ABS_FLOAT32 if np.dtype(dtype) == np.float32 else SAFE_ABS


def kernel_weights() -> np.ndarray:
    """The 84 MiniRocket kernels as an ``(84, 9)`` array of weights (2 and -1)."""
    w = -np.ones((N_KERNELS, 9))
    for k, pos in enumerate(KERNEL_POSITIONS):
        w[k, pos] = 2.0
    return w


#: No dilation above this is accepted anywhere (parameters, CLI options, model files).
MAX_DILATION = 2**20
