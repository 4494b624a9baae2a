"""``bga-check rules``: rule profiles, every rule for a pitch with its source, board rules.

Without a BOARD it lists the profiles and fab tiers; with ``--pitch`` it resolves every rule for
a BGA of that pitch (profile, fab tier, project override file next to ``--board``) and prints
each value with its source and origin; ``--explain KEY`` shows one value's full provenance
(printed by ``render.rule_sets``).

``bga-check rules BOARD.kicad_pcb [-o FILE] [--remove]`` writes KiCad custom rules for the
board's BGAs (``core.kicad_rules``): by default the generated block is merged into the
project's own ``<board>.kicad_dru`` beside the board, the file KiCad and ``kicad-cli pcb drc``
read; ``-o FILE`` merges into FILE instead (starting from the project's rules when FILE does not
exist yet), ``-o -`` prints the merged rules and writes nothing. ``--remove`` takes the block
out again and leaves the file as it was before the first merge, byte for byte (a file the merge
created is deleted). Before anything is written, kicad-cli itself reads the merged file
(``kicad.kicad_cli.check_parses``): kicad-cli 9.0.8 ignores a rules file that does not parse,
the project's own rules included, and says nothing; such a file is not written. The board
itself is never written.

Exit codes: 0 printed or written; 2 unknown profile, fab tier, rule key, bad pitch, bad board,
override or rules file (a rules file KiCad does not parse: its first bad line named); 3 pcbnew
missing (with a BOARD).
"""
from __future__ import annotations

import argparse
import difflib
import os
import sys
import tomllib
from pathlib import Path
from typing import Optional

from ..api import CheckOptions, UserError, read_model, resolve_options
from ..core import kicad_rules_file, rules
from ..core.kicad_rules_file import rules_path_for
from ..core.resources import resource_path
from ..render import rule_sets
from .exit_codes import ExitCode
from .options import add_rule_choice

__all__ = ["add_parser", "run", "add_board_arguments", "run_board", "render_rules",
           "write_rules", "remove_rules"]


def add_board_arguments(parser: argparse.ArgumentParser) -> None:
    """``BOARD`` (optional positional, dest ``board_file``), ``-o/--output`` and ``--remove``."""
    parser.add_argument("board_file", nargs="?", metavar="BOARD",
                        help="write KiCad custom rules (.kicad_dru) for the BGAs of this board")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="with BOARD: merge into FILE instead of <board>.kicad_dru; "
                             "'-' prints to stdout")
    parser.add_argument("--remove", action="store_true",
                        help="with BOARD: take the generated rules out of the file again, "
                             "leaving it as it was before")


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``rules`` on an argparse subparsers object."""
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
    add_board_arguments(p)
    p.epilog = (f"Defaults: profile {rules.DEFAULT_PROFILE}, fab tier {rules.DEFAULT_FAB_TIER} "
                "(or the project override file's).")
    return p


def run(args: argparse.Namespace) -> int:
    """Print the listing, the rules for a pitch or one explanation, or write a board's rules."""
    if getattr(args, "board_file", None):
        return run_board(args)
    if getattr(args, "output", None):
        raise UserError("-o/--output goes with a BOARD to write custom rules for")
    if getattr(args, "remove", False):
        raise UserError("--remove goes with a BOARD whose generated rules to take out")
    try:
        text = _rules_text(args)
    except rules.RulesError as exc:
        raise UserError(str(exc), 2) from None
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return ExitCode.OK


# ---------------------------------------------------------------- the listing and explanations

def _rules_text(args: argparse.Namespace) -> str:
    """What ``rules`` prints without a BOARD: the listing, a pitch's rules or one explanation."""
    if args.pitch_y is not None and args.pitch is None:
        raise UserError("--pitch-y needs --pitch")
    if args.board is not None and not os.path.exists(args.board):
        raise UserError(f"{args.board}: no such file")
    # The same choice as `check`: command line, then the project file, then the defaults.
    opts = resolve_options(CheckOptions(profile=args.profile, fab_tier=args.fab_tier),
                           args.board or "")
    ov, tier = opts.project_overrides, opts.fab_tier
    prof = rules.load_profile(opts.profile)
    if prof.name == "common":
        raise rules.RulesError("'common' holds shared rules and is not a profile")
    if args.explain:
        return _explanation(args, prof, tier, ov)
    if args.pitch is None:
        titles = _fab_titles()
        return rule_sets.render_listing([rules.load_profile(n) for n in rules.list_profiles()],
                                        [(t, titles.get(t, "")) for t in rules.list_fab_tiers()],
                                        ov, args.json)
    rs = rules.rules_for_pitch(prof, args.pitch, args.pitch_y, tier, ov)
    return rule_sets.render_rule_set(rs, prof, ov, args.json)


def _fab_titles() -> dict[str, str]:
    """Fab tier name -> its title in ``fab.toml``."""
    with open(resource_path("rules", "fab.toml"), "rb") as fh:
        tiers = tomllib.load(fh).get("tier", {})
    return {name: str(t.get("title", "")) for name, t in tiers.items()}


