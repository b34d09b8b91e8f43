"""Vehicle mobility for VECStream (SPEC-STREAM "Mobility backends").

Two backends behind one :class:`Mobility` protocol:

- :class:`HighwayMobility` (default): lane at fixed y, constant speed, entry at x = 0 at
  ``enter_time_s``, leave at x = L. Closed-form positions; exit times from SPEC-VEC's formula
  (:func:`offload_gym.vec.physics.exit_time_s`) capped by the time the vehicle leaves.
- :class:`SampledMobility`: trajectories sampled on a time grid (SUMO, replayed traces),
  NaN when the vehicle is off the road, positions interpolated linearly. Exit times are exact
  for that piecewise-linear trajectory (d^2 is convex on every segment).

Exit time e_i of RSU i for a task at absolute time t0 (relative to t0): the first t >= 0 with
d_i(t0 + t) > range along the trajectory, or ``leave_time_s - t0`` if the vehicle leaves the
road first (leaving ends every link); 0 for an RSU not in range at t0 (or a vehicle not on
the road at t0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from offload_gym.core.errors import ScenarioError
from offload_gym.vec import physics


@runtime_checkable
class Mobility(Protocol):
    """Where every vehicle is at any time (absolute seconds; x, y in m)."""

    @property
    def n_vehicles(self) -> int:
        """Number of vehicles V."""
        ...

    def position_m(self, vehicle: int, t_s: float) -> np.ndarray:
        """(2,) position of one vehicle at t_s (NaN when it is off the road)."""
        ...

    def positions_m(self, t_s: float) -> np.ndarray:
        """(V, 2) positions of every vehicle at t_s (NaN rows for vehicles off the road)."""
        ...

    def enter_time_s(self, vehicle: int) -> float:
        """Absolute time the vehicle enters the road."""
        ...

    def leave_time_s(self, vehicle: int) -> float:
        """Absolute time the vehicle leaves the road (every link ends then)."""
        ...

    def exit_times_s(self, vehicle: int, t0_s: float, rsu_xy_m: np.ndarray,
                     range_m: float) -> np.ndarray:
        """(n,) relative exit times e_i >= 0 of the RSUs at ``rsu_xy_m`` [n, 2] (module doc)."""
        ...

    def velocity_mps(self, vehicle: int, t_s: float) -> np.ndarray:
        """(2,) velocity at t_s (used to build the equivalent one-shot scenario)."""
        ...


def _as_float_vector(values, field: str, n: int | None = None) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1 or (n is not None and arr.shape[0] != n):
        want = f"{n} entries" if n is not None else "a 1-D array"
        raise ScenarioError(field, f"expected {want}, got shape {arr.shape}")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise ScenarioError(f"{field}[{bad[0]}]", f"must be finite, got {arr[bad[0]]}")
    return arr


@dataclass(frozen=True, eq=False)
class HighwayMobility:
    """Straight road along +x from 0 to ``road_length_m``; vehicle j drives lane y
    ``lane_y_m[j]`` at constant ``speed_mps[j]`` and is at x = 0 at ``enter_times_s[j]``
    (absolute s; may be negative: the vehicle was already on the road at t = 0)."""

    enter_times_s: np.ndarray
    lane_y_m: np.ndarray
    speed_mps: np.ndarray
    road_length_m: float

    def __post_init__(self) -> None:
        enter = _as_float_vector(self.enter_times_s, "mobility.enter_time_s")
        n = enter.shape[0]
        lane = _as_float_vector(self.lane_y_m, "mobility.lane_y_m", n)
        speed = _as_float_vector(self.speed_mps, "mobility.speed_mps", n)
        bad = np.flatnonzero(~(speed > 0))
        if bad.size:
            raise ScenarioError(f"mobility.speed_mps[{bad[0]}]",
                                f"must be > 0, got {speed[bad[0]]}")
        length = float(self.road_length_m)
        if not (np.isfinite(length) and length > 0):
            raise ScenarioError("mobility.road_length_m",
                                f"must be > 0, got {self.road_length_m!r}")
        for name, arr in (("enter_times_s", enter), ("lane_y_m", lane), ("speed_mps", speed)):
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "road_length_m", length)
        leave = enter + length / speed
        leave.setflags(write=False)
        object.__setattr__(self, "_leave", leave)

    @property
    def n_vehicles(self) -> int:
        return int(self.enter_times_s.shape[0])

    def enter_time_s(self, vehicle: int) -> float:
        return float(self.enter_times_s[vehicle])

    def leave_time_s(self, vehicle: int) -> float:
        return float(self._leave[vehicle])

    @property
    def leave_times_s(self) -> np.ndarray:
        """(V,) absolute leave times enter + L / v."""
        return self._leave

    def _x(self, t_s, idx):
        x = self.speed_mps[idx] * (t_s - self.enter_times_s[idx])
        on = (t_s >= self.enter_times_s[idx]) & (t_s <= self._leave[idx])
        return np.where(on, x, np.nan), on

    def position_m(self, vehicle: int, t_s: float) -> np.ndarray:
        x, on = self._x(t_s, vehicle)
        return np.array([x, self.lane_y_m[vehicle] if on else np.nan])

    def positions_m(self, t_s: float) -> np.ndarray:
        idx = np.arange(self.n_vehicles)
        x, on = self._x(t_s, idx)
        return np.stack([x, np.where(on, self.lane_y_m, np.nan)], axis=-1)

    def velocity_mps(self, vehicle: int, t_s: float) -> np.ndarray:
        return np.array([self.speed_mps[vehicle], 0.0])

    def exit_times_s(self, vehicle: int, t0_s: float, rsu_xy_m: np.ndarray,
                     range_m: float) -> np.ndarray:
        rsu_xy_m = np.asarray(rsu_xy_m, dtype=np.float64).reshape(-1, 2)
        pos = self.position_m(vehicle, t0_s)
        if not np.isfinite(pos[0]):
            return np.zeros(rsu_xy_m.shape[0])
        in_range = np.hypot(rsu_xy_m[:, 0] - pos[0], rsu_xy_m[:, 1] - pos[1]) <= range_m
        e = physics.exit_time_s(rsu_xy_m[:, 0], rsu_xy_m[:, 1], pos[0], pos[1],
                                self.speed_mps[vehicle], range_m)
        e = np.minimum(e, self._leave[vehicle] - t0_s)
        return np.where(in_range, np.maximum(e, 0.0), 0.0)

    def to_dict(self) -> dict:
        return {"kind": "highway", "road_length_m": self.road_length_m,
                "enter_time_s": self.enter_times_s.tolist(), "lane_y_m": self.lane_y_m.tolist(),
                "speed_mps": self.speed_mps.tolist()}


@dataclass(frozen=True, eq=False)
class SampledMobility:
    """Trajectories on a time grid: ``times_s`` [T] strictly increasing, ``xy_m`` [V, T, 2]
    with NaN rows where a vehicle is off the road (its on-road samples must be contiguous).
    Positions between samples are interpolated linearly; before the first / after the last
    on-road sample the vehicle is off the road."""

    times_s: np.ndarray
    xy_m: np.ndarray

    def __post_init__(self) -> None:
        times = _as_float_vector(self.times_s, "mobility.times_s")
        if times.shape[0] < 2:
            raise ScenarioError("mobility.times_s", f"needs >= 2 samples, got {times.shape[0]}")
        bad = np.flatnonzero(~(np.diff(times) > 0))
        if bad.size:
            raise ScenarioError(f"mobility.times_s[{bad[0] + 1}]", "must be strictly increasing")
        xy = np.asarray(self.xy_m, dtype=np.float64)
        if xy.ndim != 3 or xy.shape[1:] != (times.shape[0], 2):
            raise ScenarioError("mobility.xy_m", f"expected shape (V, {times.shape[0]}, 2), "
                                                 f"got {xy.shape}")
        on = np.isfinite(xy).all(axis=-1)
        partial = np.isfinite(xy).any(axis=-1) & ~on
        if partial.any():
            v, t = np.argwhere(partial)[0]
            raise ScenarioError(f"mobility.xy_m[{v}][{t}]", "x and y must both be finite or "
                                                            "both NaN")
        first = np.where(on.any(axis=1), on.argmax(axis=1), 0)
        last = np.where(on.any(axis=1), on.shape[1] - 1 - on[:, ::-1].argmax(axis=1), -1)
        count = on.sum(axis=1)
        bad = np.flatnonzero((count > 0) & (count != last - first + 1))
        if bad.size:
            raise ScenarioError(f"mobility.xy_m[{bad[0]}]", "on-road samples must be "
                                                            "contiguous (the vehicle re-enters)")
        bad = np.flatnonzero(count == 0)
        if bad.size:
            raise ScenarioError(f"mobility.xy_m[{bad[0]}]", "vehicle is never on the road")
        for arr in (times, xy):
            arr.setflags(write=False)
        object.__setattr__(self, "times_s", times)
        object.__setattr__(self, "xy_m", xy)
        object.__setattr__(self, "_first", first)
        object.__setattr__(self, "_last", last)

    @property
    def n_vehicles(self) -> int:
        return int(self.xy_m.shape[0])

    def enter_time_s(self, vehicle: int) -> float:
        return float(self.times_s[self._first[vehicle]])

    def leave_time_s(self, vehicle: int) -> float:
        return float(self.times_s[self._last[vehicle]])

    def _interp(self, xy: np.ndarray, t_s: float) -> np.ndarray:
        """Linear interpolation of xy [..., T, 2] at t_s (NaN outside the on-road span)."""
        times = self.times_s
        if not (times[0] <= t_s <= times[-1]):
            return np.full((*xy.shape[:-2], 2), np.nan)
        k = int(np.searchsorted(times, t_s, side="right")) - 1
        k = min(k, times.shape[0] - 1)
        if times[k] == t_s or k == times.shape[0] - 1:
            return xy[..., k, :].copy()
        w = (t_s - times[k]) / (times[k + 1] - times[k])
        return (1.0 - w) * xy[..., k, :] + w * xy[..., k + 1, :]

    def position_m(self, vehicle: int, t_s: float) -> np.ndarray:
        return self._interp(self.xy_m[vehicle], t_s)

    def positions_m(self, t_s: float) -> np.ndarray:
        return self._interp(self.xy_m, t_s)

    def velocity_mps(self, vehicle: int, t_s: float) -> np.ndarray:
        times = self.times_s
        lo, hi = self._first[vehicle], self._last[vehicle]
        if hi <= lo:
            return np.zeros(2)
        k = int(np.clip(np.searchsorted(times, t_s, side="right") - 1, lo, hi - 1))
        return (self.xy_m[vehicle, k + 1] - self.xy_m[vehicle, k]) / (times[k + 1] - times[k])

    def exit_times_s(self, vehicle: int, t0_s: float, rsu_xy_m: np.ndarray,
                     range_m: float) -> np.ndarray:
        rsu = np.asarray(rsu_xy_m, dtype=np.float64).reshape(-1, 2)
        p0 = self.position_m(vehicle, t0_s)
        if not np.isfinite(p0[0]):
            return np.zeros(rsu.shape[0])
        last = self._last[vehicle]
        k0 = int(np.searchsorted(self.times_s, t0_s, side="right"))  # first sample > t0
        ts = np.concatenate([[t0_s], self.times_s[k0:last + 1]])
        pts = np.concatenate([p0[None], self.xy_m[vehicle, k0:last + 1]])  # [P, 2]
        return _piecewise_exit_times(ts - t0_s, pts, rsu, range_m)

    def to_dict(self) -> dict:
        xy = np.where(np.isfinite(self.xy_m), self.xy_m, np.nan)
        return {"kind": "sampled", "times_s": self.times_s.tolist(),
                "xy_m": [[[None if np.isnan(c) else float(c) for c in p] for p in row]
                         for row in xy]}


def _piecewise_exit_times(rel_t: np.ndarray, pts: np.ndarray, rsu: np.ndarray,
                          range_m: float) -> np.ndarray:
    """Exit times along the polyline ``pts`` [P, 2] at relative times ``rel_t`` [P] (rel_t[0]
    = 0): first crossing of d > range (exact on the segment), else rel_t[-1]; 0 for an RSU
    not in range at the start."""
    r2 = float(range_m) ** 2
    diff = pts[None, :, :] - rsu[:, None, :]  # [n, P, 2]
    d2 = (diff * diff).sum(-1)
    out = d2 > r2  # [n, P]
    e = np.full(rsu.shape[0], rel_t[-1])
    start_out = out[:, 0]
    has = out.any(axis=1) & ~start_out
    if has.any():
        k = out[has].argmax(axis=1)  # first sample out of range (>= 1)
        a = diff[has, k - 1]  # inside
        b = diff[has, k]      # outside
        seg = b - a
        # |a + s seg|^2 = r^2 for s in (0, 1]: the larger root of the convex quadratic
        qa = (seg * seg).sum(-1)
        qb = 2.0 * (a * seg).sum(-1)
        qc = (a * a).sum(-1) - r2  # <= 0
        disc = np.sqrt(np.maximum(qb * qb - 4.0 * qa * qc, 0.0))
        s = np.clip((-qb + disc) / (2.0 * qa), 0.0, 1.0)
        e[has] = rel_t[k - 1] + s * (rel_t[k] - rel_t[k - 1])
    e[start_out] = 0.0
    return e
