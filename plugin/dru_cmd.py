"""``bga-check rules BOARD.kicad_pcb [-o FILE] [--remove]``: KiCad custom rules for the board's BGAs.

By default the generated block is merged into the project's own ``<board>.kicad_dru`` beside the
board, the file KiCad and ``kicad-cli pcb drc`` read; ``-o FILE`` merges into FILE instead
(starting from the project's rules when FILE does not exist yet), ``-o -`` prints the merged
rules and writes nothing. ``--remove`` takes the block out again and leaves the file as it was
before the first merge, byte for byte (a file the merge created is deleted).

Before anything is written, kicad-cli itself reads the merged file (``check_parses``): kicad-cli
9.0.8 ignores a rules file that does not parse, the project's own rules included, and says
nothing. A file that does not parse is not written: exit 2 naming its first bad line.
Exit codes: 0 written; 2 bad board, option, override file or rules file; 3 pcbnew missing.
The board itself is never written.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Optional

from .api import CheckOptions, UserError, read_model, resolve_options

__all__ = ["rules_path_for", "render_rules", "write_rules", "remove_rules", "check_parses",
           "rules_parse_problem", "add_board_arguments", "run_board", "PROBE_BOARD"]

PROBE_TIMEOUT_S = 120
PROBE_BOARD = """(kicad_pcb
\t(version 20241229)
\t(generator "bga-check")
\t(generator_version "9.0")
\t(general (thickness 1.6))
\t(paper "A4")
\t(layers
\t\t(0 "F.Cu" signal)
\t\t(2 "B.Cu" signal)
\t\t(25 "Edge.Cuts" user)
\t)
\t(setup (pad_to_mask_clearance 0))
\t(net 0 "")
\t(segment (start 0 0) (end 1 0) (width 0.2) (layer "F.Cu") (net 0)
\t\t(uuid "b9a5c4ec-0000-4000-8000-000000000001"))
)
"""
"""A board with one track: parsing a rules file does not depend on the board, and kicad-cli
checks this one in well under a second. The probe rule fires on its track."""
_PROBE_UUID = "b9a5c4ec-0000-4000-8000-000000000001"


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


# ---------------------------------------------------------------- does KiCad read it?

class _Probe:
    """Runs kicad-cli on the probe board with a rules text; counts its runs."""

    def __init__(self, cli, workdir: str):
        self.cli, self.dir, self.runs = cli, Path(workdir) / "probe", 0
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "probe.kicad_pcb").write_text(PROBE_BOARD, encoding="utf-8")

    def __call__(self, text: str) -> bool:
        self.runs += 1
        with open(self.dir / "probe.kicad_dru", "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        out = self.dir / "probe.json"
        out.unlink(missing_ok=True)
        try:
            subprocess.run([self.cli.exe, "pcb", "drc", "--format", "json", "--severity-error",
                            "-o", str(out), str(self.dir / "probe.kicad_pcb")],
                           capture_output=True, text=True, timeout=PROBE_TIMEOUT_S,
                           env=self.cli.env, cwd=self.dir)
            data = json.loads(out.read_text(encoding="utf-8"))
        except (OSError, ValueError, subprocess.SubprocessError) as exc:
            raise UserError(f"kicad-cli could not check a rules file: {exc}", 2) from None
        return any(v.get("type") == "track_width"
                   and any(i.get("uuid") == _PROBE_UUID for i in v.get("items", []))
                   for v in data.get("violations", []))


def rules_parse_problem(text: str, cli, workdir: str) -> Optional[tuple[int, str]]:
    """(line, what) of the first expression of a rules text that kicad-cli does not parse, or
    None when it parses; ``cli`` is a ``ci.KicadCli``."""
    from . import dru

    return dru.find_unparsed(text, _Probe(cli, workdir))


def check_parses(text: str, path: str, cli=None, original: Optional[str] = None,
                 merged: bool = False) -> Optional[str]:
    """Prove with kicad-cli that a rules text parses; UserError (exit 2) naming the file and
    line when it does not. Returns the kicad-cli version used, or None when kicad-cli is not
    installed (nothing proven).

    ``merged``: ``text`` is our merge into ``original`` (the project's text, None for a new
    file), so that a problem in the project's own rules is reported at its line in the file on
    disk, and one in the generated block as ours.
    """
    from . import ci

    with tempfile.TemporaryDirectory(prefix="bga-check-rules-") as tmp:
        if cli is None:
            cli = ci.kicad_cli(tmp)
            if cli is None:
                return None
        problem = rules_parse_problem(text, cli, tmp)
        if problem is None:
            return cli.version
        where, blame = problem, "generated"
        if original is not None and original.strip():
            own = rules_parse_problem(original, cli, tmp)
            if own is not None:
                where, blame = own, "project"
    line, what = where
    tail = ("the project's own rules: fix it (nothing was written)" if blame == "project"
            else "a generated rule: please report it (nothing was written)")
    if not merged:
        tail = "KiCad ignores every custom rule of this file, and reports nothing"
    raise UserError(f"{path}:{line}: kicad-cli {cli.version or ''} does not parse this rules "
                    f"file: {what}; {tail}", 2)


# ---------------------------------------------------------------- merge, write, remove

def render_rules(board_path: str, output: Optional[str] = None,
                 options: Optional[CheckOptions] = None) -> tuple[str, Optional[str], Path]:
    """The merged rules text for a board (nothing written), the text it was merged into (None
    for a new file) and the file that text came from."""
    from . import dru
    from .core import rules
    from .core.detect import detect_arrays

    if not str(board_path).endswith(".kicad_pcb"):
        raise UserError(f"{board_path}: expected a .kicad_pcb board file")
    model = read_model(board_path)
    opts = resolve_options(options, board_path, model)  # the tier `check` chooses (HDI boards)
    try:
        block = dru.generate_rules(model, detect_arrays(model), opts)
    except rules.RulesError as exc:
        raise UserError(str(exc), 2) from None
    own = rules_path_for(board_path)
    base, source = None, own
    if output not in (None, "-"):
        base, source = _read_text(Path(output)), Path(output)
    if base is None:
        base, source = _read_text(own), own
    try:
        return dru.merge_rules(base, block), base, source
    except dru.DruError as exc:
        raise UserError(f"{source}: {exc}") from None


def _write(target: Path, text: str) -> None:
    tmp = target.with_name(target.name + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"{target}: cannot write ({exc.strerror})") from None


def write_rules(board_path: str, output: Optional[str] = None,
                options: Optional[CheckOptions] = None, verify: bool = True) -> str:
    """Merge the generated rules into the project's ``.kicad_dru`` (or ``output``; ``-`` prints
    to stdout) once kicad-cli has parsed the result, and return the path written (``-`` for
    stdout). ``verify=False`` skips the kicad-cli check."""
    return _write_rules(board_path, output, options, verify)[0]


def _write_rules(board_path, output, options, verify) -> tuple[str, Optional[str]]:
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
    """Take the generated block out of the project's ``.kicad_dru`` (or ``output``): the file
    is left as it was before the first merge, or deleted when the merge created it. Returns the
    path and what happened ("removed", "deleted", "nothing to remove")."""
    from . import dru

    if output == "-":
        raise UserError("--remove changes a file: -o - is not one")
    target = Path(output) if output else rules_path_for(board_path)
    text = _read_text(target)
    if text is None:
        return str(target), "nothing to remove (no such file)"
    try:
        rest, found = dru.remove_rules(text)
    except dru.DruError as exc:
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


def add_board_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``BOARD`` (optional positional, dest ``board_file``), ``-o/--output`` and
    ``--remove`` to the ``rules`` parser; ``--profile`` and ``--fab-tier`` are read from it."""
    parser.add_argument("board_file", nargs="?", metavar="BOARD",
                        help="write KiCad custom rules (.kicad_dru) for the BGAs of this board")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="with BOARD: merge into FILE instead of <board>.kicad_dru; "
                             "'-' prints to stdout")
    parser.add_argument("--remove", action="store_true",
                        help="with BOARD: take the generated rules out of the file again, "
                             "leaving it as it was before")


def run_board(args) -> int:
    """Write (or with ``--remove`` take out) the rules for ``args.board_file``; one line on
    stderr says where. Exit code 0."""
    if getattr(args, "remove", False):
        where, what = remove_rules(args.board_file, getattr(args, "output", None))
        print(f"bga-check: {where}: {what}", file=sys.stderr)
        return 0
    opts = CheckOptions(profile=getattr(args, "profile", None),
                        fab_tier=getattr(args, "fab_tier", None), checks=False)
    where, checked = _write_rules(args.board_file, getattr(args, "output", None), opts, True)
    if where != "-":
        proof = f"; kicad-cli {checked} parses it" if checked else ""
        print(f"bga-check: rules written to {where}{proof}", file=sys.stderr)
    return 0
