"""`offload-gym train METHOD` names the instance size `--size` in every trainer (read by the
problem's own size parser, Problem.size.parse), with the problem's older flag (`--rsus` for
the VEC trainers, `--scale` for GADSG) kept as an alias. The trainers are stubbed: these
tests check what reaches the training function, not training."""

from __future__ import annotations

import argparse
import json

import pytest

from offload_gym.cli import main


@pytest.fixture
def kato_configs(monkeypatch):
    """Run `train kato ...` up to the training call and record its TrainConfig."""
    import agents.kato.train as kato_train

    seen = []

    def fake_train(config, **kwargs):
        seen.append(config)
        raise SystemExit(0)

    monkeypatch.setattr(kato_train, "train", fake_train)
    return seen


@pytest.mark.parametrize("flag", ["--size", "--rsus"])
@pytest.mark.parametrize("text, n_rsus", [("6", 6), ("6,9", (6, 9))])
def test_kato_size_and_its_rsus_alias(kato_configs, tmp_path, flag, text, n_rsus):
    with pytest.raises(SystemExit) as done:
        main(["train", "kato", flag, text, "--out", str(tmp_path / "k.pt")])
    assert done.value.code == 0
    assert kato_configs[-1].n_rsus == n_rsus


def test_kato_default_size_is_the_problems(kato_configs, tmp_path):
    from offload_gym.core.problem import get_problem

    with pytest.raises(SystemExit):
        main(["train", "sa", "--out", str(tmp_path / "k.pt")])
    assert kato_configs[-1].n_rsus == get_problem("vec").size.default == 20


@pytest.mark.parametrize("method, text, message", [
    ("kato", "many", "--size: size: expected a number of RSUs"),
    ("kato", "6,-1", "--size: size: must be an integer >= 0"),
    ("gadsg", "gs1", "--size: scale: unknown scale 'gs1'"),
])
def test_unreadable_size_is_one_line_exit_2(tmp_path, capsys, method, text, message):
    with pytest.raises(SystemExit) as done:
        main(["train", method, "--size", text, "--out", str(tmp_path / "m.pt")])
    assert done.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err


@pytest.mark.parametrize("flag", ["--size", "--scale"])
def test_gadsg_size_and_its_scale_alias(monkeypatch, tmp_path, flag):
    import agents.gadsg.train as gadsg_train

    seen = []

    def fake_train(cfg, out, **kwargs):
        seen.append(cfg)
        raise SystemExit(0)

    monkeypatch.setattr(gadsg_train, "train", fake_train)
    with pytest.raises(SystemExit):
        main(["train", "gdsg", flag, "gs2_gu4_au2", "--out", str(tmp_path / "g.pt")])
    assert seen[-1].scale == "gs2_gu4_au2"
    with pytest.raises(SystemExit):
        main(["train", "gadsg", "--out", str(tmp_path / "g.pt")])
    assert seen[-1].scale == "gs3_gu6_au4"  # the LAENet problem's default size


def _rl_args(*argv: str) -> argparse.Namespace:
    from agents.rl.train import add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(["grlo", "--out", "x", *argv])


@pytest.mark.parametrize("env_id, text, kwargs", [
    ("offload_gym/VEC-v0", "7", {"n_rsus": 7}),
    ("offload_gym/LAENet-v0", "gs2_gu4_au2", {"scale": "gs2_gu4_au2"}),
])
def test_rl_size_becomes_the_env_problems_size_keyword(env_id, text, kwargs):
    from agents.rl.train import env_kwargs_of

    assert env_kwargs_of(_rl_args("--env", env_id, "--size", text)) == kwargs
    # --env-kwargs alone keeps working; --size adds to it
    extra = json.dumps({"max_episode_steps": 9})
    assert env_kwargs_of(_rl_args("--env", env_id, "--env-kwargs", extra)) == {
        "max_episode_steps": 9}
    assert env_kwargs_of(_rl_args("--env", env_id, "--env-kwargs", extra, "--size", text)
                         ) == {"max_episode_steps": 9, **kwargs}


def test_rl_size_that_disagrees_with_env_kwargs_is_refused(capsys):
    from agents.rl.train import env_kwargs_of

    args = _rl_args("--size", "7", "--env-kwargs", '{"n_rsus": 5}')
    with pytest.raises(SystemExit) as done:
        env_kwargs_of(args)
    assert done.value.code == 2
    assert "--size: 7 disagrees with --env-kwargs n_rsus=5" in capsys.readouterr().err
    assert env_kwargs_of(_rl_args("--size", "5", "--env-kwargs", '{"n_rsus": 5}')) == {
        "n_rsus": 5}
