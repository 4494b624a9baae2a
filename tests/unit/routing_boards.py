"""Hand-built BoardModels for the geometry, clearance, channel and escape tests (no KiCad).

Lengths are given in mm and stored in nm, as the pcbnew reader would store them.
"""
from __future__ import annotations

import numpy as np

from bgacheck.core.model import (
    BoardModel,
    DesignSettings,
    Footprint,
    PadAttrib,
    PadShape,
    PadTable,
    TrackTable,
    ViaTable,
    Zone,
)
from bgacheck.core.units import mm_to_nm

ROWS = "ABCDEFGHJKLMNPRTUVWY"


def row_name(r: int) -> str:
    """JEDEC row letters: A..Y, then AA, AB, ..."""
    return ROWS[r] if r < len(ROWS) else ROWS[r // len(ROWS) - 1] + ROWS[r % len(ROWS)]


class Board:
    """Collects pads, vias and tracks, then builds a BoardModel."""

    def __init__(self, layers=("F.Cu", "B.Cu"), clearance_mm=0.0, hole_clearance_mm=0.0):
        self.layers = tuple(layers)
        self.nets = [""]
        self.pads, self.vias, self.tracks, self.fps, self.zones = [], [], [], [], []
        self.settings = DesignSettings(
            min_clearance_nm=mm_to_nm(clearance_mm),
            min_hole_clearance_nm=mm_to_nm(hole_clearance_mm),
            netclass_clearance_nm={"Default": mm_to_nm(clearance_mm)})

    def net(self, name: str) -> int:
        if not name:
            return 0
        if name not in self.nets:
            self.nets.append(name)
        return self.nets.index(name)

    def footprint(self, ref, fpid="Package_BGA:BGA-16", x=0.0, y=0.0, side="top", value=""):
        self.fps.append(dict(ref=ref, fpid=fpid, x=x, y=y, side=side, start=len(self.pads),
                             value=value))
        return len(self.fps) - 1

    def pad(self, number, x, y, w, h=None, shape=PadShape.CIRCLE, net="", rot=0.0, corner=0.0,
            attrib=PadAttrib.SMD, drill=0.0, front=True, back=False, polygon=None):
        fp = len(self.fps) - 1
        self.pads.append(dict(fp=fp, number=number, uuid=f"pad-{len(self.pads)}", net=self.net(net),
                              x=x, y=y, w=w, h=w if h is None else h, rot=rot, shape=shape,
                              corner=corner, attrib=attrib, drill=drill, front=front, back=back,
                              polygon=polygon))
        return len(self.pads) - 1

    def via(self, x, y, d, drill, net="", span=None, flashed=None, remove_unused=False,
            kind="through"):
        lo, hi = span if span else (0, len(self.layers) - 1)
        if flashed is None:
            flashed = range(lo, hi + 1)
        mask = sum(1 << k for k in flashed)
        self.vias.append(dict(uuid=f"via-{len(self.vias)}", net=self.net(net), x=x, y=y, d=d,
                              drill=drill, lo=lo, hi=hi, mask=mask, ru=remove_unused, kind=kind))
        return len(self.vias) - 1

    def track(self, x1, y1, x2, y2, w, layer=0, net="", mid=None):
        self.tracks.append(dict(uuid=f"trk-{len(self.tracks)}", net=self.net(net), x1=x1, y1=y1,
                                x2=x2, y2=y2, w=w, layer=layer, arc=mid is not None,
                                xm=(mid or (x1, y1))[0], ym=(mid or (x1, y1))[1]))
        return len(self.tracks) - 1

    def zone(self, net, layer, ring):
        self.zones.append(Zone(uuid=f"zone-{len(self.zones)}", net=self.net(net), layer=layer,
                               name="", polygons=((np.asarray(mm_to_nm(np.asarray(ring))),),)))

    def bga(self, ref, rows, cols, pitch, land, x0=0.0, y0=0.0, nets=None, value=""):
        """A rows x cols ball grid, A1 at (x0, y0); ``nets`` maps ball name -> net name; ``value``
        is the part number (e.g. an AMD part, whose vendor figures then give warnings)."""
        self.footprint(ref, fpid=f"Package_BGA:BGA-{rows * cols}_P{pitch}mm", x=x0, y=y0,
                       value=value)
        names = {}
        for r in range(rows):
            for c in range(cols):
                name = f"{row_name(r)}{c + 1}"
                names[name] = self.pad(name, x0 + c * pitch, y0 + r * pitch, land,
                                       net=(nets or {}).get(name, ""))
        return names

    def model(self) -> BoardModel:
        P, V, T = self.pads, self.vias, self.tracks
        def nm(rows, k):
            return np.array([mm_to_nm(r[k]) for r in rows], dtype=np.int64)

        fps = []
        for i, f in enumerate(self.fps):
            stop = self.fps[i + 1]["start"] if i + 1 < len(self.fps) else len(P)
            fps.append(Footprint(index=i, ref=f["ref"], value=f["value"], fpid=f["fpid"],
                                 uuid=f"fp-{i}", x_nm=mm_to_nm(f["x"]), y_nm=mm_to_nm(f["y"]),
                                 rot_deg=0.0, side=f["side"], pad_start=f["start"],
                                 pad_stop=stop))
        pads = PadTable(
            fp_index=np.array([p["fp"] for p in P], dtype=np.int32),
            number=tuple(p["number"] for p in P), uuid=tuple(p["uuid"] for p in P),
            net=np.array([p["net"] for p in P], dtype=np.int32), pin_type=tuple("" for _ in P),
            x_nm=nm(P, "x"), y_nm=nm(P, "y"), w_nm=nm(P, "w"), h_nm=nm(P, "h"),
            rot_deg=np.array([p["rot"] for p in P], dtype=float),
            shape=np.array([p["shape"] for p in P], dtype=np.int8), corner_r_nm=nm(P, "corner"),
            attrib=np.array([p["attrib"] for p in P], dtype=np.int8),
            on_front_cu=np.array([p["front"] for p in P], dtype=bool),
            on_back_cu=np.array([p["back"] for p in P], dtype=bool),
            mask_w_nm=nm(P, "w"), mask_h_nm=nm(P, "h"), paste_w_nm=nm(P, "w"),
            paste_h_nm=nm(P, "h"),
            drill_nm=nm(P, "drill"), bga_property=np.zeros(len(P), dtype=bool),
            polygon_nm=tuple(None if p["polygon"] is None else mm_to_nm(np.asarray(p["polygon"]))
                             for p in P),
            zone_connected=np.zeros(len(P), dtype=bool))
        vias = ViaTable(
            uuid=tuple(v["uuid"] for v in V), net=np.array([v["net"] for v in V], dtype=np.int32),
            x_nm=nm(V, "x"), y_nm=nm(V, "y"), d_nm=nm(V, "d"), drill_nm=nm(V, "drill"),
            layer_from=np.array([v["lo"] for v in V], dtype=np.int16),
            layer_to=np.array([v["hi"] for v in V], dtype=np.int16),
            via_type=tuple(v.get("kind", "through") for v in V),
            flash_mask=np.array([v["mask"] for v in V], dtype=np.int64),
            remove_unused=np.array([v["ru"] for v in V], dtype=bool),
            tented_front=np.zeros(len(V), bool), tented_back=np.zeros(len(V), bool),
            filled=np.zeros(len(V), bool), capped=np.zeros(len(V), bool))
        tracks = TrackTable(
            uuid=tuple(t["uuid"] for t in T), net=np.array([t["net"] for t in T], dtype=np.int32),
            x1_nm=nm(T, "x1"), y1_nm=nm(T, "y1"), x2_nm=nm(T, "x2"), y2_nm=nm(T, "y2"),
            width_nm=nm(T, "w"), layer=np.array([t["layer"] for t in T], dtype=np.int16),
            is_arc=np.array([t["arc"] for t in T], dtype=bool), xm_nm=nm(T, "xm"),
            ym_nm=nm(T, "ym"))
        return BoardModel(path="hand-built.kicad_pcb", kicad_version="test",
                          copper_layers=self.layers, net_names=tuple(self.nets),
                          footprints=tuple(fps), pads=pads, vias=vias, tracks=tracks,
                          zones=tuple(self.zones), settings=self.settings)
