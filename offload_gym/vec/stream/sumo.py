"""Eclipse SUMO mobility for VECStream (SPEC-STREAM "Mobility backends", ``mobility="sumo"``).

At reset the whole horizon is simulated once with SUMO (through the in-process ``libsumo``
bindings) on a network shipped with the package, every vehicle's position is recorded every
``step_s`` (default 0.1 s) and the result is a :class:`~offload_gym.vec.stream.mobility.
SampledMobility` (linear interpolation between samples, exit times from the trajectory).

Shipped networks (``offload_gym/vec/stream/networks/``, built by
``scripts/build_sumo_networks.py`` with SUMO's ``netgenerate``; see :data:`NETWORK_SPECS`):

- ``highway``: a straight one-way 3000 m road along +x, 4 lanes of 3.5 m centred on y = 0
  (lane centres -5.25, -1.75, 1.75, 5.25 m: the default preset's ``lanes_y_m``; SUMO lane
  index j is ``lanes_y_m[j]``), speed limit 40 m/s.
- ``single_lane``: the same road with one lane at y = 0 (the backend cross-check).
- ``grid``: a small urban grid, 4 x 4 junctions 200 m apart plus 100 m access roads at the
  fringe, one lane per direction, 13.89 m/s (50 km/h), traffic lights; vehicles drive
  seeded random routes from one access road to another.

Vehicles: vehicle j is inserted at ``entry_times_s[j]`` (absolute s; negative entries are
simulated from before t = 0 so that the road is in its steady state at t = 0) with desired
speed ``speeds_mps[j]`` (SUMO then applies car following, lane changes and, on the grid,
junctions: speeds are no longer constant). SUMO inserts on its step grid: a vehicle entering
between two steps is inserted at the next step, ``v (t_step - t_entry)`` metres down the road,
so a free vehicle's trajectory is exact to rounding. Driver imperfection is off and teleports
are disabled, so a run depends only on its inputs and ``seed``: same inputs -> same
trajectories. A vehicle that SUMO cannot insert before the horizon, or that has left before
t = 0, is not in the result (the result's vehicle v is ``kept[v]`` of the input).

SUMO reports the front bumper's position; positions are recorded at the start-of-step time
(SUMO's fcd-output convention), so a vehicle entering at x = 0 at t0 with speed v is at
x = v (t - t0).

Without the extra, every entry point raises :class:`SumoNotInstalledError` (an
``ImportError``) with one line saying ``pip install 'offload-gym[sumo]'``.
"""

from __future__ import annotations

import importlib
import math
import os
import shutil
import subprocess
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from offload_gym.core.errors import ScenarioError

NETWORKS_DIR = Path(__file__).with_name("networks")
DEFAULT_STEP_S = 0.1
INSTALL_HINT = "pip install 'offload-gym[sumo]'"

# name -> netgenerate arguments (everything but the output file). The build script and
# build_network() both use these, so the shipped files are reproducible.
NETWORK_SPECS: dict[str, tuple[str, ...]] = {
    "highway": ("--grid", "--grid.x-number", "2", "--grid.y-number", "1",
                "--grid.x-length", "3000", "--default.lanenumber", "4",
                "--default.lanewidth", "3.5", "--default.speed", "40",
                "--default.spreadtype", "center", "--remove-edges.explicit", "B0A0",
                "--no-turnarounds", "true"),
    "single_lane": ("--grid", "--grid.x-number", "2", "--grid.y-number", "1",
                    "--grid.x-length", "3000", "--default.lanenumber", "1",
                    "--default.lanewidth", "3.5", "--default.speed", "40",
                    "--default.spreadtype", "center", "--remove-edges.explicit", "B0A0",
                    "--no-turnarounds", "true"),
    "grid": ("--grid", "--grid.number", "4", "--grid.length", "200",
             "--default.lanenumber", "1", "--default.lanewidth", "3.2",
             "--default.speed", "13.89", "--default.junctions.type", "traffic_light",
             "--grid.attach-length", "100", "--no-turnarounds", "true"),
}
NETWORKS = tuple(NETWORK_SPECS)

# libsumo keeps ONE simulation per process: serialise every run.
_LIBSUMO_LOCK = threading.Lock()


