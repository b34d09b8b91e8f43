"""`offload-gym stream record | replay | evaluate` (in process, short traces)."""

from __future__ import annotations

import csv

import pytest

from offload_gym.cli import main
from offload_gym.vec.stream.evaluate import run_episode
from offload_gym.vec.stream.presets import get_preset
from offload_gym.vec.stream.trace import generate_trace, load_trace

SHORT = ["--set", "horizon_s=3.0"]


def test_record_json_and_npz_round_trip(tmp_path, capsys):
    out = tmp_path / "sub" / "a.json"
    assert main(["stream", "record", *SHORT, "--seed", "5", "--out", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    trace = load_trace(out)
    assert trace.preset == "contended" and trace.horizon_s == 3.0
    direct = generate_trace(get_preset("contended", horizon_s=3.0), 5)
    assert trace.task_arrival_s.tolist() == direct.task_arrival_s.tolist()
    assert main(["stream", "record", *SHORT, "--seed", "5", "--count", "2", "--format", "npz",
                 "--out", str(tmp_path / "dir")]) == 0
    files = sorted(p.name for p in (tmp_path / "dir").iterdir())
    assert files == ["trace_5.npz", "trace_6.npz"]
    again = load_trace(tmp_path / "dir" / "trace_5.npz")
    assert again.task_arrival_s.tolist() == trace.task_arrival_s.tolist()
    assert again.task_size_gbit.tolist() == trace.task_size_gbit.tolist()


def test_replay_reports_the_episode_and_writes_per_task_csv(tmp_path, capsys):
    path = tmp_path / "t.json"
    assert main(["stream", "record", *SHORT, "--out", str(path)]) == 0
    csv_path = tmp_path / "tasks.csv"
    assert main(["stream", "replay", str(path), "--policy", "priced:price=0.2",
                 "--out", str(csv_path)]) == 0
    text = capsys.readouterr().out
    expected = run_episode("priced:price=0.2", load_trace(path))
    assert f"return {expected.episode_return:.3f}" in text
    assert f"lower_bound {expected.lower_bound:.3f}" in text
    rows = list(csv.DictReader(csv_path.open()))
    assert len(rows) == expected.n_tasks
    assert sum(float(r["reward"]) for r in rows) == pytest.approx(expected.episode_return)


def test_evaluate_writes_tables_and_plot(tmp_path, capsys):
    traces = tmp_path / "traces"
    assert main(["stream", "record", *SHORT, "--count", "2", "--out", str(traces)]) == 0
    out = tmp_path / "eval"
    assert main(["stream", "evaluate", "--traces", str(traces), "--policy", "local,myopic",
                 "--policy", "priced:price=0.1,vehicle_price=0.0", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "| contended | highway | myopic | 2 |" in text
    assert sorted(p.name for p in out.iterdir()) == ["stream.csv", "stream.md", "stream.png",
                                                     "stream_episodes.csv"]
    rows = list(csv.DictReader((out / "stream.csv").open()))
    assert [r["policy"] for r in rows] == ["local", "myopic",
                                           "priced:price=0.1,vehicle_price=0.0"]
    episodes = list(csv.DictReader((out / "stream_episodes.csv").open()))
    assert len(episodes) == 6
    for e in episodes:
        assert float(e["episode_return"]) <= float(e["lower_bound"]) + 1e-9


def test_evaluate_generates_traces_when_none_given(capsys):
    assert main(["stream", "evaluate", *SHORT, "--preset", "light", "--count", "1",
                 "--policy", "nearest"]) == 0
    assert "| light | highway | nearest | 1 |" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["stream", "record", "--preset", "nope", "--out", "x.json"], "preset: unknown preset"),
    (["stream", "record", "--set", "horizon_s", "--out", "x.json"], "set: expected FIELD=VALUE"),
    (["stream", "record", "--set", "horizon_s=abc", "--out", "x.json"], "not a Python literal"),
    (["stream", "record", "--set", "speed=3", "--out", "x.json"], "speed: unknown preset field"),
    (["stream", "record", "--set", "horizon_s=-1", "--out", "x.json"], "horizon_s: must be > 0"),
    (["stream", "record", "--out", "x.txt"], "out: expected a .json / .npz file"),
    (["stream", "record", "--count", "0", "--out", "d"], "count: must be >= 1"),
    (["stream", "record", "--mobility", "boat", "--out", "x.json"], "mobility: must be one of"),
    (["stream", "replay", "missing.json"], "trace: no such file"),
    (["stream", "evaluate", "--count", "1", "--policy", "nope", *SHORT],
     "unknown stream policy 'nope'"),
])
def test_user_errors_are_one_line_exit_2(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("offload-gym: error: ") and "\n" not in err
    assert message in err
