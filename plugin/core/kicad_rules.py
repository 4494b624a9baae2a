"""KiCad 9 custom design rules for each detected BGA: the fab tier's minimums, as text.

``generate_rules`` writes, per area array, only what the bga-check report itself calls an error
(README, "Severity"): copper clearance, track width, via hole and annular ring below the chosen
fab tier's minimum. The vendor's recommendations (route widths and spacings, via sizes, the via
grid), which the report rates as warnings or notes, are not rules: KiCad would report them as
errors. Each rule is scoped to the area the report checks around one BGA (a box around its
balls), carries ``(severity error)`` and is named after the report rule it mirrors, e.g.
``bga-check U1 fab.min_drill: via hole below the standard tier's 0.2 mm``.

Never looser than the project: a constraint is generated only where the project's own setting
is below it (board setup minimum, net class clearance), and ``kicad_rules_file.merge_rules``
puts the block before every rule of the project's, so that where a project rule sets the same
constraint, the project's rule decides. Via holes and track widths are rules of their own kind
(``disallow`` with a size condition): kicad-cli 9.0.8 names no rule in a ``hole_size`` or
``track_width`` minimum violation ("board setup constraints min hole"), and those constraints
would replace a project's ``hole_size`` rule. Host-free: no pcbnew, no kicad-cli.
"""
from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Optional

from .._version import __version__
from .context import rules_for
from .detect import AreaArray
from .geometry import area_box
from .kicad_rules_file import BEGIN, END
from .model import BoardModel
from .options import CheckOptions
from .units import NM_PER_MM, fab_minimum

__all__ = ["TOLERANCE_MM", "Scope", "ProjectLimits", "mm_text", "fab_threshold",
           "project_limits", "rules_for_array", "generate_rules"]

TOLERANCE_MM = 0.001
"""The report passes a value within 1 µm of a fab minimum (checks/land.py SLACK_MM, geometry
DIST_TOL_NM): the generated minimum is the same threshold, rounded down to whole µm."""
_SAFE_REF = re.compile(r"^[A-Za-z0-9_.\-+/#]+$")
"""References usable inside a rule name as they are (no quotes); others are spelt with _."""
_SAFE_NAME = re.compile(r"^[^'\"\\]+$")
"""Net class names usable inside a rule condition (no quotes, no backslash)."""
_EPS_MM = 1e-6
Box = tuple[float, float, float, float]
"""x0, y0, x1, y1 [mm], axis-aligned in board coordinates."""


def mm_text(v: float) -> str:
    """A length for a rules file: up to 6 decimals (1 nm), trailing zeros dropped [mm].

    Examples
    --------
    >>> mm_text(0.1), mm_text(0.0), mm_text(-0.0000001)
    ('0.1mm', '0mm', '0mm')
    """
    text = f"{v:.6f}".rstrip("0").rstrip(".")
    return f"{'0' if text in ('', '-0') else text}mm"


def _mm(v: float) -> str:
    """A length for a comment or rule name: up to 4 decimals, unit appended."""
    return f"{v:.4f}".rstrip("0").rstrip(".") + " mm"


def _inside(item: str, px: str, py: str, box: Box) -> str:
    """Expression true when the point (``item.px``, ``item.py``) lies in ``box``."""
    x0, y0, x1, y1 = (mm_text(v) for v in box)
    return (f"{item}.{px} >= {x0} && {item}.{px} <= {x1} && "
            f"{item}.{py} >= {y0} && {item}.{py} <= {y1}")


