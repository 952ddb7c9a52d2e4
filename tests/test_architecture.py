"""The project's shape, read from its source: imports between apps point one way, and nothing leans on
Django's private internals (they change without notice between releases)."""

import ast
from collections import defaultdict
from pathlib import Path

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.postgresql.base import DatabaseWrapper as PostgresWrapper
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper

PACKAGE = Path(__file__).resolve().parent.parent / "dangxiao"

# Lowest first: an app may import the apps before it, never one after it, at module level or inside a
# function (a function-level import hides the cycle it would make, it does not remove it).
LAYERS = [
    "core", "people", "notify", "liaison", "school", "teaching", "attendance", "online", "practice", "appraisal",
    "reports", "api", "demo",
]  # fmt: skip


def _sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, ast.parse(path.read_text(), str(path))


def _app(path: Path) -> str | None:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else None  # settings.py, urls.py: the project, above every app


def _imports(tree: ast.Module):
    """(imported app, line, at module level?) for each import of another dangxiao app."""
    top = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "dangxiao" and len(parts) > 1:
                yield parts[1], node.lineno, id(node) in top


def import_graph():
    edges = defaultdict(list)
    for path, tree in _sources():
        app = _app(path)
        for target, line, top in _imports(tree):
            if app and target != app:
                edges[(app, target)].append(f"{path.relative_to(PACKAGE.parent)}:{line}{'' if top else ' (in a function)'}")
    return edges


def test_every_app_has_a_layer():
    apps = {p.name for p in PACKAGE.iterdir() if (p / "apps.py").exists()}
    assert apps == set(LAYERS)


def test_apps_import_only_the_apps_below_them():
    wrong = [
        f"{app} -> {target}: {', '.join(where)}"
        for (app, target), where in sorted(import_graph().items())
        if LAYERS.index(target) > LAYERS.index(app)
    ]
    assert not wrong, "an app imports one above it (move what both need down a layer):\n" + "\n".join(wrong)


def test_there_is_no_import_cycle_between_apps():
    graph = defaultdict(set)
    for app, target in import_graph():
        graph[app].add(target)

    def reaches(start, goal, seen):
        return any(nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})) for nxt in graph[start])

    cycles = sorted(app for app in list(graph) if reaches(app, app, {app}))
    assert not cycles, f"apps on an import cycle: {cycles}"


# --- Django's private internals -------------------------------------------------------------------

# Underscored names of Django's database wrappers (`_set_autocommit`, `_cursor`, `_close` …), and the
# undocumented machinery of its per-request health check and query logging.
_WRAPPER_PRIVATE = {
    name
    for cls in (BaseDatabaseWrapper, SQLiteWrapper, PostgresWrapper)
    for name in dir(cls)
    if name.startswith("_") and not name.startswith("__")
}
PRIVATE = _WRAPPER_PRIVATE | {
    "health_check_done",
    "health_check_enabled",
    "close_if_health_check_failed",
    "make_cursor",
    "make_debug_cursor",
    "queries_logged",
    "validate_thread_sharing",
    "_start_transaction_under_autocommit",
    "in_atomic_block",
}


def private_uses(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in PRIVATE:
            found.append((node.lineno, node.attr))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in PRIVATE:
            found.append((node.lineno, f"def {node.name}"))  # an override of a private method
    return found


def test_no_code_uses_djangos_private_database_internals():
    offenders = [f"{path.relative_to(PACKAGE.parent)}:{line} {what}" for path, tree in _sources() for line, what in private_uses(tree)]
    assert not offenders, "use Django's public API or the driver's own features:\n" + "\n".join(offenders)


def test_the_private_api_check_sees_overrides_and_attributes():
    source = "class W:\n    def _set_autocommit(self, a):\n        pass\nconnection.health_check_done = True\nconnection.cursor()\n"
    assert private_uses(ast.parse(source)) == [(2, "def _set_autocommit"), (4, "health_check_done")]
