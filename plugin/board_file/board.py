"""Read a ``.kicad_pcb`` (KiCad 6 to 10) into the BoardModel, without KiCad.

One pass over the file: the top-level items are cut by layout (``layout.split``), each item kind
goes to its reader, and what pcbnew computes when it loads a board (pad positions from the
footprint placement, net codes, via pads kept on each layer, zone coverage of pads, courtyards,
the project's design rules) is computed here the same way. ``read_board_file`` returns the model
and a ``BoardFileInfo`` with what the model has no field for (format version, stackup, net
classes, DRC rule severities, the reader's notes).
"""
from __future__ import annotations

import gc
import os
import re
import time
from dataclasses import dataclass, field

import numpy as np

from ..core.model import BoardModel, DesignSettings, Footprint, PadTable, TrackTable, Zone
from . import flashing, shapes
from .footprints import read_footprint
from .header import Layers, Nets, Setup, parse_general, parse_layers, parse_setup
from .layout import indent_unit, split, split_by_tokens
from .pad_rows import PAD_COLUMNS, append_pad
from .project import RULE_DEFAULTS_NM, read_project
from .sexpr import (
    MAX_DEPTH,
    SexprError,
    SexprSyntaxError,
    forget_units,
    kiid,
    kiids,
    line_of,
    locate,
    parse_float,
    parse_node,
    parse_span,
    unescape,
)
from .tracks import TrackColumns, finish_tracks, read_track, read_via
from .zones import CONNECTIONS, fill_area, points_inside_fill, points_inside_rings, read_zone

__all__ = ["BoardFileError", "BoardFileInfo", "read_board_file", "OLDEST_VERSION", "NEWEST_VERSION",
           "MAX_FILE_BYTES", "file_version"]

OLDEST_VERSION = 20211014
"""KiCad 6.0's board format, the oldest this reader accepts."""
NEWEST_VERSION = 20260206
"""KiCad 10.0's board format, the newest this reader knows."""
MAX_FILE_BYTES = 1 << 30
"""Larger files are refused (vme-wren, a 12-layer board, is 67 MB)."""
GENERATOR_BY_VERSION = ((20260206, "10.0"), (20241229, "9.0"), (20240108, "8.0"),
                        (20221018, "7.0"), (20211014, "6.0"))

_HEADER = re.compile(rb"\A(?:\xef\xbb\xbf)?[ \t\r\n]*\(kicad_pcb\b")
_VERSION = re.compile(rb"\(version\s+(\d{1,9})\s*\)")
_NET_DECL = re.compile(rb'\(net[ \t]+(\d{1,9})[ \t]+"((?:[^"\\]|\\.)*)"\)')


class BoardFileError(ValueError):
    """A board file that cannot be read: one line for the user, with the line number if any.

    ``kind`` is "format" for a version outside KiCad 6-10, "io" for a missing or unreadable
    file, "syntax" for a malformed one, "internal" for a defect of this reader.
    """

    def __init__(self, message: str, kind: str = "syntax"):
        super().__init__(one_line(message))
        self.kind = kind


MESSAGE_CHARS = 300
"""Longest error line: a quoted name from a damaged file can run on for lines."""


def one_line(text: str) -> str:
    """``text`` with its whitespace runs (newlines, tabs) as single spaces, cut to one line."""
    flat = " ".join(text.split())
    return flat if len(flat) <= MESSAGE_CHARS else flat[:MESSAGE_CHARS - 3] + "..."


@dataclass
class BoardFileInfo:
    """What the reader found beside the model."""

    version: int = 0
    generator_version: str = ""
    stackup: list = field(default_factory=list)
    net_classes: dict = field(default_factory=dict)
    rule_severities: dict = field(default_factory=dict)
    project_file: str = ""
    notes: list = field(default_factory=list)
    timings_s: dict = field(default_factory=dict)


