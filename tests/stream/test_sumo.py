"""VECStream's SUMO mobility backend (offload_gym/vec/stream/sumo.py; SPEC-STREAM "Mobility
backends"). The tests that run SUMO skip without the ``sumo`` extra; CI installs it."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from offload_gym.core.errors import ScenarioError
from offload_gym.vec.stream import sumo
from offload_gym.vec.stream.mobility import HighwayMobility, SampledMobility
from offload_gym.vec.stream.presets import get_preset
from offload_gym.vec.stream.trace import generate_trace

needs_sumo = pytest.mark.skipif(not sumo.sumo_available(),
                                reason="the sumo extra is not installed")
STEP_S = sumo.DEFAULT_STEP_S


# ----------------------------------------------------------------------------- networks
def test_shipped_networks_match_the_highway_preset():
    preset = get_preset("contended")
    highway = sumo.read_network("highway")
    assert highway.edges == ("A0B0",)
    assert highway.length_m == pytest.approx(preset.road_length_m)
    assert highway.lane_y_m == pytest.approx(preset.lanes_y_m)  # SUMO lane j = lanes_y_m[j]
    single = sumo.read_network("single_lane")
    assert single.lane_y_m == (0.0,) and single.length_m == pytest.approx(3000.0)
    grid = sumo.read_network("grid")
    assert len(grid.edges) > 40 and grid.source_edges and grid.sink_edges


def test_rsus_along_the_highway_are_the_highway_layout():
    preset = get_preset("contended")
    xy = sumo.rsu_positions_m("highway", preset.rsu_spacing_m, preset.rsu_y_offset_m,
                              np.random.default_rng(3))
    assert xy.shape == (preset.n_rsus, 2)
    np.testing.assert_allclose(xy[:, 0], (np.arange(preset.n_rsus) + 0.5) * 200.0)
    assert np.all((np.abs(xy[:, 1]) >= 10.0) & (np.abs(xy[:, 1]) <= 40.0))
    assert (xy[:, 1] > 0).any() and (xy[:, 1] < 0).any()


def test_rsus_on_the_grid_sit_beside_its_streets():
    grid = sumo.read_network("grid")
    xy = sumo.rsu_positions_m("grid", 200.0, (10.0, 40.0), np.random.default_rng(0))
    assert xy.shape == (len(grid.roads), 2)  # 200 m streets and 100 m access roads: one each
    for road, p in zip(grid.roads, xy, strict=True):  # distance to the street's centreline
        a, b = np.array(road.start_xy_m), np.array(road.end_xy_m)
        u = (b - a) / road.length_m
        off = abs(u[0] * (p - a)[1] - u[1] * (p - a)[0])
        assert 10.0 - 1e-9 <= off <= 40.0 + 1e-9


def test_unknown_network_and_bad_inputs_name_the_field():
    with pytest.raises(ScenarioError, match=r"^network: .*highway"):
        sumo.read_network("motorway")
    with pytest.raises(ScenarioError, match=r"^speeds_mps: expected 2 entries"):
        sumo.simulate_trajectories("highway", [0.0, 1.0], [20.0], horizon_s=10, seed=0)
    with pytest.raises(ScenarioError, match=r"^speeds_mps\[1\]: must be > 0"):
        sumo.simulate_trajectories("highway", [0.0, 1.0], [20.0, 0.0], horizon_s=10, seed=0)
    with pytest.raises(ScenarioError, match=r"^step_s: "):
        sumo.simulate_trajectories("highway", [0.0], [20.0], horizon_s=10, seed=0, step_s=0)


# ----------------------------------------------------------------------------- no extra
def test_without_the_extra_sumo_fails_with_one_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "libsumo", None)  # import libsumo -> ImportError
    assert not sumo.sumo_available()
    import gymnasium as gym

    import offload_gym  # noqa: F401  (registers the ids)

    for call in (lambda: sumo.sumo_world("contended", 0),
                 lambda: generate_trace("contended", 0, mobility="sumo"),
                 lambda: gym.make("offload_gym/VECStream-v0", mobility="sumo")):
        with pytest.raises((ImportError, ScenarioError)) as info:
            call()
        message = str(info.value)
        assert "pip install 'offload-gym[sumo]'" in message
        assert "\n" not in message


# ----------------------------------------------------------------------------- SUMO runs
@needs_sumo
def test_single_vehicle_reproduces_the_highway_backend_within_a_step():
    """SPEC-STREAM cross-check: single-lane straight road, one vehicle at a fixed speed."""
    enter_s, speed_mps, horizon_s = 2.37, 30.0, 110.0
    mob, kept = sumo.sumo_mobility("single_lane", [enter_s], [speed_mps], horizon_s=horizon_s,
                                   seed=0)
    assert isinstance(mob, SampledMobility) and kept.tolist() == [0]
    ref = HighwayMobility([enter_s], [0.0], [speed_mps], 3000.0)
    assert abs(mob.enter_time_s(0) - ref.enter_time_s(0)) <= STEP_S + 1e-9
    assert abs(mob.leave_time_s(0) - ref.leave_time_s(0)) <= STEP_S + 1e-9
    for t in (5.0, 33.33, 80.0):  # free vehicle: positions agree to rounding
        np.testing.assert_allclose(mob.position_m(0, t), ref.position_m(0, t), atol=1e-6)
    rng = np.random.default_rng(1)
    rsu = np.stack([np.arange(15) * 200.0 + 100.0, rng.uniform(10, 40, 15)
                    * np.where(rng.random(15) < 0.5, -1, 1)], axis=-1)
    # task times incl. ones near the road end, where leaving caps the exit time
    for t0 in (3.0, 10.0, 41.7, 90.0, 97.5, 101.0):
        e_sumo = mob.exit_times_s(0, t0, rsu, 300.0)
        e_ref = ref.exit_times_s(0, t0, rsu, 300.0)
        assert (e_ref > 0).sum() >= 1
        np.testing.assert_array_equal(e_sumo > 0, e_ref > 0)
        np.testing.assert_allclose(e_sumo, e_ref, atol=STEP_S + 1e-9)


@needs_sumo
def test_same_seed_same_trajectories_and_seed_changes_the_grid_routes():
    rng = np.random.default_rng(0)
    enter = np.sort(rng.uniform(-40.0, 20.0, 25))
    speed = rng.uniform(8.0, 14.0, 25)
    runs = [sumo.simulate_trajectories("grid", enter, speed, horizon_s=20.0, seed=s)
            for s in (4, 4, 5)]
    np.testing.assert_array_equal(runs[0].xy_m, runs[1].xy_m)
    np.testing.assert_array_equal(runs[0].kept, runs[1].kept)
    same_shape = runs[0].xy_m.shape == runs[2].xy_m.shape
    assert not (same_shape and np.array_equal(runs[0].xy_m, runs[2].xy_m, equal_nan=True))
    times = runs[0].times_s
    assert times[0] == 0.0 and times[-1] == pytest.approx(20.0) and len(times) == 201
    # on the grid vehicles turn: both axes change along some trajectory
    moves = np.nanmax(runs[0].xy_m, axis=1) - np.nanmin(runs[0].xy_m, axis=1)
    assert ((moves[:, 0] > 1.0) & (moves[:, 1] > 1.0)).any()


@needs_sumo
def test_sumo_trace_is_deterministic_and_uses_the_highway_lanes():
    short = get_preset("light", horizon_s=15.0, warm_start=False, vehicle_rate_hz=1.0)
    a = generate_trace(short, 7, mobility="sumo")
    b = generate_trace(short, 7, mobility="sumo")
    assert isinstance(a.mobility, SampledMobility) and a.mobility.n_vehicles > 3
    np.testing.assert_array_equal(a.mobility.xy_m, b.mobility.xy_m)
    np.testing.assert_array_equal(a.task_arrival_s, b.task_arrival_s)
    np.testing.assert_array_equal(a.rsu_xy_m, b.rsu_xy_m)
    y = a.mobility.xy_m[:, :, 1]
    lanes = np.asarray(short.lanes_y_m)
    on = np.isfinite(y)
    assert np.all(np.min(np.abs(y[on][:, None] - lanes[None]), axis=1) < 1.75 + 1e-9)
    x = a.mobility.xy_m[:, :, 0][on]
    assert x.min() >= 0.0 and x.max() <= 3000.0


@needs_sumo
def test_preset_road_length_must_match_a_straight_network():
    with pytest.raises(ScenarioError, match=r"^road_length_m: .*3000"):
        sumo.sumo_world(get_preset("light", road_length_m=2000.0), 0)


@needs_sumo
def test_build_script_reproduces_the_shipped_highway(tmp_path):
    built = sumo.build_network("highway", tmp_path)
    assert built.read_bytes() == sumo.network_path("highway").read_bytes()
