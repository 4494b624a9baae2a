"""Build small BoardModels in memory (no KiCad) for pure tests of detection and checks."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from bgacheck.core.model import (
    BoardModel,
    Footprint,
    PadAttrib,
    PadShape,
    PadTable,
    TrackTable,
    ViaTable,
    Zone,
)
from bgacheck.core.units import mm_to_nm


def grid_pads(rows, cols, pitch_x, pitch_y=None, land=None, skip=(), stagger=False):
    """Local pad list [(name, x_mm, y_mm, w_mm, h_mm)] for a JEDEC-named grid centred on 0."""
    pitch_y = pitch_y or pitch_x
    land = land or 0.5 * min(pitch_x, pitch_y)
    letters = [c for c in "ABCDEFGHJKLMNPRTUVWY"]
    letters += [a + b for a in "AB" for b in letters]
    pads = []
    for r in range(rows):
        for c in range(cols):
            if stagger and (r + c) % 2:
                continue
            name = f"{letters[r]}{c + 1}"
            if name in skip:
                continue
            x = (c - (cols - 1) / 2) * pitch_x
            y = (r - (rows - 1) / 2) * pitch_y
            pads.append((name, x, y, land, land))
    return pads


def footprint_pads(local, x_mm, y_mm, rot_deg=0.0, bottom=False):
    """Board coordinates of local pads after KiCad placement (rotation CCW on screen, y down)."""
    a = np.deg2rad(rot_deg)
    out = []
    for name, lx, ly, w, h in local:
        if bottom:
            lx = -lx
        bx = lx * np.cos(a) + ly * np.sin(a)
        by = -lx * np.sin(a) + ly * np.cos(a)
        out.append((name, x_mm + bx, y_mm + by, w, h))
    return out


def board(parts, shape=PadShape.CIRCLE, mask_margin=0.05, paste_ratio=1.0):
    """A BoardModel from [(ref, fpid, x_mm, y_mm, rot_deg, bottom, local_pads, opts)]."""
    cols = {k: [] for k in ("fp", "name", "x", "y", "w", "h", "rot", "shape", "attrib", "front",
                            "back", "mw", "mh", "pw", "ph", "drill")}
    fps = []
    for fi, (ref, fpid, x, y, rot, bottom, local, opts) in enumerate(parts):
        start = len(cols["x"])
        for name, bx, by, w, h in footprint_pads(local, x, y, rot, bottom):
            copper = opts.get("copper", True)
            cols["fp"].append(fi)
            cols["name"].append(name)
            cols["x"].append(bx)
            cols["y"].append(by)
            cols["w"].append(w)
            cols["h"].append(h)
            cols["rot"].append(rot)
            cols["shape"].append(opts.get("shape", shape))
            cols["attrib"].append(opts.get("attrib", PadAttrib.SMD))
            cols["front"].append(copper and not bottom)
            cols["back"].append(copper and bottom)
            m = opts.get("mask_margin", mask_margin)
            cols["mw"].append(w + 2 * m)
            cols["mh"].append(h + 2 * m)
            cols["pw"].append(w * paste_ratio)
            cols["ph"].append(h * paste_ratio)
            cols["drill"].append(opts.get("drill", 0.0))
        fps.append(Footprint(index=fi, ref=ref, value="", fpid=fpid, uuid=f"fp-{fi}",
                             x_nm=mm_to_nm(x), y_nm=mm_to_nm(y), rot_deg=rot,
                             side="bottom" if bottom else "top", pad_start=start,
                             pad_stop=len(cols["x"])))
    n = len(cols["x"])
    nm = lambda k: mm_to_nm(np.asarray(cols[k], dtype=float))  # noqa: E731
    pads = PadTable(
        fp_index=np.asarray(cols["fp"], dtype=np.int32), number=tuple(cols["name"]),
        uuid=tuple(f"pad-{i}" for i in range(n)), net=np.arange(1, n + 1, dtype=np.int32),
        pin_type=("passive",) * n, x_nm=nm("x"), y_nm=nm("y"), w_nm=nm("w"), h_nm=nm("h"),
        rot_deg=np.asarray(cols["rot"], dtype=float), shape=np.asarray(cols["shape"], np.int8),
        corner_r_nm=np.zeros(n, np.int64), attrib=np.asarray(cols["attrib"], np.int8),
        on_front_cu=np.asarray(cols["front"], bool), on_back_cu=np.asarray(cols["back"], bool),
        mask_w_nm=nm("mw"), mask_h_nm=nm("mh"), paste_w_nm=nm("pw"), paste_h_nm=nm("ph"),
        drill_nm=nm("drill"), bga_property=np.zeros(n, bool), polygon_nm=(None,) * n,
        zone_connected=np.zeros(n, bool))
    empty_i = np.zeros(0, np.int64)
    vias = ViaTable(uuid=(), net=np.zeros(0, np.int32), x_nm=empty_i, y_nm=empty_i,
                    d_nm=empty_i, drill_nm=empty_i, layer_from=np.zeros(0, np.int16),
                    layer_to=np.zeros(0, np.int16), via_type=(), flash_mask=empty_i,
                    remove_unused=np.zeros(0, bool), tented_front=np.zeros(0, bool),
                    tented_back=np.zeros(0, bool), filled=np.zeros(0, bool),
                    capped=np.zeros(0, bool))
    tracks = TrackTable(uuid=(), net=np.zeros(0, np.int32), x1_nm=empty_i, y1_nm=empty_i,
                        x2_nm=empty_i, y2_nm=empty_i, width_nm=empty_i,
                        layer=np.zeros(0, np.int16), is_arc=np.zeros(0, bool), xm_nm=empty_i,
                        ym_nm=empty_i)
    return BoardModel(path="synthetic", kicad_version="none", copper_layers=("F.Cu", "B.Cu"),
                      net_names=("",) + tuple(f"N{i}" for i in range(1, n + 1)),
                      footprints=tuple(fps), pads=pads, vias=vias, tracks=tracks)


def corner_pads(rows, cols, pitch_x, pitch_y=None, d=0.5, offset=1.15,
                corners=((-1, -1), (1, -1), (-1, 1)), prefix="FID"):
    """Local pads beyond the corners of a ``grid_pads`` field (local fiducials), ``offset`` mm
    past the corner ball in x and y: [(name, x_mm, y_mm, d, d)]."""
    pitch_y = pitch_y or pitch_x
    hx, hy = (cols - 1) / 2 * pitch_x, (rows - 1) / 2 * pitch_y
    return [(f"{prefix}{k + 1}", sx * (hx + offset), sy * (hy + offset), d, d)
            for k, (sx, sy) in enumerate(corners)]


def without_net(model, names):
    """The model with the pads named in ``names`` on no net (net code 0)."""
    net = model.pads.net.copy()
    for i, n in enumerate(model.pads.number):
        if n in names:
            net[i] = 0
    return replace(model, pads=replace(model.pads, net=net))


def with_copper(model, layers, tracks=(), zones=()):
    """The model with a copper stack, tracks and filled zones added (lengths in mm).

    ``tracks``: (x1, y1, x2, y2, width, layer index, net code); ``zones``: (net code, layer
    index, [(x, y), ...] outer ring of the fill).
    """
    t = np.asarray(tracks, dtype=float).reshape(-1, 7)
    n = len(t)
    nm = lambda k: np.asarray(mm_to_nm(t[:, k]), dtype=np.int64).reshape(n)  # noqa: E731
    table = TrackTable(uuid=tuple(f"trk-{i}" for i in range(n)), net=t[:, 6].astype(np.int32),
                       x1_nm=nm(0), y1_nm=nm(1), x2_nm=nm(2), y2_nm=nm(3), width_nm=nm(4),
                       layer=t[:, 5].astype(np.int16), is_arc=np.zeros(n, bool),
                       xm_nm=nm(0), ym_nm=nm(1))
    zs = tuple(Zone(uuid=f"zone-{k}", net=int(net), layer=int(layer), name="",
                    polygons=((np.asarray(mm_to_nm(np.asarray(ring, dtype=float)),
                                          dtype=np.int64),),))
               for k, (net, layer, ring) in enumerate(zones))
    return replace(model, copper_layers=tuple(layers), tracks=table, zones=zs)
