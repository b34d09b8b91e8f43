"""VEC's built-in methods, registered once each in the methods registry (strings only:
nothing is imported until a method is used). ``Problem.methods`` points at the package,
whose ``__init__`` imports this module."""

from __future__ import annotations

from offload_gym.core.registry import register_alias, register_method

_S = "offload_gym.vec.solvers"
SOLVERS = {
    "exact": (f"{_S}.exact:solve_exact", "certified optimum (fast exact algorithm)"),
    "milp": (f"{_S}.milp:solve_milp", "Pyomo MILP, one model per m (HiGHS by default)"),
    "brute": (f"{_S}.brute:solve_brute", "enumerate every subset (n <= 12)"),
    "local": (f"{_S}.baselines:solve_local", "vehicle only"),
    "all_rsus": (f"{_S}.baselines:solve_all_rsus", "vehicle + every RSU"),
    "decc": (f"{_S}.baselines:solve_decc", "vehicle + best single RSU (DECC)"),
    "lb": (f"{_S}.baselines:solve_lb", "all RSUs in proportion to CPU (LB)"),
}
BATCHED = {"exact": "offload_gym.vec.policies:solve_exact_list"}


def register() -> None:
    """Register every built-in VEC method (idempotent)."""
    for name, (target, description) in SOLVERS.items():
        register_method("vec", name, description=description, solve=target,
                        solve_batch=BATCHED.get(name))
    register_method("vec", "random", description="random selection, optimal-rule allocation",
                    policy="offload_gym.vec.policies:VecRandomPolicy")
    # "pyomo" names the Pyomo model on every problem (LAENet's name); VEC's is "milp".
    register_alias("vec", "pyomo", "milp", deprecated=False)


register()
