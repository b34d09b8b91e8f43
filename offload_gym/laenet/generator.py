"""Seeded LAENet instance generator, preset ``gadsg2025`` (SPEC-LAENET.md "Entities, indices,
coverage" and "Parameters").

Geometry: square of side L = 1000 sqrt(S) m; GSs, GUs, AUs uniform in it; GS/GU at z = 0,
AU at z = 200 m, HAP at (L/2, L/2, 20 km). Per user: D ~ TruncNorm(3e6, 1.1e7; [2e6, 6.5e6])
bits, f_u ~ TruncNorm(4.5e9, 2.5e9; [1.2e9, 7e9]) cycles/s (truncation by redrawing),
w ~ U(0.3, 0.7). Then

1. any user with neither a local option nor a feasible edge gets its (D, f) redrawn, until
   none is left (a user-level redraw: the rest of the instance is kept);
2. if the forced users (lambda = 0) cannot be packed (exact DFS,
   :func:`~offload_gym.laenet.feasibility.pack_forced_users`), the whole instance is
   rejected and drawn again. Rejections are counted in :class:`GeneratorStats`.

Draw order per instance attempt (fixes reproducibility): GS (x, y); user (x, y); D; f; w.
``generate(scale, preset, seed)`` equals ``generate_batch(1, scale, preset, seed)[0]``.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from typing import Any

import numpy as np

from offload_gym.core.errors import ScenarioError
from offload_gym.laenet.feasibility import pack_forced_users, users_without_options
from offload_gym.laenet.physics import derive
from offload_gym.laenet.scenario import PRESETS, Scenario

# Table II scales: name -> (S ground servers, Y ground users, Z aerial users); 1 HAP each.
SCALES: dict[str, tuple[int, int, int]] = {
    "gs2_gu4_au2": (2, 4, 2),
    "gs2_gu5_au3": (2, 5, 3),
    "gs3_gu6_au4": (3, 6, 4),
    "gs3_gu7_au5": (3, 7, 5),
    "gs6_gu14_au10": (6, 14, 10),
    "gs6_gu16_au11": (6, 16, 11),
    "gs9_gu19_au12": (9, 19, 12),
    "gs9_gu20_au13": (9, 20, 13),
}

# Preset gadsg2025 constants (spec "Parameters").
GADSG2025: dict[str, Any] = {
    "deadline_s": 2.0,
    "cycles_per_bit": 1000.0,
    "kappa": 1e-27,
    "bandwidth_hz": 1e7,
    "noise_w": 7.96159e-13,
    "carrier_hz": 1e8,
    "g0": 1e-5,
    "eta_los_db": 0.1,
    "eta_nlos_db": 21.0,
    "los_k1": 10.0,
    "los_k2": 0.6,
    "coverage_m": 1000.0,
}
HAP_HEIGHT_M = 20_000.0
AU_HEIGHT_M = 200.0
AREA_PER_GS_M = 1000.0  # L = 1000 sqrt(S)
DATA_BITS = (3e6, 1.1e7, 2e6, 6.5e6)  # mean, sd, low, high
USER_CPU_HZ = (4.5e9, 2.5e9, 1.2e9, 7e9)
DELAY_WEIGHT = (0.3, 0.7)
CPU_HZ = {"hap": 0.5e10, "gs": 1.2e10}
ACTIVE_POWER_W = {"hap": 30.0, "gs": 120.0}
TX_POWER_W = {"gu": 0.2, "au": 0.15}
MAX_USER_REDRAWS = 10_000
MAX_INSTANCE_ATTEMPTS = 10_000


@dataclasses.dataclass
class GeneratorStats:
    """Counters of one generation run (the dataset card reports the rejection rate)."""

    n_generated: int = 0
    n_rejected: int = 0  # whole instances rejected: forced users could not be packed
    n_user_redraws: int = 0  # (D, f) redraws of users without any option

    @property
    def rejection_rate(self) -> float:
        """Rejected attempts / all attempts."""
        attempts = self.n_generated + self.n_rejected
        return self.n_rejected / attempts if attempts else 0.0


def resolve_scale(scale: str | tuple[int, int, int] | list[int]) -> tuple[int, int, int]:
    """A Table II name (see :data:`SCALES`) or explicit (S, Y, Z) with S >= 1, Y + Z >= 1."""
    if isinstance(scale, str):
        if scale not in SCALES:
            hint = " ('gs3_gu3_au4' in the paper is a typo for gs3_gu6_au4)" \
                if scale == "gs3_gu3_au4" else ""
            raise ScenarioError("scale", f"unknown scale {scale!r} (known: "
                                         f"{', '.join(SCALES)}; or pass (S, Y, Z)){hint}")
        return SCALES[scale]
    if isinstance(scale, tuple | list) and len(scale) == 3 and all(
        isinstance(v, int | np.integer) and not isinstance(v, bool) for v in scale
    ):
        s, y, z = (int(v) for v in scale)
        if s >= 1 and y >= 0 and z >= 0 and y + z >= 1:
            return s, y, z
    raise ScenarioError("scale", f"expected a scale name or (S, Y, Z) integers with S >= 1, "
                                 f"Y, Z >= 0, Y + Z >= 1; got {scale!r}")


def scale_name(counts: tuple[int, int, int]) -> str:
    s, y, z = counts
    return f"gs{s}_gu{y}_au{z}"


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise ScenarioError("seed", f"expected an int, a numpy Generator or None, got {seed!r}")
    return np.random.default_rng(seed)


def truncated_normal(rng: np.random.Generator, mean: float, sd: float, low: float,
                     high: float, size: int) -> np.ndarray:
    """Normal(mean, sd) draws; out-of-[low, high] draws are redrawn.

    The procedure (it fixes the values for a seed): draw ``size`` values, then, round after
    round, redraw every out-of-range entry in index order with one ``rng.normal`` call per
    round, until none is left. :func:`truncated_normal_reference` runs it literally; this
    function returns the same values and leaves ``rng`` in the same state, bit for bit, but
    replays the rounds on one pre-drawn buffer, then rewinds ``rng`` and draws the consumed
    count in one call (``Generator.normal`` with scalar parameters is a sequential stream:
    one call of k values equals the concatenated rounds)."""
    size = int(size)
    if size <= 0:
        return rng.normal(mean, sd, size)
    state = rng.bit_generator.state
    buf = rng.normal(mean, sd, max(64, 8 * size)).tolist()
    pos = list(range(size))  # stream position of each slot's current value
    used = size
    bad = [i for i in pos if not low <= buf[i] <= high]
    while bad:
        if used + len(bad) > len(buf):  # rare: continue the same stream
            buf += rng.normal(mean, sd, len(buf)).tolist()
            continue
        for i in bad:
            pos[i] = used
            used += 1
        bad = [i for i in bad if not low <= buf[pos[i]] <= high]
    rng.bit_generator.state = state  # rewind; consume exactly what the rounds consumed
    return rng.normal(mean, sd, used)[pos]


def truncated_normal_reference(rng: np.random.Generator, mean: float, sd: float,
                               low: float, high: float, size: int) -> np.ndarray:
    """The literal round-by-round procedure of :func:`truncated_normal` (for tests)."""
    out = rng.normal(mean, sd, size)
    bad = (out < low) | (out > high)
    while bad.any():
        out[bad] = rng.normal(mean, sd, int(bad.sum()))
        bad = (out < low) | (out > high)
    return out


def _draw_tasks(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return truncated_normal(rng, *DATA_BITS, n), truncated_normal(rng, *USER_CPU_HZ, n)


def _frozen(values: np.ndarray) -> np.ndarray:
    out = np.array(values, dtype=np.float64)  # a copy: the caller may keep mutating its own
    out.setflags(write=False)
    return out


_SCALARS = {key: float(value) for key, value in GADSG2025.items()}


def _build(counts: tuple[int, int, int], gs_xy: np.ndarray, user_xy: np.ndarray,
           d_bits: np.ndarray, cpu_hz: np.ndarray, w: np.ndarray) -> Scenario:
    """The Scenario of these draws, built from arrays directly (the same object as
    ``Scenario.from_dict`` of the exchange-format dict, without its per-entry validation;
    :func:`_check_generated` validates the accepted instance once)."""
    centre = _constants(counts)["centre"]
    return scenario_from_arrays(
        counts, _frozen(np.concatenate([centre, gs_xy[:, 0]])),
        _frozen(np.concatenate([centre, gs_xy[:, 1]])), _frozen(user_xy[:, 0]),
        _frozen(user_xy[:, 1]), _frozen(d_bits), _frozen(cpu_hz), _frozen(w))


def scenario_from_arrays(counts: tuple[int, int, int], server_x_m: np.ndarray,
                         server_y_m: np.ndarray, user_x_m: np.ndarray, user_y_m: np.ndarray,
                         d_bits: np.ndarray, cpu_hz: np.ndarray, w: np.ndarray) -> Scenario:
    """A ``gadsg2025`` Scenario holding these READ-ONLY float64 arrays as they are (server
    arrays include the HAP first; no copy, no validation: see :func:`_check_generated`)."""
    const = _constants(counts)
    return Scenario(
        preset="gadsg2025",
        **_SCALARS,
        server_type=const["server_type"],
        server_x_m=server_x_m,
        server_y_m=server_y_m,
        server_z_m=const["server_z_m"],
        server_cpu_hz=const["server_cpu_hz"],
        server_active_power_w=const["server_active_power_w"],
        user_type=const["user_type"],
        user_x_m=user_x_m,
        user_y_m=user_y_m,
        user_z_m=const["user_z_m"],
        user_data_bits=d_bits,
        user_cpu_hz=cpu_hz,
        user_tx_power_w=const["user_tx_power_w"],
        user_delay_weight=w,
        edges=None,
    )


@functools.lru_cache(maxsize=64)
def _constants(counts: tuple[int, int, int]) -> dict[str, Any]:
    """The draw-independent parts of a scenario of these counts (read-only arrays, shared by
    every scenario generated at this scale: scenarios are immutable)."""
    s, y, z = counts
    server_type = ("hap",) + ("gs",) * s
    user_type = ("gu",) * y + ("au",) * z
    return {
        "centre": np.array([AREA_PER_GS_M * math.sqrt(s) / 2]),
        "server_type": server_type,
        "user_type": user_type,
        "server_z_m": _frozen([HAP_HEIGHT_M] + [0.0] * s),
        "server_cpu_hz": _frozen([CPU_HZ[t] for t in server_type]),
        "server_active_power_w": _frozen([ACTIVE_POWER_W[t] for t in server_type]),
        "user_z_m": _frozen([0.0] * y + [AU_HEIGHT_M] * z),
        "user_tx_power_w": _frozen([TX_POWER_W[t] for t in user_type]),
    }


def _check_generated(sc: Scenario) -> Scenario:
    """What ``Scenario.from_dict`` would check of a generated instance (finite numbers,
    positive CPU / power / data, delay weights in [0, 1]), vectorised, once per accepted
    instance; raises ScenarioError naming the field."""
    positive = np.concatenate([sc.server_cpu_hz, sc.server_active_power_w, sc.user_data_bits,
                               sc.user_cpu_hz, sc.user_tx_power_w])
    coords = np.concatenate([sc.server_x_m, sc.server_y_m, sc.server_z_m, sc.user_x_m,
                             sc.user_y_m, sc.user_z_m])
    w = sc.user_delay_weight
    if (np.isfinite(positive).all() and (positive > 0).all() and np.isfinite(coords).all()
            and (w >= 0.0).all() and (w <= 1.0).all()):
        return sc
    checks = (  # slow path: name the first bad field
        ("servers.x_m", sc.server_x_m, None), ("servers.y_m", sc.server_y_m, None),
        ("servers.z_m", sc.server_z_m, None), ("servers.cpu_hz", sc.server_cpu_hz, 0.0),
        ("servers.active_power_w", sc.server_active_power_w, 0.0),
        ("users.x_m", sc.user_x_m, None), ("users.y_m", sc.user_y_m, None),
        ("users.z_m", sc.user_z_m, None), ("users.data_bits", sc.user_data_bits, 0.0),
        ("users.cpu_hz", sc.user_cpu_hz, 0.0), ("users.tx_power_w", sc.user_tx_power_w, 0.0),
    )
    for field, values, low in checks:
        ok = np.isfinite(values) if low is None else np.isfinite(values) & (values > low)
        if not ok.all():
            i = int(np.argmin(ok))
            raise ScenarioError(f"{field}[{i}]", f"invalid generated value {values[i]!r}")
    i = int(np.argmin((w >= 0.0) & (w <= 1.0)))
    raise ScenarioError(f"users.delay_weight[{i}]", f"must be in [0, 1], got {w[i]!r}")


def _generate_one(counts: tuple[int, int, int], rng: np.random.Generator,
                  stats: GeneratorStats) -> Scenario:
    s, y, z = counts
    n_users = y + z
    side_m = AREA_PER_GS_M * math.sqrt(s)
    for _ in range(MAX_INSTANCE_ATTEMPTS):
        gs_xy = rng.uniform(0.0, side_m, (s, 2))
        user_xy = rng.uniform(0.0, side_m, (n_users, 2))
        d_bits, cpu_hz = _draw_tasks(rng, n_users)
        w = rng.uniform(*DELAY_WEIGHT, n_users)
        sc = _build(counts, gs_xy, user_xy, d_bits, cpu_hz, w)
        for _ in range(MAX_USER_REDRAWS):
            stuck = users_without_options(derive(sc))
            if stuck.size == 0:
                break
            stats.n_user_redraws += int(stuck.size)
            d_new, f_new = _draw_tasks(rng, stuck.size)
            d_bits[stuck], cpu_hz[stuck] = d_new, f_new
            sc = _build(counts, gs_xy, user_xy, d_bits, cpu_hz, w)
        else:  # pragma: no cover - needs a pathological preset
            raise RuntimeError("user redraw did not terminate")
        if pack_forced_users(derive(sc)) is not None:
            stats.n_generated += 1
            return _check_generated(sc)
        stats.n_rejected += 1
    raise RuntimeError("instance rejection did not terminate")  # pragma: no cover


def _check_preset(preset: str) -> None:
    if preset not in PRESETS:
        raise ScenarioError("preset", f"unknown preset {preset!r} (known: {list(PRESETS)})")


def checked_request(scale: str | tuple[int, int, int], n: Any,
                    seed: int | np.random.Generator | None, preset: str
                    ) -> tuple[tuple[int, int, int], int, np.random.Generator]:
    """(counts, n, rng) of a generation request, every argument validated (ScenarioError
    naming the field); shared by ``generate_batch`` and ``pool.generate_pool``."""
    _check_preset(preset)
    counts = resolve_scale(scale)
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ScenarioError("n", f"expected a non-negative int, got {n!r}")
    return counts, int(n), _rng(seed)


def generate(
    scale: str | tuple[int, int, int] = "gs3_gu6_au4",
    preset: str = "gadsg2025",
    seed: int | np.random.Generator | None = None,
) -> Scenario:
    """One feasible instance. Same int seed -> identical scenario.

    The argument order (size, preset, seed) is every problem's (``vec.generate(n_rsus,
    preset, seed)``). The old order ``generate(scale, seed[, preset])`` still works for one
    release with a DeprecationWarning: a non-string second argument is read as the seed."""
    preset, seed = _legacy_argument_order(preset, seed)
    return generate_batch(1, scale, preset, seed)[0]


def _legacy_argument_order(preset: Any, seed: Any) -> tuple[str, Any]:
    """(preset, seed) from a call in either argument order (see :func:`generate`)."""
    if preset is None:
        return "gadsg2025", seed
    if isinstance(preset, str):
        return preset, seed
    import warnings

    warnings.warn("laenet.generate(scale, seed, preset) is deprecated: the order is now "
                  "generate(scale, preset, seed) (or pass seed= by keyword)",
                  DeprecationWarning, stacklevel=3)
    return (seed if isinstance(seed, str) else "gadsg2025"), preset


def generate_batch(
    n_instances: int,
    scale: str | tuple[int, int, int],
    preset: str = "gadsg2025",
    seed: int | np.random.Generator | None = None,
    *,
    return_stats: bool = False,
) -> Any:
    """``n_instances`` feasible instances of ``scale`` from one seeded stream (instance i
    depends on the seed and i only). Returns the list, or ``(list, GeneratorStats)`` with
    ``return_stats=True``.

    The argument order (count, size, preset, seed) is every problem's
    (``vec.generate_batch(n_instances, n_rsus, preset, seed)``). The old order
    ``generate_batch(scale, n, seed, preset)`` (a scale name or tuple first) still works for
    one release with a DeprecationWarning."""
    if isinstance(n_instances, str | tuple | list):
        n_instances, scale, preset, seed = _legacy_batch_order(n_instances, scale, preset, seed)
    counts, n, rng = checked_request(scale, n_instances, seed, preset)
    stats = GeneratorStats()
    out = [_generate_one(counts, rng, stats) for _ in range(n)]
    return (out, stats) if return_stats else out


def _legacy_batch_order(scale: Any, n: Any, preset_slot: Any, seed_slot: Any
                        ) -> tuple[Any, Any, Any, Any]:
    """(n_instances, scale, preset, seed) of a call in the old order ``generate_batch(scale,
    n, seed, preset)``, given what landed in the new signature's preset and seed slots (a
    preset is a string, a seed never is)."""
    import warnings

    warnings.warn("laenet.generate_batch(scale, n, seed, preset) is deprecated: the order is "
                  "now generate_batch(n_instances, scale, preset, seed), as "
                  "vec.generate_batch(n_instances, n_rsus, preset, seed)",
                  DeprecationWarning, stacklevel=3)
    if isinstance(seed_slot, str):  # (scale, n, seed, preset) all by position
        return n, scale, seed_slot, preset_slot
    if isinstance(preset_slot, str):  # seed= / preset= by keyword (or neither)
        return n, scale, preset_slot, seed_slot
    return n, scale, "gadsg2025", preset_slot  # (scale, n, seed): the seed in the preset slot


def parse_scale_name(name: str) -> tuple[int, int, int] | None:
    """(S, Y, Z) of any ``gsX_guY_auZ`` string, or None (the names need not be in SCALES)."""
    m = re.fullmatch(r"gs(\d+)_gu(\d+)_au(\d+)", name)
    return None if m is None else (int(m[1]), int(m[2]), int(m[3]))
