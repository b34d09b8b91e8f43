"""Scenario validation and the JSON exchange format (SPEC-LAENET.md "Scenario exchange format")."""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from offload_gym.core.errors import ScenarioError
from offload_gym.core.scenario_io import load_scenario, scenario_from_dict
from offload_gym.laenet import Scenario, derive, generate

EXCHANGE_KEYS = {
    "problem", "preset", "deadline_s", "cycles_per_bit", "kappa", "bandwidth_hz", "noise_w",
    "carrier_hz", "g0", "eta_los_db", "eta_nlos_db", "los_k1", "los_k2", "coverage_m",
    "servers", "users", "edges",
}


def test_to_dict_has_exactly_the_exchange_keys(small_dict: dict[str, Any]) -> None:
    sc = Scenario.from_dict(small_dict)
    d = sc.to_dict()
    assert set(d) == EXCHANGE_KEYS
    assert set(d["servers"]) == {"type", "x_m", "y_m", "z_m", "cpu_hz", "active_power_w"}
    assert set(d["users"]) == {"type", "x_m", "y_m", "z_m", "data_bits", "cpu_hz",
                               "tx_power_w", "delay_weight"}
    assert d["problem"] == "laenet" and sc.problem == "laenet"
    assert sc.n_servers == 2 and sc.n_users == 3


def test_dict_round_trip_identity(small_dict: dict[str, Any]) -> None:
    sc = Scenario.from_dict(small_dict)
    assert sc.to_dict() == small_dict
    assert Scenario.from_dict(sc.to_dict()) == sc


def test_json_and_file_round_trip(tmp_path: Any) -> None:
    sc = generate("gs3_gu6_au4", seed=5)
    assert Scenario.from_json(sc.to_json()) == sc
    assert Scenario.from_json(sc.to_json()).to_dict() == sc.to_dict()
    path = tmp_path / "sc.json"
    sc.to_file(path)
    back = Scenario.from_file(path)
    assert back.to_dict() == sc.to_dict()
    # The problem-agnostic loader dispatches on "problem".
    assert load_scenario(path) == sc
    assert scenario_from_dict(json.loads(path.read_text())) == sc
    # Exact float round trip: derived numbers are bit-identical.
    assert np.array_equal(derive(back).j_exe, derive(sc).j_exe)


def test_edges_round_trip_and_override(small_dict: dict[str, Any]) -> None:
    small_dict["edges"] = [[2, 0], [0, 1], [1, 1], [0, 0]]
    sc = Scenario.from_dict(small_dict)
    assert sc.to_dict()["edges"] == [[2, 0], [0, 1], [1, 1], [0, 0]]
    d = derive(sc)
    assert d.edge_user.tolist() == [0, 0, 1, 2] and d.edge_server.tolist() == [0, 1, 1, 0]


def test_arrays_are_read_only_and_scenario_frozen(small_dict: dict[str, Any]) -> None:
    sc = Scenario.from_dict(small_dict)
    with pytest.raises(ValueError):
        sc.user_data_bits[0] = 1.0
    with pytest.raises(AttributeError):
        sc.deadline_s = 3.0  # type: ignore[misc]
    d = derive(sc)
    with pytest.raises(ValueError):
        d.mu[0] = 0.0


