"""What the KiCad front ends draw on the board for one Report, as host-free drawing primitives.

The SWIG ActionPlugin (``kicad/report_layer.py``) and the IPC front end map each ``Primitive``
1:1 to a board item (circle, segment, rectangle, text) on their annotation layer, so both draw
exactly the same picture, and this module is tested without KiCad.

What is drawn, and why. Sizes were chosen in the real 9.0.8 editor, framed on two BGAs (about
20 px per mm): while a front layer is active KiCad draws every front layer (copper, silkscreen,
mask, fab, courtyard) over the user layers, so thin strokes and small text vanish under
copper and zones; hence large, bold text and strokes of 0.03 mm and up. The layer is chosen for
its colour (``REPORT_LAYERS``).

- **Only warnings and errors** (``finding_codes``): notes live in the reports and the results
  window's "info" filter. Each drawn finding carries its code (``E1``, ``W3``: its row in the
  results window).
- **One symbol per spot**: findings at one place (rounded to 1 um) share it. Sizes follow the
  ball spacing ``e`` of the BGA (the pitch; for a staggered array the distance to the next row's
  ball): a ring (stroke at least 0.03 mm); an error adds an X inside the ring, a warning is the
  plain ring. As a rule a BGA has a few flagged spots, none within 1.5 e of another: then the
  ring has radius ``SYMBOL_R_FREE`` = 0.45 e and stroke 0.08 e, so it shows around the land or
  the via pad (which KiCad draws over it), and the code is ``CODE_H_FREE`` = 0.4 e high. Where
  flagged spots are neighbours: radius ``SYMBOL_R`` = 0.28 e, stroke 0.06 e and code height
  ``CODE_H`` = 0.27 e (less where the stroke's minimum narrows the band), so that every ball of
  a full grid carries its code in the free band between two ball rows; where the longest code
  of such a BGA is wider than ``FIT_W`` = 0.85 pitch, all its codes shrink to that width (not
  below 0.15 e). The code sits centred above the ring, else below, right, left or half a pitch
  aside, else where it overlaps least (an array box's outline counts as taken: a code on it
  would not read). Codes inside a fanned-out array stay partly under lands and via pads.
- **Per BGA** one outline (the array box: ball centres plus one pitch on every side, which holds
  the codes of the outer balls), drawn with its summary text's stroke (0.2-0.3 mm: box and block
  read as one mark, and it shows beside the package's own fab and silkscreen outlines), and one
  summary block of three short lines, what a designer needs at a glance (the rest is in the
  results window): the ref and verdict with its error and warning counts ("U2: FAIL
  (1 error)"; notes are not drawn), balls and pitch, standoff. Its text is 0.11 x the array
  box's shorter side high, kept within 1.0-1.5 mm (1.2 mm on a 10 x 10 ball 1 mm BGA, 1.0 mm
  on smaller ones), at stroke height / 5 (KiCad's bold). The block goes beside the array box:
  above, right, below, left (each aligned to the box's start, end and centre), then the same
  further out in steps of one text line, until it overlaps no array box, block, symbol or code.
  A block pushed away from its box gets a leader line to it. Larger BGAs are placed first.
- **Board-level findings** (no detected BGA): a symbol where they have a place, and one "board"
  block listing their codes beside the area they and the BGAs cover, so that none is only in
  the window. A board finding without a place (0, 0) is listed in the block only.

Text size estimates (``text_rect``) are KiCad 9.0.8's stroke font at thickness height / 5,
measured with pcbnew's ``GetEffectiveTextShape``: each character advances a whole number of
1/21 x height (``_ADVANCE``, the Hershey font's units: 16/21 for a space, 20/21 for a digit,
26/21 for "+", whatever the thickness), the last one's ink reaches up to 0.14 x height past its
advance (``OVERHANG`` = 0.15), and lines are 1.61 x height apart (``LINE_PITCH`` = 1.62). Text
is anchored at its left edge or centre and vertically centred; the ink reaches 0.65 x height
above the centre of the top line (0.70 for "4" and "/"; ``ASCENT`` = 0.70, or ``ASCENT_HIGH`` =
0.80 with brackets) and 0.55 below that of the bottom line (``DESCENT`` = 0.56), or 0.93 with
descenders and brackets (``DESCENT_LOW`` = 0.94).
Coordinates are board mm, y down; every coordinate is rounded to 1 nm so that re-runs give
byte-identical boards.
"""
from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, replace
from typing import Optional

