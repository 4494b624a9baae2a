"""One ``(pad ...)`` node to the row pcbnew's reader would produce for it.

Follows KiCad's parser for defaults (a through-hole pad without a drill gets a 1 nm hole, an
unplated one KiCad's 30 mil default, a zero-sized pad 1 um), its padstack rules (normal,
front/inner/back and custom modes; the size, shape and offset of the outer layer the pad is read
on) and its mask and paste margin rules (pad, then footprint, then board; before KiCad 9's
format a 0 meant "inherit"; negative margins clamped to half the pad).
"""
from __future__ import annotations

from .header import Nets
from .kimath import normalize, rotate
from .sexpr import Quoted, SexprError, board_units, need, parse_float

__all__ = ["PadRecord", "read_pad", "SHAPE_CODES", "ATTRIB_CODES", "layer_set"]

SHAPE_CODES = {"circle": 0, "rect": 1, "oval": 2, "trapezoid": 3, "roundrect": 4,
               "chamfered_rect": 5, "custom": 6}
ATTRIB_CODES = {"thru_hole": 0, "smd": 1, "connect": 2, "np_thru_hole": 3}
PTH, SMD, CONN, NPTH = 0, 1, 2, 3
DEFAULT_DRILL_NM = 762_000      # KiCad's PAD default, 30 mil, kept by an unplated pad without drill
MARGIN_INHERIT_BEFORE = 20240201
"""Files up to this version wrote 0 for an inherited mask or paste margin (KiCad 9 changed it)."""

_COPPER_WILDCARDS = {"*.Cu", "F&B.Cu", "*In.Cu"}
_TECH_WILDCARDS = {"*.Mask": ("F.Mask", "B.Mask"), "*.Paste": ("F.Paste", "B.Paste"),
                   "*.Adhes": ("F.Adhes", "B.Adhes"), "*.SilkS": ("F.SilkS", "B.SilkS"),
                   "*.Fab": ("F.Fab", "B.Fab"), "*.CrtYd": ("F.CrtYd", "B.CrtYd")}
_ALL_INNER = tuple(f"In{k}.Cu" for k in range(1, 31))


def layer_set(names) -> set[str]:
    """Canonical layer names of a ``(layers ...)`` list, wildcards expanded."""
    out: set[str] = set()
    for n in names:
        n = str(n)
        if n == "*.Cu":
            out.update(("F.Cu", "B.Cu", *_ALL_INNER))
        elif n == "F&B.Cu":
            out.update(("F.Cu", "B.Cu"))
        elif n == "*In.Cu":
            out.update(_ALL_INNER)
        elif n in _TECH_WILDCARDS:
            out.update(_TECH_WILDCARDS[n])
        else:
            out.add(n)
    return out


class _Layer:
    """Per-copper-layer padstack properties (KiCad's PADSTACK::COPPER_LAYER_PROPS)."""

    __slots__ = ("shape", "w", "h", "ox", "oy", "dx", "dy", "rratio", "cratio", "chamfers",
                 "anchor", "primitives")

    def __init__(self):
        self.shape, self.anchor = "circle", "circle"
        self.w = self.h = 1_524_000   # 60 mil
        self.ox = self.oy = self.dx = self.dy = 0
        self.rratio, self.cratio, self.chamfers = 0.25, 0.2, 0
        self.primitives: list = []

    def copy(self) -> "_Layer":
        c = _Layer()
        for k in self.__slots__:
            setattr(c, k, getattr(self, k))
        c.primitives = list(self.primitives)
        return c


class PadRecord:
    """A pad as KiCad holds it once read: board position, orientation, padstack, margins."""

    __slots__ = ("number", "uuid", "attrib", "net", "pin_type", "x", "y", "rot", "layers",
                 "mode", "stack", "drill_x", "drill_y", "mask_margin", "paste_margin",
                 "paste_ratio", "bga", "mode_keep", "forced", "zone_connect")

    def front_back(self) -> tuple[bool, bool]:
        """Whether the pad is on F.Cu and on B.Cu."""
        return "F.Cu" in self.layers, "B.Cu" in self.layers

    def props(self, layer: str) -> _Layer:
        """PADSTACK::EffectiveLayerFor: which layer's properties apply on ``layer``."""
        if self.mode == "normal":
            return self.stack["F.Cu"]
        if self.mode == "front_inner_back":
            if layer in ("F.Cu", "B.Cu"):
                return self.stack[layer]
            return self.stack.get("Inner", self.stack["F.Cu"])
        return self.stack.get(layer, self.stack["F.Cu"])