def _mut(d: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(d)
    target = out
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return out


_DELETE = object()

BAD_CASES = [
    (("servers", "type", 0), "gs", "servers.type[0]"),
    (("servers", "type", 1), "hap", "servers.type[1]"),
    (("servers", "type", 1), "uav", "servers.type[1]"),
    (("users", "type", 1), "satellite", "users.type[1]"),
    (("users", "type", 0), "au", "users.type[1]"),  # GU after AU
    (("users", "data_bits", 2), -1.0, "users.data_bits[2]"),
    (("users", "data_bits", 2), float("nan"), "users.data_bits[2]"),
    (("users", "data_bits", 1), 0.0, "users.data_bits[1]"),
    (("users", "cpu_hz", 0), "fast", "users.cpu_hz[0]"),
    (("users", "delay_weight", 1), 1.5, "users.delay_weight[1]"),
    (("users", "delay_weight", 1), True, "users.delay_weight[1]"),
    (("servers", "cpu_hz", 1), math.inf, "servers.cpu_hz[1]"),
    (("servers", "active_power_w", 0), 0.0, "servers.active_power_w[0]"),
    (("users", "x_m"), [0.0, 1.0], "users.x_m"),
    (("servers", "z_m"), [1.0, 2.0, 3.0], "servers.z_m"),
    (("users", "type"), [], "users.type"),
    (("users", "type"), "gu", "users.type"),
    (("deadline_s",), 0.0, "deadline_s"),
    (("noise_w",), -1e-13, "noise_w"),
    (("kappa",), None, "kappa"),
    (("problem",), "vec", "problem"),
    (("preset",), 3, "preset"),
    (("users", "cpu_hz"), _DELETE, "users.cpu_hz"),
    (("coverage_m",), _DELETE, "coverage_m"),
    (("edges",), _DELETE, "edges"),
    (("servers",), _DELETE, "servers"),
    (("servers", "speed"), [1.0, 1.0], "servers.speed"),
    (("bandwith_hz",), 1e7, "bandwith_hz"),
    (("edges",), [[0, 0], [3, 0]], "edges[1][0]"),
    (("edges",), [[0, 0], [1, 2]], "edges[1][1]"),
    (("edges",), [[0, 0], [0, 0]], "edges[1]"),
    (("edges",), [[0, 0, 1]], "edges[0]"),
    (("edges",), [[0.5, 0]], "edges[0][0]"),
    (("edges",), [[True, 0]], "edges[0][0]"),
    (("edges",), "all", "edges"),
    (("servers",), [1, 2], "servers"),
]


@pytest.mark.parametrize(("path", "value", "field"), BAD_CASES,
                         ids=[c[2] + "-" + repr(c[1])[:12] for c in BAD_CASES])
def test_bad_input_names_the_field(small_dict: dict[str, Any], path: tuple[Any, ...],
                                   value: Any, field: str) -> None:
    bad = _mut(small_dict, path, value)
    if path == ("users", "type", 0):  # make the GU-after-AU case: ["au", "gu", "gu"]
        bad["users"]["type"] = ["au", "gu", "gu"]
    with pytest.raises(ScenarioError) as info:
        Scenario.from_dict(bad)
    assert info.value.field == field, str(info.value)
    assert str(info.value).startswith(field)


def test_not_a_mapping_and_bad_json() -> None:
    with pytest.raises(ScenarioError, match="scenario"):
        Scenario.from_dict([1, 2])
    with pytest.raises(ScenarioError, match="json"):
        Scenario.from_json('{"problem": "laenet", "kappa": NaN}')
    with pytest.raises(ScenarioError, match="path"):
        Scenario.from_file("/nonexistent/scenario.json")


# --------------------------------------------------------------------------- fuzz
_json_values = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=4), st.sampled_from(["hap", "gs", "gu", "au", "laenet"]),
    st.lists(st.integers(-2, 4), max_size=4),
    st.lists(st.lists(st.integers(-1, 4), max_size=3), max_size=4),
    st.lists(st.floats(), max_size=4), st.dictionaries(st.text(max_size=3), st.integers(),
                                                      max_size=2),
)


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, (*prefix, i))
    return out


_BASE = Scenario.from_dict(generate("gs2_gu4_au2", seed=0).to_dict()).to_dict()
_BASE["edges"] = [[u, 0] for u in range(6)] + [[0, 1], [3, 2]]
_PATHS = _paths(_BASE)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations=st.lists(
    st.tuples(st.sampled_from(_PATHS), st.one_of(_json_values, st.just(_DELETE),
                                                 st.just("__extra__"))),
    min_size=1, max_size=3))
