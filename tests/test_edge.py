"""The C export on a Cortex-M4F (issue #23): cross-compiled with ``arm-none-eabi-gcc``, run on QEMU's
``mps2-an386`` board, it predicts what Python and the host build predict.

Each model is exported with ``board="mps2-an386"`` (vector table, reset handler, linker script) and built
twice for the board with ``-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard -Os -std=c99 -Wall
-Wextra -Werror -pedantic`` and newlib's ``--specs=rdimon.specs`` (semihosting: the host's standard input and
output): the exported ``main.c`` unchanged, and a harness printing the bits of every feature, score and
probability (``lw_predict_work``). Both run the whole test set in one QEMU run each, and so do the same two
programs built for the host (``cc -O2 -std=c99``). Checks:

- main.c on the board prints byte for byte what it prints on the host (class, scores, probabilities), and
  the classes and scores are Python's (as tests/test_export.py checks for the host build);
- every feature (double), score and probability (float) has the same bits on the board as on the host:
  the M4F has no double-precision FPU, so the double arithmetic runs in libgcc's IEEE soft-float, with
  round-to-nearest like x86-64's SSE2, and no contraction into fused multiply-adds (``-std=c99``; the M4F has
  single-precision FMA only, and the model computes in double);

on the models of tests/test_export.py: every variant of ``VARIANTS`` on BasicMotions and JapaneseVowels
(fitted once per session, shared with that module) and the models constructed to hold every code path
(the three families, both levels, every pooling operator, Hydra's two statistics, differences, valid-part and
full pooling, principal components, unequal lengths), those in both builds (double and ``--float32``
coefficients); and every one of them in ``--arith float32`` (single precision on the M4F's FPU: the model
object compiled with ``-Wdouble-promotion`` too), whose classes and score bits must be the Python float32
engine's, and whose features, scores and probabilities the host build's, bit for bit.

Skipped, with the reason, when the ARM toolchain (``make setup-edge``) or a host C compiler is missing.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from lightwaves.export_c import export_c
from lightwaves.runtime import Predictor

from .test_export import CC, COVERED, VARIANTS, as_float32, covering_model, fitted, python_reference

ARM_CC = shutil.which("arm-none-eabi-gcc")
QEMU = shutil.which("qemu-system-arm")
RDIMON = ARM_CC is not None and subprocess.run(
    [ARM_CC, "-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard", "--specs=rdimon.specs",
     "-print-file-name=librdimon.a"], capture_output=True, text=True).stdout.strip() not in ("", "librdimon.a")
MISSING = [what for what, ok in (("arm-none-eabi-gcc (gcc-arm-none-eabi)", ARM_CC),
                                 ("newlib's librdimon (libnewlib-arm-none-eabi)", RDIMON),
                                 ("qemu-system-arm", QEMU), ("a host C compiler", CC)) if not ok]
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(bool(MISSING), reason=f"missing {', '.join(MISSING)}: run `make setup-edge`")]

M4 = ["-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"]
ARM_STRICT = [*M4, "-Os", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]
HOST = ["-O2", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"]
QEMU_RUN = ["-M", "mps2-an386", "-nographic", "-monitor", "none", "-serial", "none",
            "-semihosting-config", "enable=on,target=native", "-kernel"]

#: reads cases as main.c does (its read_case), prints the bits of the features, scores and probabilities
BITS_C = r"""
#define main lw_main_unused
#include "main.c"
#undef main
#include <string.h>

static lw_real work[LW_WORK_LEN(LW_MAX_LENGTH)];

static void hex64(double v)
{
    unsigned char b[8];
    int i;
    memcpy(b, &v, 8);
    putchar(' ');
    for (i = 7; i >= 0; --i)
        printf("%02x", (unsigned)b[i]);
}

static void hex32(float v)
{
    unsigned char b[4];
    int i;
    memcpy(b, &v, 4);
    putchar(' ');
    for (i = 3; i >= 0; --i)
        printf("%02x", (unsigned)b[i]);
}

