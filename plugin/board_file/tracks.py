"""Track segments, arcs and vias into column lists, the common layouts by one regex each.

A segment or arc that KiCad wrote in its usual form (start, end, width, one layer, net, uuid) is
read by a single ``fullmatch``; anything else (a ``locked`` flag, a mask-opening layer list, an
unusual order) goes through the tree parser and ``_track_fields``, which follows KiCad's parser
token by token. Vias always go through the tree parser: they are few and carry more options.
"""
from __future__ import annotations

import re

import numpy as np

from .header import Nets, front_back
from .sexpr import Quoted, SexprError, board_units, need, parse_float, parse_span, unescape

__all__ = ["TrackColumns", "ViaRecord", "read_track", "read_via", "finish_tracks"]

_NUM = rb"([-+0-9.eE]+)"
_NET = rb'\(net (?:(-?\d+)|"((?:[^"\\]|\\.)*)")\)'
_TAIL = rb'\s+' + _NET + rb'\s+\((?:uuid|tstamp) "?([^"\s()]*)"?\)\s*\)'
_SEGMENT = re.compile(
    rb"\(segment\s+\(start " + _NUM + rb" " + _NUM + rb"\)\s+\(end " + _NUM + rb" " + _NUM +
    rb"\)\s+\(width " + _NUM + rb'\)\s+\(layer "([^"\\]*)"\)' + _TAIL)
_ARC = re.compile(
    rb"\(arc\s+\(start " + _NUM + rb" " + _NUM + rb"\)\s+\(mid " + _NUM + rb" " + _NUM +
    rb"\)\s+\(end " + _NUM + rb" " + _NUM + rb"\)\s+\(width " + _NUM +
    rb'\)\s+\(layer "([^"\\]*)"\)' + _TAIL)

_VIA = re.compile(
    rb"\(via(?:\s+(blind|buried|micro))?\s+\(at " + _NUM + rb" " + _NUM + rb"\)\s+\(size " + _NUM +
    rb"\)\s+\(drill " + _NUM + rb'\)\s+\(layers "([^"\\]*)" "([^"\\]*)"\)'
    rb"(?:\s+\(remove_unused_layers (yes|no)\))?(?:\s+\(keep_end_layers (yes|no)\))?"
    rb'(?:\s+\(zone_layer_connections((?:\s+"[^"\\]*")*)\s*\))?' + _TAIL)
_QUOTED = re.compile(rb'"([^"\\]*)"')

DEFAULT_TRACK_WIDTH_NM = 200_000


class TrackColumns:
    """Segments and arcs in file order; numbers kept as text until one vectorised conversion."""

    def __init__(self):
        self.order: list[int] = []          # file offset of each item, to keep KiCad's order
        self.text: list[list[bytes]] = []   # x1 y1 x2 y2 xm ym width (mid = start for segments)
        self.layer: list[int] = []
        self.net: list[int] = []
        self.uuid: list[str] = []
        self.is_arc: list[bool] = []


def _net_code(ctx, num: bytes | None, name: bytes | None) -> int:
    if num is not None:
        return ctx.nets.from_file_code(int(num))
    return ctx.nets.by_name_or_new(unescape(name))


def read_track(data: bytes, start: int, end: int, arc: bool, ctx, cols: TrackColumns) -> None:
    """One ``(segment ...)`` or ``(arc ...)``; items off copper are dropped, as KiCad drops them."""
    m = (_ARC if arc else _SEGMENT).fullmatch(data, start, end)
    if m is not None:
        g = m.groups()
        if arc:
            layer_name, num, name, uuid = g[7].decode("utf-8", "replace"), g[8], g[9], g[10]
            nums = [g[0], g[1], g[4], g[5], g[2], g[3], g[6]]
        else:
            layer_name, num, name, uuid = g[5].decode("utf-8", "replace"), g[6], g[7], g[8]
            nums = [g[0], g[1], g[2], g[3], g[0], g[1], g[4]]
        if not ctx.is_copper_name(layer_name):
            ctx.check_layer_name(layer_name, start)
            return
        cols.order.append(start)
        cols.text.append(nums)
        cols.layer.append(ctx.layers.index(layer_name))
        cols.net.append(_net_code(ctx, num, name))
        cols.uuid.append(uuid.decode("ascii", "replace"))
        cols.is_arc.append(arc)
        return
    node = parse_span(data, start, end)
    fields = _track_fields(node, ctx, start)
    if fields is None:
        return
    cols.order.append(start)
    cols.text.append(fields["nums"])
    cols.layer.append(fields["layer"])
    cols.net.append(fields["net"])
    cols.uuid.append(fields["uuid"])
    cols.is_arc.append(arc)


