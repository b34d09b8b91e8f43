"""The agents package layout: one folder per method (kato/, gadsg/, rl/), every method
registered once by agents.registration, no problem-name branches, and the old flat module
paths still importable (DeprecationWarning, the very same module objects) for one release."""

import ast
import importlib
import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from agents._deprecated import MOVED

AGENTS_DIR = Path(__file__).resolve().parents[2] / "agents"


ALIAS_CHECK = """
import importlib, json, sys, warnings
failures = []
for old, new in json.loads(sys.argv[1]).items():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        module = importlib.import_module(old)
    msgs = [str(x.message) for x in w if x.category is DeprecationWarning]
    if not any(old in m and new.partition(".register")[0] in m for m in msgs):
        failures.append(f"{old}: no DeprecationWarning naming {new}: {msgs}")
    if old != "agents.policies" and module is not importlib.import_module(new):
        failures.append(f"{old} is not {new}")
from offload_gym.core.registry import _METHODS  # agents.policies still registers
if ("vec", "kato") not in _METHODS or ("laenet", "grlo") not in _METHODS:
    failures.append("agents.policies did not register the methods")
assert not failures, failures
"""


def test_old_module_paths_alias_the_new_modules():
    """In a fresh process (an alias is made on first import): every old path warns naming
    its new one and IS the new module object (agents.policies: warns and registers)."""
    subprocess.run([sys.executable, "-c", ALIAS_CHECK, json.dumps(MOVED)], check=True)


def test_old_kato_module_names_warn_and_resolve():
    from agents.kato import model

    with pytest.warns(DeprecationWarning, match=r"agents\.kato\.model\.AttenSelect"):
        from agents.kato import AttenSelect
    assert AttenSelect is model.AttenSelect
    with pytest.raises(AttributeError):
        importlib.import_module("agents.kato").no_such_name  # noqa: B018


def test_every_method_registered_once_with_all_hooks():
    from agents.registration import method_packages
    from offload_gym.core.registry import get_method, get_trainer

    names = [m for pkg in method_packages() for m in pkg.METHODS]
    assert len(names) == len(set(names)) == 8
    for pkg in method_packages():
        for name in pkg.METHODS:
            for problem in pkg.PROBLEMS:
                m = get_method(problem, name)
                assert m.solve == f"{pkg.POLICY_MODULE}:solve_{name}"
                assert m.policy == f"{pkg.POLICY_MODULE}:policy_factory"
                assert dict(m.policy_defaults) == {"method": name}
            assert callable(get_trainer(name))


def _compares_to_a_problem_name(node: ast.AST) -> bool:
    if not isinstance(node, ast.Compare):
        return False
    return any(isinstance(c, ast.Constant) and c.value in ("vec", "laenet")
               for c in (node.left, *node.comparators))


def test_no_problem_name_branches_in_agents():
    """Method code knows its problem through the method package's PROBLEM(S) constants or the
    Problem registry, never by comparing with a problem's name."""
    hits = []
    for path in sorted(AGENTS_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text())
        hits += [f"{path.relative_to(AGENTS_DIR)}:{n.lineno}" for n in ast.walk(tree)
                 if _compares_to_a_problem_name(n)]
    assert hits == []


def test_flat_layout_gone():
    """Every remaining top-level module is a shim, the registration or shared plumbing."""
    top = {p.stem for p in AGENTS_DIR.glob("*.py")}
    shims = {old.rpartition(".")[2] for old in MOVED}
    assert top - shims == {"__init__", "_deprecated", "registration", "cli_common"}
    for stem in shims - {"policies"}:
        assert "alias_module(__name__" in (AGENTS_DIR / f"{stem}.py").read_text()


def test_warning_points_at_the_importer():
    sys.modules.pop("agents.vec_features", None)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        import agents.vec_features  # noqa: F401
    dep = [x for x in w if x.category is DeprecationWarning and "vec_features" in str(x.message)]
    assert [Path(x.filename).name for x in dep] == [Path(__file__).name]


SHIPPED_RL_LOAD = """
import sys, warnings
from pathlib import Path
from agents.rl.common import load_model
from agents.rl.extractor import GraphExtractor
for path in sorted(Path(sys.argv[1]).glob("rl_*.zip")):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        model, meta = load_model(path)
    old_paths = [str(x.message) for x in w if "agents." in str(x.message)]
    assert not old_paths, (path.name, old_paths)
    extractor = model.policy.features_extractor
    assert isinstance(extractor, GraphExtractor) == path.name.startswith("rl_grlo"), path.name
print("ok")
"""


def test_shipped_rl_checkpoints_load_through_the_old_pickled_path():
    """The shipped SB3 zips pickle agents.gnn_extractor.GraphExtractor (the flat layout): in a
    fresh process they load, quietly, into the class of agents.rl.extractor."""
    assert b"agents.gnn_extractor" in _pickled_policy_kwargs(AGENTS_DIR / "checkpoints"
                                                             / "rl_grlo_vec_kato2025_n20.zip")
    out = subprocess.run([sys.executable, "-c", SHIPPED_RL_LOAD, str(AGENTS_DIR / "checkpoints")],
                         check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "ok"


def _pickled_policy_kwargs(path: Path) -> bytes:
    import base64
    import zipfile

    data = json.loads(zipfile.ZipFile(path).read("data"))
    return base64.b64decode(data["policy_kwargs"][":serialized:"])
