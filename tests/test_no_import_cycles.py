"""No import cycle among our modules, counting every import a reader sees.

Python tolerates some circles (an import inside a function, or one under
``TYPE_CHECKING``), but each one ties two modules so that neither can be read, moved
or tested alone. So every import statement counts here, wherever it stands.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "bots", "operators_group", "botdesk", "sandbox")

Graph = dict[str, set[str]]


def module_name(path: Path, root: Path) -> str:
    """Dotted name of the module in ``path`` (a package is named by its ``__init__``)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, name: str, known: set[str]) -> set[str]:
    """Our modules that the module ``name`` in ``path`` imports, at any depth of its code."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # ``from ..x import y``: each dot past the first climbs a package
                anchor = package.rsplit(".", node.level - 1)[0]
                base = f"{anchor}.{base}" if base else anchor
            # ``from pkg import sub`` imports the submodule ``pkg.sub`` when there is one.
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names
            ]
        else:
            continue
        for target in targets:
            # ``import a.b.c`` of a name that is not a module counts as its nearest module.
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph(root: Path, packages: tuple[str, ...] = PACKAGES) -> Graph:
    """Module → the modules of ``packages`` it imports, for every ``.py`` under ``root``."""
    paths = {module_name(p, root): p for pkg in packages for p in (root / pkg).rglob("*.py")}
    known = set(paths)
    return {name: imports_of(path, name, known) for name, path in paths.items()}


def find_cycle(graph: Graph) -> list[str] | None:
    """One import cycle as a path ``[a, b, …, a]``, or ``None`` when the graph has none."""
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        # Iterative depth-first search: the stack is the current path.
        path, on_path = [start], {start}
        branches = [iter(sorted(graph[start]))]
        while branches:
            following = next(branches[-1], None)
            if following is None:
                finished = path.pop()
                on_path.discard(finished)
                done.add(finished)
                branches.pop()
                continue
            if following in on_path:
                return [*path[path.index(following) :], following]
            if following not in done:
                path.append(following)
                on_path.add(following)
                branches.append(iter(sorted(graph[following])))
    return None


def test_our_modules_import_each_other_without_a_cycle() -> None:
    graph = import_graph(ROOT)
    assert "core.models.relay" in graph["core.models.outbox"]  # the graph sees our imports
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_a_cycle_through_a_function_or_type_checking_import_is_found(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    for init in ("pkg/__init__.py", "pkg/sub/__init__.py"):
        (tmp_path / init).write_text("")
    (tmp_path / "pkg" / "a.py").write_text("from pkg.sub.b import B\n")
    (tmp_path / "pkg" / "sub" / "b.py").write_text("def f():\n    from ..c import C\n")
    (tmp_path / "pkg" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.a\n"
    )
    assert find_cycle(import_graph(tmp_path, ("pkg",))) == ["pkg.a", "pkg.sub.b", "pkg.c", "pkg.a"]
    (tmp_path / "pkg" / "c.py").write_text("from . import sub\n")
    assert find_cycle(import_graph(tmp_path, ("pkg",))) is None
