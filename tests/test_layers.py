"""The layer rules of STYLE.md, checked on the source (an AST walk, as Zulip and
pretalx check theirs), so a newcomer learns them from a failing test, not a review.

1. No import inside a function: a module that needs one to dodge a cycle is in
   the wrong place.
2. Views (the intake endpoint and the admin's modules too), middleware, template
   tags, selectors, tasks and commands never write: they call a service.
3. Only an app's own modules write its tables: another app calls its service.
4. Only views and template tags import template tags: a service that needs a
   formatter imports it from where it lives (``core/money.py``).

Writes are recognised by their shape: ``save()`` or ``delete()`` on anything, and
``create``, ``update``, ``bulk_create`` and the like on ``Model.objects`` or a
queryset chain. A write through a related manager (``deal.activities.create``)
or on an instance of another app's model cannot be told apart statically and is
not caught; review still has to.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "handraise"

WRITE_METHODS = {"save", "delete"}
QUERYSET_WRITES = {
    "create",
    "update",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
    "delete",
}
QUERYSET_LINKS = {"objects", "filter", "exclude", "all", "select_for_update", "using"}
# Modules that answer a request or a command: views (the public intake endpoint and
# the admin's site and actions among them), middleware, template tags, selectors,
# tasks, management commands and the console entry point.
ENTRY_POINTS = {"views", "intake", "admin", "admin_site", "middleware"}
ENTRY_POINTS |= {"templatetags", "selectors", "tasks", "commands", "cli"}

# Not product paths: the demo builds a whole business in bulk (a million
# touchpoints at scale 100, which one service call per row could not), and the
# test factories make fixtures. Neither is called by a page, task or command
# that a user's data goes through, apart from `handraise demo` itself.
EXEMPT_FROM_OWNERSHIP = ("demo", "testing")


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def source_files() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if "migrations" not in path.parts)


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def shown(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


def layer(path: Path) -> str:
    """What a module is: views, templatetags, selectors, tasks, commands, or its name."""
    parts = path.relative_to(PACKAGE).parts
    if "templatetags" in parts:
        return "templatetags"
    if "commands" in parts:
        return "commands"
    if "views" in parts:  # a views package: one module per part of an area
        return "views"
    if path.stem.endswith("_selectors"):  # selectors named for what they hold
        return "selectors"
    return path.stem


def app_of(path: Path) -> str:
    """The app a module belongs to (``handraise/sales/views.py`` -> ``sales``)."""
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def is_test(path: Path) -> bool:
    return "tests" in path.relative_to(PACKAGE).parts


def models_by_app() -> dict[str, str]:
    """Model class name -> the app whose models.py defines it."""
    owners = {}
    for models in sorted(PACKAGE.glob("*/models.py")):
        for node in parse(models).body:
            if isinstance(node, ast.ClassDef):
                owners[node.name] = models.parent.name
    return owners


def imports_in_functions(tree: ast.Module, path: str) -> list[Violation]:
    found = []
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    found.append(Violation(path, node.lineno, f"import inside {function.name}()"))
    return found


def _chain(node: ast.expr) -> list[str]:
    """``Deal.objects.filter(...).update`` -> ["Deal", "objects", "filter"]."""
    names = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            names.append(node.id)
            break
        else:
            break
    return names[::-1]


def writes(tree: ast.Module) -> list[tuple[int, list[str], str]]:
    """Every write call: (line, receiver chain, method)."""
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method, chain = node.func.attr, _chain(node.func.value)
        not_committed = any(
            keyword.arg == "commit"
            and isinstance(keyword.value, ast.Constant)
            and keyword.value.value is False
            for keyword in node.keywords
        )
        if (method in WRITE_METHODS and not not_committed) or (
            method in QUERYSET_WRITES and QUERYSET_LINKS & set(chain)
        ):
            found.append((node.lineno, chain, method))
    return found


# Many-to-many writes look like a set's methods; on an attribute of an attribute
# (``form.instance.notify.set``, ``deal.tags.add``) they are a relation's.
RELATION_WRITES = {"set", "add", "remove", "clear"}


def relation_writes(tree: ast.Module) -> list[tuple[int, list[str], str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            chain = _chain(node.func.value)
            if node.func.attr in RELATION_WRITES and len(chain) >= 3:
                found.append((node.lineno, chain, node.func.attr))
    return found


def entry_point_writes(tree: ast.Module, path: str, kind: str) -> list[Violation]:
    if kind not in ENTRY_POINTS:
        return []
    return [
        Violation(path, line, f"{kind} write {'.'.join(chain)}.{method}(): call a service")
        for line, chain, method in writes(tree) + relation_writes(tree)
    ]


def foreign_writes(
    tree: ast.Module, path: str, app: str, owners: dict[str, str]
) -> list[Violation]:
    found = []
    for line, chain, method in writes(tree):
        owner = owners.get(chain[0]) if chain else None
        if owner and owner != app:
            found.append(
                Violation(
                    path,
                    line,
                    f"{app} writes {owner}'s {chain[0]} ({method}): call a {owner} service",
                )
            )
    return found


def templatetag_imports(tree: ast.Module, path: str, kind: str) -> list[Violation]:
    if kind in ("views", "templatetags"):
        return []
    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        if any(".templatetags" in name for name in names):
            found.append(Violation(path, node.lineno, f"{kind} imports template tags"))
    return found


def check_package() -> list[Violation]:
    owners = models_by_app()
    found = []
    for path in source_files():
        tree, name = parse(path), shown(path)
        found += imports_in_functions(tree, name)
        if is_test(path):
            continue
        kind = layer(path)
        found += entry_point_writes(tree, name, kind)
        found += templatetag_imports(tree, name, kind)
        if app_of(path) not in EXEMPT_FROM_OWNERSHIP:
            found += foreign_writes(tree, name, app_of(path), owners)
    return found


@pytest.mark.unit
def test_the_package_keeps_its_layer_rules():
    violations = check_package()

    assert not violations, "Layer rules broken (tests/test_layers.py says why):\n" + "\n".join(
        map(str, violations)
    )


# The checks themselves, on small sources: a rule that cannot fire guards nothing.


def _tree(source: str) -> ast.Module:
    return ast.parse(source)


@pytest.mark.unit
def test_an_import_inside_a_function_is_found():
    tree = _tree("import os\n\ndef f():\n    from handraise.sales import services\n")

    assert [v.line for v in imports_in_functions(tree, "x.py")] == [4]


@pytest.mark.unit
def test_a_view_that_saves_or_updates_is_found_but_an_uncommitted_form_save_is_not():
    tree = _tree(
        "def view(request, form):\n"
        "    deal = form.save(commit=False)\n"
        "    form.save()\n"
        "    Deal.objects.filter(pk=1).update(value=0)\n"
        "    context.update(deal=deal)\n"
        "    form.instance.notify.set([])\n"
        "    seen.add(deal)\n"
    )

    assert [v.line for v in entry_point_writes(tree, "views.py", "views")] == [3, 4, 6]
    assert entry_point_writes(tree, "services.py", "services") == []


@pytest.mark.unit
def test_a_write_to_another_apps_table_is_found():
    tree = _tree(
        "def process():\n"
        "    Touchpoint.objects.filter(visitor_id='v').update(contact=None)\n"
        "    Enquiry.objects.create(message='hi')\n"
    )
    owners = {"Touchpoint": "marketing", "Enquiry": "enquiries"}

    found = foreign_writes(tree, "enquiries/submissions.py", "enquiries", owners)

    assert [v.line for v in found] == [2]
    assert "call a marketing service" in str(found[0])


@pytest.mark.unit
def test_a_service_importing_template_tags_is_found():
    tree = _tree("from handraise.sales.templatetags.deals import money\n")

    assert len(templatetag_imports(tree, "services.py", "services")) == 1
    assert templatetag_imports(tree, "views.py", "views") == []


@pytest.mark.unit
def test_modules_are_told_apart_by_layer_and_app():
    assert layer(PACKAGE / "sales" / "views.py") == "views"
    assert layer(PACKAGE / "core" / "templatetags" / "pagination.py") == "templatetags"
    assert layer(PACKAGE / "enquiries" / "management" / "commands" / "x.py") == "commands"
    assert app_of(PACKAGE / "enquiries" / "answering.py") == "enquiries"
    assert models_by_app()["Deal"] == "sales"
