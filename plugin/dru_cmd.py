"""``bga-check rules BOARD.kicad_pcb [-o FILE]``: write KiCad custom rules for the board's BGAs.

By default the generated block is merged into the project's own ``<board>.kicad_dru`` beside the
board, the file KiCad and ``kicad-cli pcb drc`` read; ``-o FILE`` merges into FILE instead
(starting from the project's rules when FILE does not exist yet), ``-o -`` prints the merged
rules and writes nothing. The board itself is never written.
Exit codes: 0 written; 2 bad board, option, override file or rules file; 3 pcbnew missing.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Optional

from .api import CheckOptions, UserError, read_model, resolve_options

__all__ = ["rules_path_for", "render_rules", "write_rules", "add_board_arguments", "run_board"]


def rules_path_for(board_path: str) -> Path:
    """The project's own rules file: ``<board stem>.kicad_dru`` next to the board."""
    p = Path(board_path)
    return p.with_name(p.stem + ".kicad_dru")


def _read_text(path: Path) -> Optional[str]:
    if not path.is_file():
        return None
    try:
        with open(path, encoding="utf-8", newline="") as fh:  # keep its line endings as they are
            return fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read ({exc})") from None


def render_rules(board_path: str, output: Optional[str] = None,
                 options: Optional[CheckOptions] = None) -> str:
    """The merged rules text for a board (nothing written); the base file is chosen as in
    ``write_rules``."""
    from . import dru
    from .core import rules
    from .core.detect import detect_arrays

    if not str(board_path).endswith(".kicad_pcb"):
        raise UserError(f"{board_path}: expected a .kicad_pcb board file")
    opts = resolve_options(options, board_path)
    model = read_model(board_path)
    try:
        block = dru.generate_rules(model, detect_arrays(model), opts)
    except rules.RulesError as exc:
        raise UserError(str(exc), 2) from None
    own = rules_path_for(board_path)
    base = None
    if output not in (None, "-"):
        base = _read_text(Path(output))
    if base is None:
        base = _read_text(own)
    try:
        return dru.merge_rules(base, block)
    except dru.DruError as exc:
        raise UserError(f"{output if output not in (None, '-') else own}: {exc}") from None


def write_rules(board_path: str, output: Optional[str] = None,
                options: Optional[CheckOptions] = None) -> str:
    """Merge the generated rules into the project's ``.kicad_dru`` (or ``output``; ``-`` prints
    to stdout) and return the path written (``-`` for stdout)."""
    text = render_rules(board_path, output, options)
    if output == "-":
        sys.stdout.write(text)
        return "-"
    target = Path(output) if output else rules_path_for(board_path)
    if target.resolve() == Path(board_path).resolve():
        raise UserError("refusing to write the rules over the board file")
    tmp = target.with_name(target.name + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except OSError as exc:
        raise UserError(f"{target}: cannot write ({exc.strerror})") from None
    return str(target)


def add_board_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``BOARD`` (optional positional, dest ``board_file``) and ``-o/--output`` to the
    ``rules`` parser; ``--profile`` and ``--fab-tier`` are read from it when present."""
    parser.add_argument("board_file", nargs="?", metavar="BOARD",
                        help="write KiCad custom rules (.kicad_dru) for the BGAs of this board")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="with BOARD: merge into FILE instead of <board>.kicad_dru; "
                             "'-' prints to stdout")


def run_board(args) -> int:
    """Write the rules for ``args.board_file``; one line on stderr says where. Exit code 0."""
    opts = CheckOptions(profile=getattr(args, "profile", None),
                        fab_tier=getattr(args, "fab_tier", None), checks=False)
    where = write_rules(args.board_file, getattr(args, "output", None), opts)
    if where != "-":
        print(f"bga-check: rules written to {where}", file=sys.stderr)
    return 0
