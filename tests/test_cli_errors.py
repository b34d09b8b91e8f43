"""Bad input files and environment errors end the CLI with status 2 and ONE stderr line that
names the problem, never a traceback; genuine bugs keep their traceback."""

from __future__ import annotations

import errno
import shutil
import subprocess
from pathlib import Path

import pytest

from offload_gym.cli import error_line, main
from offload_gym.core import jsonio
from offload_gym.core.env import load_scenario_set
from offload_gym.core.errors import ScenarioError
from offload_gym.vec.generator import generate
from offload_gym.vec.scenario import Scenario

from .cli_helpers import one_error_line


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


NOT_UTF8 = {
    "utf16_bom": b"\xff\xfe{",  # the reproduction
    "latin1": '{"problem": "vec", "note": "caf\u00e9"}'.encode("latin-1"),
    "truncated_sequence": b'{"problem": "vec\xe2\x82"}',
}


@pytest.mark.parametrize("name", sorted(NOT_UTF8))
def test_non_utf8_file_is_one_line_naming_the_file(tmp_path, capsys, name):
    path = _write(tmp_path / f"{name}.json", NOT_UTF8[name])
    assert main(["solve", str(path)]) == 2
    line = one_error_line(capsys)
    assert str(path) in line and "not UTF-8" in line


@pytest.mark.parametrize("opener", ["[", '{"a": '])
def test_deeply_nested_json_is_one_line(tmp_path, capsys, opener):
    path = _write(tmp_path / "deep.json", (opener * 100_000).encode())
    assert main(["solve", str(path)]) == 2
    line = one_error_line(capsys)
    assert "nested too deeply" in line and str(path) in line


def test_installed_command_reports_non_utf8_without_traceback(tmp_path):
    exe = shutil.which("offload-gym")
    if exe is None:
        pytest.skip("offload-gym entry point not on PATH")
    path = _write(tmp_path / "g.json", b"\xff\xfe{")
    proc = subprocess.run([exe, "solve", str(path)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "g.json is not UTF-8 text (byte 0xff at offset 0" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.json"]  # nothing written


def test_utf8_byte_order_mark_is_accepted(tmp_path, capsys):
    text = generate(3, seed=0).to_json()
    path = _write(tmp_path / "bom.json", b"\xef\xbb\xbf" + text.encode())
    assert main(["solve", str(path), "--solver", "local"]) == 0
    assert '"solver": "local"' in capsys.readouterr().out


def test_directory_and_unreadable_file(tmp_path, capsys, monkeypatch):
    assert main(["solve", str(tmp_path)]) == 2
    assert f"path: {tmp_path} is a directory" in one_error_line(capsys)

    path = _write(tmp_path / "s.json", generate(3, seed=0).to_json().encode())

    def denied(self):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    assert main(["solve", str(path)]) == 2
    assert f"path: cannot read {path} (Permission denied)" in one_error_line(capsys)


def test_env_scenario_sets_use_the_same_reader(tmp_path):
    good = generate(3, seed=0).to_dict()
    bad = _write(tmp_path / "set.json", b"\xff\xfe[")
    with pytest.raises(ScenarioError, match=r"set\.json is not UTF-8"):
        load_scenario_set(bad, Scenario.from_dict, Scenario)
    deep = _write(tmp_path / "deep.json", b"[" * 100_000)
    with pytest.raises(ScenarioError, match=r"nested too deeply in .*deep\.json"):
        load_scenario_set(deep, Scenario.from_dict, Scenario)
    lines = _write(tmp_path / "set.jsonl", (jsonio.dumps(good, indent=None) + "\n"
                                            + '{"problem": \n').encode())
    with pytest.raises(ScenarioError, match=r"malformed JSON in .*set.jsonl line 2"):
        load_scenario_set(lines, Scenario.from_dict, Scenario)
    ok = _write(tmp_path / "ok.jsonl", (jsonio.dumps(good, indent=None) + "\n\n").encode())
    assert load_scenario_set(ok, Scenario.from_dict, Scenario) == [Scenario.from_dict(good)]


def test_os_errors_are_one_line_naming_the_path(tmp_path, capsys):
    target = tmp_path / "missing" / "x.json"
    assert main(["generate", "--rsus", "2", "--out", str(target)]) == 2
    line = one_error_line(capsys)
    assert "No such file or directory" in line and str(target) in line
    assert list(tmp_path.iterdir()) == []


def test_error_line_is_always_one_line():
    assert error_line(ValueError("a\nb")) == "offload-gym: error: a b"
    exc = OSError(errno.ENOSPC, "No space left on device")
    assert error_line(exc) == "offload-gym: error: No space left on device"


def test_genuine_bugs_keep_their_traceback(monkeypatch):
    import offload_gym.cli as cli

    def broken(args):
        raise KeyError("a bug, not a user error")

    monkeypatch.setattr(cli, "cmd_solvers", broken)
    with pytest.raises(KeyError):
        main(["solvers"])

    def value_bug(args):
        raise ValueError("plain ValueError from library code is a bug: not hidden")

    monkeypatch.setattr(cli, "cmd_solvers", value_bug)
    with pytest.raises(ValueError, match="not hidden"):
        main(["solvers"])


@pytest.mark.parametrize(("problem", "mutate", "fragment"), [
    ("vec", lambda d: d["rsus"]["snr_db"].__setitem__(0, -500.0), "rsus.snr_db[0]: an SNR"),
    ("vec", lambda d: d["vehicle"].__setitem__("cpu_ghz", 1e-320), "vehicle.cpu_ghz: 1e-320"),
    ("laenet", lambda d: d["users"]["z_m"].__setitem__(0, -5.0), "users.z_m[0]: must be >= 0"),
    ("laenet", lambda d: d.__setitem__("preset", "nonsense"), "preset: unknown preset"),
])
def test_meaningless_scenario_file_is_one_line(tmp_path, capsys, problem, mutate, fragment):
    from offload_gym.laenet.generator import generate as laenet_generate

    d = (generate(3, seed=0) if problem == "vec" else laenet_generate("gs2_gu4_au2", 0)
         ).to_dict()
    mutate(d)
    path = _write(tmp_path / "s.json", jsonio.dumps(d).encode())
    assert main(["solve", str(path)]) == 2
    assert fragment in one_error_line(capsys)


@pytest.mark.parametrize(("problem", "known"), [
    ("vec", "(known: ['kato2025', 'mobility_stress'])"),
    ("laenet", "(known: ['gadsg2025'])"),
])
def test_unknown_preset_lists_the_valid_ones(tmp_path, capsys, problem, known):
    out = tmp_path / "s.json"
    assert main(["generate", "--problem", problem, "--preset", "nonsense", "--out",
                 str(out)]) == 2
    line = one_error_line(capsys)
    assert line == f"offload-gym: error: preset: unknown preset 'nonsense' {known}"
    assert not out.exists()


@pytest.mark.parametrize(("args", "fragment"), [
    (["--limit", "0"], "limit: must be >= 1, got 0"),
    (["--limit", "-1"], "limit: must be >= 1, got -1"),  # was silently "all but the last"
    (["--single-samples", "-1"], "single-samples: must be >= 0"),
    (["--policy", ","], "policy: expected NAME[,NAME...]"),
    (["--data", ","], "data: expected a dataset directory"),
])
def test_evaluate_argument_errors(tmp_path, capsys, args, fragment):
    argv = ["evaluate", "--policy", "local", "--data", str(tmp_path / "none"), *args]
    assert main(argv) == 2
    assert fragment in one_error_line(capsys)
