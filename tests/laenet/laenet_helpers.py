"""Builders of hand-made LAENet scenario dicts for the tests."""

from __future__ import annotations

import copy
from typing import Any

from offload_gym.laenet.generator import GADSG2025


def hand_dict(
    users: list[dict[str, float]],
    n_gs: int = 1,
    edges: list[list[int]] | None = None,
    **scalars: Any,
) -> dict[str, Any]:
    """A preset-constant scenario with a HAP above the origin, ``n_gs`` GSs at (100 s, 0, 0)
    and the given users (keys: type, x, y, data_bits, cpu_hz, w; GU at z = 0, AU at 200)."""
    base = dict(GADSG2025)
    base.update(scalars)
    servers = {
        "type": ["hap"] + ["gs"] * n_gs,
        "x_m": [0.0] + [100.0 * (s + 1) for s in range(n_gs)],
        "y_m": [0.0] * (n_gs + 1),
        "z_m": [20_000.0] + [0.0] * n_gs,
        "cpu_hz": [0.5e10] + [1.2e10] * n_gs,
        "active_power_w": [30.0] + [120.0] * n_gs,
    }
    kinds = [u.get("type", "gu") for u in users]
    return {
        "problem": "laenet",
        "preset": None,
        **base,
        "servers": servers,
        "users": {
            "type": kinds,
            "x_m": [float(u.get("x", 0.0)) for u in users],
            "y_m": [float(u.get("y", 0.0)) for u in users],
            "z_m": [0.0 if k == "gu" else 200.0 for k in kinds],
            "data_bits": [float(u.get("data_bits", 4e6)) for u in users],
            "cpu_hz": [float(u.get("cpu_hz", 4e9)) for u in users],
            "tx_power_w": [0.2 if k == "gu" else 0.15 for k in kinds],
            "delay_weight": [float(u.get("w", 0.5)) for u in users],
        },
        "edges": copy.deepcopy(edges),
    }