@dataclass(frozen=True)
class Scope:
    """Where a BGA's rules apply: the areas the report itself checks, as KiCad expressions.

    ``via_box``: the box the via checks use (ball copper plus 0.75 pitch all round, via
    centres inside); ``area_box``: the box of the clearance and channel checks (ball copper plus
    one pitch). Both x0, y0, x1, y1 [mm], axis-aligned in board coordinates, rounded outwards to
    whole µm. The same boxes as the report's, so that KiCad and the report judge the same items.
    """

    ref: str
    via_box: Box
    area_box: Box
    why: str

    def where(self, item: str, box: Optional[Box] = None) -> str:
        """Expression true when item ``item`` ('A' or 'B') lies in the box.

        The box is ``area_box`` by default; a via or pad lies in it by its centre, a track or
        arc by either end.
        """
        b = box or self.area_box
        # Tracks and arcs have Start/End, vias and pads a Position (kicad-cli 9.0.8: a via has
        # no Start_X). A segment crossing the box with both ends outside is missed.
        return (f"((({item}.Type == 'Track' || {item}.Type == 'Arc') && "
                f"(({_inside(item, 'Start_X', 'Start_Y', b)}) || "
                f"({_inside(item, 'End_X', 'End_Y', b)}))) || "
                f"(({item}.Type == 'Via' || {item}.Type == 'Pad') && "
                f"{_inside(item, 'Position_X', 'Position_Y', b)}))")

    def via_where(self, item: str) -> str:
        """Expression true when via ``item`` has its centre in ``via_box``."""
        return _inside(item, "Position_X", "Position_Y", self.via_box)


def _floor_um(v: float) -> float:
    """Round a minimum down to whole µm, so nm rounding of exact geometry never trips it [mm]."""
    return math.floor(v * 1000 + _EPS_MM) / 1000


def _ceil_um(v: float) -> float:
    """Round a maximum up to whole µm [mm]."""
    return math.ceil(v * 1000 - _EPS_MM) / 1000


def fab_threshold(limit_mm: float) -> float:
    """The value below which the report calls a fab minimum broken, rounded down to µm [mm].

    Examples
    --------
    >>> fab_threshold(0.1)
    0.097
    """
    return _floor_um(fab_minimum(limit_mm) - TOLERANCE_MM)


def _box_mm(box_nm: Sequence[float]) -> Box:
    """A box [nm] in mm, rounded outwards to whole µm."""
    x0, y0, x1, y1 = (float(v) / NM_PER_MM for v in box_nm)
    return _floor_um(x0), _floor_um(y0), _ceil_um(x1), _ceil_um(y1)


def _scope(model: BoardModel, arr: AreaArray) -> Scope:
    """The boxes the report checks around one array, and its reference as a rule name part."""
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
    net_classes: dict[str, float]
    source: str


def _project_class_clearances(pro: str) -> dict[str, float]:
    """Clearance [mm] per net class of a ``.kicad_pro`` file; empty when it has none or is bad."""
    found: dict[str, float] = {}
    try:
        with open(pro, encoding="utf-8") as fh:
            doc = json.load(fh)
        for nc in (doc.get("net_settings") or {}).get("classes") or []:
            c = nc.get("clearance") if isinstance(nc, dict) else None
            if isinstance(nc.get("name"), str) and isinstance(c, (int, float)):
                found[nc["name"]] = float(c)
    except (OSError, ValueError, AttributeError):
        return {}
    return found


def project_limits(model: BoardModel) -> ProjectLimits:
    """The project's minimums: board setup (from the model) and every net class clearance.

    The net class clearances come from the project file next to the board, else from the
    model's classes.

    Parameters
    ----------
    model : BoardModel
        The board; ``model.path`` locates its ``.kicad_pro``.

    Returns
    -------
    ProjectLimits
        Every limit in mm, and which files they were read from.
    """
    s = model.settings
    classes = {str(k): float(v) / NM_PER_MM for k, v in (s.netclass_clearance_nm or {}).items()}
    source = "board setup"
    pro = os.path.splitext(model.path)[0] + ".kicad_pro" if model.path else ""
    if pro and os.path.isfile(pro):
        found = _project_class_clearances(pro)
        if found:
            classes, source = found, f"board setup and {os.path.basename(pro)}"
    return ProjectLimits(
        clearance=s.min_clearance_nm / NM_PER_MM,
        hole_clearance=s.min_hole_clearance_nm / NM_PER_MM,
        track_width=s.min_track_width_nm / NM_PER_MM,
        through_drill=s.min_through_drill_nm / NM_PER_MM,
        microvia_drill=s.min_microvia_drill_nm / NM_PER_MM,
        annular=s.min_via_annular_nm / NM_PER_MM, net_classes=classes, source=source)


def _value_text(v: Any) -> str:
    """A rule value for a source comment."""
    return f"{v:.6g} mm" if isinstance(v, float) else str(v)


