"""``bga-check rules``: rule profiles, every rule for a pitch with its source, board rules.

Lists the profiles, shows every rule for a pitch with its source, or writes KiCad custom rules
for a board's BGAs.

Only the options live here; the listing and explanations are printed by ``rules_cmd`` and the
board's ``.kicad_dru`` is written by ``dru_cmd`` (both move into the core and ``render/``
later). Exit codes: 0 printed or written; 2 unknown profile, fab tier, rule key, bad pitch, bad
override or rules file; 3 pcbnew missing (with a BOARD).
"""
from __future__ import annotations

import argparse

from ..core import rules
from .options import add_rule_choice

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``rules`` on an argparse subparsers object."""
    from .. import dru_cmd

    p = subparsers.add_parser(
        "rules", help="list rule profiles, or show every rule for a pitch and where it comes from",
        description="Which rule profiles exist, and where every rule value comes from; with a "
                    "BOARD, write KiCad custom rules for its BGAs. Lengths in mm.")
    add_rule_choice(p)
    p.add_argument("--pitch", type=float,
                   help="ball pitch [mm] (x, or both when --pitch-y is absent)")
    p.add_argument("--pitch-y", type=float, help="ball pitch in y [mm] for a non-square grid")
    p.add_argument("--board", help="apply the project override file next to this .kicad_pcb")
    p.add_argument("--explain", metavar="RULE_KEY", help="full provenance of one rule value")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    dru_cmd.add_board_arguments(p)
    p.epilog = (f"Defaults: profile {rules.DEFAULT_PROFILE}, fab tier {rules.DEFAULT_FAB_TIER} "
                "(or the project override file's).")
    return p


def run(args: argparse.Namespace) -> int:
    """Print the listing, the rules for a pitch or one explanation, or write a board's rules."""
    from .. import rules_cmd

    return rules_cmd.run(args)