def _track_fields(node: list, ctx, pos: int):
    pts = {"start": (b"0", b"0"), "end": (b"0", b"0"), "mid": None}
    width = str(DEFAULT_TRACK_WIDTH_NM / 1e6).encode()
    layer_name, net, uuid = None, 0, ""
    for child in node[1:]:
        if not isinstance(child, list):
            continue  # a bare legacy "locked"
        key = child[0]
        if key in ("start", "end", "mid"):
            need(child, 2, "x y")
            parse_float(child[1], "coordinate"), parse_float(child[2], "coordinate")
            pts[key] = (child[1].encode(), child[2].encode())
        elif key == "width":
            parse_float(need(child, 1)[0], "track width")
            width = child[1].encode()
        elif key == "layer" and len(child) >= 2:
            layer_name = str(child[1])
        elif key == "layers":
            copper = [str(n) for n in child[1:] if ctx.is_copper_name(str(n))]
            layer_name = copper[0] if len(copper) == 1 else None
            if len(copper) != 1:
                raise SexprError("a track needs exactly one copper layer", ctx.line(pos))
        elif key == "net" and len(child) >= 2:
            net = _net_from_node(child, ctx)
        elif key in ("uuid", "tstamp") and len(child) >= 2:
            uuid = str(child[1])
    if layer_name is None or not ctx.is_copper_name(layer_name):
        if layer_name is not None:
            ctx.check_layer_name(layer_name, pos)
        return None
    mid = pts["mid"] or pts["start"]
    return {"nums": [*pts["start"], *pts["end"], *mid, width],
            "layer": ctx.layers.index(layer_name), "net": net, "uuid": uuid}


def _net_from_node(child: list, ctx) -> int:
    """``(net 5)``, ``(net 5 "GND")`` (KiCad 6-9) or ``(net "GND")`` (KiCad 10)."""
    token = child[1]
    if isinstance(token, Quoted):
        return ctx.nets.by_name_or_new(str(token))
    code = ctx.nets.from_file_code(int(parse_float(token, "net code")))
    if len(child) > 2 and isinstance(child[2], str) and code != Nets.ORPHANED:
        if ctx.nets.by_code.get(code) != str(child[2]):
            return Nets.ORPHANED
    return code


def finish_tracks(cols: TrackColumns) -> dict:
    """Columns -> int64 nm arrays in file order."""
    n = len(cols.order)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return {"x1_nm": empty, "y1_nm": empty, "x2_nm": empty, "y2_nm": empty, "xm_nm": empty,
                "ym_nm": empty, "width_nm": empty, "layer": np.zeros(0, dtype=np.int16),
                "net": np.zeros(0, dtype=np.int32), "uuid": (), "is_arc": np.zeros(0, dtype=bool)}
    try:
        vals = np.array(cols.text, dtype=np.float64) * 1e6
    except ValueError:
        raise SexprError("a track coordinate is not a number") from None
    if not np.isfinite(vals).all():
        raise SexprError("a track coordinate is not a finite number")
    from .kimath import round_half_away
    limit = float(2**31 - 1 - 10)
    nm = round_half_away(np.clip(vals, -limit, limit))
    order = np.argsort(np.asarray(cols.order), kind="stable")
    nm = nm[order]
    return {"x1_nm": nm[:, 0], "y1_nm": nm[:, 1], "x2_nm": nm[:, 2], "y2_nm": nm[:, 3],
            "xm_nm": nm[:, 4], "ym_nm": nm[:, 5], "width_nm": nm[:, 6],
            "layer": np.asarray(cols.layer, dtype=np.int16)[order],
            "net": np.asarray(cols.net, dtype=np.int32)[order],
            "uuid": tuple(cols.uuid[i] for i in order),
            "is_arc": np.asarray(cols.is_arc, dtype=bool)[order]}


