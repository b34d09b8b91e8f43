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
