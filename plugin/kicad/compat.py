"""KiCad version quirks in one place: imports, board loading with clear errors, accessors.

Written against KiCad 9.0 (per-layer padstack accessors); falls back to the KiCad 8 forms
where the 9.0 call raises TypeError or the attribute is missing.
"""
from __future__ import annotations

import contextlib
import os
import re
import sys

import numpy as np

from ..core.model import PadAttrib, PadShape

KICAD_DIST_PACKAGES = "/usr/lib/python3/dist-packages"
"""Where Debian puts the pcbnew module; appended (never prepended) to sys.path when needed."""

_PCBNEW = None


class KiCadMissing(RuntimeError):
    """The pcbnew Python module cannot be imported on this machine."""


class BoardLoadError(ValueError):
    """A board file that cannot be read; the message is one line for the user."""


@contextlib.contextmanager
def quiet_stderr():
    """Silence C-level stderr (wx image-handler and zone-fill chatter) for the duration."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, ValueError, OSError):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def pcbnew():
    """Import pcbnew once (from KiCad's own interpreter path or Debian's dist-packages)."""
    global _PCBNEW
    if _PCBNEW is not None:
        return _PCBNEW
    if "pcbnew" in sys.modules and sys.modules["pcbnew"] is not None:
        _PCBNEW = sys.modules["pcbnew"]
        return _PCBNEW
    try:
        with quiet_stderr():
            import pcbnew as module  # noqa: PLC0415
    except ImportError:
        if KICAD_DIST_PACKAGES not in sys.path and os.path.isdir(KICAD_DIST_PACKAGES):
            sys.path.append(KICAD_DIST_PACKAGES)
        try:
            with quiet_stderr():
                import pcbnew as module  # noqa: PLC0415
        except ImportError as exc:
            raise KiCadMissing(
                "KiCad's pcbnew Python module is not available (install KiCad 9: "
                "see README, 'make setup'): " + str(exc).splitlines()[0]) from None
    _PCBNEW = module
    return module


def kicad_version() -> str:
    """KiCad version string, e.g. '9.0.8'."""
    return str(pcbnew().Version())


def supported_file_version() -> int:
    """Newest board file format this KiCad reads (YYYYMMDD)."""
    return int(getattr(pcbnew(), "SEXPR_BOARD_FILE_VERSION", 20241229))


_HEADER = re.compile(rb"^\s*\(kicad_pcb\b")
_VERSION = re.compile(rb"\(version\s+(\d+)\)")


def load_board(path: str):
    """Load a .kicad_pcb with pcbnew, turning every failure into a one-line BoardLoadError."""
    if not os.path.exists(path):
        raise BoardLoadError(f"{path}: no such file")
    if os.path.isdir(path):
        raise BoardLoadError(f"{path}: is a directory, not a .kicad_pcb board file")
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise BoardLoadError(f"{path}: cannot be read ({exc.strerror})") from None
    if not _HEADER.match(head):
        raise BoardLoadError(f"{path}: not a KiCad board file (expected '(kicad_pcb' at the start)")
    found = _VERSION.search(head)
    module = pcbnew()
    if found and int(found.group(1)) > supported_file_version():
        raise BoardLoadError(
            f"{path}: board format {int(found.group(1))} is newer than this KiCad "
            f"{kicad_version()} reads (up to {supported_file_version()}); "
            "open it with a newer KiCad")
    try:
        with quiet_stderr():
            board = module.LoadBoard(path)
    except Exception as exc:  # pcbnew raises IO_ERROR wrappers with multi-line text
        first = (str(exc).strip().splitlines() or ["unknown error"])[0]
        raise BoardLoadError(f"{path}: KiCad could not read the board: {first}") from None
    if board is None:
        raise BoardLoadError(f"{path}: KiCad could not parse the board (truncated or corrupt file)")
    return board


def pad_attrib_codes() -> dict:
    """The PAD_ATTRIB value -> PadAttrib code."""
    m = pcbnew()
    return {m.PAD_ATTRIB_PTH: PadAttrib.PTH, m.PAD_ATTRIB_SMD: PadAttrib.SMD,
            m.PAD_ATTRIB_CONN: PadAttrib.CONN, m.PAD_ATTRIB_NPTH: PadAttrib.NPTH}


def pad_shape_codes() -> dict:
    """The PAD_SHAPE value -> PadShape code."""
    m = pcbnew()
    return {m.PAD_SHAPE_CIRCLE: PadShape.CIRCLE, m.PAD_SHAPE_RECT: PadShape.RECT,
            m.PAD_SHAPE_OVAL: PadShape.OVAL, m.PAD_SHAPE_TRAPEZOID: PadShape.TRAPEZOID,
            m.PAD_SHAPE_ROUNDRECT: PadShape.ROUNDRECT,
            m.PAD_SHAPE_CHAMFERED_RECT: PadShape.CHAMFERED_RECT,
            m.PAD_SHAPE_CUSTOM: PadShape.CUSTOM}


def pad_prop_bga() -> int:
    """The 'BGA pad' fabrication property value."""
    return getattr(pcbnew(), "PAD_PROP_BGA", 1)


def pad_size(pad, layer):
    """Pad copper size on a layer (KiCad 9 padstacks), or the single size (KiCad 8)."""
    try:
        return pad.GetSize(layer)
    except TypeError:  # KiCad 8: no per-layer size
        return pad.GetSize()


def pad_shape(pad, layer):
    """Pad shape on a layer (KiCad 9), or the single shape (KiCad 8)."""
    try:
        return pad.GetShape(layer)
    except TypeError:
        return pad.GetShape()


_SHAPE_POS_LAYER = None


def shape_pos_takes_layer() -> bool:
    """KiCad 9's PAD.ShapePos takes a layer; KiCad 8's takes none."""
    global _SHAPE_POS_LAYER
    if _SHAPE_POS_LAYER is None:
        m = pcbnew()
        probe = m.PAD(m.FOOTPRINT(None))
        try:
            probe.ShapePos(m.F_Cu)
            _SHAPE_POS_LAYER = True
        except TypeError:
            _SHAPE_POS_LAYER = False
    return _SHAPE_POS_LAYER


def corner_radius(pad, layer) -> int:
    """Rounded-rect corner radius [nm] on a layer."""
    try:
        return int(pad.GetRoundRectCornerRadius(layer))
    except TypeError:
        return int(pad.GetRoundRectCornerRadius())


def _outline_points(chain) -> np.ndarray:
    pts = [chain.CPoint(i) for i in range(chain.PointCount())]
    return np.array([[p.x, p.y] for p in pts], dtype=np.int64).reshape(-1, 2)


def pad_polygon(pad, layer):
    """Copper outline of a non-simple pad as an (n, 2) nm array in board coordinates."""
    try:
        poly = pad.GetEffectivePolygon(layer)
    except TypeError:
        poly = pad.GetEffectivePolygon()
    if poly is None or poly.OutlineCount() == 0:
        return None
    return _outline_points(poly.Outline(0))


def courtyard_outline(fp, bottom: bool):
    """Courtyard outline on the footprint's side as (n, 2) nm, or None when none is drawn."""
    m = pcbnew()
    try:
        fp.BuildCourtyardCaches()
        poly = fp.GetCourtyard(m.B_CrtYd if bottom else m.F_CrtYd)
    except Exception:  # missing or malformed courtyard: detection does not need it
        return None
    if poly is None or poly.OutlineCount() == 0:
        return None
    return _outline_points(poly.Outline(0))


