"""The options of a check run, declared once for ``check`` and ``ci``.

The rule choice (``--profile``, ``--fab-tier``) is shared with ``rules`` too; parsed arguments
become the library's ``CheckOptions`` in ``options_from_args``.
"""
from __future__ import annotations

import argparse

from ..core.options import CheckOptions
from ..core.report import SEVERITIES
from ..core.verdict import DEFAULT_SEVERITY

__all__ = ["add_board_argument", "add_rule_choice", "add_check_options", "options_from_args"]


def add_board_argument(parser: argparse.ArgumentParser) -> None:
    """The board positional (``args.board``): read, never written."""
    parser.add_argument("board", metavar="BOARD.kicad_pcb", help="the board file (read only)")


def add_rule_choice(parser: argparse.ArgumentParser) -> None:
    """``--profile`` and ``--fab-tier``: which rules apply (``check``, ``ci``, ``rules``)."""
    parser.add_argument("--profile", default=None,
                        help="rule profile name or a .toml path (see `bga-check rules`); default: "
                             "the project file's, else ug1099")
    parser.add_argument("--fab-tier", default=None,
                        help="fab capability tier, e.g. standard, advanced, hdi; default: the "
                             "project file's, else standard (hdi for a board with microvias)")


def _bounded(low: float, high: float, flag: str):
    """An argparse type: a number strictly between ``low`` and ``high`` (mass: above 0)."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{flag} needs a number, got {text!r}") from None
        if not low < value < high:
            raise argparse.ArgumentTypeError(
                f"{flag} must be between {low:g} and {high:g}, got {value:g}")
        return value
    return parse


def add_check_options(parser: argparse.ArgumentParser) -> None:
    """Every option of a check run: the rule choice, the standoff inputs and ``--severity``."""
    add_rule_choice(parser)
    parser.add_argument("--stencil-mm", type=float, default=None,
                        help="stencil thickness [mm] for the standoff prediction")
    parser.add_argument("--ball-mm", type=float, default=None,
                        help="ball diameter [mm] when the footprint name does not state it")
    parser.add_argument("--pkg-pad-mm", type=float, default=None,
                        help="package-side pad diameter [mm] for the standoff (default: the "
                             "board land)")
    parser.add_argument("--reader", choices=("auto", "native", "pcbnew"), default="auto",
                        help="how the board file is read: native (no KiCad needed), pcbnew "
                             "(KiCad's own loader), auto (native; pcbnew for a format older than "
                             "KiCad 6 or newer than 10, when it is installed). Default auto")
    parser.add_argument("--warpage-mm", type=_bounded(-1.0, 1.0, "--warpage-mm"), default=None,
                        help="package warpage at reflow peak [mm]: its corner deviation from "
                             "the centre plane, positive for corners up (away from the board), "
                             "negative for corners down; default: the project file's "
                             "warpage_mm, else JEITA's maximum for the pitch, tried both ways, "
                             "findings kept to notes")
    parser.add_argument("--board-warpage-mm", type=_bounded(-1.0, 1.0, "--board-warpage-mm"),
                        default=None,
                        help="board warpage under the part at reflow peak [mm], positive when "
                             "its surface under the package corners rises toward the package")
    parser.add_argument("--package-mass-g", type=_bounded(0.0, 1000.0, "--package-mass-g"),
                        default=None, help="package mass [g]: its weight presses the molten "
                                           "joints (default: the project file's, else none)")
    parser.add_argument("--severity", choices=SEVERITIES, default=DEFAULT_SEVERITY,
                        help="lowest severity that fails the run (exit code 1; for `ci`, new "
                             "violations of KiCad's DRC too) and, in the text report, the lowest "
                             "listed (default %(default)s: notes are counted, not listed)")


def options_from_args(args: argparse.Namespace) -> CheckOptions:
    """CheckOptions from parsed arguments, leaving project-file choices where flags are absent."""
    return CheckOptions(profile=args.profile, fab_tier=args.fab_tier,
                        stencil_mm=getattr(args, "stencil_mm", None),
                        ball_d_mm=getattr(args, "ball_mm", None),
                        pkg_pad_d_mm=getattr(args, "pkg_pad_mm", None),
                        warpage_mm=getattr(args, "warpage_mm", None),
                        board_warpage_mm=getattr(args, "board_warpage_mm", None),
                        package_mass_g=getattr(args, "package_mass_g", None),
                        severity=getattr(args, "severity", DEFAULT_SEVERITY))