from ..core.report import BgaSummary, Finding, Report, severity_rank
from ..core.verdict import verdict as core_verdict
from .finding_codes import finding_codes

__all__ = ["Primitive", "Spot", "layout", "spots", "code_text", "text_rect", "text_width",
           "array_box", "ball_spacing_mm", "UUID_PREFIX", "uuid_for", "is_ours", "bga_label",
           "assembly_line", "verdict", "block_height_mm", "REPORT_LAYERS"]

UUID_PREFIX = "b9acc4ec"
"""First 8 hex digits of every UUID the annotations get: their tag on the board."""
_NAMESPACE = uuid.UUID("6f0c1d52-2a59-4c1e-9a43-5b1a3f0e7c11")

SYMBOL_R, SYMBOL_R_FREE = 0.28, 0.45
"""Ring radius / ball spacing: around a typical land (0.5 e across), clear of the next ball's;
where no other flagged spot of the BGA is within 1.5 e, larger, outside a via pad (KiCad draws
the front copper over the ring)."""
STROKE, STROKE_FREE = 0.06, 0.08
"""Ring and X line width / ball spacing (at least ``MIN_STROKE_MM``), compact and free."""
MIN_STROKE_MM = 0.03
CODE_H, CODE_H_FREE = 0.27, 0.4
"""Code text height / ball spacing: its ink (1.26 x height) fills the 0.35 e band between two
rows of rings; where no other flagged spot of the BGA is within 1.5 e, larger."""
GAP = 0.015
"""Gap between a ring and its code / ball spacing."""
MIN_CODE_H = 0.15
"""Smallest code height / ball spacing a crowded label is shrunk to."""
FIT_W = 0.85
"""Widest code / ball spacing in a crowded array: a gap between the codes of neighbours."""
BLOCK_H_PER_BOX, BLOCK_H_MIN_MM, BLOCK_H_MAX_MM = 0.11, 1.0, 1.5
"""Summary text height: 0.11 x the array box's shorter side, kept within 1.0-1.5 mm: large
enough to read over copper at the zoom that frames the BGA, not larger on big packages."""
TEXT_STROKE = 1 / 5
"""Text stroke thickness / text height: KiCad's bold (its default is 1/8, which vanishes)."""
BOARD_BLOCK_LINES, BOARD_BLOCK_H_MM = 8, BLOCK_H_MIN_MM
"""Board-level findings listed by name in the board block (more become "+n more"); its text
height [mm]."""
REPORT_LAYERS = (7, 3, 5, 1, 9, 8, 6, 4, 2)
"""User layers (User.N) in the order the front ends take a free one for the annotations.

Neither KiCad API can set a layer's colour, so the layer is chosen for its default colour in
KiCad 9's theme (``builtin_color_themes.h``). While a front layer is active (F.Cu, as a rule)
KiCad draws every front layer over the user layers, so the text must differ from all of them:
User.7 and User.3 pale cyan (180, 219, 210) stand out on red copper, yellow silkscreen, grey
F.Fab text, green or red zones and the dark background; User.5 and User.1 light grey
(194, 194, 194) read as well but look like F.Fab's (175, 175, 175) part values drawn on top;
User.9 (232, 178, 167) is pink like copper, User.8 and User.4 (216, 200, 82) yellow like
silkscreen, User.6 and User.2 (89, 148, 220) dark blue like B.Cu. The higher of each pair
first: designers take User.1 and up for their own drawings."""
DEFAULT_SPACING_MM = 1.0
"""Symbol scale for findings on no detected BGA."""
LINE_PITCH, OVERHANG = 1.62, 0.15
ASCENT, ASCENT_HIGH, DESCENT, DESCENT_LOW = 0.70, 0.80, 0.56, 0.94
"""KiCad 9.0.8 stroke-font metrics / text height (see the module docstring)."""
_ADVANCE = {c: n / 21 for n, chars in (
    (8, "`"), (10, "iIj!',.:;"), (11, "l"), (12, "ft^"), (13, "r"), (14, "()[]{}\\"), (15, "~"),
    (16, 'vyJT"*_ '), (17, "ksxzL"), (18, "ceAFVY?"), (19, "abdghnopquE"),
    (20, "0123456789SXZ$|"), (21, "BCDGKPR#"), (22, "wHNOQU/"), (24, "MW%"),
    (26, "&+-<=>±×"), (27, "@"), (28, "m")) for c in chars}
