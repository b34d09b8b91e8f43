"""VECStream presets (SPEC-STREAM "VECStream" and "Preset regime").

A :class:`StreamPreset` holds every knob of the world generator: the road, the RSUs, the
vehicles' arrival process and the tasks. Ranges are ``(low, high)`` tuples drawn uniformly.
Units are in the field names (s, m, m/s, Hz, GHz, Gbit, dB).

``PRESETS["contended"]`` is the default (queues bind: the myopic oracle fails or loses time
against ``lower_bound``); ``PRESETS["light"]`` has the same world with little traffic.
Only the numbers in ``PRESETS`` are tuned (by the measurement in
``benchmarks/vec_stream_regime.py``, documented in docs/stream.md).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from offload_gym.core.errors import ScenarioError

RANGE_FIELDS = ("rsu_y_offset_m", "rsu_cpu_ghz", "rsu_snr_db", "vehicle_cpu_ghz",
                "speed_range_mps", "task_size_gbit", "deadline_s")
POSITIVE_FIELDS = ("road_length_m", "rsu_spacing_m", "vehicle_rate_hz", "task_rate_hz",
                   "range_m", "bandwidth_hz", "cycles_per_bit", "horizon_s")


@dataclass(frozen=True)
class StreamPreset:
    """World-generator parameters of a VECStream episode (all validated at construction).

    Attributes:
        name: preset name (recorded in traces).
        road_length_m: road length L; vehicles enter at x = 0 and leave at x = L.
        rsu_spacing_m: RSU x spacing; RSU i sits at x = (i + 1/2) * spacing.
        rsu_y_offset_m: |y| offset range of an RSU from the road axis (side drawn at random).
        rsu_cpu_ghz / rsu_snr_db / vehicle_cpu_ghz: uniform ranges (SPEC-VEC meaning).
        lanes_y_m: y of each lane (a vehicle's lane is drawn uniformly).
        speed_range_mps: uniform range of a vehicle's constant speed (highway backend).
        vehicle_rate_hz: Poisson rate of vehicle entries at x = 0.
        task_rate_hz: Poisson rate of tasks of ONE vehicle while it is on the road.
        task_size_gbit / deadline_s: uniform ranges of a task's size Q and relative deadline D.
        range_m: radio range xi; bandwidth_hz: band B of one vehicle; cycles_per_bit: b.
        horizon_s: episode length (tasks arrive in [0, horizon_s)).
        fail_penalty: reward of a failed (dropped) task is -fail_penalty (>= 1, so that the
            per-task lower bound also bounds a policy that fails on purpose).
        max_candidates: candidate slots per task (the nearest RSUs in range are kept).
        warm_start: if True, vehicles also enter before t = 0 (from -L / v_min), so the road
            is already in steady state when the episode starts.
    """

    name: str = "custom"
    road_length_m: float = 3000.0
    rsu_spacing_m: float = 200.0
    rsu_y_offset_m: tuple[float, float] = (10.0, 40.0)
    rsu_cpu_ghz: tuple[float, float] = (2.0, 6.0)
    rsu_snr_db: tuple[float, float] = (30.0, 40.0)
    vehicle_cpu_ghz: tuple[float, float] = (0.5, 1.5)
    lanes_y_m: tuple[float, ...] = (-5.25, -1.75, 1.75, 5.25)
    speed_range_mps: tuple[float, float] = (20.0, 33.0)
    vehicle_rate_hz: float = 0.4
    task_rate_hz: float = 0.4
    task_size_gbit: tuple[float, float] = (0.5, 2.0)
    deadline_s: tuple[float, float] = (1.0, 3.0)
    range_m: float = 300.0
    bandwidth_hz: float = 20e9
    cycles_per_bit: float = 1.0
    horizon_s: float = 60.0
    fail_penalty: float = 2.0
    max_candidates: int = 4
    warm_start: bool = True

    def __post_init__(self) -> None:
        _validate(self)

    def replace(self, **overrides: Any) -> StreamPreset:
        """A copy with some fields changed (validated; unknown field -> ScenarioError)."""
        return get_preset(self, **overrides)

    @property
    def n_rsus(self) -> int:
        """Number of RSUs along the road: floor(L / spacing)."""
        return max(math.floor(self.road_length_m / self.rsu_spacing_m + 1e-9), 1)


def _finite_number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(field, f"must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ScenarioError(field, f"must be finite, got {value!r}")
    return float(value)


def _check_range(value: Any, field: str, *, allow_zero: bool = False,
                 any_sign: bool = False) -> None:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ScenarioError(field, f"must be a (low, high) pair, got {value!r}")
    low = _finite_number(value[0], f"{field}[0]")
    high = _finite_number(value[1], f"{field}[1]")
    if not any_sign and (low < 0 or (low == 0 and not allow_zero)):
        raise ScenarioError(f"{field}[0]", f"must be {'>= 0' if allow_zero else '> 0'}, "
                                           f"got {low!r}")
    if high < low:
        raise ScenarioError(field, f"high must be >= low, got ({low!r}, {high!r})")


def _validate(p: StreamPreset) -> None:
    if not isinstance(p.name, str) or not p.name:
        raise ScenarioError("name", f"must be a non-empty string, got {p.name!r}")
    for field in POSITIVE_FIELDS:
        if _finite_number(getattr(p, field), field) <= 0:
            raise ScenarioError(field, f"must be > 0, got {getattr(p, field)!r}")
    for field in RANGE_FIELDS:
        _check_range(getattr(p, field), field, allow_zero=field == "rsu_y_offset_m",
                     any_sign=field == "rsu_snr_db")
    if not isinstance(p.lanes_y_m, (tuple, list)) or not p.lanes_y_m:
        raise ScenarioError("lanes_y_m", f"must be a non-empty tuple, got {p.lanes_y_m!r}")
    for i, y in enumerate(p.lanes_y_m):
        _finite_number(y, f"lanes_y_m[{i}]")
    if _finite_number(p.fail_penalty, "fail_penalty") < 1.0:
        raise ScenarioError("fail_penalty", f"must be >= 1, got {p.fail_penalty!r}")
    if isinstance(p.max_candidates, bool) or not isinstance(p.max_candidates, int) \
            or p.max_candidates < 1:
        raise ScenarioError("max_candidates", f"must be an int >= 1, got {p.max_candidates!r}")
    if not isinstance(p.warm_start, bool):
        raise ScenarioError("warm_start", f"must be a bool, got {p.warm_start!r}")
    if p.rsu_spacing_m > p.road_length_m:
        raise ScenarioError("rsu_spacing_m", f"must be <= road_length_m = {p.road_length_m:g}, "
                                             f"got {p.rsu_spacing_m!r}")


# Tuned by benchmarks/vec_stream_regime.py (docs/stream.md "Measured regime"): the same
# world (3 km as the shipped SUMO highway, slow vehicle CPUs, tight deadlines) with heavy
# or little traffic.
PRESETS: dict[str, StreamPreset] = {
    "contended": StreamPreset(name="contended", vehicle_cpu_ghz=(0.3, 1.0),
                              deadline_s=(0.5, 2.0), vehicle_rate_hz=0.4, task_rate_hz=0.8),
    "light": StreamPreset(name="light", vehicle_cpu_ghz=(0.3, 1.0), deadline_s=(0.5, 2.0),
                          vehicle_rate_hz=0.1, task_rate_hz=0.2),
}
DEFAULT_PRESET = "contended"


def get_preset(preset: str | StreamPreset | None = None, **overrides: Any) -> StreamPreset:
    """The named preset (or ``preset`` itself) with ``overrides`` applied and validated.

    Errors are one-line :class:`ScenarioError` naming the field: unknown preset name
    (``preset``), unknown override (its name) or a bad value (its name)."""
    if preset is None:
        preset = DEFAULT_PRESET
    if isinstance(preset, str):
        if preset not in PRESETS:
            raise ScenarioError("preset", f"unknown preset {preset!r}; "
                                          f"choose one of {sorted(PRESETS)}")
        base = PRESETS[preset]
    elif isinstance(preset, StreamPreset):
        base = preset
    else:
        raise ScenarioError("preset", f"must be a name or a StreamPreset, got {preset!r}")
    if not overrides:
        return base
    names = {f.name for f in dataclasses.fields(StreamPreset)}
    for key in overrides:
        if key not in names:
            raise ScenarioError(key, f"unknown preset field; choose from {sorted(names)}")
    fixed = {k: tuple(v) if isinstance(v, list) else v for k, v in overrides.items()}
    return dataclasses.replace(base, **fixed)
