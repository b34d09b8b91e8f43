"""The LAENet Scenario is pure data: the derived-physics cache lives in ``physics`` (keyed by
the scenario object, dropped with it), ``physics`` does not import ``scenario`` at module
level (no import cycle), and pool scenarios hand their batch-computed physics to the cache
without touching the scenario's ``__dict__``."""

from __future__ import annotations

import ast
import gc
import inspect

import numpy as np

from offload_gym.laenet import generate, generate_pool, physics
from offload_gym.laenet.physics import compute_derived, derive


def _module_level_imports(module) -> set[str]:
    """Modules imported at module level (``if TYPE_CHECKING:`` blocks left out)."""
    out: set[str] = set()
    for node in ast.parse(inspect.getsource(module)).body:
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_physics_does_not_import_the_scenario_module_at_module_level():
    assert "offload_gym.laenet.scenario" not in _module_level_imports(physics)


def test_derive_caches_per_scenario_object_and_not_on_the_scenario():
    sc = generate("gs2_gu4_au2", 1)
    d = derive(sc)
    assert derive(sc) is d is sc.derived
    assert "derived" not in vars(sc)  # pure data: nothing cached on the instance
    twin = generate("gs2_gu4_au2", 1)
    assert twin == sc and derive(twin) is not d  # identity, not equality, keys the cache


def test_cache_entries_go_with_their_scenarios():
    gc.collect()
    before = len(physics._DERIVED)
    pool = generate_pool("gs2_gu4_au2", 20, 3)
    assert len(physics._DERIVED) == before + 20
    del pool
    gc.collect()
    assert len(physics._DERIVED) == before


def test_pool_scenarios_come_with_their_physics_equal_to_compute_derived():
    pool = generate_pool("gs3_gu6_au4", 5, 7)
    sc = pool[2]
    assert "derived" not in vars(sc)
    cached, fresh = derive(sc), compute_derived(sc)
    assert cached is derive(sc)
    assert np.array_equal(cached.edge_features, fresh.edge_features)
    assert np.array_equal(cached.j_loc, fresh.j_loc) and np.array_equal(cached.mu, fresh.mu)
