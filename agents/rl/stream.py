"""GRLO-style masked PPO on ``offload_gym/VECStream-v0``: the stream policy ``grlo`` and the
evaluation used while training (``offload-gym train grlo --env offload_gym/VECStream-v0``).

The agent sees exactly the env's observation: :func:`stream_observation` builds it from a
:class:`~offload_gym.vec.stream.simulator.StreamSimulator` and the task's
:class:`~offload_gym.vec.stream.oracle.TaskState` with the env's own
:func:`offload_gym.vec.stream.observation.observe` (same layout, same scales), so the policy
plugs into the stream harness (``act(sim, state)``) and the CLI::

    offload-gym stream evaluate --policy grlo,myopic,local,nearest --episodes 20

Actions are the MultiBinary bits over the candidate slots, masked (empty slots cannot be
set); greedy (deterministic) by default.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agents import CHECKPOINT_DIR
from agents.rl.common import STREAM_ID, load_model, make_env
from offload_gym.vec.stream import observation

DEFAULT_STREAM_CHECKPOINT = "rl_grlo_vecstream_contended.zip"
EVAL_TRACE_SEED = 2_000_000  # training-time evaluation traces (disjoint from the harness')


def _scales(env: Any, trace: Any) -> tuple[float, float, float]:
    """The env's observation scales for ``trace`` (largest deadline, largest size, horizon:
    as ``VecStreamEnv.reset``)."""
    p = env.preset
    return (p.deadline_s[1], p.task_size_gbit[1],
            float(getattr(trace, "horizon_s", p.horizon_s)))


def stream_observation(env: Any, sim: Any, state: Any) -> dict[str, np.ndarray]:
    """The observation ``env`` (unwrapped VecStreamEnv) would emit for ``state`` in ``sim``
    (the same padding, features, action mask and decision index)."""
    obs = observation.observe(sim.trace, sim.rsu_busy_until_s, state, env.layout,
                              _scales(env, sim.trace))
    mask = np.zeros((env.layout.n_candidates, 2), dtype=np.int8)
    mask[:, 0] = 1
    mask[:state.n_candidates, 1] = 1
    obs["action_mask"] = mask
    obs["decision_index"] = np.int64(0)
    return obs


def act_bits(model: Any, obs: Sequence[dict[str, np.ndarray]], deterministic: bool = True
             ) -> np.ndarray:
    """Masked actions of a batch of observations: int8 [B, C] bits."""
    import torch

    batch = {k: np.stack([o[k] for o in obs]) for k in obs[0]}
    masks = batch["action_mask"].reshape(len(obs), -1).astype(bool)
    policy = model.policy
    obs_t, _ = policy.obs_to_tensor(batch)
    with torch.no_grad():
        dist = policy.get_distribution(obs_t, action_masks=masks)
        bits = dist.get_actions(deterministic=deterministic).cpu().numpy()
    return bits.reshape(len(obs), -1).astype(np.int8)


@dataclass
class StreamRollout:
    """One episode of a model in a VECStream env."""

    episode_return: float
    lower_bound: float
    success_rate: float
    n_tasks: int


def rollout_stream(model: Any, envs: Sequence[Any], traces: Sequence[Any],
                   deterministic: bool = True) -> list[StreamRollout]:
    """Play ``traces[i]`` in ``envs[i]`` in lockstep (one batched forward per step)."""
    obs = [env.reset(options={"trace": t})[0] for env, t in zip(envs, traces, strict=True)]
    out: list[StreamRollout | None] = [None] * len(envs)
    active = list(range(len(envs)))
    while active:
        bits = act_bits(model, [obs[i] for i in active], deterministic)
        still = []
        for j, i in enumerate(active):
            obs[i], _, term, trunc, info = envs[i].step(bits[j])
            if term or trunc:
                out[i] = StreamRollout(info["episode_return"], info["lower_bound"],
                                       info["success_rate"], info["n_tasks"])
            else:
                still.append(i)
        active = still
    return [r for r in out if r is not None]


def eval_traces(env_kwargs: dict[str, Any], count: int) -> list[Any]:
    """The fixed training-time evaluation traces of the env's preset."""
    from offload_gym.vec.stream.trace import generate_trace

    env = make_env(STREAM_ID, env_kwargs).unwrapped
    return [generate_trace(env.preset, EVAL_TRACE_SEED + i, mobility=env.mobility)
            for i in range(count)]


