"""The one-way flow between the rooms (ARCHITECTURE.md): each top-level package imports only the
rooms below it. Read from the source with ``ast`` (lazy imports inside functions count too)."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ROOMS = ("campaigns", "prevalence", "render", "warehouse", "crawler", "samples", "nlp", "dashboard", "alerts", "app", "cli")
# What each room may import of the others. The crawler and the scorer never import each other;
# the dashboard (app.py) reads the warehouse, never the crawler or the models.
ALLOWED = {
    "campaigns": set(),
    "prevalence": set(),  # share estimation: pure functions on arrays
    "render": set(),  # how crawled text is shown: below everything that shows or exports it
    "warehouse": {"campaigns", "prevalence", "render"},
    "crawler": {"campaigns", "warehouse"},
    "samples": {"campaigns"},
    "nlp": {"campaigns", "prevalence"},
    "dashboard": {"campaigns", "prevalence", "render", "warehouse"},
    "alerts": {"campaigns", "prevalence", "render", "warehouse"},
    "app": {"alerts", "campaigns", "dashboard", "prevalence", "render", "warehouse"},
    "cli": set(ROOMS) - {"cli", "app"},
}


def room_imports() -> dict[str, dict[str, set[str]]]:
    """room -> imported room -> the files that import it."""
    found: dict[str, dict[str, set[str]]] = {room: {} for room in ROOMS}
    for room in ROOMS:
        files = [REPO / f"{room}.py"] if (REPO / f"{room}.py").exists() else sorted((REPO / room).rglob("*.py"))
        for path in files:
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.split(".")[0]
                    if top in ROOMS and top != room:
                        found[room].setdefault(top, set()).add(str(path.relative_to(REPO)))
    return found


def test_every_room_imports_only_the_rooms_below_it() -> None:
    wrong = {
        f"{room} -> {other}": sorted(files)
        for room, imports in room_imports().items()
        for other, files in imports.items()
        if other not in ALLOWED[room]
    }
    assert not wrong, f"imports against the one-way flow (ARCHITECTURE.md): {wrong}"


def test_the_scan_sees_real_imports() -> None:
    # Guards the test itself: it must find the edges everyone knows are there.
    imports = room_imports()
    assert "warehouse" in imports["crawler"] and "campaigns" in imports["nlp"] and "crawler" in imports["cli"]
