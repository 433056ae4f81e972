"""Measure the package's layout against the architecture targets.

    python .ci/layout.py            # a report: module sizes, long functions, import cycles, core imports
    python .ci/layout.py --check    # the same, exit 1 when a target is missed (tests/test_layout.py)

Targets: no module over 500 lines; no function over 60 lines, at most three up to 100, each with a
comment ``# one piece: <why>`` on the line above its ``def``; no import cycle between modules (deferred
imports count: an import inside a function still is an edge); the core rooms never import rich or click;
each room imports only the rooms below it (ALLOWED).
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "gradcheck"
MAX_MODULE = 500
MAX_FUNCTION = 60
MAX_LONG_FUNCTION = 100
MAX_LONG_FUNCTIONS = 3
CORE_ROOMS = ("models", "engine", "diagnose", "numerics", "health", "train")
UI_LIBRARIES = ("rich", "click")
# Which rooms each room may import (as its __init__ docstring says): the flow user code -> models ->
# engine (with diagnose, health, numerics) -> report's records -> renderers, and train on top of the
# engine. The top level (api, cli, pytest_plugin) may import anything; errors imports nothing.
ALLOWED = {
    "errors": set(),
    "report": {"errors"},
    "models": {"errors"},
    "numerics": {"errors", "report"},
    "health": {"errors", "numerics", "report"},
    "diagnose": {"errors", "report"},
    "engine": {"errors", "models", "diagnose", "health", "numerics", "report"},
    "train": {"errors", "models", "engine", "diagnose", "health", "numerics", "report"},
}


@dataclass(frozen=True)
class Function:
    module: str
    name: str
    line: int
    length: int
    justified: bool


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Modules of the package that ``name`` imports at run time, deferred imports included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            # ``from pkg import submodule`` needs the submodule; the package itself only when a name
            # that is not a submodule is taken from it (a parent package always runs first anyway).
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.add(target if target in known else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {m for m in found if m in known and m != name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every elementary cycle's smallest representative, found by depth-first search."""
    seen: set[tuple[str, ...]] = set()
    result: list[list[str]] = []

    def walk(start: str, node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt == start:
                i = path.index(min(path))
                key = tuple(path[i:] + path[:i])
                if key not in seen:
                    seen.add(key)
                    result.append(list(key))
            elif nxt not in path and nxt > start:
                walk(start, nxt, [*path, nxt])

    for start in sorted(graph):
        walk(start, start, [start])
    return result


def functions(name: str, path: Path) -> list[Function]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            above = lines[first - 2].strip() if first >= 2 else ""
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            found.append(Function(name, node.name, node.lineno, length, above.startswith("# one piece:")))
    return found


def ui_imports(name: str, path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
    return found & set(UI_LIBRARIES)


def room(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def problems() -> tuple[list[str], list[str]]:
    mods = modules()
    report: list[str] = []
    missed: list[str] = []
    sizes = {n: len(p.read_text(encoding="utf-8").splitlines()) for n, p in mods.items()}
    report.append(f"{len(mods)} modules, {sum(sizes.values())} lines; the largest:")
    for n, size in sorted(sizes.items(), key=lambda kv: -kv[1])[:8]:
        report.append(f"  {size:5d}  {n}")
    missed += [f"module {n} has {s} lines (> {MAX_MODULE})" for n, s in sizes.items() if s > MAX_MODULE]

    funcs = [f for n, p in mods.items() for f in functions(n, p)]
    funcs.sort(key=lambda f: -f.length)
    report.append(f"{len(funcs)} functions; the longest:")
    for f in funcs[:8]:
        mark = " (one piece)" if f.justified else ""
        report.append(f"  {f.length:5d}  {f.module}.{f.name} line {f.line}{mark}")
    long = [f for f in funcs if f.length > MAX_FUNCTION]
    missed += [
        f"function {f.module}.{f.name} (line {f.line}) has {f.length} lines"
        + ("" if f.length > MAX_LONG_FUNCTION else " and no '# one piece:' comment above it")
        for f in long
        if f.length > MAX_LONG_FUNCTION or not f.justified
    ]
    if len(long) > MAX_LONG_FUNCTIONS:
        missed.append(f"{len(long)} functions over {MAX_FUNCTION} lines (at most {MAX_LONG_FUNCTIONS})")

    known = set(mods)
    graph = {n: imports(n, p, known) for n, p in mods.items()}
    found_cycles = cycles(graph)
    report.append(f"import cycles: {len(found_cycles)}")
    for c in found_cycles:
        report.append("  " + " -> ".join([*c, c[0]]))
    missed += ["import cycle " + " -> ".join([*c, c[0]]) for c in found_cycles]

    for n, p in mods.items():
        ui = ui_imports(n, p)
        if room(n) in CORE_ROOMS and ui:
            missed.append(f"core module {n} imports {', '.join(sorted(ui))}")
        allowed = ALLOWED.get(room(n))
        for m in sorted(graph[n]):
            if allowed is not None and room(m) != room(n) and room(m) not in allowed:
                missed.append(f"{n} imports {m}: the {room(n)} room may not import {room(m)}")
    return report, missed


def main() -> int:
    report, missed = problems()
    print("\n".join(report))
    if missed:
        print(f"\n{len(missed)} targets missed:")
        print("\n".join(f"  {m}" for m in missed))
    return 1 if missed and "--check" in sys.argv else 0


if __name__ == "__main__":
    sys.exit(main())
