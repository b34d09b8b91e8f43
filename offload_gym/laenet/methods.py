"""LAENet's built-in methods, registered once each in the methods registry (strings only:
nothing is imported until a method is used). ``Problem.methods`` points at the package,
whose ``__init__`` imports this module."""

from __future__ import annotations

from offload_gym.core.registry import register_method

_S = "offload_gym.laenet.solvers"
SOLVERS = {
    "brute": (f"{_S}.brute:solve_brute", "exhaustive enumeration (tiny instances)"),
    "exact": (f"{_S}.exact:solve_exact", "certified optimum: set-partition MILP (HiGHS)"),
    "pyomo": (f"{_S}.pyomo_model:solve_pyomo", "Pyomo model, any installed solver by name"),
    "mcmf": (f"{_S}.heuristics:solve_mcmf",
             "paper's min-cost-flow label generator + water-filling"),
    "greedy": (f"{_S}.heuristics:solve_greedy", "greedy by regret"),
    "local-search": (f"{_S}.heuristics:solve_local_search", "1-move / swap local search"),
    "re": (f"{_S}.heuristics:solve_re", "random feasible, best of 8 (RE baseline)"),
    "ao": (f"{_S}.heuristics:solve_ao", "alternating optimisation (AO baseline)"),
}


def register() -> None:
    """Register every built-in LAENet method (idempotent)."""
    for name, (target, description) in SOLVERS.items():
        register_method("laenet", name, description=description, solve=target)
    register_method("laenet", "random",
                    description="random feasible assignment, water-filling shares",
                    policy="offload_gym.laenet.policies:LaenetRandomPolicy")


register()
