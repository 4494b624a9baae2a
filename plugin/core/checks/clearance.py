"""Copper clearances in each BGA area: pad-track, pad-via, via-track and track-track, per layer.

Only items on different nets are compared (an item without a net differs from everything). Each
pair is held against two limits: the profile's fab-tier minimum copper spacing (``min_space_mm``)
and the board's own clearance (see ``board_limits_nm``; copper-to-hole clearance where a via has
no pad on the layer). One finding per pair:
below the fab minimum it is an error (``clearance.<pair>``), below only the board's setting a
warning (``clearance.<pair>.board``), since the board's custom DRC rules, which the model does not
carry, may allow it.
"""
from __future__ import annotations

import numpy as np

from ..context import ArrayContext
from ..geometry import DIST_TOL_NM, PAD, TRACK, VIA, AreaLayer
from ..report import Finding
from ..units import NM_PER_MM, fab_minimum
from . import channels

__all__ = ["check", "PAIR_NAMES", "board_limits_nm"]

KIND_WORD = {PAD: "pad", VIA: "via", TRACK: "track"}
PAIR_NAMES = {(PAD, TRACK): "pad_track", (PAD, VIA): "pad_via", (VIA, TRACK): "via_track",
              (TRACK, TRACK): "track_track"}


def board_limits_nm(model) -> tuple[float, float, str, str]:
    """(copper clearance, copper-to-hole clearance) [nm] from the board setup, with their sources.

    The copper limit is the smaller of the Default net class clearance and the board minimum
    (where set): custom DRC rules often relax clearance under a BGA, and the model does not carry
    them, so only the most permissive setting the board states is held against it.
    """
    s = model.settings
    known = [(float(v), f"board setup: {what} {v / NM_PER_MM:g} mm") for v, what in (
        (s.netclass_clearance_nm.get("Default", 0) or 0, "Default net class clearance"),
        (s.min_clearance_nm, "minimum clearance")) if v and v > 0]
    cu, cu_src = min(known) if known else (0.0, "board setup: no clearance set")
    hole = float(s.min_hole_clearance_nm)
    return cu, hole, cu_src, f"board setup: copper to hole clearance {hole / NM_PER_MM:g} mm"


def check(ctx: ArrayContext) -> None:
    """Clearance findings for one array's area on every layer.

    A pair seen under another array (overlapping areas) is not reported twice.
    """
    seen = ctx.board.setdefault("clearance_pairs", set())
    res = channels.analyse(ctx)
    for al in res.layers.values():
        ctx.findings.extend(_layer_findings(ctx.model, ctx.arr, ctx.rules, al, seen))


def _layer_findings(model, arr, rs, al: AreaLayer, seen) -> list[Finding]:
    fab = (rs.min_space_mm or 0.0) * NM_PER_MM
    cu, hole, cu_src, hole_src = board_limits_nm(model)
    a, b, gap = al.pairs_within(max(fab, cu, hole) + DIST_TOL_NM)
    # Order each pair as (lower kind, higher kind): pad < via < track.
    swap = al.kind[a] > al.kind[b]
    a, b = np.where(swap, b, a), np.where(swap, a, b)
    kinds = list(PAIR_NAMES)
    ok = np.zeros(len(a), dtype=bool)
    for ka, kb in kinds:
        ok |= (al.kind[a] == ka) & (al.kind[b] == kb)
    ok &= (al.net[a] != al.net[b]) | (al.net[a] == 0)
    a, b, gap = a[ok], b[ok], gap[ok]
    hole_pair = al.hole_only[a] | al.hole_only[b]
    board = np.where(hole_pair, hole, cu)
    short_fab = gap < fab_minimum(fab) - DIST_TOL_NM
    short_board = gap < board - DIST_TOL_NM
    hit = np.flatnonzero(short_fab | short_board)
    if len(hit) == 0:
        return []
    x, y = al.gap_points(a[hit], b[hit])
    box = channels.box_for(model, arr)
    groups: dict = {}
    for k, px, py in zip(hit, x, y):
        ia, ib = int(a[k]), int(b[k])
        if not (box[0] <= px <= box[2] and box[1] <= py <= box[3]):
            continue
        key = (al.layer, al.uuid[ia], al.uuid[ib])
        if key in seen:
            continue
        seen.add(key)
        name = PAIR_NAMES[(int(al.kind[ia]), int(al.kind[ib]))]
        # One finding per offending item (the via or track of the pair) and rule: a trace that
        # passes a column of lands too close is one defect, not one per land.
        groups.setdefault((name, bool(short_fab[k]), ib), []).append((float(gap[k]), k, ia, px, py))
    return [_grouped_finding(model, arr, rs, al, name, fab_short, ib, pairs, fab,
                             board_limits_nm(model), hole_pair, short_board)
            for (name, fab_short, ib), pairs in sorted(groups.items(), key=lambda g: min(g[1])[0])]


def _grouped_finding(model, arr, rs, al, name, fab_short, ib, pairs, fab, limits, hole_pair,
                     short_board) -> Finding:
    cu, hole, cu_src, hole_src = limits
    pairs.sort()
    g, k, ia, px, py = pairs[0]
    g = max(g, 0.0)
    b_lim, b_src = (hole, hole_src) if hole_pair[k] else (cu, cu_src)
    if fab_short:
        rid, sev, lim, src = f"clearance.{name}", "error", fab, rs.source("min_space_mm")
        also = (f"; board setting {b_lim / NM_PER_MM:.4f} mm" if short_board[k] else "")
    else:
        rid, sev, lim, src = f"clearance.{name}.board", "warning", b_lim, b_src
        also = f"; fab minimum {fab / NM_PER_MM:.4f} mm met"
    layer = model.copper_layers[al.layer]
    what = name.replace("_", "-")
    hole_note = " (via without a pad here: hole edge)" if hole_pair[k] else ""
    others = [q for _, _, q, _, _ in pairs]
    more = f"; {len(pairs)} items too close to this {KIND_WORD[int(al.kind[ib])]}" \
        if len(pairs) > 1 else ""
    msg = (f"{what} clearance {g / NM_PER_MM:.4f} mm < {lim / NM_PER_MM:.4f} mm on "
           f"{layer}{hole_note}{also}{more}")
    pads = [model.pads.number[al.index[q]] for q in (*others, ib) if al.kind[q] == PAD]
    return Finding(
        rule_id=rid, severity=sev, message=msg, ref=arr.footprint.ref,
        x_mm=float(px) / NM_PER_MM, y_mm=float(py) / NM_PER_MM,
        measured=g / NM_PER_MM, limit=lim / NM_PER_MM, unit="mm", source=src, layer=layer,
        pads=tuple(dict.fromkeys(pads)),
        items=(channels.describe_item(model, al, ib),
               *(channels.describe_item(model, al, q) for q in others)),
        fix=f"move or narrow the {KIND_WORD[int(al.kind[ib])]} to keep {lim / NM_PER_MM:.4f} mm")
