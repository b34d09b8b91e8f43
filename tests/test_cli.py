"""The offload-gym command line: generate -> solve round trip, clear errors."""

import json
import shutil
import subprocess

import pytest

from offload_gym.cli import main

VEC_KEYS = {"selected", "allocation_gbit", "completion_time_s", "success", "rule", "solver",
            "status", "wall_time_s"}


@pytest.fixture
def vec_file(tmp_path, capsys):
    assert main(["generate", "--preset", "kato2025", "--rsus", "8", "--seed", "1"]) == 0
    path = tmp_path / "s.json"
    path.write_text(capsys.readouterr().out)
    return path


@pytest.mark.parametrize("solver", ["exact", "brute", "local", "decc", "lb", "all_rsus"])
def test_vec_solve_prints_solution_json(vec_file, capsys, solver):
    assert main(["solve", str(vec_file), "--solver", solver]) == 0
    out = json.loads(capsys.readouterr().out)
    assert VEC_KEYS <= set(out)
    assert out["solver"] == solver


def test_vec_rule_and_mobcheck_flags(vec_file, capsys):
    assert main(["solve", str(vec_file), "--rule", "equal_finish", "--mobcheck"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rule"] == "equal_finish" and out["mobcheck"] is True
    main(["solve", str(vec_file), "--solver", "brute", "--rule", "equal_finish", "--mobcheck"])
    brute = json.loads(capsys.readouterr().out)
    assert brute["completion_time_s"] == pytest.approx(out["completion_time_s"], rel=1e-9)


def test_generate_overrides(capsys):
    main(["generate", "--rsus", "3", "--speed", "20", "--deadline", "0.5", "--bandwidth", "1e9",
          "--preset", "mobility_stress"])
    d = json.loads(capsys.readouterr().out)
    assert d["vehicle"]["speed_mps"] == 20.0 and d["task"]["deadline_s"] == 0.5
    assert d["bandwidth_hz"] == 1e9 and len(d["rsus"]["x_m"]) == 3


@pytest.mark.parametrize(("content", "fragment"), [
    ('{"problem": "vec"', "json: malformed JSON"),
    ('{"problem": "tsp"}', "problem: unknown problem kind"),
    ('{"problem": "vec"}', "vehicle: missing required key"),
])
def test_malformed_file_exits_2_with_one_line(tmp_path, capsys, content, fragment):
    path = tmp_path / "bad.json"
    path.write_text(content)
    assert main(["solve", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert fragment in err and "\n" not in err


def test_bad_field_named(vec_file, capsys):
    d = json.loads(vec_file.read_text())
    d["rsus"]["cpu_ghz"][2] = -1
    vec_file.write_text(json.dumps(d))
    assert main(["solve", str(vec_file)]) == 2
    assert "rsus.cpu_ghz[2]" in capsys.readouterr().err


def test_unknown_solver_and_unsupported_option(vec_file, capsys):
    assert main(["solve", str(vec_file), "--solver", "nope"]) == 2
    assert "unknown solver 'nope'" in capsys.readouterr().err
    assert main(["solve", str(vec_file), "--solver", "lb", "--rule", "equal_finish"]) == 2
    assert "--rule" in capsys.readouterr().err
    assert main(["solve", str(tmp := vec_file.parent / "missing.json")]) == 2
    assert str(tmp) in capsys.readouterr().err


def test_solvers_lists_both_problems(capsys):
    main(["solvers"])
    out = capsys.readouterr().out
    assert "vec" in out and "exact" in out


def test_installed_entry_point(vec_file):
    exe = shutil.which("offload-gym")
    if exe is None:
        pytest.skip("package not installed as a script")
    res = subprocess.run([exe, "solve", str(vec_file)], capture_output=True, text=True,
                         check=True)
    assert json.loads(res.stdout)["status"] == "optimal"
