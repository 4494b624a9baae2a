"""Area-array detection: which footprints carry a ball grid, and its pitch, size, gaps and A1.

A footprint is an area array when its copper SMD "ball" pads (the dominant, near-isotropic pad
size) sit on a regular grid at a BGA-class pitch and fill an area rather than a perimeter.
Everything is measured in the array's own frame (footprint rotation, bottom-side mirroring and
any residual grid angle removed), so rotation and side never change the answer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from .model import BoardModel, Footprint, PadAttrib
from .units import NM_PER_MM

__all__ = ["AreaArray", "detect_arrays", "detect_footprint", "package_kind", "MAX_PITCH_MM"]

MAX_PITCH_MM = 1.3
"""Largest pitch accepted: 1.27 mm is the coarsest BGA pitch in KiCad's library and vendor
tables; coarser land grids are modules (GPS, radio) rather than ball packages."""
MIN_PITCH_MM = 0.2
MAX_LAND_ASPECT = 1.35
"""Ball lands are round or square; elongated pads (QFN, SOIC, connectors) are not balls."""
MAX_LAND_TO_PITCH = 0.8
"""A land wider than this fraction of the pitch leaves no gap: a chip, LED or crystal pad."""
BALL_NAME = re.compile(r"BGA|CSP|WLP|PicoStar|MicroStar", re.I)
"""Footprint names that say ball package; needed for 2xN fields, which are otherwise ambiguous."""
LGA_NAME = re.compile(r"LGA", re.I)
NOT_ARRAY_NAME = re.compile(
    r"(^|[_:\-])(A?QFN|[TUVWX]?DFN|[TUVWX]?SON|[LTHV]?QFP|SOIC|[TSH]?SOP|SSOP|TSSOP|PLCC)(?=[-_]|$)",
    re.I)
"""Package families that are never area arrays, even when their lands sit in rings (aQFN)."""
STRAY_MAX_FRACTION = 0.1
"""Share of a footprint's ball-shaped pads that may sit off every ball field (local fiducials,
test or alignment pads) and still leave an area array: they are listed as ignored pads."""
STRAY_MIN_BALLS = 16
"""Balls on the grid a footprint needs before off-grid pads are set aside rather than taken as
proof that its pads are no grid at all."""
FIDUCIALS_MAX = 3
"""Off-grid pads beyond the ball field's outer ring (local fiducials at its corners) that are set
aside whatever their share, once the grid holds STRAY_MIN_BALLS balls. Off-grid pads inside the
field's extent are set aside only when the footprint says ball package (name or BGA pad
property) or its grid has balls three rings deep: a module's two-deep ring of lands with a few
odd pads in its empty centre is no area array."""
MIN_FIELD_BALLS = 4
"""Balls a secondary field needs; fewer pads off the main grid are strays, not a field."""
OFF_GRID = "off the ball grid"
OFF_GRID_NO_NET = "off the ball grid, no net (fiducial?)"


@dataclass
class AreaArray:
    """One detected area array; lengths in nm; array frame = footprint frame - residual angle."""

    footprint: Footprint
    ball_pads: np.ndarray
    """Pad-table indices of the balls."""
    row: np.ndarray
    col: np.ndarray
    """Grid indices per ball, 0-based from the array's top-left in the footprint frame
    (at half pitch for staggered arrays; secondary-field balls indexed in their own grid)."""
    pitch_x_nm: float
    pitch_y_nm: float
    rows: int
    cols: int
    staggered: bool
    grid_rot_deg: float
    """Ball-row direction in board coordinates [deg]."""
    depopulated: tuple[str, ...]
    ignored: dict[str, list[str]]
    fields: list[dict] = field(default_factory=list)
    """Secondary ball fields at another pitch (multi-pitch packages)."""
    a1_pad: Optional[int] = None
    a1_corner: str = ""
    depopulated_sites: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.int64))
    """(row, col) grid index of each depopulated site, in the order of ``depopulated``."""
    main_field: Optional[np.ndarray] = None
    """True for balls of the main field (secondary fields have grids of their own)."""

    @property
    def balls(self) -> int:
        """Number of balls (all fields)."""
        return int(len(self.ball_pads))

    @property
    def min_spacing_nm(self) -> float:
        """Smallest ball-to-ball centre distance of the main field [nm].

        The nearest-neighbour pitch; for a staggered array the diagonal to the next row, not
        the in-row pitch.
        """
        return _spacing(self.pitch_x_nm, self.pitch_y_nm, self.staggered)

    @property
    def rule_pitch_nm(self) -> tuple[float, float]:
        """(x, y) pitch [nm] that picks the rule row.

        The grid pitches of a regular array; the nearest-neighbour distance on both axes for a
        staggered one, whose in-row and in-column pitches (``pitch_x_nm``/``pitch_y_nm``, kept
        for geometry) are twice the grid steps and would pick a looser row than the ball
        spacing allows.
        """
        if self.staggered:
            s = self.min_spacing_nm
            return s, s
        return float(self.pitch_x_nm), float(self.pitch_y_nm)


def _spacing(px: float, py: float, staggered: bool) -> float:
    """Nearest ball-to-ball distance of a field with in-row/in-column pitch px, py [nm]."""
    if staggered:  # neighbours sit half a pitch over in each direction, or in the same line
        return float(min(np.hypot(px / 2, py / 2), px, py))
    return float(min(px, py))


def detect_arrays(board: BoardModel) -> list[AreaArray]:
    """Every area array on the board, in footprint order."""
    found = []
    for fp in board.footprints:
        arr = detect_footprint(board, fp)
        if arr is not None:
            found.append(arr)
    return found


def _local_frame(board: BoardModel, fp: Footprint, idx: np.ndarray) -> np.ndarray:
    """Pad centres in the footprint's own frame [nm]: unrotated, and unmirrored on the bottom."""
    pads = board.pads
    dx = pads.x_nm[idx].astype(np.float64) - fp.x_nm
    dy = pads.y_nm[idx].astype(np.float64) - fp.y_nm
    a = np.deg2rad(fp.rot_deg)
    # KiCad's y axis points down and angles are counter-clockwise on screen.
    lx = dx * np.cos(a) - dy * np.sin(a)
    ly = dx * np.sin(a) + dy * np.cos(a)
    if fp.side == "bottom":
        lx = -lx
    return np.column_stack([lx, ly])


