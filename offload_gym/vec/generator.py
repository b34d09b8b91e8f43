"""Seeded VEC instance generators (presets ``kato2025`` and ``mobility_stress``).

``kato2025`` is the KATO paper's setting (SPEC-VEC table): RSUs uniform in a 100 m x 100 m
square, the vehicle on the road y = 50 m at x0 ~ U[0, 100], range 150 m, v = 15 m/s,
f ~ U[0.1, 10] GHz for the vehicle and every RSU, SNR ~ U[20, 30] dB, Q = 1 Gbit,
B = 50e9 Hz, b = 1 cycle/bit, no deadline.

``mobility_stress`` is the spec's preset where leaving range matters: RSUs uniform over
the whole disc of radius xi around the vehicle (so some are about to leave), a slow
vehicle CPU f_0 ~ U[0.1, 1] GHz, v ~ U[25, 35] m/s, B = 5e8 Hz and a larger task,
Q = 3 Gbit, so that completion times (seconds) are comparable to the exit times.
Measured share of instances whose optimum changes when exit times are ignored: about
50 % at n = 5, 28 % at n = 20, 13 % at n = 50 (0 % for ``kato2025``); see README.

Every draw uses a ``numpy.random.Generator``; the same seed gives the same instances.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from offload_gym.core.errors import ScenarioError
from offload_gym.core.validation import check_magnitude
from offload_gym.vec.batch import ScenarioBatch
from offload_gym.vec.scenario import Scenario


@dataclass(frozen=True)
class VecPreset:
    """Distribution of instances. Ranges are (low, high) for uniform draws."""

    name: str
    rsu_layout: str  # "square": uniform in [0, side]^2; "disc": uniform in the range disc
    square_side_m: float = 100.0
    road_y_m: float = 50.0
    vehicle_x_range_m: tuple[float, float] = (0.0, 100.0)
    range_m: float = 150.0
    speed_range_mps: tuple[float, float] = (15.0, 15.0)
    vehicle_cpu_range_ghz: tuple[float, float] = (0.1, 10.0)
    rsu_cpu_range_ghz: tuple[float, float] = (0.1, 10.0)
    snr_range_db: tuple[float, float] = (20.0, 30.0)
    size_gbit: float = 1.0
    deadline_s: float = math.inf
    bandwidth_hz: float = 50e9
    cycles_per_bit: float = 1.0


PRESETS: dict[str, VecPreset] = {
    "kato2025": VecPreset(name="kato2025", rsu_layout="square"),
    "mobility_stress": VecPreset(
        name="mobility_stress", rsu_layout="disc", speed_range_mps=(25.0, 35.0),
        vehicle_cpu_range_ghz=(0.1, 1.0), bandwidth_hz=5e8, size_gbit=3.0),
}


def get_preset(preset: str | VecPreset, **overrides: float) -> VecPreset:
    """Look up a preset by name and apply user overrides.

    Overrides: ``speed_mps`` (fixes the speed), ``deadline_s``, ``bandwidth_hz``,
    ``size_gbit``, ``range_m``, ``cycles_per_bit``."""
    if isinstance(preset, str):
        if preset not in PRESETS:
            raise ScenarioError("preset", f"unknown preset {preset!r} (known: {sorted(PRESETS)})")
        preset = PRESETS[preset]
    changes: dict[str, object] = {}
    for key, value in overrides.items():
        if value is None:
            continue
        if key == "speed_mps":
            if not value >= 0:
                raise ScenarioError("speed_mps", f"must be >= 0, got {value}")
            check_magnitude(value, key, allow_zero=True)
            changes["speed_range_mps"] = (float(value), float(value))
        elif key in ("deadline_s", "bandwidth_hz", "size_gbit", "range_m", "cycles_per_bit"):
            if not value > 0:
                raise ScenarioError(key, f"must be > 0, got {value}")
            if not (key == "deadline_s" and math.isinf(value)):
                check_magnitude(value, key)
            changes[key] = float(value)
        else:
            raise ScenarioError(key, "unknown generator override (known: speed_mps, "
                                     "deadline_s, bandwidth_hz, size_gbit, range_m, "
                                     "cycles_per_bit)")
    return replace(preset, **changes)


def generate_batch(
    n_instances: int,
    n_rsus: int,
    preset: str | VecPreset = "kato2025",
    seed: int | np.random.Generator | None = None,
    **overrides: float,
) -> ScenarioBatch:
    """Draw ``n_instances`` scenarios with ``n_rsus`` RSUs each, all at once as arrays."""
    if n_instances < 1:
        raise ScenarioError("n_instances", f"must be >= 1, got {n_instances}")
    if n_rsus < 0:
        raise ScenarioError("n_rsus", f"must be >= 0, got {n_rsus}")
    p = get_preset(preset, **overrides)
    rng = np.random.default_rng(seed)
    b, n = n_instances, n_rsus
    vx = rng.uniform(*p.vehicle_x_range_m, size=b)
    vy = np.full(b, p.road_y_m)
    if p.rsu_layout == "square":
        rx = rng.uniform(0.0, p.square_side_m, size=(b, n))
        ry = rng.uniform(0.0, p.square_side_m, size=(b, n))
        too_far = np.hypot(rx - vx[:, None], ry - vy[:, None]) > p.range_m
        if too_far.any():
            raise ScenarioError("range_m", f"{p.range_m} m does not cover the RSU square "
                                           "(every RSU must start in range)")
    elif p.rsu_layout == "disc":
        radius = p.range_m * np.sqrt(rng.uniform(0.0, 1.0, size=(b, n)))
        angle = rng.uniform(0.0, 2 * np.pi, size=(b, n))
        rx = vx[:, None] + radius * np.cos(angle)
        ry = vy[:, None] + radius * np.sin(angle)
    else:
        raise ScenarioError("rsu_layout", f"unknown layout {p.rsu_layout!r}")
    return ScenarioBatch(
        vehicle_x_m=vx,
        vehicle_y_m=vy,
        speed_mps=rng.uniform(*p.speed_range_mps, size=b),
        vehicle_cpu_ghz=rng.uniform(*p.vehicle_cpu_range_ghz, size=b),
        rsu_x_m=rx,
        rsu_y_m=ry,
        rsu_cpu_ghz=rng.uniform(*p.rsu_cpu_range_ghz, size=(b, n)),
        rsu_snr_db=rng.uniform(*p.snr_range_db, size=(b, n)),
        size_gbit=np.full(b, p.size_gbit),
        deadline_s=np.full(b, p.deadline_s),
        bandwidth_hz=np.full(b, p.bandwidth_hz),
        range_m=np.full(b, p.range_m),
        cycles_per_bit=np.full(b, p.cycles_per_bit),
    )


def generate(
    n_rsus: int = 20,
    preset: str | VecPreset = "kato2025",
    seed: int | np.random.Generator | None = None,
    **overrides: float,
) -> Scenario:
    """Draw one scenario (see :func:`generate_batch` for the parameters)."""
    return generate_batch(1, n_rsus, preset, seed, **overrides).scenario(0)
