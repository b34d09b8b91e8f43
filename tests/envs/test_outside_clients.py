"""Every registered id (``ENV_IDS``, so future ids too) run by outside clients with DEFAULT
kwargs, as a new user would (issue 13, point 4): both env checkers, SB3 PPO with
``MultiInputPolicy``, sb3-contrib MaskablePPO, unmasked ``action_space.sample()`` rollouts
through ``gym.make_vec`` (sync and async), a torchrl random rollout, a CleanRL-style torch
loop, rl-zoo3's trainer with the shipped hyperparameter file, VecNormalize and
FlattenObservation. Plus the constructor kwarg checks and the accepted action forms.

Each configuration is run with the defaults and with harder variants (VEC:
``preset="mobility_stress"``, ``n_rsus=(5, 20)``; LAENet: another scale). The long rollouts
(1000 steps, PPO's 2048) pass ``compute_optimum=False``: the optimum only adds info keys
and costs an exact solve per episode (``test_long_rollouts_full_defaults`` runs them with
nothing changed, marked slow). ``invalid_action`` is never passed: the point is the default.
VECStream-v0 is a stream: its lean kwargs turn off the per-step myopic oracle and shorten
the horizon to 2 s (a few dozen tasks) so that the short rollouts see episodes end, and
every action is valid there (bits on masked slots are ignored and counted in
``info["n_ignored"]``, never ``invalid_action``).
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from offload_gym.core.errors import InvalidActionError
from offload_gym.registration import ENV_IDS

IDS = list(ENV_IDS)
REPO = Path(__file__).resolve().parents[2]
LEAN = {"compute_optimum": False}
STREAM_LEAN = {"myopic_info": False, "horizon_s": 2.0}
FLOAT_KEYS = ["node_features", "edge_features", "global_features"]


def _problem(env_id: str) -> str:
    """"vec" / "laenet" (from "offload_gym.vec.env:..."), "stream" for the stream ids."""
    module = ENV_IDS[env_id].partition(":")[0]
    return "stream" if ".stream." in module else module.split(".")[1]


def _lean(env_id: str) -> dict[str, Any]:
    """The kwargs that make long rollouts cheap (module docstring)."""
    return STREAM_LEAN if _problem(env_id) == "stream" else LEAN


def _variants(env_id: str) -> dict[str, dict[str, Any]]:
    """Named kwargs: the defaults, then the harder configurations of the env's problem."""
    extra = {"vec": {"mobility_stress": {"preset": "mobility_stress"},
                     "n_rsus_5_20": {"n_rsus": (5, 20)}},
             "laenet": {"gs2_gu4_au2": {"scale": "gs2_gu4_au2"}},
             "stream": {"light": {"preset": "light"}}}.get(_problem(env_id), {})
    return {"default": {}, **extra}


CASES = [pytest.param(i, name, kw, id=f"{i.split('/')[1]}-{name}")
         for i in IDS for name, kw in _variants(i).items()]
# one harder variant per id (the first), for the costlier clients
HARD = [pytest.param(i, kw, id=f"{i.split('/')[1]}-{name}")
        for i in IDS for name, kw in list(_variants(i).items())[1:2]]
DEFAULT = [pytest.param(i, {}, id=i.split("/")[1]) for i in IDS]


class CountInvalid(gym.Wrapper):
    """Counts steps, finished episodes and steps whose info reports ``invalid_action``."""

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self.steps = self.episodes = self.invalid = 0
        self.rewards: list[float] = []

    def step(self, action: Any) -> Any:
        obs, reward, term, trunc, info = self.env.step(action)
        self.steps += 1
        self.episodes += bool(term or trunc)
        self.invalid += "invalid_action" in info
        self.rewards.append(float(reward))
        return obs, reward, term, trunc, info

    def action_masks(self) -> np.ndarray:
        return self.env.unwrapped.action_masks()


