"""The shape of `bot/`: no import circles, and no extension reaching into another's privates.

Every import statement counts, wherever it is: at the top, inside a function (a lazy
import only hides a circle) or under `if TYPE_CHECKING:` (a circle for the reader
and for any type checker). A module is private when a part of its name after
`bot.exts.` starts with an underscore (`bot.exts.interview._delivery`); only modules
of the same extension (`bot.exts.interview.*`) may import it. What extensions share
lives in `bot.exts.shared`, under public names.
"""

from __future__ import annotations

import ast
from pathlib import Path

from bot import PROJECT_ROOT

EXTENSIONS = "bot.exts"


def module_names(root: Path, package: str) -> dict[str, Path]:
    """Every module under `root` (the directory of `package`) by dotted name."""
    names: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join([package, *parts])] = path
    return names


def _imported(node: ast.AST, module: str, is_package: bool, known: set[str]) -> set[str]:
    """The modules of `known` one import statement names."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in known}
    if not isinstance(node, ast.ImportFrom):
        return set()
    if node.level:
        base = module.split(".")
        if not is_package:
            base = base[:-1]
        base = base[: len(base) - (node.level - 1)]
        source = ".".join(base + ([node.module] if node.module else []))
    else:
        source = node.module or ""
    found = set()
    for alias in node.names:
        submodule = f"{source}.{alias.name}"
        if submodule in known:
            found.add(submodule)  # `from package import module`
        elif source in known:
            found.add(source)
    return found


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """module -> the modules of the package it imports (any import statement)."""
    modules = module_names(root, package)
    known = set(modules)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        edges: set[str] = set()
        for node in ast.walk(tree):
            edges |= _imported(node, name, is_package, known)
        graph[name] = edges - {name}
    return graph


def import_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each group of modules that import each other, directly or round a circle (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                circles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return circles


def owning_extension(module: str, extensions: str = EXTENSIONS) -> str | None:
    """`bot.exts.groups` for `bot.exts.groups._views`; None outside the extensions."""
    parts = module.split(".")
    prefix = extensions.split(".")
    if parts[: len(prefix)] != prefix or len(parts) <= len(prefix):
        return None
    return ".".join(parts[: len(prefix) + 1])


def is_private(module: str, extensions: str = EXTENSIONS) -> bool:
    parts = module.split(".")[len(extensions.split(".")) :]
    return module.startswith(extensions + ".") and any(p.startswith("_") for p in parts)


def private_imports(
    graph: dict[str, set[str]], extensions: str = EXTENSIONS
) -> list[tuple[str, str]]:
    """(importer, private module) where the importer is not of the module's extension."""
    return sorted(
        (importer, target)
        for importer, targets in graph.items()
        for target in targets
        if is_private(target, extensions)
        and owning_extension(importer, extensions) != owning_extension(target, extensions)
    )


# ---------------------------------------------------------------------- the project
def test_no_import_circle_in_bot() -> None:
    graph = import_graph(PROJECT_ROOT / "bot", "bot")
    assert "bot.exts.interview.cog" in graph  # the walk found the code
    assert import_circles(graph) == []


def test_no_extension_imports_another_extensions_private_module() -> None:
    graph = import_graph(PROJECT_ROOT / "bot", "bot")
    assert private_imports(graph) == []


# ---------------------------------------------------------------------- the checks themselves
def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_the_checks_find_circles_however_the_import_is_written(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "from pkg import b\n",
            "b.py": "def f():\n    from pkg.c import x\n",  # a lazy import
            "c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.a\n",
            "d.py": "from . import e\n",  # relative, two modules
            "e.py": "from .d import thing\n",
            "f.py": "import pkg.a\n",  # imports into a circle, not part of one
        },
    )
    circles = import_circles(import_graph(root, "pkg"))
    assert circles == [["pkg.a", "pkg.b", "pkg.c"], ["pkg.d", "pkg.e"]]


def test_the_checks_find_a_private_module_imported_from_another_extension(
    tmp_path: Path,
) -> None:
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "bot.py": "from pkg.exts.one._items import X\n",  # the host reaching in
            "exts/__init__.py": "",
            "exts/one/__init__.py": "from pkg.exts.one import _items\n",  # its own: fine
            "exts/one/_items.py": "",
            "exts/one/cog.py": "from pkg.exts.one._items import X\n",  # its own: fine
            "exts/two/__init__.py": "",
            "exts/two/cog.py": "from pkg.exts.one import _items\nfrom pkg.exts.shared import y\n",
            "exts/shared.py": "",
        },
    )
    found = private_imports(import_graph(root, "pkg"), extensions="pkg.exts")
    assert found == [
        ("pkg.bot", "pkg.exts.one._items"),
        ("pkg.exts.two.cog", "pkg.exts.one._items"),
    ]
