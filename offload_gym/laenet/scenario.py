"""The LAENet scenario: a validated, immutable instance in the spec's exchange format.

SPEC-LAENET.md, "Scenario exchange format". Server 0 is the single HAP, servers 1..S are
ground servers (GS); users are the ground users (GU) first, then the aerial users (AU), so
the graph node order (HAP, GS.., GU.., AU..) is simply servers then users in index order.
``edges`` (a list of ``[u, s]`` pairs) overrides the coverage rule when given.

Everything derived (channels, rates, costs, lambda, mu, features) is computed by
:func:`offload_gym.laenet.physics.derive`, once per scenario; the cache lives in
``physics`` (a Scenario is pure data; ``scenario.derived`` is a shorthand for ``derive``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from offload_gym.core import jsonio
from offload_gym.core.errors import ScenarioError
from offload_gym.core.validation import (
    MAGNITUDE_MAX,
    as_float,
    as_float_array,
    check_db,
    check_derived,
    check_magnitude,
    check_no_extra_keys,
    first_out_of_range,
    require_key,
    require_mapping,
)
from offload_gym.laenet.physics import Derived, derive

PROBLEM = "laenet"
PRESETS = ("gadsg2025",)  # generator presets; a scenario's "preset" is one of them or null
SERVER_TYPES = ("hap", "gs")
USER_TYPES = ("gu", "au")

# Scalar keys of the exchange format, in the spec's order, with their lower bounds:
# (key, min_value, strict). ``None`` = any finite number.
SCALAR_KEYS: tuple[tuple[str, float | None, bool], ...] = (
    ("deadline_s", 0.0, True),
    ("cycles_per_bit", 0.0, True),
    ("kappa", 0.0, False),
    ("bandwidth_hz", 0.0, True),
    ("noise_w", 0.0, True),
    ("carrier_hz", 0.0, True),
    ("g0", 0.0, True),
    ("eta_los_db", None, False),
    ("eta_nlos_db", None, False),
    ("los_k1", None, False),
    ("los_k2", None, False),
    ("coverage_m", 0.0, False),
)
# Per-entity array keys: (key, min_value, strict).
SERVER_ARRAYS: tuple[tuple[str, float | None, bool], ...] = (
    ("x_m", None, False),
    ("y_m", None, False),
    ("z_m", None, False),  # a height above ground: >= 0, checked in from_dict
    ("cpu_hz", 0.0, True),
    ("active_power_w", 0.0, True),
)
USER_ARRAYS: tuple[tuple[str, float | None, bool], ...] = (
    ("x_m", None, False),
    ("y_m", None, False),
    ("z_m", None, False),  # a height above ground: >= 0, checked in from_dict
    ("data_bits", 0.0, True),
    ("cpu_hz", 0.0, True),
    ("tx_power_w", 0.0, True),
    ("delay_weight", 0.0, False),  # also <= 1, checked separately
)
TOP_KEYS = frozenset(
    {"problem", "preset", "servers", "users", "edges"} | {k for k, *_ in SCALAR_KEYS}
)


@dataclasses.dataclass(frozen=True, eq=False)
class Scenario:
    """One LAENet instance (SI units). Arrays are read-only float64; build it with
    :meth:`from_dict` (which validates) or the generator; do not mutate."""

    preset: str | None
    deadline_s: float
    cycles_per_bit: float
    kappa: float
    bandwidth_hz: float
    noise_w: float
    carrier_hz: float
    g0: float
    eta_los_db: float
    eta_nlos_db: float
    los_k1: float
    los_k2: float
    coverage_m: float
    server_type: tuple[str, ...]
    server_x_m: np.ndarray
    server_y_m: np.ndarray
    server_z_m: np.ndarray
    server_cpu_hz: np.ndarray
    server_active_power_w: np.ndarray
    user_type: tuple[str, ...]
    user_x_m: np.ndarray
    user_y_m: np.ndarray
    user_z_m: np.ndarray
    user_data_bits: np.ndarray
    user_cpu_hz: np.ndarray
    user_tx_power_w: np.ndarray
    user_delay_weight: np.ndarray
    edges: tuple[tuple[int, int], ...] | None = None

    problem: ClassVar[str] = PROBLEM

    # ------------------------------------------------------------------ sizes
    @property
    def n_servers(self) -> int:
        """S + 1: the HAP plus the ground servers."""
        return len(self.server_type)

    @property
    def n_users(self) -> int:
        """U = Y + Z: ground users plus aerial users."""
        return len(self.user_type)

    @property
    def n_gs(self) -> int:
        return self.n_servers - 1

    @property
    def n_gu(self) -> int:
        return sum(1 for t in self.user_type if t == "gu")

    @property
    def n_au(self) -> int:
        return self.n_users - self.n_gu

    @property
    def derived(self) -> Derived:
        """All derived physics: ``physics.derive(self)`` (computed once, cached there)."""
        return derive(self)

    # ------------------------------------------------------------- equality
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Scenario):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash((self.n_servers, self.n_users, float(self.user_data_bits.sum())))

    def __repr__(self) -> str:
        return (f"Scenario(problem='laenet', preset={self.preset!r}, servers={self.n_servers}, "
                f"users={self.n_users} ({self.n_gu} GU, {self.n_au} AU), "
                f"edges={'coverage' if self.edges is None else len(self.edges)})")

    # ---------------------------------------------------------------- JSON in
    @classmethod
    def from_dict(cls, data: Any) -> Scenario:
        """Validate a JSON dict (the spec's exchange format); errors name the field."""
        data = require_mapping(data, "scenario")
        check_no_extra_keys(data, set(TOP_KEYS))
        problem = require_key(data, "problem")
        if problem != PROBLEM:
            raise ScenarioError("problem", f"expected 'laenet', got {problem!r}")
        preset = require_key(data, "preset")
        if preset is not None and not isinstance(preset, str):
            raise ScenarioError("preset", f"expected a string or null, got {preset!r}")
        if preset is not None and preset not in PRESETS:
            raise ScenarioError("preset", f"unknown preset {preset!r} (known: {list(PRESETS)}; "
                                          "use null for a scenario not drawn from a preset)")
        scalars = {
            key: as_float(require_key(data, key), key, min_value=lo, strict_min=strict)
            for key, lo, strict in SCALAR_KEYS
        }
        servers = _entity(data, "servers", SERVER_TYPES, SERVER_ARRAYS)
        n_servers = len(servers["type"])
        if servers["type"][0] != "hap":
            raise ScenarioError("servers.type[0]", f"server 0 must be the HAP, got "
                                                   f"{servers['type'][0]!r}")
        for s in range(1, n_servers):
            if servers["type"][s] != "gs":
                raise ScenarioError(f"servers.type[{s}]", "only server 0 may be the HAP; "
                                                          "the others must be 'gs'")
        users = _entity(data, "users", USER_TYPES, USER_ARRAYS)
        n_users = len(users["type"])
        for name, entity in (("servers", servers), ("users", users)):
            below = np.flatnonzero(entity["z_m"] < 0.0)
            if below.size:
                i = int(below[0])
                raise ScenarioError(f"{name}.z_m[{i}]", f"must be >= 0 (heights are above "
                                                        f"ground), got {entity['z_m'][i]}")
        seen_au = False
        for u, t in enumerate(users["type"]):
            seen_au |= t == "au"
            if seen_au and t == "gu":
                raise ScenarioError(f"users.type[{u}]", "ground users ('gu') must come "
                                                        "before aerial users ('au')")
        bad = np.flatnonzero(users["delay_weight"] > 1.0)
        if bad.size:
            u = int(bad[0])
            raise ScenarioError(f"users.delay_weight[{u}]",
                                f"must be <= 1, got {users['delay_weight'][u]}")
        edges = _edges(require_key(data, "edges"), n_users, n_servers)
        scenario = cls(
            preset=preset,
            **scalars,
            server_type=servers["type"],
            server_x_m=servers["x_m"],
            server_y_m=servers["y_m"],
            server_z_m=servers["z_m"],
            server_cpu_hz=servers["cpu_hz"],
            server_active_power_w=servers["active_power_w"],
            user_type=users["type"],
            user_x_m=users["x_m"],
            user_y_m=users["y_m"],
            user_z_m=users["z_m"],
            user_data_bits=users["data_bits"],
            user_cpu_hz=users["cpu_hz"],
            user_tx_power_w=users["tx_power_w"],
            user_delay_weight=users["delay_weight"],
            edges=edges,
        )
        check_magnitudes(scenario)
        check_derived_physics(scenario)
        return scenario

    @classmethod
    def from_json(cls, text: str) -> Scenario:
        return cls.from_dict(jsonio.loads(text))

    @classmethod
    def from_file(cls, path: str | Path) -> Scenario:
        return cls.from_dict(jsonio.load_file(path))

    # --------------------------------------------------------------- JSON out
    def to_dict(self) -> dict[str, Any]:
        """The spec's exchange format (plain JSON types)."""
        out: dict[str, Any] = {"problem": PROBLEM, "preset": self.preset}
        for key, *_ in SCALAR_KEYS:
            out[key] = float(getattr(self, key))
        out["servers"] = {"type": list(self.server_type)}
        for key, *_ in SERVER_ARRAYS:
            out["servers"][key] = getattr(self, f"server_{key}").tolist()
        out["users"] = {"type": list(self.user_type)}
        for key, *_ in USER_ARRAYS:
            out["users"][key] = getattr(self, f"user_{key}").tolist()
        out["edges"] = None if self.edges is None else [[u, s] for u, s in self.edges]
        return out

    def to_json(self, indent: int | None = 2) -> str:
        return jsonio.dumps(self.to_dict(), indent=indent)

    def to_file(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json() + "\n")


_DB_KEYS = ("eta_los_db", "eta_nlos_db")


def check_magnitudes(sc: Scenario) -> None:
    """Every input is 0 (where the format allows it) or has a magnitude in [1e-100, 1e100];
    dB values are within +-1000 dB (core.validation; docs/laenet.md "Validation")."""
    for key, _, strict in SCALAR_KEYS:
        if key in _DB_KEYS:
            check_db(getattr(sc, key), key)
        else:
            check_magnitude(getattr(sc, key), key, allow_zero=not strict)
    for prefix, arrays in (("server", SERVER_ARRAYS), ("user", USER_ARRAYS)):
        for key, _, strict in arrays:
            check_magnitude(getattr(sc, f"{prefix}_{key}"), f"{prefix}s.{key}",
                            allow_zero=not strict)


def check_derived_physics(sc: Scenario) -> None:
    """The derived times and energies a solver uses are finite and within [1e-100, 1e100]:
    every user's local time a D / f and energy kappa f^2 a D; on every coverage edge the
    execution time a D / F and energy P_act T_exe, and a transmit time D / R that is not
    below 1e-100 s (a rate that overflows). A link too weak to carry data (R rounds to 0,
    T_tr = inf) is physics, not an error: that edge is just infeasible."""
    with np.errstate(all="ignore"):
        d = derive(sc)
    check_derived(d.t_loc, "users.cpu_hz", "the local compute time a D / f")
    check_derived(d.e_loc, "users.cpu_hz", "the local energy kappa f^2 a D", unit="J",
                  allow_zero=True)
    eu, es = d.edge_user, d.edge_server
    for values, field, what, unit, inf_ok in (
        (d.t_exe, "servers.cpu_hz[{s}]", "user {u}'s execution time a D / F", "s", False),
        (d.e_exe, "servers.active_power_w[{s}]", "user {u}'s execution energy P_act T_exe",
         "J", False),
        (d.t_tr, "bandwidth_hz", "user {u}'s transmit time D / R to server {s}", "s", True),
    ):
        i = first_out_of_range(values, allow_inf=inf_ok, high=math.inf if inf_ok else
                               MAGNITUDE_MAX)
        if i is not None:
            u, s = int(eu[i]), int(es[i])
            check_derived(values[i], field.format(s=s), what.format(u=u, s=s), unit=unit,
                          allow_inf=inf_ok)


def _entity(
    data: Mapping[str, Any],
    name: str,
    types: tuple[str, ...],
    arrays: tuple[tuple[str, float | None, bool], ...],
) -> dict[str, Any]:
    block = require_mapping(require_key(data, name), name)
    check_no_extra_keys(block, {"type"} | {k for k, *_ in arrays}, prefix=f"{name}.")
    raw_types = require_key(block, "type", prefix=f"{name}.")
    if isinstance(raw_types, str | bytes) or not isinstance(raw_types, Sequence):
        raise ScenarioError(f"{name}.type", f"expected a list of strings, got "
                                            f"{type(raw_types).__name__}")
    if len(raw_types) == 0:
        raise ScenarioError(f"{name}.type", f"at least one entry is required in {name}")
    for i, t in enumerate(raw_types):
        if not isinstance(t, str) or t not in types:
            raise ScenarioError(f"{name}.type[{i}]", f"unknown type {t!r} (expected one of "
                                                     f"{list(types)})")
    out: dict[str, Any] = {"type": tuple(raw_types)}
    n = len(raw_types)
    for key, lo, strict in arrays:
        out[key] = as_float_array(require_key(block, key, prefix=f"{name}."), f"{name}.{key}",
                                  length=n, min_value=lo, strict_min=strict)
    return out


def _edges(raw: Any, n_users: int, n_servers: int) -> tuple[tuple[int, int], ...] | None:
    if raw is None:
        return None
    if isinstance(raw, str | bytes) or not isinstance(raw, Sequence):
        raise ScenarioError("edges", f"expected null or a list of [user, server] pairs, got "
                                     f"{type(raw).__name__}")
    out: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    for i, pair in enumerate(raw):
        field = f"edges[{i}]"
        if isinstance(pair, str | bytes) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise ScenarioError(field, f"expected a [user, server] pair, got {pair!r}")
        u, s = (_as_index(v, f"{field}[{j}]") for j, v in enumerate(pair))
        if not 0 <= u < n_users:
            raise ScenarioError(f"{field}[0]", f"user {u} does not exist ({n_users} users)")
        if not 0 <= s < n_servers:
            raise ScenarioError(f"{field}[1]", f"server {s} does not exist "
                                               f"({n_servers} servers)")
        if (u, s) in seen:
            raise ScenarioError(field, f"duplicate edge [{u}, {s}]")
        seen.add((u, s))
        out.append((u, s))
    return tuple(out)


def _as_index(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer | float | np.floating):
        raise ScenarioError(field, f"expected an integer index, got {value!r}")
    if isinstance(value, float | np.floating) and not (math.isfinite(value)
                                                      and float(value).is_integer()):
        raise ScenarioError(field, f"expected an integer index, got {value!r}")
    return int(value)
