"""`offload-gym solve` and `generate` print exactly their JSON on stdout, for every registered
solver of both problems (issue 13, point 2): HiGHS's C-level banner, checkpoint notes and
progress go to stderr. A solver may refuse an instance (exit 2, one line on stderr)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from offload_gym.core.registry import solver_names
from offload_gym.laenet import generate as generate_laenet
from offload_gym.vec import generate as generate_vec

# Certified solvers that must answer on these small instances.
MUST_SOLVE = {"vec": {"exact", "brute", "milp"}, "laenet": {"exact", "brute", "pyomo"}}
CLI = [sys.executable, "-m", "offload_gym.cli"]

# Runs `offload_gym.cli.main(["solve", FILE, "--solver", NAME])` for every solver of one
# problem in ONE process (cheap), capturing file descriptors 1 and 2 per call, so that C-level
# output (which Python's sys.stdout redirection would miss) is caught too.
_DRIVER = textwrap.dedent('''
    import ctypes, json, os, sys, tempfile
    from offload_gym.cli import main
    from offload_gym.core.registry import solver_names

    def run(argv):
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            sys.stdout.flush(); sys.stderr.flush()
            saved = os.dup(1), os.dup(2)
            os.dup2(out.fileno(), 1); os.dup2(err.fileno(), 2)
            try:
                code = main(argv)
            except SystemExit as exc:
                code = exc.code
            finally:
                sys.stdout.flush(); sys.stderr.flush(); ctypes.CDLL(None).fflush(None)
                os.dup2(saved[0], 1); os.dup2(saved[1], 2)
            out.seek(0); err.seek(0)
            return [code, out.read().decode(), err.read().decode()]

    problem, path = sys.argv[1:3]
    print(json.dumps({name: run(["solve", path, "--solver", name])
                      for name in solver_names(problem)}))
''')


@pytest.fixture(scope="module")
def scenario_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("stdout")
    files = {"vec": folder / "vec.json", "laenet": folder / "laenet.json"}
    files["vec"].write_text(generate_vec(8, "kato2025", seed=1).to_json())
    files["laenet"].write_text(generate_laenet("gs2_gu4_au2", seed=1).to_json())
    return files


def _check_solve_output(problem: str, name: str, code: int, out: str, err: str) -> None:
    """Exit 0 with stdout exactly one Solution JSON, or a refusal: exit 2, nothing on stdout,
    one line on stderr."""
    if code == 2 and name not in MUST_SOLVE[problem]:
        assert out == "", f"{problem}/{name} refused but wrote to stdout: {out[:200]!r}"
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("offload-gym: error: "), (name, err)
        return
    assert code == 0, f"{problem}/{name}: exit {code}: {err[-500:]}"
    solution = json.loads(out)  # the whole stdout, nothing else
    assert solution["solver"] == name, solution
    if name in MUST_SOLVE[problem]:
        assert solution["status"] == "optimal", (name, solution["status"])


@pytest.mark.parametrize("problem", ["vec", "laenet"])
def test_solve_stdout_is_exactly_json_for_every_solver(problem: str,
                                                       scenario_files: dict[str, Path]) -> None:
    proc = subprocess.run([sys.executable, "-c", _DRIVER, problem, str(scenario_files[problem])],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads(proc.stdout)
    assert set(results) == set(solver_names(problem))
    for name, (code, out, err) in results.items():
        _check_solve_output(problem, name, code, out, err)


@pytest.mark.parametrize(("problem", "name"), [("laenet", "exact"), ("laenet", "pyomo"),
                                               ("vec", "milp")])
def test_real_cli_process_with_highs_prints_only_json(problem: str, name: str,
                                                      scenario_files: dict[str, Path]) -> None:
    """The HiGHS banner is printed once per process: the real command, fresh process."""
    proc = subprocess.run([*CLI, "solve", str(scenario_files[problem]), "--solver", name],
                          capture_output=True, text=True, timeout=300)
    _check_solve_output(problem, name, proc.returncode, proc.stdout, proc.stderr)


@pytest.mark.parametrize("problem", ["vec", "laenet"])
def test_generate_stdout_is_exactly_json(problem: str) -> None:
    args = ["--rsus", "6"] if problem == "vec" else ["--scale", "gs2_gu4_au2"]
    proc = subprocess.run([*CLI, "generate", "--problem", problem, *args],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["problem"] == problem


@pytest.mark.slow
@pytest.mark.parametrize("problem", ["vec", "laenet"])
def test_every_solver_in_its_own_process(problem: str, scenario_files: dict[str, Path]) -> None:
    """The same as the in-process sweep, one fresh `offload-gym solve` process per solver."""
    for name in solver_names(problem):
        proc = subprocess.run([*CLI, "solve", str(scenario_files[problem]), "--solver", name],
                              capture_output=True, text=True, timeout=300)
        _check_solve_output(problem, name, proc.returncode, proc.stdout, proc.stderr)
