"""Command line: ``bga-check check|standoff|rules|ci``, each a thin wrapper over a library call.

One module per subcommand (``check``, ``standoff``, ``rules``, ``ci``), each with
``add_parser(subparsers)`` and ``run(args) -> int``; the options of a check run are declared
once (``options``) for ``check`` and ``ci``; every error reaches the user through one handler
(``errors.run_command``) with an exit code of one table (``exit_codes.ExitCode``): 0 clean,
1 findings at or above ``--severity`` (or an invalid joint), 2 usage or input error, 3 KiCad's
pcbnew module missing, 4 internal error.
"""
from __future__ import annotations

import argparse
import sys
from typing import Optional

from .._version import __version__
from . import check, ci, rules, standoff
from .errors import PROG, Parser, run_command
from .exit_codes import ExitCode
from .options import options_from_args

__all__ = ["main", "build_parser", "options_from_args", "ExitCode", "COMMANDS"]

COMMANDS = (check, standoff, rules, ci)
"""The subcommands in the order ``--help`` lists them."""


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser: every subcommand registered the same way."""
    parser = Parser(prog=PROG, description="BGA land, via, fanout and solder-standoff checks "
                                           "for KiCad boards.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for command in COMMANDS:
        command.add_parser(sub).set_defaults(handler=command.run)
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    """Entry point of the console script and of ``python -m bgacheck``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help(sys.stderr)
        return ExitCode.USAGE
    return run_command(args.handler, args)
