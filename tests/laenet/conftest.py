"""Shared fixtures for the LAENet tests: small hand-made scenario dicts."""

from __future__ import annotations

from typing import Any

import pytest

from .laenet_helpers import hand_dict


@pytest.fixture
def small_dict() -> dict[str, Any]:
    """Three GUs (two may run locally, one is forced), one GS, coverage by radius."""
    return hand_dict([
        {"x": 100.0, "y": 50.0, "cpu_hz": 4e9},
        {"x": 300.0, "y": 0.0, "cpu_hz": 1e9},  # T_loc = 4 s > 2 s: forced
        {"x": 5000.0, "y": 0.0, "cpu_hz": 5e9},  # out of GS range: HAP or local only
    ])
