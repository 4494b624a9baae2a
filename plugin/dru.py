"""KiCad 9 custom design rules (``.kicad_dru``) for each detected BGA, from the chosen profile.

``generate_rules`` turns the RuleSet of every area array into rules scoped to that footprint
(its courtyard, or a box around its balls when it has none); ``merge_rules`` puts that block
into a project's own rules file between marker comments, keeping every other line as it was.
Host-free: no pcbnew. Every value is in mm and every rule is preceded by its sources.

Checked against kicad-cli 9.0.8: it reports nothing when a rules file does not parse and then
applies none of its rules, the project's own included, so only constructs it was seen to accept
are emitted (see tests/kicad/test_dru_generation.py).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Iterable, Optional

from ._version import __version__
from .core.context import rules_for
from .core.detect import AreaArray
from .core.model import BoardModel
from .core.units import fab_minimum

__all__ = ["BEGIN", "END", "DruError", "generate_rules", "merge_rules", "rules_for_array"]

BEGIN = "# bga-check: begin generated rules (do not edit)"
END = "# bga-check: end"
VERSION_LINE = "(version 1)"
_VERSION_RE = re.compile(r"^\s*\(\s*version\s+\d+\s*\)", re.M)
_SAFE_REF = re.compile(r"^[A-Za-z0-9_.\-+/#]+$")
"""References usable inside a rule string: no quotes, and none of KiCad's wildcards * and ?."""
_EPS_MM = 1e-6


def mm_text(v: float) -> str:
    """A length for a rules file: up to 6 decimals (1 nm), trailing zeros dropped [mm]."""
    text = f"{v:.6f}".rstrip("0").rstrip(".")
    return f"{'0' if text in ('', '-0') else text}mm"


class DruError(ValueError):
    """A rules file we cannot merge into safely (a begin marker without its end); one line."""


@dataclass(frozen=True)
class Scope:
    """How a rule finds the items of one BGA: ``where(X)`` is a KiCad expression about item X."""

    ref: str
    courtyard: bool
    box_mm: tuple[float, float, float, float]
    """x0, y0, x1, y1 of the ball field plus half a pitch [mm], used when there is no courtyard."""
    why: str

    def where(self, item: str) -> str:
        """Expression true when item ``item`` ('A' or 'B') lies in or touches the BGA area."""
        if self.courtyard:
            return f"{item}.intersectsCourtyard('{self.ref}')"
        x0, y0, x1, y1 = (mm_text(v) for v in self.box_mm)

        def inside(px, py):
            return (f"{item}.{px} >= {x0} && {item}.{px} <= {x1} && "
                    f"{item}.{py} >= {y0} && {item}.{py} <= {y1}")
        # Tracks and arcs have Start/End, vias and pads a Position (kicad-cli 9.0.8: a via has
        # no Start_X). A segment crossing the box with both ends outside is missed.
        return (f"((({item}.Type == 'Track' || {item}.Type == 'Arc') && "
                f"(({inside('Start_X', 'Start_Y')}) || ({inside('End_X', 'End_Y')}))) || "
                f"(({item}.Type == 'Via' || {item}.Type == 'Pad') && "
                f"{inside('Position_X', 'Position_Y')}))")


def _floor_um(v: float) -> float:
    """Round a minimum down to whole µm, so nm rounding of exact geometry never trips it [mm]."""
    return math.floor(v * 1000 + _EPS_MM) / 1000


def _ceil_um(v: float) -> float:
    """Round a maximum up to whole µm [mm]."""
    return math.ceil(v * 1000 - _EPS_MM) / 1000


def _scope(model: BoardModel, arr: AreaArray, refs_seen: dict) -> Scope:
    fp = arr.footprint
    p = model.pads
    half = max(arr.pitch_x_nm, arr.pitch_y_nm) / 2
    xs, ys = p.x_nm[arr.ball_pads], p.y_nm[arr.ball_pads]
    box = tuple(float(v) / 1e6 for v in (xs.min() - half, ys.min() - half,
                                         xs.max() + half, ys.max() + half))
    box = (_floor_um(box[0]), _floor_um(box[1]), _ceil_um(box[2]), _ceil_um(box[3]))
    if fp.courtyard_nm is None or len(fp.courtyard_nm) < 3:
        why = "no courtyard drawn: scoped by a box around the balls (positions, not shapes)"
    elif not _SAFE_REF.match(fp.ref or ""):
        why = f"reference {fp.ref!r} cannot be named in a rule: scoped by a box around the balls"
    elif refs_seen.get(fp.ref, 0) > 1:
        why = f"reference {fp.ref} is used by {refs_seen[fp.ref]} footprints: scoped by a box"
    else:
        return Scope(fp.ref, True, box, f"scoped by the courtyard of {fp.ref}")
    return Scope(fp.ref, False, box, why)


def _rows(rs, kind: str) -> list[tuple[float, float, str, str]]:
    """The one- and two-route rows (W, S, W key, S key) the fab tier can build, in row order."""
    out = []
    for n in (1, 2):
        wk, sk = f"{kind}_route{n}_w_mm", f"{kind}_route{n}_s_mm"
        w, s = getattr(rs, wk), getattr(rs, sk)
        if w and s and w >= rs.min_trace_w_mm - _EPS_MM and s >= rs.min_space_mm - _EPS_MM:
            out.append((w, s, wk, sk))
    return out


