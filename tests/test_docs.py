"""Every code block of README.md and docs/*.md runs as written, or says why it cannot.

The blocks of one document run in order in one fresh directory, so a block may use the files an earlier
one wrote:

- ``python`` blocks are each written to a file and run with this Python, in a new process: a snippet must
  work when pasted into a file (imports, data and ``if __name__ == "__main__":`` included);
- ``bash`` blocks run with ``bash -e``, with this environment's ``lightwaves`` first on ``PATH``;
- ``console`` blocks: each ``$ command`` runs, and every output line shown must appear in what it printed
  once numbers are masked (numbers vary between machines; the shape of the output must not drift);
  a line ``...`` stands for omitted output;
- a block preceded by ``<!-- file: NAME -->`` is written to ``NAME`` (example data files);
- a block preceded by ``<!-- not run: REASON -->`` is skipped, and the reason is required; a console
  block whose command another test already runs (``lightwaves demo`` in cli.md: tests/test_cli.py) is
  marked so, and that test checks the block's output with ``console_block`` and ``check_output``.

Any other block fails the test, so a new block must be made runnable or say why it is not.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\S*)\s*$")
MARK = re.compile(r"^<!--\s*(not run|file):\s*(.+?)\s*-->\s*$")
NUMBER = re.compile(r"[-+]?\d[\d,]*(\.\d+)?([eE][-+]?\d+)?")


def blocks(path: Path):
    """(line number, language, marker, text) of every fenced block."""
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        lang, start = m.group(1), i
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != "```":
            j += 1
        prev = next((lines[k] for k in range(start - 1, -1, -1) if lines[k].strip()), "")
        mark = MARK.match(prev.strip())
        yield start + 1, lang, (mark.group(1), mark.group(2)) if mark else None, "\n".join(lines[start + 1 : j])
        i = j + 1


def mask(line: str) -> str:
    return " ".join(NUMBER.sub("#", line).split())


def run(cmd, cwd, env, timeout=900):
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
@pytest.mark.parametrize("doc", DOCS, ids=[p.name for p in DOCS])
def test_code_blocks_run_as_written(doc, tmp_path):
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("LIGHTWAVES_DEBUG", None)
    ran = 0
    for lineno, lang, mark, text in blocks(doc):
        where = f"{doc.name}:{lineno}"
        if mark and mark[0] == "not run":
            assert len(mark[1]) > 5, f"{where}: say why the block is not run"
            continue
        if mark and mark[0] == "file":
            (tmp_path / mark[1]).write_text(text + "\n", encoding="utf-8")
            continue
        if lang == "python":
            script = tmp_path / f"block_{lineno}.py"
            script.write_text(text + "\n", encoding="utf-8")
            r = run([sys.executable, script.name], tmp_path, env)
            assert r.returncode == 0, f"{where}: python block failed\n{r.stdout[-1500:]}\n{r.stderr[-3000:]}"
        elif lang == "bash":
            r = run(["bash", "-e", "-c", text], tmp_path, env)
            assert r.returncode == 0, f"{where}: bash block failed\n{r.stdout[-1500:]}\n{r.stderr[-3000:]}"
        elif lang == "console":
            check_console(where, text, tmp_path, env)
        else:
            pytest.fail(f"{where}: a ```{lang or ''} block is neither run nor marked <!-- not run: REASON -->")
        ran += 1
    assert ran or doc.name == "reliability.md" or not list(blocks(doc))


def console_block(doc: Path, command: str):
    """Expected output lines of the ``$ command`` of a console block of ``doc`` (for a test that runs it)."""
    for lineno, lang, _, text in blocks(doc):
        lines = text.splitlines()
        if lang == "console" and f"$ {command}" in lines:
            start = lines.index(f"$ {command}") + 1
            end = next((k for k in range(start, len(lines)) if lines[k].startswith("$ ")), len(lines))
            return f"{doc.name}:{lineno}", lines[start:end]
    raise AssertionError(f"{doc.name}: no console block runs $ {command}")


def check_output(where, cmd, expected, output):
    """Every expected line (numbers masked; ``...`` lines skipped) is a line of ``output``."""
    got = {mask(x) for x in output.splitlines()}
    for line in expected:
        if line.strip() in ("", "...") or line.strip().startswith("..."):
            continue
        assert mask(line) in got, f"{where}: $ {cmd}: line {line!r} not in the output:\n{output[-3000:]}"


def check_console(where, text, cwd, env):
    commands = []  # (command, expected output lines)
    for line in text.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        elif commands:
            commands[-1][1].append(line)
        elif line.strip():
            pytest.fail(f"{where}: console block must start with '$ command'")
    for cmd, expected in commands:
        r = run(["bash", "-o", "pipefail", "-c", cmd], cwd, env)
        if "| head" in cmd and r.returncode == 141:  # head closed the pipe: fine
            r = subprocess.CompletedProcess(r.args, 0, r.stdout, r.stderr)
        assert r.returncode == 0, f"{where}: $ {cmd} failed\n{r.stdout[-1500:]}\n{r.stderr[-3000:]}"
        check_output(where, cmd, expected, r.stdout + "\n" + r.stderr)
