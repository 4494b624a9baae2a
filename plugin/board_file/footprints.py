"""Footprints: placement, side, fields, local margins, pads and courtyard shapes.

Only the children a check uses are parsed; silk, fab, text, 3D models and zones inside a
footprint are skipped by span. Children are handled in file order, as KiCad's parser does, so a
placement written after the pads moves and turns them the way KiCad's FOOTPRINT::SetPosition
and SetOrientation would.
"""
from __future__ import annotations

import re

from .kimath import normalize, normalize180, rotate
from .layout import split
from .pads import read_pad
from .sexpr import (
    SexprError,
    board_units,
    locate,
    need,
    parse_float,
    parse_span,
    unescape,
)

__all__ = ["FootprintRecord", "read_footprint"]

MARGIN_INHERIT_BEFORE = 20240201
_PROPERTY = re.compile(rb'\(property\s+"((?:[^"\\]|\\.)*)"\s+"((?:[^"\\]|\\.)*)"')
_FP_TEXT = re.compile(rb'\(fp_text\s+(reference|value)\s+"((?:[^"\\]|\\.)*)"')
_SHAPES = {"fp_line", "fp_rect", "fp_poly", "fp_arc", "fp_circle", "fp_curve"}
_WANTED = {"at", "layer", "uuid", "tstamp", "attr", "solder_mask_margin", "solder_paste_margin",
           "solder_paste_margin_ratio", "solder_paste_ratio", "pad", "version", "zone_connect"}


class FootprintRecord:
    """A footprint as read: placement, fields, local margins, pads and courtyard shapes."""

    __slots__ = ("name", "ref", "value", "uuid", "x", "y", "rot", "bottom", "dnp", "pads",
                 "mask_margin", "paste_margin", "paste_ratio", "crtyd", "start", "end",
                 "zone_connect")

    def __init__(self, name: str, start: int):
        self.name, self.start, self.end = name, start, start
        self.ref = self.value = self.uuid = ""
        self.x = self.y = 0
        self.rot = 0.0
        self.bottom = self.dnp = False
        self.pads: list = []
        self.mask_margin = self.paste_margin = self.paste_ratio = None
        self.zone_connect = -1
        self.crtyd: list = []   # (layer name, shape node) in file order, footprint-relative


def _set_position(fp: FootprintRecord, x: int, y: int) -> None:
    dx, dy = x - fp.x, y - fp.y
    for p in fp.pads:
        p.x += dx
        p.y += dy
    fp.x, fp.y = x, y


def _set_orientation(fp: FootprintRecord, deg: float) -> None:
    new = normalize180(deg)
    change = new - fp.rot
    if change != 0.0:
        for p in fp.pads:
            rx, ry = rotate(p.x - fp.x, p.y - fp.y, change)
            p.x, p.y = rx + fp.x, ry + fp.y
            p.rot = normalize(p.rot + change)
    fp.rot = new


_SEP = b"\n\t\t("
_CHILD_HEAD = re.compile(
    rb"\n\t\t\((pad|fp_text|at|layer|uuid|tstamp|attr|solder_mask_margin|"
    rb"solder_paste_margin|solder_paste_margin_ratio|solder_paste_ratio|zone_connect)"
    rb'(?=[ \t\r\n)])|\n\t\t\((property)[ \t]+"(?:Reference|Value)"')
_NUM = rb"([-+]?[0-9.]+(?:[eE][-+]?[0-9]+)?)"
_CRTYD_LINE = re.compile(
    rb"\(fp_line[ \t\r\n]+\(start[ \t]+" + _NUM + rb"[ \t]+" + _NUM + rb"\)[ \t\r\n]+"
    rb"\(end[ \t]+" + _NUM + rb"[ \t]+" + _NUM + rb"\)[ \t\r\n]+"
    rb'\(stroke[ \t\r\n]+\(width[ \t]+[-+0-9.eE]+\)[ \t\r\n]+\(type[ \t]+[a-z_]+\)[ \t\r\n]*\)'
    rb'[ \t\r\n]+\(layer[ \t]+"([FB]\.CrtYd)"\)')
_KEY = re.compile(rb"\(([A-Za-z_][A-Za-z0-9_]*)")


def _wanted_children(data: bytes, start: int, end: int):
    """(keyword, start, end) of the children a check uses, in file order.

    Found by their line starts (KiCad 7+ layout) without visiting the rest; None when a cut
    does not check out (the caller then cuts the whole node).
    """
    close = end
    while close > start and data[close - 1] in b" \t\r\n":
        close -= 1
    close -= 1
    if close <= start or data[close] != 0x29:
        return None
    starts = {m.start() + 3: (m.group(1) or m.group(2)).decode("ascii")
              for m in _CHILD_HEAD.finditer(data, start, close)}
    pos = data.find(b"CrtYd", start, close)
    while pos >= 0:
        cstart = data.rfind(_SEP, start, pos) + 3
        m = _KEY.match(data, cstart)
        if cstart >= 3 and m is not None and m.group(1).decode("ascii") in _SHAPES:
            starts[cstart] = m.group(1).decode("ascii")
        nxt = data.find(_SEP, pos, close)
        pos = data.find(b"CrtYd", nxt, close) if nxt >= 0 else -1
    out = []
    for cstart in sorted(starts):
        nxt = data.find(_SEP, cstart, close)
        cend = nxt if nxt >= 0 else close
        stop = data.rfind(b")", cstart, cend) + 1
        if stop <= cstart or data[stop:cend].strip(b" \t\r\n"):
            return None
        out.append((starts[cstart], cstart, stop))
    return out