def _candidates(board: BoardModel, fp: Footprint):
    """Split a footprint's pads into ball candidates and ignored pads (with the reason)."""
    pads = board.pads
    idx = board.footprint_pads(fp)
    ignored: dict[str, list[str]] = {}

    def ignore(mask, reason):
        for i in idx[mask]:
            ignored.setdefault(reason, []).append(pads.number[i] or "(unnamed)")

    copper = pads.has_copper[idx]
    smd = np.isin(pads.attrib[idx], (PadAttrib.SMD, PadAttrib.CONN))
    ignore(~copper, "aperture without copper (paste or mask only)")
    ignore(copper & ~smd, "through-hole or mounting pad")
    keep = idx[copper & smd]
    if len(keep) == 0:
        return keep, ignored
    w, h = pads.w_nm[keep].astype(float), pads.h_nm[keep].astype(float)
    size = np.minimum(w, h)
    typical = np.median(size)
    aspect = np.maximum(w, h) / np.maximum(size, 1)
    ball_like = (aspect <= MAX_LAND_ASPECT) & (size <= 1.6 * typical) & (size >= 0.5 * typical)
    big = size > 1.6 * typical
    ignore_mask = np.zeros(len(idx), dtype=bool)
    pos = {p: k for k, p in enumerate(idx)}
    for i in keep[big]:
        ignore_mask[pos[i]] = True
    ignore(ignore_mask, "thermal or mounting pad (larger than the balls)")
    ignore_mask[:] = False
    for i in keep[~ball_like & ~big]:
        ignore_mask[pos[i]] = True
    ignore(ignore_mask, "not ball-shaped (elongated or much smaller)")
    return keep[ball_like], ignored


