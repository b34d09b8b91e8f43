"""HiGHS keeps one thread scheduler per process: every HiGHS of the package (direct highspy in
the LAENet ``exact`` solver, Pyomo's ``appsi_highs`` in VEC ``milp`` and LAENet ``pyomo``)
must agree on ``threads`` in any order, and a scheduler started by the user's own highspy
must not break them (issue 13, point 1). Each case runs in a fresh process, since the
scheduler outlives everything else in one."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

_SCRIPT = textwrap.dedent('''
    import json, sys
    import highspy
    from offload_gym.core.registry import get_solver
    from offload_gym.laenet import generate as generate_laenet
    from offload_gym.vec import generate as generate_vec

    order = sys.argv[1].split(",")
    vec = generate_vec(8, "kato2025", seed=3)
    lae = generate_laenet("gs2_gu4_au2", seed=3)
    out = {}

    def user_highs(threads):  # a user's own highspy model, run before ours
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", threads)
        h.addVar(0.0, 1.0)
        out["user_run"] = str(h.run())

    for step in order:
        if step.startswith("user"):
            user_highs(int(step[4:]))
            continue
        problem, name = step.split(":")
        sol = get_solver(problem, name)(vec if problem == "vec" else lae)
        value = sol.completion_time_s if problem == "vec" else sol.cost
        out[step] = [str(sol.status), value]
    print(json.dumps(out))
''')

PYOMO_FIRST = "vec:milp,laenet:pyomo,laenet:exact,vec:exact,vec:brute,laenet:brute"
EXACT_FIRST = "laenet:exact,vec:exact,vec:brute,laenet:brute,vec:milp,laenet:pyomo"


def _run(order: str) -> dict[str, list]:
    proc = subprocess.run([sys.executable, "-c", _SCRIPT, order], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    if not order.startswith("user"):  # (the user's own highspy prints its banner)
        assert "Running HiGHS" not in proc.stdout  # ours never reaches stdout
    return json.loads(proc.stdout.splitlines()[-1])


def _assert_same_optima(out: dict[str, list]) -> None:
    solves = {k: v for k, v in out.items() if ":" in k}
    for step, (status, _) in solves.items():
        assert status == "optimal", f"{step}: {status}"
    for problem in ("vec", "laenet"):
        values = [v for k, (_, v) in solves.items() if k.startswith(problem + ":")]
        assert len(values) == 3
        assert max(values) - min(values) <= 1e-6 * max(values), (problem, out)


@pytest.mark.parametrize("order", [PYOMO_FIRST, EXACT_FIRST],
                         ids=["pyomo-then-exact", "exact-then-pyomo"])
def test_every_order_in_one_process_is_optimal_and_agrees(order: str) -> None:
    _assert_same_optima(_run(order))


@pytest.mark.parametrize("threads", [0, 2])
def test_a_user_scheduler_started_first_does_not_break_our_solvers(threads: int) -> None:
    """The user's highspy started the scheduler with another thread count: our solvers run
    on it (threads = 0) instead of failing with a status that looks like a result."""
    out = _run(f"user{threads},{PYOMO_FIRST}")
    assert out["user_run"] == "HighsStatus.kOk"
    _assert_same_optima(out)


def test_a_forced_conflicting_thread_count_raises_a_named_solver_error() -> None:
    script = textwrap.dedent('''
        import highspy
        from offload_gym.core.errors import SolverError
        from offload_gym.core.highs import new_highs, run_highs
        h = highspy.Highs(); h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 2); h.addVar(0.0, 1.0); h.run()
        ours = new_highs(threads=1); ours.addVar(0.0, 1.0)
        try:
            run_highs(ours)
        except SolverError as exc:
            print(exc)
    ''')
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "threads=1" in proc.stdout and "thread scheduler" in proc.stdout


def test_threads_option_is_one_when_the_scheduler_is_ours() -> None:
    script = ("from offload_gym.core.highs import solver_options\n"
              "from offload_gym.core.pyomo_utils import make_solver\n"
              "print(solver_options()['threads'], make_solver('appsi_highs').options['threads'])")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["1", "1"]


def test_a_forked_child_of_a_multi_thread_highs_process_can_solve() -> None:
    """fork copies HiGHS's scheduler but not its worker threads: without the package's
    after-fork reset, the child's first solve on a scheduler started with 2 threads waits
    forever (dataset workers forked after a user's HiGHS solve)."""
    script = textwrap.dedent('''
        import os, highspy
        import offload_gym  # registers the after-fork reset
        from offload_gym.core.registry import get_solver
        from offload_gym.laenet import generate
        h = highspy.Highs(); h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 2); h.addVar(0.0, 1.0); h.run()
        scenario = generate("gs2_gu4_au2", seed=0)
        pid = os.fork()
        if pid == 0:
            status = get_solver("laenet", "exact")(scenario).status
            os._exit(0 if status == "optimal" else 3)
        print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
    ''')
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split()[-1] == "0"
