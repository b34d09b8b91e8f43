"""Fingerprint the behaviour of the registered envs: the sha256 of every observation, reward,
termination, truncation and info (Solutions without their wall times) over random masked
steps, per env id and seed, with the default kwargs.

Used two ways:

* ``tests/envs/test_env_fingerprint.py`` compares today's fingerprints with the ones recorded
  in ``golden_env_fingerprint.json``, so a refactor that changes what an env does (an
  observation byte, a reward bit, an info key) fails a test;
* by hand, to compare two checkouts, or to re-record after an intended behaviour change::

      python tests/envs/env_fingerprint.py tests/envs/golden_env_fingerprint.json

The fingerprints depend on numpy's floating-point kernels and on Gymnasium's seeding, so
they are compared only with the numpy / Gymnasium versions and machine type they were
recorded with (recorded in the file).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import platform
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

ENV_IDS = ("offload_gym/VEC-v0", "offload_gym/VECSelect-v0", "offload_gym/LAENet-v0",
           "offload_gym/LAENetAssign-v0")
SEEDS = (0, 1)
STEPS = 200


def canonical(x: Any) -> Any:
    """A repr-stable form of an observation / info value: arrays by dtype, shape and bytes;
    dataclasses (Solutions) by their fields except wall times; mappings (a plain dict or
    any other Mapping: the content counts, not the type) sorted by key."""
    if isinstance(x, np.ndarray):
        return ("nd", str(x.dtype), x.shape, x.tobytes().hex())
    if isinstance(x, np.generic):
        return ("np", str(x.dtype), repr(x.item()))
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return ("dc", type(x).__name__, canonical({
            f.name: getattr(x, f.name) for f in dataclasses.fields(x) if "wall" not in f.name}))
    if isinstance(x, Mapping):
        return ("d", tuple((str(k), canonical(v)) for k, v in sorted(x.items(),
                                                                     key=lambda kv: str(kv[0]))))
    if isinstance(x, list | tuple):
        return ("l", tuple(canonical(v) for v in x))
    if isinstance(x, float):
        return ("f", repr(x))
    return ("o", repr(x))


def masked_action(space: Any, mask: np.ndarray, rng: np.random.Generator) -> Any:
    """A uniformly random allowed action (one allowed value per row for multi-actions)."""
    import gymnasium as gym

    allowed = np.asarray(mask).astype(bool)
    if isinstance(space, gym.spaces.Discrete):
        return int(rng.choice(np.flatnonzero(allowed)))
    dtype = np.int8 if isinstance(space, gym.spaces.MultiBinary) else np.int64
    return np.array([rng.choice(np.flatnonzero(row)) for row in allowed], dtype=dtype)


def fingerprint(env_id: str, seed: int, steps: int = STEPS) -> dict[str, Any]:
    """sha256 over ``steps`` masked random steps of ``env_id`` (default kwargs), reset with
    ``seed`` (later episodes: ``reset()`` without a seed), plus the episode count and the
    return (repr, so bit-exact)."""
    import gymnasium as gym

    import offload_gym  # noqa: F401  (registers the ids)

    env = gym.make(env_id, disable_env_checker=True)
    rng = np.random.default_rng(seed + 1000)
    digest = hashlib.sha256()
    obs, info = env.reset(seed=seed)
    digest.update(repr(canonical((obs, info))).encode())
    total, episodes = 0.0, 1
    for _ in range(steps):
        obs, reward, terminated, truncated, info = env.step(
            masked_action(env.action_space, obs["action_mask"], rng))
        total += float(reward)
        digest.update(repr(canonical((obs, reward, terminated, truncated, info))).encode())
        if terminated or truncated:
            obs, info = env.reset()
            digest.update(repr(canonical((obs, info))).encode())
            episodes += 1
    env.close()
    return {"sha256": digest.hexdigest(), "episodes": episodes, "return": repr(total)}


def all_fingerprints() -> dict[str, Any]:
    """Every (env id, seed) of :data:`ENV_IDS` x :data:`SEEDS`, keyed ``"id|seed"``."""
    return {f"{env_id}|{seed}": fingerprint(env_id, seed) for env_id in ENV_IDS
            for seed in SEEDS}


def record() -> dict[str, Any]:
    """The golden file's content: the fingerprints and what they depend on."""
    import gymnasium as gym

    return {"numpy": np.__version__, "gymnasium": gym.__version__,
            "machine": platform.machine(), "steps": STEPS, "envs": all_fingerprints()}


if __name__ == "__main__":
    out = Path(sys.argv[1])
    out.write_text(json.dumps(record(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {out}")
