"""The one methods registry: each (problem, name) once with all its hooks, entry-point
plug-ins, aliases, problem-less methods, and the policies built from the hooks."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import warnings

import pytest

from offload_gym.core import registry
from offload_gym.core.errors import SolverError
from offload_gym.core.registry import (
    MethodRegistrationError,
    get_method,
    get_solver,
    methods,
    register_alias,
    register_method,
    solver_names,
)
from offload_gym.evaluation import get_policy, policy_names
from offload_gym.evaluation.policy import has_batched_act

DECC = "offload_gym.vec.solvers.baselines:solve_decc"


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    """Registrations made by a test vanish after it."""
    registry.load_methods()
    monkeypatch.setattr(registry, "_METHODS", dict(registry._METHODS))
    monkeypatch.setattr(registry, "_ALIASES", dict(registry._ALIASES))


def test_each_name_once_with_all_its_hooks() -> None:
    keys = [(m.problem, m.name) for m in methods()]
    assert len(keys) == len(set(keys))
    exact = get_method("vec", "exact")
    assert exact.solve and exact.solve_batch and exact.description
    assert get_method("laenet", "random").policy and get_method("laenet", "random").solve is None
    assert "random" not in solver_names("vec") and "random" in policy_names("vec")


def test_a_name_registered_twice_with_other_hooks_is_refused(isolated: None) -> None:
    first = register_method("vec", "twice", solve=DECC, description="d")
    assert register_method("vec", "twice", solve=DECC, description="d") == first  # no-op
    with pytest.raises(MethodRegistrationError, match="'twice' is already registered"):
        register_method("vec", "twice", solve="offload_gym.vec.solvers.baselines:solve_lb")
    with pytest.raises(MethodRegistrationError, match="at least one of"):
        register_method("vec", "hookless")
    with pytest.raises(MethodRegistrationError, match="plain name"):
        register_method("vec", "a:b", solve=DECC)


def test_problem_less_method_and_aliases(isolated: None) -> None:
    register_method(None, "everywhere", policy="offload_gym.evaluation.policy:SolverPolicy",
                    policy_defaults={"solver_name": "exact"})
    for problem in ("vec", "laenet"):
        p = get_policy(problem, "everywhere")
        assert p.problem == problem and p.solver_name == "exact" and p.name == "everywhere"
    assert get_solver("vec", "pyomo") is get_solver("vec", "milp")  # one Pyomo name
    register_alias("vec", "old-decc", "decc")
    with pytest.warns(DeprecationWarning, match="'old-decc'"):
        assert get_solver("vec", "old-decc") is get_solver("vec", "decc")
    with pytest.raises(SolverError, match="unknown solver 'nope'"):
        get_solver("vec", "nope")


def test_policy_from_solve_batch_hook_is_batched() -> None:
    from offload_gym.vec import generate
    from offload_gym.vec.solvers.exact import solve_exact

    p = get_policy("vec", "exact")
    assert has_batched_act(p) and not has_batched_act(get_policy("vec", "decc"))
    scs = [generate(n, seed=s) for s, n in enumerate((5, 7, 5))]
    batch = p.act_batch(scs)
    for sc, sol in zip(scs, batch, strict=True):
        one = solve_exact(sc)
        assert sol.selected == one.selected and sol.completion_time_s == one.completion_time_s


def test_moved_names_still_import_with_a_warning() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        from offload_gym.evaluation import LaenetRandomPolicy, VecExactPolicy
        from offload_gym.evaluation.metrics import score_vec
    assert VecExactPolicy().batched and LaenetRandomPolicy().problem == "laenet"
    assert score_vec.__module__ == "offload_gym.vec.scoring"
    assert sum(issubclass(w.category, DeprecationWarning) for w in caught) >= 3


def test_entry_point_plugin_registers_its_methods(tmp_path) -> None:
    """An outside package registers through the offload_gym.methods group: its method is
    then a solver, a policy and a trainer in a fresh process, with no import of it by name."""
    pkg = tmp_path / "ep_plugin"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(textwrap.dedent(f"""
        from offload_gym.core.registry import register_method

        def register():
            register_method("vec", "ep-agent", description="from an entry point",
                            solve={DECC!r}, trainer="ep_plugin:train")

        def train(argv):
            print("trained", argv)
            return 0
    """))
    dist = tmp_path / "ep_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: ep-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[offload_gym.methods]\nep = ep_plugin:register\n")
    code = ("import json; from offload_gym.core.registry import solver_names, get_method;"
            "from offload_gym.evaluation import get_policy;"
            "from offload_gym.cli import main; main(['train', 'ep-agent', '--x']);"
            "print(json.dumps([solver_names('vec'), get_policy('vec', 'ep-agent').solver_name,"
            " get_method('vec', 'ep-agent').description]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**_env(), "PYTHONPATH": str(tmp_path)}).stdout
    lines = out.strip().splitlines()
    assert lines[0] == "trained ['ep-agent', '--x']"
    names, solver, desc = json.loads(lines[-1])
    assert "ep-agent" in names and "exact" in names and "kato" in names
    assert solver == "ep-agent" and desc == "from an entry point"


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
