"""KiCad 9 custom design rules (``.kicad_dru``) for each detected BGA: the fab tier's minimums.

``generate_rules`` writes, per area array, only what the bga-check report itself calls an error
(README, "Severity"): copper clearance, track width, via hole and annular ring below the chosen
fab tier's minimum. The vendor's recommendations (route widths and spacings, via sizes, the via
grid), which the report rates as warnings or notes, are not rules: KiCad would report them as
errors. Each rule is scoped to the area the report checks around one BGA (a box around its
balls), carries ``(severity error)`` and is named after the report rule it mirrors, e.g.
``bga-check U1 fab.min_drill: via hole below the standard tier's 0.2 mm``.

Never looser than the project: a constraint is generated only where the project's own setting
is below it (board setup minimum, net class clearance), and ``merge_rules`` puts the block at
the top of the file, before every rule of the project's: KiCad gives later rules precedence, so
where a project rule sets the same constraint, the project's rule decides. Via holes and track
widths are rules of their own kind (``disallow`` with a size condition): kicad-cli 9.0.8 names
no rule in a ``hole_size`` or ``track_width`` minimum violation ("board setup constraints min
hole"), and those constraints would replace a project's ``hole_size`` rule.

The merge keeps every byte outside the block, records in the block what else it added (the
version clause, a line break, the file itself) and ``remove_rules`` takes exactly that away
again. Host-free: no pcbnew, no kicad-cli (``dru_cmd`` runs kicad-cli to prove a file parses,
using ``probe_rules`` and ``find_unparsed`` here).

Checked against kicad-cli 9.0.8: it reports nothing when a rules file does not parse and then
applies none of its rules, the project's own included (see tests/kicad/test_dru_generation.py).
"""
from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Optional

from ._version import __version__
from .core.context import rules_for
from .core.detect import AreaArray
from .core.geometry import area_box
from .core.model import BoardModel
from .core.units import NM_PER_MM, fab_minimum

__all__ = ["BEGIN", "END", "DruError", "DruSyntaxError", "generate_rules", "merge_rules",
           "remove_rules", "rules_for_array", "top_level", "probe_rules", "find_unparsed",
           "PROBE_RULE", "TOLERANCE_MM"]

BEGIN = "# bga-check: begin generated rules (do not edit)"
END = "# bga-check: end"
MERGE_MARK = "# bga-check: merged: "
"""A line inside the block that says what the merge added besides the block, so that
``remove_rules`` restores the file byte for byte: ``new file``, ``line break before``."""
VERSION_LINE = "(version 1)"
TOLERANCE_MM = 0.001
"""The report passes a value within 1 µm of a fab minimum (checks/land.py SLACK_MM, geometry
DIST_TOL_NM): the generated minimum is the same threshold, rounded down to whole µm."""
PROBE_RULE = ('(rule "bga-check parse probe"\n  (constraint track_width (min 1000mm))\n'
              "  (condition \"A.Type == 'Track'\"))\n")
"""Appended last (so no project rule overrides it) to a rules file under test: it fires on any
track when the file parses."""
_SAFE_REF = re.compile(r"^[A-Za-z0-9_.\-+/#]+$")
"""References usable inside a rule name as they are (no quotes); others are spelt with _."""
_SAFE_NAME = re.compile(r"^[^'\"\\]+$")
"""Net class names usable inside a rule condition (no quotes, no backslash)."""
_EPS_MM = 1e-6


def mm_text(v: float) -> str:
    """A length for a rules file: up to 6 decimals (1 nm), trailing zeros dropped [mm]."""
    text = f"{v:.6f}".rstrip("0").rstrip(".")
    return f"{'0' if text in ('', '-0') else text}mm"


def _mm(v: float) -> str:
    """A length for a comment or rule name: up to 4 decimals, unit appended."""
    return f"{v:.4f}".rstrip("0").rstrip(".") + " mm"


class DruError(ValueError):
    """A rules file we cannot merge into safely (a begin marker without its end); one line."""