class _Writer:
    """Collects rules as text, each preceded by ``# source`` comments."""

    def __init__(self, name_prefix: str, rs):
        self.prefix, self.rs, self.lines = name_prefix, rs, []

    def rule(self, name: str, why: str, keys: Iterable[str], constraints: list[str],
             condition: str, layer: Optional[str] = None, severity: Optional[str] = None):
        self.lines.append(f"# {why}")
        seen = []
        for k in keys:
            if k not in seen:
                seen.append(k)
                self.lines.append(f"#   {k} = {_value_text(self.rs[k].value)}: {self.rs.source(k)}")
        self.lines.append(f'(rule "{self.prefix} {name}"')
        if layer:
            self.lines.append(f"  (layer {layer})")
        if severity:
            self.lines.append(f"  (severity {severity})")
        for c in constraints:
            self.lines.append(f"  (constraint {c})")
        self.lines.append(f'  (condition "{condition}"))')
        self.lines.append("")


def _value_text(v) -> str:
    return f"{v:.6g} mm" if isinstance(v, float) else str(v)


def rules_for_array(model: BoardModel, arr: AreaArray, options, scope: Scope) -> list[str]:
    """The rule lines for one BGA (comments included), from its pitch's RuleSet."""
    rs = rules_for(model, arr, options)
    w = _Writer(f"bga-check {scope.ref}", rs)
    a, b = scope.where("A"), scope.where("B")
    vip = bool(rs.via_in_pad_expected)
    pad_rows, via_rows = _rows(rs, "pad"), _rows(rs, "via")
    all_rows = pad_rows + via_rows

    # 1. clearance in the area: the smallest spacing the profile's own geometry has (route rows,
    #    and the dog-bone via to its neighbouring lands), not below the fab's; zones keep theirs
    spacings = {sk: s for _, s, _, sk in all_rows}
    if not vip and rs.via_land_clearance_mm and rs.via_land_clearance_mm > 0:
        spacings["via_land_clearance_mm"] = rs.via_land_clearance_mm
    gen = max(rs.min_space_mm, min(spacings.values(), default=rs.min_space_mm))
    gen_keys = ["min_space_mm"] + [k for k, v in spacings.items() if abs(v - gen) < _EPS_MM]
    w.rule("clearance", "copper clearance in the BGA area: the smallest spacing of the profile's "
           "route rows and dog-bone via, not below the fab minimum", gen_keys,
           [f"clearance (min {mm_text(_floor_um(gen))})"],
           f"{a} && A.Type != 'Zone' && B.Type != 'Zone'")

    # 2. track width: lands on the outer layers (UG1099 Table 2), vias on inner ones (Table 3)
    for layer, rows, extra in (("outer", pad_rows, [] if vip else ["dogbone_stub_w_mm"]),
                               ("inner", via_rows, [])):
        if not rows:
            continue
        widths = [r[0] for r in rows] + [getattr(rs, k) for k in extra]
        hi = max(widths)
        keys = ["min_trace_w_mm"] + [r[2] for r in rows] + extra
        w.rule(f"track width {layer}", f"track width on {layer} layers in the BGA area: "
               f"{'between lands' if layer == 'outer' else 'between vias'}: max the widest "
               f"route row{' or the dog-bone stub' if extra else ''}, opt one route, min the fab's",
               keys, [f"track_width (min {mm_text(_floor_um(fab_minimum(rs.min_trace_w_mm)))}) "
                      f"(opt {mm_text(rows[0][0])}) "
                      f"(max {mm_text(_ceil_um(hi))})"], a, layer=layer)

    # 3. track to land (outer) and track to via hole (inner): the route spacing by route count
    for layer, rows, kind in (("outer", pad_rows, "lands"), ("inner", via_rows, "via holes")):
        if not rows:
            continue
        narrow = min(rows, key=lambda r: r[0])
        constraint = "clearance" if kind == "lands" else "hole_clearance"
        other = (f"B.Type == 'Pad' && B.memberOfFootprint('{scope.ref}')" if scope.courtyard
                 else f"B.Type == 'Pad' && {b}") if kind == "lands" else f"B.Type == 'Via' && {b}"
        s_all = min(r[1] for r in rows)
        if s_all > gen + _EPS_MM or kind == "via holes":
            w.rule(f"track to {kind}", f"tracks to {kind} ({layer}): the smallest spacing of "
                   "the route rows", [r[3] for r in rows],
                   [f"{constraint} (min {mm_text(_floor_um(s_all))})"],
                   f"A.Type == 'Track' && {other}", layer=layer)
        wide = [r for r in rows if r[0] > narrow[0] + _EPS_MM]
        if wide:  # a track wider than the two-route width is a one-route track: S1 applies
            w1, s1, wk, sk = wide[0]
            threshold = (w1 + narrow[0]) / 2
            w.rule(f"one route to {kind}", f"tracks wider than the two-route width route alone "
                   f"between {kind} ({layer}) and keep the one-route spacing",
                   [wk, narrow[2], sk], [f"{constraint} (min {mm_text(_floor_um(s1))})"],
                   f"A.Type == 'Track' && A.Width > {mm_text(threshold)} && {other}", layer=layer)

    # 4. vias: size, drill, ring (UG1099 Table 1 gives VD and VH as maxima)
    via_max = rs.via_pad_d_mm
    keys = ["via_pad_d_mm", "via_drill_d_mm", "min_drill_mm", "annular_ring_min_mm"]
    if vip and rs.land_d_mm and rs.land_d_mm < via_max:
        via_max, keys = rs.land_d_mm, keys + ["land_d_mm", "via_in_pad_expected"]
    drill_min = rs.min_drill_mm
    if vip and rs.microvia_drill_min_mm:
        drill_min, keys = rs.microvia_drill_min_mm, keys + ["microvia_drill_min_mm"]
    in_land = ", inside the land (via-in-pad)" if vip else ""
    w.rule("vias", "vias in the BGA area: diameter and finished hole at most the profile's, "
           f"hole and ring at least the fab tier's{in_land}",
           keys, [f"via_diameter (max {mm_text(_ceil_um(via_max))})",
                  f"hole_size (min {mm_text(_floor_um(fab_minimum(drill_min)))}) "
                  f"(max {mm_text(_ceil_um(rs.via_drill_d_mm))})",
                  "annular_width (min "
                  f"{mm_text(_floor_um(fab_minimum(rs.annular_ring_min_mm)))})"],
           f"A.Type == 'Via' && {a}")

    # 5. vias of different nets on the ball grid leave R = e - VH between holes (Table 3)
    if not arr.staggered and rs.route_dist_vias_mm and rs.route_dist_vias_mm > 0:
        w.rule("via grid", "vias of different nets at least one ball pitch apart: "
               "hole to hole = e - VH, the routing channel between vias",
               ["route_dist_vias_mm", "via_drill_d_mm"],
               [f"hole_to_hole (min {mm_text(_floor_um(rs.route_dist_vias_mm))})"],
               f"A.Type == 'Via' && B.Type == 'Via' && A.Net != B.Net && {a} && {b}")

    # 6. via-in-pad pitches: no through (or blind) vias among the lands, microvias only
    if vip:
        w.rule("microvias only", "via-in-pad pitch: only microvias in the lands, no through or "
               "blind vias in the area", ["via_in_pad_expected", "via_drill_d_mm"],
               ["disallow via"], f"A.Type == 'Via' && !A.isMicroVia() && {a}",
               severity="warning")
    return w.lines


