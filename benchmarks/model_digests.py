"""Digests of fitted models over every fit path, to show a refactor changes no bit (compare on one machine).

Usage: ``.venv/bin/python benchmarks/model_digests.py > after.txt`` on the changed tree and the same with
``PYTHONPATH=<copy of the old src>`` for the old tree, then ``diff``.

Prints one line per (dataset, configuration): sha256 of the saved model's arrays and of the test-split
decision scores. BLAS makes them machine-dependent: compare two runs on the same machine only.
"""
import hashlib, sys, tempfile, os, zipfile, json
import numpy as np
from aeon.datasets import load_classification
from lightwaves import LightWaveSClassifier, LightWaveSTransformer
from lightwaves.model_io import save

CONFIGS = {
    "MR-default": dict(),
    "MR-multirocket-diff": dict(pooling="multirocket", diff=True, rocket_budget=3000),
    "L1L2": dict(variant="L1L2"),
    "L1L2-mr-diff": dict(variant="L1L2", pooling="multirocket", diff=True, n_features=100),
    "L2-sub": dict(variant="L2", max_cases=20, n_features=50),
    "L1L2+MR": dict(variant="L1L2+MR", rocket_budget=2000, selection="mrmr"),
    "MR-random": dict(selection="random", rocket_budget=2000, components=3),
    "MR-sub": dict(max_cases=30, rocket_budget=2000),
}

def digest(a):
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()[:16]

def main():
    out = []
    for ds in ("BasicMotions", "JapaneseVowels", "GunPoint"):
        X, y = load_classification(ds, split="train")
        Xt, _ = load_classification(ds, split="test")
        for name, p in CONFIGS.items():
            clf = LightWaveSClassifier(random_state=0, **p).fit(X, y)
            with tempfile.TemporaryDirectory() as d:
                f = os.path.join(d, "m.lwz"); save(clf, f)
                with zipfile.ZipFile(f) as z:
                    h = hashlib.sha256()
                    for n in sorted(z.namelist()):
                        if n.endswith(".npy"):
                            h.update(n.encode()); h.update(z.read(n))
                    man = json.loads(z.read("manifest.json"))
            s = clf.decision_function(Xt)
            Ft = LightWaveSTransformer(random_state=0, **p).fit(X, y).transform(Xt[:5])
            Ft = Ft
            line = f"{ds:15s} {name:20s} model={h.hexdigest()[:16]} scores={digest(s)} T={digest(Ft)} names={digest(np.array(clf.feature_names_, dtype=str))} alpha={man['ridge']['alpha']}"
            print(line, flush=True)
            out.append(line)
    return out

if __name__ == "__main__":
    main()