"""Advance of each character / text height in KiCad 9.0.8's stroke font (any other: 28/21)."""
_HIGH = set("()[]{}|$#\\")
_NO_DESCENDER = set("ABCDEFGHIJKLMNOPRSTUVWXYZabcdefhiklmnorstuvwxz0123456789+-=:.*!?%&'\"±× ")


@dataclass(frozen=True)
class Primitive:
    """One item to draw: a ring, a line, a rectangle outline or a text, in board mm (y down).

    ``a``: circle centre, segment start, rectangle corner or text anchor; ``b``: a point on the
    circle, the segment end or the opposite corner. ``width_mm`` is the stroke (for text, the
    font's stroke thickness); ``height_mm`` the text height (width = height). ``key`` is unique
    within a run and the same in every run with the same result: it seeds the item's UUID
    (``uuid_for``). ``role`` says what the item shows: "symbol", "code", "box", "summary",
    "leader" or "board".
    """

    kind: str
    key: str
    a: tuple[float, float]
    b: tuple[float, float] = (0.0, 0.0)
    text: str = ""
    height_mm: float = 0.0
    width_mm: float = 0.05
    justify: str = "left"
    severity: str = ""
    codes: tuple[str, ...] = ()
    role: str = ""


@dataclass(frozen=True)
class Spot:
    """One drawn place: its worst severity, codes and findings (for KiCad markers and tests)."""

    x_mm: float
    y_mm: float
    severity: str
    codes: tuple[str, ...]
    findings: tuple[Finding, ...]
    spacing_mm: float
    """Ball spacing the symbol is sized by [mm]."""


def uuid_for(key: str) -> str:
    """The UUID an annotation with this key gets: ``UUID_PREFIX`` + a hash of the key."""
    tail = uuid.uuid5(_NAMESPACE, key).hex[8:]
    return str(uuid.UUID(UUID_PREFIX + tail))


def is_ours(uuid_text: str) -> bool:
    """True for a UUID an annotation of this tool carries."""
    return uuid_text.lower().startswith(UUID_PREFIX)


def verdict(report: Report, ref: str, severity: Optional[str] = None) -> str:
    """'FAIL (2 errors, 1 warning)', 'PASS (1 info)' or 'PASS' for one BGA.

    PASS or FAIL is ``core.verdict`` at ``severity`` (default: the run's own, as for the exit
    code of ``bga-check check``); the counts are every finding of the BGA.
    """
    judged = core_verdict(report, severity, ref=ref)
    counts = list(judged.counts.items())[::-1]  # error first
    parts = [f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts if n]
    return f"{judged.word} ({', '.join(parts)})" if parts else judged.word


def _fmt(x) -> str:
    return f"{x:.3f}".rstrip("0").rstrip(".") if isinstance(x, (int, float)) else str(x)