class _Writer:
    """The rules of one BGA as text lines, each rule preceded by ``# source`` comments.

    Holds what every rule family reads: the rule set, the project's limits and the scope's
    conditions (``a`` for any item in the area, ``av`` for a via in the via box).
    """

    HDI = "(A.isMicroVia() || A.isBlindBuriedVia())"
    """Condition true for a microvia or blind/buried via."""

    def __init__(self, rs: Any, limits: ProjectLimits, scope: Scope):
        self.rs, self.lim = rs, limits
        self.prefix = f"bga-check {scope.ref}"
        self.a, self.av = scope.where("A"), scope.via_where("A")
        self.tier: str = rs.fab_tier
        self.micro_ok = bool(rs.microvia_available) and bool(rs.microvia_drill_min_mm)
        self.lines: list[str] = []

    def rule(self, name: str, why: str, keys: Iterable[str], constraint: str,
             condition: str) -> None:
        """One rule named ``<prefix> <name>``, after its reason and the sources of its keys."""
        self.lines.append(f"# {why}")
        for k in dict.fromkeys(keys):
            self.lines.append(f"#   {k} = {_value_text(self.rs[k].value)}: {self.rs.source(k)}")
        self.lines += [f'(rule "{self.prefix} {name}"', "  (severity error)",
                       f"  (constraint {constraint})", f'  (condition "{condition}"))', ""]

    def skip(self, what: str, why: str) -> None:
        """A comment saying why a rule is not generated."""
        self.lines += [f"# not generated: {what}: {why}", ""]

    def project_asks(self, what: str, setting_mm: float, threshold: float,
                     setting: str = "") -> bool:
        """Whether the project's own setting already asks at least ``threshold`` [mm].

        When it does, the rule is not generated: a comment says so, naming the setting
        (``setting``: the words before "at least", default the board setup minimum).
        """
        if setting_mm < threshold - _EPS_MM:
            return False
        said = setting or f"the board setup minimum {_mm(setting_mm)} already asks"
        self.skip(what, f"{said} at least {_mm(threshold)}")
        return True


def _clearance(w: _Writer) -> None:
    """Copper clearance (report: clearance.<pair>, error); zones keep their own."""
    rs, lim = w.rs, w.lim
    v = fab_threshold(rs.min_space_mm)
    nominal = f"the {w.tier} tier's {_mm(rs.min_space_mm)}"
    low = {n: c for n, c in lim.net_classes.items() if c < v - _EPS_MM}
    not_zones = f"{w.a} && A.Type != 'Zone' && B.Type != 'Zone'"
    if w.project_asks("copper clearance", lim.clearance, v):
        pass
    elif not low:
        w.skip("copper clearance", f"every net class clearance ({lim.source}) already asks "
               f"at least {_mm(v)}")
    else:
        safe = sorted(n for n in low if _SAFE_NAME.match(n))
        cond = not_zones
        if len(safe) < len(lim.net_classes):
            def member(x: str) -> str:
                return "(" + " || ".join(f"{x}.NetClass == '{n}'" for n in safe) + ")"
            cond += f" && {member('A')} && {member('B')}" if safe else " && false"
            who = f"nets of class {', '.join(safe)} (clearance below {_mm(v)})"
        else:
            who = "every net (all classes ask less)"
        w.rule(f"clearance: copper spacing below {nominal}",
               f"copper clearance in the BGA area, for {who}: the fab minimum less the 2 % "
               "metric twin and 1 µm, as the report judges it", ["min_space_mm"],
               f"clearance (min {mm_text(v)})", cond)
    if not w.project_asks("copper to hole clearance", lim.hole_clearance, v):
        w.rule(f"clearance: copper to a via hole below {nominal}",
               "copper to a via hole where the via has no pad on the layer (unused pads "
               "removed), held to the same minimum", ["min_space_mm"],
               f"hole_clearance (min {mm_text(v)})", not_zones)


def _track_width(w: _Writer) -> None:
    """Track width (report: fab.trace_width, error)."""
    v = fab_threshold(w.rs.min_trace_w_mm)
    if not w.project_asks("track width", w.lim.track_width, v):
        w.rule(f"fab.trace_width: track narrower than the {w.tier} tier's "
               f"{_mm(w.rs.min_trace_w_mm)}",
               f"tracks in the BGA area narrower than {_mm(v)} (a disallow rule: kicad-cli "
               "9.0.8 names no rule in a track_width minimum violation)", ["min_trace_w_mm"],
               "disallow track",
               f"(A.Type == 'Track' || A.Type == 'Arc') && A.Width < {mm_text(v)} && {w.a}")


