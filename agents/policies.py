"""Plug-in for the evaluation harness: registers the agents' policy names lazily
(``offload_gym.evaluation.registry`` imports this module when a name is unknown)."""

from agents import LAENET_AGENTS, RL_AGENTS, VEC_AGENTS
from offload_gym.evaluation.registry import register_policy

for _problem, _agents in (("vec", VEC_AGENTS), ("laenet", LAENET_AGENTS),
                          ("vec", RL_AGENTS), ("laenet", RL_AGENTS)):
    for _name, (_module, _desc) in _agents.items():
        register_policy(_name, f"{_module}:policy_factory", problem=_problem,
                        description=_desc, method=_name)
