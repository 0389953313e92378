"""The ridge's two streamed passes over fixed chunks of cases, run in this process or on Dask workers.

After selection the classifier needs every training case's selected features, but only through two
reductions (see :mod:`lightwaves.ridge`): the moments of the features and targets (pass 1), then the
leave-one-out errors of every alpha (pass 2). Both passes are computed the same way, whoever runs them:

- the cases are cut into consecutive **chunks** of a fixed size (:func:`chunk_bounds`: chunk ``i`` holds
  cases ``i * size`` to ``(i + 1) * size - 1``), whatever the number of processes;
- a chunk's **partial** result (:class:`ChunkMoments`, :class:`ChunkLoo`) is a pure function of the chunk's
  features, targets and first case, computed with one BLAS thread (a BLAS with more threads may
  round differently), so it has the same bits in any process;
- the partials are **reduced in chunk order** by the caller (:func:`fit_ridge_streamed`): a left fold with
  ``RidgeMoments.merge`` and ``LooAccumulator.add``, the same sequence of floating-point operations
  whichever worker computed which chunk.

A *runner* ``runner(step, Y, codes)`` computes ``step(start, F, Y[start:stop], codes[start:stop])`` for
every chunk and yields the results in chunk order. :func:`serial_runner` computes them in this process from
a generator of feature chunks; :func:`lightwaves.distributed.case_runner_dask` on Dask workers, which
compute the chunks' features themselves. The model is therefore bit-identical between the two, for any
number of workers and any placement of the chunks.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

import numpy as np

from .ridge import LooAccumulator, RidgeMoments, class_targets, prepare, solve

__all__ = ["ChunkLoo", "ChunkMoments", "chunk_bounds", "fit_ridge_streamed", "one_blas_thread", "serial_runner"]

_CONTROLLER = None
_LIMIT_LOCK = threading.Lock()
_LIMIT = {"depth": 0, "limiter": None}


@contextmanager
def one_blas_thread():
    """Limit BLAS to one thread inside the block (results then do not depend on the thread count).

    BLAS thread counts are process-wide: nested or concurrent blocks (several threads of one Dask worker)
    share one limit, set by the first block entered and restored when the last one exits.
    """
    global _CONTROLLER
    with _LIMIT_LOCK:
        if _LIMIT["depth"] == 0:
            if _CONTROLLER is None:
                from threadpoolctl import ThreadpoolController

                _CONTROLLER = ThreadpoolController()
            _LIMIT["limiter"] = _CONTROLLER.limit(limits=1, user_api="blas")
        _LIMIT["depth"] += 1
    try:
        yield
    finally:
        with _LIMIT_LOCK:
            _LIMIT["depth"] -= 1
            if _LIMIT["depth"] == 0:
                _LIMIT.pop("limiter").restore_original_limits()
                _LIMIT["limiter"] = None


def chunk_bounds(n_cases: int, size: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of the consecutive chunks of at most ``size`` cases of ``n_cases`` cases."""
    size = int(size)
    if size < 1:
        raise ValueError(f"chunk size must be a positive integer, got {size!r}")
    return [(s, min(s + size, int(n_cases))) for s in range(0, int(n_cases), size)]


class ChunkMoments:
    """Pass 1 on one chunk: its :class:`~lightwaves.ridge.RidgeMoments` (picklable, pure)."""

    def __call__(self, start, F, Y, codes) -> RidgeMoments:
        with one_blas_thread():
            return RidgeMoments.of_chunk(F, Y)


class ChunkLoo:
    """Pass 2 on one chunk: its squared leave-one-out errors per alpha and kept scores (picklable, pure).

    Parameters
    ----------
    prep : lightwaves.ridge.Prepared
        Standardisation and eigendecomposition from pass 1.
    alphas : ndarray
        The alpha grid.
    keep_every : int
        Cases whose index is a multiple of this keep their leave-one-out scores (for calibration).
    """

    def __init__(self, prep, alphas, keep_every):
        self.prep = prep
        self.alphas = np.asarray(alphas, dtype=np.float64)
        self.keep_every = int(keep_every)

    def __call__(self, start, F, Y, codes):
        with one_blas_thread():
            return LooAccumulator(self.prep, self.alphas, self.keep_every).partial(F, Y, codes, start=start)


def serial_runner(chunks):
    """A runner over ``chunks()``, which yields ``(first case, features)`` of consecutive chunks in case
    order (the chunks of :func:`chunk_bounds`) and is called once per pass."""

    def run(step, Y, codes):
        for start, F in chunks():
            stop = start + len(F)
            yield step(start, F, Y[start:stop], codes[start:stop])

    return run


def fit_ridge_streamed(runner, codes, n_classes, alphas, max_kept):
    """Scaler statistics and ridge solution from the two passes of ``runner`` (see the module docstring).

    Parameters
    ----------
    runner : callable
        ``runner(step, Y, codes)`` yields ``step``'s partial of every chunk, in chunk order.
    codes : ndarray of int
        Class code of every case.
    n_classes : int
    alphas : ndarray
        Ridge grid.
    max_kept : int
        Keep the leave-one-out scores of about this many cases at most (every m-th case).

    Returns
    -------
    prep : lightwaves.ridge.Prepared
    solution : lightwaves.ridge.RidgeSolution
    """
    codes = np.asarray(codes)
    Y = class_targets(codes, n_classes)
    moments = RidgeMoments()
    for part in runner(ChunkMoments(), Y, codes):
        moments.merge(part)
    prep = prepare(moments)
    loo = LooAccumulator(prep, alphas, keep_every=max(1, -(-prep.n // int(max_kept))))
    for part in runner(ChunkLoo(prep, loo.alphas, loo.keep_every), Y, codes):
        loo.add(part)
    return prep, solve(prep, loo)
