"""Shared fixtures for the env tests; the rollout helpers live in ``env_helpers``."""

from __future__ import annotations

import numpy as np
import pytest

from .env_helpers import masked_random_action, rollout

__all__ = ["masked_random_action", "rollout"]


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)
