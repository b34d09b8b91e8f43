"""What the RL trainer (:mod:`agents.rl.train`) and the RL policies (:mod:`agents.rl.policy`)
share: env construction with reward shaping, fixed scenario sets, batched rollouts of a
trained model (deterministic or best of K sampled), and checkpoint metadata.

Reward shaping is one of the envs' injectable reward functions (``reward_fn="shaped"``,
each problem's ``reward.py``): the envs' default rewards telescope to minus the objective;
for learning they are rescaled per instance so that returns are comparable across
instances and aligned with the optimality ratio:

- VEC (``"log_time"``, :func:`offload_gym.vec.reward.log_time`): r'_k = log T_eff(S_{k-1})
  - log T_eff(S_k); the return is log(T_local / T_final), so two policies' returns differ
  by exactly the log of their time ratio.
- LAENet (``"lower_bound"``, :func:`offload_gym.laenet.reward.lower_bound`): r'_k = r_k / C_lb
  with C_lb the env's ``lower_bound_cost()``; the return is -C / C_lb.

Both keep the optimal policy of each instance unchanged.
"""

from __future__ import annotations

import dataclasses
import json
import math
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

import offload_gym  # noqa: F401  (registers the env ids)

VEC_ID = "offload_gym/VEC-v0"
LAENET_ID = "offload_gym/LAENet-v0"
STREAM_ID = "offload_gym/VECStream-v0"
META_NAME = "offload_gym.json"  # metadata file appended to SB3's model zip


# ---------------------------------------------------------------------------- env profiles
@dataclass(frozen=True)
class EnvProfile:
    """What the RL agents need to know of one env id: every env-specific detail of
    ``agents/rl`` lives in :data:`ENV_PROFILES`, the rest is env-agnostic.

    ``env_kwargs``: kwargs our agents use on top of the user's; ``pointer_slots(env)``: the
    node slots of :class:`~agents.rl.extractor.GraphExtractor`'s pointer inputs (``env``
    unwrapped); ``too_large(env, scenario)``: why a scenario exceeds the env's padding (None
    if it fits); ``failed(solution)``: whether an output of the env failed; ``stream``: a
    sequential env of many decisions per episode (VECStream-v0: the env's own reward, no
    one-shot optimum; trained and evaluated by :mod:`agents.rl.stream`); ``fast_kwargs``:
    the kwargs of the (fast) training envs."""

    env_kwargs: Mapping[str, Any]
    pointer_slots: Callable[[Any], list[int]]
    too_large: Callable[[Any, Any], str | None]
    failed: Callable[[Any], bool]
    stream: bool = False
    fast_kwargs: Mapping[str, Any] = dataclasses.field(
        default_factory=lambda: {"compute_optimum": False, "solution_info": False})


def _vec_too_large(env: Any, s: Any) -> str | None:
    if s.n_rsus > env.n_rsus_max:
        return f"{s.n_rsus} RSUs > the model's padding ({env.n_rsus_max})"
    return None


def _laenet_too_large(env: Any, s: Any) -> str | None:
    if s.n_servers > env.n_servers_max or s.n_users > env.n_users_max:
        return (f"({s.n_servers} servers, {s.n_users} users) > the model's padding "
                f"({env.n_servers_max}, {env.n_users_max})")
    return None


def _stream_too_large(env: Any, trace: Any) -> str | None:
    if trace.max_candidates > env.layout.n_candidates:
        return (f"max_candidates = {trace.max_candidates} > the model's "
                f"{env.layout.n_candidates} candidate slots")
    return None


ENV_PROFILES: dict[str, EnvProfile] = {
    # VEC: rewards divided by T_local; the pointer is the vehicle (node 0)
    VEC_ID: EnvProfile({"reward_scale": "local"}, lambda env: [0], _vec_too_large,
                       lambda sol: not sol.success),
    # LAENet: the pointers are every server slot (edge current user -> server)
    LAENET_ID: EnvProfile({}, lambda env: list(range(env.n_servers_max)), _laenet_too_large,
                          lambda sol: sol.validity == "failed" or not math.isfinite(sol.cost)),
    # VECStream: the env's own reward (-T/D, -fail_penalty); the pointers are the candidate
    # RSU slots (action bit c = node slot 1 + c, seen from the vehicle, node 0)
    STREAM_ID: EnvProfile({"myopic_info": False},
                          lambda env: list(range(1, 1 + env.layout.n_candidates)),
                          _stream_too_large, lambda sol: False, stream=True,
                          fast_kwargs={}),
}


