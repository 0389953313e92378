"""Fit time of the default classifier against aeon's MiniRocket, best of three fits each, one thread.

    .venv/bin/python benchmarks/fit_time.py Chinatown,NATOPS,FaceAll

For the datasets named (as ``bench_peers.py`` loads them), prints the best of three wall-clock fits of
``LightWaveSClassifier(random_state=0)`` and of ``MiniRocketClassifier(random_state=0, n_jobs=1)`` (on the
zero-padded copy for unequal lengths) and their ratio. The best of three on an otherwise idle machine: what
the peer benchmark's single fits, taken while other jobs run, cannot give. Run it with ``PYTHONPATH`` set to
another checkout's ``src`` to compare two versions of the library.
"""

import os
import sys
import time

os.environ["NUMBA_NUM_THREADS"] = "1"  # before numba is imported

from bench_peers import DEFAULT_DATASETS_DIR, load_dataset  # noqa: E402


def best_fit(make, X, y, repeats=3):
    make().fit(X, y)  # untimed: numba compilation or cache loading
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        make().fit(X, y)
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv=None):
    from aeon.classification.convolution_based import MiniRocketClassifier

    from lightwaves import LightWaveSClassifier

    names = (argv if argv is not None else sys.argv[1:])[0].split(",")
    for name in names:
        ds = load_dataset(name, DEFAULT_DATASETS_DIR)
        lws = best_fit(lambda: LightWaveSClassifier(random_state=0), ds.X_train, ds.y_train)
        padded, _ = ds.padded()
        mr = best_fit(lambda: MiniRocketClassifier(random_state=0, n_jobs=1), padded, ds.y_train)
        print(f"{name}: LightWaveS {lws:.3f} s, MiniRocket {mr:.3f} s, ratio {lws / mr:.2f}", flush=True)


if __name__ == "__main__":
    main()