class SumoNotInstalledError(ImportError):
    """The optional SUMO extra is missing (message: one line with the pip command)."""


def sumo_available() -> bool:
    """True if both ``libsumo`` and the ``eclipse-sumo`` binaries can be imported."""
    try:
        _libsumo()
        _sumo_home()
    except SumoNotInstalledError:
        return False
    return True


def _libsumo():
    try:
        return importlib.import_module("libsumo")
    except ImportError:
        raise SumoNotInstalledError(
            f"mobility: 'sumo' needs Eclipse SUMO (libsumo is missing): {INSTALL_HINT}") from None


def _sumo_home() -> Path:
    try:
        sumo = importlib.import_module("sumo")
    except ImportError:
        raise SumoNotInstalledError(
            f"mobility: 'sumo' needs Eclipse SUMO (eclipse-sumo is missing): {INSTALL_HINT}"
        ) from None
    return Path(sumo.SUMO_HOME)


def sumo_binary(name: str) -> Path:
    """Path of a SUMO executable shipped by eclipse-sumo (``netgenerate``, ``sumo``...)."""
    path = _sumo_home() / "bin" / name
    if not path.exists():
        found = shutil.which(name)
        if found is None:
            raise SumoNotInstalledError(f"mobility: SUMO's {name} not found: {INSTALL_HINT}")
        path = Path(found)
    return path


# ----------------------------------------------------------------------------- networks
def build_network(name: str, out_dir: str | os.PathLike) -> Path:
    """Run SUMO's ``netgenerate`` for the named spec into ``out_dir/<name>.net.xml``.

    The generator's header comment (date, paths) is replaced by a fixed one naming the SUMO
    version and the arguments, so a rebuild with the same SUMO version is byte-identical."""
    if name not in NETWORK_SPECS:
        raise ScenarioError("network", f"unknown network {name!r}; choose one of {list(NETWORKS)}")
    out = Path(out_dir) / f"{name}.net.xml"
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [str(sumo_binary("netgenerate")), *NETWORK_SPECS[name], "--output-file", str(out),
           "--no-warnings", "true"]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    text = out.read_text()
    start = text.find("<!--")
    end = text.find("-->", start)
    if start >= 0 and end > start:
        first_line = text[start:end].splitlines()[0]
        version = first_line.rsplit("netgenerate", 1)[-1].strip() if "netgenerate" in first_line \
            else "?"
        header = (f"<!-- built by scripts/build_sumo_networks.py with Eclipse SUMO netgenerate "
                  f"{version}; arguments: NETWORK_SPECS[{name!r}] in "
                  f"offload_gym/vec/stream/sumo.py -->")
        text = text[:start] + header + text[end + 3:]
    out.write_text(text)
    return out


def network_path(network: str | os.PathLike) -> Path:
    """A shipped network's file (by name) or a ``.net.xml`` path; clear error if missing."""
    if isinstance(network, str) and network in NETWORK_SPECS:
        path = NETWORKS_DIR / f"{network}.net.xml"
    else:
        path = Path(network)
    if not path.is_file():
        raise ScenarioError("network", f"no SUMO network {str(network)!r}; choose one of "
                                       f"{list(NETWORKS)} or a .net.xml path")
    return path


@dataclass(frozen=True)
class Road:
    """One undirected street of a network: centreline from ``start_xy_m`` to ``end_xy_m``."""

    start_xy_m: tuple[float, float]
    end_xy_m: tuple[float, float]

    @property
    def length_m(self) -> float:
        return math.dist(self.start_xy_m, self.end_xy_m)


@dataclass(frozen=True)
class NetworkInfo:
    """What the stream model needs from a network (read from the .net.xml, no SUMO needed)."""

    path: Path
    roads: tuple[Road, ...]
    edges: tuple[str, ...]          # drivable (non-internal) edge ids
    source_edges: tuple[str, ...]   # edges starting at a fringe (dead-end) junction
    sink_edges: tuple[str, ...]     # edges ending at a fringe (dead-end) junction
    lane_y_m: tuple[float, ...]     # straight networks: lane centre y per lane index

    @property
    def length_m(self) -> float:
        """Total street length (the road length for a straight network)."""
        return float(sum(r.length_m for r in self.roads))


