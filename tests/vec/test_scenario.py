"""VEC scenario validation and JSON round trip."""

import copy
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from offload_gym.core.errors import ScenarioError
from offload_gym.core.scenario_io import scenario_from_dict
from offload_gym.vec import Scenario, generate


@pytest.fixture
def base_dict():
    return generate(4, seed=3, deadline_s=2.0).to_dict()


@pytest.mark.parametrize("preset", ["kato2025", "mobility_stress"])
def test_json_round_trip_identity(preset, tmp_path):
    s = generate(7, preset, seed=11)
    assert Scenario.from_dict(s.to_dict()) == s
    assert Scenario.from_json(s.to_json()).to_dict() == s.to_dict()
    s.to_file(tmp_path / "s.json")
    again = Scenario.from_file(tmp_path / "s.json")
    assert again == s
    assert np.array_equal(again.rsu_x_m, s.rsu_x_m)  # bit-exact floats
    assert scenario_from_dict(json.loads(s.to_json())) == s


def test_infinite_deadline_is_null():
    s = generate(3, seed=0)
    assert s.to_dict()["task"]["deadline_s"] is None
    assert math.isinf(Scenario.from_dict(s.to_dict()).deadline_s)


def test_scenario_is_immutable():
    s = generate(3, seed=0)
    with pytest.raises(ValueError):
        s.rsu_x_m[0] = 5.0
    with pytest.raises(AttributeError):
        s.speed_mps = 3.0  # type: ignore[misc]


def _set(d, path, value):
    keys = path.split(".")
    for k in keys[:-1]:
        d = d[k]
    if value is _DELETE:
        del d[keys[-1]]
    else:
        d[keys[-1]] = value


_DELETE = object()
BAD_CASES = [
    ("vehicle.speed_mps", -1.0, "vehicle.speed_mps"),
    ("vehicle.cpu_ghz", 0.0, "vehicle.cpu_ghz"),
    ("vehicle.x_m", float("nan"), "vehicle.x_m"),
    ("vehicle.y_m", "50", "vehicle.y_m"),
    ("task.size_gbit", -1.0, "task.size_gbit"),
    ("task.deadline_s", 0.0, "task.deadline_s"),
    ("task.deadline_s", float("inf"), "task.deadline_s"),
    ("bandwidth_hz", -5.0, "bandwidth_hz"),
    ("range_m", 0, "range_m"),
    ("cycles_per_bit", True, "cycles_per_bit"),
    ("problem", "laenet-ish", "problem"),
    ("rsus.cpu_ghz", [1.0, -2.0, 3.0, 4.0], "rsus.cpu_ghz[1]"),
    ("rsus.snr_db", [1.0, 2.0, float("inf"), 4.0], "rsus.snr_db[2]"),
    ("rsus.y_m", [1.0, 2.0], "rsus.y_m"),
    ("rsus.x_m", [500.0, 50.0, 50.0, 50.0], "rsus.x_m[0]"),  # out of range at t = 0
    ("rsus.x_m", "oops", "rsus.x_m"),
    ("task.size_gbit", _DELETE, "task.size_gbit"),
    ("vehicle", _DELETE, "vehicle"),
    ("rsus.speed", [1], "rsus.speed"),  # unknown key
    ("vehicle", [1, 2], "vehicle"),
]


@pytest.mark.parametrize(("path", "value", "field"), BAD_CASES)
def test_bad_input_names_the_field(base_dict, path, value, field):
    d = copy.deepcopy(base_dict)
    _set(d, path, value)
    with pytest.raises(ScenarioError) as info:
        Scenario.from_dict(d)
    assert info.value.field == field
    assert str(info.value).startswith(field)


def test_unknown_problem_kind_is_named():
    with pytest.raises(ScenarioError, match=r"^problem"):
        scenario_from_dict({"problem": "tsp"})


def test_malformed_json_text():
    with pytest.raises(ScenarioError, match=r"^json"):
        Scenario.from_json('{"problem": "vec",')
    with pytest.raises(ScenarioError, match=r"^json"):
        Scenario.from_json('{"problem": NaN}')


_json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                       st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5))


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_fuzz_mutations_load_or_raise_scenario_error(data):
    d = generate(3, seed=1).to_dict()
    paths = ["problem", "bandwidth_hz", "range_m", "cycles_per_bit", "vehicle.x_m",
             "vehicle.y_m", "vehicle.speed_mps", "vehicle.cpu_ghz", "task.size_gbit",
             "task.deadline_s", "rsus.x_m", "rsus.y_m", "rsus.cpu_ghz", "rsus.snr_db"]
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths))
        value = data.draw(st.one_of(_json_leaf, st.lists(_json_leaf, max_size=4),
                                    st.just(_DELETE)))
        try:
            _set(d, path, value)
        except (KeyError, TypeError):
            pass
    try:
        s = Scenario.from_dict(d)
    except ScenarioError:
        return
    # whatever loads is a valid scenario that round-trips
    assert Scenario.from_dict(s.to_dict()) == s


# ------------------------------------------------- physically meaningless inputs (issue 13)
def _with(base, path, index, value):
    d = copy.deepcopy(base)
    if index is None:
        _set(d, path, value)
    else:
        keys = path.split(".")
        d[keys[0]][keys[1]][index] = value
    return d