class _Context:
    """Board-wide state the item readers share."""

    def __init__(self, data: bytes, version: int, unit):
        self.data, self.version, self.unit = data, version, unit
        self.layers = Layers()
        self.nets = Nets()
        self.setup = Setup()
        self._copper = {"F.Cu", "B.Cu", *(f"In{k}.Cu" for k in range(1, 31))}

    def line(self, pos: int) -> int:
        return line_of(self.data, pos)

    def is_copper_name(self, name: str) -> bool:
        return name in self._copper or name in self.layers.copper_ids

    def check_layer_name(self, name: str, pos: int) -> None:
        if self.layers.known and name not in self.layers.known:
            raise SexprError(f"undefined layer '{name}'", token=f'"{name}"')


def file_version(head: bytes) -> int | None:
    """The ``(version N)`` of a board file's first 4 KiB, None when absent."""
    m = _VERSION.search(head[:4096])
    return int(m.group(1)) if m else None


def _load(path: str) -> bytes:
    if not os.path.exists(path):
        raise BoardFileError(f"{path}: no such file", "io")
    if os.path.isdir(path):
        raise BoardFileError(f"{path}: is a directory, not a .kicad_pcb board file", "io")
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise BoardFileError(f"{path}: {size / 2**20:.0f} MB is larger than the "
                                 f"{MAX_FILE_BYTES >> 20} MB this reader accepts", "io")
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise BoardFileError(f"{path}: cannot be read ({exc.strerror})", "io") from None


def check_version(path: str, data: bytes) -> int:
    if not _HEADER.match(data):
        raise BoardFileError(f"{path}: not a KiCad board file (expected '(kicad_pcb' at the start)")
    version = file_version(data)
    if version is None or version < OLDEST_VERSION:
        found = f"format {version}" if version else "no (version ...)"
        raise BoardFileError(f"{path}: {found} is older than KiCad 6 ({OLDEST_VERSION}); "
                             "open and save it with KiCad 6 or newer", "format")
    if version > NEWEST_VERSION:
        raise BoardFileError(f"{path}: board format {version} is newer than this reader knows "
                             f"(up to {NEWEST_VERSION}, KiCad 10)", "format")
    return version


def read_board_file(path: str, project: bool = True,
                    data: bytes | None = None) -> tuple[BoardModel, BoardFileInfo]:
    """Parse a board file; raises BoardFileError with one line on any bad input.

    ``project``: also read the design rules and net classes of the ``.kicad_pro`` beside it
    (without it the settings are KiCad's defaults for a board without a project).
    ``data``: the board's text when it comes from memory rather than the file at ``path`` (the
    IPC front end reads the board open in KiCad, unsaved edits included); ``path`` still names
    it in messages and locates its project files.
    """
    t0 = time.perf_counter()
    data = _load(path) if data is None else data
    version = check_version(path, data)
    unit = indent_unit(data)
    # The reader makes a few objects per item that live until the model is built, and no
    # reference cycles: the cycle collector would rescan them again and again as they pile up
    # (a quarter of the time on a large board) to find nothing. It runs again once we return.
    collecting = gc.isenabled()
    gc.disable()
    try:
        try:
            return _read(path, data, version, project, t0, unit)
        except SexprSyntaxError:
            if unit is None:
                raise
        # Not laid out as KiCad writes (a hand edit, another tool): cut by tokens instead, which
        # reads any well-formed file and reports the first defect of a malformed one.
        return _read(path, data, version, project, t0, None)
    except SexprError as exc:
        where = f" (line {exc.line})" if exc.line else ""
        raise BoardFileError(f"{path}{where}: {exc.message}") from None
    except (RecursionError, MemoryError, OverflowError) as exc:
        raise BoardFileError(f"{path}: cannot be read ({type(exc).__name__})") from None
    except Exception as exc:  # noqa: BLE001 - a defect here must still be one line, exit 2
        where = exc.__traceback__
        while where is not None and where.tb_next is not None:
            where = where.tb_next
        at = f" at {os.path.basename(where.tb_frame.f_code.co_filename)}:{where.tb_lineno}" \
            if where is not None else ""
        raise BoardFileError(f"{path}: the board reader failed ({type(exc).__name__}{at}); "
                             "please report it, or use --reader pcbnew", "internal") from None
    finally:
        forget_units()
        if collecting:
            gc.enable()


