"""A batch of VEC scenarios with the same number of RSUs, stored as arrays.

Per-instance values have shape ``[B]``, per-RSU values ``[B, n]``. This is what the batched
generator returns and what the batched exact solver consumes; ``batch.scenario(i)`` gives a
validated :class:`~offload_gym.vec.scenario.Scenario`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np

from offload_gym.core.errors import ScenarioError
from offload_gym.vec.physics import VecPhysics, derive_arrays
from offload_gym.vec.scenario import Scenario

_INSTANCE_FIELDS = ("vehicle_x_m", "vehicle_y_m", "speed_mps", "vehicle_cpu_ghz", "size_gbit",
                    "deadline_s", "bandwidth_hz", "range_m", "cycles_per_bit")
_RSU_FIELDS = ("rsu_x_m", "rsu_y_m", "rsu_cpu_ghz", "rsu_snr_db")


@dataclass(frozen=True)
class ScenarioBatch:
    vehicle_x_m: np.ndarray
    vehicle_y_m: np.ndarray
    speed_mps: np.ndarray
    vehicle_cpu_ghz: np.ndarray
    rsu_x_m: np.ndarray
    rsu_y_m: np.ndarray
    rsu_cpu_ghz: np.ndarray
    rsu_snr_db: np.ndarray
    size_gbit: np.ndarray
    deadline_s: np.ndarray
    bandwidth_hz: np.ndarray
    range_m: np.ndarray
    cycles_per_bit: np.ndarray

    def __post_init__(self) -> None:
        b = len(self.vehicle_x_m)
        n = np.shape(self.rsu_x_m)[-1] if np.ndim(self.rsu_x_m) == 2 else -1
        for names, want in ((_INSTANCE_FIELDS, (b,)), (_RSU_FIELDS, (b, n))):
            for name in names:
                got = np.shape(getattr(self, name))
                if got != want:
                    raise ScenarioError(name, f"expected shape {want}, got {got}")

    def __len__(self) -> int:
        return len(self.vehicle_x_m)

    @property
    def n_rsus(self) -> int:
        return int(self.rsu_x_m.shape[1])

    def scenario(self, i: int) -> Scenario:
        """Instance ``i`` as a validated Scenario."""
        return Scenario(**{f.name: (getattr(self, f.name)[i].item() if f.name in _INSTANCE_FIELDS
                                    else getattr(self, f.name)[i]) for f in fields(self)})

    def scenarios(self) -> list[Scenario]:
        return [self.scenario(i) for i in range(len(self))]

    def physics(self) -> VecPhysics:
        """Physics for the whole batch at once (RSU arrays [B, n], scalars [B])."""
        return derive_arrays(*(getattr(self, f.name) for f in fields(self)))

    @classmethod
    def from_scenarios(cls, scenarios: Sequence[Scenario]) -> ScenarioBatch:
        """Stack scenarios that all have the same number of RSUs."""
        if not scenarios:
            raise ScenarioError("scenarios", "empty list")
        n = scenarios[0].n_rsus
        for i, s in enumerate(scenarios):
            if s.n_rsus != n:
                raise ScenarioError(f"scenarios[{i}]", f"has {s.n_rsus} RSUs, expected {n} "
                                                       "(a batch needs equal sizes)")
        return cls(**{f.name: np.array([getattr(s, f.name) for s in scenarios], dtype=np.float64)
                      for f in fields(cls)})