class DruSyntaxError(ValueError):
    """A rules file whose parentheses or quotes do not close; ``line`` is 1-based."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Scope:
    """Where a BGA's rules apply: the areas the report itself checks, as KiCad expressions.

    ``via_box``: the box the via checks use (ball copper plus 0.75 pitch all round, via
    centres inside); ``area_box``: the box of the clearance and channel checks (ball copper plus
    one pitch). Both x0, y0, x1, y1 [mm], axis-aligned in board coordinates, rounded outwards to
    whole µm. The same boxes as the report's, so that KiCad and the report judge the same items.
    """

    ref: str
    via_box: tuple[float, float, float, float]
    area_box: tuple[float, float, float, float]
    why: str

    def where(self, item: str, box: Optional[tuple] = None) -> str:
        """Expression true when item ``item`` ('A' or 'B') lies in the box (``area_box`` by
        default): a via or pad by its centre, a track or arc by either end."""
        x0, y0, x1, y1 = (mm_text(v) for v in (box or self.area_box))

        def inside(px, py):
            return (f"{item}.{px} >= {x0} && {item}.{px} <= {x1} && "
                    f"{item}.{py} >= {y0} && {item}.{py} <= {y1}")
        # Tracks and arcs have Start/End, vias and pads a Position (kicad-cli 9.0.8: a via has
        # no Start_X). A segment crossing the box with both ends outside is missed.
        return (f"((({item}.Type == 'Track' || {item}.Type == 'Arc') && "
                f"(({inside('Start_X', 'Start_Y')}) || ({inside('End_X', 'End_Y')}))) || "
                f"(({item}.Type == 'Via' || {item}.Type == 'Pad') && "
                f"{inside('Position_X', 'Position_Y')}))")

    def via_where(self, item: str) -> str:
        """Expression true when via ``item`` has its centre in ``via_box``."""
        x0, y0, x1, y1 = (mm_text(v) for v in self.via_box)
        return (f"{item}.Position_X >= {x0} && {item}.Position_X <= {x1} && "
                f"{item}.Position_Y >= {y0} && {item}.Position_Y <= {y1}")


def _floor_um(v: float) -> float:
    """Round a minimum down to whole µm, so nm rounding of exact geometry never trips it [mm]."""
    return math.floor(v * 1000 + _EPS_MM) / 1000


def _ceil_um(v: float) -> float:
    """Round a maximum up to whole µm [mm]."""
    return math.ceil(v * 1000 - _EPS_MM) / 1000


def fab_threshold(limit_mm: float) -> float:
    """The value below which the report calls a fab minimum broken, rounded down to µm [mm]."""
    return _floor_um(fab_minimum(limit_mm) - TOLERANCE_MM)


def _box_mm(box_nm) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) / NM_PER_MM for v in box_nm)
    return _floor_um(x0), _floor_um(y0), _ceil_um(x1), _ceil_um(y1)


def _scope(model: BoardModel, arr: AreaArray) -> Scope:
    pitch = max(arr.pitch_x_nm, arr.pitch_y_nm)
    ref = arr.footprint.ref or "?"
    if not _SAFE_REF.match(ref):
        ref = re.sub(r"[^A-Za-z0-9_.\-+/#]", "_", ref)
    return Scope(ref, _box_mm(area_box(model, arr.ball_pads, 0.75 * pitch)),
                 _box_mm(area_box(model, arr.ball_pads, pitch)),
                 "scoped by the boxes the report checks: vias with their centre within 0.75 "
                 "pitch of the ball copper, other copper within one pitch")


@dataclass(frozen=True)
class ProjectLimits:
    """The project's own minimums that a generated constraint must not go below [mm].

    ``net_classes`` maps every net class of the project file to its clearance; KiCad's implicit
    clearance between two items is the larger of their classes' and the board minimum.
    """

    clearance: float
    hole_clearance: float
    track_width: float
    through_drill: float
    microvia_drill: float
    annular: float
    net_classes: dict
    source: str


def project_limits(model: BoardModel) -> ProjectLimits:
    """The board setup minimums (from the model) and every net class clearance (from the
    project file next to the board, else the model's Default class)."""
    s = model.settings
    classes = {str(k): float(v) / NM_PER_MM for k, v in (s.netclass_clearance_nm or {}).items()}
    source = "board setup"
    pro = os.path.splitext(model.path)[0] + ".kicad_pro" if model.path else ""
    if pro and os.path.isfile(pro):
        try:
            with open(pro, encoding="utf-8") as fh:
                doc = json.load(fh)
            found = {}
            for nc in (doc.get("net_settings") or {}).get("classes") or []:
                c = nc.get("clearance") if isinstance(nc, dict) else None
                if isinstance(nc.get("name"), str) and isinstance(c, (int, float)):
                    found[nc["name"]] = float(c)
            if found:
                classes, source = found, f"board setup and {os.path.basename(pro)}"
        except (OSError, ValueError, AttributeError):
            pass
    return ProjectLimits(
        clearance=s.min_clearance_nm / NM_PER_MM, hole_clearance=s.min_hole_clearance_nm / NM_PER_MM,
        track_width=s.min_track_width_nm / NM_PER_MM,
        through_drill=s.min_through_drill_nm / NM_PER_MM,
        microvia_drill=s.min_microvia_drill_nm / NM_PER_MM,
        annular=s.min_via_annular_nm / NM_PER_MM, net_classes=classes, source=source)


class _Writer:
    """Collects rules as text, each preceded by ``# source`` comments."""

    def __init__(self, name_prefix: str, rs):
        self.prefix, self.rs, self.lines = name_prefix, rs, []
        self.names: list[str] = []

    def rule(self, name: str, why: str, keys: Iterable[str], constraint: str, condition: str):
        self.lines.append(f"# {why}")
        for k in dict.fromkeys(keys):
            self.lines.append(f"#   {k} = {_value_text(self.rs[k].value)}: {self.rs.source(k)}")
        full = f"{self.prefix} {name}"
        self.names.append(full)
        self.lines += [f'(rule "{full}"', "  (severity error)", f"  (constraint {constraint})",
                       f'  (condition "{condition}"))', ""]

    def skip(self, what: str, why: str):
        self.lines += [f"# not generated: {what}: {why}", ""]


def _value_text(v) -> str:
    return f"{v:.6g} mm" if isinstance(v, float) else str(v)


def rules_for_array(model: BoardModel, arr: AreaArray, options, scope: Scope,
                    limits: Optional[ProjectLimits] = None) -> list[str]:
    """The rule lines for one BGA (comments included): the fab tier's minimums in its area,
    where they are stricter than the project's own settings."""
    rs = rules_for(model, arr, options)
    lim = limits or project_limits(model)
    w = _Writer(f"bga-check {scope.ref}", rs)
    a, av = scope.where("A"), scope.via_where("A")
    tier = rs.fab_tier
    micro_ok = bool(rs.microvia_available) and bool(rs.microvia_drill_min_mm)
    hdi = "(A.isMicroVia() || A.isBlindBuriedVia())"

    # 1. copper clearance (report: clearance.<pair>, error), zones keep their own
    if rs.min_space_mm:
        v = fab_threshold(rs.min_space_mm)
        nominal = f"the {tier} tier's {_mm(rs.min_space_mm)}"
        low = {n: c for n, c in lim.net_classes.items() if c < v - _EPS_MM}
        if lim.clearance >= v - _EPS_MM:
            w.skip("copper clearance", f"the board setup minimum {_mm(lim.clearance)} already "
                   f"asks at least {_mm(v)}")
        elif not low:
            w.skip("copper clearance", f"every net class clearance ({lim.source}) already asks "
                   f"at least {_mm(v)}")
        else:
            safe = sorted(n for n in low if _SAFE_NAME.match(n))
            cond = f"{a} && A.Type != 'Zone' && B.Type != 'Zone'"
            if len(safe) < len(lim.net_classes):
                def member(x):
                    return "(" + " || ".join(f"{x}.NetClass == '{n}'" for n in safe) + ")"
                cond += f" && {member('A')} && {member('B')}" if safe else " && false"
                who = f"nets of class {', '.join(safe)} (clearance below {_mm(v)})"
            else:
                who = "every net (all classes ask less)"
            w.rule(f"clearance: copper spacing below {nominal}",
                   f"copper clearance in the BGA area, for {who}: the fab minimum less the 2 % "
                   "metric twin and 1 µm, as the report judges it", ["min_space_mm"],
                   f"clearance (min {mm_text(v)})", cond)
        if lim.hole_clearance >= v - _EPS_MM:
            w.skip("copper to hole clearance", f"the board setup minimum "
                   f"{_mm(lim.hole_clearance)} already asks at least {_mm(v)}")
        else:
            w.rule(f"clearance: copper to a via hole below {nominal}",
                   "copper to a via hole where the via has no pad on the layer (unused pads "
                   "removed), held to the same minimum", ["min_space_mm"],
                   f"hole_clearance (min {mm_text(v)})",
                   f"{a} && A.Type != 'Zone' && B.Type != 'Zone'")

    # 2. track width (report: fab.trace_width, error)
    if rs.min_trace_w_mm:
        v = fab_threshold(rs.min_trace_w_mm)
        if lim.track_width >= v - _EPS_MM:
            w.skip("track width", f"the board setup minimum {_mm(lim.track_width)} already asks "
                   f"at least {_mm(v)}")
        else:
            w.rule(f"fab.trace_width: track narrower than the {tier} tier's "
                   f"{_mm(rs.min_trace_w_mm)}",
                   f"tracks in the BGA area narrower than {_mm(v)} (a disallow rule: kicad-cli "
                   "9.0.8 names no rule in a track_width minimum violation)", ["min_trace_w_mm"],
                   "disallow track",
                   f"(A.Type == 'Track' || A.Type == 'Arc') && A.Width < {mm_text(v)} && {a}")

    # 3. via holes (report: fab.min_drill, error): through vias at the drill minimum; microvias
    #    and blind vias at the microvia minimum where the tier builds them (else one board error)
    if rs.min_drill_mm:
        v = fab_threshold(rs.min_drill_mm)
        if lim.through_drill >= v - _EPS_MM:
            w.skip("via hole", f"the board setup minimum {_mm(lim.through_drill)} already asks "
                   f"at least {_mm(v)}")
        else:
            w.rule(f"fab.min_drill: via hole below the {tier} tier's {_mm(rs.min_drill_mm)}",
                   f"through vias in the BGA area drilled below {_mm(v)} (a disallow rule: "
                   "kicad-cli 9.0.8 names no rule in a hole_size violation)", ["min_drill_mm"],
                   "disallow via",
                   f"A.Type == 'Via' && !{hdi} && A.Hole < {mm_text(v)} && {av}")
    if micro_ok:
        v = fab_threshold(rs.microvia_drill_min_mm)
        if min(lim.microvia_drill, lim.through_drill) >= v - _EPS_MM:
            w.skip("microvia hole", f"the board setup minimums already ask at least {_mm(v)}")
        else:
            w.rule(f"fab.min_drill: microvia hole below the {tier} tier's "
                   f"{_mm(rs.microvia_drill_min_mm)}",
                   f"microvias and blind vias in the BGA area drilled below {_mm(v)}",
                   ["microvia_drill_min_mm", "microvia_available"], "disallow via",
                   f"A.Type == 'Via' && {hdi} && A.Hole < {mm_text(v)} && {av}")

    # 4. annular ring (report: fab.annular_ring, error)
    if rs.annular_ring_min_mm:
        v = fab_threshold(rs.annular_ring_min_mm)
        if lim.annular >= v - _EPS_MM:
            w.skip("annular ring", f"the board setup minimum {_mm(lim.annular)} already asks at "
                   f"least {_mm(v)}")
        else:
            which = "" if micro_ok else f" && !{hdi}"
            w.rule(f"fab.annular_ring: via ring below the {tier} tier's "
                   f"{_mm(rs.annular_ring_min_mm)}",
                   f"annular ring of the vias in the BGA area"
                   f"{'' if micro_ok else ' (through vias: the tier builds no microvias)'}",
                   ["annular_ring_min_mm"], f"annular_width (min {mm_text(v)})",
                   f"A.Type == 'Via'{which} && {av}")
    return w.lines


def generate_rules(model: BoardModel, arrays: list[AreaArray], options) -> str:
    """The generated block (markers included) for every array, deterministic for equal input."""
    profile = getattr(options, "profile", None) or "ug1099"
    tier = getattr(options, "fab_tier", None) or "standard"
    limits = project_limits(model)
    out = [BEGIN,
           f"# bga-check {__version__}: profile {profile}, fab tier {tier}; lengths in mm.",
           "# Only the fab minimums the bga-check report calls errors, where the project's own",
           "# settings ask less; this block comes before the project's rules, which win where",
           "# both set a constraint. `bga-check rules BOARD.kicad_pcb` regenerates it,",
           "# `--remove` takes it out again; edits here are replaced.",
           ""]
    if not arrays:
        out += ["# no BGA detected on this board", ""]
    for arr in arrays:
        fp = arr.footprint
        scope = _scope(model, arr)
        rs = rules_for(model, arr, options)
        out += [f"# {fp.ref} ({fp.fpid}): pitch {mm_text(arr.pitch_x_nm / 1e6)} x "
                f"{mm_text(arr.pitch_y_nm / 1e6)}; {rs.match}; {scope.why}", ""]
        out += rules_for_array(model, arr, options, scope, limits)
    out.append(END)
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- reading a rules file

def top_level(text: str) -> list[tuple[int, int, int]]:
    """The top-level S-expressions of a rules file as (start, end, line): offsets into ``text``
    (end after the closing parenthesis) and the 1-based line of the opening one.

    ``#`` starts a comment outside strings; strings are double-quoted with backslash escapes.
    Raises DruSyntaxError (with the line) for a parenthesis or quote that does not close.
    """
    out: list[tuple[int, int, int]] = []
    depth, line, start, start_line = 0, 1, 0, 1
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
        elif ch == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        elif ch == '"':
            j, q_line = i + 1, line
            while j < n and text[j] != '"':
                if text[j] == "\\":
                    j += 1
                elif text[j] == "\n":
                    line += 1
                j += 1
            if j >= n:
                raise DruSyntaxError("a string that does not close", q_line)
            i = j
        elif ch == "(":
            if depth == 0:
                start, start_line = i, line
            depth += 1
        elif ch == ")":
            if depth == 0:
                raise DruSyntaxError("a ')' without its '('", line)
            depth -= 1
            if depth == 0:
                out.append((start, i + 1, start_line))
        i += 1
    if depth:
        raise DruSyntaxError("a '(' that does not close", start_line)
    return out


_VERSION_RE = re.compile(r"\(\s*version\s+\d+\s*\)\Z")


def _version_expr(text: str, exprs: list[tuple[int, int, int]]) -> Optional[tuple[int, int, int]]:
    """The first top-level expression when it is a version clause."""
    if exprs and _VERSION_RE.match(text[exprs[0][0]:exprs[0][1]]):
        return exprs[0]
    return None


def probe_rules(text: str) -> str:
    """``text`` with PROBE_RULE appended as its last rule (newline-separated)."""
    sep = "" if not text or text.endswith("\n") else "\n"
    return f"{text}{sep}{PROBE_RULE}"


def find_unparsed(text: str, parses: Callable[[str], bool]) -> Optional[tuple[int, str]]:
    """Where a rules file stops parsing: None when ``parses(probe_rules(text))`` holds, else
    (1-based line, what) of the first expression KiCad rejects.

    ``parses`` runs KiCad on a rules text and tells whether its probe rule fired. The search
    adds the file's top-level expressions one at a time by bisection (a handful of kicad-cli
    runs on a tiny board), so that the line named is the first one that breaks the file.
    """
    try:
        exprs = top_level(text)
    except DruSyntaxError as exc:
        return exc.line, str(exc)
    if parses(probe_rules(text)):
        return None
    if _version_expr(text, exprs) is None:
        return 1, "no (version 1) clause first: KiCad reads no rule from such a file"
    if not parses(probe_rules(text[:exprs[0][1]])):
        return exprs[0][2], "it does not accept this version clause"
    if parses(probe_rules(text[:exprs[-1][1]])):  # every expression parses: the trailer breaks
        return exprs[-1][2], "the text after the last rule"
    lo, hi = 1, len(exprs)  # the first lo expressions parse, the first hi do not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if parses(probe_rules(text[:exprs[mid - 1][1]])):
            lo = mid
        else:
            hi = mid
    s, e, line = exprs[hi - 1]
    first = text[s:e].splitlines()[0].strip()
    return line, f"it stops at `{first[:80]}`"


# ---------------------------------------------------------------- merge and remove

def _find_block(text: str) -> Optional[tuple[int, int]]:
    """Start and end offsets of our block (end after its newline), None if absent."""
    lines = text.splitlines(keepends=True)
    pos, start = 0, None
    for line in lines:
        stripped = line.strip()
        if stripped == BEGIN and start is None:
            start = pos
        elif stripped == END and start is not None:
            return start, pos + len(line)
        pos += len(line)
    if start is not None:
        raise DruError(f"'{BEGIN}' without '{END}': fix the rules file by hand first")
    return None


def _newline(text: str) -> str:
    """The file's line ending: CRLF when most of its lines end so, else LF."""
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf >= text.count("\n") - crlf else "\n"


def _flags(block: str) -> Optional[set[str]]:
    """What the merge that wrote ``block`` added besides it; None for a block without the record
    (written by bga-check before 2026-12: placed last, after one blank line)."""
    for line in block.splitlines():
        if line.startswith(MERGE_MARK):
            return {f.strip() for f in line[len(MERGE_MARK):].split(",") if f.strip()} - {"-"}
    return None


def _take_out(text: str) -> tuple[str, set[str], bool]:
    """``text`` without our block(s) and what the first block's merge had added; the flag says
    whether a block was found. Restores what the merge changed: the file comes back as it was."""
    found = _find_block(text)
    if not found:
        return text, set(), False
    start, end = found
    flags = _flags(text[start:end])
    before, after = text[:start], text[end:]
    if flags is None:  # legacy: "\n" + block appended at the end
        flags = set()
        if not after.strip() and before.endswith(("\n\n", "\r\n\r\n")):
            before = before[:-len(_newline(before))]
    elif "line break before" in flags:
        nl = "\r\n" if before.endswith("\r\n") else "\n"
        before = before[:-len(nl)] if before.endswith(nl) else before
    rest = before + after
    while _find_block(rest):  # a second copy (hand-merged files): drop it
        s2, e2 = _find_block(rest)
        rest = rest[:s2] + rest[e2:]
    return rest, flags, True


def merge_rules(existing_text: Optional[str], generated_block: str) -> str:
    """A project's rules with our block at the top: right after the version clause, or first
    with a version clause of its own when the file has none (KiCad reads no rule from a file
    without one). A block already in the file, wherever it is, is replaced there.

    Every byte of the project's text is kept; the file's line ending (LF or CRLF) is used for
    the block. ``remove_rules`` gives back the text as it was before the first merge.
    """
    created = existing_text is None
    text, old_flags, had_block = _take_out(existing_text or "")
    if had_block:
        created = "new file" in old_flags
    nl = _newline(text) if text else "\n"
    lines = generated_block.rstrip("\n").split("\n")
    if lines[0] != BEGIN or lines[-1] != END:
        raise ValueError("generated block without its markers")
    body = lines[1:-1]
    try:
        exprs = top_level(text)
    except DruSyntaxError:
        exprs = []
    version = _version_expr(text, exprs)
    flags = []
    if created:
        flags.append("new file")
    if version is not None:
        cut = text.find("\n", version[1])
        tail = text[version[1]:len(text) if cut < 0 else cut].strip()
        if cut >= 0 and (not tail or tail.startswith("#")):
            pos, lead = cut + 1, ""
        else:  # the file ends on the version line, or a rule follows on it
            pos, lead = (len(text) if cut < 0 else version[1]), nl
            flags.append("line break before")
        extra = []
    else:
        pos, lead, extra = 0, "", [VERSION_LINE]
    mark = [MERGE_MARK + (", ".join(flags) if flags else "-")]
    block = nl.join([BEGIN] + mark + extra + body + [END]) + nl
    return text[:pos] + lead + block + text[pos:]


def remove_rules(text: str) -> tuple[Optional[str], bool]:
    """The rules file without our block, as it was before the first merge; (None, True) when
    the merge created the file and nothing else is in it (delete it). The flag is False when
    the text holds no block (nothing to do)."""
    rest, flags, found = _take_out(text)
    if not found:
        return text, False
    if "new file" in flags:
        if not rest.strip():
            return None, True
        try:
            has_version = _version_expr(rest, top_level(rest)) is not None
        except DruSyntaxError:
            has_version = True
        if not has_version:  # rules the user added to a file we made: keep them readable
            rest = VERSION_LINE + _newline(rest) + rest
    return rest, True