def _top_items(data: bytes, unit):
    cut = split(data, 0, len(data), 1, unit, head_nodes=True)
    if cut is not None:
        return cut
    _, children, end = split_by_tokens(data, 0, len(data), MAX_DEPTH)
    if data[end:].strip(b" \t\r\n\x00"):
        raise SexprSyntaxError("text after the end of the board", line_of(data, end))
    head_end = children[0].start if children else end
    head = []
    pos = data.find(b"(", 1)
    while 0 <= pos < head_end:
        node, pos = parse_node(data, pos, head_end)
        head.append(node)
        pos = data.find(b"(", pos, head_end)
    return head, children


def _read(path, data, version, project, t0, unit):
    ctx = _Context(data, version, unit)
    info = BoardFileInfo(version=version)
    head, children = _top_items(data, ctx.unit)
    properties: dict = {}
    footprints, vias = [], []
    tracks = TrackColumns()
    legacy_settings = False
    zone_spans = []
    for node in head:
        if node[0] == "generator_version" and len(node) > 1:
            info.generator_version = str(node[1])
    c = None
    try:
        for c in children:
            key = c.keyword
            if key == "segment" or key == "arc":
                read_track(data, c.start, c.end, key == "arc", ctx, tracks)
            elif key == "via":
                vias.append((c.start, read_via(data, c.start, c.end, ctx)))
            elif key == "footprint" or key == "module":
                footprints.append(read_footprint(data, c.start, c.end, ctx))
            elif key == "zone":
                zone_spans.append(c)
            elif key == "net":
                m = _NET_DECL.fullmatch(data, c.start, c.end)
                if m is not None:
                    ctx.nets.declare(int(m.group(1)), unescape(m.group(2)))
                    continue
                node = parse_span(data, c.start, c.end)
                if len(node) >= 3:
                    ctx.nets.declare(int(parse_float(node[1], "net code")), str(node[2]))
            elif key in ("layers", "setup", "general", "property", "generator_version"):
                node = parse_span(data, c.start, c.end)
                if key == "layers":
                    ctx.layers = parse_layers(node)
                elif key == "setup":
                    parse_setup(node, ctx.setup)
                    legacy_settings = bool(ctx.setup.legacy)
                elif key == "general":
                    parse_general(node, ctx.setup)
                elif key == "property" and len(node) >= 3:
                    properties[str(node[1])] = str(node[2])
                elif key == "generator_version" and len(node) > 1:
                    info.generator_version = str(node[1])
    except SexprError as exc:
        if c is not None:
            locate(exc, data, c.start, c.end)
        raise
    if not ctx.layers.stack_names:
        raise SexprError("no (layers ...) section")
    info.timings_s["items"] = round(time.perf_counter() - t0, 4)
    fp_models, pads = _footprints_and_pads(footprints, ctx)
    info.timings_s["pads"] = round(time.perf_counter() - t0, 4)
    zone_recs = _zones(data, zone_spans, ctx)
    zone_rows, zone_at = _zone_rows(zone_recs, ctx)
    zone_hit = _zone_connected(pads, zone_recs, ctx)
    pad_zone = _pad_zone_index(pads, zone_at, ctx)
    info.timings_s["zones"] = round(time.perf_counter() - t0, 4)
    track_cols = finish_tracks(tracks)
    via_table = flashing.via_table(vias, track_cols, footprints, ctx, zone_recs)
    info.timings_s["vias"] = round(time.perf_counter() - t0, 4)
    rules = read_project(path, use_rules=not legacy_settings) if project else None
    settings = _settings(ctx, rules, legacy_settings)
    if rules is not None:
        info.project_file = rules.path if rules.found else ""
        info.net_classes = dict(rules.netclass_clearance_nm)
        info.rule_severities = dict(rules.rule_severities)
        if rules.problem:
            info.notes.append(rules.problem)
    info.stackup = ctx.setup.stackup
    model = BoardModel(
        path=os.path.abspath(path),
        kicad_version=info.generator_version or _generator_for(version),
        copper_layers=tuple(ctx.layers.display_names),
        net_names=ctx.nets.names(),
        footprints=tuple(fp_models),
        pads=_pad_table(pads, zone_hit, pad_zone, _pad_connections(footprints)),
        vias=via_table,
        tracks=TrackTable(**{k: kiids(v) if k == "uuid" else v for k, v in track_cols.items()}),
        zones=tuple(zone_rows),
        settings=settings,
        properties=properties,
    )
    info.timings_s["total"] = round(time.perf_counter() - t0, 4)
    return model, info