def _grid_angle(xy: np.ndarray) -> float:
    """Residual grid angle [deg] in (-45, 45], from nearest-neighbour directions (4-fold mean)."""
    if len(xy) < 2:
        return 0.0
    order = np.argsort(xy[:, 0] + 1e-3 * xy[:, 1])
    pts = xy[order]
    # Nearest neighbour among the next few points in sort order: enough for a grid.
    best = np.full(len(pts), np.inf)
    vec = np.zeros_like(pts)
    for k in range(1, min(len(pts), 64)):
        d = pts[k:] - pts[:-k]
        dist = np.hypot(d[:, 0], d[:, 1])
        better = dist < best[:-k]
        best[:-k][better] = dist[better]
        vec[:-k][better] = d[better]
    ok = np.isfinite(best)
    if not ok.any():
        return 0.0
    ang = np.arctan2(vec[ok, 1], vec[ok, 0])
    mean4 = np.angle(np.mean(np.exp(4j * ang)))
    deg = float(np.rad2deg(mean4) / 4)
    return 0.0 if abs(deg) < 0.05 else deg


def _cluster(values: np.ndarray, tol: float) -> np.ndarray:
    """Cluster label per value (values closer than tol share a label), in sorted order."""
    order = np.argsort(values)
    labels = np.empty(len(values), dtype=np.int64)
    labels[order] = np.concatenate([[0], np.cumsum(np.diff(values[order]) > tol)])
    return labels


def _line_pitch(along: np.ndarray, across: np.ndarray, tol: float) -> float:
    """Most common gap between neighbours on the same line (row or column) [nm]; 0 if none."""
    lines = _cluster(across, tol)
    order = np.lexsort((along, lines))
    gaps = np.diff(along[order])
    same = np.diff(lines[order]) == 0
    gaps = gaps[same & (gaps > tol)]
    if len(gaps) == 0:
        return 0.0
    q = np.rint(gaps / 500.0).astype(np.int64)  # 0.5 µm bins
    values, counts = np.unique(q, return_counts=True)
    best = values[counts == counts.max()].min()
    return float(gaps[q == best].mean())


def _phase(v: np.ndarray, pitch: float, tol: float):
    """(origin, on-grid mask) for positions along one axis at a given pitch."""
    ph = np.mod(v, pitch)
    q = np.rint(ph / max(tol, 1.0)).astype(np.int64)
    values, counts = np.unique(q, return_counts=True)
    ref = float(np.median(ph[q == values[np.argmax(counts)]]))
    d = np.abs(np.mod(ph - ref + pitch / 2, pitch) - pitch / 2)
    return ref, d <= tol


def _grid_indices(v: np.ndarray, pitch: float, origin: float) -> np.ndarray:
    return np.rint((v - origin) / pitch).astype(np.int64)


def _fit_field(xy: np.ndarray, tol: float):
    """Fit one ball field: regular grid, or staggered (checkerboard) grid.

    Returns (pitch_x, pitch_y, col, row, on_grid, staggered) with full in-row / in-column
    pitches, grid indices at half pitch for staggered fields; None when nothing fits.
    """
    px = _line_pitch(xy[:, 0], xy[:, 1], tol)
    py = _line_pitch(xy[:, 1], xy[:, 0], tol)
    if px == 0 and py == 0:
        return None
    px, py = (px or py), (py or px)
    ox, onx = _phase(xy[:, 0], px, tol)
    oy, ony = _phase(xy[:, 1], py, tol)
    on = onx & ony
    if on.all():
        return px, py, _grid_indices(xy[:, 0], px, ox), _grid_indices(xy[:, 1], py, oy), on, False
    hx, onhx = _phase(xy[:, 0], px / 2, tol)
    hy, onhy = _phase(xy[:, 1], py / 2, tol)
    col, row = _grid_indices(xy[:, 0], px / 2, hx), _grid_indices(xy[:, 1], py / 2, hy)
    parity = (col + row) % 2
    major = np.bincount(parity[onhx & onhy], minlength=2).argmax()
    onh = onhx & onhy & (parity == major)
    if onh.sum() > on.sum():
        return px, py, col, row, onh, True
    return px, py, _grid_indices(xy[:, 0], px, ox), _grid_indices(xy[:, 1], py, oy), on, False