def _is_masked(action: Any, mask: np.ndarray) -> bool:
    """Whether a (valid-shape) action takes a masked choice. The mask has one row per
    sub-action ([n] for Discrete is one row): row u allows the choices of entry u."""
    rows = mask.reshape(-1, mask.shape[-1]).astype(bool)
    a = np.asarray(action, dtype=np.int64).reshape(-1)
    return not rows[np.arange(len(rows)), a].all()


# ---------------------------------------------------------------------------- checkers
@pytest.mark.parametrize(("env_id", "name", "kw"), CASES)
def test_gymnasium_check_env(env_id, name, kw):
    from gymnasium.utils.env_checker import check_env

    env = gym.make(env_id, **kw)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*Box observation space (min|max)imum.*")
        check_env(env.unwrapped, skip_render_check=True)


@pytest.mark.parametrize(("env_id", "name", "kw"), CASES)
def test_sb3_check_env(env_id, name, kw):
    from stable_baselines3.common.env_checker import check_env

    env = gym.make(env_id, **kw)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*unconventional shape.*")
        check_env(env.unwrapped)


# ---------------------------------------------------------------------------- make_vec
def _sample_rollout(env_id: str, kw: dict[str, Any], mode: str, n_env_steps: int) -> int:
    """Unmasked ``action_space.sample()`` through make_vec: nothing raises, rewards are
    finite, episodes end, and ``info["invalid_action"]`` is reported exactly on the steps
    whose action took a masked choice (from the observation's mask before the step).
    Returns the number of those steps."""
    envs = gym.make_vec(env_id, num_envs=2, vectorization_mode=mode, **kw)
    try:
        envs.action_space.seed(0)
        obs, _ = envs.reset(seed=0)
        resetting = np.zeros(2, dtype=bool)  # NEXT_STEP autoreset: this step only resets
        episodes = invalid = masked_steps = 0
        stream = _problem(env_id) == "stream"
        for _ in range(n_env_steps // 2):
            actions = envs.action_space.sample()
            masked = [_is_masked(actions[i], obs["action_mask"][i]) for i in range(2)]
            obs_mask = obs["action_mask"].astype(bool)
            obs, reward, term, trunc, info = envs.step(actions)
            assert np.isfinite(reward).all()
            reported = info.get("_invalid_action", np.zeros(2, dtype=bool))
            for i in np.flatnonzero(~resetting):
                if stream:  # every action valid: masked bits ignored and counted
                    n_masked = int((actions[i] & ~obs_mask[i][:, 1]).sum())
                    assert not reported[i] and info["n_ignored"][i] == n_masked
                    masked_steps += bool(n_masked)
                    continue
                assert bool(reported[i]) == masked[i], (i, actions[i])
                if masked[i]:
                    assert term[i] and info["failed"][i]
                    masked_steps += 1
            episodes += int((term | trunc)[~resetting].sum())
            invalid += int(reported[~resetting].sum())
            resetting = term | trunc
        assert episodes > 0 and invalid == (0 if stream else masked_steps)
    finally:
        envs.close()
    return masked_steps


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(("env_id", "name", "kw"), CASES)
def test_make_vec_unmasked_sample_rollouts(env_id, name, kw, mode):
    masked_steps = _sample_rollout(env_id, {**kw, **_lean(env_id)}, mode, n_env_steps=1000)
    if _problem(env_id) in ("laenet", "stream") or name == "mobility_stress":
        assert masked_steps > 0  # masks are common there: the penalty path ran


@pytest.mark.slow
@pytest.mark.parametrize("env_id", IDS)
def test_long_rollouts_full_defaults(env_id):
    """The same 1000 unmasked steps and PPO's 2048 with nothing changed (optimum on)."""
    from stable_baselines3 import PPO

    _sample_rollout(env_id, {}, "sync", n_env_steps=1000)
    PPO("MultiInputPolicy", gym.make(env_id), seed=0, device="cpu").learn(2048)


# ---------------------------------------------------------------------------- SB3
def _ppo_run(cls: Any, env_id: str, kw: dict[str, Any], steps: int, **algo: Any
             ) -> CountInvalid:
    import torch

    torch.set_num_threads(1)
    env = CountInvalid(gym.make(env_id, **kw))
    model = cls("MultiInputPolicy", env, seed=0, device="cpu", **algo)
    model.learn(steps)
    assert model.num_timesteps >= steps and env.steps >= steps
    assert env.episodes > 0 and np.isfinite(env.rewards).all()
    return env


@pytest.mark.parametrize(("env_id", "kw"), DEFAULT + HARD)
def test_sb3_ppo_multiinputpolicy_learns(env_id, kw):
    """Plain PPO (no masks) on the default kwargs: masked choices end episodes with the
    penalty instead of crashing (VECSelect gets float32 bits from SB3)."""
    from stable_baselines3 import PPO

    env = _ppo_run(PPO, env_id, {**kw, **_lean(env_id)}, 2048, n_steps=512, batch_size=256,
                   n_epochs=1)
    if _problem(env_id) == "stream":
        assert env.invalid == 0  # every action is valid there
    elif env_id.endswith(("LAENet-v0", "LAENetAssign-v0")) or kw:
        assert env.invalid > 0  # masks are common there: the penalty path was exercised


@pytest.mark.parametrize(("env_id", "kw"), DEFAULT)
def test_maskable_ppo_never_takes_masked_actions(env_id, kw):
    from sb3_contrib import MaskablePPO

    env = _ppo_run(MaskablePPO, env_id, {**kw, **_lean(env_id)}, 256, n_steps=128, batch_size=64,
                   n_epochs=1)
    assert env.invalid == 0


@pytest.mark.parametrize("env_id", [i for i in IDS if i.endswith(("VEC-v0", "LAENet-v0"))])
def test_sb3_dqn_and_a2c_run(env_id):
    """DQN (Discrete ids only) and A2C send numpy int64 scalars; both run on the defaults."""
    from stable_baselines3 import A2C, DQN

    _ppo_run(A2C, env_id, LEAN, 64, n_steps=16)
    _ppo_run(DQN, env_id, LEAN, 64, learning_starts=16, buffer_size=1000)


def test_vecnormalize_needs_norm_obs_keys():
    """Plain VecNormalize refuses the Discrete / MultiBinary keys; with the float keys
    (docs/envs.md) it normalises those and passes the masks through unchanged."""
    from stable_baselines3.common.vec_env import DummyVecEnv, VecNormalize

    venv = DummyVecEnv([lambda: gym.make("offload_gym/LAENetAssign-v0", **LEAN)])
    with pytest.raises(ValueError, match="norm_obs_keys"):
        VecNormalize(venv)
    norm = VecNormalize(venv, norm_obs_keys=FLOAT_KEYS)
    obs = norm.reset()
    raw = norm.get_original_obs()
    assert np.array_equal(obs["action_mask"], raw["action_mask"])
    assert np.array_equal(obs["edge_index"], raw["edge_index"])
    assert not np.allclose(obs["node_features"], raw["node_features"])
    obs, reward, *_ = norm.step(np.array([norm.action_space.sample()]))
    assert np.isfinite(reward).all() and obs["action_mask"].dtype == np.int8


@pytest.mark.parametrize("env_id", IDS)
def test_flatten_observation(env_id):
    """FlattenObservation: one float64 Box with -inf / +inf bounds on the feature blocks;
    ``spaces.unflatten`` gives the mask back."""
    from gymnasium.wrappers import FlattenObservation

    base = gym.make(env_id, **_lean(env_id))
    env = FlattenObservation(base)
    space = env.observation_space
    assert space.dtype == np.float64 and space.shape == (gym.spaces.flatdim(
        base.observation_space),)
    assert np.isinf(space.low).any() and np.isinf(space.high).any()
    flat, _ = env.reset(seed=0)
    assert flat.dtype == np.float64 and flat.shape == space.shape
    back = gym.spaces.unflatten(base.observation_space, flat)
    assert np.array_equal(back["action_mask"].reshape(-1).astype(bool),
                          env.unwrapped.action_masks())


# ---------------------------------------------------------------------------- torchrl
@pytest.mark.parametrize("masked", [True, False], ids=["ActionMask", "unmasked"])
@pytest.mark.parametrize("env_id", IDS)
def test_torchrl_random_rollout(env_id, masked):
    """torchrl's GymWrapper + ActionMask (the mask shapes it expects: [n] for Discrete,
    [entries, choices] for MultiBinary / MultiDiscrete): a masked random rollout never takes
    a masked action; an unmasked one ends episodes with the penalty."""
    pytest.importorskip("torchrl")
    from torchrl.envs import GymWrapper, TransformedEnv
    from torchrl.envs.transforms import ActionMask

    counter = CountInvalid(gym.make(env_id, **_lean(env_id)))
    env = GymWrapper(counter, categorical_action_encoding=True)
    if masked:
        env = TransformedEnv(env, ActionMask())
    env.set_seed(0)
    td = env.rollout(200, break_when_any_done=False)
    assert counter.steps == 200 and counter.episodes > 0
    assert td["next", "reward"].isfinite().all()
    if masked:
        assert counter.invalid == 0
    elif _problem(env_id) == "laenet":
        assert counter.invalid > 0


# ---------------------------------------------------------------------------- CleanRL
@pytest.mark.parametrize("env_id", IDS)
def test_cleanrl_style_loop(env_id):
    """A CleanRL-style loop: plain torch, a policy over the flattened choices (no masks),
    ``envs.step(action.cpu().numpy())`` on a sync vector env."""
    import torch

    torch.manual_seed(0)
    envs = gym.make_vec(env_id, num_envs=2, vectorization_mode="sync", **_lean(env_id))
    space = envs.single_action_space
    if isinstance(space, gym.spaces.Discrete):
        shape = (int(space.n),)
    elif isinstance(space, gym.spaces.MultiBinary):
        shape = (int(space.n), 2)
    else:
        shape = (len(space.nvec), int(space.nvec[0]))
    obs, _ = envs.reset(seed=0)
    n_in = obs["global_features"].shape[1]
    policy = torch.nn.Linear(n_in, int(np.prod(shape)))
    episodes, returns = 0, []
    try:
        for _ in range(100):
            x = torch.as_tensor(obs["global_features"])
            logits = policy(x).reshape(2, *shape)
            action = torch.distributions.Categorical(logits=logits).sample()
            obs, reward, term, trunc, _ = envs.step(action.cpu().numpy())
            assert np.isfinite(reward).all()
            episodes += int((term | trunc).sum())
            returns.extend(reward.tolist())
    finally:
        envs.close()
    assert episodes > 0 and len(returns) == 200


# ---------------------------------------------------------------------------- rl-zoo3
def test_rl_zoo3_trains_with_the_shipped_hyperparameters(tmp_path):
    """``python -m rl_zoo3.train --algo ppo --env ID --gym-packages offload_gym -conf
    offload_gym/hyperparams/ppo.yml`` (MultiInputPolicy, VecNormalize on the float keys) for
    VEC-v0 and LAENet-v0, both subprocesses at once (each is mostly import time)."""
    pytest.importorskip("rl_zoo3")
    from offload_gym.hyperparams import config_path

    conf = config_path("ppo")
    assert conf == REPO / "offload_gym" / "hyperparams" / "ppo.yml"
    runs = {}
    for env_id, env_kwargs in (("offload_gym/VEC-v0", "n_rsus:8"),
                               ("offload_gym/LAENet-v0", 'scale:"gs2_gu4_au2"')):
        cmd = [sys.executable, "-m", "rl_zoo3.train", "--algo", "ppo", "--env", env_id,
               "--gym-packages", "offload_gym", "-conf", str(conf), "-n", "128",
               "-f", str(tmp_path), "--seed", "0", "--eval-freq", "-1",
               "--env-kwargs", env_kwargs, "compute_optimum:False",
               "-params", "n_envs:2", "n_steps:64", "batch_size:64"]
        runs[env_id] = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
    for env_id, proc in runs.items():
        out, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0, out[-3000:]
        assert "MultiInputPolicy" in out and "norm_obs_keys" in out
        name = env_id.replace("/", "-")
        assert list(tmp_path.glob(f"ppo/{name}_*/{name}.zip")), out[-2000:]
        assert list(tmp_path.glob(f"ppo/{name}_*/{name}/vecnormalize.pkl"))


def test_hyperparams_module_cli():
    out = subprocess.run([sys.executable, "-m", "offload_gym.hyperparams", "ppo"],
                         capture_output=True, text=True, check=True).stdout
    assert Path(out.strip()).is_file()
    bad = subprocess.run([sys.executable, "-m", "offload_gym.hyperparams", "nosuch"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "algo must be one of" in bad.stderr


# ---------------------------------------------------------------------------- masks
@pytest.mark.parametrize(("env_id", "name", "kw"), CASES)
def test_one_mask_layout(env_id, name, kw, rng):
    """obs["action_mask"] is the mask in the action space's natural shape ([n] for
    Discrete(n), [entries, choices] otherwise) and action_masks() is exactly it flattened."""
    env = gym.make(env_id, **kw, **_lean(env_id))
    space = env.action_space
    natural = ((int(space.n),) if isinstance(space, gym.spaces.Discrete) else
               (int(space.n), 2) if isinstance(space, gym.spaces.MultiBinary) else
               (len(space.nvec), int(space.nvec[0])))
    assert env.observation_space["action_mask"].shape == natural
    for seed in range(3):
        obs, _ = env.reset(seed=seed)
        done = False
        while not done:
            flat = env.unwrapped.action_masks()
            assert flat.dtype == bool
            assert np.array_equal(flat, obs["action_mask"].reshape(-1).astype(bool))
            assert obs["action_mask"].shape == natural
            mask2 = obs["action_mask"].reshape(-1, natural[-1]).astype(bool)
            action = [rng.choice(np.flatnonzero(r)) for r in mask2]
            action = int(action[0]) if len(natural) == 1 else np.array(action)
            obs, _, term, trunc, info = env.step(action)
            assert "invalid_action" not in info
            done = term or trunc


# ---------------------------------------------------------------------------- actions
@pytest.mark.parametrize("env_id", [i for i in IDS if i.endswith(("VEC-v0", "LAENet-v0"))])
def test_discrete_action_forms(env_id):
    """Discrete ids take Python / numpy integers, 0-d and (1,) integer arrays; a (1, 1)
    array, a float or a bool raises InvalidActionError naming the expected form."""
    env = gym.make(env_id, **LEAN).unwrapped
    for form in (lambda a: a, np.int64, np.int32, lambda a: np.array(a),
                 lambda a: np.array([a])):
        env.reset(seed=0)
        a = int(np.flatnonzero(env.action_masks())[0])
        _, _, _, _, info = env.step(form(a))
        assert "invalid_action" not in info
    env.reset(seed=0)
    for bad in (np.array([[0]]), np.zeros(2, dtype=np.int64), 0.0, True, "0"):
        with pytest.raises(InvalidActionError, match=r"shape \(1,\)"):
            env.step(bad)
    with pytest.raises(InvalidActionError, match="out of range"):
        env.step(env.action_space.n)


def test_multibinary_action_forms():
    env = gym.make("offload_gym/VECSelect-v0", n_rsus=4, **LEAN).unwrapped
    for dtype in (np.float32, np.float64, np.int8, np.int64, bool, np.uint8):
        env.reset(seed=0)
        _, _, term, _, info = env.step(np.array([1, 0, 0, 1], dtype=dtype))
        assert term and info["selected"] == (0, 3) and "invalid_action" not in info
    env.reset(seed=0)
    for bad, match in ((np.array([1, 0, 0, 2]), "0 / 1"), (np.array([0.5, 0, 0, 0]), "0 / 1"),
                       (np.array([np.nan, 0, 0, 0]), "0 / 1"), (np.zeros((1, 4)), r"\(4,\)"),
                       (np.zeros(5), r"\(4,\)"), (np.array(["1"] * 4), "0 / 1")):
        with pytest.raises(InvalidActionError, match=match):
            env.step(bad)


def test_multidiscrete_action_forms():
    env = gym.make("offload_gym/LAENetAssign-v0", scale="gs2_gu4_au2", **LEAN).unwrapped
    env.reset(seed=0)
    n, k = env.n_users_max, 1 + env.n_servers_max
    for bad, match in ((np.zeros((1, n), dtype=np.int64), rf"\({n},\)"),
                       (np.zeros(n), "dtype float64"), (np.full(n, k), "entries in"),
                       (np.full(n, -1), "entries in")):
        with pytest.raises(InvalidActionError, match=match):
            env.step(bad)


# ---------------------------------------------------------------------------- kwargs
VEC_BAD = [("rule", "bogus"), ("preset", "nonsense"), ("mobcheck", "yes"),
           ("reward_scale", "minutes"), ("failure_time_factor", 0.5),
           ("failure_time_factor", float("inf")), ("terminate_on_failure", 1),
           ("invalid_action", "ignore"), ("compute_optimum", "no"), ("solution_info", None),
           ("pool_size", 0), ("seed", -1), ("n_rsus", 0), ("n_rsus", (5, 2)),
           ("n_rsus", (1, 2, 3)), ("n_rsus", True), ("n_rsus_max", 0),
           ("preset_overrides", [1]), ("render_mode", "ascii")]
STREAM_BAD = [("preset", "nonsense"), ("preset_overrides", [1]), ("mobility", "boat"),
              ("horizon_s", 0), ("horizon_s", float("inf")), ("n_context", -1),
              ("myopic_info", "no"), ("traces", 5), ("seed", -1), ("render_mode", "ascii"),
              ("reward_fn", "bogus")]
LAENET_BAD = [("optimum_solver", "nosuch"), ("optimum_solver", "greedy"),
              ("preset", "nonsense"), ("scale", "gs1_gu1_au1"), ("n_gs", 0),
              ("n_gu", -1), ("n_au", 1.5), ("n_servers_max", 0), ("n_users_max", "9"),
              ("compute_optimum", "no"), ("solution_info", 2), ("invalid_action", "ignore"),
              ("pool_size", 0), ("seed", -1), ("render_mode", "ascii")]


@pytest.mark.parametrize("env_id", IDS)
def test_bad_kwargs_fail_at_construction_naming_the_kwarg(env_id):
    """Every kwarg is checked by the constructor: a ValueError (never SolverError, a
    RuntimeError) whose message names the kwarg, before any episode."""
    bad = {"vec": VEC_BAD, "laenet": LAENET_BAD, "stream": STREAM_BAD}[_problem(env_id)]
    for key, value in bad:
        with pytest.raises(ValueError, match=key) as err:
            gym.make(env_id, **{key: value})
        assert not isinstance(err.value, RuntimeError), (key, value)


def test_optimum_solver_choices_work():
    env = gym.make("offload_gym/LAENet-v0", scale="gs2_gu4_au2", optimum_solver="brute")
    assert env.unwrapped.optimum_solver == "brute"
    assert gym.make("offload_gym/VEC-v0", rule="equal_finish").unwrapped.rule == "equal_finish"
