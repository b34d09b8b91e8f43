"""Gymnasium registration of the offload-gym environments: the ids, as strings only.

``import offload_gym`` registers (idempotently) the five ids below. Gymnasium 1.x has no
entry-point plugin loader, so without a prior import use the ``"module:ID"`` form, which
makes Gymnasium import the module first::

    gym.make("offload_gym:offload_gym/VEC-v0")          # no import needed
    import offload_gym; gym.make("offload_gym/VEC-v0")  # after an import

| id | problem | episode |
|---|---|---|
| ``offload_gym/VEC-v0`` | VEC | constructive: one RSU per step, Discrete(2) |
| ``offload_gym/VECSelect-v0`` | VEC | one shot: MultiBinary(n_rsus_max) |
| ``offload_gym/LAENet-v0`` | LAENet | constructive: one user per step, Discrete(1 + S_max) |
| ``offload_gym/LAENetAssign-v0`` | LAENet | one shot: MultiDiscrete over users |
| ``offload_gym/VECStream-v0`` | VEC stream | one task per step: MultiBinary(max_candidates) |

Entry points are strings, so importing this module imports neither the env modules nor
torch. Another problem registers its own ids with ``register_envs({id: "module:Class"})``
(e.g. from its ``Problem.env_ids``). See docs/envs.md.
"""

from __future__ import annotations

from collections.abc import Mapping

import gymnasium as gym

NAMESPACE = "offload_gym"
ENV_IDS: dict[str, str] = {
    f"{NAMESPACE}/VEC-v0": "offload_gym.vec.env:VecOffloadEnv",
    f"{NAMESPACE}/VECSelect-v0": "offload_gym.vec.env:VecSelectEnv",
    f"{NAMESPACE}/LAENet-v0": "offload_gym.laenet.env:LaenetOffloadEnv",
    f"{NAMESPACE}/LAENetAssign-v0": "offload_gym.laenet.env:LaenetAssignEnv",
    f"{NAMESPACE}/VECStream-v0": "offload_gym.vec.stream.env:VecStreamEnv",
}
# native vector envs: gym.make_vec(id, num_envs=B, vectorization_mode="vector_entry_point")
VECTOR_ENTRY_POINTS: dict[str, str] = {
    f"{NAMESPACE}/VEC-v0": "offload_gym.vec.vector_env:VecOffloadVectorEnv",
    f"{NAMESPACE}/VECSelect-v0": "offload_gym.vec.vector_env:VecSelectVectorEnv",
    f"{NAMESPACE}/LAENetAssign-v0": "offload_gym.laenet.vector_env:LaenetAssignVectorEnv",
}
__all__ = ["ENV_IDS", "NAMESPACE", "VECTOR_ENTRY_POINTS", "register_envs"]


def register_envs(env_ids: Mapping[str, str] | None = None) -> None:
    """Register every id of ``env_ids`` (default :data:`ENV_IDS`; id -> ``"module:Class"``)
    that is not registered yet (idempotent)."""
    for env_id, entry_point in (ENV_IDS if env_ids is None else env_ids).items():
        if env_id not in gym.registry:
            gym.register(id=env_id, entry_point=entry_point, disable_env_checker=False,
                         vector_entry_point=VECTOR_ENTRY_POINTS.get(env_id))


register_envs()
