"""The VECStream world stepped one task at a time (SPEC-STREAM "One step = one task").

:class:`StreamSimulator` replays a :class:`StreamTrace`: tasks in arrival order; for task k
it builds the :class:`TaskState` (candidates = RSUs within range at t_k, nearest first,
capped to ``max_candidates``; rates, tau and beta from :mod:`offload_gym.vec.physics`; exit
times from the mobility; waits from the FIFO queues), times the chosen selection exactly
(:func:`allocation.finish_time`), and on success commits the work to the queues:

- RSU i in S with q_i > 0:  a_i  <- t_k + max(q_i m tau_i, w_i) + q_i beta_i
- the vehicle if q_0 > 0:   a_0j <- t_k + w_0 + q_0 beta_0

A failed task (T_S > D_k) is dropped and consumes nothing. Reward: -T_S / D_k on success,
-fail_penalty on failure. The per-task lower bound is the empty-queue optimum's reward; its
sum over the episode (:meth:`episode_lower_bound`) bounds every policy's return from above.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from offload_gym.vec import physics
from offload_gym.vec.stream import oracle
from offload_gym.vec.stream.oracle import Decision, TaskState
from offload_gym.vec.stream.trace import StreamTrace, load_trace


@dataclass(frozen=True, eq=False)
class StepResult:
    """Outcome of one step (one task)."""

    task_index: int
    T_s: float
    success: bool
    reward: float
    lower_bound_reward: float
    positions: tuple[int, ...]    # selected candidate slot positions
    selected_rsus: tuple[int, ...]  # the same as RSU indices
    q0: float
    q: np.ndarray                 # shares of the selected RSUs (aligned with positions)
    myopic_T_s: float | None = None


@dataclass(frozen=True, eq=False)
class _Geometry:
    """Queue-independent part of a task's state (cached per task)."""

    rsu: np.ndarray
    distance_m: np.ndarray
    tau: np.ndarray
    exit_s: np.ndarray


