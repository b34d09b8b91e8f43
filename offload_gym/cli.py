"""The ``offload-gym`` command line: a thin layer over the library.

Sub-commands:
  generate   write a generated scenario (JSON) to stdout or --out
  solve      solve a scenario file with any registered solver, print the Solution JSON
  solvers    list the registered solvers per problem
  demo       generate an instance and compare every solver on it (the README's main job)
  dataset    generate a labelled, sharded dataset (resumable; local processes or Dask)
  evaluate   score policies on a dataset split against the certified optima
  stream     VECStream traces: record (write trace files), replay (one policy on one
             trace), evaluate (every stream policy on the same traces: CSV, Markdown, plot)

Every sub-command iterates the registered problems (:mod:`offload_gym.core.problem`) and
methods (:mod:`offload_gym.core.registry`): sizes are ``--size`` (each problem's own older
flag, ``--rsus`` / ``--scale``, kept as an alias), defaults come from the Problem.
Errors in user input exit with status 2 and one line naming the problem.
"""

from __future__ import annotations

import argparse
import inspect
import sys
from collections.abc import Sequence
from typing import Any

from offload_gym.core.errors import ScenarioError, SolverError
from offload_gym.core.problem import (
    DEFAULT_PROBLEM,
    Problem,
    UnknownProblemError,
    get_problem,
    problems,
)
from offload_gym.core.registry import entries, get_solver, get_trainer, trainer_entries
from offload_gym.core.scenario_io import load_scenario
from offload_gym.core.stdio import stdout_to_stderr


class UsageError(ValueError):
    """A command-line value the problem cannot read (reported as one line, exit 2)."""


def _size(args: argparse.Namespace, problem: Problem) -> Any:
    """The instance size for ``problem``: its own alias flag (``--rsus``/``--scale``) if
    given, else ``--size``, else the problem's default; text read by ``problem.size.parse``."""
    text = getattr(args, f"size_{problem.name}", None)
    text = args.size if text is None else text
    if text is None:
        return problem.size.default
    try:
        return problem.size.parse(str(text))
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _overrides(args: argparse.Namespace, options: Sequence[Any]) -> dict[str, Any]:
    """Generator keyword -> value for the given CLI options that were given."""
    out = {}
    for opt in options:
        value = getattr(args, f"opt_{opt.flag}", None)
        if value is not None:
            out[opt.keyword] = value
    return out


def _generate(args: argparse.Namespace) -> Any:
    problem = get_problem(args.problem)
    preset = args.preset or problem.default_preset  # the generator checks it
    return problem.hook("generate")(_size(args, problem), preset, args.seed,
                                    **_overrides(args, problem.cli_options))


def cmd_generate(args: argparse.Namespace) -> int:
    """Without --out, stdout is exactly the scenario JSON."""
    with stdout_to_stderr():  # anything else printed on the way goes to stderr
        scenario = _generate(args)
        text = scenario.to_json()
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text + "\n")
    else:
        print(text)
    return 0


# Options of `solve` that are forwarded to a solver only if its signature accepts them.
_SOLVER_OPTIONS = ("rule", "mobcheck", "time_limit_s", "pyomo_solver", "seed")


def solver_kwargs(fn: Any, given: dict[str, Any]) -> dict[str, Any]:
    """Keep the options the solver accepts; an explicitly given option it does not accept
    is an error (never silently ignored)."""
    params = inspect.signature(fn).parameters
    out = {}
    for key, value in given.items():
        if value is None:
            continue
        if key not in params:
            raise SolverError(f"solver does not take option --{key.replace('_', '-')}")
        out[key] = value
    return out


def cmd_solve(args: argparse.Namespace) -> int:
    """stdout is exactly the Solution JSON: whatever solvers and their C libraries print
    (HiGHS's banner, checkpoint notes) goes to stderr."""
    with stdout_to_stderr():
        scenario = load_scenario(args.scenario)
        fn = get_solver(scenario.problem, args.solver)
        given = {k: getattr(args, k) for k in _SOLVER_OPTIONS}
        if not given["mobcheck"]:
            given["mobcheck"] = None
        text = fn(scenario, **solver_kwargs(fn, given)).to_json()
    print(text)
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    if args.method in ("list", "-h", "--help"):
        for entry in trainer_entries():
            print(f"{entry.name:10s} {entry.train_description or entry.description}")
        return 0
    return int(get_trainer(args.method)([args.method, *args.rest]))