_JEDEC = re.compile(r"^([A-Z]{1,3})(\d{1,3})$")


JEDEC_ROWS = [c for c in "ABCDEFGHJKLMNPRTUVWY"]
JEDEC_ROWS += [a + b for a in "ABCDEFGHJKLMNPRTUVWY" for b in JEDEC_ROWS[:20]]
"""JEP95 row letters: I, O, Q, S, X and Z are skipped; after Y come AA, AB, ..."""


def _names_by_index(numbers, row, col):
    """Row letters and column numbers learnt from JEDEC ball names ("A1", "AB12").

    Rows or columns with no ball at all (a DDR package's empty middle columns) are named too
    when every named one follows the JEDEC sequence at a fixed offset.
    """
    rows, cols = {}, {}
    for name, r, c in zip(numbers, np.asarray(row).tolist(), np.asarray(col).tolist()):
        m = _JEDEC.match(name or "")
        if m:
            rows.setdefault(int(r), m.group(1))
            cols.setdefault(int(c), m.group(2))
    rows = _fill_sequence(rows, lambda name: JEDEC_ROWS.index(name) if name in JEDEC_ROWS else None,
                          lambda k: JEDEC_ROWS[k] if 0 <= k < len(JEDEC_ROWS) else None, row)
    cols = _fill_sequence(cols, int, lambda k: str(k) if k >= 1 else None, col)
    return rows, cols


def _fill_sequence(known: dict, position, name_at, indices) -> dict:
    """Extend index -> name to the unnamed indices when all names sit at one offset."""
    if not known:
        return known
    offsets = {position(n) - i if position(n) is not None else None for i, n in known.items()}
    if len(offsets) != 1:
        return known
    (k,) = offsets
    if k is None:
        return known
    filled = dict(known)
    for i in range(int(min(indices)), int(max(indices)) + 1):
        if i not in filled and name_at(i + k) is not None:
            filled[i] = name_at(i + k)
    return filled


MAX_FIELDS = 3
"""Ball fields at different pitch or phase one package may hold (ST's multi-pitch TFBGA/VFBGA)."""


def _fit(xy: np.ndarray, tol: float, named: bool = False):
    """Main field plus secondary fields (multi-pitch packages) and the pads left off every field.

    Returns (px, py, col, row, on, staggered, fields, strays), strays being indices into xy;
    None when no grid fits or too many pads are left off it (see ``_strays_allowed``).
    """
    main = _fit_field(xy, tol)
    if main is None:
        return None
    px, py, col, row, on, staggered = main
    col, row = col.copy(), row.copy()
    fields: list[dict] = []
    left = np.flatnonzero(~on)
    while len(left) >= MIN_FIELD_BALLS and len(fields) + 1 < MAX_FIELDS:
        part = _fit_field(xy[left], tol)
        if (part is None or part[4].sum() < MIN_FIELD_BALLS
                or not _ball_pitch(part[0], part[1], part[5])):
            break
        took = left[part[4]]
        col[took], row[took] = part[2][part[4]], part[3][part[4]]
        fields.append({"balls": int(len(took)), "staggered": bool(part[5]),
                       "pitch_mm": [round(part[0] / NM_PER_MM, 4), round(part[1] / NM_PER_MM, 4)]})
        left = left[~part[4]]
    if len(left) and not _strays_allowed(xy, on, row, col, left, tol, named):
        return None
    return px, py, col, row, on, staggered, fields, left


def _ball_pitch(px: float, py: float, staggered: bool) -> bool:
    """Whether a field's pitch is in the BGA class.

    A secondary field of four corner pads ten millimetres apart is not a ball field.
    """
    return (_spacing(px, py, staggered) >= MIN_PITCH_MM * NM_PER_MM
            and max(px, py) <= MAX_PITCH_MM * NM_PER_MM)