def _fmt_pitch(x: float) -> str:
    """A pitch as designers write it: "1.0", "0.65", "1.27"."""
    text = _fmt(x)
    return text if "." in text else f"{text}.0"


def bga_label(report: Report, bga: BgaSummary, profile: str = "") -> str:
    """Summary block of one BGA, three short lines: what a designer needs at a glance.

    "U2: FAIL (1 error)" (the verdict with the error and warning counts; notes are not drawn),
    "100 balls @ 1.0 mm", "standoff 0.413 mm" (when known). The profile, grid, tolerances and
    assembly review are in the results window and the reports. ``profile`` is accepted for the
    callers' sake; the block no longer names it.
    """
    del profile
    px, py = (_fmt_pitch(v) for v in bga.pitch_mm)
    pitch = px if px == py else f"{px} x {py}"
    judged = core_verdict(report, None, ref=bga.ref)
    counts = [f"{n} {s}{'s' if n != 1 else ''}" for s, n in list(judged.counts.items())[::-1]
              if n and s in ("error", "warning")]
    lines = [f"{bga.ref}: {judged.word}" + (f" ({', '.join(counts)})" if counts else ""),
             f"{bga.balls} balls @ {pitch} mm"]
    standoff = bga.extra.get("standoff") or {}  # written by core/checks/standoff.py
    if standoff.get("height_mm") is not None:
        lines.append(f"standoff {_fmt(standoff['height_mm'])} mm")
    return "\n".join(lines)


def assembly_line(bga: BgaSummary) -> str:
    """One line from the assembly review (core/checks/assembly.py): warpage margin and X-ray."""
    a = bga.extra.get("assembly") or {}
    if not a.get("xray"):
        return ""
    margin = a.get("warpage_margin_mm")
    text = ""
    if margin is not None:
        text = (f"warpage margin {margin:+.3f} mm" + ("" if a.get("warpage_given") else " (typ.)")
                + "; ")
    return f"{text}X-ray {a['xray'].get('advice', 'advised')}"


def ball_spacing_mm(bga: BgaSummary) -> float:
    """Distance from a ball to its nearest neighbour [mm].

    The pitch, or for a staggered array (rows half a pitch apart, shifted half a column) the
    diagonal to the next row.
    """
    px, py = (float(v) for v in bga.pitch_mm)
    if px <= 0 or py <= 0:
        return DEFAULT_SPACING_MM
    return min(px, py, math.hypot(px / 2, py / 2)) if bga.staggered else min(px, py)


def array_box(bga: BgaSummary) -> Rect:
    """The array box (x0, y0, x1, y1) [mm]: the balls plus one pitch on every side.

    The balls are the report's ball table, or the grid from rows, columns, pitch and rotation
    about the footprint's position when it has none.
    """
    margin = max(bga.pitch_mm)
    balls = bga.extra.get("balls") or []
    if balls:
        xs = [b["x_mm"] for b in balls]
        ys = [b["y_mm"] for b in balls]
        return (min(xs) - margin, min(ys) - margin, max(xs) + margin, max(ys) + margin)
    w, h = (bga.cols - 1) * bga.pitch_mm[0], (bga.rows - 1) * bga.pitch_mm[1]
    c, s = abs(math.cos(math.radians(bga.rot_deg))), abs(math.sin(math.radians(bga.rot_deg)))
    hx, hy = (w * c + h * s) / 2 + margin, (w * s + h * c) / 2 + margin
    return (bga.x_mm - hx, bga.y_mm - hy, bga.x_mm + hx, bga.y_mm + hy)


def code_text(codes) -> str:
    """Codes at one spot as one short label: "W3"; "E1+2" for E1 and E2; "E1+W4"."""
    out = []
    for i, code in enumerate(codes):
        out.append(code[1:] if i and code[0] == codes[i - 1][0] else code)
    return "+".join(out)


