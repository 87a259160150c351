"""The import structure of scanner/: no cycles and imports only down the layers, counting
every import statement (inside functions and ``TYPE_CHECKING`` blocks too, since a lazy
import is still a dependency). scanner/README.md draws the layers."""

from __future__ import annotations

import ast
from pathlib import Path

SCANNER = Path(__file__).resolve().parents[1] / "scanner"

# Packages (or top-level modules) of scanner/ by layer, lowest first. A module may import
# its own package and any package of a LOWER layer, never one of its own layer or above.
LAYERS: list[set[str]] = [
    {""},  # "" = scanner/__init__ (version, tool name)
    {"paths", "preparsed"},  # preparsed: rulesets/_validated.json read, no scanner import
    {"messages"},  # messages by catalog key, rendered in a language
    {"errors"},
    {"hashing", "timeparse", "generated", "limits"},
    {"model", "safeyaml"},
    {"knowledge"},
    {"ingest", "sdk", "names"},
    {"pii", "callgraph", "taint"},
    {"detectors", "rules"},
    {"engine", "pricing"},
    {"report", "recheck"},
    {"batch", "bundle", "capture"},
    {"serve"},
    {"cli", "stamps"},
]
# Entry points (``python -m ...``) may import anything: they are the commands.
ENTRY_POINTS = {"scanner.__main__", "scanner.knowledge.__main__"}
# Third-party readers only the ingest stage (and the capture addon, a mitmproxy addon) use.
READERS = {"androguard": {"ingest"}, "mitmproxy": {"ingest", "capture"}}


def _modules() -> dict[str, Path]:
    out = {}
    for path in SCANNER.rglob("*.py"):
        parts = list(path.relative_to(SCANNER.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(module: str, path: Path) -> tuple[set[str], set[str]]:
    """(modules of scanner imported, top-level external packages imported) by ``module``."""
    ours, theirs = set(), set()
    is_pkg = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = module.split(".") if is_pkg else module.split(".")[:-1]
                pkg = pkg[:len(pkg) - node.level + 1]
                base = ".".join([*pkg, base] if base else pkg)
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                     for a in node.names]
        for name in names:
            if name.split(".")[0] != "scanner":
                theirs.add(name.split(".")[0])
                continue
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name and name != module:
                ours.add(name)
    return ours, theirs


GRAPH = {m: _imports(m, p) for m, p in MODULES.items()}


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _layer(package: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if package in layer)


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in GRAPH[v][0]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles():
    assert _cycles() == []


def test_every_package_has_a_layer():
    packages = {_package(m) for m in MODULES if m not in ENTRY_POINTS}
    assert packages <= set().union(*LAYERS), packages - set().union(*LAYERS)


def test_imports_go_down_the_layers():
    bad = []
    for module, (ours, _) in sorted(GRAPH.items()):
        if module in ENTRY_POINTS:
            continue
        mine = _package(module)
        for target in sorted(ours):
            theirs = _package(target)
            if theirs != mine and _layer(theirs) >= _layer(mine):
                bad.append(f"{module} -> {target}")
    assert bad == []


def test_model_imports_nothing_of_ours():
    bad = [f"{m} -> {t}" for m, (ours, _) in GRAPH.items() if _package(m) == "model"
           for t in ours if _package(t) != "model"]
    assert bad == []


def test_only_ingest_reads_with_androguard_and_mitmproxy():
    bad = [f"{m} imports {lib}" for m, (_, theirs) in GRAPH.items()
           for lib, allowed in READERS.items() if lib in theirs and _package(m) not in allowed]
    assert bad == []


def test_the_checker_sees_lazy_imports():
    # scanner.engine imports the APK reader inside run(): the graph must count it
    assert "scanner.ingest.apk" in GRAPH["scanner.engine"][0]
    assert "androguard" in set().union(*(t for m, (_, t) in GRAPH.items()
                                          if m.startswith("scanner.ingest")))
