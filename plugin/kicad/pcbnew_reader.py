"""Fill a BoardModel from a KiCad 9 ``pcbnew.BOARD`` in one pass; no pcbnew object escapes.

Version quirks live in ``compat``; this module only walks the board and converts to numpy.
"""
from __future__ import annotations

import dataclasses
import os

import numpy as np

from ..core.model import (
    BoardModel, DesignSettings, Footprint, PadAttrib, PadShape, PadTable, TrackTable, ViaTable,
    Zone,
)
from . import compat

__all__ = ["load_board", "read_board"]


def load_board(path: str):
    """Load a board file with pcbnew; raise compat.BoardLoadError with one line on failure."""
    return compat.load_board(path)


def read_board(board, path: str | None = None) -> BoardModel:
    """Convert an open pcbnew BOARD into a BoardModel."""
    pcbnew = compat.pcbnew()
    path = path or board.GetFileName()
    stack = list(board.GetEnabledLayers().CuStack())
    stack_index = {layer: i for i, layer in enumerate(stack)}
    copper_names = tuple(board.GetLayerName(layer) for layer in stack)

    footprints, pads = _read_footprints(board, pcbnew)
    vias, tracks = _read_tracks(board, pcbnew, stack_index)
    zones, zone_at = _read_zones(board, pcbnew, stack_index)
    pads = _mark_zone_connected(pads, board, pcbnew)
    pads = _pad_zones(pads, board, pcbnew, zone_at, _zone_overrides(board, pcbnew))
    vias = _via_zones(vias, board, pcbnew, stack)
    nets = board.GetNetsByNetcode()
    top = max(nets.keys()) if len(nets) else 0
    net_names = [""] * (top + 1)
    for code, info in nets.items():
        net_names[code] = info.GetNetname()
    return BoardModel(
        path=os.path.abspath(path) if path else "",
        kicad_version=compat.kicad_version(),
        copper_layers=copper_names,
        net_names=tuple(net_names),
        footprints=tuple(footprints),
        pads=pads,
        vias=vias,
        tracks=tracks,
        zones=tuple(zones),
        settings=_read_settings(board),
        properties=dict(compat.text_variables(board)),
    )


def _read_footprints(board, pcbnew):
    cols = {k: [] for k in (
        "fp_index", "number", "uuid", "net", "pin_type", "x_nm", "y_nm", "w_nm", "h_nm",
        "rot_deg", "shape", "corner_r_nm", "attrib", "on_front_cu", "on_back_cu", "mask_w_nm",
        "mask_h_nm", "paste_w_nm", "paste_h_nm", "drill_nm", "bga_property", "polygon_nm")}
    footprints = []
    attrib_code = compat.pad_attrib_codes()
    shape_code = compat.pad_shape_codes()
    for fi, fp in enumerate(board.GetFootprints()):
        start = len(cols["x_nm"])
        bottom = fp.GetLayer() == pcbnew.B_Cu
        for pad in fp.Pads():
            _append_pad(cols, fi, pad, pcbnew, attrib_code, shape_code, bottom)
        pos = fp.GetPosition()
        footprints.append(Footprint(
            index=fi,
            ref=fp.GetReference(),
            value=fp.GetValue(),
            fpid=str(fp.GetFPID().GetUniStringLibId()),
            uuid=fp.m_Uuid.AsString(),
            x_nm=int(pos.x), y_nm=int(pos.y),
            rot_deg=float(fp.GetOrientation().AsDegrees()),
            side="bottom" if bottom else "top",
            pad_start=start, pad_stop=len(cols["x_nm"]),
            courtyard_nm=compat.courtyard_outline(fp, bottom),
            dnp=bool(compat.is_dnp(fp)),
        ))
    pads = PadTable.from_columns(cols)
    return footprints, pads