def _generator_for(version: int) -> str:
    for v, name in GENERATOR_BY_VERSION:
        if version >= v:
            return name
    return ""


def _footprints_and_pads(footprints, ctx):
    cols = {k: [] for k in PAD_COLUMNS}
    models = []
    for fi, fp in enumerate(footprints):
        start = len(cols["x_nm"])
        try:
            for p in fp.pads:
                append_pad(cols, fi, p, fp, ctx.setup, shapes.pad_polygon)
            courtyard = shapes.courtyard(fp, ctx)
        except SexprError as exc:
            raise locate(exc, ctx.data, fp.start, fp.end) from None
        models.append(Footprint(
            index=fi, ref=fp.ref, value=fp.value, fpid=fp.name, uuid=kiid(fp.uuid),
            x_nm=fp.x, y_nm=fp.y, rot_deg=fp.rot, side="bottom" if fp.bottom else "top",
            pad_start=start, pad_stop=len(cols["x_nm"]), courtyard_nm=courtyard, dnp=fp.dnp))
    return models, cols


def _pad_table(cols: dict, zone_hit, zone_index, connections) -> PadTable:
    return PadTable.from_columns(cols, uuid=kiids(cols["uuid"]), zone_connected=zone_hit,
                                 zone_index=zone_index, zone_connection=connections)


def _pad_connections(footprints) -> tuple:
    """Each pad's own zone connection, else its footprint's ("" to take the zone's)."""
    out = []
    for fp in footprints:
        own = CONNECTIONS.get(fp.zone_connect, "")
        for p in fp.pads:
            out.append(CONNECTIONS.get(p.zone_connect, "") or own)
    return tuple(out)


def _zones(data, spans, ctx):
    out = []
    for c in spans:
        try:
            z = read_zone(data, c.start, c.end, ctx)
        except SexprError as exc:
            raise locate(exc, data, c.start, c.end) from None
        if z.corners == 0:
            continue  # KiCad drops a zone without outline corners
        if z.rule_area or not any(ctx.is_copper_name(n) for n in z.layers):
            z.net = 0
        elif z.net_name is not None and ctx.nets.by_code.get(z.net) != z.net_name:
            code = ctx.nets.by_name.get(z.net_name)
            z.net = code if code is not None else ctx.nets.add(z.net_name, len(ctx.nets.by_code))
        out.append(z)
    return out


def _zone_rows(zones, ctx):
    """One model Zone per (zone, enabled copper layer), and (zone, layer name) per row."""
    rows, at = [], []
    for z in zones:
        if z.rule_area:
            continue
        for name in sorted((n for n in z.layers if n in ctx.layers.stack_index),
                           key=ctx.layers.stack_index.get):
            area = fill_area(z.fills[name], z.grow) if z.filled and name in z.fills else 0.0
            rows.append(Zone(uuid=kiid(z.uuid), net=z.net, layer=ctx.layers.stack_index[name],
                             name=z.name, polygons=(), connection=z.connection,
                             filled_area_nm2=area))
            at.append((z, name))
    return rows, at


