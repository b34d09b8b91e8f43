"""The shared entry point of the ``offload-gym train METHOD ...`` trainers."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence


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
