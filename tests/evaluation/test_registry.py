"""Policy registry: built-in names, spec parsing, the lazy plug-in hook, a light import."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from offload_gym.core import registry as core_registry
from offload_gym.core.errors import SolverError
from offload_gym.evaluation import (
    Policy,
    SolverPolicy,
    get_policy,
    parse_policy_spec,
    policy_names,
    register_policy,
    registry,
)

BUILTIN = {"vec": {"exact", "milp", "decc", "lb", "local", "all_rsus", "random"},
           "laenet": {"exact", "brute", "mcmf", "greedy", "local-search", "re", "ao", "random"}}


def test_builtin_names():
    for problem, names in BUILTIN.items():
        assert names <= set(policy_names(problem))
        for name in sorted(names):
            p = get_policy(problem, name)
            assert isinstance(p, Policy) and p.problem == problem and p.name == name


def test_spec_parsing():
    assert parse_policy_spec("decc:rule=equal_finish:mobcheck=true") == \
        ("decc", {"rule": "equal_finish", "mobcheck": True})
    assert parse_policy_spec("random:seed=3") == ("random", {"seed": 3})
    assert parse_policy_spec("pkg.mod:make:k=1.5") == ("pkg.mod:make", {"k": 1.5})
    with pytest.raises(SolverError):
        parse_policy_spec("decc:oops")
    p = get_policy("vec", "decc:mobcheck=true")
    assert isinstance(p, SolverPolicy) and p.solver_kwargs == {"mobcheck": True}
    with pytest.raises(SolverError, match="unknown policy"):
        get_policy("vec", "no-such-policy")


def test_plugin_hook_registers_lazily(tmp_path, monkeypatch):
    pkg = tmp_path / "my_agents_plugin"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "policies.py").write_text(textwrap.dedent("""
        from offload_gym.evaluation import register_policy
        register_policy("my-agent", "my_agents_plugin.policies:load", problem="vec")

        def load(problem, name="my-agent", **kw):
            from offload_gym.evaluation import SolverPolicy
            return SolverPolicy(problem, "decc", name=name, **kw)
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv(registry.PLUGIN_ENV, "my_agents_plugin.policies")
    monkeypatch.setattr(core_registry, "_plugins_loaded", False)
    p = get_policy("vec", "my-agent")
    assert p.name == "my-agent" and p.solver_name == "decc"
    direct = get_policy("vec", "my_agents_plugin.policies:load:mobcheck=true")
    assert direct.solver_kwargs == {"mobcheck": True}


def test_register_policy_by_name():
    register_policy("decc-mc", "offload_gym.evaluation.policy:SolverPolicy", "vec",
                    solver_name="decc", mobcheck=True)
    p = get_policy("vec", "decc-mc")
    assert p.solver_kwargs == {"mobcheck": True} and p.name == "decc-mc"


def test_import_stays_light():
    code = ("import sys, offload_gym, offload_gym.datasets, offload_gym.evaluation; "
            "heavy = [m for m in ('torch', 'dask', 'distributed', 'matplotlib', 'pyomo', "
            "'torch_geometric', 'agents') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
