"""A slow, plain-numpy LightWaveS transform written straight from ../shared/golden/README.md (the paper's
four features per level) and the definitions of MultiRocket's mpv and mipv and of the first difference
(see ``lightwaves.families.paper.plan``).

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
    z = np.array([sum(w[j] * xp[t + j * d] for j in range(9)) for t in range(n)], dtype=float)
    return z / d**1.5


def level(z):
    """The six features of one level's output z: ppv, max|z|, longest positive run / m, min|z|, mean of
    the positive values (0 if none) and mean 0-based index of the positive values / m (-1 if none).
    An empty z has features 0, 0, 0, 0, 0, -1."""
    m = len(z)
    if m == 0:
        return [0.0, 0.0, 0.0, 0.0, 0.0, -1.0]
    best = run = 0
    for v in z:
        run = run + 1 if v > 0 else 0
        best = max(best, run)
    positive = [t for t in range(m) if z[t] > 0]
    mpv = sum(z[t] for t in positive) / len(positive) if positive else 0.0
    mipv = sum(positive) / len(positive) / m if positive else -1.0
    return [len(positive) / m, np.abs(z).max(), best / m, np.abs(z).min(), mpv, mipv]


def features(x, k, d, diff=False):
    """The twelve features (L1 ppv, max, lspv, min, mpv, mipv, then the same of L2) of one channel
    (already standardised), kernel row k, dilation d; of its first difference x[t+1] - x[t] if ``diff``.

    Level 1 convolves the series (divided by d**1.5); level 2 convolves |level 1| taken at every other
    position (0, 2, 4, ...) with the same kernel and dilation (so it is divided by d**1.5 twice)."""
    w = KERNELS[k]
    x = np.asarray(x, dtype=float)
    if diff:
        x = np.array([x[t + 1] - x[t] for t in range(len(x) - 1)], dtype=float)
    z1 = conv(x, w, d)
    z2 = conv(np.abs(z1)[::2], w, d)
    return np.array(level(z1) + level(z2))


def rocket_feature(case, channels, diff, k, d, valid, bias, pool):
    """One MiniRocket-family feature of ``case`` (channels x time, already standardised), written from
    the definitions in :mod:`lightwaves.families.rocket.kernels`: sum the channels, difference if ``diff``,
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
