"""Graph RL agents (``grlo``, ``ppo``): masked PPO on the offload_gym envs of every problem.

- :mod:`agents.rl.common`: env construction (the envs' shaped reward), the per-env profiles
  (:data:`agents.rl.common.ENV_PROFILES`: every env-specific detail), rollouts, metadata;
- :mod:`agents.rl.extractor`: the GATv2 graph feature extractor of ``grlo``;
- :mod:`agents.rl.train`: training (``offload-gym train grlo|ppo``);
- :mod:`agents.rl.policy`: a trained agent as a solver / evaluation policy;
- :mod:`agents.rl.stream`: the VECStream-v0 agent as the stream policy ``grlo`` and its
  training-time evaluation (returns on fixed traces vs the myopic oracle);
- :mod:`agents.rl.report`: the curves and tables of docs/results-rl.md
  (``python -m agents.rl.report``).
"""

PROBLEMS = ("vec", "laenet")  # the problems whose envs the RL agents are trained on
# method name -> one-line description (solvers, policies and trainers are registered under it)
METHODS: dict[str, str] = {
    "grlo": "GRLO-style masked PPO, GATv2 graph actor-critic",
    "ppo": "masked PPO, MLP on the flattened observation",
}
POLICY_MODULE = "agents.rl.policy"
TRAINER = "agents.rl.train:main"
TRAINER_DESCRIPTIONS = dict(METHODS)
