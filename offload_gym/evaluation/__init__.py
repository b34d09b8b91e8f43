"""One evaluation harness for every policy (solvers, baselines, learned agents).

``Policy`` protocol and adapters (:mod:`policy`), the policy registry with a lazy hook for
the agents package (:mod:`registry`), scoring through each problem's ``evaluate()``
(:mod:`metrics`), the harness (:mod:`harness`), tables (:mod:`tables`) and figures
(:mod:`plots`, matplotlib imported lazily). See docs/evaluation.md.
"""

from offload_gym.evaluation.harness import PolicyResult, evaluate_policies, evaluate_policy
from offload_gym.evaluation.policy import (
    BasePolicy,
    LaenetRandomPolicy,
    Policy,
    SolverPolicy,
    VecExactPolicy,
    VecRandomPolicy,
)
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
    "LaenetRandomPolicy",
    "Policy",
    "PolicyResult",
    "SolverPolicy",
    "VecExactPolicy",
    "VecRandomPolicy",
    "evaluate_policies",
    "evaluate_policy",
    "get_policy",
    "parse_policy_spec",
    "policy_entries",
    "policy_names",
    "register_policy",
    "to_csv",
    "to_markdown",
    "write_tables",
]