def read_network(network: str | os.PathLike) -> NetworkInfo:
    """Parse a SUMO ``.net.xml``: streets (junction to junction), fringe edges, lane y."""
    path = network_path(network)
    root = ET.parse(path).getroot()
    junctions = {j.get("id"): (float(j.get("x")), float(j.get("y")), j.get("type"))
                 for j in root.iter("junction") if j.get("type") != "internal"}
    roads: dict[tuple[str, str], Road] = {}
    edges, sources, sinks = [], [], []
    lane_y: tuple[float, ...] = ()
    for edge in root.iter("edge"):
        if edge.get("function") == "internal":
            continue
        eid, frm, to = edge.get("id"), edge.get("from"), edge.get("to")
        edges.append(eid)
        if junctions[frm][2] == "dead_end":
            sources.append(eid)
        if junctions[to][2] == "dead_end":
            sinks.append(eid)
        key = tuple(sorted((frm, to)))
        if key not in roads:
            a, b = junctions[key[0]], junctions[key[1]]
            roads[key] = Road((a[0], a[1]), (b[0], b[1]))
        if not lane_y:
            lanes = sorted(edge.iter("lane"), key=lambda ln: int(ln.get("index")))
            lane_y = tuple(float(ln.get("shape").split()[0].split(",")[1]) for ln in lanes)
    return NetworkInfo(path, tuple(roads.values()), tuple(edges), tuple(sources), tuple(sinks),
                       lane_y)


def rsu_positions_m(network: str | os.PathLike, spacing_m: float,
                    y_offset_m: tuple[float, float], rng: np.random.Generator) -> np.ndarray:
    """RSUs along the network's streets: on each street, at (k + 1/2) * spacing from its
    start (one in the middle of a street shorter than ``spacing_m``), offset perpendicular
    by a uniform |offset| in ``y_offset_m`` on a random side.

    On the ``highway`` network this is the highway backend's layout (x_i = (i + 1/2)
    spacing). Returns [n, 2]."""
    info = read_network(network)
    out = []
    for road in info.roads:
        n = math.floor(road.length_m / spacing_m + 1e-9)
        along = (np.arange(n) + 0.5) * spacing_m if n else np.array([road.length_m / 2])
        (x0, y0), (x1, y1) = road.start_xy_m, road.end_xy_m
        ux, uy = (x1 - x0) / road.length_m, (y1 - y0) / road.length_m
        for s in along:
            off = rng.uniform(*y_offset_m) * (1.0 if rng.random() < 0.5 else -1.0)
            out.append((x0 + s * ux - off * uy, y0 + s * uy + off * ux))
    return np.asarray(out, dtype=np.float64).reshape(-1, 2)


# ----------------------------------------------------------------------------- simulation
@dataclass(frozen=True)
class SumoTrajectories:
    """Raw recorded trajectories: ``times_s`` [T] (0, step, ..., horizon), ``xy_m`` [V, T, 2]
    (NaN off the road) and ``kept`` [V]: the input index of each recorded vehicle."""

    times_s: np.ndarray
    xy_m: np.ndarray
    kept: np.ndarray


def _check_inputs(entry_times_s, speeds_mps, lanes, horizon_s, step_s):
    entry = np.asarray(entry_times_s, dtype=np.float64).reshape(-1)
    speed = np.asarray(speeds_mps, dtype=np.float64).reshape(-1)
    if speed.shape != entry.shape:
        raise ScenarioError("speeds_mps",
                            f"expected {entry.shape[0]} entries, got {speed.shape[0]}")
    for field, arr in (("entry_times_s", entry), ("speeds_mps", speed)):
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            raise ScenarioError(f"{field}[{bad[0]}]", f"must be finite, got {arr[bad[0]]}")
    bad = np.flatnonzero(~(speed > 0))
    if bad.size:
        raise ScenarioError(f"speeds_mps[{bad[0]}]", f"must be > 0, got {speed[bad[0]]}")
    if lanes is not None:
        lanes = np.asarray(lanes, dtype=np.int64).reshape(-1)
        if lanes.shape != entry.shape:
            raise ScenarioError("lanes",
                                f"expected {entry.shape[0]} entries, got {lanes.shape[0]}")
    if not (math.isfinite(horizon_s) and horizon_s > 0):
        raise ScenarioError("horizon_s", f"must be > 0, got {horizon_s!r}")
    if not (math.isfinite(step_s) and 0 < step_s <= horizon_s):
        raise ScenarioError("step_s", f"must be in (0, horizon_s], got {step_s!r}")
    return entry, speed, lanes


