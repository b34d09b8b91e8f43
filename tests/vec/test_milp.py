"""The Pyomo MILP of problem P against the fast exact solver, and the Pyomo status mapping.

SPEC-VEC "Reference solvers": the MILP (one model per band share m) must agree with the
exact algorithm; statuses follow offload_gym.core.status (never a wrong OPTIMAL).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

pyo = pytest.importorskip("pyomo.environ")

from offload_gym.core.errors import SolverError  # noqa: E402
from offload_gym.core.pyomo_utils import (  # noqa: E402
    KNOWN_SOLVERS,
    available_solvers,
    make_solver,
    solve_model,
)
from offload_gym.core.registry import get_solver  # noqa: E402
from offload_gym.core.status import Status  # noqa: E402
from offload_gym.vec import generate  # noqa: E402
from offload_gym.vec.evaluate import evaluate  # noqa: E402
from offload_gym.vec.solvers.exact import solve_exact  # noqa: E402
from offload_gym.vec.solvers.milp import relaxation_bounds, solve_milp  # noqa: E402

RTOL = 1e-7
PRESETS = ("kato2025", "mobility_stress")
RULES = ("optimal", "equal_finish")
AVAILABLE = available_solvers()


def assert_same(exact, milp) -> None:
    """Same completion time (1e-7 relative), success flag and status."""
    assert milp.solver == "milp"
    assert milp.rule == exact.rule and milp.mobcheck == exact.mobcheck
    assert milp.success == exact.success
    assert milp.status == exact.status
    assert milp.completion_time_s == pytest.approx(exact.completion_time_s, rel=RTOL)


# ---------------------------------------------------------------- exact == milp
@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("n", [10, 20, 50])
def test_milp_equals_exact(preset: str, rule: str, n: int) -> None:
    for seed in range(2):
        scenario = generate(n, preset, seed=1000 * n + seed)
        assert_same(solve_exact(scenario, rule), solve_milp(scenario, rule))


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("rule", RULES)
def test_milp_equals_exact_mobcheck(preset: str, rule: str) -> None:
    for seed in range(2):
        scenario = generate(20, preset, seed=77 + seed)
        milp = solve_milp(scenario, rule, mobcheck=True)
        assert_same(solve_exact(scenario, rule, mobcheck=True), milp)
        assert milp.mobcheck


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("n", [10, 20])
def test_milp_without_pruning_equals_exact(preset: str, rule: str, n: int) -> None:
    """Every m solved as a MILP (no closed-form relaxation bound): still the exact optimum."""
    scenario = generate(n, preset, seed=5 + n)
    assert_same(solve_exact(scenario, rule), solve_milp(scenario, rule, prune=False))


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("mobcheck", [False, True])
def test_binding_deadline(preset: str, rule: str, mobcheck: bool) -> None:
    """A deadline below the optimum: the fastest solution comes back as INFEASIBLE."""
    base = generate(20, preset, seed=11)
    best = solve_exact(base, rule, mobcheck).completion_time_s
    scenario = base.replace(deadline_s=0.9 * best)
    exact, milp = solve_exact(scenario, rule, mobcheck), solve_milp(scenario, rule, mobcheck)
    assert_same(exact, milp)
    assert milp.status is Status.INFEASIBLE and not milp.success
    # a deadline just above the optimum is met
    scenario = base.replace(deadline_s=1.01 * best)
    milp = solve_milp(scenario, rule, mobcheck)
    assert_same(solve_exact(scenario, rule, mobcheck), milp)


def test_solution_is_checked_and_serialisable() -> None:
    scenario = generate(12, "mobility_stress", seed=3)
    sol = solve_milp(scenario, "equal_finish")
    ev = evaluate(scenario, sol.selected, sol.allocation_gbit)
    assert ev.success == sol.success and ev.completion_time_s == sol.completion_time_s
    assert sol.status is Status.OPTIMAL and sol.lower_bound_s is None and sol.wall_time_s > 0
    assert sum(sol.allocation_gbit) == pytest.approx(scenario.size_gbit, rel=1e-12)


@pytest.mark.parametrize("rule", ["optimal", "equal_finish"])
def test_no_rsus_is_the_vehicle_alone(rule: str) -> None:
    scenario = generate(0, "kato2025", seed=1)
    sol = solve_milp(scenario, rule)
    assert sol.selected == () and sol.status is Status.OPTIMAL
    assert sol.completion_time_s == pytest.approx(scenario.size_gbit / scenario.vehicle_cpu_ghz)


def test_relaxation_bounds_are_lower_bounds() -> None:
    """LB(m) never exceeds the best time of any selection of size m (checked via exact on
    the optimum: the best m's bound is below the optimum)."""
    from offload_gym.vec import derive

    for preset in PRESETS:
        scenario = generate(15, preset, seed=8)
        phys = derive(scenario)
        lb = relaxation_bounds(phys, np.ones(scenario.n_rsus, dtype=bool))
        for rule in RULES:
            best = solve_exact(scenario, rule)
            m = len(best.selected)
            if m:
                assert lb[m - 1] <= best.completion_time_s * (1 + 1e-12)


# ---------------------------------------------------------------- time limits, errors
@pytest.mark.parametrize("time_limit_s", [1e-4, 2e-2, 0.1])
@pytest.mark.parametrize("preset", PRESETS)
def test_time_limit_never_a_wrong_optimal(time_limit_s: float, preset: str) -> None:
    scenario = generate(30, preset, seed=21)
    exact = solve_exact(scenario)
    milp = solve_milp(scenario, time_limit_s=time_limit_s, prune=False)
    assert milp.status in (Status.OPTIMAL, Status.TIME_LIMIT)
    if milp.status is Status.OPTIMAL:
        assert milp.completion_time_s == pytest.approx(exact.completion_time_s, rel=RTOL)
        return
    # the best solution so far is valid, the bound is valid, the gap consistent
    assert evaluate(scenario, milp.selected, milp.allocation_gbit).success == milp.success
    assert milp.completion_time_s >= exact.completion_time_s * (1 - RTOL)
    assert milp.lower_bound_s is not None and milp.gap is not None
    assert milp.lower_bound_s <= exact.completion_time_s * (1 + RTOL)
    assert milp.gap == pytest.approx(
        (milp.completion_time_s - milp.lower_bound_s) / milp.completion_time_s, abs=1e-12)


def test_unknown_solver_name_raises_naming_it() -> None:
    scenario = generate(5, "kato2025", seed=0)
    with pytest.raises(SolverError, match="no_such_solver"):
        solve_milp(scenario, pyomo_solver="no_such_solver")
    with pytest.raises(SolverError, match="no_such_solver") as info:
        make_solver("no_such_solver")
    assert "appsi_highs" in str(info.value)  # the message lists what is available


def test_unavailable_solver_raises() -> None:
    missing = [name for name in KNOWN_SOLVERS if name not in AVAILABLE]
    if not missing:
        pytest.skip("every known solver is installed here")
    with pytest.raises(SolverError, match=missing[0]):
        make_solver(missing[0])


def test_bad_time_limit_raises() -> None:
    with pytest.raises(SolverError, match="time_limit_s"):
        solve_milp(generate(5, "kato2025", seed=0), time_limit_s=0.0)


def test_backend_error_is_reported_as_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A backend failure returns the best solution so far with Status.ERROR."""
    import offload_gym.vec.solvers.milp as milp_module
    from offload_gym.core.pyomo_utils import SolveOutcome

    def broken(*args, **kwargs):
        return SolveOutcome(Status.ERROR, None, None, None, "backend exploded")

    monkeypatch.setattr(milp_module, "solve_model", broken)
    sol = milp_module.solve_milp(generate(10, "kato2025", seed=2))
    assert sol.status is Status.ERROR


def test_registry_and_lazy_pyomo() -> None:
    assert get_solver("vec", "milp") is solve_milp
    code = "import sys, offload_gym.vec; print(any(m.startswith('pyomo') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------- pyomo_utils status mapping
def _toy(rhs: float):
    """min x + 2y s.t. x + y >= rhs, x in [0, 1], y binary (infeasible when rhs > 2)."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 1))
    m.y = pyo.Var(domain=pyo.Binary)
    m.c = pyo.Constraint(expr=m.x + m.y >= rhs)
    m.obj = pyo.Objective(expr=m.x + 2 * m.y)
    return m


def _knapsack(n_items: int = 60, seed: int = 0):
    """A knapsack with nearly equal ratios: hard enough that a tiny time limit bites."""
    rng = np.random.default_rng(seed)
    w = rng.integers(1000, 2000, n_items)
    v = w + rng.integers(-5, 6, n_items)
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(n_items), domain=pyo.Binary)
    m.c = pyo.Constraint(expr=sum(int(w[i]) * m.x[i] for i in range(n_items))
                         <= int(w.sum()) // 2 + 0.5)
    m.obj = pyo.Objective(expr=sum(int(v[i]) * m.x[i] for i in range(n_items)),
                          sense=pyo.maximize)
    return m


@pytest.mark.parametrize("name", [s for s in ("appsi_highs", "highs", "scip_direct")
                                  if s in AVAILABLE])
def test_status_mapping(name: str) -> None:
    solver = make_solver(name)
    ok = solve_model(_toy(1.5), solver)
    assert ok.status is Status.OPTIMAL and ok.objective == pytest.approx(2.5)
    bad = solve_model(_toy(3.0), solver)
    assert bad.status is Status.INFEASIBLE and bad.objective is None

    unbounded = pyo.ConcreteModel()
    unbounded.x = pyo.Var(domain=pyo.Integers)
    unbounded.obj = pyo.Objective(expr=unbounded.x)
    out = solve_model(unbounded, solver)
    assert out.status is Status.ERROR and out.message

    hard = solve_model(_knapsack(), solver, time_limit_s=1e-3)
    assert hard.status in (Status.TIME_LIMIT, Status.OPTIMAL)
    if hard.status is Status.TIME_LIMIT and hard.objective is not None \
            and hard.bound is not None:
        assert hard.bound >= hard.objective - 1e-6  # maximising: the bound is above
        assert hard.gap is not None and hard.gap >= 0


def test_solve_model_catches_backend_exceptions() -> None:
    solver = make_solver("appsi_highs")

    class Exploding:
        def __getattr__(self, attr):
            return getattr(solver, attr)

        def solve(self, *args, **kwargs):
            raise RuntimeError("boom")

    wrapped = Exploding()
    object.__setattr__(wrapped, "_offload_gym_solver_name", "appsi_highs")
    out = solve_model(_toy(1.5), wrapped)
    assert out.status is Status.ERROR and "boom" in out.message


@pytest.mark.skipif("scip_direct" not in AVAILABLE, reason="SCIP (pyscipopt) not installed")
@pytest.mark.parametrize("rule", RULES)
def test_scip_direct_equals_exact(rule: str) -> None:
    scenario = generate(15, "mobility_stress", seed=4)
    assert_same(solve_exact(scenario, rule), solve_milp(scenario, rule,
                                                        pyomo_solver="scip_direct"))
