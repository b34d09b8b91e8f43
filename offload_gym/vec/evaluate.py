"""The one checker every VEC result goes through (solvers, baselines, env, agents).

Given a selection and an allocation it recomputes, from the physics alone:
finish time of the vehicle q_0 beta_0 and of each selected RSU q_i c_i(m) (m = |S|);
completion time T = the latest finish; success iff the allocation is well formed, every
selected RSU finishes by its exit time e_i (it must still be in range to return the result)
and T <= deadline. Tolerances are relative, 1e-9.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from offload_gym.core.errors import ScenarioError
from offload_gym.core.status import Status
from offload_gym.vec.physics import VecPhysics, derive
from offload_gym.vec.scenario import Scenario
from offload_gym.vec.solution import Solution

RTOL = 1e-9


@dataclass(frozen=True)
class Evaluation:
    completion_time_s: float
    success: bool
    finish_time_s: np.ndarray  # [1 + n]: vehicle, then RSUs (0 if unused)
    violations: list[str] = field(default_factory=list)


def selection_mask(n_rsus: int, selected: list[int] | tuple[int, ...] | np.ndarray) -> np.ndarray:
    """Boolean mask from RSU indices; booleans, non-integers, out-of-range or repeated
    indices raise naming them (a mask passed where indices are expected is not guessed)."""
    values = np.asarray(selected).reshape(-1)
    if values.dtype == bool or not (np.issubdtype(values.dtype, np.integer) or (
            np.issubdtype(values.dtype, np.floating) and np.all(values == np.round(values)))):
        raise ScenarioError("selected", f"expected RSU indices (integers), got "
                                        f"{values.tolist()!r}")
    idx = values.astype(np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= n_rsus):
        bad = int(idx[(idx < 0) | (idx >= n_rsus)][0])
        raise ScenarioError("selected", f"RSU index {bad} out of range 0..{n_rsus - 1}")
    if len(np.unique(idx)) != idx.size:
        raise ScenarioError("selected", f"repeated RSU index in {idx.tolist()}")
    mask = np.zeros(n_rsus, dtype=bool)
    mask[idx] = True
    return mask


def finish_times(phys: VecPhysics, mask: np.ndarray, allocation_gbit: np.ndarray) -> np.ndarray:
    """[..., 1 + n] finish times: q_0 beta_0 for the vehicle, q_i c_i(m) for RSUs."""
    m = mask.sum(axis=-1)
    c = phys.cost(m)
    rsu = np.where(mask, allocation_gbit[..., 1:] * c, 0.0)
    veh = allocation_gbit[..., 0] * phys.beta0_s_per_gbit
    return np.concatenate([np.asarray(veh)[..., None], rsu], axis=-1)


def evaluate_arrays(phys: VecPhysics, mask: np.ndarray, allocation_gbit: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised check: (completion_time_s [...], success [...]) for masks [..., n] and
    allocations [..., 1 + n] (assumed non-negative, zero off the selection)."""
    fin = finish_times(phys, mask, allocation_gbit)
    t = fin.max(axis=-1)
    size = np.asarray(phys.size_gbit)
    sums_ok = np.abs(allocation_gbit.sum(axis=-1) - size) <= RTOL * size
    in_range = np.all(~mask | (fin[..., 1:] <= phys.exit_time_s * (1 + RTOL)), axis=-1)
    return t, sums_ok & in_range & (t <= phys.deadline_s * (1 + RTOL))


def evaluate(scenario: Scenario, selected, allocation_gbit, phys: VecPhysics | None = None
             ) -> Evaluation:
    """Check one selection + allocation; violations are listed by name."""
    phys = derive(scenario) if phys is None else phys
    n = scenario.n_rsus
    mask = selection_mask(n, selected)
    alloc = np.asarray(allocation_gbit, dtype=np.float64)
    if alloc.shape != (n + 1,):
        raise ScenarioError("allocation_gbit", f"expected {n + 1} entries (vehicle first), "
                                               f"got shape {alloc.shape}")
    if not np.all(np.isfinite(alloc)):
        raise ScenarioError("allocation_gbit", "contains NaN or inf")
    violations = []
    if np.any(alloc < 0):
        violations.append(f"allocation_gbit[{int(np.argmax(alloc < 0))}] is negative")
    if np.any(alloc[1:][~mask] != 0):
        violations.append("work allocated to an RSU that is not selected")
    if abs(alloc.sum() - scenario.size_gbit) > RTOL * scenario.size_gbit:
        violations.append(f"allocation sums to {alloc.sum():.12g} Gbit, task is "
                          f"{scenario.size_gbit:.12g} Gbit")
    fin = finish_times(phys, mask, alloc)
    late = np.flatnonzero(mask & (fin[1:] > phys.exit_time_s * (1 + RTOL)))
    violations += [f"RSU {i} finishes at {fin[i + 1]:.6g} s after leaving range at "
                   f"{phys.exit_time_s[i]:.6g} s" for i in late]
    t = float(fin.max())
    if t > scenario.deadline_s * (1 + RTOL):
        violations.append(f"completion {t:.6g} s misses the deadline {scenario.deadline_s:.6g} s")
    return Evaluation(t, not violations, fin, violations)


def make_solution(scenario: Scenario, mask: np.ndarray, allocation_gbit: np.ndarray, *,
                  rule: str, solver: str, wall_time_s: float, mobcheck: bool = False,
                  status: Status | None = None, phys: VecPhysics | None = None,
                  lower_bound_s: float | None = None, gap: float | None = None) -> Solution:
    """Build a Solution whose time and success come from :func:`evaluate`.

    ``status`` defaults to OPTIMAL when the evaluated solution succeeds, else INFEASIBLE
    (the caller passes FEASIBLE for heuristics and baselines)."""
    selected = np.flatnonzero(mask)
    ev = evaluate(scenario, selected, allocation_gbit, phys)
    if status is None:
        status = Status.OPTIMAL if ev.success else Status.INFEASIBLE
    return Solution(
        selected=tuple(int(i) for i in selected),
        allocation_gbit=tuple(float(x) for x in allocation_gbit),
        completion_time_s=ev.completion_time_s,
        success=ev.success,
        rule=rule,
        solver=solver,
        status=status,
        wall_time_s=float(wall_time_s),
        mobcheck=mobcheck,
        lower_bound_s=lower_bound_s,
        gap=gap,
    )