def _children(data: bytes, start: int, end: int, ctx):
    """(keyword, node or None, start, end) of each child; None where the child is skipped."""
    if ctx.unit == b"\t":
        m = re.match(rb'\(footprint\s+("(?:[^"\\]|\\.)*"|[^\s()"]+)', data[start:start + 4096])
        kids = _wanted_children(data, start, end) if m is not None else None
        if kids is not None:
            raw = m.group(1)
            name = unescape(raw[1:-1]) if raw[:1] == b'"' else raw.decode("utf-8", "replace")
            return ["footprint", name], [(k, None, a, b) for k, a, b in kids]
    cut = split(data, start, end, 2, ctx.unit) if ctx.unit == b"\t" else None
    if cut is None:
        node = parse_span(data, start, end)
        return node, [(c[0], c, start, end) for c in node[2:] if isinstance(c, list)]
    head, kids = cut
    m = re.match(rb'\(footprint\s+("(?:[^"\\]|\\.)*"|[^\s()"]+)', data[start:start + 4096])
    if m is None:
        node = parse_span(data, start, end)
        return node, [(c[0], c, start, end) for c in node[2:] if isinstance(c, list)]
    raw = m.group(1)
    name = unescape(raw[1:-1]) if raw[:1] == b'"' else raw.decode("utf-8", "replace")
    out = []
    for c in kids:
        out.append((c.keyword, None, c.start, c.end))
    return ["footprint", name], out


def read_footprint(data: bytes, start: int, end: int, ctx) -> FootprintRecord:
    """The footprint spanning [start, end): placement, fields, pads and courtyard shapes."""
    header, kids = _children(data, start, end, ctx)
    if len(header) < 2 or isinstance(header[1], list):
        raise SexprError("a footprint needs a name", ctx.line(start))
    fp = FootprintRecord(str(header[1]), start)
    fp.end = end
    legacy_zero = ctx.version <= MARGIN_INHERIT_BEFORE
    for key, node, cstart, cend in kids:
        if node is None:
            if key == "property":
                m = _PROPERTY.match(data, cstart, cend)
                if m is not None:
                    if m.group(1) in (b"Reference", b"Value"):
                        _field(fp, m.group(1).decode("ascii"), unescape(m.group(2)))
                    continue
            elif key == "fp_text":
                m = _FP_TEXT.match(data, cstart, cend)
                if m is not None:
                    _field(fp, {b"reference": "Reference", b"value": "Value"}[m.group(1)],
                           _percent_fields(unescape(m.group(2))))
                continue
            elif key in _SHAPES:
                if data.find(b"CrtYd", cstart, cend) < 0:
                    continue
                m = _CRTYD_LINE.match(data, cstart, cend)
                if m is not None:  # the usual courtyard line: no tree needed
                    x0, y0, x1, y1, layer = (g.decode("ascii") for g in m.groups())
                    fp.crtyd.append((layer, ["fp_line", ["start", x0, y0], ["end", x1, y1]]))
                    continue
            elif key not in _WANTED:
                continue
            node = parse_span(data, cstart, cend)
        try:
            _child(fp, key, node, ctx, legacy_zero)
        except SexprError as exc:
            raise locate(exc, data, cstart, cend) from None
    return fp


def _percent_fields(text: str) -> str:
    return text.replace("%V", "${VALUE}").replace("%R", "${REFERENCE}")


def _field(fp: FootprintRecord, name: str, value: str) -> None:
    if name == "Reference":
        fp.ref = value
    elif name == "Value":
        fp.value = value


def _child(fp: FootprintRecord, key: str, node: list, ctx, legacy_zero: bool) -> None:
    args = node[1:]
    if key == "pad":
        fp.pads.append(read_pad(node, fp, ctx))
    elif key == "at":
        args = need(node, 2, "x y")
        _set_position(fp, board_units(args[0]), board_units(args[1]))
        if len(args) >= 3:
            _set_orientation(fp, parse_float(args[2], "footprint angle"))
    elif key == "layer" and args:
        fp.bottom = str(args[0]) == "B.Cu"
    elif key in ("uuid", "tstamp") and args:
        fp.uuid = str(args[0])
    elif key == "property" and len(args) >= 2:
        _field(fp, str(args[0]), str(args[1]))
    elif key == "fp_text" and len(args) >= 2 and str(args[0]) in ("reference", "value"):
        name = "Reference" if args[0] == "reference" else "Value"
        _field(fp, name, _percent_fields(str(args[1])))
    elif key == "attr":
        fp.dnp = any(str(a) == "dnp" for a in args)
    elif key == "solder_mask_margin" and args:
        v = board_units(args[0])
        fp.mask_margin = None if (legacy_zero and v == 0) else v
    elif key == "solder_paste_margin" and args:
        v = board_units(args[0])
        fp.paste_margin = None if (legacy_zero and v == 0) else v
    elif key in ("solder_paste_margin_ratio", "solder_paste_ratio") and args:
        v = parse_float(args[0])
        fp.paste_ratio = None if (legacy_zero and v == 0) else v
    elif key == "zone_connect" and args:
        fp.zone_connect = int(parse_float(args[0], "zone connection"))
    elif key in _SHAPES:
        layer = next((str(c[1]) for c in args if isinstance(c, list) and c[0] == "layer"
                      and len(c) > 1), "")
        if layer in ("F.CrtYd", "B.CrtYd"):
            fp.crtyd.append((layer, node))