_CHAMFER_BITS = {"top_left": 1, "top_right": 2, "bottom_left": 4, "bottom_right": 8}
_SHAPE_KEYS = {"size", "rect_delta", "roundrect_rratio", "chamfer_ratio", "chamfer", "options",
               "primitives"}
"""The keys ``_apply_shape_props`` reads (it ignores the rest)."""


def _apply_shape_props(lp: _Layer, key: str, args: list, child: list) -> bool:
    """Shape-related tokens shared by a pad and a padstack layer; False when not one of them."""
    if key == "size":
        args = need(child, 2, "width height")
        lp.w, lp.h = board_units(args[0], "pad width"), board_units(args[1], "pad height")
    elif key == "rect_delta" and len(args) >= 2:
        lp.dx, lp.dy = board_units(args[0]), board_units(args[1])
    elif key == "roundrect_rratio" and args:
        lp.rratio = min(max(parse_float(args[0]), 0.0), 0.5)
    elif key == "chamfer_ratio" and args:
        lp.cratio = parse_float(args[0])
        if lp.cratio > 0:
            lp.shape = "chamfered_rect"
    elif key == "chamfer":
        bits = 0
        for a in args:
            bits |= _CHAMFER_BITS.get(str(a), 0)
        lp.chamfers = bits
        if bits:
            lp.shape = "chamfered_rect"
    elif key == "options":
        for opt in args:
            if isinstance(opt, list) and opt[0] == "anchor" and len(opt) > 1 \
                    and str(opt[1]) in ("circle", "rect"):
                lp.anchor = str(opt[1])
    elif key == "primitives":
        lp.primitives = [p for p in args if isinstance(p, list)]
    else:
        return False
    return True


def read_pad(node: list, fp, ctx) -> PadRecord:
    """Pad node -> PadRecord in board coordinates (``fp`` gives placement and local margins)."""
    if len(node) < 3:
        raise SexprError("a pad needs a number, a type and a shape")
    p = PadRecord()
    p.number = str(node[1])
    p.attrib = ATTRIB_CODES.get(str(node[2]))
    if p.attrib is None:
        raise SexprError(f"unknown pad type {str(node[2])!r}")
    shape = str(node[3]) if len(node) > 3 and not isinstance(node[3], list) else ""
    if shape not in SHAPE_CODES or shape == "chamfered_rect":
        raise SexprError(f"unknown pad shape {shape!r}")
    base = _Layer()
    base.shape = shape
    p.stack = {"F.Cu": base}
    p.mode = "normal"
    p.uuid, p.net, p.pin_type = "", 0, ""
    p.layers = set()
    p.rot = 0.0
    rel = (0, 0)
    p.drill_x = p.drill_y = 1 if p.attrib == PTH else (DEFAULT_DRILL_NM if p.attrib == NPTH else 0)
    p.mask_margin = p.paste_margin = p.paste_ratio = None
    p.bga = False
    p.mode_keep, p.forced = "keep_all", None
    p.zone_connect = -1
    found_net = False
    legacy_zero = ctx.version <= MARGIN_INHERIT_BEFORE
    for child in node[4:]:
        if not isinstance(child, list):
            continue  # a bare legacy "locked"
        key, args = child[0], child[1:]
        if key in _SHAPE_KEYS:  # none of them is also one of the keys below
            _apply_shape_props(base, key, args, child)
            continue
        if key == "at":
            args = need(child, 2, "x y")
            rel = (board_units(args[0]), board_units(args[1]))
            if len(args) >= 3:
                p.rot = normalize(parse_float(args[2], "pad angle"))
        elif key == "drill":
            _drill(p, base, args)
        elif key == "layers":
            p.layers = layer_set(args)
        elif key == "net" and args:
            found_net = True
            p.net = _pad_net(args, ctx)
        elif key == "pintype" and args:
            p.pin_type = str(args[0])
        elif key in ("uuid", "tstamp") and args:
            p.uuid = str(args[0])
        elif key == "solder_mask_margin" and args:
            v = board_units(args[0])
            p.mask_margin = None if (legacy_zero and v == 0) else v
        elif key == "solder_paste_margin" and args:
            v = board_units(args[0])
            p.paste_margin = None if (legacy_zero and v == 0) else v
        elif key == "solder_paste_margin_ratio" and args:
            v = parse_float(args[0])
            p.paste_ratio = None if (legacy_zero and v == 0) else v
        elif key == "property":
            p.bga = any(str(a) == "pad_prop_bga" for a in args)
        elif key == "padstack":
            _padstack(p, child)
        elif key == "remove_unused_layers":
            if not args or args[0] in ("yes", "true"):
                p.mode_keep = "remove_all" if p.mode_keep == "keep_all" else p.mode_keep
            else:
                p.mode_keep = "keep_all"
        elif key == "keep_end_layers":
            if (not args or args[0] in ("yes", "true")) and p.mode_keep != "keep_all":
                p.mode_keep = "remove_except_ends"
        elif key == "zone_layer_connections":
            p.forced = {str(a) for a in args}
        elif key == "zone_connect" and args:
            p.zone_connect = int(parse_float(args[0], "zone connection"))
    if not found_net:
        p.net = 0
    if p.attrib == NPTH or not (p.layers & _COPPER_NAMES):
        p.number = ""
    if p.attrib == NPTH:
        p.net = 0
    if base.w <= 0 or base.h <= 0:
        base.w = base.h = 1000
    p.x, p.y = rotate(rel[0], rel[1], fp.rot)
    p.x += fp.x
    p.y += fp.y
    return p


