"""The layout rules of docs/architecture.md, checked with the standard library only.

* No problem-name branches (``problem == "vec"``, ``in ("vec", "laenet")``, ``case
  "laenet":``) outside the problem packages: the other layers go through the Problem
  registry.
* No import cycle among the ``offload_gym`` modules (every import statement counts,
  function-level ones included; ``if TYPE_CHECKING:`` blocks do not).
* Each problem's env module (the modules its env ids name) stays under 300 lines.
* ``import offload_gym`` (and the Gymnasium registration) stays light.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from offload_gym.core.problem import BUILTIN_PROBLEMS, load_ref, problems

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "offload_gym"
PROBLEM_NAMES = frozenset(BUILTIN_PROBLEMS)
# where a problem may name itself: its own package
PROBLEM_DIRS = tuple(PACKAGE / name for name in PROBLEM_NAMES)
SCANNED = (PACKAGE, ROOT / "agents")
ENV_MODULE_MAX_LINES = 300


def _sources(*roots: Path) -> Iterator[Path]:
    for root in roots:
        yield from sorted(p for p in root.rglob("*.py") if "checkpoints" not in p.parts)


def _names_a_problem(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return node.value in PROBLEM_NAMES
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_names_a_problem(e) for e in node.elts)
    return False


def problem_branches(path: Path) -> list[str]:
    """``path:line`` of every comparison with, or match case on, a problem's name."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Compare):
            hit = any(_names_a_problem(n) for n in (node.left, *node.comparators))
        elif isinstance(node, ast.MatchValue):
            hit = _names_a_problem(node.value)
        else:
            continue
        if hit:
            out.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
    return out


def test_no_problem_name_branches_outside_the_problem_packages():
    found = [hit for path in _sources(*SCANNED)
             if not any(d in path.parents for d in PROBLEM_DIRS)
             for hit in problem_branches(path)]
    assert found == [], "branch on a problem's name; use the Problem registry:\n" + \
        "\n".join(found)


def test_the_branch_finder_finds_branches(tmp_path):
    src = tmp_path / "x.py"
    src.write_text('if p == "vec":\n    pass\nif p in ("a", "laenet"):\n    pass\n'
                   'match p:\n    case "laenet":\n        pass\nif p == "other":\n    pass\n')
    hits = [h.split(":")[1] for h in _branches_in(src, tmp_path)]
    assert hits == ["1", "3", "6"]


def _branches_in(path: Path, root: Path) -> list[str]:
    global ROOT
    saved, ROOT = ROOT, root
    try:
        return problem_branches(path)
    finally:
        ROOT = saved


# ------------------------------------------------------------------------ import graph
def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, module: str, known: set[str]) -> set[str]:
    """The package modules ``module`` imports (``from pkg import sub`` counts as ``pkg.sub``;
    a parent package imported implicitly does not count)."""
    is_package = path.name == "__init__.py"
    out: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for stmt in child.orelse:
                    visit(stmt)
                continue
            if isinstance(child, ast.Import):
                out.update(a.name for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = module.split(".")[: len(module.split(".")) + is_package
                                                - child.level]
                    source = ".".join(base + ([child.module] if child.module else []))
                else:
                    source = child.module or ""
                subs = {f"{source}.{a.name}" for a in child.names} & known
                out.update(subs)
                if len(subs) < len(child.names):
                    out.add(source)
            visit(child)

    visit(ast.parse(path.read_text(), str(path)))
    return {m for m in out if m in known and m != module}


def import_graph(root: Path) -> dict[str, set[str]]:
    files = {_module_name(p): p for p in _sources(root)}
    known = set(files)
    return {m: _imports(p, m, known) for m, p in files.items()}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(graph) + 100))
    try:
        for v in sorted(graph):
            if v not in index:
                connect(v)
    finally:
        sys.setrecursionlimit(limit)
    return cycles


def test_no_import_cycle_in_the_package():
    graph = import_graph(PACKAGE)
    assert "offload_gym.core.problem" in graph and len(graph) > 50
    assert import_cycles(graph) == []


def test_the_cycle_finder_finds_a_lazy_cycle(tmp_path):
    pkg = tmp_path / "p"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from p.b import f\n")
    (pkg / "b.py").write_text("def f():\n    from p import a\n")
    (pkg / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                              "    from p import a\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        graph = import_graph(pkg)
    finally:
        ROOT = saved
    assert graph["p.c"] == set()
    assert import_cycles(graph) == [["p.a", "p.b"]]


def test_the_package_never_imports_agents():
    graph_targets = set()
    for path in _sources(PACKAGE):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                graph_targets |= {f"{path.name}: {a.name}" for a in node.names
                                  if a.name.split(".")[0] == "agents"}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                if node.module.split(".")[0] == "agents":
                    graph_targets.add(f"{path.name}: {node.module}")
    assert graph_targets == set()


# ------------------------------------------------------------------------ env modules
def _env_modules() -> list[str]:
    return sorted({target.partition(":")[0] for p in problems() for target in p.env_ids.values()})


@pytest.mark.parametrize("module", _env_modules())
def test_env_module_is_short(module):
    path = Path(load_ref(module).__file__)
    n_lines = len(path.read_text().splitlines())
    assert n_lines < ENV_MODULE_MAX_LINES, f"{path.relative_to(ROOT)}: {n_lines} lines"


def test_import_offload_gym_stays_light():
    code = ("import sys, offload_gym, gymnasium as gym\n"
            "heavy = [m for m in ('torch', 'pyomo', 'agents', 'offload_gym.vec.env', "
            "'offload_gym.laenet.env', 'offload_gym.datasets') if m in sys.modules]\n"
            "assert not heavy, heavy\n"
            "assert 'offload_gym/VEC-v0' in gym.registry\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
