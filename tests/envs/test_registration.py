"""Registration: ids exist after ``import offload_gym`` (idempotently), and the
``"module:ID"`` form works in a fresh interpreter without a prior import."""

import subprocess
import sys

import gymnasium as gym

import offload_gym
from offload_gym.registration import ENV_IDS, register_envs


def test_ids_registered_idempotently():
    for env_id in ENV_IDS:
        assert env_id in gym.registry
    before = {k: gym.registry[k].entry_point for k in ENV_IDS}
    register_envs()
    register_envs()
    assert {k: gym.registry[k].entry_point for k in ENV_IDS} == before
    assert offload_gym.__version__


def test_module_colon_id_form_without_import():
    code = ("import sys, gymnasium as gym\n"
            "assert 'offload_gym' not in sys.modules\n"
            "env = gym.make('offload_gym:offload_gym/VEC-v0', n_rsus=4)\n"
            "obs, info = env.reset(seed=0)\n"
            "print(sorted(obs))\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "node_features" in res.stdout


def test_import_stays_torch_free():
    code = ("import sys, offload_gym, gymnasium as gym\n"
            "gym.make('offload_gym/VEC-v0', n_rsus=3).reset(seed=0)\n"
            "gym.make('offload_gym/LAENet-v0', scale='gs2_gu4_au2', compute_optimum=False)"
            ".reset(seed=0)\n"
            "print('torch' in sys.modules)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip() == "False"


def test_registration_module_imports_no_env_module():
    code = ("import sys, offload_gym.registration\n"
            "print(sorted(m for m in sys.modules if m.startswith('offload_gym.')"
            " and m.endswith(('.env', '.env_base'))))\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip() == "[]"


def test_old_envs_module_warns_and_forwards():
    import warnings

    import offload_gym.envs as old
    from offload_gym.core.env import load_scenario_set
    from offload_gym.core.errors import InvalidActionError

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert old.ENV_IDS is __import__("offload_gym.registration").registration.ENV_IDS
        assert old.load_scenario_set is load_scenario_set
        assert old.InvalidActionError is InvalidActionError
    assert [w.category for w in caught] == [DeprecationWarning] * 3
    assert "offload_gym.registration.ENV_IDS" in str(caught[0].message)