def _append_pad(cols, fi, pad, pcbnew, attrib_code, shape_code, bottom):
    layers = pad.GetLayerSet()
    front, back = layers.Contains(pcbnew.F_Cu), layers.Contains(pcbnew.B_Cu)
    cu = pcbnew.B_Cu if (back and not front) or (bottom and back) else pcbnew.F_Cu
    size = compat.pad_size(pad, cu)
    shape = shape_code.get(compat.pad_shape(pad, cu), PadShape.CUSTOM)
    centre = pad.ShapePos(cu) if compat.shape_pos_takes_layer() else pad.ShapePos()
    mask_layer = pcbnew.B_Mask if (bottom or (back and not front)) else pcbnew.F_Mask
    paste_layer = pcbnew.B_Paste if (bottom or (back and not front)) else pcbnew.F_Paste
    if not (front or back):  # paste- or mask-only aperture: use the side the footprint is on
        mask_layer = pcbnew.B_Mask if bottom else pcbnew.F_Mask
        paste_layer = pcbnew.B_Paste if bottom else pcbnew.F_Paste
    mask = pad.GetSolderMaskExpansion(cu) if layers.Contains(mask_layer) else None
    paste = pad.GetSolderPasteMargin(cu) if layers.Contains(paste_layer) else None
    cols["fp_index"].append(fi)
    cols["number"].append(pad.GetNumber())
    cols["uuid"].append(pad.m_Uuid.AsString())
    cols["net"].append(pad.GetNetCode())
    cols["pin_type"].append(pad.GetPinType())
    cols["x_nm"].append(centre.x)
    cols["y_nm"].append(centre.y)
    cols["w_nm"].append(size.x)
    cols["h_nm"].append(size.y)
    cols["rot_deg"].append(pad.GetOrientation().AsDegrees())
    cols["shape"].append(shape)
    cols["corner_r_nm"].append(
        compat.corner_radius(pad, cu) if shape == PadShape.ROUNDRECT else 0)
    cols["attrib"].append(attrib_code.get(pad.GetAttribute(), PadAttrib.SMD))
    cols["on_front_cu"].append(front)
    cols["on_back_cu"].append(back)
    cols["mask_w_nm"].append(0 if mask is None else max(0, size.x + 2 * mask))
    cols["mask_h_nm"].append(0 if mask is None else max(0, size.y + 2 * mask))
    cols["paste_w_nm"].append(0 if paste is None else max(0, size.x + 2 * paste.x))
    cols["paste_h_nm"].append(0 if paste is None else max(0, size.y + 2 * paste.y))
    cols["drill_nm"].append(pad.GetDrillSizeX() if pad.HasDrilledHole() else 0)
    cols["bga_property"].append(pad.GetProperty() == compat.pad_prop_bga())
    cols["polygon_nm"].append(
        compat.pad_polygon(pad, cu) if shape in (PadShape.CUSTOM, PadShape.CHAMFERED_RECT,
                                                 PadShape.TRAPEZOID) else None)


def _read_tracks(board, pcbnew, stack_index):
    v = {k: [] for k in ("uuid", "net", "x_nm", "y_nm", "d_nm", "drill_nm", "layer_from",
                         "layer_to", "via_type", "flash_mask", "remove_unused", "tented_front",
                         "tented_back")}
    t = {k: [] for k in ("uuid", "net", "x1_nm", "y1_nm", "x2_nm", "y2_nm", "width_nm", "layer",
                         "is_arc", "xm_nm", "ym_nm")}
    via_type_name = compat.via_type_names()
    for item in board.GetTracks():
        cls = item.GetClass()
        if cls == "PCB_VIA":
            pos = item.GetPosition()
            top, bot = item.TopLayer(), item.BottomLayer()
            lo, hi = sorted((stack_index.get(top, 0), stack_index.get(bot, len(stack_index) - 1)))
            mask = 0
            for layer, k in stack_index.items():
                if lo <= k <= hi and item.FlashLayer(layer):
                    mask |= 1 << k
            v["uuid"].append(item.m_Uuid.AsString())
            v["net"].append(item.GetNetCode())
            v["x_nm"].append(pos.x)
            v["y_nm"].append(pos.y)
            v["d_nm"].append(compat.via_width(item, top))
            v["drill_nm"].append(item.GetDrillValue())
            v["layer_from"].append(lo)
            v["layer_to"].append(hi)
            v["via_type"].append(via_type_name.get(item.GetViaType(), "through"))
            v["flash_mask"].append(mask)
            v["remove_unused"].append(bool(item.GetRemoveUnconnected()))
            front, back = compat.via_tenting(item, board)
            v["tented_front"].append(front)
            v["tented_back"].append(back)
            continue
        start, end = item.GetStart(), item.GetEnd()
        is_arc = cls == "PCB_ARC"
        mid = item.GetMid() if is_arc else start
        t["uuid"].append(item.m_Uuid.AsString())
        t["net"].append(item.GetNetCode())
        t["x1_nm"].append(start.x)
        t["y1_nm"].append(start.y)
        t["x2_nm"].append(end.x)
        t["y2_nm"].append(end.y)
        t["width_nm"].append(item.GetWidth())
        t["layer"].append(stack_index.get(item.GetLayer(), -1))
        t["is_arc"].append(is_arc)
        t["xm_nm"].append(mid.x)
        t["ym_nm"].append(mid.y)
    # KiCad 9.0.8 has no per-via fill or cap (its parser knows only tenting): a board declares
    # via-in-pad protection once, with a text variable the vias check reads.
    filled, capped = np.zeros(len(v["uuid"]), dtype=bool), np.zeros(len(v["uuid"]), dtype=bool)
    vias = ViaTable(
        uuid=tuple(v["uuid"]), net=np.asarray(v["net"], dtype=np.int32),
        **{k: np.asarray(v[k], dtype=np.int64) for k in (
            "x_nm", "y_nm", "d_nm", "drill_nm", "flash_mask")},
        layer_from=np.asarray(v["layer_from"], dtype=np.int16),
        layer_to=np.asarray(v["layer_to"], dtype=np.int16),
        via_type=tuple(v["via_type"]),
        remove_unused=np.asarray(v["remove_unused"], dtype=bool),
        tented_front=np.asarray(v["tented_front"], dtype=bool),
        tented_back=np.asarray(v["tented_back"], dtype=bool),
        filled=filled, capped=capped,
    )
    tracks = TrackTable(
        uuid=tuple(t["uuid"]), net=np.asarray(t["net"], dtype=np.int32),
        **{k: np.asarray(t[k], dtype=np.int64) for k in (
            "x1_nm", "y1_nm", "x2_nm", "y2_nm", "width_nm", "xm_nm", "ym_nm")},
        layer=np.asarray(t["layer"], dtype=np.int16),
        is_arc=np.asarray(t["is_arc"], dtype=bool),
    )
    return vias, tracks


