"""Flash and stack of exported BasicMotions models on the host (the table of docs/deploy.md "Flash and RAM").

    .venv/bin/python benchmarks/flash_ram.py

For the paper's L1L2 and the default MR at 100, 250 and 500 features (``random_state=0``), exports the model
three ways (double, ``--float32`` coefficients, ``--arith float32``; the double one also with
``-DLW_NO_CLONES``, without the AVX2 copies of the vectorised loops), compiles ``lightwaves_model.c`` with
``cc -O2 -std=c99 -c`` and prints ``size``'s text + data, and the ``-fstack-usage`` frame of ``lw_predict``
plus ``lw_predict_work``'s for a work buffer sized for series of 100 and of 1,000 points.
"""

import re
import subprocess
import sys
import tempfile
from pathlib import Path

from aeon.datasets import load_classification

from lightwaves import LightWaveSClassifier
from lightwaves.export_c import export_c


def build(clf, out: Path, max_length, cflags=(), **kw):
    export_c(clf, out, max_length=max_length, **kw)
    obj = out / "m.o"
    subprocess.run(["cc", "-O2", "-std=c99", *cflags, "-fstack-usage", "-c", str(out / "lightwaves_model.c"), "-o", str(obj)],
                   check=True, capture_output=True)
    text, data = (int(v) for v in subprocess.run(["size", str(obj)], capture_output=True, text=True,
                                                 check=True).stdout.splitlines()[1].split()[:2])
    su = (out / "m.su").read_text()
    frame = {m.group(1): int(m.group(2)) for m in re.finditer(r":(lw_predict\w*)\s+(\d+)", su)}
    return text + data, frame.get("lw_predict", 0) + frame.get("lw_predict_work", 0)


def main():
    X, y = load_classification("BasicMotions", split="train")
    print("| model | features | flash, default | flash, `--float32` | flash, `--arith float32` | flash, default, "
          "`-DLW_NO_CLONES` | stack, length 100 (default / `--arith float32`) | length 1000 |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for variant in ("L1L2", "MR"):
            for k in (100, 250, 500):
                clf = LightWaveSClassifier(variant=variant, n_features=k, random_state=0).fit(X, y)
                cells = []
                for kw in ({}, {"float32": True}, {"arith": "float32"}):
                    flash, _ = build(clf, Path(tmp) / "a", 100, **kw)
                    cells.append(f"{flash / 1024:.1f} KiB")
                flash, _ = build(clf, Path(tmp) / "a", 100, cflags=("-DLW_NO_CLONES",))
                cells.append(f"{flash / 1024:.1f} KiB")
                stacks = []
                for length in (100, 1000):
                    s64 = build(clf, Path(tmp) / "b", length)[1]
                    s32 = build(clf, Path(tmp) / "c", length, arith="float32")[1]
                    stacks.append(f"{s64 / 1024:.1f} / {s32 / 1024:.1f} KiB")
                print(f"| {variant} | {k} | " + " | ".join(cells + stacks) + " |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
