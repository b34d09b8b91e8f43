"""The VEC scenario: one vehicle, ``n`` roadside units (RSUs), one divisible task.

Validated and immutable. The JSON exchange format is the one of SPEC-VEC ("Scenario exchange
format"); keys carry SI units::

    {"problem": "vec",
     "vehicle": {"x_m", "y_m", "speed_mps", "cpu_ghz"},
     "rsus": {"x_m": [..], "y_m": [..], "cpu_ghz": [..], "snr_db": [..]},
     "task": {"size_gbit", "deadline_s" (null = no deadline)},
     "bandwidth_hz", "range_m", "cycles_per_bit"}

The vehicle drives along +x; every RSU must be within ``range_m`` of it at t = 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from offload_gym.core import jsonio
from offload_gym.core.errors import ScenarioError
from offload_gym.core.validation import (
    DB_MAX,
    MAGNITUDE_MAX,
    MAGNITUDE_MIN,
    as_float,
    as_float_array,
    check_db,
    check_derived,
    check_magnitude,
    check_no_extra_keys,
    frozen,
    require_key,
    require_mapping,
)
from offload_gym.vec import physics

PROBLEM = "vec"
_TOP_KEYS = {"problem", "vehicle", "rsus", "task", "bandwidth_hz", "range_m", "cycles_per_bit"}
_VEHICLE_KEYS = {"x_m", "y_m", "speed_mps", "cpu_ghz"}
_RSU_KEYS = {"x_m", "y_m", "cpu_ghz", "snr_db"}
_TASK_KEYS = {"size_gbit", "deadline_s"}
# Relative slack when checking "in range at t = 0", so that a scenario written to JSON and
# read back (or an RSU generated exactly on the circle) is not rejected by rounding.
_RANGE_RTOL = 1e-12


# Which of the first nine magnitude checks (the scalars) accept 0: positions and speed.
_SCALAR_ZERO_OK = np.array([True, True, True, False, False, False, False, False, False])


def _in_range(a: np.ndarray) -> np.ndarray:
    """|a| within [MAGNITUDE_MIN, MAGNITUDE_MAX] (``a`` already non-negative)."""
    return (a >= MAGNITUDE_MIN) & (a <= MAGNITUDE_MAX)


@dataclass(frozen=True, eq=False)
class Scenario:
    """One VEC instance (SPEC-VEC "Entities and parameters"). Arrays are read-only."""

    vehicle_x_m: float
    vehicle_y_m: float
    speed_mps: float
    vehicle_cpu_ghz: float
    rsu_x_m: np.ndarray
    rsu_y_m: np.ndarray
    rsu_cpu_ghz: np.ndarray
    rsu_snr_db: np.ndarray
    size_gbit: float
    deadline_s: float  # math.inf when the task has no deadline
    bandwidth_hz: float
    range_m: float
    cycles_per_bit: float
    problem: str = field(default=PROBLEM, init=False)

    def __post_init__(self) -> None:
        for name in ("rsu_x_m", "rsu_y_m", "rsu_cpu_ghz", "rsu_snr_db"):
            object.__setattr__(self, name, frozen(getattr(self, name)))
        self._validate()

    # ------------------------------------------------------------------ validation
    def _validate(self) -> None:
        as_float(self.vehicle_x_m, "vehicle.x_m")
        as_float(self.vehicle_y_m, "vehicle.y_m")
        as_float(self.speed_mps, "vehicle.speed_mps", min_value=0.0)
        as_float(self.vehicle_cpu_ghz, "vehicle.cpu_ghz", min_value=0.0, strict_min=True)
        as_float(self.size_gbit, "task.size_gbit", min_value=0.0, strict_min=True)
        as_float(self.deadline_s, "task.deadline_s", min_value=0.0, strict_min=True,
                 allow_inf=True)
        as_float(self.bandwidth_hz, "bandwidth_hz", min_value=0.0, strict_min=True)
        as_float(self.range_m, "range_m", min_value=0.0, strict_min=True)
        as_float(self.cycles_per_bit, "cycles_per_bit", min_value=0.0, strict_min=True)
        n = self.rsu_x_m.shape[0]
        arrays = {"x_m": self.rsu_x_m, "y_m": self.rsu_y_m, "cpu_ghz": self.rsu_cpu_ghz,
                  "snr_db": self.rsu_snr_db}
        for key, arr in arrays.items():
            if arr.ndim != 1 or arr.shape[0] != n:
                raise ScenarioError(f"rsus.{key}", f"expected {n} entries (as rsus.x_m), "
                                                   f"got shape {arr.shape}")
            bad = np.flatnonzero(~np.isfinite(arr))
            if bad.size:
                raise ScenarioError(f"rsus.{key}[{bad[0]}]", f"must be finite, got {arr[bad[0]]}")
        bad = np.flatnonzero(~(self.rsu_cpu_ghz > 0))
        if bad.size:
            raise ScenarioError(f"rsus.cpu_ghz[{bad[0]}]",
                                f"must be > 0, got {self.rsu_cpu_ghz[bad[0]]}")
        self._check_magnitudes()
        dist = np.hypot(self.rsu_x_m - self.vehicle_x_m, self.rsu_y_m - self.vehicle_y_m)
        bad = np.flatnonzero(dist > self.range_m * (1 + _RANGE_RTOL))
        if bad.size:
            raise ScenarioError(
                f"rsus.x_m[{bad[0]}]",
                f"RSU {bad[0]} is {dist[bad[0]]:.6g} m from the vehicle at t = 0, beyond "
                f"range_m = {self.range_m:g} (every RSU must start in range)")
        self._check_derived(dist)

    def _magnitude_checks(self) -> tuple[tuple[str, Any, bool], ...]:
        """(field, value(s), zero allowed) of every input with a bounded magnitude."""
        return (
            ("vehicle.x_m", self.vehicle_x_m, True), ("vehicle.y_m", self.vehicle_y_m, True),
            ("vehicle.speed_mps", self.speed_mps, True),
            ("vehicle.cpu_ghz", self.vehicle_cpu_ghz, False),
            ("task.size_gbit", self.size_gbit, False),
            ("task.deadline_s", self.deadline_s if self.has_deadline else 1.0, False),
            ("bandwidth_hz", self.bandwidth_hz, False), ("range_m", self.range_m, False),
            ("cycles_per_bit", self.cycles_per_bit, False),
            ("rsus.x_m", self.rsu_x_m, True), ("rsus.y_m", self.rsu_y_m, True),
            ("rsus.cpu_ghz", self.rsu_cpu_ghz, False),
        )

    def _check_magnitudes(self) -> None:
        """Non-zero inputs within [1e-100, 1e100], SNRs within +-1000 dB (docs/vec.md)."""
        checks = self._magnitude_checks()
        scalars = np.abs(np.array([v for _, v, _ in checks[:9]]))
        positions = np.abs(np.concatenate([self.rsu_x_m, self.rsu_y_m]))
        cpu = self.rsu_cpu_ghz
        if (_in_range(scalars) | (_SCALAR_ZERO_OK & (scalars == 0.0))).all() \
                and (_in_range(positions) | (positions == 0.0)).all() \
                and _in_range(cpu).all() and (np.abs(self.rsu_snr_db) <= DB_MAX).all():
            return
        for name, value, zero in checks:  # slow path: name the first bad entry
            check_magnitude(value, name, allow_zero=zero)
        check_db(self.rsu_snr_db, "rsus.snr_db")

    def _check_derived(self, distance0_m: np.ndarray) -> None:
        """The times the model computes are finite and within [1e-100, 1e100] s, and every
        RSU's spectral efficiency is a positive number (not rounded to 0): per-Gbit compute
        times b/f, transmit times 1e9/(B r), and the task's times Q b/f and Q 1e9/(B r)."""
        q = self.size_gbit
        with np.errstate(all="ignore"):
            r = physics.spectral_efficiency(self.rsu_snr_db, distance0_m)
            beta0 = self.cycles_per_bit / self.vehicle_cpu_ghz
            beta = self.cycles_per_bit / self.rsu_cpu_ghz
            tau = physics.transmit_time_s_per_gbit(self.bandwidth_hz, r)
            times = np.concatenate([[beta0, q * beta0], beta, tau, q * beta, q * tau])
        if ((times >= MAGNITUDE_MIN) & (times <= MAGNITUDE_MAX)).all():
            return  # (r > 0 and finite follows from tau in range)
        bad = np.flatnonzero(~((r > 0) & np.isfinite(r)))
        if bad.size:
            i = int(bad[0])
            raise ScenarioError(
                f"rsus.snr_db[{i}]",
                f"an SNR of {self.rsu_snr_db[i]:g} dB at {distance0_m[i]:.6g} m gives a "
                f"spectral efficiency log2(1 + snr / d^2) of {float(r[i])!r} bit/s/Hz (it "
                "must be a positive finite number: the RSU could never receive data)")
        check_derived(beta0, "vehicle.cpu_ghz", "the compute time b / f per Gbit")
        check_derived(beta, "rsus.cpu_ghz", "the compute time b / f per Gbit")
        bad = np.flatnonzero(~((tau >= MAGNITUDE_MIN) & (tau <= MAGNITUDE_MAX)))
        if bad.size:
            i = int(bad[0])
            check_derived(tau[i], "bandwidth_hz", f"with RSU {i}'s spectral efficiency "
                                                       f"r = {float(r[i]):.6g}, the transmit "
                                                       "time 1e9 / (B r) per Gbit")
        check_derived(q * beta0, "task.size_gbit", "the local compute time Q b / f_0")
        check_derived(q * beta, "task.size_gbit", "an RSU's compute time Q b / f")
        check_derived(q * tau, "task.size_gbit", "an RSU's transmit time Q 1e9 / (B r)")

    # ------------------------------------------------------------------ basic properties
    @property
    def n_rsus(self) -> int:
        return int(self.rsu_x_m.shape[0])

    @property
    def has_deadline(self) -> bool:
        return math.isfinite(self.deadline_s)

    def replace(self, **changes: Any) -> Scenario:
        """A copy with some fields changed (validated again)."""
        kwargs = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "problem"}
        kwargs.update(changes)
        return Scenario(**kwargs)

    def subset(self, rsu_indices: Any) -> Scenario:
        """The same scenario restricted to some RSUs (kept in the given order)."""
        idx = np.asarray(rsu_indices, dtype=np.int64)
        return self.replace(rsu_x_m=self.rsu_x_m[idx], rsu_y_m=self.rsu_y_m[idx],
                            rsu_cpu_ghz=self.rsu_cpu_ghz[idx], rsu_snr_db=self.rsu_snr_db[idx])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Scenario):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        """The spec's exchange dict (an infinite deadline is written as ``null``)."""
        return {
            "problem": PROBLEM,
            "vehicle": {"x_m": float(self.vehicle_x_m), "y_m": float(self.vehicle_y_m),
                        "speed_mps": float(self.speed_mps),
                        "cpu_ghz": float(self.vehicle_cpu_ghz)},
            "rsus": {"x_m": self.rsu_x_m.tolist(), "y_m": self.rsu_y_m.tolist(),
                     "cpu_ghz": self.rsu_cpu_ghz.tolist(), "snr_db": self.rsu_snr_db.tolist()},
            "task": {"size_gbit": float(self.size_gbit),
                     "deadline_s": float(self.deadline_s) if self.has_deadline else None},
            "bandwidth_hz": float(self.bandwidth_hz),
            "range_m": float(self.range_m),
            "cycles_per_bit": float(self.cycles_per_bit),
        }

    @classmethod
    def from_dict(cls, data: Any) -> Scenario:
        """Build and validate from the exchange dict; errors name the field."""
        data = require_mapping(data, "scenario")
        check_no_extra_keys(data, _TOP_KEYS)
        problem = require_key(data, "problem")
        if problem != PROBLEM:
            raise ScenarioError("problem", f"expected 'vec', got {problem!r}")
        vehicle = require_mapping(require_key(data, "vehicle"), "vehicle")
        check_no_extra_keys(vehicle, _VEHICLE_KEYS, "vehicle.")
        rsus = require_mapping(require_key(data, "rsus"), "rsus")
        check_no_extra_keys(rsus, _RSU_KEYS, "rsus.")
        task = require_mapping(require_key(data, "task"), "task")
        check_no_extra_keys(task, _TASK_KEYS, "task.")

        rsu_x = as_float_array(require_key(rsus, "x_m", "rsus."), "rsus.x_m")
        n = len(rsu_x)
        deadline = require_key(task, "deadline_s", "task.")
        return cls(
            vehicle_x_m=as_float(require_key(vehicle, "x_m", "vehicle."), "vehicle.x_m"),
            vehicle_y_m=as_float(require_key(vehicle, "y_m", "vehicle."), "vehicle.y_m"),
            speed_mps=as_float(require_key(vehicle, "speed_mps", "vehicle."),
                               "vehicle.speed_mps", min_value=0.0),
            vehicle_cpu_ghz=as_float(require_key(vehicle, "cpu_ghz", "vehicle."),
                                     "vehicle.cpu_ghz", min_value=0.0, strict_min=True),
            rsu_x_m=rsu_x,
            rsu_y_m=as_float_array(require_key(rsus, "y_m", "rsus."), "rsus.y_m", length=n),
            rsu_cpu_ghz=as_float_array(require_key(rsus, "cpu_ghz", "rsus."), "rsus.cpu_ghz",
                                       length=n, min_value=0.0, strict_min=True),
            rsu_snr_db=as_float_array(require_key(rsus, "snr_db", "rsus."), "rsus.snr_db",
                                      length=n),
            size_gbit=as_float(require_key(task, "size_gbit", "task."), "task.size_gbit",
                               min_value=0.0, strict_min=True),
            deadline_s=math.inf if deadline is None else as_float(
                deadline, "task.deadline_s", min_value=0.0, strict_min=True),
            bandwidth_hz=as_float(require_key(data, "bandwidth_hz"), "bandwidth_hz",
                                  min_value=0.0, strict_min=True),
            range_m=as_float(require_key(data, "range_m"), "range_m", min_value=0.0,
                             strict_min=True),
            cycles_per_bit=as_float(require_key(data, "cycles_per_bit"), "cycles_per_bit",
                                    min_value=0.0, strict_min=True),
        )

    def to_json(self, indent: int | None = 2) -> str:
        return jsonio.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_json(cls, text: str) -> Scenario:
        return cls.from_dict(jsonio.loads(text))

    def to_file(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json() + "\n")

    @classmethod
    def from_file(cls, path: str | Path) -> Scenario:
        return cls.from_dict(jsonio.load_file(path))
