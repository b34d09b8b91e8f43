"""Scenarios <-> arrays, exactly (float64 values are stored as they are).

VEC: the fields of :class:`~offload_gym.vec.batch.ScenarioBatch` (per instance ``[N]``,
per RSU ``[N, n]``), under the same names.

LAENet (fixed counts per scale, variable coverage edges): the raw fields of the exchange
format, padded to nothing since every instance of a scale has the same S + 1 servers and U
users. Scalars ``{key}`` ``[N]``; ``server_{key}`` ``[N, S+1]``; ``user_{key}`` ``[N, U]``;
``server_type_code`` (0 HAP, 1 GS) and ``user_type_code`` (0 GU, 1 AU); ``preset`` (unicode,
"" = null); explicit edge lists (the JSON ``edges`` key) as ``edge_list`` ``[N, U(S+1), 2]``
padded with -1 and ``edge_count`` ``[N]`` (-1 = null: coverage by radius, as generated).
Coverage edges are NOT stored: they are recomputed from the positions by ``derive``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any

import numpy as np

from offload_gym.laenet.scenario import SCALAR_KEYS, SERVER_ARRAYS, USER_ARRAYS
from offload_gym.laenet.scenario import Scenario as LaenetScenario
from offload_gym.vec.batch import ScenarioBatch
from offload_gym.vec.scenario import Scenario as VecScenario

SERVER_TYPE_CODES = ("hap", "gs")
USER_TYPE_CODES = ("gu", "au")
VEC_FIELDS = tuple(f.name for f in fields(ScenarioBatch))


# ------------------------------------------------------------------------------ VEC
def encode_vec(batch: ScenarioBatch) -> dict[str, np.ndarray]:
    """The batch's arrays (float64), keyed by field name."""
    return {name: np.asarray(getattr(batch, name), dtype=np.float64) for name in VEC_FIELDS}


def vec_batch(arrays: dict[str, np.ndarray]) -> ScenarioBatch:
    """A :class:`ScenarioBatch` from stored arrays."""
    return ScenarioBatch(**{name: arrays[name] for name in VEC_FIELDS})


def decode_vec(arrays: dict[str, np.ndarray], i: int) -> VecScenario:
    """Instance ``i`` as a validated VEC Scenario."""
    return vec_batch({name: arrays[name][i:i + 1] for name in VEC_FIELDS}).scenario(0)


# ------------------------------------------------------------------------------ LAENet
def encode_laenet(scenarios: Sequence[LaenetScenario]) -> dict[str, np.ndarray]:
    """Stack LAENet scenarios with equal server/user counts into arrays."""
    if not scenarios:
        raise ValueError("no scenarios to encode")
    n_s, n_u = scenarios[0].n_servers, scenarios[0].n_users
    for s in scenarios:
        if (s.n_servers, s.n_users) != (n_s, n_u):
            raise ValueError("every scenario of a shard must have the same counts")
    out: dict[str, np.ndarray] = {}
    for key, *_ in SCALAR_KEYS:
        out[key] = np.array([getattr(s, key) for s in scenarios], dtype=np.float64)
    for key, *_ in SERVER_ARRAYS:
        out[f"server_{key}"] = np.stack([getattr(s, f"server_{key}") for s in scenarios])
    for key, *_ in USER_ARRAYS:
        out[f"user_{key}"] = np.stack([getattr(s, f"user_{key}") for s in scenarios])
    out["server_type_code"] = np.array(
        [[SERVER_TYPE_CODES.index(t) for t in s.server_type] for s in scenarios], dtype=np.int8)
    out["user_type_code"] = np.array(
        [[USER_TYPE_CODES.index(t) for t in s.user_type] for s in scenarios], dtype=np.int8)
    out["preset"] = np.array([s.preset or "" for s in scenarios], dtype="<U32")
    edge_list = np.full((len(scenarios), n_u * n_s, 2), -1, dtype=np.int32)
    edge_count = np.full(len(scenarios), -1, dtype=np.int32)
    for i, s in enumerate(scenarios):
        if s.edges is not None:
            edge_count[i] = len(s.edges)
            if s.edges:
                edge_list[i, :len(s.edges)] = np.array(s.edges, dtype=np.int32)
    out["edge_list"] = edge_list
    out["edge_count"] = edge_count
    return out


def laenet_dict(arrays: dict[str, np.ndarray], i: int) -> dict[str, Any]:
    """Instance ``i`` as the exchange-format dict."""
    preset = str(arrays["preset"][i])
    d: dict[str, Any] = {"problem": "laenet", "preset": preset or None}
    for key, *_ in SCALAR_KEYS:
        d[key] = float(arrays[key][i])
    d["servers"] = {"type": [SERVER_TYPE_CODES[c] for c in arrays["server_type_code"][i]]}
    for key, *_ in SERVER_ARRAYS:
        d["servers"][key] = arrays[f"server_{key}"][i].tolist()
    d["users"] = {"type": [USER_TYPE_CODES[c] for c in arrays["user_type_code"][i]]}
    for key, *_ in USER_ARRAYS:
        d["users"][key] = arrays[f"user_{key}"][i].tolist()
    count = int(arrays["edge_count"][i])
    d["edges"] = None if count < 0 else arrays["edge_list"][i, :count].tolist()
    return d


def decode_laenet(arrays: dict[str, np.ndarray], i: int) -> LaenetScenario:
    """Instance ``i`` as a validated LAENet Scenario."""
    return LaenetScenario.from_dict(laenet_dict(arrays, i))


def decode(problem: str, arrays: dict[str, np.ndarray], i: int) -> Any:
    """Instance ``i`` of either problem."""
    return decode_vec(arrays, i) if problem == "vec" else decode_laenet(arrays, i)
