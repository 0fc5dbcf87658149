"""The shape of the code, checked: layers, no import cycles, short functions.

See registry/ARCHITECTURE.md. Domains import only the domains below them; a lower domain
reaches a higher one through a signal (registry/events.py), never an import, and no import is
hidden inside a function to dodge a cycle (create_app's are the one exception).
"""

from __future__ import annotations

import ast
import statistics
from collections.abc import Iterator
from pathlib import Path

from registry import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "registry"

# Lowest first. Modules not named here (wiring, cli, demo, models) sit on top of everything.
LAYERS: list[set[str]] = [
    # The core every layer may use (the package itself only for PROJECT_ROOT at import time).
    {"", "clock", "errors", "types", "ids", "params", "pagination", "ratelimit", "extensions"}
    | {"db", "events", "docs", "apidoc", "idempotency", "ratelimit_storage"},
    {"countries"},
    {"organisations", "auth"},
    {"audit"},
    {"notifications"},
    {"subprocessors"},
    {"agreements"},
    {"objections"},
    {"web"},
]
TOP = len(LAYERS)
MAX_FUNCTION_LINES = 60
MAX_MEDIAN_MODULE_LINES = 120


def module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> int:
    """The layer of ``registry.<part>…``; parts not named in LAYERS are on top."""
    part = module.split(".")[1] if "." in module else ""
    return next((rank for rank, names in enumerate(LAYERS) if part in names), TOP)


def imported(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The registry modules an import statement loads."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
            for _ in range(node.level - 1):
                package = package.rpartition(".")[0]
            base = f"{package}.{base}".rstrip(".")
        # ``from registry import clock`` loads registry.clock; ``from registry.x import y``, x.
        names = [
            f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
            for alias in node.names
        ]
    return sorted({name for name in names if name in MODULES})


def imports(module: str) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool, str]]:
    """Every import of ``module``: the node, whether it runs at import time, and the scope."""

    def visit(node: ast.AST, scope: str, guarded: bool) -> Iterator[tuple[ast.AST, bool, str]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                yield child, not scope and not guarded, scope
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                yield from visit(child, f"{scope}.{child.name}".lstrip("."), guarded)
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                yield from visit(child, scope, True)
            else:
                yield from visit(child, scope, guarded)

    tree = ast.parse(MODULES[module].read_text())
    for node, at_import, scope in visit(tree, "", False):
        assert isinstance(node, ast.Import | ast.ImportFrom)
        yield node, at_import, scope


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {module: set() for module in MODULES}
    for module in MODULES:
        for node, at_import, _scope in imports(module):
            if at_import:
                edges[module].update(t for t in imported(module, node) if t != module)
    return edges


def test_no_import_cycle_between_modules() -> None:
    edges = graph()
    done: set[str] = set()

    def walk(module: str, path: list[str]) -> None:
        if module in path:
            cycle = path[path.index(module) :] + [module]
            raise AssertionError("import cycle: " + " → ".join(cycle))
        if module in done:
            return
        for target in sorted(edges[module]):
            walk(target, [*path, module])
        done.add(module)

    for module in sorted(edges):
        walk(module, [])


def test_domains_import_only_the_layers_below() -> None:
    upward = [
        f"{module} imports {target}"
        for module, targets in graph().items()
        for target in sorted(targets)
        if layer(target) > layer(module)
    ]
    assert upward == [], "send a signal instead (registry/events.py):\n" + "\n".join(upward)


def test_no_import_hides_inside_a_function() -> None:
    hidden = [
        f"{module}:{node.lineno} in {scope}() imports {', '.join(imported(module, node))}"
        for module in MODULES
        for node, at_import, scope in imports(module)
        if scope and imported(module, node) and (module, scope) != ("registry", "create_app")
    ]
    assert hidden == []


def test_functions_and_modules_stay_short() -> None:
    long = []
    sizes = []
    for module, path in MODULES.items():
        source = path.read_text()
        sizes.append(len(source.splitlines()))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{module}.{node.name}: {length} lines")
    assert long == [], f"functions over {MAX_FUNCTION_LINES} lines"
    assert statistics.median(sizes) <= MAX_MEDIAN_MODULE_LINES