def _strays_allowed(xy: np.ndarray, main: np.ndarray, row: np.ndarray, col: np.ndarray,
                    strays: np.ndarray, tol: float, named: bool) -> bool:
    """Whether the pads off every field can be set aside and the grid kept.

    The grid must hold STRAY_MIN_BALLS balls. Strays all beyond the main field's outer ring
    (fiducials) may be FIDUCIALS_MAX pads or STRAY_MAX_FRACTION of the ball-shaped pads; strays
    inside its extent at most that fraction, and only in a footprint that says ball package
    (``named``) or whose grid has balls three rings deep.
    """
    n, k = len(xy), len(strays)
    if n - k < STRAY_MIN_BALLS:
        return False
    few = k <= STRAY_MAX_FRACTION * n
    lo, hi = xy[main].min(axis=0) - tol, xy[main].max(axis=0) + tol
    beyond = ((xy[strays] < lo) | (xy[strays] > hi)).any(axis=1)
    if beyond.all():
        return few or k <= FIDUCIALS_MAX
    if not few:
        return False
    r, c = row[main] - row[main].min(), col[main] - col[main].min()
    depth = np.minimum(np.minimum(r, r.max() - r), np.minimum(c, c.max() - c))
    return named or bool((depth >= 2).any())


def detect_footprint(board: BoardModel, fp: Footprint) -> Optional[AreaArray]:
    """The area array of one footprint, or None when its pads are not an area array."""
    if fp.pad_stop - fp.pad_start < 4:  # too few pads for a grid: most footprints end here
        return None
    balls, ignored = _candidates(board, fp)
    if len(balls) < 4:
        return None
    pads = board.pads
    local = _local_frame(board, fp, balls)
    land = float(np.median(np.minimum(pads.w_nm[balls], pads.h_nm[balls])))
    tol = max(0.1 * land, 5_000.0)
    named = _says_ball_package(board, fp, balls)
    ang, xy = 0.0, local
    fit = _fit(xy, tol, named)
    if fit is None:
        # Footprints are drawn axis-aligned; only a grid drawn at an angle needs this.
        ang = _grid_angle(local)
        a = np.deg2rad(-ang)
        rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        xy = local @ rot.T
        fit = _fit(xy, tol, named) if ang else None
    if fit is None:
        return None
    px, py, col, row, on, staggered, fields, strays = fit
    if len(strays):
        ignored = _set_aside(board, balls[strays], ignored)
        keep = np.ones(len(balls), dtype=bool)
        keep[strays] = False
        balls, col, row, on = balls[keep], col[keep], row[keep], on[keep]
    col = col - col[on].min()
    row = row - row[on].min()
    cols, rows = int(col[on].max()) + 1, int(row[on].max()) + 1
    spacing = _spacing(px, py, staggered)
    if not _is_area_array(board, fp, balls, land, px, py, spacing, rows, cols,
                          row[on], col[on]):
        return None
    phase = int((col[on][0] + row[on][0]) % 2) if staggered else 0
    depop, sites = _depopulated(pads.number, balls[on], row[on], col[on], rows, cols, staggered,
                                phase)
    a1, corner = _a1(pads.number, balls, row, col, rows, cols)
    rot_total = (fp.rot_deg + (ang if fp.side == "top" else -ang)) % 360.0
    return AreaArray(footprint=fp, ball_pads=balls, row=row, col=col, pitch_x_nm=px,
                     pitch_y_nm=py, rows=rows, cols=cols, staggered=staggered,
                     grid_rot_deg=rot_total, depopulated=depop, ignored=ignored, fields=fields,
                     a1_pad=a1, a1_corner=corner, depopulated_sites=sites, main_field=on)


def _says_ball_package(board: BoardModel, fp: Footprint, balls: np.ndarray) -> bool:
    """The footprint name or its pads' BGA property say ball package."""
    return bool(BALL_NAME.search(fp.fpid.split(":")[-1])) or bool(
        board.pads.bga_property[balls].any())


def _set_aside(board: BoardModel, pads: np.ndarray, ignored: dict) -> dict:
    """``ignored`` plus the off-grid pads, with a fiducial hint for those on no net."""
    out = {k: list(v) for k, v in ignored.items()}
    for i in pads:
        reason = OFF_GRID_NO_NET if board.pads.net[i] <= 0 else OFF_GRID
        out.setdefault(reason, []).append(board.pads.number[i] or "(unnamed)")
    return out


