"""The layout's rules, checked on the source: no import cycle, no call of another module's private name,
and every module importable on its own.

The import graph is read from the source with :mod:`ast` (imports inside functions count too: a lazy
import still ties two modules together), so these checks are exact and machine-independent.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "lightwaves"


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def resolve(module: str, path: Path, level: int, name: str | None) -> str:
    """The absolute name of ``from <level dots><name> import ...`` written in ``module``."""
    if level == 0:
        return name or ""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    base = package.split(".")
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def imports(module: str):
    """``(imported module, names taken from it, module aliases bound)`` for every import in ``module``."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("lightwaves"):
                    yield a.name, [], {(a.asname or a.name.split(".")[0])}
        elif isinstance(node, ast.ImportFrom):
            target = resolve(module, path, node.level, node.module)
            if not target.startswith("lightwaves"):
                continue
            names, aliases = [], set()
            for a in node.names:
                sub = f"{target}.{a.name}"
                if sub in MODULES:  # ``from . import numpy_kernels``: a module
                    yield sub, [], {a.asname or a.name}
                else:
                    names.append(a.name)
            if names:
                yield target, names, aliases


def graph() -> dict:
    edges = {m: set() for m in MODULES}
    for m in MODULES:
        for target, _, _ in imports(m):
            if target in MODULES and target != m:
                edges[m].add(target)
    return edges


def test_every_module_is_seen():
    """The scan finds the package's modules (a broken path would make the other checks vacuous)."""
    assert {"lightwaves.pipeline", "lightwaves.families", "lightwaves.families.rocket.features",
            "lightwaves.model_io", "lightwaves.model_file", "lightwaves.distributed"} <= set(MODULES)
    assert sum(len(v) for v in graph().values()) > 50


def test_import_graph_has_no_cycle():
    """No module imports, directly or through others, a module that imports it back."""
    edges = graph()
    state, stack, cycles = {}, [], []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for t in sorted(edges[m]):
            if state.get(t) == "open":
                cycles.append(stack[stack.index(t):] + [t])
            elif t not in state:
                visit(t)
        stack.pop()
        state[m] = "done"

    for m in sorted(edges):
        if m not in state:
            visit(m)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_no_module_uses_another_modules_private_names():
    """``from .x import _name`` and ``x._name`` (``x`` an imported lightwaves module) are refused: modules
    talk through public functions. Dunder names (``__version__``) are public."""
    bad = []
    for m, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = set()
        for target, names, bound in imports(m):
            aliases |= bound
            bad += [f"{m}: from {target} import {n}" for n in names if n.startswith("_") and not n.startswith("__")]
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                bad.append(f"{m}: {node.value.id}.{node.attr} (line {node.lineno})")
    assert not bad, "\n".join(bad)


def test_private_name_check_catches_a_violation(tmp_path, monkeypatch):
    """The private-name check is not vacuous: a module that imports a private name is reported."""
    fake = tmp_path / "lightwaves" / "intruder.py"
    fake.parent.mkdir()
    fake.write_text("from .kernels import _linear_scores\nfrom . import kernels as k\nk._linear_scores\n")
    monkeypatch.setitem(MODULES, "lightwaves.intruder", fake)
    found = [t for t, names, _ in imports("lightwaves.intruder") if "_linear_scores" in names]
    assert found == ["lightwaves.kernels"]
    with pytest.raises(AssertionError, match="intruder"):
        test_no_module_uses_another_modules_private_names()


def test_every_module_imports_alone():
    """Each module imports in an interpreter where no other lightwaves module was imported first (one
    fresh ``sys.modules`` per module, in one process to keep this quick)."""
    code = (
        "import importlib, sys\n"
        f"names = {sorted(MODULES)!r}\n"
        "failed = []\n"
        "for name in names:\n"
        "    for k in [k for k in sys.modules if k == 'lightwaves' or k.startswith('lightwaves.')]:\n"
        "        del sys.modules[k]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as e:\n"
        "        failed.append(f'{name}: {type(e).__name__}: {e}')\n"
        "print('\\n'.join(failed))\n"
        "sys.exit(1 if failed else 0)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                       env={**__import__("os").environ, "PYTHONPATH": str(SRC)})
    assert r.returncode == 0, r.stdout + r.stderr[-2000:]