def myopic_return(traces: Sequence[Any]) -> float:
    """Mean return of the myopic oracle on ``traces`` (the line the curve is drawn against)."""
    from offload_gym.vec.stream.evaluate import evaluate_stream

    rows, _ = evaluate_stream(["myopic"], traces)
    return float(rows[0]["mean_return"])


# ---------------------------------------------------------------------------- the policy
class GrloStreamPolicy:
    """Stream policy ``grlo``: the shipped (or given) VECStream masked-PPO checkpoint, greedy.

    :param checkpoint: a ``model.zip`` of ``offload-gym train grlo --env
        offload_gym/VECStream-v0`` (default: the shipped one).
    :param deterministic: greedy bits (True) or sampled ones (seeded by ``seed``).
    """

    def __init__(self, checkpoint: str | Path | None = None, deterministic: bool = True,
                 seed: int = 0, name: str = "grlo") -> None:
        import torch

        torch.set_num_threads(1)
        path = Path(checkpoint) if checkpoint else CHECKPOINT_DIR / DEFAULT_STREAM_CHECKPOINT
        if not path.is_file():
            raise FileNotFoundError(f"checkpoint: no VECStream grlo model at {path}")
        self.model, self.meta = load_model(path)
        if self.meta.get("env_id") != STREAM_ID:
            raise ValueError(f"checkpoint: {path} is a {self.meta.get('env_id')} agent, "
                             f"not {STREAM_ID}")
        self.env = make_env(STREAM_ID, self.meta.get("env_kwargs", {})).unwrapped
        self.deterministic = bool(deterministic)
        self.seed = int(seed)
        self.name = name
        if not self.deterministic:
            torch.manual_seed(self.seed)

    def observe(self, sim: Any, state: Any) -> dict[str, np.ndarray]:
        """What the agent sees: the env's observation of ``state``."""
        if state.n_candidates > self.env.layout.n_candidates:
            raise ValueError(f"state: {state.n_candidates} candidates > the model's "
                             f"{self.env.layout.n_candidates} slots")
        return stream_observation(self.env, sim, state)

    def act(self, sim: Any, state: Any) -> tuple[int, ...]:
        bits = act_bits(self.model, [self.observe(sim, state)], self.deterministic)[0]
        return tuple(int(i) for i in np.flatnonzero(bits[:state.n_candidates]))


# ---------------------------------------------------------------------------- training
IMITATION_TRACE_SEED = 3_000_000  # myopic demonstration traces (disjoint from the others)