class ViaRecord:
    """One via as KiCad holds it after reading (layers by name, padstack sizes per layer)."""

    __slots__ = ("x", "y", "size", "drill", "top", "bottom", "via_type", "net", "uuid",
                 "mode", "keep_ends", "forced", "tent_front", "tent_back", "filled", "capped",
                 "layer_sizes")

    def __init__(self):
        self.x = self.y = 0
        self.size, self.drill = 0, 0
        self.top, self.bottom = "F.Cu", "B.Cu"
        self.via_type = "through"
        self.net, self.uuid = 0, ""
        self.mode = "keep_all"     # keep_all | remove_all | remove_except_ends | start_end_only
        self.keep_ends = False
        self.forced: set[str] | None = None   # None: no zone_layer_connections written
        self.tent_front = self.tent_back = None
        self.filled = self.capped = None
        self.layer_sizes: dict = {}


def _opt_bool(token) -> bool | None:
    return True if token == "yes" else False if token == "no" else None


def read_via(data: bytes, start: int, end: int, ctx) -> ViaRecord:
    """The via spanning [start, end)."""
    v = ViaRecord()
    if ctx.version < 20250228:  # before KiCad 10 a via had no fill or cap: off, not inherited
        v.filled = v.capped = False
    m = _VIA.fullmatch(data, start, end)
    if m is not None:
        (kind, x, y, size, drill, top, bottom, remove, keep, forced, num, name,
         uuid) = m.groups()
        if kind is not None:
            v.via_type = "micro" if kind == b"micro" else "blind_buried"
        v.x, v.y = board_units(x.decode()), board_units(y.decode())
        v.size, v.drill = board_units(size.decode()), board_units(drill.decode())
        v.top, v.bottom = top.decode("utf-8", "replace"), bottom.decode("utf-8", "replace")
        for layer_name in (v.top, v.bottom):
            ctx.check_layer_name(layer_name, start)
        if remove == b"yes":
            v.mode = "remove_except_ends" if keep == b"yes" else "remove_all"
        if forced is not None:
            v.forced = {t.decode("utf-8", "replace") for t in _QUOTED.findall(forced)}
        v.net = _net_code(ctx, num, name)
        v.uuid = uuid.decode("ascii", "replace")
        return v
    node = parse_span(data, start, end)
    remove = keep = start_end = False
    for child in node[1:]:
        if not isinstance(child, list):
            if child in ("blind", "buried"):
                v.via_type = "blind_buried"
            elif child == "micro":
                v.via_type = "micro"
            continue
        key = child[0]
        args = child[1:]
        if key in ("blind", "buried"):
            v.via_type = "blind_buried"
        elif key == "micro":
            v.via_type = "micro"
        elif key == "at":
            need(child, 2, "x y")
            v.x, v.y = board_units(args[0]), board_units(args[1])
        elif key == "size":
            v.size = board_units(need(child, 1)[0], "via size")
        elif key == "drill":
            v.drill = board_units(need(child, 1)[0], "via drill")
        elif key == "layers":
            need(child, 2, "top and bottom layer")
            v.top, v.bottom = str(args[0]), str(args[1])
            for name in (v.top, v.bottom):
                ctx.check_layer_name(name, start)
        elif key == "net" and args:
            v.net = _net_from_node(child, ctx)
        elif key == "remove_unused_layers":
            remove = not args or args[0] in ("yes", "true")
        elif key == "keep_end_layers":
            keep = not args or args[0] in ("yes", "true")
        elif key == "start_end_only":
            start_end = not args or args[0] in ("yes", "true")
        elif key == "zone_layer_connections":
            v.forced = {str(a) for a in args}
        elif key == "padstack":
            _via_padstack(child, v)
        elif key == "tenting":
            v.tent_front, v.tent_back = front_back(child)
        elif key == "filling" and args:
            v.filled = _opt_bool(args[0])
        elif key == "capping" and args:
            v.capped = _opt_bool(args[0])
        elif key in ("uuid", "tstamp") and args:
            v.uuid = str(args[0])
    if start_end:
        v.mode = "start_end_only"
    elif remove:
        v.mode = "remove_except_ends" if keep else "remove_all"
    return v


def _via_padstack(node: list, v: ViaRecord) -> None:
    for child in node[1:]:
        if not isinstance(child, list):
            continue
        if child[0] == "mode" and len(child) > 1:
            v.layer_sizes["mode"] = str(child[1])
        elif child[0] == "layer" and len(child) > 1:
            for prop in child[2:]:
                if isinstance(prop, list) and prop[0] == "size" and len(prop) > 1:
                    v.layer_sizes[str(child[1])] = board_units(prop[1], "via size")
