"""Plug-in for the evaluation harness: registers the agents' policy names lazily
(``offload_gym.evaluation.registry`` imports this module when a name is unknown)."""

from agents import _VEC_AGENTS
from offload_gym.evaluation.registry import register_policy

for _name, _desc in _VEC_AGENTS.items():
    register_policy(_name, "agents.vec_policy:policy_factory", problem="vec",
                    description=_desc, method=_name)