int main(void)
{
    float scores[LW_N_CLASSES], proba[LW_N_CLASSES];
    long count;
    int k, label, n;
    while ((count = read_case()) != -1) {
        if (count <= 0)
            continue;
        n = (int)(count / LW_N_CHANNELS);
        label = lw_predict_work(values, LW_N_CHANNELS, n, scores, proba, work, LW_WORK_LEN(n));
        printf("%d", label);
        for (k = 0; label >= 0 && k < LW_N_FEATURES; ++k)
            hex64((double)work[k]);
        for (k = 0; label >= 0 && k < LW_N_CLASSES; ++k)
            hex32(scores[k]);
        for (k = 0; label >= 0 && k < LW_N_CLASSES; ++k)
            hex32(proba[k]);
        putchar('\n');
    }
    return 0;
}
"""


def sh(cmd, **kw):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=600, **kw)
    assert r.returncode == 0, f"{' '.join(map(str, cmd))}: exit {r.returncode}\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}"
    return r


def build(src: Path, board: bool, model_flags=()):
    """main.c and the bits harness, for the board (ELF images) or the host; warning-free (the model object
    also under ``model_flags``)."""
    (src / "bits.c").write_text(BITS_C)
    if board:
        cc, flags, extra, tag = ARM_CC, [*ARM_STRICT, "--specs=rdimon.specs", "-T", src / "mps2_an386.ld"], \
            [src / "startup_mps2_an386.c"], "elf"
    else:
        cc, flags, extra, tag = CC, HOST, [], "host"
    r = sh([cc, *flags[: len(ARM_STRICT) if board else len(HOST)], *model_flags, "-c", src / "lightwaves_model.c",
            "-o", src / f"model.{tag}.o"])
    assert not r.stderr.strip(), r.stderr
    exes = []
    for main in ("main.c", "bits.c"):
        exe = src / f"{main[:-2]}.{tag}"
        r = sh([cc, *flags, *extra, src / main, src / f"model.{tag}.o", "-lm", "-o", exe])
        assert not r.stderr.strip(), r.stderr  # no warning at all
        exes.append(exe)
    return exes


def run(exe: Path, text: str, board: bool) -> str:
    cmd = [QEMU, *QEMU_RUN, exe] if board else [exe]
    return sh(cmd, input=text).stdout


def check_board(model, X, tmp: Path, float32=False, arith="float64"):
    cases, X64 = as_float32(X)
    text = "".join(",".join(f"{v:.9g}" for v in c.ravel()) + "\n" for c in cases)
    n_classes = len(model.classes_)
    export_c(model, tmp, float32=float32, max_length=max(c.shape[1] for c in cases), board="mps2-an386", arith=arith)
    strict = ["-Wdouble-promotion"] if arith == "float32" else []
    host_main, host_bits = build(tmp, board=False, model_flags=strict)
    board_main, board_bits = build(tmp, board=True, model_flags=strict)
    host_out, board_out = run(host_main, text, False), run(board_main, text, True)
    assert board_out == host_out, "main.c prints differently on the board and on the host"
    rows = [line for line in board_out.splitlines() if line]
    assert len(rows) == len(cases)
    idx = np.array([int(line.split(",", 1)[0]) for line in rows])
    scores = np.array([[float(v) for v in line.rsplit(",", 2 * n_classes)[1 : 1 + n_classes]] for line in rows])
    ref_idx, ref_scores, _ = python_reference(Predictor.from_classifier(model, arith=arith), X64)
    assert np.array_equal(idx, ref_idx), np.flatnonzero(idx != ref_idx)
    if not float32:
        assert np.array_equal(scores.astype(np.float32), ref_scores.astype(np.float32))
    host_bits_out, board_bits_out = run(host_bits, text, False), run(board_bits, text, True)
    assert len(board_bits_out.splitlines()) == len(cases)
    assert board_bits_out == host_bits_out, "features, scores or probabilities differ in their bits"


@pytest.mark.parametrize("key", list(VARIANTS))
@pytest.mark.parametrize("dataset", ["BasicMotions", "JapaneseVowels"])
def test_board_predictions_equal_python_and_host(dataset, key, tmp_path):
    clf, Xt = fitted(dataset, key)
    check_board(clf, Xt, tmp_path / "f64")
    check_board(clf, Xt, tmp_path / "a32", arith="float32")


@pytest.mark.parametrize("dataset, key", list(COVERED))
def test_board_every_code_path(dataset, key, tmp_path):
    clf, Xt = covering_model(dataset, key)
    check_board(clf, Xt, tmp_path / "f64")
    check_board(clf, Xt, tmp_path / "f32", float32=True)
    check_board(clf, Xt, tmp_path / "a32", arith="float32")


def test_board_fault_exits_with_status_1(tmp_path):
    """A fault on the board (here: a read from unmapped memory) ends QEMU with status 1, not a hang."""
    clf, _ = fitted("BasicMotions", "L1")
    export_c(clf, tmp_path, board="mps2-an386")
    (tmp_path / "fault.c").write_text("int main(void)\n{\n    return *(volatile int *)0x70000000;\n}\n")
    exe = tmp_path / "fault.elf"
    sh([ARM_CC, *ARM_STRICT, "--specs=rdimon.specs", "-T", tmp_path / "mps2_an386.ld",
        tmp_path / "startup_mps2_an386.c", tmp_path / "fault.c", "-o", exe])
    r = subprocess.run([QEMU, *QEMU_RUN, str(exe)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