def text_width(line: str) -> float:
    """Ink width of a line / text height: its characters' advances plus the last one's overhang."""
    return sum(_ADVANCE.get(c, 28 / 21) for c in line) + (OVERHANG if line else 0.0)


def text_rect(anchor, text: str, height: float, justify: str = "left") -> Rect:
    """Estimated ink box (x0, y0, x1, y1) of a text anchored at its left edge or centre."""
    lines = text.split("\n")
    w = max(text_width(line) for line in lines) * height
    half = (len(lines) - 1) * LINE_PITCH * height / 2
    high = ASCENT_HIGH if set(lines[0]) & _HIGH else ASCENT
    low = DESCENT if set(lines[-1]) <= _NO_DESCENDER else DESCENT_LOW
    x0 = anchor[0] if justify == "left" else anchor[0] - w / 2
    return (x0, anchor[1] - half - high * height, x0 + w, anchor[1] + half + low * height)


Rect = tuple[float, float, float, float]
"""(x0, y0, x1, y1) [mm], x0 <= x1 and y0 <= y1."""


def _overlap(a: Rect, b: Rect) -> float:
    """Area two rectangles share (0 when they only touch)."""
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


class Occupied:
    """Rectangles already taken, bucketed on a 2 mm grid.

    A query reads its neighbours only: a fully flagged 784-ball array has 1,568 labels and
    symbols.
    """

    CELL_MM = 2.0

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[Rect]] = {}
        self.large: list[Rect] = []
        self.all: list[Rect] = []

    def _keys(self, r: Rect):
        c = self.CELL_MM
        i0, i1 = math.floor(r[0] / c), math.floor(r[2] / c)
        j0, j1 = math.floor(r[1] / c), math.floor(r[3] / c)
        if (i1 - i0 + 1) * (j1 - j0 + 1) > 64:
            return None
        return [(i, j) for i in range(i0, i1 + 1) for j in range(j0, j1 + 1)]

    def add(self, r: Rect) -> None:
        """Take a rectangle."""
        self.all.append(r)
        keys = self._keys(r)
        if keys is None:
            self.large.append(r)
        else:
            for k in keys:
                self.cells.setdefault(k, []).append(r)

    def _near(self, r: Rect) -> list[Rect]:
        keys = self._keys(r)
        if keys is None:
            return self.all
        near = {id(o): o for k in keys for o in self.cells.get(k, ())}
        return list(near.values()) + self.large

    def hits(self, r: Rect) -> bool:
        """True when ``r`` overlaps a taken rectangle."""
        return any(_overlap(r, o) > 0 for o in self._near(r))

    def overlap(self, r: Rect) -> float:
        """Area of ``r`` that taken rectangles cover (summed)."""
        return sum(_overlap(r, o) for o in self._near(r))

    def bounds(self) -> Optional[Rect]:
        """Box around everything taken, or None."""
        if not self.all:
            return None
        return (min(o[0] for o in self.all), min(o[1] for o in self.all),
                max(o[2] for o in self.all), max(o[3] for o in self.all))


def _placed(f: Finding, refs) -> bool:
    """A finding has a place unless it is board-level and left at the origin."""
    return f.ref in refs or (f.x_mm, f.y_mm) != (0.0, 0.0)


def spots(report: Report) -> list[Spot]:
    """The drawn places, in results-window order of their first code (E1's spot first)."""
    spacing = {b.ref: ball_spacing_mm(b) for b in report.bgas}
    groups: dict[tuple[int, int], list[tuple[str, Finding]]] = {}
    for code, f in finding_codes(report):
        if _placed(f, spacing):
            groups.setdefault((round(f.x_mm * 1000), round(f.y_mm * 1000)), []).append((code, f))
    out = []
    for coded in groups.values():
        found = tuple(f for _, f in coded)
        worst = max((f.severity for f in found), key=severity_rank)
        out.append(Spot(found[0].x_mm, found[0].y_mm, worst, tuple(c for c, _ in coded), found,
                        min(spacing.get(f.ref, DEFAULT_SPACING_MM) for f in found)))
    return out


