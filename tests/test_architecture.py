"""The layout holds: no import cycle between tierroute's modules, dependencies point
down the layers, and no module or function grows past the size a reader can hold.

The import graph is read with :mod:`ast` from *every* import statement, including those
under ``if TYPE_CHECKING:`` and inside functions: a cycle hidden there is still a cycle
for the reader and for any later refactoring.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PKG = SRC / "tierroute"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {module_name(p): p for p in sorted(PKG.rglob("*.py"))}


def is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def resolve(name: str) -> str | None:
    """The tierroute module an import names (``from pkg import sub`` names a module)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(name: str) -> Iterator[str]:
    """Every tierroute module that module ``name`` imports, at any depth of its code."""
    package = name if is_package(name) else name.rpartition(".")[0]
    return imports_in(MODULES[name].read_text(), name, package)


def imports_in(source: str, name: str, package: str) -> Iterator[str]:
    """The tierroute modules ``source`` (module ``name`` of ``package``) imports."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # "from pkg import sub" imports the submodule; "from mod import name" the module
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            if target.split(".")[0] != "tierroute":
                continue
            found = resolve(target)
            if found is not None and found != name:
                yield found


def graph() -> dict[str, set[str]]:
    # "from tierroute.a.b import x" also runs tierroute.a's __init__; that edge is real
    # at run time but not a design dependency, so only direct targets count.
    return {name: set(imports_of(name)) for name in MODULES}


def find_cycle(g: dict[str, set[str]]) -> list[str] | None:
    """A cycle in ``g`` as a list of modules, or None (iterative DFS, colours)."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(g, white)
    parent: dict[str, str] = {}
    for root in sorted(g):
        if colour[root] != white:
            continue
        stack = [(root, iter(sorted(g[root])))]
        colour[root] = grey
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                colour[node] = black
                stack.pop()
                continue
            if colour[nxt] == grey:
                cycle = [nxt, node]
                while cycle[-1] != nxt:
                    cycle.append(parent[cycle[-1]])
                return cycle[::-1]
            if colour[nxt] == white:
                colour[nxt] = grey
                parent[nxt] = node
                stack.append((nxt, iter(sorted(g[nxt]))))
    return None


def subsystem(name: str) -> str:
    """``tierroute.routing._engine`` -> ``routing``; top-level modules -> ``core``."""
    parts = name.split(".")
    if len(parts) > 2 or (len(parts) == 2 and is_package(name)):
        return parts[1]
    return "core" if name != "tierroute" else "package"


# Which subsystem may import which (besides itself and the top-level "core" modules).
ALLOWED: dict[str, set[str]] = {
    "policy": {"promises"},  # a policy carries promise targets (the promise model only)
    "promises": {"routing"},  # the tracker only, and only through the hook protocol
    "routing": {"policy"},  # the tracker attaches through routing/_hooks.py
    "hosting": {"routing", "policy", "promises"},
    "planning": {"routing", "policy", "promises"},
}
# Top-level modules that sit above the subsystems (they wire or present them).
TOP = {"tierroute", "tierroute.cli", "tierroute.demo", "tierroute.__main__"}


def test_the_graph_sees_hidden_imports() -> None:
    """The reader finds imports under TYPE_CHECKING and inside functions."""
    code = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from tierroute.routing.router import Router\n"
        "def f():\n    import tierroute.hosting.driver\n"
    )
    code += "def g():\n    from .journal import recover\n"  # relative, inside a function
    found = set(imports_in(code, "tierroute.hosting.x", "tierroute.hosting"))
    assert found == {
        "tierroute.routing.router",
        "tierroute.hosting.driver",
        "tierroute.hosting.journal",
    }
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle() -> None:
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_dependencies_point_down() -> None:
    bad = []
    for name, deps in graph().items():
        if name in TOP:
            continue
        mine = subsystem(name)
        for dep in deps:
            theirs = subsystem(dep)
            if dep in TOP:
                bad.append(f"{name} -> {dep} (top-level wiring)")
            elif mine == "core" and theirs != "core":
                bad.append(f"{name} -> {dep} (core modules import no subsystem)")
            elif mine not in {theirs, "core"} and theirs not in ALLOWED[mine] | {"core"}:
                bad.append(f"{name} -> {dep}")
    assert not bad, "layering broken:\n" + "\n".join(sorted(bad))


def test_promises_meet_routing_only_through_the_hooks() -> None:
    bad = [
        f"{name} -> {dep}"
        for name, deps in graph().items()
        if subsystem(name) == "promises"
        for dep in deps
        if subsystem(dep) == "routing" and dep != "tierroute.routing._hooks"
    ]
    bad += [
        f"{name} -> {dep}"
        for name, deps in graph().items()
        if subsystem(name) == "routing"
        for dep in deps
        if dep == "tierroute.promises.tracker"
    ]
    assert not bad, "\n".join(sorted(bad))


def test_nothing_outside_routing_touches_engine_internals() -> None:
    """Private members of the engine are read only inside routing/: other modules
    use public methods or the hook protocol."""
    engine_private = set()
    for name, path in MODULES.items():
        if subsystem(name) != "routing":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name in {"Engine", "Router"}:
                for item in ast.walk(node):
                    if isinstance(item, ast.FunctionDef) and item.name.startswith("_"):
                        engine_private.add(item.name)
                    if (
                        isinstance(item, ast.Attribute)
                        and isinstance(item.value, ast.Name)
                        and item.value.id == "self"
                        and item.attr.startswith("_")
                    ):
                        engine_private.add(item.attr)
    engine_private -= {"__init__", "__repr__", "_check"}
    # the simulator's trusted entry points are the engine's deliberate inner API
    trusted = {m for m in engine_private if m.endswith("_trusted")}
    bad = []
    for name, path in MODULES.items():
        if subsystem(name) == "routing":
            continue
        bad.extend(
            f"{name}:{node.lineno} .{node.attr}"
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Attribute)
            and node.attr in engine_private - trusted
            and not (isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"})
        )
    assert not bad, "engine internals used outside routing/:\n" + "\n".join(bad)


MAX_MODULE_LINES = 1000
MAX_FUNCTION_LINES = 100
# Functions allowed past MAX_FUNCTION_LINES, each with the reason (see CHANGELOG).
LONG_FUNCTIONS: dict[str, str] = {}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_size(name: str) -> None:
    lines = MODULES[name].read_text().count("\n")
    assert lines <= MAX_MODULE_LINES, f"{name} has {lines} lines"


def test_function_size() -> None:
    long = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                where = f"{name}.{node.name}"
                if size > MAX_FUNCTION_LINES and where not in LONG_FUNCTIONS:
                    long.append(f"{where}: {size} lines")
    assert not long, "\n".join(long)
