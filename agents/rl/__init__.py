"""Graph RL agents (``grlo``, ``ppo``): masked PPO on the offload_gym envs of every problem.
"""

PROBLEMS = ("vec", "laenet")  # the problems whose envs the RL agents are trained on
# method name -> one-line description (solvers, policies and trainers are registered under it)
METHODS: dict[str, str] = {
    "grlo": "GRLO-style masked PPO, GATv2 graph actor-critic",
    "ppo": "masked PPO, MLP on the flattened observation",
}
POLICY_MODULE = "agents.rl_policy"
TRAINER = "agents.rl_train:main"
TRAINER_DESCRIPTIONS = dict(METHODS)