def _r(p) -> tuple[float, float]:
    return (round(p[0], 6), round(p[1], 6))


def _stroke(e: float, per_e: float = STROKE) -> float:
    """Ring and X width for ball spacing ``e`` [mm]."""
    return round(max(MIN_STROKE_MM, per_e * e), 6)


def _text_stroke(h: float) -> float:
    return round(h * TEXT_STROKE, 6)


def block_height_mm(box: Rect) -> float:
    """Summary text height for an array box: 0.11 x its shorter side, within 1.0-1.5 mm."""
    side = min(box[2] - box[0], box[3] - box[1])
    return min(BLOCK_H_MAX_MM, max(BLOCK_H_MIN_MM, BLOCK_H_PER_BOX * side))


def _symbol(spot: Spot, key: str, r: float, w: float) -> list[Primitive]:
    x, y = spot.x_mm, spot.y_mm
    ring = Primitive("circle", key + "|ring", _r((x, y)), _r((x + r, y)), width_mm=w,
                     severity=spot.severity, codes=spot.codes, role="symbol")
    if spot.severity != "error":
        return [ring]
    d = r * math.sqrt(0.5)
    return [ring, replace(ring, kind="segment", key=key + "|x1", a=_r((x - d, y - d)),
                          b=_r((x + d, y + d))),
            replace(ring, kind="segment", key=key + "|x2", a=_r((x - d, y + d)),
                    b=_r((x + d, y - d)))]


def _code_spots(spot: Spot, text: str, h: float, r: float, w: float):
    """Candidate (anchor, justify) for a code: above, below, right, left, half a pitch aside."""
    e, x, y = spot.spacing_mm, spot.x_mm, spot.y_mm
    off = r + w / 2 + GAP * e
    up, down = y - off - DESCENT * h, y + off + ASCENT * h
    wide = text_width(text) * h
    return [((x, up), "center"), ((x, down), "center"),
            ((x + off, y), "left"), ((x - off - wide, y), "left"),
            ((x + e / 2, up), "center"), ((x - e / 2, up), "center"),
            ((x + e / 2, down), "center"), ((x - e / 2, down), "center")]


def _crowded(points: list[tuple[float, float]], within: float) -> bool:
    """True when two of the points are closer than ``within`` (bucketed, not all pairs)."""
    cells: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for p in points:
        cells.setdefault((math.floor(p[0] / within), math.floor(p[1] / within)), []).append(p)
    for (i, j), mine in cells.items():
        near = [q for di in (-1, 0, 1) for dj in (-1, 0, 1)
                for q in cells.get((i + di, j + dj), ())]
        if any(p is not q and math.dist(p, q) < within for p in mine for q in near):
            return True
    return False


def _sizes(drawn: list[Spot]) -> list[tuple[float, float, float]]:
    """(ring radius, code height, ring stroke) per spot [mm], one size per ball spacing.

    Where the BGA has flagged neighbours (two spots within 1.5 pitches): rings of ``SYMBOL_R``
    and codes of ``CODE_H`` x spacing (or what fits the band between two rows of rings, where
    the stroke's minimum widens the rings), and where its longest code would be wider than
    ``FIT_W`` pitch, all its codes shrink to that width (not below ``MIN_CODE_H``), so that a
    full grid reads as one code above every ring. Elsewhere ``SYMBOL_R_FREE``,
    ``CODE_H_FREE`` and ``STROKE_FREE``: larger, for the few findings a BGA has as a rule.
    """
    groups: dict[float, list[int]] = {}
    for i, s in enumerate(drawn):
        groups.setdefault(s.spacing_mm, []).append(i)
    sizes = [(0.0, 0.0, 0.0)] * len(drawn)
    for e, members in groups.items():
        if not _crowded([(drawn[i].x_mm, drawn[i].y_mm) for i in members], 1.5 * e):
            size = (SYMBOL_R_FREE * e, CODE_H_FREE * e, _stroke(e, STROKE_FREE))
        else:
            longest = max(text_width(code_text(drawn[i].codes)) for i in members)
            band = e - 2 * ((SYMBOL_R + GAP) * e + _stroke(e) / 2)
            h = min(CODE_H * e, band / (ASCENT + DESCENT))
            if longest * h > FIT_W * e:
                h = max(MIN_CODE_H * e, FIT_W * e / longest)
            size = (SYMBOL_R * e, h, _stroke(e))
        for i in members:
            sizes[i] = size
    return sizes