def simulate_trajectories(network: str | os.PathLike, entry_times_s, speeds_mps, *,
                          horizon_s: float, seed: int, step_s: float = DEFAULT_STEP_S,
                          lanes=None) -> SumoTrajectories:
    """Run SUMO over [min(entry, 0), horizon_s] and record every vehicle on [0, horizon_s].

    ``lanes`` (optional, [V] ints): departure lane index per vehicle (default: SUMO's
    ``best``). ``seed`` seeds SUMO and the random trips on a network with several edges."""
    libsumo = _libsumo()
    entry, speed, lanes = _check_inputs(entry_times_s, speeds_mps, lanes, float(horizon_s),
                                        float(step_s))
    info = read_network(network)
    n_lanes = len(info.lane_y_m)
    if lanes is not None and lanes.size and not (lanes.min() >= 0 and lanes.max() < n_lanes):
        bad = int(np.flatnonzero((lanes < 0) | (lanes >= n_lanes))[0])
        raise ScenarioError(f"lanes[{bad}]", f"must be a lane index in [0, {n_lanes}), "
                                             f"got {lanes[bad]}")
    rng = np.random.default_rng(seed)
    n_steps = round(horizon_s / step_s)
    times = np.arange(n_steps + 1) * step_s
    # SUMO time s = world time - shift, shift <= 0 on the step grid.
    first = min(float(entry.min()) if entry.size else 0.0, 0.0)
    shift = math.floor(first / step_s - 1e-9) * step_s if first < 0 else 0.0
    warm_steps = round(-shift / step_s)
    xy = np.full((entry.shape[0], n_steps + 1, 2), np.nan)
    with _LIBSUMO_LOCK:
        libsumo.start([str(sumo_binary("sumo")), "-n", str(info.path),
                       "--step-length", repr(float(step_s)), "--seed", str(int(seed) % 2**31),
                       "--begin", "0", "--no-step-log", "true", "--no-warnings", "true",
                       "--time-to-teleport", "-1", "--collision.action", "warn",
                       "--default.action-step-length", repr(float(step_s))])
        try:
            _add_vehicles(libsumo, info, entry, speed, lanes, shift, step_s, rng)
            ids = [f"v{j}" for j in range(entry.shape[0])]
            index = {vid: j for j, vid in enumerate(ids)}
            get_list, get_pos = libsumo.vehicle.getIDList, libsumo.vehicle.getPosition
            for _ in range(warm_steps):
                libsumo.simulationStep()
            for k in range(n_steps + 1):
                libsumo.simulationStep()  # state after the step = positions at times[k]
                for vid in get_list():
                    xy[index[vid], k] = get_pos(vid)
        finally:
            libsumo.close()
    kept = np.flatnonzero(np.isfinite(xy[:, :, 0]).any(axis=1))
    return SumoTrajectories(times, xy[kept], kept)


def _add_vehicles(libsumo, info, entry, speed, lanes, shift, step_s, rng) -> None:
    """Routes, one vehicle type (no imperfection, speed factor 1) and every vehicle."""
    libsumo.vehicletype.copy("DEFAULT_VEHTYPE", "stream")
    libsumo.vehicletype.setSpeedFactor("stream", 1.0)
    libsumo.vehicletype.setSpeedDeviation("stream", 0.0)
    libsumo.vehicletype.setImperfection("stream", 0.0)
    straight = len(info.edges) == 1
    if straight:
        libsumo.route.add("r_road", [info.edges[0]])
    order = np.argsort(entry, kind="stable")
    for j in order:
        if straight:
            route, first_edge = "r_road", info.edges[0]
        else:
            route, edges = f"r{j}", _random_trip(libsumo, info, rng)
            libsumo.route.add(route, edges)
            first_edge = edges[0]
        v0 = min(float(speed[j]), libsumo.lane.getMaxSpeed(f"{first_edge}_0"))
        depart_sumo = math.ceil((entry[j] - shift) / step_s - 1e-9) * step_s
        ahead_m = max(v0 * (depart_sumo + shift - entry[j]), 0.0)
        lane = "best" if lanes is None else str(int(lanes[j]))
        libsumo.vehicle.add(f"v{j}", route, typeID="stream", depart=repr(float(depart_sumo)),
                            departLane=lane, departPos=repr(float(ahead_m)),
                            departSpeed=repr(v0))
        libsumo.vehicle.setMaxSpeed(f"v{j}", float(speed[j]))