def _zone_connection_names(pcbnew) -> dict:
    """KiCad's ZONE_CONNECTION codes -> the model's words ("" = inherit)."""
    names = {"ZONE_CONNECTION_INHERITED": "", "ZONE_CONNECTION_NONE": "none",
             "ZONE_CONNECTION_THERMAL": "thermal", "ZONE_CONNECTION_FULL": "full",
             "ZONE_CONNECTION_THT_THERMAL": "thru_hole_only"}
    return {getattr(pcbnew, k): v for k, v in names.items() if hasattr(pcbnew, k)}


def _read_zones(board, pcbnew, stack_index):
    """One Zone per (zone, copper layer), with its pad connection and filled area.

    Also returns the (zone object, stack layer) of each, in the same order, for the pad pass.
    """
    zones, at = [], []
    conn = _zone_connection_names(pcbnew)
    for zone in board.Zones():
        if zone.GetIsRuleArea():
            continue
        mode = conn.get(zone.GetPadConnection(), "")
        for layer in zone.GetLayerSet().CuStack():
            if layer in stack_index:
                area = 0.0
                if zone.IsFilled() and zone.HasFilledPolysForLayer(layer):
                    area = float(zone.GetFilledPolysList(layer).Area())
                at.append((zone, layer))
                zones.append(Zone(uuid=zone.m_Uuid.AsString(), net=zone.GetNetCode(),
                                  layer=stack_index[layer], name=zone.GetZoneName(),
                                  polygons=(), connection=mode, filled_area_nm2=area))
    return zones, at


def _zone_overrides(board, pcbnew) -> list:
    """Per pad (pad-table order): its own zone-connection setting, else its footprint's."""
    conn = _zone_connection_names(pcbnew)
    out = []
    for fp in board.GetFootprints():
        own = conn.get(fp.GetLocalZoneConnection(), "")
        for pad in fp.Pads():
            out.append(conn.get(pad.GetLocalZoneConnection(), "") or own)
    return out


def _pad_zones(pads: PadTable, board, pcbnew, zone_at, overrides) -> PadTable:
    """The zone of each pad's net whose outline holds the pad centre on the pad's outer layer."""
    index = -np.ones(len(pads), dtype=np.int32)
    by_net: dict[int, list] = {}
    for k, (zone, layer) in enumerate(zone_at):
        if layer in (pcbnew.F_Cu, pcbnew.B_Cu) and zone.GetNetCode() > 0:
            by_net.setdefault(zone.GetNetCode(), []).append((k, zone, layer))
    for i in np.flatnonzero(np.isin(pads.net, list(by_net)) & pads.has_copper):
        pos = pcbnew.VECTOR2I(int(pads.x_nm[i]), int(pads.y_nm[i]))
        for k, zone, layer in by_net[int(pads.net[i])]:
            on = pads.on_front_cu[i] if layer == pcbnew.F_Cu else pads.on_back_cu[i]
            if on and zone.Outline().Contains(pos):
                index[i] = k
                break
    return dataclasses.replace(pads, zone_index=index, zone_connection=tuple(overrides))


