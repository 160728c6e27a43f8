"""The tree reads as the pipeline: the top of ``src/ogi`` holds the stages' folders and a few
modules, no module imports another that imports it back (however indirectly, at import time
or inside a function), and no module grows past 500 lines unless it says which one idea it
holds."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parent.parent / "src"
ROOT = SRC / "ogi"
TOP = {
    "folders": {"extract", "parse", "check", "package", "store", "build", "serve", "synth", "formats"},
    "modules": {"__init__.py", "acquire.py", "summarise.py", "cli.py", "errors.py"},
}
LONG = 500  # lines


def _name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules of ``ogi`` that ``name`` imports, wherever in the file the import is
    (``from . import x`` names the submodule ``x`` when there is one)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            subs = {f"{target}.{a.name}" for a in node.names} & known
            out |= subs or {target}
            if len(subs) < len(node.names):
                out.add(target)
    return {m for m in out if m in known and m != name}


def graph() -> dict[str, set[str]]:
    mods = _modules()
    return {name: _imports(name, path, set(mods)) for name, path in mods.items()}


def cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """A cycle of imports, as the list of modules around it, or None."""
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle() -> None:
    found = cycle(graph())
    assert found is None, "import cycle: " + " → ".join(found or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None


def test_relative_imports_resolve(tmp_path: Path) -> None:
    """``from ..store import load`` in ``ogi.build.run`` is an edge to ``ogi.store.load``."""
    f = tmp_path / "run.py"
    f.write_text("from ..store import load, tables\nfrom . import plan\nfrom .chunk import Task\n")
    known = {"ogi.store", "ogi.store.load", "ogi.store.tables", "ogi.build.plan", "ogi.build.chunk"}
    assert _imports("ogi.build.run", f, known) == {
        "ogi.store.load",
        "ogi.store.tables",
        "ogi.build.plan",
        "ogi.build.chunk",
    }


def test_top_of_the_package_is_the_pipeline() -> None:
    entries = {p.name for p in ROOT.iterdir() if not p.name.startswith((".", "__pycache__"))}
    folders = {p.name for p in ROOT.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == TOP["folders"]
    assert entries - folders == TOP["modules"]


@pytest.mark.parametrize("path", sorted(ROOT.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_long_modules_hold_one_idea(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if text.count("\n") > LONG:
        doc = ast.get_docstring(ast.parse(text)) or ""
        assert "One idea" in doc, f"{path}: over {LONG} lines; split it, or say its one idea"