def test_fuzz_mutations_load_or_raise_scenario_error(
    mutations: list[tuple[tuple[Any, ...], Any]],
) -> None:
    data = copy.deepcopy(_BASE)
    for path, value in mutations:
        try:
            if value == "__extra__":
                parent = data
                for key in path[:-1]:
                    parent = parent[key]
                if isinstance(parent, dict):
                    parent["zz_extra"] = 1
                continue
            data = _mut(data, path, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced the container
    try:
        sc = Scenario.from_dict(data)
    except ScenarioError:
        return
    with np.errstate(all="ignore"):
        d = derive(sc)
    assert d.n_users == sc.n_users and d.edge_features.shape == (d.n_edges, 6)


# ------------------------------------------------- physically meaningless inputs (issue 13)
MEANINGLESS = [
    # (path, value, field, fragment of the message)
    (("users", "z_m", 0), -50.0, "users.z_m[0]", "heights are above ground"),
    (("servers", "z_m", 1), -1.0, "servers.z_m[1]", "heights are above ground"),
    (("preset",), "nonsense", "preset", "unknown preset 'nonsense' (known: ['gadsg2025']"),
    (("users", "cpu_hz", 0), 1e-320, "users.cpu_hz[0]", "magnitude range [1e-100, 1e+100]"),
    (("users", "cpu_hz", 2), 1e308, "users.cpu_hz[2]", "magnitude range"),
    (("servers", "cpu_hz", 1), 1e-320, "servers.cpu_hz[1]", "magnitude range"),
    (("users", "data_bits", 0), 1e-308, "users.data_bits[0]", "magnitude range"),
    (("noise_w",), 1e-320, "noise_w", "magnitude range"),
    (("kappa",), 1e308, "kappa", "(or 0)"),
    (("eta_los_db",), -5000.0, "eta_los_db", "outside [-1000, 1000] dB"),
    (("users", "cpu_hz", 0), 1e60, "users.cpu_hz[0]", "the local energy kappa f^2 a D"),
    (("users", "cpu_hz", 0), 1e-99, "users.cpu_hz[0]", "the local compute time a D / f"),
    (("servers", "cpu_hz", 1), 1e-99, "servers.cpu_hz[1]", "execution time a D / F"),
]


@pytest.mark.parametrize(("path", "value", "field", "fragment"), MEANINGLESS,
                         ids=[f"{c[2]}={c[1]!r}" for c in MEANINGLESS])
def test_meaningless_values_are_rejected_naming_the_field(
        small_dict: dict[str, Any], path: tuple[Any, ...], value: Any, field: str,
        fragment: str) -> None:
    with pytest.raises(ScenarioError) as info:
        Scenario.from_dict(_mut(small_dict, path, value))
    assert info.value.field == field, str(info.value)
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_overflowing_rate_is_rejected(small_dict: dict[str, Any]) -> None:
    """Each input within range, but D / R below 1e-100 s: the rate is absurd."""
    bad = _mut(_mut(small_dict, ("bandwidth_hz",), 1e100), ("users", "data_bits", 0), 1e-90)
    with pytest.raises(ScenarioError, match=r"^bandwidth_hz: user 0's transmit time D / R"):
        Scenario.from_dict(bad)


def test_dead_link_is_physics_not_an_error(small_dict: dict[str, Any]) -> None:
    """A transmitter too weak to reach anyone (rate rounds to 0: T_tr = inf) is valid: its
    edges are infeasible, nothing else changes."""
    sc = Scenario.from_dict(_mut(small_dict, ("users", "tx_power_w", 0), 1e-90))
    d = derive(sc)
    edges = d.user_edges[0]
    assert edges.size and not d.feasible[edges].any()
    assert (d.t_tr[edges] > sc.deadline_s).all()
    assert d.options(0) == [-1]  # only its local run is left


def test_ground_level_and_zero_values_that_are_allowed(small_dict: dict[str, Any]) -> None:
    ok = _mut(_mut(small_dict, ("kappa",), 0.0), ("coverage_m",), 0.0)
    sc = Scenario.from_dict(_mut(ok, ("users", "z_m", 0), 0.0))
    assert sc.kappa == 0.0 and sc.user_z_m[0] == 0.0
    assert Scenario.from_dict(_mut(small_dict, ("preset",), "gadsg2025")).preset == "gadsg2025"
    assert Scenario.from_dict(_mut(small_dict, ("preset",), None)).preset is None


def test_generated_scenarios_pass_the_full_validation() -> None:
    for seed in range(5):
        sc = generate("gs3_gu6_au4", seed=seed)
        assert Scenario.from_dict(sc.to_dict()) == sc