def _via_zones(vias: ViaTable, board, pcbnew, stack) -> ViaTable:
    """Per via, the stack layers where it joins a filled zone of its own net.

    Inner layers: KiCad's own connectivity (the via meets copper of its net there, and a zone of
    its net is on the layer; inner copper of a plane net is the zone). Outer layers also carry
    the via's tracks, so there the zone's fill must hold the via centre.
    """
    mask = np.zeros(len(vias), dtype=np.int64)
    zones: dict[tuple[int, int], list] = {}
    for zone in board.Zones():
        if not zone.GetIsRuleArea() and zone.GetNetCode() > 0 and zone.IsFilled():
            for layer in zone.GetLayerSet().CuStack():
                zones.setdefault((zone.GetNetCode(), layer), []).append(zone)
    if not zones or not len(vias):
        return dataclasses.replace(vias, zone_layers=mask)
    conn = board.GetConnectivity()
    outer = (pcbnew.F_Cu, pcbnew.B_Cu)
    by_uuid = {item.m_Uuid.AsString(): item for item in board.GetTracks()
               if item.GetClass() == "PCB_VIA" and any(
                   (item.GetNetCode(), layer) in zones for layer in stack)}
    for j, uid in enumerate(vias.uuid):
        via = by_uuid.get(uid)
        if via is None:
            continue
        lo, hi = int(vias.layer_from[j]), int(vias.layer_to[j])
        for k in range(lo, hi + 1):
            found = zones.get((via.GetNetCode(), stack[k]))
            if not found:
                continue
            if stack[k] in outer:
                hit = any(z.HitTestFilledArea(stack[k], via.GetPosition()) for z in found)
            else:
                hit = conn.IsConnectedOnLayer(via, stack[k])
            if hit:
                mask[j] |= 1 << k
    return dataclasses.replace(vias, zone_layers=mask)


def _mark_zone_connected(pads: PadTable, board, pcbnew) -> PadTable:
    """Record, per pad, whether a filled copper zone of its own net covers the pad centre."""
    hit = np.zeros(len(pads), dtype=bool)
    by_net: dict[int, list] = {}
    for zone in board.Zones():
        if not zone.GetIsRuleArea() and zone.GetNetCode() > 0:
            by_net.setdefault(zone.GetNetCode(), []).append(zone)
    if not by_net:
        return _with_zone_flag(pads, hit)
    for i in np.flatnonzero(np.isin(pads.net, list(by_net)) & pads.has_copper):
        layers = []
        if pads.on_front_cu[i]:
            layers.append(pcbnew.F_Cu)
        if pads.on_back_cu[i]:
            layers.append(pcbnew.B_Cu)
        pos = pcbnew.VECTOR2I(int(pads.x_nm[i]), int(pads.y_nm[i]))
        hit[i] = any(z.IsOnLayer(layer) and z.HitTestFilledArea(layer, pos)
                     for z in by_net[int(pads.net[i])] for layer in layers)
    return _with_zone_flag(pads, hit)


def _with_zone_flag(pads: PadTable, hit):
    return dataclasses.replace(pads, zone_connected=hit)


def _read_settings(board) -> DesignSettings:
    ds = board.GetDesignSettings()
    default_clearance = compat.default_netclass_clearance(ds)
    return DesignSettings(
        min_clearance_nm=int(ds.m_MinClearance),
        min_track_width_nm=int(ds.m_TrackMinWidth),
        min_via_diameter_nm=int(ds.m_ViasMinSize),
        min_via_annular_nm=int(ds.m_ViasMinAnnularWidth),
        min_through_drill_nm=int(ds.m_MinThroughDrill),
        min_microvia_drill_nm=int(ds.m_MicroViasMinDrill),
        min_hole_clearance_nm=int(ds.m_HoleClearance),
        solder_mask_expansion_nm=int(ds.m_SolderMaskExpansion),
        solder_mask_min_web_nm=int(ds.m_SolderMaskMinWidth),
        paste_margin_nm=int(ds.m_SolderPasteMargin),
        paste_ratio=float(ds.m_SolderPasteMarginRatio),
        board_thickness_nm=int(ds.GetBoardThickness()),
        netclass_clearance_nm={"Default": default_clearance} if default_clearance else {},
    )