def env_profile(env_id: str) -> EnvProfile:
    if env_id not in ENV_PROFILES:
        raise ValueError(f"RL agents support {sorted(ENV_PROFILES)}, got {env_id!r}")
    return ENV_PROFILES[env_id]


def problem_of(env_id: str) -> str:
    """The registered problem whose envs include ``env_id`` (one the RL agents support)."""
    env_profile(env_id)
    from offload_gym.core.problem import problems

    return next(p.name for p in problems() if env_id in p.env_ids)


def profile_of_problem(problem: str) -> EnvProfile:
    """The profile of the (first) supported env of ``problem``."""
    for env_id, profile in ENV_PROFILES.items():
        if not profile.stream and problem_of(env_id) == problem:
            return profile
    raise ValueError(f"RL agents support no env of problem {problem!r}")


class MaskedEnv(gym.Wrapper):
    """Forwards ``action_masks()`` (MaskablePPO's hook) and hands out float rewards."""

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        obs, reward, term, trunc, info = self.env.step(action)
        return obs, float(reward), term, trunc, info

    def action_masks(self) -> np.ndarray:
        return self.env.unwrapped.action_masks()


SHAPING_MODES = ("log_time", "lower_bound", "none")


class ShapedReward(MaskedEnv):
    """Deprecated: pass ``reward_fn="shaped"`` (or ``"log_time"`` / ``"lower_bound"``) to
    the env instead. Sets the unwrapped env's reward function to ``mode`` (``"none"``: its
    default) and forwards ``action_masks()``."""

    def __init__(self, env: gym.Env, mode: str) -> None:
        super().__init__(env)
        if mode not in SHAPING_MODES:
            raise ValueError(f"unknown reward shaping {mode!r}")
        self.mode = mode
        env.unwrapped.set_reward_fn("objective" if mode == "none" else mode)


def default_env_kwargs(env_id: str) -> dict[str, Any]:
    """Kwargs our agents use on top of the user's (VEC: rewards divided by T_local)."""
    return dict(env_profile(env_id).env_kwargs)


def make_env(env_id: str, env_kwargs: dict[str, Any] | None = None, *, shaping: bool = True,
             **overrides: Any) -> gym.Env:
    """``gym.make(env_id, **default_env_kwargs, **env_kwargs, **overrides)`` with the
    problem's shaped reward function (``reward_fn="shaped"``) when ``shaping``, wrapped in
    :class:`MaskedEnv`."""
    profile = env_profile(env_id)  # only the ids the RL agents support
    reward = {} if profile.stream else {"reward_fn": "shaped" if shaping else "objective"}
    kwargs = {**reward, **default_env_kwargs(env_id), **(env_kwargs or {}), **overrides}
    return MaskedEnv(gym.make(env_id, disable_env_checker=True, **kwargs))


def draw_scenarios(env_id: str, env_kwargs: dict[str, Any] | None, count: int,
                   seed: int) -> list[Any]:
    """``count`` scenarios drawn by the env's own generator (reset seeds seed, seed+1, ...)."""
    env = make_env(env_id, env_kwargs, shaping=False, compute_optimum=False,
                   solution_info=False)
    out = []
    for i in range(count):
        env.reset(seed=seed + i)
        out.append(env.unwrapped.scenario)  # the env's current scenario
    env.close()
    return out


def scenario_cost(problem: str, solution: Any, fail_value: float = math.inf) -> float:
    """The objective of a Solution (lower is better; the problem's ``objective``); failed
    ones get ``fail_value``."""
    from offload_gym.core.problem import get_problem

    if profile_of_problem(problem).failed(solution):
        return fail_value
    cost = get_problem(problem).objective_of(solution)
    return cost if math.isfinite(cost) else fail_value


# ---------------------------------------------------------------------------- rollouts
@dataclass
class RolloutResult:
    """One finished episode: the env's final info (``solution``, ``optimality_ratio`` when
    computed) and its return."""

    info: dict[str, Any]
    ret: float


