"""The CLI names an instance size `--size` in every sub-command (read by the problem's own
parser), with each problem's older flag (`--rsus`, `--scale`) kept as an alias, and takes
its defaults (problem, preset, size) from the Problem registry."""

from __future__ import annotations

import pytest

from offload_gym import demo
from offload_gym.cli import build_parser, main
from offload_gym.core.problem import DEFAULT_PROBLEM, problems


def _generate(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["generate", "--seed", "3", *args]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize(("problem", "alias", "size"),
                         [("vec", "--rsus", "6"), ("laenet", "--scale", "gs2_gu4_au2")])
def test_size_and_its_alias_agree(capsys, problem, alias, size):
    by_size = _generate(capsys, "--problem", problem, "--size", size)
    assert by_size == _generate(capsys, "--problem", problem, alias, size)
    assert by_size != _generate(capsys, "--problem", problem)  # the default size differs


def test_defaults_come_from_the_problem(capsys):
    args = build_parser().parse_args(["generate"])
    assert args.problem == DEFAULT_PROBLEM and args.preset is None and args.size is None
    for p in problems():
        out = _generate(capsys, "--problem", p.name)
        explicit = _generate(capsys, "--problem", p.name, "--preset", p.default_preset,
                             "--size", str(p.size.default))
        assert out == explicit


def test_bad_size_is_one_line(capsys):
    assert main(["generate", "--size", "many"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["offload-gym: error: size: expected a number of RSUs (integer >= 0), "
                   "got 'many'"]
    assert main(["generate", "--problem", "laenet", "--size", "gs0"]) == 2
    assert "scale: unknown scale 'gs0'" in capsys.readouterr().err


def test_demo_sizes_per_problem(monkeypatch):
    seen = {}
    monkeypatch.setattr(demo, "run_demo", lambda **kw: seen.update(kw) or 0)
    assert main(["demo", "--size", "vec=7", "--scale", "gs2_gu4_au2", "--quick"]) == 0
    assert seen == {"seed": 0, "quick": True, "n_rsus": 7, "scale": "gs2_gu4_au2"}
    assert main(["demo"]) == 0
    assert seen["n_rsus"] == 20 and seen["scale"] == "gs3_gu6_au4"
    assert main(["demo", "--size", "nope=3"]) == 2
