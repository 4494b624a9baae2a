"""Pad records to the columns of the model's pad table, as pcbnew's reader fills them.

The outer copper layer a pad is read on, its shape position (the drill offset turned with the
pad), the rounded-rect radius and the mask and paste openings follow KiCad's PAD accessors
(ShapePos, GetRoundRectCornerRadius, GetSolderMaskExpansion, GetSolderPasteMargin).
"""
from __future__ import annotations

from .kimath import rotate
from .pads import NPTH, SHAPE_CODES, PadRecord

__all__ = ["PAD_COLUMNS", "append_pad"]

PAD_COLUMNS = ("fp_index", "number", "uuid", "net", "pin_type", "x_nm", "y_nm", "w_nm", "h_nm",
               "rot_deg", "shape", "corner_r_nm", "attrib", "on_front_cu", "on_back_cu",
               "mask_w_nm", "mask_h_nm", "paste_w_nm", "paste_h_nm", "drill_nm",
               "bga_property", "polygon_nm")
_COPPER = {"F.Cu", "B.Cu", *(f"In{k}.Cu" for k in range(1, 31))}
_POLY_SHAPES = {"custom", "chamfered_rect", "trapezoid"}


def _kiround(v: float) -> int:
    return int(v + 0.5) if v >= 0 else int(v - 0.5)


def _cdiv2(v: int) -> int:
    """C integer division by 2 (towards zero)."""
    return -((-v) // 2) if v < 0 else v // 2


def corner_radius(w: int, h: int, ratio: float) -> int:
    return _kiround(min(w, h) * ratio)


def shape_pos(p: PadRecord, layer: str) -> tuple[int, int]:
    lp = p.props(layer)
    if lp.ox == 0 and lp.oy == 0:
        return p.x, p.y
    ox, oy = rotate(lp.ox, lp.oy, p.rot)
    return p.x + ox, p.y + oy


def mask_margin(p: PadRecord, fp, setup, cu: str) -> int:
    """PAD::GetSolderMaskExpansion on outer copper layer ``cu``."""
    if not (p.layers & _COPPER):
        return 0
    margin = p.mask_margin
    if margin is None:
        margin = fp.mask_margin
    if margin is None:
        margin = setup.solder_mask_expansion_nm
    if margin < 0:
        lp = p.props(cu)
        least = -(min(lp.w, lp.h) // 2)
        margin = max(margin, least)
    return margin


def paste_margin(p: PadRecord, fp, setup, cu: str) -> tuple[int, int]:
    """PAD::GetSolderPasteMargin on outer copper layer ``cu`` (x and y)."""
    if not (p.layers & _COPPER):
        return 0, 0
    margin = p.paste_margin if p.paste_margin is not None else fp.paste_margin
    if margin is None:
        margin = setup.paste_margin_nm
    ratio = p.paste_ratio if p.paste_ratio is not None else fp.paste_ratio
    if ratio is None:
        ratio = setup.paste_ratio
    lp = p.props(cu)
    mx = margin + _kiround(lp.w * ratio)
    my = margin + _kiround(lp.h * ratio)
    if lp.shape != "custom":
        mx = max(mx, _cdiv2(-lp.w))
        my = max(my, _cdiv2(-lp.h))
    return mx, my


def append_pad(cols: dict, fi: int, p: PadRecord, fp, setup, polygon) -> None:
    """One pad's row; ``polygon(p, cu)`` gives the outline of non-simple shapes."""
    front, back = p.front_back()
    bottom = fp.bottom
    cu = "B.Cu" if (back and not front) or (bottom and back) else "F.Cu"
    lp = p.props(cu)
    side_back = bottom or (back and not front)
    if not (front or back):
        side_back = bottom
    mask_layer = "B.Mask" if side_back else "F.Mask"
    paste_layer = "B.Paste" if side_back else "F.Paste"
    mask = mask_margin(p, fp, setup, cu) if mask_layer in p.layers else None
    paste = paste_margin(p, fp, setup, cu) if paste_layer in p.layers else None
    x, y = shape_pos(p, cu)
    shape = lp.shape
    cols["fp_index"].append(fi)
    cols["number"].append(p.number)
    cols["uuid"].append(p.uuid)
    cols["net"].append(p.net)
    cols["pin_type"].append(p.pin_type)
    cols["x_nm"].append(x)
    cols["y_nm"].append(y)
    cols["w_nm"].append(lp.w)
    cols["h_nm"].append(lp.h)
    cols["rot_deg"].append(p.rot)
    cols["shape"].append(SHAPE_CODES[shape])
    cols["corner_r_nm"].append(corner_radius(lp.w, lp.h, lp.rratio) if shape == "roundrect" else 0)
    cols["attrib"].append(p.attrib)
    cols["on_front_cu"].append(front)
    cols["on_back_cu"].append(back)
    cols["mask_w_nm"].append(0 if mask is None else max(0, lp.w + 2 * mask))
    cols["mask_h_nm"].append(0 if mask is None else max(0, lp.h + 2 * mask))
    cols["paste_w_nm"].append(0 if paste is None else max(0, lp.w + 2 * paste[0]))
    cols["paste_h_nm"].append(0 if paste is None else max(0, lp.h + 2 * paste[1]))
    drilled = p.attrib in (0, NPTH) and p.drill_x > 0 and p.drill_y > 0 and p.drill_x == p.drill_y
    cols["drill_nm"].append(p.drill_x if drilled else 0)
    cols["bga_property"].append(p.bga)
    cols["polygon_nm"].append(polygon(p, cu) if shape in _POLY_SHAPES else None)