def is_dnp(fp) -> bool:
    """Footprint marked 'do not populate' (KiCad 8+)."""
    return bool(getattr(fp, "IsDNP", lambda: False)())


def via_type_names() -> dict:
    """The VIATYPE value -> 'through' | 'blind_buried' | 'micro'.

    KiCad 9 has one VIATYPE_BLIND_BURIED; KiCad 10 split it into VIATYPE_BLIND and VIATYPE_BURIED.
    """
    m = pcbnew()
    names = {m.VIATYPE_THROUGH: "through", m.VIATYPE_MICROVIA: "micro"}
    for name in ("VIATYPE_BLIND_BURIED", "VIATYPE_BLIND", "VIATYPE_BURIED"):
        if hasattr(m, name):
            names[getattr(m, name)] = "blind_buried"
    return names


def resolve_item(board, uuid: str):
    """The board item with this KIID, or None (KiCad 10 renamed BOARD.GetItem to ResolveItem)."""
    m = pcbnew()
    kiid = m.KIID(uuid)
    if hasattr(board, "ResolveItem"):  # KiCad 10
        item = board.ResolveItem(kiid, True)
    else:  # KiCad 9
        item = getattr(board, "GetItem")(kiid)  # noqa: B009 - by name: KiCad 10 removed it
    if item is None or item.Type() == m.NOT_USED:
        return None
    return item.Cast()


def board_file_plugin():
    """KiCad's own s-expression board reader/writer (PluginFind in 9, FindPlugin in 10)."""
    mgr = pcbnew().PCB_IO_MGR
    find = getattr(mgr, "FindPlugin", None) or getattr(mgr, "PluginFind")  # noqa: B009 - 9 only
    return find(mgr.KICAD_SEXP)


def via_width(via, layer) -> int:
    """Via pad diameter [nm] on a layer (KiCad 9 padstacks), or the single width (KiCad 8)."""
    try:
        return int(via.GetWidth(layer))
    except TypeError:
        return int(via.GetWidth())


def via_tenting(via, board) -> tuple[bool, bool]:
    """(front, back) mask tenting, resolving 'from rules' to the board default (KiCad 9)."""
    m = pcbnew()
    ds = board.GetDesignSettings()
    out = []
    for getter, default in (("GetFrontTentingMode", "m_TentViasFront"),
                            ("GetBackTentingMode", "m_TentViasBack")):
        mode = getattr(via, getter, lambda: None)()
        if mode == getattr(m, "TENTING_MODE_TENTED", -1):
            out.append(True)
        elif mode == getattr(m, "TENTING_MODE_NOT_TENTED", -1):
            out.append(False)
        else:
            out.append(bool(getattr(ds, default, False)))
    return out[0], out[1]


def default_netclass_clearance(ds) -> int:
    """Default net class clearance [nm], 0 when unavailable."""
    try:
        return int(ds.m_NetSettings.GetDefaultNetclass().GetClearance())
    except Exception:  # API moved between 7, 8 and 9
        return 0


def text_variables(board) -> dict:
    """Board/project text variables, e.g. a STENCIL_THICKNESS the designer set."""
    try:
        return {str(k): str(v) for k, v in dict(board.GetProperties()).items()}
    except Exception:
        return {}