class StreamSimulator:
    """Step through a trace's tasks; queues start empty at :meth:`reset`."""

    def __init__(self, trace: StreamTrace | dict | str) -> None:
        self.trace = load_trace(trace)
        tr = self.trace
        self.rsu_beta = physics.compute_time_s_per_gbit(tr.cycles_per_bit, tr.rsu_cpu_ghz)
        self.vehicle_beta = physics.compute_time_s_per_gbit(tr.cycles_per_bit,
                                                            tr.vehicle_cpu_ghz)
        self._geometry: dict[int, _Geometry] = {}
        self._lb: np.ndarray = np.full(tr.n_tasks, np.nan)
        self.reset()

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        """Empty queues, first task."""
        self.task_index = 0
        self.rsu_busy_until_s = np.zeros(self.trace.n_rsus)
        self.vehicle_busy_until_s = np.zeros(self.trace.n_vehicles)
        self.episode_return = 0.0

    @property
    def n_tasks(self) -> int:
        return self.trace.n_tasks

    @property
    def done(self) -> bool:
        """True once every task of the trace has been stepped."""
        return self.task_index >= self.trace.n_tasks

    @property
    def time_s(self) -> float:
        """Arrival time of the current task (the horizon once done)."""
        return float(self.trace.task_arrival_s[self.task_index]) if not self.done \
            else self.trace.horizon_s

    def geometry(self, k: int) -> _Geometry:
        """Candidates of task k (nearest first, capped) with distance, tau and exit times."""
        g = self._geometry.get(k)
        if g is not None:
            return g
        tr = self.trace
        j, t = int(tr.task_vehicle[k]), float(tr.task_arrival_s[k])
        pos = tr.mobility.position_m(j, t)
        dist = np.hypot(tr.rsu_xy_m[:, 0] - pos[0], tr.rsu_xy_m[:, 1] - pos[1])
        inside = np.flatnonzero(dist <= tr.range_m)
        order = inside[np.lexsort((inside, dist[inside]))][:tr.max_candidates]
        d = dist[order]
        tau = physics.transmit_time_s_per_gbit(tr.bandwidth_hz, physics.spectral_efficiency(
            tr.rsu_snr_db[order], d))
        exit_s = tr.mobility.exit_times_s(j, t, tr.rsu_xy_m[order], tr.range_m)
        g = _Geometry(order, d, np.asarray(tau, dtype=np.float64), exit_s)
        self._geometry[k] = g
        return g

    def task_state(self, k: int | None = None) -> TaskState:
        """The decision problem of task k (default: the current one) given the queues now."""
        k = self.task_index if k is None else int(k)
        if not 0 <= k < self.n_tasks:
            raise IndexError(f"task index {k} out of range [0, {self.n_tasks})")
        tr = self.trace
        g = self.geometry(k)
        j, t = int(tr.task_vehicle[k]), float(tr.task_arrival_s[k])
        return TaskState(
            q_gbit=float(tr.task_size_gbit[k]), deadline_s=float(tr.task_deadline_s[k]),
            beta0=float(self.vehicle_beta[j]),
            w0=max(float(self.vehicle_busy_until_s[j]) - t, 0.0),
            rsu=g.rsu, beta=self.rsu_beta[g.rsu], tau=g.tau,
            wait=np.maximum(self.rsu_busy_until_s[g.rsu] - t, 0.0), exit_s=g.exit_s,
            distance_m=g.distance_m, task_index=k, vehicle=j, arrival_s=t)

    # ------------------------------------------------------------------ stepping
    @staticmethod
    def _positions(selected, n: int) -> np.ndarray:
        arr = np.asarray(selected)
        if arr.dtype == bool:
            if arr.shape != (n,):
                raise ValueError(f"selected: boolean mask must have {n} entries, got {arr.shape}")
            return np.flatnonzero(arr)
        arr = np.asarray(arr, dtype=np.int64).reshape(-1)
        if arr.size and (arr.min() < 0 or arr.max() >= n):
            raise ValueError(f"selected: positions must be in [0, {n}), got {arr.tolist()}")
        if np.unique(arr).size != arr.size:
            raise ValueError(f"selected: duplicate positions {arr.tolist()}")
        return np.sort(arr)

    def lower_bound_reward(self, k: int | None = None) -> float:
        """Reward of task k's empty-queue optimum (cached)."""
        k = self.task_index if k is None else int(k)
        if np.isnan(self._lb[k]):
            self.lower_bound_rewards()  # every task at once (they do not depend on queues)
        return float(self._lb[k])

    def commit(self, state: TaskState, decision: Decision) -> None:
        """Book a successful decision into the queues (SPEC-STREAM commit rule)."""
        t = state.arrival_s
        pos = np.asarray(decision.selected, dtype=np.int64)
        m = pos.size
        for p, q in zip(pos, decision.q, strict=True):
            if q > 0:
                start = max(q * m * state.tau[p], state.wait[p])
                self.rsu_busy_until_s[state.rsu[p]] = t + start + q * state.beta[p]
        if decision.q0 > 0:
            self.vehicle_busy_until_s[state.vehicle] = t + state.w0 + decision.q0 * state.beta0

    def step(self, selected, *, myopic: bool = False) -> StepResult:
        """Decide the current task with candidate slot ``selected`` (positions or a boolean
        mask over the candidates), commit or drop it, advance. ``myopic=True`` also reports
        the myopic optimum's T for the same state (before the commit)."""
        if self.done:
            raise RuntimeError("the episode is over; call reset()")
        state = self.task_state()
        pos = self._positions(selected, state.n_candidates)
        decision = oracle.evaluate(state, pos)
        myopic_t = oracle.myopic_exact(state).T_s if myopic else None
        if decision.success:
            self.commit(state, decision)
        reward = oracle.reward(decision.T_s, state.deadline_s, self.trace.fail_penalty)
        result = StepResult(self.task_index, decision.T_s, decision.success, reward,
                            self.lower_bound_reward(), decision.selected,
                            tuple(int(state.rsu[p]) for p in decision.selected),
                            decision.q0, decision.q, myopic_t)
        self.episode_return += reward
        self.task_index += 1
        return result

    def lower_bound_rewards(self) -> np.ndarray:
        """(K,) per-task lower-bound rewards (queue-independent; one batched oracle call)."""
        todo = np.flatnonzero(np.isnan(self._lb))
        if todo.size:
            self._lb[todo] = self._batched_lower_bounds(todo)
        return self._lb.copy()

    def _batched_lower_bounds(self, tasks: np.ndarray) -> np.ndarray:
        """Empty-queue optimum rewards of ``tasks`` by :func:`oracle.myopic_times`."""
        tr = self.trace
        n = tr.max_candidates
        geo = [self.geometry(int(k)) for k in tasks]
        valid = np.zeros((tasks.size, n), dtype=bool)
        beta, tau, exit_s = np.ones((3, tasks.size, n))
        for row, g in enumerate(geo):
            c = g.rsu.size
            valid[row, :c] = True
            beta[row, :c], tau[row, :c], exit_s[row, :c] = self.rsu_beta[g.rsu], g.tau, g.exit_s
        beta0 = self.vehicle_beta[tr.task_vehicle[tasks]]
        t, _, _ = oracle.myopic_times(tr.task_size_gbit[tasks], beta0, np.zeros(tasks.size),
                                      beta, tau, np.zeros((tasks.size, n)), exit_s, valid)
        d = tr.task_deadline_s[tasks]
        return np.where(t <= d, np.maximum(-t / d, -tr.fail_penalty), -tr.fail_penalty)

    def episode_lower_bound(self) -> float:
        """Sum of the per-task lower-bound rewards: an upper bound of the episode return."""
        return float(self.lower_bound_rewards().sum())

    def equivalent_scenario(self, k: int | None = None):
        """Task k as a one-shot vec :class:`~offload_gym.vec.scenario.Scenario` (queues
        ignored): the vehicle at its position at t_k, driving along its current heading
        (rotated onto +x) at its current speed, the candidate RSUs, the task's Q and D.

        Exit times there come from SPEC-VEC's constant-speed formula (no road end), so they
        equal the stream's only for a straight constant-speed trajectory that does not leave
        the road first."""
        from offload_gym.vec.scenario import Scenario

        k = self.task_index if k is None else int(k)
        tr = self.trace
        g = self.geometry(k)
        j, t = int(tr.task_vehicle[k]), float(tr.task_arrival_s[k])
        pos = tr.mobility.position_m(j, t)
        vel = tr.mobility.velocity_mps(j, t)
        speed = float(np.hypot(*vel))
        ux, uy = (vel / speed) if speed > 0 else (1.0, 0.0)
        rel = tr.rsu_xy_m[g.rsu] - pos
        x = rel[:, 0] * ux + rel[:, 1] * uy
        y = -rel[:, 0] * uy + rel[:, 1] * ux
        return Scenario(0.0, 0.0, speed, float(tr.vehicle_cpu_ghz[j]), x, y,
                        tr.rsu_cpu_ghz[g.rsu], tr.rsu_snr_db[g.rsu],
                        float(tr.task_size_gbit[k]), float(tr.task_deadline_s[k]),
                        tr.bandwidth_hz, tr.range_m, tr.cycles_per_bit)