def cmd_solvers(args: argparse.Namespace) -> int:
    for entry in entries(args.problem):
        print(f"{entry.problem or args.problem or '*':7s} {entry.name:14s} "
              f"{entry.description}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from offload_gym.demo import run_demo

    sizes = {p.size.name: _size(_demo_size_args(args, p), p) for p in problems()}
    return run_demo(seed=args.seed, quick=args.quick, **sizes)


def _demo_size_args(args: argparse.Namespace, problem: Problem) -> argparse.Namespace:
    """``demo --size PROBLEM=SIZE`` (repeatable) as the one-problem ``--size`` of ``_size``."""
    given = {}
    for item in args.size or []:
        name, eq, text = item.partition("=")
        if not eq:
            raise UsageError(f"size: expected PROBLEM=SIZE for the demo, got {item!r}")
        get_problem(name)
        given[name] = text
    return argparse.Namespace(**{**vars(args), "size": given.get(problem.name)})


def _split_fractions(text: str) -> tuple[float, float, float]:
    try:
        parts = tuple(float(x) for x in text.split(","))
    except ValueError:
        raise ScenarioError("split", f"expected three comma-separated fractions, got {text!r}"
                            ) from None
    if len(parts) != 3:
        raise ScenarioError("split", f"expected three fractions (train,val,test), got {text!r}")
    return parts  # type: ignore[return-value]


def cmd_dataset(args: argparse.Namespace) -> int:
    """Every argument is checked (DatasetSpec) before anything is written under --out."""
    from offload_gym.datasets import DatasetSpec, build_dataset
    from offload_gym.datasets.builder import DASK_CONNECT_TIMEOUT_S

    problem = get_problem(args.problem)
    # overrides of every problem's flags are passed on: the spec refuses the foreign ones
    overrides = _overrides(args, [o for p in problems() for o in p.cli_options])
    spec = DatasetSpec(
        problem=problem.name, preset=args.preset or problem.default_preset,
        count=args.count, seed=args.seed, size=_size(args, problem),
        solver=args.solver, shard_size=args.shard_size, split=_split_fractions(args.split),
        overrides=tuple(sorted(overrides.items())))
    timeout_s = DASK_CONNECT_TIMEOUT_S if args.connect_timeout is None else args.connect_timeout
    if args.connect_timeout is not None and not args.scheduler:
        raise ScenarioError("connect-timeout", "only applies with --scheduler")
    meta = build_dataset(spec, args.out, workers=args.workers, scheduler=args.scheduler,
                         progress=not args.no_progress, connect_timeout_s=timeout_s)
    c = meta["counts"]
    print(f"{args.out}: {c['total']} instances ({c['train']} train / {c['val']} val / "
          f"{c['test']} test) in {c['shards']} shards; labels: {meta['label_status_counts']}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from offload_gym.datasets import DatasetLoadError
    from offload_gym.evaluation import evaluate_policies, to_markdown, write_tables

    policies = [p for p in args.policy.split(",") if p]
    data = [d for d in args.data.split(",") if d]
    if not policies:
        raise ScenarioError("policy", f"expected NAME[,NAME...], got {args.policy!r}")
    if not data:
        raise ScenarioError("data", f"expected a dataset directory, got {args.data!r}")
    if args.limit is not None and args.limit < 1:
        raise ScenarioError("limit", f"must be >= 1, got {args.limit}")
    if args.single_samples < 0:
        raise ScenarioError("single-samples", f"must be >= 0, got {args.single_samples}")
    try:
        rows = evaluate_policies(policies, data, split=args.split, limit=args.limit,
                                 label_set=args.reference, single_samples=args.single_samples)
    except DatasetLoadError as exc:
        print(f"offload-gym: error: {exc}", file=sys.stderr)
        return 2
    print(to_markdown(rows))
    if args.out:
        csv_path, md_path = write_tables(rows, args.out)
        print(f"wrote {csv_path} and {md_path}")
        if args.plots:
            from offload_gym.evaluation.plots import plot_summary

            print(f"wrote {plot_summary(rows, args.out)}")
    return 0


# ---------------------------------------------------------------- stream (VECStream)
def _stream_preset(args: argparse.Namespace) -> Any:
    """The preset of ``--preset`` with the ``--set FIELD=VALUE`` overrides (Python literals)."""
    import ast

    from offload_gym.vec.stream.presets import get_preset

    overrides = {}
    for item in args.set or []:
        key, eq, text = item.partition("=")
        if not eq or not key.strip():
            raise UsageError(f"set: expected FIELD=VALUE, got {item!r}")
        try:
            overrides[key.strip()] = ast.literal_eval(text.strip())
        except (ValueError, SyntaxError):
            raise UsageError(f"set: {key.strip()}: not a Python literal: {text!r}") from None
    return get_preset(args.preset, **overrides)


def _stream_traces(args: argparse.Namespace) -> tuple[list[Any], list[str]]:
    """Traces of ``--traces`` (files, or directories of .json / .npz files), else ``--count``
    generated ones from ``--preset`` and seeds ``--seed ..``; with their names."""
    from pathlib import Path

    from offload_gym.vec.stream.trace import generate_trace, load_trace

    if args.traces:
        paths: list[Path] = []
        for item in filter(None, args.traces.split(",")):
            path = Path(item)
            if path.is_dir():
                found = sorted(p for p in path.iterdir() if p.suffix in (".json", ".npz"))
                if not found:
                    raise UsageError(f"traces: no .json or .npz trace in {item!r}")
                paths.extend(found)
            else:
                paths.append(path)
        return [load_trace(p) for p in paths], [str(p) for p in paths]
    if args.count < 1:
        raise UsageError(f"count: must be >= 1, got {args.count}")
    preset = _stream_preset(args)
    seeds = range(args.seed, args.seed + args.count)
    return ([generate_trace(preset, s, args.mobility) for s in seeds],
            [f"{preset.name}-seed{s}" for s in seeds])


def cmd_stream_record(args: argparse.Namespace) -> int:
    """One trace -> ``--out`` (.json / .npz); ``--count`` > 1 -> a directory of
    ``trace_{seed}.{format}`` files."""
    from pathlib import Path

    from offload_gym.vec.stream.trace import generate_trace

    if args.count < 1:
        raise UsageError(f"count: must be >= 1, got {args.count}")
    preset = _stream_preset(args)
    out = Path(args.out)
    if args.count == 1 and out.suffix in (".json", ".npz"):
        out.parent.mkdir(parents=True, exist_ok=True)
        targets = [(args.seed, out)]
    elif out.suffix:
        raise UsageError(f"out: expected a .json / .npz file (or a directory with --count "
                         f"> 1), got {args.out!r}")
    else:
        out.mkdir(parents=True, exist_ok=True)
        targets = [(s, out / f"trace_{s}.{args.format}")
                   for s in range(args.seed, args.seed + args.count)]
    for seed, path in targets:
        trace = generate_trace(preset, seed, args.mobility)
        trace.save(path)
        print(f"wrote {path}: {trace.n_tasks} tasks, {trace.n_vehicles} vehicles, "
              f"{trace.n_rsus} RSUs ({preset.name}, {args.mobility}, seed {seed})")
    return 0


def cmd_stream_replay(args: argparse.Namespace) -> int:
    """One policy on one trace: the episode's summary (and per-task CSV with --out)."""
    from offload_gym.vec.stream.evaluate import replay_tasks, summarize_replay
    from offload_gym.vec.stream.trace import load_trace

    trace = load_trace(args.trace)
    rows = replay_tasks(args.policy, trace)
    print(summarize_replay(rows, trace, args.policy))
    if args.out:
        from offload_gym.vec.stream.evaluate import rows_csv

        with open(args.out, "w") as fh:
            fh.write(rows_csv(rows))
        print(f"wrote {args.out}")
    return 0


def cmd_stream_evaluate(args: argparse.Namespace) -> int:
    """Every (or every given) stream policy on the same traces."""
    from offload_gym.vec.stream.evaluate import evaluate_stream, to_markdown, write_results
    from offload_gym.vec.stream.policies import stream_policy_names

    policies = [name for item in args.policy or []
                for name in ([item] if ":" in item else item.split(",")) if name] \
        or stream_policy_names(available_only=True)
    traces, names = _stream_traces(args)
    mobility = traces[0].mobility_kind if args.traces else args.mobility  # sumo -> sampled
    labels = {"preset": traces[0].preset, "mobility": mobility}
    rows, episodes = evaluate_stream(policies, traces, labels=labels, names=names,
                                     progress=lambda line: print(line, file=sys.stderr))
    print(to_markdown(rows))
    if args.out:
        for path in write_results(rows, args.out, episodes, plot=not args.no_plot):
            print(f"wrote {path}")
    return 0


def _add_stream_parser(sub: Any) -> None:
    st = sub.add_parser("stream", help="VECStream traces: record | replay | evaluate")
    ssub = st.add_subparsers(dest="stream_command", required=True)

    def world(p: argparse.ArgumentParser) -> None:
        p.add_argument("--preset", default="contended", help="contended (default) | light")
        p.add_argument("--set", action="append", default=None, metavar="FIELD=VALUE",
                       help="preset override, a Python literal (repeatable), e.g. "
                            "horizon_s=10 or 'deadline_s=(0.5, 2.0)'")
        p.add_argument("--mobility", default="highway", help="highway (default) | sumo")
        p.add_argument("--seed", type=int, default=0, help="(first) seed")
        p.add_argument("--count", type=int, default=1, help="number of traces (seeds "
                                                          "SEED, SEED+1, ...)")

    rec = ssub.add_parser("record", help="generate trace files (.json / .npz)")
    world(rec)
    rec.add_argument("--out", required=True,
                     help="a .json / .npz file, or a directory when --count > 1")
    rec.add_argument("--format", choices=["json", "npz"], default="json",
                     help="file format inside a directory (default json)")
    rec.set_defaults(func=cmd_stream_record)

    rep = ssub.add_parser("replay", help="run one stream policy on one trace file")
    rep.add_argument("trace", help="trace file (.json / .npz)")
    rep.add_argument("--policy", default="myopic", help="stream policy, NAME[:key=value,..]")
    rep.add_argument("--out", default=None, help="per-task CSV")
    rep.set_defaults(func=cmd_stream_replay)

    ev = ssub.add_parser("evaluate", help="score stream policies on the same traces")
    world(ev)
    ev.add_argument("--traces", default=None,
                    help="trace files or directories, comma-separated (default: --count "
                         "traces generated from --preset / --seed)")
    ev.add_argument("--policy", action="append", default=None,
                    help="NAME[,NAME...], repeatable (default: every registered stream "
                         "policy whose dependencies are installed); a policy with options "
                         "is one --policy NAME:key=value[,key=value]")
    ev.add_argument("--out", default=None, help="write stream.csv, stream.md, "
                                                "stream_episodes.csv and stream.png here")
    ev.add_argument("--no-plot", dest="no_plot", action="store_true", help="skip the PNG")
    ev.set_defaults(func=cmd_stream_evaluate)


def _add_problem_args(parser: argparse.ArgumentParser, default: str) -> None:
    """``--problem`` (the registered problems) and ``--preset`` (default: the problem's)."""
    parser.add_argument("--problem", choices=[p.name for p in problems()], default=default)
    parser.add_argument("--preset", default=None, help="; ".join(
        f"{p.name}: {' | '.join(p.presets)} (default {p.default_preset})" for p in problems()))


def _add_size_args(parser: argparse.ArgumentParser) -> None:
    """``--size`` (each problem's size, read by its parser) and the older per-problem flags."""
    parser.add_argument("--size", default=None, help="instance size; " + "; ".join(
        f"{p.name}: {p.size.help} (default {p.size.default})" for p in problems()))
    _add_size_aliases(parser)


def _add_size_aliases(parser: argparse.ArgumentParser) -> None:
    for p in problems():
        for alias in p.size.aliases:
            parser.add_argument(f"--{alias}", dest=f"size_{p.name}", default=None,
                                metavar=alias.upper(),
                                help=f"{p.name}: {p.size.help} (alias of --size)")


def _add_cli_options(parser: argparse.ArgumentParser) -> None:
    """Every problem's generator overrides (``Problem.cli_options``), each flag once."""
    seen: dict[str, list[str]] = {}
    options = {}
    for p in problems():
        for opt in p.cli_options:
            seen.setdefault(opt.flag, []).append(p.name)
            options.setdefault(opt.flag, opt)
    for flag, opt in options.items():
        parser.add_argument(f"--{flag}", dest=f"opt_{flag}", type=opt.type, default=None,
                            metavar=flag.upper(),
                            help=f"{', '.join(seen[flag])}: {opt.help}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="offload-gym", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="generate a scenario JSON")
    _add_problem_args(gen, default=DEFAULT_PROBLEM)
    gen.add_argument("--seed", type=int, default=0)
    _add_size_args(gen)
    _add_cli_options(gen)
    gen.add_argument("--out", default=None, help="write to this file instead of stdout")
    gen.set_defaults(func=cmd_generate)

    sol = sub.add_parser("solve", help="solve a scenario file and print the Solution JSON")
    sol.add_argument("scenario", help="scenario JSON file (its 'problem' key picks the problem)")
    sol.add_argument("--solver", default="exact", help="see `offload-gym solvers`")
    sol.add_argument("--rule", choices=["optimal", "equal_finish"], default=None,
                     help="vec: allocation rule (default optimal)")
    sol.add_argument("--mobcheck", action="store_true",
                     help="vec: restrict to MobCheck survivors (the paper's flavour)")
    sol.add_argument("--time-limit", dest="time_limit_s", type=float, default=None,
                     help="MILP/Pyomo solvers: time limit in seconds")
    sol.add_argument("--pyomo-solver", dest="pyomo_solver", default=None,
                     help="Pyomo solver name (appsi_highs, scip_direct, gurobi, cplex, ...)")
    sol.add_argument("--seed", type=int, default=None, help="randomised solvers: seed")
    sol.set_defaults(func=cmd_solve)

    tr = sub.add_parser("train", help="train an agent (KATO, GADSG, PPO, ...); "
                        "`offload-gym train list` lists methods, `train METHOD -h` its options")
    tr.add_argument("method", help="training method, or `list`")
    tr.add_argument("rest", nargs=argparse.REMAINDER, help="the method's own options")
    tr.set_defaults(func=cmd_train)

    lst = sub.add_parser("solvers", help="list registered solvers")
    lst.add_argument("--problem", choices=[p.name for p in problems()], default=None)
    lst.set_defaults(func=cmd_solvers)

    demo = sub.add_parser("demo", help="generate instances and compare every solver")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--size", action="append", default=None, metavar="PROBLEM=SIZE",
                      help="instance size of one problem (repeatable); default: each "
                           "problem's default size")
    _add_size_aliases(demo)
    demo.add_argument("--quick", action="store_true", help="skip the slower Pyomo solvers")
    demo.set_defaults(func=cmd_demo)

    ds = sub.add_parser("dataset", help="generate a labelled, sharded dataset")
    _add_problem_args(ds, default=DEFAULT_PROBLEM)
    _add_size_args(ds)
    ds.add_argument("--count", type=int, required=True, help="number of instances")
    ds.add_argument("--seed", type=int, default=0)
    ds.add_argument("--out", required=True, help="output directory (resumable)")
    ds.add_argument("--workers", type=int, default=1, help="local worker processes")
    ds.add_argument("--solver", default="exact", help="labelling solver (registered name)")
    ds.add_argument("--shard-size", dest="shard_size", type=int, default=1000)
    ds.add_argument("--split", default="0.7,0.15,0.15", help="train,val,test fractions")
    ds.add_argument("--scheduler", default=None,
                    help="Dask scheduler address (tcp://host:8786) instead of local processes")
    ds.add_argument("--connect-timeout", dest="connect_timeout", type=float, default=None,
                    help="seconds to wait for the Dask scheduler to answer (default 5, "
                         "datasets.builder.DASK_CONNECT_TIMEOUT_S)")
    _add_cli_options(ds)
    ds.add_argument("--no-progress", dest="no_progress", action="store_true",
                    help="no progress bar")
    ds.set_defaults(func=cmd_dataset)

    ev = sub.add_parser("evaluate", help="score policies on a dataset split")
    ev.add_argument("--policy", required=True,
                    help="NAME[,NAME...]; options as NAME:key=value (e.g. decc:mobcheck=true)")
    ev.add_argument("--data", required=True, help="dataset directory (or several, comma-separated)")
    ev.add_argument("--split", default="test", choices=["train", "val", "test", "all"])
    ev.add_argument("--limit", type=int, default=None, help="first N instances only")
    ev.add_argument("--out", default=None, help="write metrics.csv and metrics.md here")
    ev.add_argument("--reference", default="optimal", metavar="LABEL_SET",
                    help="which stored label set the ratio divides by (default optimal); "
                         "one of the dataset's problem's label sets (its dataset hooks' "
                         "LABEL_SETS)")
    ev.add_argument("--single-samples", dest="single_samples", type=int, default=20,
                    help="instances timed one by one for batched policies")
    ev.add_argument("--plots", action="store_true", help="also write summary.png under --out")
    ev.set_defaults(func=cmd_evaluate)

    _add_stream_parser(sub)
    return parser


def user_error_types() -> tuple[type[BaseException], ...]:
    """The exception classes that mean "bad input or environment", reported as one line
    with exit status 2. Everything else (a genuine bug) keeps its traceback, so plain
    ``ValueError``/``RuntimeError`` are not caught: user-input checks raise one of these."""
    from offload_gym.datasets import DatasetError, DatasetLoadError

    return (ScenarioError, SolverError, DatasetError, DatasetLoadError, UsageError,
            UnknownProblemError, OSError)


def error_line(exc: BaseException) -> str:
    """The one-line message for a user error (an OSError as ``reason: path``)."""
    if isinstance(exc, OSError) and exc.strerror:
        text = f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    else:
        text = str(exc) or type(exc).__name__
    return "offload-gym: error: " + " ".join(text.split())


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except user_error_types() as exc:
        print(error_line(exc), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
