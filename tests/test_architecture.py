"""The house rules that keep the pipeline readable: no import cycles, light lower layers.

The layer contracts themselves are checked by import-linter (``lint-imports``, see
pyproject.toml); these tests add what a layer contract does not catch: cycles between
modules of one package, with imports inside functions counted too (deferring an
import does not remove a cycle).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import REPO

PACKAGE = REPO / "grader"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Every grader module ``name`` imports, at any depth of its code (functions included)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    table = modules()
    known = set(table)
    return {name: imports_of(name, path, known) for name, path in table.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in edges.get(node, ()):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def reachable(edges: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        for succ in edges.get(node, ()):
            if succ not in seen:
                seen.add(succ)
                todo.append(succ)
    return seen


def test_the_graph_finds_a_known_edge():
    edges = graph()
    assert "grader.rubric.model" in edges["grader.rubric.loader"]
    assert "grader.sandbox.worker" in edges["grader.sandbox.zygote_process"]


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_between_modules():
    assert cycles(graph()) == []


def test_no_import_cycle_between_packages():
    edges = graph()
    packages: dict[str, set[str]] = {}
    for source, targets in edges.items():
        top = ".".join(source.split(".")[:2])
        packages.setdefault(top, set()).update(".".join(t.split(".")[:2]) for t in targets)
    for top, targets in packages.items():
        targets.discard(top)
    packages.pop("grader", None)
    for targets in packages.values():
        targets.discard("grader")
    assert cycles(packages) == []


def test_the_rubric_reaches_no_sandbox_checks_or_reports():
    reached = reachable(graph(), "grader.rubric.loader")
    assert not {m for m in reached if m.startswith(("grader.sandbox", "grader.checks", "grader.report",
                                                    "grader.session", "grader.grading"))}


def test_the_sandbox_reaches_no_rubric_code():
    edges = graph()
    for start in ("grader.sandbox.zygote_process", "grader.sandbox.worker", "grader.sandbox.launcher"):
        reached = reachable(edges, start)
        outside = {m for m in reached if not m.startswith("grader.sandbox")}
        assert outside <= {"grader", "grader.text", "grader.testpoint"}, start  # standard-library-only leaves


@pytest.mark.sandbox
def test_importing_the_rubric_loads_no_sandbox_module_at_run_time():
    code = ("import sys; import grader.rubric.loader; "
            "print(sorted(m for m in sys.modules if m.startswith(('grader.sandbox', 'rich', 'jsonschema'))))")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
