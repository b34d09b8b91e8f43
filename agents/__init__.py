"""Learned agents for offload-gym (KATO, GADSG/GDSG, graph RL).

Depends on ``offload_gym``, never the reverse. Importing this package only registers the
agents' solver names (strings, imported lazily), so that ``offload-gym solve --solver kato``
and the evaluation harness find them without loading torch up front.
"""

from offload_gym.core.registry import register_solver

_VEC_AGENTS = {
    "kato": "KATO (faithful): AttenSelect, p >= 0.5, equal-finish allocation",
    "kato_plus": "KATO+ (ours): physical features, best-prefix decoding",
    "sa": "SA ablation: standard attention without prefix knowledge",
    "mlp": "MLP baseline: one hidden layer of 5 units",
}
for _name, _desc in _VEC_AGENTS.items():
    register_solver("vec", _name, f"agents.vec_policy:solve_{_name}", _desc)
