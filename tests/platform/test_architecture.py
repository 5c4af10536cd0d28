"""Architecture rules that keep the layers honest (STYLE.md rules 1, 4 and 14)."""

from __future__ import annotations

import ast
import configparser
import pkgutil
import subprocess
import sys
from pathlib import Path

import qualitas
import qualitas.stats

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "qualitas"


def test_the_statistics_library_imports_no_django():
    modules = [f"qualitas.stats.{m.name}" for m in pkgutil.iter_modules(qualitas.stats.__path__)]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(leaked))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert len(modules) >= 8
    assert result.stdout.strip() == "", f"qualitas.stats pulled in Django: {result.stdout}"


def test_the_stats_contract_forbids_every_other_top_level_module():
    """The import-linter contract names its forbidden modules one by one; a new top-level package
    must be added to it, or stats could import it unnoticed."""
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    forbidden = set(config["importlinter:contract:stats-pure"]["forbidden_modules"].split())
    top_level = {f"qualitas.{m.name}" for m in pkgutil.iter_modules(qualitas.__path__)} - {"qualitas.stats"}
    assert top_level - forbidden == set()


# --- Adapters stay thin: no ORM writes, no unscoped single-record reads ------------------------------

ORM_WRITES = frozenset(
    {"save", "delete", "create", "update", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
)
QUERYSET_METHODS = frozenset(
    {
        "all", "filter", "exclude", "select_related", "prefetch_related", "select_for_update", "order_by",
        "annotate", "alias", "distinct", "only", "defer", "using", "values", "values_list", "none",
    }
)  # fmt: skip
MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})
# Not Django models: the session store is saved by its middleware, not by domain code.
NON_ORM_RECEIVERS = frozenset({"session"})

# Files, besides selectors.py and services.py, allowed Model.objects.get / get_object_or_404
# (migrations are not scanned). Patterns match the end of the path.
SINGLE_GET_EXEMPT = {
    "demo.py": "demo data loaders fetch fixed demo rows by natural key, as the system: no actor to scope by",
    "core/regulated.py": "record_update(), the write helper services call, re-reads the row it locks (rule 8)",
    "core/workflow/engine.py": "the transition runner is a service: it locks the record it transitions (rules 6, 8)",
    "core/audit/covered.py": "the audit writer re-reads the row it vouches for, as stored, to hash it (P11-E)",
    "core/testing/*.py": "the test kit's factories look fixture rows (document type, severity) up by code",
}


def _is_adapter(path: Path) -> bool:
    """Views, API modules and management commands: adapters that parse input and call a service."""
    if path.name == "__init__.py":
        return False
    return (
        path.name.startswith("views")
        or path.name == "api.py"
        or (path.parent.name == "commands" and path.parent.parent.name == "management")
    )