def _is_area_array(board, fp, balls, land, px, py, spacing, rows, cols, row, col) -> bool:
    """The shape tests that separate ball grids from QFNs, connectors, LEDs and crystals."""
    pitch_mm = max(px, py) / NM_PER_MM
    if not (MIN_PITCH_MM <= spacing / NM_PER_MM and pitch_mm <= MAX_PITCH_MM):
        return False
    if rows < 2 or cols < 2:
        return False
    if land > MAX_LAND_TO_PITCH * spacing:
        return False
    name = fp.fpid.split(":")[-1]
    if NOT_ARRAY_NAME.search(name):
        return False
    pads = board.footprint_pads(fp)
    holes = bool((board.pads.drill_nm[pads] > 0).any())
    if holes or rows < 3 or cols < 3:
        # Ball packages have no holes; small 2xN round-pad fields (Tag-Connect, LEDs, LGA
        # sensors) are only taken when the footprint or its pads say ball package.
        return bool(BALL_NAME.search(name)) or bool(board.pads.bga_property[balls].any())
    copper_smd = board.pads.has_copper[pads] & np.isin(board.pads.attrib[pads],
                                                      (PadAttrib.SMD, PadAttrib.CONN))
    if len(balls) < 0.5 * copper_smd.sum():
        return False  # a module whose centre ground grid is a minority of its lands
    # An area array has balls inside its outer ring; a ring alone is a perimeter package,
    # unless the name says ball package (small CSPs with an empty centre).
    interior = ((row > 0) & (row < rows - 1) & (col > 0) & (col < cols - 1)).any()
    return bool(interior) or bool(BALL_NAME.search(name))


def package_kind(fp: Footprint) -> str:
    """'LGA' for land-grid packages (no balls: the joint is paste only), else 'BGA'."""
    name = fp.fpid.split(":")[-1]
    return "LGA" if LGA_NAME.search(name) and not BALL_NAME.search(name) else "BGA"


def _depopulated(numbers, balls, row, col, rows, cols, staggered, phase):
    """Names and (row, col) of the empty grid sites inside the array's bounding grid."""
    filled = np.zeros((rows, cols), dtype=bool)
    filled[row, col] = True
    rr, cc = np.nonzero(~filled)
    if staggered:
        keep = (rr + cc) % 2 == phase
        rr, cc = rr[keep], cc[keep]
    row_names, col_names = _names_by_index([numbers[i] for i in balls], row, col)
    out = []
    for r, c in zip(rr, cc):
        if r in row_names and c in col_names:
            out.append(f"{row_names[r]}{col_names[c]}")
        else:
            out.append(f"R{r + 1}C{c + 1}")
    return tuple(out), np.column_stack([rr, cc]).astype(np.int64)


def _a1(numbers, balls, row, col, rows, cols):
    """The A1 ball pad (None when A1 is depopulated) and its corner in the footprint frame.

    With JEDEC names the corner is where row A meets column 1, even when that site is empty;
    otherwise it is the corner of the lowest-numbered pad.
    """
    names = [numbers[i] for i in balls]
    row_names, col_names = _names_by_index(names, row, col)
    r_a = [r for r, n in row_names.items() if n == "A"]
    c_1 = [c for c, n in col_names.items() if n == "1"]
    pad = None
    if "A1" in names:
        k = names.index("A1")
        pad, r, c = int(balls[k]), row[k], col[k]
    elif r_a and c_1:
        r, c = r_a[0], c_1[0]
    else:
        numeric = [(int(n), j) for j, n in enumerate(names) if n.isdigit()]
        k = min(numeric)[1] if numeric else 0
        pad, r, c = int(balls[k]), row[k], col[k]
    vert = "top" if r <= (rows - 1) / 2 else "bottom"
    horiz = "left" if c <= (cols - 1) / 2 else "right"
    return pad, f"{vert}-{horiz}"
