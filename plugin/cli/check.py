"""``bga-check check BOARD``: find the BGAs on a board, check them, print or write one report.

Never writes the board. Exit code 1 when ``core.verdict`` fails the run at ``--severity``.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Optional

from ..api import UserError
from ..core.verdict import verdict
from .exit_codes import ExitCode
from .options import add_board_argument, add_check_options, options_from_args

__all__ = ["RENDERERS", "add_parser", "run"]

RENDERERS = {
    "text": ("text", "render_text"), "json": ("drc_json", "render_json"),
    "html": ("html", "render_html"), "sarif": ("sarif", "render_sarif"),
    "junit": ("junit", "render_junit"), "markdown": ("markdown", "render_markdown"),
}
"""--format -> (module in bgacheck.render, function): every format renders the same Report."""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``check`` on an argparse subparsers object."""
    p = subparsers.add_parser(
        "check", help="find BGAs on a board and check them",
        description="Find the BGAs on a board, check them and print (or write) one report; "
                    "the board is never written. Exit code 1 when the run fails at --severity.")
    add_board_argument(p)
    p.add_argument("--format", choices=tuple(RENDERERS), default="text",
                   help="text for people, json like kicad-cli (default text); html, sarif, "
                        "junit and markdown are the reports `bga-check ci` writes")
    p.add_argument("-o", "--output", help="write the report to this file instead of stdout")
    add_check_options(p)
    return p


def _write(text: str, output: Optional[str]) -> None:
    if not output:
        sys.stdout.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise UserError(f"{output}: cannot write ({exc.strerror})") from None


def run(args: argparse.Namespace) -> int:
    """Check the board, write the report, return ``ExitCode.FINDINGS`` when the run fails."""
    from ..api import check_file

    if args.output and os.path.abspath(args.output) == os.path.abspath(args.board):
        raise UserError("refusing to write the report over the board file")
    report = check_file(args.board, options_from_args(args), reader=getattr(args, "reader", "auto"))
    module, function = RENDERERS[args.format]
    render = getattr(importlib.import_module(f"..render.{module}", __package__), function)
    text = render(report, severity=args.severity) if args.format == "text" else render(report)
    _write(text, args.output)
    return ExitCode.OK if verdict(report, args.severity).passed else ExitCode.FINDINGS
