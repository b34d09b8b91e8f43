"""Learned agents for offload-gym (KATO, GADSG/GDSG, graph RL).

Depends on ``offload_gym``, never the reverse. Importing this package only registers the
agents' solver names (strings, imported lazily), so that ``offload-gym solve --solver kato``
and the evaluation harness find them without loading torch up front.
"""

from offload_gym.core.registry import register_solver, register_trainer

# name -> (module, description); each module defines solve_<name>(scenario) and
# policy_factory(problem, method, name=None, checkpoint=None).
VEC_AGENTS = {
    "kato": ("agents.vec_policy", "KATO (faithful): AttenSelect, p >= 0.5, equal-finish"),
    "kato_plus": ("agents.vec_policy", "KATO+ (ours): physical features, best-prefix decoding"),
    "sa": ("agents.vec_policy", "SA ablation: standard attention without prefix knowledge"),
    "mlp": ("agents.vec_policy", "MLP baseline: one hidden layer of 5 units"),
}
LAENET_AGENTS = {
    "gadsg": ("agents.gadsg_policy", "GADSG: graph-attention hybrid diffusion"),
    "gdsg": ("agents.gadsg_policy", "GDSG: the same diffusion with a GCN-style encoder"),
}
# RL agents (agents.rl_policy, trained by agents.rl_train): the same names for both problems
RL_AGENTS = {
    "grlo": ("agents.rl_policy", "GRLO-style masked PPO, GATv2 graph actor-critic"),
    "ppo": ("agents.rl_policy", "masked PPO, MLP on the flattened observation"),
}
for _problem, _agents in (("vec", VEC_AGENTS), ("laenet", LAENET_AGENTS),
                          ("vec", RL_AGENTS), ("laenet", RL_AGENTS)):
    for _name, (_module, _desc) in _agents.items():
        register_solver(_problem, _name, f"{_module}:solve_{_name}", _desc)

# `offload-gym train NAME ...` -> NAME's main(argv)
TRAINERS = {
    **{name: ("agents.train_cli:main", f"supervised VEC selector: {desc}")
       for name, (_, desc) in VEC_AGENTS.items()},
    "gadsg": ("agents.gadsg_train:main", "GADSG diffusion model on certified LAENet optima"),
    "gdsg": ("agents.gadsg_train:main", "GDSG (GCN encoder) on certified LAENet optima"),
    **{name: ("agents.rl_train:main", desc) for name, (_, desc) in RL_AGENTS.items()},
}
for _name, (_target, _desc) in TRAINERS.items():
    register_trainer(_name, _target, _desc)
