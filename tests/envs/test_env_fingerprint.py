"""Env behaviour is pinned: for every registered env id with its default kwargs and two
seeds, ~200 random masked steps give byte-identical observations, rewards, terminations,
truncations and infos (Solutions without wall times) to the ones recorded in
``golden_env_fingerprint.json`` (recorded at commit 1e878a5, after the Problem-protocol
refactor of issue 14; the same fingerprints as its parent 5fefb38). A refactor must keep
them; an intended behaviour change re-records them:
``python tests/envs/env_fingerprint.py tests/envs/golden_env_fingerprint.json``.
"""

from __future__ import annotations

import importlib.util
import json
import platform
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import offload_gym  # noqa: F401  (registers the env ids)

HERE = Path(__file__).parent
GOLDEN = json.loads((HERE / "golden_env_fingerprint.json").read_text())


def _fingerprint_module():
    spec = importlib.util.spec_from_file_location("_env_fingerprint", HERE / "env_fingerprint.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FP = _fingerprint_module()


def test_golden_file_covers_every_id_and_seed():
    assert GOLDEN["steps"] == FP.STEPS
    assert sorted(GOLDEN["envs"]) == sorted(f"{i}|{s}" for i in FP.ENV_IDS for s in FP.SEEDS)
    assert all(i in gym.registry for i in FP.ENV_IDS)


@pytest.mark.skipif((np.__version__, gym.__version__, platform.machine())
                    != (GOLDEN["numpy"], GOLDEN["gymnasium"], GOLDEN["machine"]),
                    reason="golden fingerprints were recorded with another numpy / gymnasium "
                           "/ machine type")
@pytest.mark.parametrize("key", sorted(GOLDEN["envs"]))
def test_env_behaviour_is_byte_identical_to_the_recorded_one(key):
    env_id, seed = key.rsplit("|", 1)
    assert FP.fingerprint(env_id, int(seed)) == GOLDEN["envs"][key]
