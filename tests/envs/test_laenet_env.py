"""LAENet-v0 / LAENetAssign-v0: the return is exactly -C, the oracle reaches -C_opt, the
masks keep every episode feasible except at a documented dead end, and episodes are
reproducible."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pytest

from offload_gym.core.errors import InvalidActionError
from offload_gym.laenet import assignment_cost, derive, evaluate, generate
from offload_gym.laenet.env import EDGE_FEATURES, NODE_FEATURES, LaenetOffloadEnv

from .env_helpers import masked_random_action, rollout

LAE = "offload_gym/LAENet-v0"
ASSIGN = "offload_gym/LAENetAssign-v0"
SMALL = {"scale": "gs2_gu4_au2"}


def oracle_lae(env, obs):
    u = env.unwrapped
    return 1 + u.optimum_solution().choice[obs["decision_index"] - u.n_servers_max]


def oracle_assign(env, obs):
    u = env.unwrapped
    out = np.zeros(u.n_users_max, dtype=np.int64)
    out[:u._ep.n_users] = 1 + np.array(u.optimum_solution().choice)
    return out


def random_policy(rng):
    return lambda env, obs: masked_random_action(env, rng)


@pytest.mark.parametrize("env_id,oracle", [(LAE, oracle_lae), (ASSIGN, oracle_assign)])
def test_oracle_reaches_optimum_random_is_worse(env_id, oracle, rng):
    env = gym.make(env_id, **SMALL)
    oracle_returns, random_returns = [], []
    for seed in range(12):
        ret, _, info, _ = rollout(env, oracle, seed=seed)
        assert not info["failed"]
        assert ret == pytest.approx(info["max_return"], rel=1e-9)
        assert ret == pytest.approx(-info["optimum_cost"], rel=1e-9)
        assert info["optimality_ratio"] == pytest.approx(1.0, abs=1e-9)
        oracle_returns.append(ret)
        ret_r, _, info_r, _ = rollout(env, random_policy(rng), seed=seed)
        assert ret_r <= info_r["max_return"] * (1 - 1e-9) + 1e-9
        random_returns.append(ret_r)
    assert np.mean(random_returns) < np.mean(oracle_returns)


def test_brute_optimum_solver_agrees(rng):
    exact = gym.make(LAE, optimum_solver="exact", **SMALL)
    brute = gym.make(LAE, optimum_solver="brute", **SMALL)
    for seed in range(4):
        a = rollout(exact, random_policy(rng), seed=seed)[2]
        b = rollout(brute, random_policy(rng), seed=seed)[2]
        assert a["optimum_cost"] == pytest.approx(b["optimum_cost"], rel=1e-9)


@pytest.mark.parametrize("scale", ["gs2_gu4_au2", "gs3_gu6_au4"])
def test_return_is_minus_cost_and_solution_rechecks(scale, rng):
    env = gym.make(LAE, scale=scale, compute_optimum=False)
    n_ok = 0
    for seed in range(20):
        ret, rewards, info, obs = rollout(env, random_policy(rng), seed=seed)
        sc = env.unwrapped._ep.scenario
        if info["failed"]:
            assert "dead_end_user" in info
            assert ret == pytest.approx(-env.unwrapped.failure_cost(), rel=1e-12)
            continue
        n_ok += 1
        sol = info["solution"]
        ev = evaluate(sc, sol.choice, sol.share)
        assert ev.valid and ev.cost == pytest.approx(sol.cost, rel=1e-12)
        cost, _ = assignment_cost(derive(sc), np.array(sol.choice))
        assert ret == pytest.approx(-cost, rel=1e-12)
        assert ret == pytest.approx(-info["cost"], rel=1e-12)
        # the partial cost in the observation telescopes too
        assert obs[-2]["global_features"][0] * 30.0 * sc.n_users == pytest.approx(
            -sum(rewards[:-1]), rel=1e-5)
    assert n_ok >= 10


def test_decision_order_forced_first_and_masks():
    env = gym.make(LAE, scale="gs3_gu6_au4", compute_optimum=False,
                   invalid_action="raise").unwrapped
    for seed in range(50):
        obs, _ = env.reset(seed=seed)
        d = env._ep.derived
        if (~d.lam).any():
            break
    forced = np.flatnonzero(~d.lam).tolist()
    order = env._ep.order.tolist()
    assert order == forced + np.flatnonzero(d.lam).tolist()
    u = order[0]
    assert obs["decision_index"] == env.n_servers_max + u
    assert obs["action_mask"][0] == 0  # a forced user may not stay LOCAL
    allowed = set(np.flatnonzero(obs["action_mask"][1:]).tolist())
    assert allowed == {int(s) for s in d.options(u) if s >= 0}
    with pytest.raises(InvalidActionError, match="masked"):
        env.step(0)
    with pytest.raises(InvalidActionError, match="out of range"):
        env.step(99)
    with pytest.raises(InvalidActionError, match=r"shape \(1,\)"):
        env.step(np.array([[1]]))  # a (1, 1) array is not a Discrete action
    s = min(allowed)
    obs, *_ = env.step(1 + s)
    e = int(d.edge_id[u, s])
    assert obs["node_features"][s, NODE_FEATURES.index("used_mu")] == pytest.approx(d.mu[e])
    assert obs["edge_features"][e, EDGE_FEATURES.index("chosen")] == 1
    assert obs["node_features"][env.n_servers_max + u, NODE_FEATURES.index("decided")] == 1


def test_capacity_mask_and_dead_end():
    """A hand-made instance: two forced users who both fit only on the HAP one at a time."""
    base = generate("gs2_gu4_au2", seed=0).to_dict()
    data = json.loads(json.dumps(base))
    users = data["users"]
    # users 0 and 1: big tasks on slow CPUs (forced), only the HAP edge
    for u in (0, 1):
        users["data_bits"][u] = 6.0e6
        users["cpu_hz"][u] = 1.5e9
    data["edges"] = [[0, 0], [1, 0], [1, 1]] + [[u, 0] for u in range(2, 6)]
    env = LaenetOffloadEnv(scale="gs2_gu4_au2", compute_optimum=False)
    env.reset(options={"scenario": data})
    d = env._ep.derived
    assert not d.lam[0] and not d.lam[1]
    mu0, mu1 = d.mu[d.edge_id[0, 0]], d.mu[d.edge_id[1, 0]]
    assert mu0 + mu1 > 1 and d.feasible[d.edge_id[1, 1]]
    obs, r, term, _, info = env.step(1)  # user 0 -> HAP
    assert not term and obs["action_mask"].tolist()[:3] == [0, 0, 1]  # HAP full for user 1
    # now make user 1 depend on the HAP only: dead end
    data["edges"] = [[0, 0], [1, 0]] + [[u, 0] for u in range(2, 6)]
    env.reset(options={"scenario": data})
    obs, r, term, _, info = env.step(1)
    assert term and info["failed"] and info["dead_end_user"] == 1
    assert r == pytest.approx(-(env.failure_cost() - 0.0))
    assert env.failure_cost() == pytest.approx(10 * env.lower_bound_cost())


def _first_masked_decision(env):
    """Reset seeds until the first decision has a masked action; returns that action."""
    for seed in range(100):
        env.reset(seed=seed)
        masked = np.flatnonzero(~env.action_masks())
        if masked.size:
            return int(masked[0])
    raise AssertionError("no masked first decision in 100 seeds")


def test_invalid_action_penalty_modes(rng):
    env = gym.make(LAE, compute_optimum=True, **SMALL).unwrapped  # default: penalty
    assert env.invalid_action == "penalty"
    a = _first_masked_decision(env)
    _, r, term, _, info = env.step(a)
    assert term and info["failed"] and "is masked" in info["invalid_action"]
    assert r == pytest.approx(-10 * info["optimum_cost"])
    assert info["optimality_ratio"] == pytest.approx(10.0)
    with pytest.raises(InvalidActionError, match="out of range"):  # outside the space
        env.reset(seed=1)
        env.step(42)

    strict = gym.make(ASSIGN, invalid_action="raise", **SMALL).unwrapped
    strict.reset(seed=1)
    mask = strict._mask
    user = int(np.flatnonzero((~mask).any(axis=1))[0])
    bad = np.argmax(mask, axis=1)                   # every user allowed ...
    bad[user] = int(np.flatnonzero(~mask[user])[0])  # ... but one masked choice
    with pytest.raises(InvalidActionError, match="masked"):
        strict.step(bad)
    p = gym.make(ASSIGN, **SMALL).unwrapped
    p.reset(seed=1)
    _, r, term, _, info = p.step(bad)
    assert term and info["failed"] and r == pytest.approx(-10 * info["optimum_cost"])
    assert f"users [{user}]" in info["invalid_action"]
    p.reset(seed=1)
    with pytest.raises(InvalidActionError, match="entries in"):  # outside the space
        p.step(np.full(p.n_users_max, p.n_servers_max + 5))


def test_assign_repairs_capacity_overflow():
    """Everybody on the HAP overflows it: evaluate repairs, reward = -repaired cost."""
    env = gym.make(ASSIGN, compute_optimum=False, **SMALL).unwrapped
    env.reset(seed=3)
    act = np.ones(env.n_users_max, dtype=np.int64)  # 1 = server 0 = HAP, always covered
    _, r, _, _, info = env.step(act)
    assert info["validity"] == "repaired"
    ev = evaluate(env._ep.scenario, (act - 1).tolist())
    assert r == pytest.approx(-ev.cost)


@pytest.mark.parametrize("env_id", [LAE, ASSIGN])
def test_same_seed_same_episode(env_id):
    def episodes(seed):
        env = gym.make(env_id, compute_optimum=False, **SMALL)
        pol = random_policy(np.random.default_rng(3))
        env.reset(seed=seed)
        return [rollout(env, pol)[1:] for _ in range(3)]

    a, b = episodes(5), episodes(5)
    for (ra, ia, oa), (rb, ib, ob) in zip(a, b, strict=True):
        assert ra == rb and ia["cost"] == ib["cost"]
        for x, y in zip(oa, ob, strict=True):
            for k in x:
                assert np.array_equal(x[k], y[k])
    assert episodes(6)[0][0] != a[0][0]


def test_fixed_set_cycles_and_caches_optimum(tmp_path, rng):
    scs = [generate("gs2_gu4_au2", seed=s) for s in range(3)]
    path = tmp_path / "set.json"
    path.write_text(json.dumps([s.to_dict() for s in scs]))
    env = gym.make(LAE, scenarios=str(path)).unwrapped
    seen = []
    env.reset(seed=0)
    for _ in range(4):
        seen.append(env._ep.scenario)
        info = rollout(env, random_policy(rng))[2]
        assert info["optimality_ratio"] >= 1 - 1e-9  # solved on this first read (lazy)
    assert seen == [*scs, scs[0]]
    assert sorted(env._opt_cache) == [0, 1, 2]


def test_scale_kwargs_padding_and_raw_features():
    env = gym.make(LAE, scale="gs2_gu4_au2", n_au=3, n_servers_max=5, n_users_max=9,
                   compute_optimum=False).unwrapped
    obs, _ = env.reset(seed=0)
    assert env.observation_space.contains(obs)
    assert env._ep.n_users == 7 and env._ep.n_servers == 3
    assert obs["node_mask"].tolist() == [1, 1, 1, 0, 0] + [1] * 7 + [0, 0]
    assert obs["action_mask"].shape == (6,)
    nodes, edges, pairs = env.raw_features()
    assert nodes.shape == (10, 4) and edges.shape[1] == 6 and pairs.shape[1] == 2
    n_e = len(pairs)
    assert obs["edge_mask"].sum() == 2 * n_e
    assert np.allclose(obs["edge_features"][:n_e, 2], edges[:, 2] / 30.0, rtol=1e-6)
    with pytest.raises(ValueError):
        gym.make(LAE, scale="gs3_gu6_au4", n_users_max=4)


def test_render():
    env = gym.make(LAE, render_mode="rgb_array", compute_optimum=False, **SMALL)
    env.reset(seed=0)
    env.step(int(np.flatnonzero(env.unwrapped.action_masks())[-1]))
    img = env.render()
    assert img.dtype == np.uint8 and img.shape[2] == 3 and img.std() > 0
    env.close()