def generate_rules(model: BoardModel, arrays: list[AreaArray], options) -> str:
    """The generated block (markers included) for every array, deterministic for equal input."""
    refs: dict = {}
    for arr in arrays:
        refs[arr.footprint.ref] = refs.get(arr.footprint.ref, 0) + 1
    profile = getattr(options, "profile", None) or "ug1099"
    tier = getattr(options, "fab_tier", None) or "standard"
    out = [BEGIN,
           f"# bga-check {__version__}: profile {profile}, fab tier {tier}; lengths in mm.",
           "# Minima are rounded down and maxima up to whole micrometres; a fab minimum stated in mil",
           "# is met by its metric twin (2 % lower: 8 mil = 0.20 mm).",
           "# Re-run `bga-check rules BOARD.kicad_pcb` to regenerate; edits here are replaced.",
           ""]
    if not arrays:
        out += ["# no BGA detected on this board", ""]
    for arr in arrays:
        fp = arr.footprint
        scope = _scope(model, arr, refs)
        rs = rules_for(model, arr, options)
        out += [f"# {fp.ref} ({fp.fpid}): pitch {mm_text(arr.pitch_x_nm / 1e6)} x "
                f"{mm_text(arr.pitch_y_nm / 1e6)}; {rs.match}; {scope.why}", ""]
        out += rules_for_array(model, arr, options, scope)
    out.append(END)
    return "\n".join(out) + "\n"


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


def merge_rules(existing_text: Optional[str], generated_block: str) -> str:
    """A project's rules with our block replaced in place, or appended at the end when new.

    Every other line is kept byte for byte; ``(version 1)`` is added when the file lacks a
    version clause. At the end the block wins over earlier rules (KiCad: later rules take
    precedence), as rules scoped to one footprint should; moved elsewhere, it stays there.
    """
    block = generated_block if generated_block.endswith("\n") else generated_block + "\n"
    text = existing_text or ""
    if not text.strip():
        return f"{VERSION_LINE}\n\n{block}"
    found = _find_block(text)
    if found:
        start, end = found
        rest = text[end:]
        while _find_block(rest):  # a second copy (hand-merged files): drop it
            s2, e2 = _find_block(rest)
            rest = rest[:s2] + rest[e2:]
        return text[:start] + block + rest
    if not _VERSION_RE.search(text):
        text = f"{VERSION_LINE}\n\n{text}"
    if not text.endswith("\n"):
        text += "\n"
    return f"{text}\n{block}"
