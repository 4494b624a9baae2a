"""``bga-check ci BOARD``: the BGA checks beside ``kicad-cli pcb drc``, for CI.

One merged report plus JUnit, SARIF, Markdown and HTML, and baselines of accepted findings.

The options live here (the check options are shared with ``check``); the run itself is
``bgacheck.ci.ci_command`` until rule generation and baseline matching move into the core and
the kicad-cli call into ``kicad/``. Exit codes: 0 no new violation at or above ``--severity``,
1 some (or a stale waiver with ``--fail-on-stale``), 2 usage or input error (also an output
folder that cannot be written, a bad baseline file, a rules file kicad-cli does not parse, a
failed kicad-cli run), 3 pcbnew missing, or kicad-cli missing without ``--no-kicad-drc``.
"""
from __future__ import annotations

import argparse

from .options import add_board_argument, add_check_options

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``ci`` on an argparse subparsers object."""
    p = subparsers.add_parser(
        "ci", help="BGA checks beside kicad-cli DRC: merged JSON, JUnit, SARIF, Markdown, HTML",
        description="Run the BGA checks beside kicad-cli pcb drc and write one merged JSON "
                    "report plus JUnit, SARIF, Markdown and HTML; exit 1 on new violations "
                    "at or above --severity (as kicad-cli --exit-code-violations fails on its "
                    "errors and warnings).")
    add_board_argument(p)
    p.add_argument("--out-dir", default="bga-check-report",
                   help="folder for the reports (default: %(default)s)")
    p.add_argument("--baseline", metavar="FILE", help="waivers of accepted findings (JSON)")
    p.add_argument("--write-baseline", metavar="FILE",
                   help="write a baseline accepting every current finding, then exit 0")
    p.add_argument("--no-kicad-drc", action="store_true", help="do not run kicad-cli pcb drc")
    p.add_argument("--fail-on-stale", action="store_true",
                   help="also fail when a baseline waiver matches nothing")
    p.add_argument("--source-root", metavar="DIR",
                   help="repository root that SARIF paths are relative to (default: the git "
                        "top level of the board's folder)")
    p.add_argument("--kicad-library-checks", action="store_true",
                   help="count KiCad's footprint library checks (lib_footprint_issues, "
                        "lib_footprint_mismatch) too; they compare with this machine's libraries")
    add_check_options(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``bga-check ci`` (``bgacheck.ci.ci_command``) from parsed arguments."""
    from ..ci import ci_command

    return ci_command(args)