def _place_code(spot: Spot, size: tuple[float, float, float],
                occupied: Occupied) -> tuple[tuple, str, Rect]:
    """Anchor, justify and box of a spot's code.

    The first free candidate, else the one that overlaps least.
    """
    text = code_text(spot.codes)
    r, h, w = size
    tried = []
    for anchor, justify in _code_spots(spot, text, h, r, w):
        rect = text_rect(anchor, text, h, justify)
        if not occupied.hits(rect):
            return anchor, justify, rect
        tried.append((occupied.overlap(rect), anchor, justify, rect))
    _, anchor, justify, rect = min(tried, key=lambda t: t[0])
    return anchor, justify, rect


def _block_spot(box: Rect, size: tuple[float, float], step: float, occupied: Occupied):
    """(rect, pushed) for a block of ``size`` beside ``box``: the four sides, then further out."""
    bw, bh = size
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    xs = (box[0], box[2] - bw, cx - bw / 2)
    ys = (box[1], box[3] - bh, cy - bh / 2)
    limit = occupied.bounds()
    for k in range(100_000):
        d = step / 2 + k * step
        cands = [(x, box[1] - d - bh) for x in xs] + [(box[2] + d, y) for y in ys]
        cands += [(x, box[3] + d) for x in xs] + [(box[0] - d - bw, y) for y in ys]
        rects = [(x, y, x + bw, y + bh) for x, y in cands]
        for rect in rects:
            if not occupied.hits(rect):
                return rect, k > 0
        if limit is None or all(_overlap(r, limit) == 0 for r in rects):
            break  # unreachable: beyond every obstacle a candidate is free
    return rects[0], True


def _leader(box: Rect, block: Rect) -> tuple[tuple, tuple]:
    """From the block's edge facing the box to the box's edge, straight across the gap."""
    if block[3] <= box[1] or block[1] >= box[3]:  # above or below
        x = min(max((block[0] + block[2]) / 2, box[0]), box[2])
        return (x, block[3] if block[3] <= box[1] else block[1]), (
            x, box[1] if block[3] <= box[1] else box[3])
    y = min(max((block[1] + block[3]) / 2, box[1]), box[3])
    return (block[2] if block[2] <= box[0] else block[0], y), (
        box[0] if block[2] <= box[0] else box[2], y)


def _block(key: str, role: str, text: str, h: float, anchor_box: Rect, occupied: Occupied,
           severity: str = "", codes: tuple[str, ...] = ()) -> list[Primitive]:
    size = text_rect((0.0, 0.0), text, h, "left")
    rect, pushed = _block_spot(anchor_box, (size[2] - size[0], size[3] - size[1]),
                               LINE_PITCH * h, occupied)
    occupied.add(rect)
    anchor = (rect[0] - size[0], rect[1] - size[1])  # where text_rect puts the ink in rect
    out = [Primitive("text", key, _r(anchor), text=text,
                     height_mm=round(h, 6), width_mm=_text_stroke(h), severity=severity,
                     codes=codes, role=role)]
    if pushed:
        a, b = _leader(anchor_box, rect)
        out.append(Primitive("segment", key + "|leader", _r(a), _r(b), width_mm=_text_stroke(h),
                             severity=severity, role="leader"))
    return out


