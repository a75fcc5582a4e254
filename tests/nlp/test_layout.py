"""The shape of ``nlp/``: imports flow one way, and the scorers have one registry."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

NLP = Path(__file__).resolve().parents[2] / "nlp"


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports, anywhere in its code (a lazy import
    inside a function still ties the two modules together)."""
    name = package.name
    modules = {f"{name}.{p.stem}" if p.stem != "__init__" else name: p for p in package.glob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                # "from nlp import x" may name a submodule x as well as an attribute.
                targets = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            else:
                continue
            found |= {t for t in targets if t in modules and t != module}
        graph[module] = found
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path that ends where it starts, or None (depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_cycle_finder_sees_a_cycle_and_its_absence():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_import_graph_reads_lazy_and_from_imports(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from pkg.a import x\n")
    (package / "a.py").write_text("def f():\n    from pkg import b\n    return b\n")
    (package / "b.py").write_text("import pkg.a\nimport numpy\n")
    graph = import_graph(package)
    assert graph == {"pkg": {"pkg.a"}, "pkg.a": {"pkg", "pkg.b"}, "pkg.b": {"pkg.a"}}
    assert find_cycle(graph) is not None


def test_nlp_modules_import_each_other_without_cycles():
    graph = import_graph(NLP)
    # The package's own __init__ re-exports; importing "nlp" from inside it would be a cycle too.
    assert {"nlp.documents", "nlp.scoring", "nlp.offline", "nlp.hub", "nlp.training"} <= set(graph)
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_documents_and_heads_depend_on_no_scorer():
    graph = import_graph(NLP)
    assert graph["nlp.documents"] <= {"nlp.text"}
    assert graph["nlp.linear_heads"] == set()


def test_one_registry_of_scorers_and_the_cli_offers_exactly_it():
    from cli import PROFILES
    from nlp import SCORERS, load_scorer

    assert set(PROFILES.choices) == set(SCORERS) == {"auto", "offline", "hub"}
    with pytest.raises(ValueError, match="unknown profile 'cloud'"):
        load_scorer("cloud", None)