def _explanation(args: argparse.Namespace, prof, tier: str, ov) -> str:
    """One key's provenance at ``--pitch``, or at every pitch row of the profile."""
    key = args.explain
    if key not in rules.KEYS:
        near = difflib.get_close_matches(key, list(rules.KEYS), n=3)
        hint = (f" (did you mean {', '.join(near)}?)" if near
                else " (list: bga-check rules --pitch 1.0)")
        raise UserError(f"unknown rule key '{key}'{hint}")
    if args.pitch is not None:
        grids = [(args.pitch, args.pitch_y)]
    else:
        grids = [(p, None) for p, _ in prof.rows]
        if not grids:
            raise UserError(f"profile '{prof.name}' has no pitch rows: give --pitch")
    found = []
    for px, py in grids:
        rs = rules.rules_for_pitch(prof, px, py, tier, ov)
        found.append((rs, rs.values.get(key)))
    return rule_sets.render_explanation(key, prof, tier, ov, found, args.json,
                                        every_pitch=args.pitch is None)


# ---------------------------------------------------------------- a board's custom rules

def _read_text(path: Path) -> Optional[str]:
    """A rules file's text with its line endings as they are; None when there is no file."""
    if not path.is_file():
        return None
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read ({exc})") from None


def _write(target: Path, text: str) -> None:
    """Write a rules file whole (through a temporary file), line endings as given."""
    tmp = target.with_name(target.name + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"{target}: cannot write ({exc.strerror})") from None


def render_rules(board_path: str, output: Optional[str] = None,
                 options: Optional[CheckOptions] = None) -> tuple[str, Optional[str], Path]:
    """The merged rules text for a board, nothing written.

    Returns the text, the text it was merged into (None for a new file) and the file that text
    came from.
    """
    from ..core.detect import detect_arrays
    from ..core.kicad_rules import generate_rules

    if not str(board_path).endswith(".kicad_pcb"):
        raise UserError(f"{board_path}: expected a .kicad_pcb board file")
    model = read_model(board_path)
    opts = resolve_options(options, board_path, model)  # the tier `check` chooses (HDI boards)
    try:
        block = generate_rules(model, detect_arrays(model), opts)
    except rules.RulesError as exc:
        raise UserError(str(exc), 2) from None
    own = rules_path_for(board_path)
    base, source = None, own
    if output not in (None, "-"):
        base, source = _read_text(Path(output)), Path(output)
    if base is None:
        base, source = _read_text(own), own
    try:
        return kicad_rules_file.merge_rules(base, block), base, source
    except kicad_rules_file.DruError as exc:
        raise UserError(f"{source}: {exc}") from None


def write_rules(board_path: str, output: Optional[str] = None,
                options: Optional[CheckOptions] = None,
                verify: bool = True) -> tuple[str, Optional[str]]:
    """Merge the generated rules into the project's ``.kicad_dru`` (or ``output``).

    ``-`` as ``output`` prints to stdout. The file is written once kicad-cli has parsed the
    result (``verify=False`` skips that). Returns the path written (``-`` for stdout) and the
    kicad-cli version that parsed it (None: not checked).
    """
    from ..kicad.kicad_cli import check_parses

    text, base, source = render_rules(board_path, output, options)
    target = Path(output) if output not in (None, "-") else rules_path_for(board_path)
    if output != "-" and target.resolve() == Path(board_path).resolve():
        raise UserError("refusing to write the rules over the board file")
    checked = None
    if verify:
        checked = check_parses(text, str(source if base is not None else target),
                               original=base, merged=True)
        if checked is None:
            print("bga-check: kicad-cli not found: nobody checked that KiCad parses the merged "
                  "rules file", file=sys.stderr)
    if output == "-":
        sys.stdout.write(text)
        return "-", checked
    _write(target, text)
    return str(target), checked


def remove_rules(board_path: str, output: Optional[str] = None) -> tuple[str, str]:
    """Take the generated block out of the project's ``.kicad_dru`` (or ``output``).

    The file is left as it was before the first merge, or deleted when the merge created it.
    Returns the path and what happened ("removed", "deleted", "nothing to remove").
    """
    if output == "-":
        raise UserError("--remove changes a file: -o - is not one")
    target = Path(output) if output else rules_path_for(board_path)
    text = _read_text(target)
    if text is None:
        return str(target), "nothing to remove (no such file)"
    try:
        rest, found = kicad_rules_file.remove_rules(text)
    except kicad_rules_file.DruError as exc:
        raise UserError(f"{target}: {exc}") from None
    if not found:
        return str(target), "nothing to remove"
    if rest is None:
        try:
            target.unlink()
        except OSError as exc:
            raise UserError(f"{target}: cannot delete ({exc.strerror})") from None
        return str(target), "deleted (bga-check rules had created it)"
    _write(target, rest)
    return str(target), "removed"


def run_board(args: argparse.Namespace) -> int:
    """Write (or with ``--remove`` take out) the rules for ``args.board_file``.

    One line on stderr says where. Exit code 0.
    """
    if getattr(args, "remove", False):
        where, what = remove_rules(args.board_file, getattr(args, "output", None))
        print(f"bga-check: {where}: {what}", file=sys.stderr)
        return ExitCode.OK
    opts = CheckOptions(profile=getattr(args, "profile", None),
                        fab_tier=getattr(args, "fab_tier", None), checks=False)
    where, checked = write_rules(args.board_file, getattr(args, "output", None), opts)
    if where != "-":
        proof = f"; kicad-cli {checked} parses it" if checked else ""
        print(f"bga-check: rules written to {where}{proof}", file=sys.stderr)
    return ExitCode.OK