MEANINGLESS = [
    # (path, index, value, field, fragment of the message)
    ("rsus.snr_db", 0, -500.0, "rsus.snr_db[0]", "spectral efficiency"),
    ("rsus.snr_db", 2, 5000.0, "rsus.snr_db[2]", "outside [-1000, 1000] dB"),
    ("rsus.cpu_ghz", 1, 1e-320, "rsus.cpu_ghz[1]", "magnitude range [1e-100, 1e+100]"),
    ("vehicle.cpu_ghz", None, 1e-320, "vehicle.cpu_ghz", "magnitude range"),
    ("vehicle.cpu_ghz", None, 1e308, "vehicle.cpu_ghz", "magnitude range"),
    ("rsus.cpu_ghz", 3, 1e308, "rsus.cpu_ghz[3]", "magnitude range"),
    ("task.size_gbit", None, 1e-308, "task.size_gbit", "magnitude range"),
    ("task.deadline_s", None, 1e308, "task.deadline_s", "magnitude range"),
    ("bandwidth_hz", None, 1e308, "bandwidth_hz", "magnitude range"),
    ("bandwidth_hz", None, 1e-95, "bandwidth_hz", "transmit time 1e9 / (B r) per Gbit"),
    ("vehicle.speed_mps", None, 1e-320, "vehicle.speed_mps", "(or 0)"),
    ("rsus.x_m", 0, 1e-320, "rsus.x_m[0]", "(or 0)"),
    ("cycles_per_bit", None, 1e-100, "vehicle.cpu_ghz", "compute time b / f per Gbit"),
]


@pytest.mark.parametrize(("path", "index", "value", "field", "fragment"), MEANINGLESS,
                         ids=[f"{c[3]}={c[2]:g}" for c in MEANINGLESS])
def test_meaningless_values_are_rejected_naming_the_field(base_dict, path, index, value,
                                                         field, fragment):
    with pytest.raises(ScenarioError) as info:
        Scenario.from_dict(_with(base_dict, path, index, value))
    assert info.value.field == field, str(info.value)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_times_of_1e_minus_308_are_rejected(base_dict):
    """A CPU of 1e308 GHz (b = 1) would give compute times of 1e-308 s; b = 1e-50 cycles/bit
    and a task of 1e-60 Gbit, each in range, give task times of about 1e-110 s: rejected."""
    with pytest.raises(ScenarioError, match=r"^vehicle\.cpu_ghz"):
        Scenario.from_dict(_with(base_dict, "vehicle.cpu_ghz", None, 1e308))
    d = _with(base_dict, "cycles_per_bit", None, 1e-50)
    d["task"]["size_gbit"] = 1e-60  # each in range, but Q b / f is about 1e-110 s
    with pytest.raises(ScenarioError, match=r"^task\.size_gbit: the local compute time"):
        Scenario.from_dict(d)


def test_extreme_but_meaningful_values_are_accepted(base_dict):
    """A very weak RSU (-100 dB) or a very fast CPU (1e99 GHz) stay valid and solvable."""
    from offload_gym.vec.solvers.exact import solve_exact

    weak = Scenario.from_dict(_with(base_dict, "rsus.snr_db", 0, -100.0))
    sol = solve_exact(weak)
    assert 0 not in sol.selected and math.isfinite(sol.completion_time_s)
    fast = Scenario.from_dict(_with(base_dict, "vehicle.cpu_ghz", None, 1e99))
    sol = solve_exact(fast)
    assert sol.selected == ()  # the vehicle is far faster than any RSU
    assert sol.completion_time_s == pytest.approx(fast.size_gbit * fast.cycles_per_bit / 1e99,
                                                  rel=1e-12)


def test_zero_rsus_is_a_valid_local_only_scenario(base_dict):
    """No RSU: the vehicle computes alone. Valid for the scenario, the generators and every
    solver (they all return the local time); the envs need at least one RSU."""
    import gymnasium as gym

    from offload_gym.core.registry import get_solver

    d = copy.deepcopy(base_dict)
    for key in d["rsus"]:
        d["rsus"][key] = []
    s = Scenario.from_dict(d)
    assert s.n_rsus == 0
    assert generate(0, seed=1).n_rsus == 0
    local_time = s.size_gbit * s.cycles_per_bit / s.vehicle_cpu_ghz
    for name in ("exact", "brute", "local", "decc", "milp"):
        sol = get_solver("vec", name)(s)
        assert sol.selected == () and sol.success
        assert sol.completion_time_s == pytest.approx(local_time, rel=1e-12)
    with pytest.raises(ValueError):
        gym.make("offload_gym/VEC-v0", n_rsus=0)


def test_bad_generator_overrides_are_rejected_by_name():
    with pytest.raises(ScenarioError, match=r"^bandwidth_hz: 1e\+308"):
        generate(3, seed=0, bandwidth_hz=1e308)
    with pytest.raises(ScenarioError, match=r"^bandwidth_hz: with RSU"):
        generate(3, seed=0, bandwidth_hz=1e-95)
    with pytest.raises(ScenarioError, match=r"^preset: unknown preset 'nonsense' \(known: "
                                            r"\['kato2025', 'mobility_stress'\]\)"):
        generate(3, "nonsense", seed=0)
