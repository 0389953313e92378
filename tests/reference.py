"""A slow, plain-numpy LightWaveS transform written straight from ../shared/golden/README.md.

Used only by the tests, as an independent oracle for inputs the golden file does not cover.
"""

import itertools

import numpy as np

KERNELS = np.array(
    [[2.0 if j in pos else -1.0 for j in range(9)] for pos in itertools.combinations(range(9), 3)]
)


def conv(x, w, d):
    n = len(x)
    xp = np.concatenate([np.zeros(4 * d), x, np.zeros(4 * d)])
    z = np.array([sum(w[j] * xp[t + j * d] for j in range(9)) for t in range(n)])
    return z / d**1.5


def four(z):
    m = len(z)
    best = run = 0
    for v in z:
        run = run + 1 if v > 0 else 0
        best = max(best, run)
    return [np.mean(z > 0), np.abs(z).max(), best / m, np.abs(z).min()]


def features(x, k, d):
    """The eight features (L1 ppv, max, lspv, min, then L2) of one channel, kernel row k, dilation d."""
    w = KERNELS[k]
    z1 = conv(np.asarray(x, dtype=float), w, d)
    z2 = conv(np.abs(z1)[::2], w, d)
    return np.array(four(z1) + four(z2))


def rocket_feature(case, channels, diff, k, d, valid, bias, pool):
    """One MiniRocket-family feature of ``case`` (channels x time, already standardised), written from
    the definitions in :mod:`lightwaves._rocket_kernels`: sum the channels, difference if ``diff``,
    convolve (zero padding, unscaled), pool ``z[4d:m-4d]`` if ``valid`` (and m > 8d) else all of z."""
    s = np.asarray(case, dtype=float)[list(channels)].sum(axis=0)
    if diff:
        s = np.diff(s)
    m = len(s)
    z = conv(s, KERNELS[k], d) * d**1.5 if m else np.zeros(0)
    if valid and m > 8 * d:
        z = z[4 * d : m - 4 * d]
    if len(z) == 0:
        return -1.0 if pool == 2 else 0.0
    pos = z > bias
    if pool == 0:
        return pos.mean()
    if pool == 1:
        return (z[pos] - bias).mean() if pos.any() else 0.0
    if pool == 2:
        return np.flatnonzero(pos).mean() / len(z) if pos.any() else -1.0
    best = run = 0
    for v in pos:
        run = run + 1 if v else 0
        best = max(best, run)
    return best / len(z)