def _mentions_manager(node: ast.AST) -> bool:
    """True if the receiver chain reaches a model manager (`X.objects`) or a related manager."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            if node.attr in MANAGERS:
                return True
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return False


def _is_queryset(node: ast.AST, querysets: set[str]) -> bool:
    """A manager (`X.objects`), a queryset method's result (`.filter(...)`, `.all()`), a slice of one,
    or a name assigned one of those earlier in the same function."""
    if isinstance(node, ast.Name):
        return node.id in querysets
    if isinstance(node, ast.Attribute):
        return node.attr in MANAGERS
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in QUERYSET_METHODS
    if isinstance(node, ast.Subscript):
        return _is_queryset(node.value, querysets)
    return False


def _receiver_name(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


USE_A_SELECTOR = "outside selectors.py/services.py: use the app's <entity>_get(actor, id)"


class _Checker(ast.NodeVisitor):
    def __init__(self, path: str, adapter: bool, may_get: bool):
        self.path, self.adapter, self.may_get = path, adapter, may_get
        self.imported: set[str] = set()
        self.querysets: list[set[str]] = [set()]
        self.problems: list[str] = []

    def report(self, node: ast.AST, message: str) -> None:
        self.problems.append(f"{self.path}:{node.lineno}: {message}")

    def visit_Import(self, node: ast.Import) -> None:
        self.imported.update((alias.asname or alias.name).split(".")[0] for alias in node.names)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self.imported.update(alias.asname or alias.name for alias in node.names)

    def visit_FunctionDef(self, node) -> None:
        self.querysets.append(set())
        self.generic_visit(node)
        self.querysets.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Assign(self, node: ast.Assign) -> None:
        if _is_queryset(node.value, self.querysets[-1]):
            self.querysets[-1].update(t.id for t in node.targets if isinstance(t, ast.Name))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id in {"get_object_or_404", "get_list_or_404"} and not self.may_get:
            self.report(node, f"{func.id}() {USE_A_SELECTOR}")
        if isinstance(func, ast.Attribute):
            receiver = func.value
            if func.attr == "get" and _mentions_manager(receiver) and not self.may_get:
                self.report(node, f".objects.get() {USE_A_SELECTOR}")
            if self.adapter and func.attr in ORM_WRITES and self._is_orm_write(func.attr, receiver, node):
                self.report(node, f".{func.attr}() is an ORM write in an adapter: call a service")
        self.generic_visit(node)

    def _is_orm_write(self, method: str, receiver: ast.AST, call: ast.Call) -> bool:
        if _receiver_name(receiver) in NON_ORM_RECEIVERS:
            return False
        if isinstance(receiver, ast.Name) and receiver.id in self.imported:
            return False  # a module-level function, e.g. services.create(...)
        if _is_queryset(receiver, self.querysets[-1]):
            return True
        if method == "update":
            return False  # dict.update, set.update, hashlib's update
        if method == "delete":
            return not call.args  # instance.delete(); cache.delete(key) and storage.delete(name) take a key
        if method == "save":
            # instance.save() and a ModelForm's form.save(); file-like .save(path) takes a target,
            # and form.save(commit=False) writes nothing yet.
            commit = next((k.value for k in call.keywords if k.arg == "commit"), None)
            return not call.args and not (isinstance(commit, ast.Constant) and commit.value is False)
        return True  # create, bulk_create, get_or_create... exist only on managers and querysets


def check_source(source: str, path: str) -> list[str]:
    """The violations in one file, as "path:line: message"."""
    name = Path(path).name
    may_get = name in {"selectors.py", "services.py"} or any(Path(path).match(p) for p in SINGLE_GET_EXEMPT)
    checker = _Checker(path, adapter=_is_adapter(Path(path)), may_get=may_get)
    checker.visit(ast.parse(source, filename=path))
    return checker.problems


def test_adapters_make_no_orm_writes_and_fetch_records_only_through_selectors():
    problems = []
    for path in sorted(SOURCE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        problems += check_source(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert not problems, "Architecture violations (STYLE.md rules 1 and 4):\n" + "\n".join(problems)


def test_the_checker_reports_writes_and_gets_and_ignores_look_alikes():
    view = """
from django.shortcuts import get_object_or_404
from qualitas.capa import services
from qualitas.capa.models import Capa

def detail(request, pk):
    capa = get_object_or_404(Capa, pk=pk)
    other = Capa.objects.select_related("owner").get(pk=pk)
    capa.title = "x"
    capa.save(update_fields=["title"])
    Capa.objects.filter(pk=pk).update(title="y")
    pending = Capa.objects.filter(closed=False)
    pending.delete()
    capa.actions.create(title="z")
    form.save()
    other.delete()
    context = {}
    context.update(a=1)
    digest.update(b"x")
    cache.delete("key")
    workbook.save(buffer)
    draft = form.save(commit=False)
    request.session.save()
    services.create(actor=request.user)
    return context
"""
    problems = check_source(view, "src/qualitas/capa/views.py")
    assert [p.split(": ", 1)[0] for p in problems] == [
        "src/qualitas/capa/views.py:7",
        "src/qualitas/capa/views.py:8",
        "src/qualitas/capa/views.py:10",
        "src/qualitas/capa/views.py:11",
        "src/qualitas/capa/views.py:13",
        "src/qualitas/capa/views.py:14",
        "src/qualitas/capa/views.py:15",
        "src/qualitas/capa/views.py:16",
    ], problems
    assert "get_object_or_404() outside selectors.py/services.py" in problems[0]
    assert ".save() is an ORM write in an adapter" in problems[2]
    # The same code is fine in a service; a single get is fine in a selector, not in other modules.
    assert check_source(view, "src/qualitas/capa/services.py") == []
    assert len(check_source(view, "src/qualitas/capa/pdf.py")) == 2
    assert len(check_source(view, "src/qualitas/capa/management/commands/capa.py")) == 8
    assert check_source(view, "src/qualitas/capa/demo.py") == check_source(view, "src/qualitas/capa/services.py")
