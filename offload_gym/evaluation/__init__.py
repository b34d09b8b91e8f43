"""One evaluation harness for every policy (solvers, baselines, learned agents).

``Policy`` protocol and adapters (:mod:`policy`), policy names over the one methods
registry (:mod:`registry`), scoring through each problem's ``scoring`` hook
(:mod:`metrics`), the harness (:mod:`harness`), tables (:mod:`tables`) and figures
(:mod:`plots`, matplotlib imported lazily). See docs/evaluation.md.
"""

from offload_gym.evaluation import registry
from offload_gym.evaluation.harness import PolicyResult, evaluate_policies, evaluate_policy
from offload_gym.evaluation.policy import BasePolicy, Policy, SolverPolicy
from offload_gym.evaluation.registry import (
    get_policy,
    parse_policy_spec,
    policy_entries,
    policy_names,
    register_policy,
)
from offload_gym.evaluation.tables import to_csv, to_markdown, write_tables

__all__ = [
    "BasePolicy",
    "Policy",
    "PolicyResult",
    "SolverPolicy",
    "evaluate_policies",
    "evaluate_policy",
    "get_policy",
    "parse_policy_spec",
    "policy_entries",
    "policy_names",
    "register_policy",
    "registry",
    "to_csv",
    "to_markdown",
    "write_tables",
]


_MOVED = {"VecExactPolicy", "VecRandomPolicy", "LaenetRandomPolicy"}


def __getattr__(name: str) -> object:
    if name in _MOVED:  # moved to the problem packages; the policy module warns
        from offload_gym.evaluation import policy

        return getattr(policy, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