def myopic_demonstrations(env_kwargs: dict[str, Any], n_tasks: int
                          ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """(observations, bits [n, C]) of the myopic oracle on fresh traces of the env's preset
    (seeds from :data:`IMITATION_TRACE_SEED`), the queues driven by the oracle itself."""
    from offload_gym.vec.stream.oracle import myopic_exact
    from offload_gym.vec.stream.simulator import StreamSimulator
    from offload_gym.vec.stream.trace import generate_trace

    env = make_env(STREAM_ID, env_kwargs).unwrapped
    obs: list[dict[str, np.ndarray]] = []
    bits: list[np.ndarray] = []
    seed = IMITATION_TRACE_SEED
    while len(obs) < n_tasks:
        sim = StreamSimulator(generate_trace(env.preset, seed, mobility=env.mobility))
        seed += 1
        while not sim.done and len(obs) < n_tasks:
            state = sim.task_state()
            obs.append(stream_observation(env, sim, state))
            selected = myopic_exact(state).selected
            row = np.zeros(env.layout.n_candidates, dtype=np.int8)
            row[list(selected)] = 1
            bits.append(row)
            sim.step(selected)
    return {k: np.stack([o[k] for o in obs]) for k in obs[0]}, np.stack(bits)


def imitate(model: Any, obs: dict[str, np.ndarray], bits: np.ndarray, epochs: int = 3,
            batch_size: int = 256, lr: float = 1e-3, seed: int = 0) -> list[float]:
    """Behaviour cloning of the actor on (obs, bits) (masked log-likelihood; the critic is
    left to PPO): the warm start of ``--imitate``. Returns the mean loss per epoch."""
    import torch

    policy = model.policy
    params = [p for n, p in policy.named_parameters() if "value_net" not in n]
    opt = torch.optim.Adam(params, lr=lr)
    rng = np.random.default_rng(seed)
    n = len(bits)
    masks = obs["action_mask"].reshape(n, -1).astype(bool)
    losses = []
    policy.set_training_mode(True)
    for _ in range(epochs):
        order = rng.permutation(n)
        total = 0.0
        for lo in range(0, n, batch_size):
            idx = order[lo:lo + batch_size]
            obs_t, _ = policy.obs_to_tensor({k: v[idx] for k, v in obs.items()})
            act = torch.as_tensor(bits[idx], dtype=torch.float32)
            _, log_prob, _ = policy.evaluate_actions(obs_t, act, action_masks=masks[idx])
            loss = -log_prob.mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        losses.append(total / n)
    policy.set_training_mode(False)
    return losses


EVAL_FIELDS = ("timesteps", "wall_s", "train_wall_s", "return_mean", "lower_bound_mean",
               "success_rate", "myopic_return")


def stream_eval_callback(env_kwargs: dict[str, Any], count: int, eval_freq: int, out: Path,
                         meta: dict[str, Any], max_s: float | None) -> Any:
    """The training callback of a VECStream run: every ``eval_freq`` steps, greedy rollouts
    on ``count`` fixed traces; mean return, success rate and the myopic oracle's mean return
    on the same traces appended to ``eval.csv``; ``model.zip`` / ``best_model.zip`` (highest
    mean return) saved. Stops training after ``max_s`` seconds of training wall time."""
    from agents.rl.callbacks import periodic_eval_callback

    traces = eval_traces(env_kwargs, count)
    envs = [make_env(STREAM_ID, env_kwargs) for _ in traces]
    myopic = float(meta.get("myopic_return") or myopic_return(traces))
    meta["myopic_return"] = myopic
    meta["preset"] = dataclasses.asdict(make_env(STREAM_ID, env_kwargs).unwrapped.preset)

    def measure(model: Any) -> dict[str, Any]:
        res = rollout_stream(model, envs, traces)
        return {"return_mean": float(np.mean([r.episode_return for r in res])),
                "lower_bound_mean": float(np.mean([r.lower_bound for r in res])),
                "success_rate": float(np.mean([r.success_rate for r in res])),
                "myopic_return": myopic}

    return periodic_eval_callback(
        measure, eval_freq=eval_freq, out=out, meta=meta, max_s=max_s, fields=EVAL_FIELDS,
        score_key="return_mean", maximise=True, best_meta_key="best_return",
        eval_meta_key="eval_return",
        log_keys={"return_mean": "eval/return_mean", "success_rate": "eval/success_rate"})


def plot_curve(eval_csv: str | Path, path: str | Path, title: str = "") -> Path:
    """Training curve (mean greedy return on the fixed evaluation traces vs env steps)
    against the myopic oracle's line, as a PNG."""
    import csv

    from offload_gym.evaluation.plots import pyplot, save_figure

    plt = pyplot()

    with Path(eval_csv).open() as fh:
        rows = list(csv.DictReader(fh))
    steps = [int(r["timesteps"]) for r in rows]
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.plot(steps, [float(r["return_mean"]) for r in rows], "o-", ms=3, label="grlo (greedy)")
    ax.axhline(float(rows[0]["myopic_return"]), color="tab:red", ls="--", label="myopic")
    ax.axhline(float(rows[0]["lower_bound_mean"]), color="k", ls=":", lw=1,
               label="lower_bound")
    ax.set_xlabel("env steps (tasks)")
    ax.set_ylabel("mean episode return")
    ax.set_title(title or "GRLO on VECStream-v0 (fixed evaluation traces)", fontsize=9)
    ax.legend(fontsize=8)
    return save_figure(fig, path)


__all__ = ["DEFAULT_STREAM_CHECKPOINT", "GrloStreamPolicy", "StreamRollout", "act_bits",
           "eval_traces", "myopic_return", "plot_curve", "rollout_stream",
           "stream_eval_callback", "stream_observation"]
