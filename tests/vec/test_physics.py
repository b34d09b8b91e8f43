"""VEC physics formulas (SPEC-VEC "Physics")."""

import math

import numpy as np

from offload_gym.vec import derive, generate
from offload_gym.vec.physics import distance_m, exit_time_s, mobcheck_mask


def test_formulas_by_hand():
    s = generate(1, seed=4).replace(
        vehicle_x_m=10.0, vehicle_y_m=50.0, vehicle_cpu_ghz=2.0, rsu_x_m=np.array([40.0]),
        rsu_y_m=np.array([90.0]), rsu_cpu_ghz=np.array([4.0]), rsu_snr_db=np.array([25.0]),
        speed_mps=15.0, range_m=150.0, bandwidth_hz=50e9, cycles_per_bit=1.0, size_gbit=1.0)
    p = derive(s)
    d = math.hypot(30.0, 40.0)
    r = math.log2(1 + 10 ** 2.5 / d**2)
    assert math.isclose(p.tau_s_per_gbit[0], 1e9 / (50e9 * r), rel_tol=1e-14)
    assert math.isclose(p.beta_s_per_gbit[0], 0.25, rel_tol=1e-15)
    assert math.isclose(float(p.beta0_s_per_gbit), 0.5, rel_tol=1e-15)
    assert math.isclose(p.cost(3)[0], 0.25 + 3 * p.tau_s_per_gbit[0], rel_tol=1e-15)
    assert math.isclose(p.exit_time_s[0], (30.0 + math.sqrt(150**2 - 40**2)) / 15.0)


def test_distance_clamped_at_one_metre():
    s = generate(1, seed=0)
    s = s.replace(rsu_x_m=np.array([s.vehicle_x_m]), rsu_y_m=np.array([s.vehicle_y_m]),
                  rsu_snr_db=np.array([20.0]))
    assert math.isclose(1e9 / (s.bandwidth_hz * derive(s).tau_s_per_gbit[0]),
                        math.log2(1 + 100.0), rel_tol=1e-14)


def test_exit_time_is_when_range_is_left():
    s = generate(30, "mobility_stress", seed=5)
    p = derive(s)
    d_exit = distance_m(s.rsu_x_m, s.rsu_y_m, s.vehicle_x_m, s.vehicle_y_m, s.speed_mps,
                        p.exit_time_s)
    assert np.allclose(d_exit, s.range_m, rtol=1e-9)
    # in range just before, out of range just after
    before = distance_m(s.rsu_x_m, s.rsu_y_m, s.vehicle_x_m, s.vehicle_y_m, s.speed_mps,
                        p.exit_time_s * (1 - 1e-6))
    after = distance_m(s.rsu_x_m, s.rsu_y_m, s.vehicle_x_m, s.vehicle_y_m, s.speed_mps,
                       p.exit_time_s * (1 + 1e-6) + 1e-9)
    assert np.all(before <= s.range_m * (1 + 1e-12))
    assert np.all(after > s.range_m)


def test_zero_speed_never_exits():
    assert np.all(np.isinf(exit_time_s(np.array([1.0]), np.array([2.0]), 0.0, 0.0, 0.0, 10.0)))


def test_mobcheck_threshold():
    exit_s = np.array([0.5, 1.0, 2.0])
    keep = mobcheck_mask(exit_s, np.float64(np.inf), np.float64(1.0), np.float64(1.0))
    assert keep.tolist() == [False, True, True]
    keep = mobcheck_mask(exit_s, np.float64(0.4), np.float64(1.0), np.float64(1.0))
    assert keep.tolist() == [True, True, True]


def test_batch_physics_equals_single():
    from offload_gym.vec import generate_batch

    b = generate_batch(5, 6, "mobility_stress", seed=2)
    pb = b.physics()
    for i in range(5):
        p = derive(b.scenario(i))
        assert np.array_equal(pb.tau_s_per_gbit[i], p.tau_s_per_gbit)
        assert np.array_equal(pb.exit_time_s[i], p.exit_time_s)