_COPPER_NAMES = {"F.Cu", "B.Cu", *_ALL_INNER}


def _drill(p: PadRecord, base: _Layer, args: list) -> None:
    dx = dy = None
    for a in args:
        if isinstance(a, list):
            if a[0] == "offset" and len(a) >= 3:
                base.ox, base.oy = board_units(a[1]), board_units(a[2])
        elif a == "oval":
            continue
        elif dx is None:
            dx = dy = board_units(a, "drill")
        else:
            dy = board_units(a, "drill")
    if p.attrib in (SMD, CONN):
        p.drill_x = p.drill_y = 0
    elif dx is not None:
        p.drill_x, p.drill_y = dx, dy
    elif p.attrib == PTH:
        p.drill_x = p.drill_y = 1


def _pad_net(args: list, ctx) -> int:
    token = args[0]
    if isinstance(token, Quoted):  # KiCad 10: the name only
        return ctx.nets.by_name_or_new(str(token))
    code = ctx.nets.from_file_code(int(parse_float(token, "net code")))
    if len(args) > 1 and code != Nets.ORPHANED and ctx.nets.by_code.get(code) != str(args[1]):
        return Nets.ORPHANED
    return code


def _padstack(p: PadRecord, node: list) -> None:
    for child in node[1:]:
        if not isinstance(child, list):
            continue
        if child[0] == "mode" and len(child) > 1:
            if str(child[1]) in ("front_inner_back", "custom"):
                p.mode = str(child[1])
        elif child[0] == "layer" and len(child) > 1:
            name = str(child[1])
            lp = p.stack["F.Cu"].copy() if name not in p.stack else p.stack[name]
            lp.ox = lp.oy = lp.dx = lp.dy = 0
            for prop in child[2:]:
                if not isinstance(prop, list):
                    continue
                if prop[0] == "shape" and len(prop) > 1 and str(prop[1]) in SHAPE_CODES:
                    lp.shape = str(prop[1])
                elif prop[0] == "offset" and len(prop) >= 3:
                    lp.ox, lp.oy = board_units(prop[1]), board_units(prop[2])
                else:
                    _apply_shape_props(lp, prop[0], prop[1:], prop)
            p.stack[name] = lp