def masked_distribution(model: Any, obs: dict[str, np.ndarray], masks: np.ndarray) -> Any:
    """The policy's action distribution on a batch, with invalid actions masked (also for
    SB3's unmasked PPO, whose logits are masked here at inference)."""
    import torch
    from sb3_contrib.common.maskable.policies import MaskableActorCriticPolicy

    policy = model.policy
    obs_t, _ = policy.obs_to_tensor(obs)
    with torch.no_grad():
        if isinstance(policy, MaskableActorCriticPolicy):
            return policy.get_distribution(obs_t, action_masks=masks)
        dist = policy.get_distribution(obs_t)
        logits = dist.distribution.logits
        m = torch.as_tensor(masks, dtype=torch.bool, device=logits.device)
        dist.distribution = torch.distributions.Categorical(
            logits=torch.where(m, logits, torch.full_like(logits, -1e8)))
        return dist


def rollout_batch(model: Any, envs: Sequence[gym.Env], scenarios: Sequence[Any] | None,
                  deterministic: bool = True, seed: int | None = None
                  ) -> list[RolloutResult]:
    """Run one episode per env in lockstep (one policy forward per step for all active envs).

    ``scenarios[i]`` is played in ``envs[i]`` (``reset(options={"scenario": ...})``); with
    None each env draws from its own source (``reset(seed=seed + i)`` if ``seed``)."""
    import torch

    n = len(envs)
    obs: list[Any] = [None] * n
    for i, env in enumerate(envs):
        opts = {"scenario": scenarios[i]} if scenarios is not None else None
        obs[i], _ = env.reset(seed=None if seed is None else seed + i, options=opts)
    results: list[RolloutResult | None] = [None] * n
    returns = np.zeros(n)
    active = list(range(n))
    while active:
        batch = {k: np.stack([obs[i][k] for i in active]) for k in obs[active[0]]}
        masks = np.stack([envs[i].get_wrapper_attr("action_masks")() for i in active])
        dist = masked_distribution(model, batch, masks)
        with torch.no_grad():
            actions = dist.get_actions(deterministic=deterministic).cpu().numpy()
        still = []
        for j, i in enumerate(active):
            obs[i], r, term, trunc, info = envs[i].step(int(actions[j]))
            returns[i] += r
            if term or trunc:
                results[i] = RolloutResult(info, float(returns[i]))
            else:
                still.append(i)
        active = still
    return [r for r in results if r is not None]


# ---------------------------------------------------------------------------- metadata
def write_metadata(model_path: str | Path, meta: dict[str, Any]) -> None:
    """Append (or replace) :data:`META_NAME` in an SB3 model zip (SB3's loader ignores it)."""
    path = Path(model_path)
    with zipfile.ZipFile(path) as zf:
        items = {n: zf.read(n) for n in zf.namelist() if n != META_NAME}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in items.items():
            zf.writestr(name, data)
        zf.writestr(META_NAME, json.dumps(meta, indent=1, sort_keys=True))


def read_metadata(model_path: str | Path) -> dict[str, Any]:
    """The metadata written by :func:`write_metadata` ({} if none)."""
    with zipfile.ZipFile(model_path) as zf:
        if META_NAME not in zf.namelist():
            return {}
        return json.loads(zf.read(META_NAME))


def load_model(model_path: str | Path, device: str = "cpu") -> tuple[Any, dict[str, Any]]:
    """(SB3 model, metadata) from a checkpoint written by :mod:`agents.rl.train`."""
    meta = read_metadata(model_path)
    _import_pickled_paths()
    algo = meta.get("algo", "maskable_ppo")
    if algo == "ppo":
        from stable_baselines3 import PPO as cls
    else:
        from sb3_contrib import MaskablePPO as cls
    return cls.load(str(model_path), device=device), meta


def _import_pickled_paths() -> None:
    """Checkpoints written before the one-folder-per-method layout pickle
    ``agents.gnn_extractor.GraphExtractor``: import that deprecated alias quietly (loading a
    shipped model is not a use of the old path)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import agents.gnn_extractor  # noqa: F401


def export_checkpoint(src: str | Path, dst: str | Path) -> Path:
    """A small copy of a checkpoint for shipping: the same weights and metadata, Adam's moment
    estimates dropped (the policy acts identically; ``--resume`` from it restarts Adam)."""
    model, meta = load_model(src)
    model.policy.optimizer.state.clear()
    dst = Path(dst)
    model.save(dst)
    write_metadata(dst, {**meta, "exported_from": Path(src).name, "optimizer_state": False})
    return dst