def _board_block(report: Report, refs) -> str:
    coded = [(c, f) for c, f in finding_codes(report) if f.ref not in refs]
    if not coded:
        return ""
    lines = [f"{c} {f.rule_id}" + (f" {f.ref}" if f.ref else "")
             for c, f in coded[:BOARD_BLOCK_LINES]]
    more = len(coded) - BOARD_BLOCK_LINES
    return "\n".join(["board:"] + lines + ([f"+{more} more"] if more > 0 else []))


def layout(report: Report, profile: str = "") -> list[Primitive]:
    """Every primitive to draw for one report; the same list for the same report.

    Symbols and codes first, then per BGA its outline and summary, then the board block.
    """
    bgas = sorted(report.bgas, key=lambda b: (-b.balls, b.ref, b.uuid))
    refs = {b.ref for b in bgas}
    drawn = spots(report)
    sizes = _sizes(drawn)
    boxes = {id(b): array_box(b) for b in bgas}
    heights = {id(b): block_height_mm(boxes[id(b)]) for b in bgas}
    occupied = Occupied()
    for s, (r, _, w) in zip(drawn, sizes):
        r += w / 2
        occupied.add((s.x_mm - r, s.y_mm - r, s.x_mm + r, s.y_mm + r))
    for bga in bgas:  # the outline's four sides: no code on a line of its own colour
        (x0, y0, x1, y1), w = boxes[id(bga)], _text_stroke(heights[id(bga)]) / 2
        for side in ((x0, y0, x1, y0), (x0, y1, x1, y1), (x0, y0, x0, y1), (x1, y0, x1, y1)):
            occupied.add((side[0] - w, side[1] - w, side[2] + w, side[3] + w))
    out: list[Primitive] = []
    for s, (r, h, w) in zip(drawn, sizes):
        key = f"spot|{round(s.x_mm * 1000)}|{round(s.y_mm * 1000)}"
        out += _symbol(s, key, r, w)
        anchor, justify, rect = _place_code(s, (r, h, w), occupied)
        occupied.add(rect)
        out.append(Primitive("text", key + "|code", _r(anchor), text=code_text(s.codes),
                             height_mm=round(h, 6), width_mm=_text_stroke(h), justify=justify,
                             severity=s.severity, codes=s.codes, role="code"))
    for box in boxes.values():
        occupied.add(box)
    coded = finding_codes(report)
    for bga in bgas:
        key = f"bga|{bga.ref}|{bga.uuid}"
        box = boxes[id(bga)]
        mine = [(c, f) for c, f in coded if f.ref == bga.ref]
        worst = max((f.severity for _, f in mine), key=severity_rank, default="")
        h = heights[id(bga)]
        out.append(Primitive("rect", key + "|box", _r(box[:2]), _r(box[2:]),
                             width_mm=_text_stroke(h), severity=worst,
                             codes=tuple(c for c, _ in mine), role="box"))
        out += _block(key + "|summary", "summary", bga_label(report, bga, profile), h, box,
                      occupied, worst, tuple(c for c, _ in mine))
    text = _board_block(report, refs)
    if text:
        own = [(s.x_mm, s.y_mm) for s in drawn if not {f.ref for f in s.findings} & refs]
        pts = own or [p for b in boxes.values() for p in (b[:2], b[2:])] or [(0.0, 0.0)]
        area = (min(p[0] for p in pts), min(p[1] for p in pts),
                max(p[0] for p in pts), max(p[1] for p in pts))
        codes = tuple(c for c, f in coded if f.ref not in refs)
        worst = max((f.severity for _, f in coded if f.ref not in refs), key=severity_rank)
        out += _block("board|summary", "board", text, BOARD_BLOCK_H_MM, area, occupied,
                      worst, codes)
    return out