def _pad_zone_index(cols, zone_at, ctx) -> np.ndarray:
    """Per pad, the row of a zone of its net on its outer layer whose outline holds its centre."""
    n = len(cols["x_nm"])
    index = -np.ones(n, dtype=np.int32)
    by_net: dict[int, list] = {}
    for k, (z, name) in enumerate(zone_at):
        if name in ("F.Cu", "B.Cu") and z.net > 0:
            by_net.setdefault(z.net, []).append((k, z, name))
    if not by_net:
        return index
    net = np.asarray(cols["net"], dtype=np.int64)
    x = np.asarray(cols["x_nm"], dtype=np.int64)
    y = np.asarray(cols["y_nm"], dtype=np.int64)
    front = np.asarray(cols["on_front_cu"], dtype=bool)
    back = np.asarray(cols["on_back_cu"], dtype=bool)
    for code, entries in by_net.items():
        todo = (net == code) & (front | back)
        for k, z, name in entries:
            on = front if name == "F.Cu" else back
            idx = np.flatnonzero(todo & on & (index < 0))
            if not len(idx) or not z.outline:
                continue
            inside = points_inside_rings(x[idx], y[idx], z.outline[:1])
            if len(z.outline) > 1:
                inside &= ~points_inside_rings(x[idx], y[idx], z.outline[1:])
            index[idx[inside]] = k
    return index


def _zone_connected(cols, zones, ctx) -> np.ndarray:
    """Per pad: a filled zone of its own net covers its centre on an outer layer it is on."""
    n = len(cols["x_nm"])
    hit = np.zeros(n, dtype=bool)
    by_net: dict[int, list] = {}
    for z in zones:
        if not z.rule_area and z.net > 0:
            by_net.setdefault(z.net, []).append(z)
    if not by_net:
        return hit
    net = np.asarray(cols["net"], dtype=np.int64)
    x = np.asarray(cols["x_nm"], dtype=np.int64)
    y = np.asarray(cols["y_nm"], dtype=np.int64)
    front = np.asarray(cols["on_front_cu"], dtype=bool)
    back = np.asarray(cols["on_back_cu"], dtype=bool)
    for code, zs in by_net.items():
        for layer, on in (("F.Cu", front), ("B.Cu", back)):
            idx = np.flatnonzero((net == code) & on & ~hit)
            if not len(idx):
                continue
            for z in zs:
                rings = z.fills.get(layer, ()) if layer in z.layers else ()
                todo = idx[~hit[idx]]
                if rings and len(todo):
                    hit[todo] = points_inside_fill(x[todo], y[todo], rings, z.grow)
    return hit


def _settings(ctx, rules, legacy: bool) -> DesignSettings:
    s = ctx.setup
    mins = dict(rules.minimums_nm) if rules is not None else None
    if mins is None:
        mins = dict(RULE_DEFAULTS_NM)
    if legacy:
        mins.update(s.legacy)
    default_clearance = rules.netclass_clearance_nm.get("Default", 0) if rules else 200_000
    return DesignSettings(
        min_clearance_nm=mins["min_clearance"], min_track_width_nm=mins["min_track_width"],
        min_via_diameter_nm=mins["min_via_diameter"], min_via_annular_nm=mins["min_via_annular"],
        min_through_drill_nm=mins["min_through_drill"],
        min_microvia_drill_nm=mins["min_microvia_drill"],
        min_hole_clearance_nm=mins["min_hole_clearance"],
        solder_mask_expansion_nm=s.solder_mask_expansion_nm,
        solder_mask_min_web_nm=s.solder_mask_min_web_nm,
        paste_margin_nm=s.paste_margin_nm, paste_ratio=float(s.paste_ratio),
        board_thickness_nm=s.board_thickness_nm,
        netclass_clearance_nm={"Default": default_clearance} if default_clearance else {},
    )

