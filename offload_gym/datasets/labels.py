"""Build one shard's arrays: generate its instances from the shard's seed, label them.

VEC labels (batched certified exact solver, :func:`solve_exact_batch`), one set per
(rule, MobCheck flavour) in :data:`VEC_LABEL_SETS`, each with ``label_{set}_selected``
``[N, n]`` (bool), ``label_{set}_allocation_gbit`` ``[N, 1 + n]`` (vehicle first),
``label_{set}_completion_time_s`` ``[N]`` and ``label_{set}_success`` ``[N]``.

LAENet labels (the registered solver, ``exact`` by default): ``label_choice`` ``[N, U]``
(server index, -1 = LOCAL), ``label_share`` ``[N, U]`` (NaN when local), ``label_cost``,
``label_lower_bound``, ``label_upper_bound``, ``label_gap`` ``[N]`` (NaN when the solver
gives none), ``label_iterations`` ``[N]`` (-1 when none), ``label_status`` and
``label_validity`` ``[N]`` (strings). Feature statistics per instance for the metadata:
``feat_j_loc`` ``[N, U]``, ``feat_j_tr_max`` / ``feat_j_exe_max`` ``[N]`` (max over the
instance's coverage edges with finite values). Generator counters: ``gen_n_rejected``,
``gen_n_user_redraws`` (0-d).

Every shard also has ``instance_index`` ``[N]`` (global index; splits are index ranges).
No wall times are stored: they would break byte-identical reruns.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from offload_gym.datasets import codec
from offload_gym.datasets.spec import DatasetSpec, ShardPlan

# label set -> (allocation rule, mobcheck)
VEC_LABEL_SETS: dict[str, tuple[str, bool]] = {
    "optimal": ("optimal", False),
    "equal_finish": ("equal_finish", False),
    "equal_finish_mobcheck": ("equal_finish", True),
}


def vec_shard_arrays(spec: DatasetSpec, shard: ShardPlan) -> dict[str, np.ndarray]:
    """Generate and label one VEC shard."""
    from offload_gym.vec.generator import generate_batch
    from offload_gym.vec.solvers.exact import solve_exact_batch

    rng = np.random.default_rng(shard.seed_sequence(spec.seed))
    batch = generate_batch(shard.count, int(spec.size or 0), spec.preset, rng,
                           **dict(spec.overrides))
    out = codec.encode_vec(batch)
    for name, (rule, mobcheck) in VEC_LABEL_SETS.items():
        res = solve_exact_batch(batch, rule=rule, mobcheck=mobcheck)
        out[f"label_{name}_selected"] = np.asarray(res.selected_mask, dtype=bool)
        out[f"label_{name}_allocation_gbit"] = np.asarray(res.allocation_gbit, dtype=np.float64)
        out[f"label_{name}_completion_time_s"] = np.asarray(res.completion_time_s,
                                                            dtype=np.float64)
        out[f"label_{name}_success"] = np.asarray(res.success, dtype=bool)
    out["instance_index"] = np.arange(shard.start, shard.start + shard.count, dtype=np.int64)
    return out


def _opt(x: Any) -> float:
    return math.nan if x is None else float(x)


def _finite_max(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    return float(x.max()) if x.size else math.nan


def laenet_shard_arrays(spec: DatasetSpec, shard: ShardPlan) -> dict[str, np.ndarray]:
    """Generate and label one LAENet shard with the spec's solver."""
    from offload_gym.core.registry import get_solver
    from offload_gym.laenet.generator import generate_batch
    from offload_gym.laenet.physics import derive

    rng = np.random.default_rng(shard.seed_sequence(spec.seed))
    scenarios, stats = generate_batch(spec.scale, shard.count, rng, spec.preset,
                                      return_stats=True)
    solve = get_solver("laenet", spec.solver)
    out = codec.encode_laenet(scenarios)
    n, n_users = len(scenarios), scenarios[0].n_users
    choice = np.full((n, n_users), -1, dtype=np.int64)
    share = np.full((n, n_users), np.nan)
    cost, lb, ub, gap = (np.full(n, np.nan) for _ in range(4))
    iterations = np.full(n, -1, dtype=np.int64)
    status, validity = [], []
    j_loc = np.empty((n, n_users))
    j_tr_max, j_exe_max = np.empty(n), np.empty(n)
    for i, sc in enumerate(scenarios):
        sol = solve(sc)
        if sol.choice:
            choice[i] = sol.choice
            share[i] = [np.nan if y is None else y for y in sol.share]
        cost[i] = sol.cost
        lb[i], ub[i], gap[i] = _opt(sol.lower_bound), _opt(sol.upper_bound), _opt(sol.gap)
        iterations[i] = -1 if sol.iterations is None else int(sol.iterations)
        status.append(str(sol.status))
        validity.append(sol.validity)
        d = derive(sc)
        j_loc[i] = d.j_loc
        j_tr_max[i], j_exe_max[i] = _finite_max(d.j_tr), _finite_max(d.j_exe)
    out.update({
        "label_choice": choice, "label_share": share, "label_cost": cost,
        "label_lower_bound": lb, "label_upper_bound": ub, "label_gap": gap,
        "label_iterations": iterations,
        "label_status": np.array(status, dtype="<U16"),
        "label_validity": np.array(validity, dtype="<U16"),
        "feat_j_loc": j_loc, "feat_j_tr_max": j_tr_max, "feat_j_exe_max": j_exe_max,
        "gen_n_rejected": np.array(stats.n_rejected, dtype=np.int64),
        "gen_n_user_redraws": np.array(stats.n_user_redraws, dtype=np.int64),
        "instance_index": np.arange(shard.start, shard.start + shard.count, dtype=np.int64),
    })
    return out


def shard_arrays(spec: DatasetSpec, shard: ShardPlan) -> dict[str, np.ndarray]:
    """One shard's arrays for either problem."""
    if spec.problem == "vec":
        return vec_shard_arrays(spec, shard)
    return laenet_shard_arrays(spec, shard)
