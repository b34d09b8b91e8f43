"""Single-file, CleanRL-style masked PPO (torch only) on the native offload-gym vector envs.

For users who want speed without stable-baselines3's per-step overhead: one readable file,
no SB3 rollout buffer or distribution classes. It trains a masked categorical actor-critic on
a ``Discrete``-action env whose vector env exposes ``action_masks()`` -> bool [B, n_actions]
(``offload_gym/VEC-v0``)::

    python -m agents.rl.cleanrl_ppo --env offload_gym/VEC-v0 --n-rsus 5 --num-envs 64 \\
        --timesteps 20000 --out runs/cleanrl_vec

Loop (per iteration): ``num_steps`` lock-step steps of the native vector env
(``gym.make_vec(id, num_envs=B, vectorization_mode="vector_entry_point")``, one numpy ->
torch conversion of the whole batch per step), GAE(lambda), then ``update_epochs`` passes of
the clipped PPO objective + value loss - entropy bonus over shuffled minibatches, with the
invalid actions' logits set to -1e9 (probability 0: the policy never samples a masked
action; finite, so the entropy's gradient stays finite).

Autoreset: the vector env uses Gymnasium's ``NEXT_STEP`` mode, so the step after a sub-env's
last one is a reset step (its action is ignored, reward 0). Those samples are kept in the
buffer for shape but excluded from every loss (``valid`` = "the previous step did not end
the episode"), and the advantage chain is cut at the terminal step. Truncations are treated
as terminations (the one-shot envs never truncate).

Network: :class:`~agents.rl.extractor.GraphExtractor` with ``dense=True`` (batched GATv2 on
the padded tensors) or ``--arch mlp`` (MLP on the concatenated flattened observation), then
linear actor and critic heads. Reward: the envs' shaped reward (``reward_fn="shaped"``, as
``grlo``), so the return is the log time ratio to local execution.

Output: ``DIR/model.pt`` (``torch.save`` of ``{"state_dict", "metadata"}``; the metadata
holds the command, env id and kwargs, network kwargs, hyper-parameters, steps/s and the
evaluation) and ``DIR/metadata.json`` (the same metadata). Evaluation: mean optimality ratio
(policy time / certified optimum, lower is better, 1 = optimal) of the greedy policy on
``--eval-episodes`` fixed scenarios (sub-env i of the eval env reset with seed
``eval_seed + i``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

import offload_gym  # noqa: F401  (registers the env ids)
from agents.rl.common import default_env_kwargs, env_profile, make_env, problem_of
from offload_gym.evaluation.policy import BasePolicy

INT_KEYS = ("edge_index", "decision_index")  # observation keys kept as integer tensors
MASKED_LOGIT = -1e9  # logit of an invalid action: probability 0, finite (no NaN gradients)


# ---------------------------------------------------------------------------- config
@dataclass
class PPOConfig:
    """Hyper-parameters (CleanRL's names)."""

    num_envs: int = 64
    num_steps: int = 16           # steps per sub-env per rollout
    total_timesteps: int = 20_000
    learning_rate: float = 1e-3
    gamma: float = 1.0            # one-shot episodes: undiscounted
    gae_lambda: float = 0.95
    num_minibatches: int = 8      # 128 samples each at the default 64 x 16
    update_epochs: int = 4
    clip_coef: float = 0.2
    ent_coef: float = 0.01
    vf_coef: float = 0.5
    max_grad_norm: float = 0.5
    seed: int = 0
    arch: str = "graph"           # "graph" (dense GATv2) or "mlp"
    hidden: int = 32


# ---------------------------------------------------------------------------- env
def make_vector_env(env_id: str, num_envs: int, env_kwargs: Mapping[str, Any] | None = None,
                    *, compute_optimum: bool = False) -> gym.vector.VectorEnv:
    """The native vector env with the shaped reward and the RL agents' default kwargs."""
    profile = env_profile(env_id)
    if profile.stream:
        raise ValueError(f"cleanrl_ppo supports the one-shot envs, got {env_id!r}")
    kwargs = {"reward_fn": "shaped", **default_env_kwargs(env_id), **(env_kwargs or {}),
              "compute_optimum": compute_optimum, "solution_info": False}
    envs = gym.make_vec(env_id, num_envs=num_envs, vectorization_mode="vector_entry_point",
                        **kwargs)
    if not isinstance(envs.single_action_space, gym.spaces.Discrete):
        raise ValueError(f"cleanrl_ppo needs a Discrete action space, {env_id!r} has "
                         f"{envs.single_action_space}")
    return envs


def obs_to_torch(obs: Mapping[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """One conversion of a batched observation dict: float32 tensors (int64 for indices)."""
    return {k: torch.as_tensor(v, dtype=torch.long if k in INT_KEYS else torch.float32)
            for k, v in obs.items()}


def masks_to_torch(masks: np.ndarray) -> torch.Tensor:
    """bool [B, A]; a row without any valid action (a terminal observation) allows all."""
    m = torch.as_tensor(np.asarray(masks, dtype=bool))
    return m | ~m.any(dim=1, keepdim=True)


# ---------------------------------------------------------------------------- network
class MLPEncoder(nn.Module):
    """MLP on the concatenated flattened observation (indices as floats)."""

    def __init__(self, space: gym.spaces.Dict, hidden: int, features_dim: int) -> None:
        super().__init__()
        self.keys = sorted(space.spaces)
        width = sum(int(np.prod(space[k].shape)) or 1 for k in self.keys)
        self.net = nn.Sequential(nn.Linear(width, 2 * hidden), nn.Tanh(),
                                 nn.Linear(2 * hidden, features_dim), nn.Tanh())

    def forward(self, obs: Mapping[str, torch.Tensor]) -> torch.Tensor:
        bsz = obs[self.keys[0]].shape[0]
        return self.net(torch.cat([obs[k].reshape(bsz, -1).float() for k in self.keys], 1))


class Agent(nn.Module):
    """Shared encoder, linear actor (logits) and critic (value) heads."""

    def __init__(self, space: gym.spaces.Dict, n_actions: int, arch: str = "graph",
                 hidden: int = 32, pointer_slots: Sequence[int] | None = None) -> None:
        super().__init__()
        features_dim = 2 * hidden
        if arch == "graph":
            from agents.rl.extractor import GraphExtractor

            self.encoder: nn.Module = GraphExtractor(
                space, hidden=hidden, features_dim=features_dim,
                pointer_slots=pointer_slots, dense=True)
        elif arch == "mlp":
            self.encoder = MLPEncoder(space, hidden, features_dim)
        else:
            raise ValueError(f"arch must be 'graph' or 'mlp', got {arch!r}")
        self.actor = nn.Linear(features_dim, n_actions)
        self.critic = nn.Linear(features_dim, 1)
        nn.init.orthogonal_(self.actor.weight, 0.01)
        nn.init.zeros_(self.actor.bias)

    def logits_value(self, obs: Mapping[str, torch.Tensor], mask: torch.Tensor
                     ) -> tuple[torch.Tensor, torch.Tensor]:
        """Masked logits [B, A] (:data:`MASKED_LOGIT` on invalid actions) and values [B]."""
        f = self.encoder(obs)
        logits = self.actor(f).masked_fill(~mask, MASKED_LOGIT)
        return logits, self.critic(f).squeeze(-1)

    def act(self, obs: Mapping[str, torch.Tensor], mask: torch.Tensor,
            action: torch.Tensor | None = None
            ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """(action, log-prob, entropy, value); samples when ``action`` is None."""
        logits, value = self.logits_value(obs, mask)
        dist = torch.distributions.Categorical(logits=logits)
        if action is None:
            action = dist.sample()
        p_log_p = torch.where(mask, dist.probs * dist.logits, torch.zeros_like(logits))
        return action, dist.log_prob(action), -p_log_p.sum(-1), value

    def greedy(self, obs: Mapping[str, torch.Tensor], mask: torch.Tensor) -> torch.Tensor:
        return self.logits_value(obs, mask)[0].argmax(dim=1)


# ---------------------------------------------------------------------------- evaluation
Policy = Callable[[Mapping[str, np.ndarray], np.ndarray], np.ndarray]


def evaluate(env_id: str, env_kwargs: Mapping[str, Any] | None, policy: Policy,
             episodes: int = 64, seed: int = 10_000) -> float:
    """Mean optimality ratio of ``policy`` over ``episodes`` fixed scenarios (sub-env i reset
    with ``seed + i``; each sub-env's first episode counts)."""
    envs = make_vector_env(env_id, episodes, env_kwargs, compute_optimum=True)
    obs, _ = envs.reset(seed=seed)
    ratios = np.full(episodes, np.nan)
    done = np.zeros(episodes, dtype=bool)
    while not done.all():
        action = policy(obs, envs.unwrapped.action_masks())
        obs, _, term, trunc, info = envs.step(action)
        end = (term | trunc) & ~done
        if end.any():
            ratios[end] = info["optimality_ratio"][end]
        done |= end
    envs.close()
    return float(np.mean(ratios))


def random_policy(seed: int = 0) -> Policy:
    """Uniform over the valid actions."""
    rng = np.random.default_rng(seed)

    def act(obs: Mapping[str, np.ndarray], masks: np.ndarray) -> np.ndarray:
        scores = np.where(masks, rng.random(masks.shape), -1.0)
        return scores.argmax(axis=1)
    return act


def greedy_policy(agent: Agent) -> Policy:
    def act(obs: Mapping[str, np.ndarray], masks: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return agent.greedy(obs_to_torch(obs), masks_to_torch(masks)).numpy()
    return act


# ---------------------------------------------------------------------------- training
def _gae(rewards: torch.Tensor, values: torch.Tensor, dones: torch.Tensor,
         next_value: torch.Tensor, gamma: float, lam: float) -> torch.Tensor:
    """Advantages [T, B]; ``dones[t]``: step t ended the episode (no bootstrap)."""
    adv = torch.zeros_like(rewards)
    last = torch.zeros_like(next_value)
    for t in reversed(range(rewards.shape[0])):
        nxt = next_value if t == rewards.shape[0] - 1 else values[t + 1]
        nonterm = 1.0 - dones[t]
        delta = rewards[t] + gamma * nxt * nonterm - values[t]
        last = delta + gamma * lam * nonterm * last
        adv[t] = last
    return adv


def train(env_id: str, env_kwargs: Mapping[str, Any] | None, cfg: PPOConfig,
          log: Callable[[str], None] = print) -> tuple[Agent, dict[str, Any]]:
    """Train; returns the agent and a stats dict (env steps, seconds, steps/s)."""
    torch.manual_seed(cfg.seed)
    envs = make_vector_env(env_id, cfg.num_envs, env_kwargs)
    space = envs.single_observation_space
    n_actions = int(envs.single_action_space.n)
    pointers = env_profile(env_id).pointer_slots(envs.unwrapped)  # VEC: the vehicle, [0]
    agent = Agent(space, n_actions, cfg.arch, cfg.hidden, pointers)
    opt = torch.optim.Adam(agent.parameters(), lr=cfg.learning_rate, eps=1e-5)
    T, B = cfg.num_steps, cfg.num_envs
    batch = T * B
    mb_size = batch // cfg.num_minibatches
    n_iters = max(1, cfg.total_timesteps // batch)

    obs_np, _ = envs.reset(seed=cfg.seed)
    obs_buf = {k: torch.zeros((T, B, *v.shape[1:]),
                              dtype=torch.long if k in INT_KEYS else torch.float32)
               for k, v in obs_np.items()}
    mask_buf = torch.zeros((T, B, n_actions), dtype=torch.bool)
    act_buf = torch.zeros((T, B), dtype=torch.long)
    logp_buf, val_buf, rew_buf, done_buf, valid_buf = (torch.zeros((T, B)) for _ in range(5))
    prev_done = torch.zeros(B)
    t0_wall, t0_cpu = time.perf_counter(), time.process_time()
    steps = 0
    for it in range(n_iters):
        for t in range(T):
            obs = obs_to_torch(obs_np)
            mask = masks_to_torch(envs.unwrapped.action_masks())
            for k in obs_buf:
                obs_buf[k][t] = obs[k]
            mask_buf[t] = mask
            valid_buf[t] = 1.0 - prev_done
            with torch.no_grad():
                action, logp, _, value = agent.act(obs, mask)
            obs_np, reward, term, trunc, _ = envs.step(action.numpy())
            act_buf[t], logp_buf[t], val_buf[t] = action, logp, value
            rew_buf[t] = torch.as_tensor(reward, dtype=torch.float32)
            prev_done = torch.as_tensor(term | trunc, dtype=torch.float32)
            done_buf[t] = prev_done
        steps += batch
        with torch.no_grad():
            next_value = agent.logits_value(
                obs_to_torch(obs_np), masks_to_torch(envs.unwrapped.action_masks()))[1]
        adv = _gae(rew_buf, val_buf, done_buf, next_value, cfg.gamma, cfg.gae_lambda)
        ret = adv + val_buf
        losses = _update(agent, opt, cfg, {k: v.reshape(batch, *v.shape[2:])
                                           for k, v in obs_buf.items()},
                         mask_buf.reshape(batch, -1), act_buf.reshape(-1),
                         logp_buf.reshape(-1), adv.reshape(-1), ret.reshape(-1),
                         valid_buf.reshape(-1), mb_size)
        if (it + 1) % max(1, n_iters // 10) == 0 or it == n_iters - 1:
            wall = time.perf_counter() - t0_wall
            log(f"iter {it + 1}/{n_iters} steps {steps} steps/s {steps / wall:.0f} "
                f"pg {losses[0]:.4f} v {losses[1]:.4f} ent {losses[2]:.3f}")
    envs.close()
    wall, cpu = time.perf_counter() - t0_wall, time.process_time() - t0_cpu
    stats = {"env_steps": steps, "wall_s": wall, "cpu_s": cpu, "steps_per_s": steps / wall,
             "steps_per_cpu_s": steps / max(cpu, 1e-9), "pointer_slots": pointers}
    return agent, stats


def _update(agent: Agent, opt: torch.optim.Optimizer, cfg: PPOConfig,
            obs: dict[str, torch.Tensor], masks: torch.Tensor, actions: torch.Tensor,
            old_logp: torch.Tensor, adv: torch.Tensor, ret: torch.Tensor,
            valid: torch.Tensor, mb_size: int) -> tuple[float, float, float]:
    """PPO epochs over shuffled minibatches; losses averaged over the valid samples only."""
    idx_valid = torch.nonzero(valid > 0.5).squeeze(1)
    pg = vl = ent = torch.zeros(())
    for _ in range(cfg.update_epochs):
        perm = idx_valid[torch.randperm(len(idx_valid))]
        for start in range(0, len(perm), mb_size):
            mb = perm[start:start + mb_size]
            if len(mb) < 2:
                continue
            _, logp, entropy, value = agent.act({k: v[mb] for k, v in obs.items()}, masks[mb],
                                                actions[mb])
            ratio = torch.exp(logp - old_logp[mb])
            a = adv[mb]
            a = (a - a.mean()) / (a.std() + 1e-8)
            pg = torch.max(-a * ratio,
                           -a * ratio.clamp(1 - cfg.clip_coef, 1 + cfg.clip_coef)).mean()
            vl = 0.5 * ((value - ret[mb]) ** 2).mean()
            ent = entropy.mean()
            loss = pg + cfg.vf_coef * vl - cfg.ent_coef * ent
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(agent.parameters(), cfg.max_grad_norm)
            opt.step()
    return float(pg.detach()), float(vl.detach()), float(ent.detach())


# ---------------------------------------------------------------------------- checkpoint
def save_checkpoint(path: str | Path, agent: Agent, metadata: Mapping[str, Any]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": agent.state_dict(), "metadata": dict(metadata)}, path)
    return path


def load_checkpoint(path: str | Path) -> tuple[Agent, dict[str, Any]]:
    """(agent in eval mode, metadata) from :func:`save_checkpoint`'s file."""
    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    meta = ckpt["metadata"]
    envs = make_vector_env(meta["env_id"], 1, meta["env_kwargs"])
    agent = Agent(envs.single_observation_space, int(envs.single_action_space.n),
                  meta["config"]["arch"], meta["config"]["hidden"], meta.get("pointer_slots"))
    envs.close()
    agent.load_state_dict(ckpt["state_dict"])
    return agent.eval(), meta


# ---------------------------------------------------------------------------- harness adapter
class CleanRLPolicy(BasePolicy):
    """A :func:`save_checkpoint` file behind the evaluation harness's ``Policy`` protocol:
    each scenario is played greedily in a single env of the training kwargs
    (``reset(options={"scenario": s})``), all in lockstep (one batched forward per step);
    returns the env's final Solutions. Not a registered method yet: construct it directly,
    ``CleanRLPolicy("runs/x/model.pt").act_batch(scenarios)``."""

    def __init__(self, checkpoint: str | Path, name: str = "cleanrl") -> None:
        torch.set_num_threads(1)
        self.agent, self.meta = load_checkpoint(checkpoint)
        self.env_id = self.meta["env_id"]
        self.problem = problem_of(self.env_id)
        self.name = name

    def act_batch(self, scenarios: Sequence[Any]) -> list[Any]:
        start = time.perf_counter()
        envs = [make_env(self.env_id, self.meta["env_kwargs"], shaping=False,
                         compute_optimum=False, solution_info=True) for _ in scenarios]
        obs = [e.reset(options={"scenario": s})[0] for e, s in zip(envs, scenarios, strict=True)]
        sols: list[Any] = [None] * len(scenarios)
        act = greedy_policy(self.agent)
        active = list(range(len(scenarios)))
        while active:
            batch = {k: np.stack([obs[i][k] for i in active]) for k in obs[active[0]]}
            actions = act(batch, np.stack([envs[i].action_masks() for i in active]))
            for i, a in zip(active, actions, strict=True):
                obs[i], _, term, trunc, info = envs[i].step(int(a))
                if term or trunc:
                    sols[i] = info["solution"]
            active = [i for i in active if sols[i] is None]
        per = (time.perf_counter() - start) / max(1, len(scenarios))
        return [dataclasses.replace(s, solver=self.name, wall_time_s=per) for s in sols]

    def act(self, scenario: Any) -> Any:
        return self.act_batch([scenario])[0]


# ---------------------------------------------------------------------------- CLI
def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m agents.rl.cleanrl_ppo", description=__doc__
                                .split("\n")[0])
    p.add_argument("--env", default="offload_gym/VEC-v0")
    p.add_argument("--n-rsus", type=int, default=None, help="VEC: n_rsus kwarg")
    p.add_argument("--num-envs", type=int, default=64)
    p.add_argument("--num-steps", type=int, default=16)
    p.add_argument("--timesteps", type=int, default=20_000)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--minibatches", type=int, default=8)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--ent-coef", type=float, default=0.01)
    p.add_argument("--arch", choices=("graph", "mlp"), default="graph")
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--eval-episodes", type=int, default=64)
    p.add_argument("--eval-seed", type=int, default=10_000)
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    p.add_argument("--out", required=True, help="output folder (model.pt, metadata.json)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    a = _parser().parse_args(argv)
    torch.set_num_threads(a.threads)
    env_kwargs = {} if a.n_rsus is None else {"n_rsus": a.n_rsus}
    cfg = PPOConfig(num_envs=a.num_envs, num_steps=a.num_steps, total_timesteps=a.timesteps,
                    learning_rate=a.lr, num_minibatches=a.minibatches, update_epochs=a.epochs,
                    ent_coef=a.ent_coef, seed=a.seed, arch=a.arch, hidden=a.hidden)
    agent, stats = train(a.env, env_kwargs, cfg)
    ratio = evaluate(a.env, env_kwargs, greedy_policy(agent), a.eval_episodes, a.eval_seed)
    rand = evaluate(a.env, env_kwargs, random_policy(a.seed), a.eval_episodes, a.eval_seed)
    print(f"env steps {stats['env_steps']}  steps/s {stats['steps_per_s']:.0f}  "
          f"steps/CPU-s {stats['steps_per_cpu_s']:.0f}  eval ({a.eval_episodes} fixed "
          f"scenarios) greedy ratio {ratio:.4f}  random masked {rand:.4f}")
    meta = {"algo": "cleanrl_ppo", "env_id": a.env, "env_kwargs": env_kwargs,
            "command": "python -m agents.rl.cleanrl_ppo " + shlex.join(argv),
            "config": asdict(cfg), "pointer_slots": stats.pop("pointer_slots"),
            "stats": stats, "eval": {"episodes": a.eval_episodes, "seed": a.eval_seed,
                                     "greedy_optimality_ratio": ratio,
                                     "random_optimality_ratio": rand}}
    out = Path(a.out)
    save_checkpoint(out / "model.pt", agent, meta)
    (out / "metadata.json").write_text(json.dumps(meta, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
