"""The one error handler of the command line, and its argument parser.

Every failure reaches the user as one line on stderr, ``bga-check: error: <what>`` for what the
user can fix (``api.UserError``, a bad option) and ``bga-check: internal error: <what>`` for a
bug (the traceback with ``--debug``), with the exit code of ``exit_codes.ExitCode``.
"""
from __future__ import annotations

import argparse
import sys
import traceback
from typing import Callable, NoReturn

from ..api import UserError
from .exit_codes import ExitCode

__all__ = ["PROG", "Parser", "error_line", "run_command"]

PROG = "bga-check"


def error_line(message: str) -> str:
    """The one stderr line for a problem the user can fix."""
    return f"{PROG}: error: {' '.join(str(message).split())}"


class Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one line (its default prints the usage, then the error)."""

    def error(self, message: str) -> NoReturn:
        """Print one line naming the problem and exit with ``ExitCode.USAGE``."""
        self.exit(ExitCode.USAGE, error_line(f"{message} (see --help)") + "\n")


def run_command(handler: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run a subcommand and turn whatever it raises into an exit code and one stderr line."""
    try:
        return int(handler(args))
    except UserError as exc:
        print(error_line(str(exc)), file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except BrokenPipeError:  # `bga-check check b.kicad_pcb | head`: the reader left, not a fault
        return ExitCode.OK
    except Exception as exc:  # a bug: one line by default, the traceback with --debug
        if getattr(args, "debug", False):
            traceback.print_exc()
        else:
            print(f"{PROG}: internal error: {type(exc).__name__}: {exc} "
                  "(run with --debug for details)", file=sys.stderr)
        return ExitCode.INTERNAL
