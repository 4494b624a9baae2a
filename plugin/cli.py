"""Command line: ``bga-check check|standoff|rules|ci``, each a thin wrapper over a library call.

Exit codes: 0 clean; 1 findings at or above --severity (``check``, ``ci``) or an invalid joint
(``standoff``); 2 usage or input error (one line on stderr); 3 KiCad's pcbnew module missing.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from typing import Optional

from ._version import __version__
from .api import CheckOptions, UserError

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_NO_KICAD = 0, 1, 2, 3

RENDERERS = {
    "text": ("text", "render_text"), "json": ("drc_json", "render_json"),
    "html": ("html", "render_html"), "sarif": ("sarif", "render_sarif"),
    "junit": ("junit", "render_junit"), "markdown": ("markdown", "render_markdown"),
}
"""--format -> (module in bgacheck.render, function): every format renders the same Report."""


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one line (its default prints usage, then the error)."""

    def error(self, message):  # noqa: D102
        self.exit(EXIT_INPUT, f"bga-check: error: {message} (see --help)\n")


def _add_check_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--profile", default=None,
                   help="rule profile (see `bga-check rules`); default ug1099")
    p.add_argument("--fab-tier", default=None, help="fab capability tier, e.g. standard, advanced")
    p.add_argument("--stencil-mm", type=float, default=None,
                   help="stencil thickness [mm] for the standoff prediction")
    p.add_argument("--ball-mm", type=float, default=None,
                   help="ball diameter [mm] when the footprint name does not state it")
    p.add_argument("--pkg-pad-mm", type=float, default=None,
                   help="package-side pad diameter [mm] for the standoff (default: the board land)")
    p.add_argument("--severity", choices=("info", "warning", "error"), default="warning",
                   help="lowest severity that makes the exit code 1 and, in the text report, the "
                        "lowest severity listed (default warning: notes are counted, not listed)")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (sub-commands register their own options)."""
    parser = _Parser(prog="bga-check", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"bga-check {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    check = sub.add_parser("check", help="find BGAs on a board and check them")
    check.add_argument("board", help="a .kicad_pcb file (read only)")
    check.add_argument("--format", choices=tuple(RENDERERS), default="text",
                       help="text for people, json like kicad-cli (default text); html, sarif, "
                            "junit and markdown are the reports `bga-check ci` writes")
    check.add_argument("-o", "--output", help="write the report to this file instead of stdout")
    _add_check_options(check)
    _optional_commands(sub)
    return parser


def _optional_commands(sub) -> None:
    """Sub-commands that live in their own modules; each adds its own parser."""
    import importlib

    for module, adder, runner, name in (
        ("standoff_cmd", "add_parser", "run", "standoff"),
        ("rules_cmd", "add_parser", "run", "rules"),
        ("ci", "add_ci_parser", "ci_command", "ci"),
    ):
        try:
            mod = importlib.import_module(f"{__package__}.{module}")
        except ImportError as exc:
            if exc.name and exc.name.endswith(module):
                continue
            raise
        getattr(mod, adder)(sub)
        if name in sub.choices:
            sub.choices[name].set_defaults(handler=getattr(mod, runner))


def options_from_args(args) -> CheckOptions:
    """CheckOptions from parsed arguments, leaving project-file choices where flags are absent."""
    return CheckOptions(profile=args.profile, fab_tier=args.fab_tier, stencil_mm=args.stencil_mm,
                        ball_d_mm=args.ball_mm, pkg_pad_d_mm=getattr(args, "pkg_pad_mm", None),
                        severity=args.severity)


def _write(text: str, output: Optional[str]) -> None:
    if output:
        try:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            raise UserError(f"{output}: cannot write ({exc.strerror})") from None
    else:
        sys.stdout.write(text)


def run_check(args) -> int:
    """`bga-check check`: report and exit code; never writes the board."""
    from .api import check_file

    if args.output and os.path.abspath(args.output) == os.path.abspath(args.board):
        raise UserError("refusing to write the report over the board file")
    report = check_file(args.board, options_from_args(args))
    module, function = RENDERERS[args.format]
    render = getattr(importlib.import_module(f"{__package__}.render.{module}"), function)
    text = render(report, severity=args.severity) if args.format == "text" else render(report)
    _write(text, args.output)
    return EXIT_FINDINGS if report.count_at_or_above(args.severity) else EXIT_OK


def main(argv: Optional[list[str]] = None) -> int:
    """Entry point of the console script and of ``python -m bgacheck``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help(sys.stderr)
        return EXIT_INPUT
    handlers = {"check": run_check}
    handler = handlers.get(args.command) or getattr(args, "handler", None)
    try:
        return int(handler(args))
    except UserError as exc:
        print(f"bga-check: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug: one line by default, the traceback with --debug
        if args.debug:
            traceback.print_exc()
        else:
            print(f"bga-check: internal error: {type(exc).__name__}: {exc} "
                  "(run with --debug for details)", file=sys.stderr)
        return 4
