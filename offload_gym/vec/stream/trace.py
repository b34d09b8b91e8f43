"""VECStream traces: every arrival, size, deadline and trajectory of an episode, as data.

A :class:`StreamTrace` is pure data (no RNG): the world's constants, the RSUs, the vehicles'
CPUs, the tasks (sorted by arrival, ties by vehicle index) and the mobility
(:class:`HighwayMobility` or :class:`SampledMobility`). :func:`generate_trace` draws one from
a preset and a seed (numpy ``default_rng(seed)``; same seed -> same trace). Traces round-trip
through a flat dict (:meth:`StreamTrace.to_dict` / :func:`from_dict`) and through ``.json`` /
``.npz`` files (:meth:`StreamTrace.save` / :func:`load_trace`); every load is validated and a
bad entry raises a one-line :class:`ScenarioError` naming it, e.g.
``task_size_gbit[3]: must be > 0, got -1.0``.

Mobility backends: ``"highway"`` (closed form) and ``"sumo"`` (optional extra; implemented in
:mod:`offload_gym.vec.stream.sumo`, which must provide
``sumo_world(preset, seed, network=None) -> (rsu_xy_m [n, 2], SampledMobility)``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from offload_gym.core.errors import ScenarioError
from offload_gym.vec.stream.mobility import HighwayMobility, Mobility, SampledMobility
from offload_gym.vec.stream.presets import StreamPreset, get_preset

PROBLEM = "vec_stream"
FORMAT_VERSION = 1
SCALARS = ("road_length_m", "range_m", "bandwidth_hz", "cycles_per_bit", "horizon_s",
           "fail_penalty")
ARRAYS = ("rsu_xy_m", "rsu_cpu_ghz", "rsu_snr_db", "vehicle_cpu_ghz", "task_vehicle",
          "task_arrival_s", "task_size_gbit", "task_deadline_s")
MOBILITY_BACKENDS = ("highway", "sumo")
SUMO_INSTALL_HINT = "pip install 'offload-gym[sumo]'"


def _first_bad(arr: np.ndarray, ok: np.ndarray) -> int | None:
    bad = np.flatnonzero(~ok.reshape(arr.shape[0], -1).all(axis=1)) if arr.size else []
    return int(bad[0]) if len(bad) else None


def _check(field: str, arr: np.ndarray, ok: np.ndarray, what: str) -> None:
    i = _first_bad(arr, ok)
    if i is not None:
        raise ScenarioError(f"{field}[{i}]", f"{what}, got {arr[i].tolist()!r}")


@dataclass(frozen=True, eq=False)
class StreamTrace:
    """One VECStream episode as data (validated; arrays read-only).

    Shapes: ``rsu_xy_m`` [n, 2], ``rsu_cpu_ghz`` / ``rsu_snr_db`` [n], ``vehicle_cpu_ghz`` [V],
    ``task_*`` [K] (``task_vehicle`` int indices into the vehicles; ``task_arrival_s``
    absolute, non-decreasing, ties by vehicle index; ``task_deadline_s`` relative, finite)."""

    preset: str
    road_length_m: float
    range_m: float
    bandwidth_hz: float
    cycles_per_bit: float
    horizon_s: float
    fail_penalty: float
    max_candidates: int
    rsu_xy_m: np.ndarray
    rsu_cpu_ghz: np.ndarray
    rsu_snr_db: np.ndarray
    vehicle_cpu_ghz: np.ndarray
    task_vehicle: np.ndarray
    task_arrival_s: np.ndarray
    task_size_gbit: np.ndarray
    task_deadline_s: np.ndarray
    mobility: HighwayMobility | SampledMobility

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def n_rsus(self) -> int:
        return int(self.rsu_xy_m.shape[0])

    @property
    def n_vehicles(self) -> int:
        return int(self.vehicle_cpu_ghz.shape[0])

    @property
    def n_tasks(self) -> int:
        return int(self.task_arrival_s.shape[0])

    @property
    def mobility_kind(self) -> str:
        return "highway" if isinstance(self.mobility, HighwayMobility) else "sampled"

    def to_dict(self) -> dict[str, Any]:
        """Flat JSON-able dict (keys = field names; ``mobility`` a nested dict)."""
        out: dict[str, Any] = {"problem": PROBLEM, "version": FORMAT_VERSION,
                               "preset": self.preset, "max_candidates": self.max_candidates}
        out.update({k: float(getattr(self, k)) for k in SCALARS})
        out.update({k: getattr(self, k).tolist() for k in ARRAYS})
        out["mobility"] = self.mobility.to_dict()
        return out

    def save(self, path: str | Path) -> Path:
        """Write to ``.json`` or ``.npz`` (by suffix); returns the path."""
        path = Path(path)
        if path.suffix == ".json":
            path.write_text(json.dumps(self.to_dict(), allow_nan=False), encoding="utf-8")
        elif path.suffix == ".npz":
            np.savez_compressed(path, **_to_npz(self))
        else:
            raise ScenarioError("path", f"trace files end in .json or .npz, got {str(path)!r}")
        return path


def _validate(tr: StreamTrace) -> None:
    if not isinstance(tr.preset, str):
        raise ScenarioError("preset", f"must be a string, got {tr.preset!r}")
    for key in SCALARS:
        v = getattr(tr, key)
        if isinstance(v, bool) or not isinstance(v, (int, float, np.floating, np.integer)) \
                or not math.isfinite(v) or v <= 0:
            raise ScenarioError(key, f"must be a finite number > 0, got {v!r}")
        object.__setattr__(tr, key, float(v))
    if tr.fail_penalty < 1:
        raise ScenarioError("fail_penalty", f"must be >= 1, got {tr.fail_penalty!r}")
    mc = tr.max_candidates
    if isinstance(mc, bool) or not isinstance(mc, (int, np.integer)) or mc < 1:
        raise ScenarioError("max_candidates", f"must be an int >= 1, got {mc!r}")
    object.__setattr__(tr, "max_candidates", int(mc))
    arrays = {}
    for key in ARRAYS:
        raw = getattr(tr, key)
        try:
            arr = np.array(raw, dtype=np.float64)
        except (TypeError, ValueError):
            raise ScenarioError(key, "must be an array of numbers") from None
        arrays[key] = arr
    xy = arrays["rsu_xy_m"]
    if xy.size == 0:
        xy = xy.reshape(0, 2)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ScenarioError("rsu_xy_m", f"expected shape (n, 2), got {xy.shape}")
    arrays["rsu_xy_m"] = xy
    n, v, k = xy.shape[0], arrays["vehicle_cpu_ghz"].size, arrays["task_arrival_s"].size
    want = {"rsu_cpu_ghz": n, "rsu_snr_db": n, "vehicle_cpu_ghz": v, "task_vehicle": k,
            "task_arrival_s": k, "task_size_gbit": k, "task_deadline_s": k}
    for key, size in want.items():
        arr = arrays[key]
        if arr.ndim != 1 or arr.shape[0] != size:
            raise ScenarioError(key, f"expected {size} entries, got shape {arr.shape}")
    for key, arr in arrays.items():
        _check(key, arr, np.isfinite(arr), "must be finite")
    for key in ("rsu_cpu_ghz", "vehicle_cpu_ghz", "task_size_gbit", "task_deadline_s"):
        _check(key, arrays[key], arrays[key] > 0, "must be > 0")
    tv = arrays["task_vehicle"]
    _check("task_vehicle", tv, (tv == np.round(tv)) & (tv >= 0) & (tv < v),
           f"must be an integer vehicle index in [0, {v})")
    arrays["task_vehicle"] = tv.astype(np.int64)
    t = arrays["task_arrival_s"]
    _check("task_arrival_s", t, (t >= 0) & (t < tr.horizon_s),
           f"must be in [0, horizon_s = {tr.horizon_s:g})")
    if k > 1:
        key_t = np.lexsort((arrays["task_vehicle"], t))
        bad = np.flatnonzero(key_t != np.arange(k))
        if bad.size:
            raise ScenarioError(f"task_arrival_s[{bad[0]}]", "tasks must be sorted by arrival "
                                                            "(ties by vehicle index)")
    if not isinstance(tr.mobility, (HighwayMobility, SampledMobility)):
        raise ScenarioError("mobility", f"must be HighwayMobility or SampledMobility, "
                                        f"got {type(tr.mobility).__name__}")
    if tr.mobility.n_vehicles != v:
        raise ScenarioError("mobility", f"describes {tr.mobility.n_vehicles} vehicles, "
                                        f"vehicle_cpu_ghz has {v}")
    enter = np.array([tr.mobility.enter_time_s(j) for j in range(v)])
    leave = np.array([tr.mobility.leave_time_s(j) for j in range(v)])
    j = arrays["task_vehicle"]
    if k:
        _check("task_arrival_s", t, (t >= enter[j]) & (t <= leave[j]),
               "the task's vehicle is not on the road at its arrival")
    for key, arr in arrays.items():
        arr.setflags(write=False)
        object.__setattr__(tr, key, arr)


def _to_npz(tr: StreamTrace) -> dict[str, np.ndarray]:
    out = {"problem": np.array(PROBLEM), "version": np.array(FORMAT_VERSION),
           "preset": np.array(tr.preset), "max_candidates": np.array(tr.max_candidates)}
    out.update({k: np.array(getattr(tr, k)) for k in SCALARS + ARRAYS})
    mob = tr.mobility
    if isinstance(mob, HighwayMobility):
        out.update({"mobility.kind": np.array("highway"),
                    "mobility.road_length_m": np.array(mob.road_length_m),
                    "mobility.enter_time_s": mob.enter_times_s,
                    "mobility.lane_y_m": mob.lane_y_m, "mobility.speed_mps": mob.speed_mps})
    else:
        out.update({"mobility.kind": np.array("sampled"), "mobility.times_s": mob.times_s,
                    "mobility.xy_m": mob.xy_m})
    return out


def _require(data, key: str, prefix: str = "") -> Any:
    if key not in data:
        raise ScenarioError(prefix + key, "missing")
    return data[key]


def mobility_from_dict(data: Any) -> HighwayMobility | SampledMobility:
    """Mobility from its dict (``kind`` = "highway" or "sampled")."""
    if not hasattr(data, "keys"):
        raise ScenarioError("mobility", f"must be a mapping, got {type(data).__name__}")
    kind = str(_require(data, "kind", "mobility."))
    if kind == "highway":
        return HighwayMobility(np.asarray(_require(data, "enter_time_s", "mobility."), float),
                               np.asarray(_require(data, "lane_y_m", "mobility."), float),
                               np.asarray(_require(data, "speed_mps", "mobility."), float),
                               _require(data, "road_length_m", "mobility."))
    if kind == "sampled":
        xy = _require(data, "xy_m", "mobility.")
        try:
            xy = np.array(xy, dtype=np.float64)  # JSON null -> nan
        except (TypeError, ValueError):
            raise ScenarioError("mobility.xy_m", "must be a (V, T, 2) array of numbers") from None
        return SampledMobility(np.asarray(_require(data, "times_s", "mobility."), float), xy)
    raise ScenarioError("mobility.kind", f"must be 'highway' or 'sampled', got {kind!r}")


def from_dict(data: Any) -> StreamTrace:
    """Validated :class:`StreamTrace` from :meth:`StreamTrace.to_dict` output."""
    if not hasattr(data, "keys"):
        raise ScenarioError("trace", f"must be a mapping, got {type(data).__name__}")
    problem = data.get("problem", PROBLEM)
    if problem != PROBLEM:
        raise ScenarioError("problem", f"expected {PROBLEM!r}, got {problem!r}")
    extra = set(data) - {"problem", "version", "preset", "max_candidates", "mobility",
                         *SCALARS, *ARRAYS}
    if extra:
        raise ScenarioError(sorted(extra)[0], "unknown trace key")
    fields = {k: _require(data, k) for k in ("preset", "max_candidates", *SCALARS, *ARRAYS)}
    xy = fields["rsu_xy_m"]
    if isinstance(xy, list) and not xy:
        fields["rsu_xy_m"] = np.zeros((0, 2))
    return StreamTrace(mobility=mobility_from_dict(_require(data, "mobility")), **fields)


def _from_npz(path: Path) -> StreamTrace:
    with np.load(path, allow_pickle=False) as z:
        flat = {k: z[k] for k in z.files}
    data: dict[str, Any] = {}
    mob: dict[str, Any] = {}
    for k, v in flat.items():
        val = v.item() if v.ndim == 0 else v
        if k.startswith("mobility."):
            mob[k[len("mobility."):]] = val
        else:
            data[k] = val
    data["mobility"] = mob
    for k in ("problem", "preset", "max_candidates"):
        if k in data and isinstance(data[k], np.generic):
            data[k] = data[k].item()
    return from_dict(data)


def load_trace(source: str | Path | dict | StreamTrace) -> StreamTrace:
    """A trace from a ``.json`` / ``.npz`` path, a dict or a trace (returned as is)."""
    if isinstance(source, StreamTrace):
        return source
    if isinstance(source, dict):
        return from_dict(source)
    path = Path(source)
    if not path.is_file():
        raise ScenarioError("trace", f"no such file: {str(path)!r}")
    if path.suffix == ".npz":
        try:
            return _from_npz(path)
        except (OSError, ValueError) as exc:
            if isinstance(exc, ScenarioError):
                raise
            raise ScenarioError("trace", f"cannot read {str(path)!r} as npz: {exc}") from None
    if path.suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ScenarioError("trace", f"{str(path)!r} is not valid JSON: {exc}") from None
        return from_dict(data)
    raise ScenarioError("trace", f"trace files end in .json or .npz, got {str(path)!r}")


# ----------------------------------------------------------------------------- generation
def _rsus(p: StreamPreset, rng: np.random.Generator) -> np.ndarray:
    n = p.n_rsus
    x = (np.arange(n) + 0.5) * p.rsu_spacing_m
    side = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    y = side * rng.uniform(*p.rsu_y_offset_m, size=n)
    return np.stack([x, y], axis=-1)


def _highway_vehicles(p: StreamPreset, rng: np.random.Generator) -> HighwayMobility:
    start = -p.road_length_m / p.speed_range_mps[0] if p.warm_start else 0.0
    count = rng.poisson(p.vehicle_rate_hz * (p.horizon_s - start))
    enter = np.sort(rng.uniform(start, p.horizon_s, size=count))
    speed = rng.uniform(*p.speed_range_mps, size=count)
    lane = np.asarray(p.lanes_y_m, dtype=np.float64)[rng.integers(len(p.lanes_y_m), size=count)]
    keep = enter + p.road_length_m / speed > 0  # drop vehicles gone before t = 0
    return HighwayMobility(enter[keep], lane[keep], speed[keep], p.road_length_m)


def _sumo_world(p: StreamPreset, seed: int, network: str | None):
    try:
        from offload_gym.vec.stream import sumo
    except ImportError as exc:  # module missing or libsumo not installed
        raise ScenarioError("mobility", f"the sumo backend needs SUMO: {SUMO_INSTALL_HINT} "
                                        f"({exc})") from None
    return sumo.sumo_world(p, seed, network=network)


def _tasks(p: StreamPreset, mob: Mobility, rng: np.random.Generator):
    v = mob.n_vehicles
    enter = np.array([mob.enter_time_s(j) for j in range(v)])
    leave = np.array([mob.leave_time_s(j) for j in range(v)])
    lo, hi = np.maximum(enter, 0.0), np.minimum(leave, p.horizon_s)
    span = np.maximum(hi - lo, 0.0)
    counts = rng.poisson(p.task_rate_hz * span)
    vehicle = np.repeat(np.arange(v), counts)
    arrival = lo[vehicle] + rng.random(vehicle.size) * span[vehicle]
    arrival = np.minimum(arrival, np.nextafter(p.horizon_s, 0.0))
    order = np.lexsort((vehicle, arrival))
    vehicle, arrival = vehicle[order], arrival[order]
    size = rng.uniform(*p.task_size_gbit, size=vehicle.size)
    deadline = rng.uniform(*p.deadline_s, size=vehicle.size)
    return vehicle, arrival, size, deadline


def generate_trace(preset: str | StreamPreset | None = None, seed: int | None = 0,
                   mobility: str = "highway", *, network: str | None = None) -> StreamTrace:
    """Draw one episode's trace from ``preset`` with ``np.random.default_rng(seed)``.

    ``mobility``: "highway" (default) or "sumo" (optional extra; ``network`` picks a shipped
    SUMO network). RSUs every ``rsu_spacing_m`` at a random side and |y| offset; vehicles
    enter by a Poisson process (from before t = 0 when ``warm_start``); each vehicle's tasks
    form a Poisson process while it is on the road within [0, horizon_s)."""
    p = get_preset(preset)
    if mobility not in MOBILITY_BACKENDS:
        raise ScenarioError("mobility", f"must be one of {list(MOBILITY_BACKENDS)}, "
                                        f"got {mobility!r}")
    rng = np.random.default_rng(seed)
    if mobility == "highway":
        rsu_xy = _rsus(p, rng)
        mob: HighwayMobility | SampledMobility = _highway_vehicles(p, rng)
    else:
        rsu_xy, mob = _sumo_world(p, 0 if seed is None else int(seed), network)
        rsu_xy = np.asarray(rsu_xy, dtype=np.float64).reshape(-1, 2)
    n, v = rsu_xy.shape[0], mob.n_vehicles
    rsu_cpu = rng.uniform(*p.rsu_cpu_ghz, size=n)
    rsu_snr = rng.uniform(*p.rsu_snr_db, size=n)
    vehicle_cpu = rng.uniform(*p.vehicle_cpu_ghz, size=v)
    vehicle, arrival, size, deadline = _tasks(p, mob, rng)
    return StreamTrace(p.name, p.road_length_m, p.range_m, p.bandwidth_hz, p.cycles_per_bit,
                       p.horizon_s, p.fail_penalty, p.max_candidates, rsu_xy, rsu_cpu, rsu_snr,
                       vehicle_cpu, vehicle, arrival, size, deadline, mob)
