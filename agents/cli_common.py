"""The shared entry point of the ``offload-gym train METHOD ...`` trainers."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any


def run_trainer(doc: str | None, add_arguments: Callable[[argparse.ArgumentParser], None],
                run: Callable[[argparse.Namespace, Sequence[str]], int],
                argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (starting with the method name) with the trainer's own arguments and
    call ``run(args, argv)``; argv is passed on so the checkpoint can store the command."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="offload-gym train", description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    return run(parser.parse_args(argv), argv)


def add_size_argument(parser: argparse.ArgumentParser, problem: str | None = None, *,
                      default: str | None = None, extra_help: str = "") -> None:
    """``--size`` as in every ``offload-gym`` sub-command, with ``problem``'s older flag
    (``--rsus`` for VEC, ``--scale`` for LAENet: its ``SizeSpec.aliases``) kept as an alias.
    ``problem=None`` (a trainer for several problems): ``--size`` alone, read later with
    the problem of the chosen env. The text is read by :func:`parse_size`."""
    from offload_gym.core.problem import get_problem

    flags, help_text = ["--size"], "instance size"
    if problem is not None:
        spec = get_problem(problem).size
        flags += [f"--{alias}" for alias in spec.aliases]
        help_text = f"{spec.help} (default {spec.default})"
    parser.add_argument(*flags, dest="size", default=default, metavar="SIZE",
                        help=help_text + extra_help)


def parse_size(problem: str, text: Any) -> Any:
    """``text`` read by ``problem``'s size parser (``Problem.size.parse``); ``None``: the
    problem's default size. When it does not parse: one line on stderr naming the flag and
    exit status 2 (as argparse's own errors)."""
    from offload_gym.core.problem import get_problem

    spec = get_problem(problem).size
    if text is None:
        return spec.default
    try:
        return spec.parse(str(text))
    except ValueError as err:
        print(f"offload-gym train: error: --size: {err}", file=sys.stderr)
        raise SystemExit(2) from None


def parse_sizes(problem: str, text: Any) -> tuple[Any, ...]:
    """A comma list of sizes (``"20,50"``), each read by :func:`parse_size`."""
    if text is None:
        return (parse_size(problem, None),)
    return tuple(parse_size(problem, part) for part in str(text).split(","))
