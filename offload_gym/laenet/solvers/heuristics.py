"""LAENet heuristics (SPEC-LAENET.md "Reference solvers", (c)): the registry's entry point.

The algorithms live in small sibling modules; this module re-exports them under the names
registered in ``offload_gym.laenet`` (``"offload_gym.laenet.solvers.heuristics:solve_*"``):

- :func:`solve_mcmf` ("mcmf", ``mcmf.py``): the paper's min-cost-flow label generator over
  K share guesses, then water-filling; our reading of the server capacity is documented there.
- :func:`solve_greedy` ("greedy", ``greedy.py``): greedy by regret, forced users first.
- :func:`solve_local_search` ("local-search", ``greedy.py``): best-improvement 1-move/swap
  descent from the greedy solution or a given start.
- :func:`solve_re` ("re", ``baselines.py``): best of 8 random feasible assignments.
- :func:`solve_ao` ("ao", ``baselines.py``): alternating fixed-share assignment / water-filling.

Every heuristic returns either a VALID solution with Status.FEASIBLE or a FAILED one
(Status.FAILED, cost inf); answers are built through ``make_solution`` (so ``evaluate``).
Seeded heuristics (mcmf, re) are deterministic for a given int seed.
"""

from offload_gym.laenet.solvers.baselines import solve_ao, solve_re
from offload_gym.laenet.solvers.greedy import solve_greedy, solve_local_search
from offload_gym.laenet.solvers.mcmf import solve_mcmf

HEURISTICS = ("mcmf", "greedy", "local-search", "re", "ao")

__all__ = [
    "HEURISTICS",
    "solve_ao",
    "solve_greedy",
    "solve_local_search",
    "solve_mcmf",
    "solve_re",
]