def _random_trip(libsumo, info: NetworkInfo, rng: np.random.Generator) -> list[str]:
    """A seeded fringe-to-fringe route (shortest path by SUMO's router)."""
    for _ in range(100):
        a = info.source_edges[int(rng.integers(len(info.source_edges)))]
        b = info.sink_edges[int(rng.integers(len(info.sink_edges)))]
        if a == b:
            continue
        edges = list(libsumo.simulation.findRoute(a, b).edges)
        if len(edges) >= 2:
            return edges
    raise ScenarioError("network", "no fringe-to-fringe route found")


def sumo_mobility(network: str | os.PathLike, entry_times_s, speeds_mps, *, horizon_s: float,
                  seed: int, step_s: float = DEFAULT_STEP_S, lanes=None):
    """SUMO trajectories as a :class:`SampledMobility` (see :func:`simulate_trajectories`).

    Returns ``(mobility, kept)``: the mobility's vehicle v is input vehicle ``kept[v]``."""
    from offload_gym.vec.stream.mobility import SampledMobility

    traj = simulate_trajectories(network, entry_times_s, speeds_mps, horizon_s=horizon_s,
                                 seed=seed, step_s=step_s, lanes=lanes)
    return SampledMobility(traj.times_s, traj.xy_m), traj.kept


def require_sumo() -> None:
    """Raise :class:`SumoNotInstalledError` (one line, with the pip command) unless the
    ``sumo`` extra is installed; for a check at env construction."""
    _libsumo()
    _sumo_home()


def sumo_world(preset, seed: int, network: str | os.PathLike | None = None):
    """RSUs and SUMO trajectories of one VECStream episode (``generate_trace(mobility="sumo")``).

    ``network``: a shipped network name (default ``"highway"``) or a ``.net.xml`` path.
    Drawn with ``np.random.default_rng(seed)``: RSU layout (:func:`rsu_positions_m` with the
    preset's spacing and offsets), then Poisson entry times at ``vehicle_rate_hz`` over
    [start, horizon_s) (start = -road_length_m / v_min with ``warm_start``, else 0), desired
    speeds uniform in ``speed_range_mps`` and, on a straight network, a uniform departure
    lane; SUMO runs with the same seed. On a straight network the preset's
    ``road_length_m`` must be the network's length. Returns ``(rsu_xy_m [n, 2],
    SampledMobility)`` (vehicles never on the road during [0, horizon_s] are left out)."""
    from offload_gym.vec.stream.presets import get_preset

    p = get_preset(preset)
    require_sumo()
    info = read_network("highway" if network is None else network)
    straight = len(info.edges) == 1
    if straight and abs(info.length_m - p.road_length_m) > 1e-6 * max(p.road_length_m, 1.0):
        raise ScenarioError("road_length_m", f"the SUMO network {info.path.name} is "
                                             f"{info.length_m:g} m long, got {p.road_length_m:g}")
    rng = np.random.default_rng(seed)
    rsu_xy = rsu_positions_m(info.path, p.rsu_spacing_m, p.rsu_y_offset_m, rng)
    start = -p.road_length_m / p.speed_range_mps[0] if p.warm_start else 0.0
    count = int(rng.poisson(p.vehicle_rate_hz * (p.horizon_s - start)))
    enter = np.sort(rng.uniform(start, p.horizon_s, size=count))
    speed = rng.uniform(*p.speed_range_mps, size=count)
    lanes = rng.integers(len(info.lane_y_m), size=count) if straight else None
    mobility, _ = sumo_mobility(info.path, enter, speed, horizon_s=p.horizon_s, seed=seed,
                                lanes=lanes)
    return rsu_xy, mobility
