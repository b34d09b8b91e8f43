"""``offload-gym train {grlo,ppo} ...``: masked PPO on the constructive envs, evaluated
against the exact optimum while it trains.

    offload-gym train grlo --env offload_gym/VEC-v0 --size 20 \\
        --timesteps 100000 --n-envs 2 --seed 0 --out runs/grlo_vec_n20
    python -m agents.rl.train ppo --env offload_gym/LAENet-v0 --size gs3_gu6_au4 \\
        --timesteps 50000 --out runs/ppo_laenet

``--size`` is read by the env's problem (``Problem.size.parse``) and passed to ``gym.make``
as that problem's size keyword (``n_rsus`` / ``scale``); the same as
``--env-kwargs '{"n_rsus": 20}'``, which keeps working (the two must agree when both are given).

Methods: ``grlo`` = sb3-contrib ``MaskablePPO`` with the GATv2 graph actor-critic
(:class:`agents.rl.extractor.GraphExtractor`); ``ppo`` = the same masked PPO with SB3's default
MLP on the flattened observation (``--no-mask``: SB3's plain PPO, masked actions end the
episode as failures). Rewards are rescaled per instance (:mod:`agents.rl.common`).

Writes to ``--out``: ``model.zip`` (latest; SB3 format plus ``offload_gym.json`` metadata:
the producing command, env id and kwargs, timesteps, wall time), ``best_model.zip`` (best
mean optimality ratio on the evaluation set), ``eval.csv`` (timesteps, wall time,
optimality-ratio statistics), ``progress.csv`` and TensorBoard event files (SB3's logger;
``tensorboard --logdir DIR``).

On ``offload_gym/VECStream-v0`` (many tasks per episode, the env's own reward, no one-shot
optimum) the evaluation is :mod:`agents.rl.stream`'s: the greedy agent's mean return on
``--eval-episodes`` fixed traces and the myopic oracle's on the same traces (``eval.csv``:
return_mean, success_rate, myopic_return; ``best_model.zip`` = highest return).
``--resume`` continues from ``model.zip`` up to
``--timesteps`` in total (not bit-identical to an uninterrupted run: SB3 does not store RNG
states).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from agents.cli_common import add_size_argument, parse_size, run_trainer
from agents.rl.callbacks import progress_callback

METHODS = {
    "grlo": "GRLO-style: masked PPO, GATv2 graph actor-critic (VEC-v0 / LAENet-v0 / "
            "VECStream-v0)",
    "ppo": "masked PPO, MLP on the flattened observation (VEC-v0 / LAENet-v0)",
}
EVAL_SEED = 1_000_000  # evaluation scenarios: the same for every run and training seed
EVAL_FIELDS = ("timesteps", "wall_s", "train_wall_s", "ratio_mean", "ratio_p50",
               "ratio_p90", "ratio_max", "failed_rate")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from agents.rl.common import ENV_PROFILES, VEC_ID

    parser.add_argument("method", choices=sorted(METHODS))
    parser.add_argument("--env", default=VEC_ID, choices=list(ENV_PROFILES))
    parser.add_argument("--env-kwargs", default="{}", help="JSON dict passed to gym.make")
    add_size_argument(parser, extra_help=" (read by the env's problem; default: the env's)")
    parser.add_argument("--timesteps", type=int, default=100_000, help="total env steps")
    parser.add_argument("--n-envs", type=int, default=2,
                        help="parallel envs (SubprocVecEnv when > 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--resume", action="store_true", help="continue from OUT/model.zip")
    parser.add_argument("--max-minutes", type=float, default=None,
                        help="stop training after this much wall time (evaluation excluded)")
    parser.add_argument("--eval-freq", type=int, default=10_000, help="env steps between evals")
    parser.add_argument("--eval-episodes", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--n-steps", type=int, default=256, help="rollout steps per env")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--n-epochs", type=int, default=4)
    parser.add_argument("--gamma", type=float, default=1.0)
    parser.add_argument("--gae-lambda", type=float, default=0.95)
    parser.add_argument("--ent-coef", type=float, default=0.01)
    parser.add_argument("--hidden", type=int, default=32, help="grlo: GNN width")
    parser.add_argument("--layers", type=int, default=2, help="grlo: GATv2 layers")
    parser.add_argument("--net-arch", default="64,64", help="ppo: MLP hidden sizes")
    parser.add_argument("--no-mask", action="store_true",
                        help="SB3's plain PPO (no masks; masked actions are penalised)")
    parser.add_argument("--imitate", type=int, default=0,
                        help="VECStream: behaviour-clone the myopic oracle on this many "
                             "tasks before PPO (warm start; 0 = none)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--verbose", action="store_true", help="SB3 logs on stdout")


# ---------------------------------------------------------------------------- callbacks
def optimum_eval_callback(envs: list[Any], eval_freq: int, out: Path, meta: dict[str, Any],
                          max_s: float | None) -> Any:
    """Every ``eval_freq`` steps: deterministic rollouts on fixed scenarios (optimum cached
    per scenario), mean optimality ratio logged (``eval/optimality_ratio``) and appended to
    ``eval.csv``; ``model.zip`` / ``best_model.zip`` (lowest mean ratio) saved
    (:func:`agents.rl.callbacks.periodic_eval_callback`)."""
    from agents.rl.callbacks import periodic_eval_callback
    from agents.rl.common import rollout_batch

    def measure(model: Any) -> dict[str, Any]:
        res = rollout_batch(model, envs, None, deterministic=True)
        ratios = np.array([r.info["optimality_ratio"] for r in res])
        failed = np.mean([bool(r.info.get("failed", False)) for r in res])
        return {"ratio_mean": ratios.mean(), "ratio_p50": np.median(ratios),
                "ratio_p90": np.quantile(ratios, 0.9), "ratio_max": ratios.max(),
                "failed_rate": failed}

    return periodic_eval_callback(
        measure, eval_freq=eval_freq, out=out, meta=meta, max_s=max_s, fields=EVAL_FIELDS,
        score_key="ratio_mean", maximise=False, best_meta_key="best_ratio",
        eval_meta_key="eval_ratio",
        log_keys={"ratio_mean": "eval/optimality_ratio", "ratio_p90": "eval/ratio_p90",
                  "failed_rate": "eval/failed_rate"})


# ---------------------------------------------------------------------------- model
def policy_kwargs(method: str, env_id: str, probe: Any, args: argparse.Namespace
                  ) -> dict[str, Any]:
    """SB3 ``policy_kwargs`` of a method (``probe``: one unwrapped env, for its padding)."""
    if method == "ppo":
        arch = [int(x) for x in str(args.net_arch).split(",") if x]
        return {"net_arch": {"pi": arch, "vf": arch}}
    from agents.rl.common import env_profile
    from agents.rl.extractor import GraphExtractor

    slots = env_profile(env_id).pointer_slots(probe)
    return {"features_extractor_class": GraphExtractor,
            "features_extractor_kwargs": {"hidden": args.hidden, "n_layers": args.layers,
                                          "heads": 2, "features_dim": 64,
                                          "pointer_slots": slots},
            "net_arch": {"pi": [64], "vf": [64]}}


def build_vec_env(env_id: str, env_kwargs: dict[str, Any], n_envs: int, penalty: bool) -> Any:
    """K training envs (no optimum, no Solution: fast), Monitor-wrapped; SubprocVecEnv if
    K > 1."""
    from stable_baselines3.common.monitor import Monitor
    from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv

    from agents.rl.common import env_profile, make_env

    extra = {"invalid_action": "penalty"} if penalty else {}
    fast = dict(env_profile(env_id).fast_kwargs)

    def factory() -> Any:
        return Monitor(make_env(env_id, env_kwargs, **fast, **extra))

    if n_envs > 1:
        return SubprocVecEnv([factory] * n_envs, start_method="fork")
    return DummyVecEnv([factory])


def eval_envs(env_id: str, env_kwargs: dict[str, Any], count: int) -> list[Any]:
    """One env per fixed evaluation scenario (a set of one, so its optimum is cached)."""
    from agents.rl.common import draw_scenarios, make_env

    scenarios = draw_scenarios(env_id, env_kwargs, count, EVAL_SEED)
    return [make_env(env_id, env_kwargs, scenarios=[s], compute_optimum=True,
                     solution_info=False) for s in scenarios]


def env_kwargs_of(args: argparse.Namespace) -> dict[str, Any]:
    """``--env-kwargs`` with ``--size`` added under the env's problem's size keyword
    (``n_rsus`` / ``scale``). A ``--size`` that disagrees with the same keyword in
    ``--env-kwargs``: one line on stderr, exit status 2."""
    from agents.rl.common import problem_of
    from offload_gym.core.problem import get_problem

    env_kwargs = json.loads(args.env_kwargs)
    if args.size is None:
        return env_kwargs
    problem = problem_of(args.env)
    keyword, size = get_problem(problem).size.name, parse_size(problem, args.size)
    if keyword in env_kwargs and env_kwargs[keyword] != size:
        print(f"offload-gym train: error: --size: {size!r} disagrees with --env-kwargs "
              f"{keyword}={env_kwargs[keyword]!r}", file=sys.stderr)
        raise SystemExit(2)
    return {**env_kwargs, keyword: size}


def run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    import torch
    from sb3_contrib import MaskablePPO
    from stable_baselines3 import PPO
    from stable_baselines3.common.logger import configure

    from agents.rl.common import env_profile, load_model, make_env, read_metadata

    torch.set_num_threads(1)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    env_kwargs = env_kwargs_of(args)
    command = "offload-gym train " + " ".join(shlex.quote(a) for a in argv)
    algo = "ppo" if args.no_mask else "maskable_ppo"
    venv = build_vec_env(args.env, env_kwargs, args.n_envs, penalty=args.no_mask)
    resume = args.resume and (out / "model.zip").is_file()
    if resume:
        model, meta = load_model(out / "model.zip")
        model.set_env(venv)
        meta.setdefault("commands", []).append(command)
    else:
        probe = make_env(args.env, env_kwargs).unwrapped
        cls = PPO if args.no_mask else MaskablePPO
        model = cls("MultiInputPolicy", venv, learning_rate=args.lr, n_steps=args.n_steps,
                    batch_size=args.batch_size, n_epochs=args.n_epochs, gamma=args.gamma,
                    gae_lambda=args.gae_lambda, ent_coef=args.ent_coef, seed=args.seed,
                    device="cpu",
                    policy_kwargs=policy_kwargs(args.method, args.env, probe, args))
        meta = {"method": args.method, "algo": algo, "env_id": args.env,
                "env_kwargs": env_kwargs, "seed": args.seed, "command": command,
                "commands": [command]}
        for name in ("eval.csv",):
            (out / name).unlink(missing_ok=True)
        if args.imitate > 0:
            if not env_profile(args.env).stream:
                print("offload-gym train: error: --imitate: only for offload_gym/VECStream-v0",
                      file=sys.stderr)
                return 2
            from agents.rl.stream import imitate, myopic_demonstrations

            start = time.perf_counter()
            demo_obs, demo_bits = myopic_demonstrations(env_kwargs, args.imitate)
            losses = imitate(model, demo_obs, demo_bits, seed=args.seed)
            meta.update(imitate_tasks=args.imitate, imitate_losses=losses,
                        imitate_wall_s=time.perf_counter() - start)
            print(f"imitation of myopic on {args.imitate} tasks: loss {losses[0]:.4f} -> "
                  f"{losses[-1]:.4f} ({meta['imitate_wall_s']:.0f} s)")
    model.set_logger(configure(str(out), ["csv", "tensorboard"]
                               + (["stdout"] if args.verbose else [])))
    max_s = None if args.max_minutes is None else 60 * args.max_minutes
    if env_profile(args.env).stream:  # VECStream: returns on fixed traces vs the myopic line
        from agents.rl.stream import stream_eval_callback

        evaluator = stream_eval_callback(env_kwargs, args.eval_episodes, args.eval_freq, out,
                                         meta, max_s)
    else:
        evaluator = optimum_eval_callback(eval_envs(args.env, env_kwargs, args.eval_episodes),
                                          args.eval_freq, out, meta, max_s)
    callbacks = [evaluator] + ([] if args.quiet else [progress_callback(args.timesteps)])
    remaining = args.timesteps - model.num_timesteps
    if remaining > 0:
        model.learn(total_timesteps=remaining, callback=callbacks,
                    reset_num_timesteps=not resume)
    venv.close()
    meta = read_metadata(out / "model.zip")
    if env_profile(args.env).stream:
        print(f"{args.method} on {args.env}: {meta['timesteps']} steps, "
              f"{meta['train_wall_s']:.0f} s training; eval return {meta['eval_return']:.2f} "
              f"(best {meta['best_return']:.2f} at {meta['best_timesteps']}; myopic "
              f"{meta['myopic_return']:.2f}); saved {out}")
        return 0
    print(f"{args.method} on {args.env}: {meta['timesteps']} steps, "
          f"{meta['train_wall_s']:.0f} s training; eval ratio {meta['eval_ratio']:.4f} "
          f"(best {meta['best_ratio']:.4f} at {meta['best_timesteps']}); saved {out}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run_trainer(__doc__, add_arguments, run, argv)


if __name__ == "__main__":
    sys.exit(main())