def _via_holes(w: _Writer) -> None:
    """Via holes (report: fab.min_drill, error).

    Through vias at the drill minimum; microvias and blind vias at the microvia minimum where
    the tier builds them (else the report has one board error).
    """
    rs, lim = w.rs, w.lim
    if rs.min_drill_mm:
        v = fab_threshold(rs.min_drill_mm)
        if not w.project_asks("via hole", lim.through_drill, v):
            w.rule(f"fab.min_drill: via hole below the {w.tier} tier's {_mm(rs.min_drill_mm)}",
                   f"through vias in the BGA area drilled below {_mm(v)} (a disallow rule: "
                   "kicad-cli 9.0.8 names no rule in a hole_size violation)", ["min_drill_mm"],
                   "disallow via",
                   f"A.Type == 'Via' && !{w.HDI} && A.Hole < {mm_text(v)} && {w.av}")
    if w.micro_ok:
        v = fab_threshold(rs.microvia_drill_min_mm)
        if not w.project_asks("microvia hole", min(lim.microvia_drill, lim.through_drill), v,
                              "the board setup minimums already ask"):
            w.rule(f"fab.min_drill: microvia hole below the {w.tier} tier's "
                   f"{_mm(rs.microvia_drill_min_mm)}",
                   f"microvias and blind vias in the BGA area drilled below {_mm(v)}",
                   ["microvia_drill_min_mm", "microvia_available"], "disallow via",
                   f"A.Type == 'Via' && {w.HDI} && A.Hole < {mm_text(v)} && {w.av}")


def _annular_ring(w: _Writer) -> None:
    """Annular ring (report: fab.annular_ring, error)."""
    v = fab_threshold(w.rs.annular_ring_min_mm)
    if not w.project_asks("annular ring", w.lim.annular, v):
        which = "" if w.micro_ok else f" && !{w.HDI}"
        w.rule(f"fab.annular_ring: via ring below the {w.tier} tier's "
               f"{_mm(w.rs.annular_ring_min_mm)}",
               f"annular ring of the vias in the BGA area"
               f"{'' if w.micro_ok else ' (through vias: the tier builds no microvias)'}",
               ["annular_ring_min_mm"], f"annular_width (min {mm_text(v)})",
               f"A.Type == 'Via'{which} && {w.av}")


def rules_for_array(model: BoardModel, arr: AreaArray, options: CheckOptions, scope: Scope,
                    limits: Optional[ProjectLimits] = None) -> list[str]:
    """The rule lines for one BGA, comments included.

    The fab tier's minimums in its area, where they are stricter than the project's own
    settings, in the order clearance, track width, via holes, annular ring.

    Parameters
    ----------
    model : BoardModel
        The board.
    arr : AreaArray
        One detected array.
    options : CheckOptions
        Profile, fab tier and project overrides (as ``check`` resolves them).
    scope : Scope
        The array's boxes.
    limits : ProjectLimits, optional
        The project's minimums; read from ``model`` when absent.

    Returns
    -------
    list of str
        Lines without line endings.
    """
    rs = rules_for(model, arr, options)
    w = _Writer(rs, limits or project_limits(model), scope)
    if rs.min_space_mm:
        _clearance(w)
    if rs.min_trace_w_mm:
        _track_width(w)
    _via_holes(w)
    if rs.annular_ring_min_mm:
        _annular_ring(w)
    return w.lines


def generate_rules(model: BoardModel, arrays: list[AreaArray], options: CheckOptions) -> str:
    """The generated block, markers included, for every array; deterministic for equal input.

    Parameters
    ----------
    model : BoardModel
        The board.
    arrays : list of AreaArray
        The detected arrays (``detect.detect_arrays``).
    options : CheckOptions
        Resolved options (``api.resolve_options``): profile and fab tier.

    Returns
    -------
    str
        The block for ``kicad_rules_file.merge_rules``, newline-terminated.
    """
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
