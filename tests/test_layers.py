"""The import graph of the package, read with ``ast`` (nothing is imported): no circle, and no
module imports from a layer it may not use (CONTRIBUTING.md, "Layers"). Lazy imports inside
functions count too: they are dependencies all the same."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "controlcheck"

# Layers, lowest first. A module may import from its own layer and from the layers named
# in ALLOWED for it; never from a layer above, nor across stages that must not know each
# other (checks know nothing of collectors; the store and the reports know nothing of
# collection or of each other's internals).
LAYERS: dict[str, tuple[str, ...]] = {
    "foundation": ("controlcheck", "controlcheck.vocabulary", "controlcheck.errors", "controlcheck.files",
                   "controlcheck.yamlio", "controlcheck.platforms", "controlcheck.outcome",
                   "controlcheck.progress", "controlcheck.schemas", "controlcheck.terminal",
                   "controlcheck.forking"),
    "inventory": ("controlcheck.inventory",),
    "parsers": ("controlcheck.parsers",),
    "collectors": ("controlcheck.collectors",),
    "checks": ("controlcheck.checks",),
    "risk": ("controlcheck.risk",),
    "store": ("controlcheck.store",),
    "reports": ("controlcheck.reports",),
    "lab": ("controlcheck.lab",),
    "engines": ("controlcheck.collect", "controlcheck.workers", "controlcheck.configs", "controlcheck.engines",
                "controlcheck.audit"),
    "cli": ("controlcheck.cli", "controlcheck.__main__"),
}
ALLOWED: dict[str, set[str]] = {
    "foundation": set(),
    "inventory": {"foundation"},
    "parsers": {"foundation"},
    "collectors": {"foundation", "inventory", "parsers"},
    "checks": {"foundation"},
    "risk": {"foundation", "checks"},
    "store": {"foundation"},
    "reports": {"foundation", "risk"},
    "lab": {"foundation", "inventory", "parsers", "collectors"},
    "engines": {"foundation", "inventory", "parsers", "collectors", "checks", "risk", "store", "reports"},
    "cli": {"foundation", "inventory", "parsers", "collectors", "checks", "risk", "store", "reports", "lab",
            "engines"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules ``name`` imports (``from pkg import sub`` names the submodule)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            targets = [f"{target}.{alias.name}" if f"{target}.{alias.name}" in known else target
                       for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known and "." in target:
                target = target.rpartition(".")[0]
            if target in known and target != name:
                found.add(target)
    return found


def layer_of(name: str) -> str:
    best = ""
    for layer, prefixes in LAYERS.items():
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > len(best):
                best, chosen = prefix, layer
    assert best, f"{name} is in no layer: add it to LAYERS (tests/test_layers.py) and CONTRIBUTING.md"
    return chosen


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports_of(name, path, known) for name, path in mods.items()}


def test_the_graph_is_read():
    g = graph()
    assert "controlcheck.vocabulary" in g["controlcheck.checks.engine"]
    assert "controlcheck.collectors.base" in g["controlcheck.collect"]


def test_every_module_is_in_a_layer():
    for name in graph():
        layer_of(name)


def test_no_import_runs_upwards_or_across():
    wrong = []
    for name, targets in sorted(graph().items()):
        mine = layer_of(name)
        for target in sorted(targets):
            theirs = layer_of(target)
            if theirs != mine and theirs not in ALLOWED[mine]:
                wrong.append(f"{name} ({mine}) imports {target} ({theirs})")
    assert not wrong, "\n".join(wrong)


def test_no_import_circle():
    g = graph()
    # A package's __init__ importing its own submodules (re-exports) is how a package
    # presents itself, not a circle between modules: leave those edges out.
    edges = {name: {t for t in targets if not t.startswith(name + ".")} for name, targets in g.items()}
    state: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                circles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    assert not circles, "\n".join(" -> ".join(c) for c in circles)
