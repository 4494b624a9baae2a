"""The board model: plain numpy tables filled once by an adapter, read by detection and checks.

Every length is int64 nanometres in board coordinates (KiCad's own unit, y pointing down);
angles are float degrees, counter-clockwise as KiCad shows them. Pads of one footprint are
contiguous in the pad table (``Footprint.pad_start:pad_stop``). No KiCad object crosses this
boundary, so a second adapter (KiCad's IPC API, a file parser) only has to fill these tables.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "PadShape", "PadAttrib", "PadTable", "ViaTable", "TrackTable", "Zone", "Footprint",
    "DesignSettings", "BoardModel",
]

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
BOOL = NDArray[np.bool_]


class PadShape:
    """Pad shape codes (KiCad's PAD_SHAPE names)."""

    CIRCLE, RECT, OVAL, TRAPEZOID, ROUNDRECT, CHAMFERED_RECT, CUSTOM = range(7)
    NAMES = ("circle", "rect", "oval", "trapezoid", "roundrect", "chamfered_rect", "custom")


class PadAttrib:
    """Pad attribute codes (KiCad's PAD_ATTRIB names)."""

    PTH, SMD, CONN, NPTH = range(4)
    NAMES = ("pth", "smd", "conn", "npth")


@dataclass(frozen=True)
class PadTable:
    """All pads of the board, one row each.

    ``w_nm``/``h_nm`` are the copper size in the pad's own frame on its outer copper layer;
    ``rot_deg`` is the absolute orientation. ``mask_w_nm``/``mask_h_nm`` and
    ``paste_w_nm``/``paste_h_nm`` are the openings KiCad plots (0 where the pad has no such
    layer). ``corner_r_nm`` is the rounded-rect corner radius (0 otherwise).
    """

    fp_index: NDArray[np.int32]
    number: tuple[str, ...]
    uuid: tuple[str, ...]
    net: NDArray[np.int32]
    pin_type: tuple[str, ...]
    x_nm: I64
    y_nm: I64
    w_nm: I64
    h_nm: I64
    rot_deg: F64
    shape: NDArray[np.int8]
    corner_r_nm: I64
    attrib: NDArray[np.int8]
    on_front_cu: BOOL
    on_back_cu: BOOL
    mask_w_nm: I64
    mask_h_nm: I64
    paste_w_nm: I64
    paste_h_nm: I64
    drill_nm: I64
    bga_property: BOOL
    polygon_nm: tuple[Optional[I64], ...] = ()
    """Custom-shape outlines as (n, 2) board-coordinate vertex arrays; None for simple shapes."""
    zone_connected: Optional[BOOL] = None
    """True where a filled copper zone of the pad's own net covers the pad centre."""
    zone_index: Optional[NDArray[np.int32]] = None
    """Index into ``BoardModel.zones`` of a zone of the pad's own net, on the pad's outer
    layer, whose outline holds the pad centre (-1: none); None when the reader cannot tell."""
    zone_connection: Optional[tuple[str, ...]] = None
    """The pad's own zone-connection override, else its footprint's: "full", "thermal",
    "none", "thru_hole_only", or "" to take the zone's setting; None when unknown."""

    def __len__(self) -> int:
        return len(self.x_nm)

    LENGTH_COLUMNS = ("x_nm", "y_nm", "w_nm", "h_nm", "corner_r_nm", "mask_w_nm", "mask_h_nm",
                      "paste_w_nm", "paste_h_nm", "drill_nm")

    @classmethod
    def from_columns(cls, cols: dict, **given: Any) -> "PadTable":
        """The table from a reader's per-pad lists, each cast to its column's dtype.

        Both readers (native and pcbnew) collect one list per field; ``given`` fields (e.g. the
        zone columns only the native reader computes) are taken as they are.
        """
        fields: dict[str, Any] = dict(
            fp_index=np.asarray(cols["fp_index"], dtype=np.int32),
            number=tuple(cols["number"]), uuid=tuple(cols["uuid"]),
            net=np.asarray(cols["net"], dtype=np.int32), pin_type=tuple(cols["pin_type"]),
            **{k: np.asarray(cols[k], dtype=np.int64) for k in cls.LENGTH_COLUMNS},
            rot_deg=np.asarray(cols["rot_deg"], dtype=np.float64),
            shape=np.asarray(cols["shape"], dtype=np.int8),
            attrib=np.asarray(cols["attrib"], dtype=np.int8),
            on_front_cu=np.asarray(cols["on_front_cu"], dtype=bool),
            on_back_cu=np.asarray(cols["on_back_cu"], dtype=bool),
            bga_property=np.asarray(cols["bga_property"], dtype=bool),
            polygon_nm=tuple(cols["polygon_nm"]),
        )
        fields.update(given)
        return cls(**fields)

    @property
    def has_copper(self) -> BOOL:
        """Pads with copper on an outer layer (paste-only and mask-only apertures have none)."""
        return self.on_front_cu | self.on_back_cu


@dataclass(frozen=True)
class ViaTable:
    """All vias: position, pad diameter, drill, copper span and protection, one row each.

    ``layer_from``/``layer_to`` are copper stack indices (0 = F.Cu). ``flash_mask`` has bit k
    set when the via has a copper pad on stack layer k (KiCad drops unused pads when
    ``remove_unused_layers`` is set). ``filled``/``capped`` are IPC-4761 fill and cap per via
    (all False from KiCad 9.0.8, whose files cannot hold them); ``tented_front``/``tented_back``
    the mask tenting.
    """

    uuid: tuple[str, ...]
    net: NDArray[np.int32]
    x_nm: I64
    y_nm: I64
    d_nm: I64
    drill_nm: I64
    layer_from: NDArray[np.int16]
    layer_to: NDArray[np.int16]
    via_type: tuple[str, ...]
    flash_mask: I64
    remove_unused: BOOL
    tented_front: BOOL
    tented_back: BOOL
    filled: BOOL
    capped: BOOL
    zone_layers: Optional[I64] = None
    """Bit k set where the via joins a filled zone of its own net on stack layer k (KiCad joins
    vias to zones solidly, whatever the zone's pad setting); None when the reader cannot tell."""

    def __len__(self) -> int:
        return len(self.x_nm)


@dataclass(frozen=True)
class TrackTable:
    """Track segments and arcs: end points, width, copper stack layer; arcs also a mid point."""

    uuid: tuple[str, ...]
    net: NDArray[np.int32]
    x1_nm: I64
    y1_nm: I64
    x2_nm: I64
    y2_nm: I64
    width_nm: I64
    layer: NDArray[np.int16]
    is_arc: BOOL
    xm_nm: I64
    ym_nm: I64

    def __len__(self) -> int:
        return len(self.x1_nm)


@dataclass(frozen=True)
class Zone:
    """A filled copper zone on one stack layer: net and filled outlines (rings of (n, 2) nm)."""

    uuid: str
    net: int
    layer: int
    name: str
    polygons: tuple[tuple[I64, ...], ...]
    """Each polygon is (outer ring, hole ring, ...), each ring an (n, 2) int64 array."""
    connection: str = ""
    """How the zone joins pads of its net: "full" (solid), "thermal" (reliefs), "none", or
    "thru_hole_only" (reliefs on through-hole pads, solid on SMD pads); "" when unknown."""
    filled_area_nm2: float = 0.0
    """Area of the zone's fill on this layer [nm^2]; 0 when unfilled or unknown."""


@dataclass(frozen=True)
class Footprint:
    """One placed footprint: reference, library id, placement and its slice of the pad table."""

    index: int
    ref: str
    value: str
    fpid: str
    uuid: str
    x_nm: int
    y_nm: int
    rot_deg: float
    side: str  # "top" | "bottom"
    pad_start: int
    pad_stop: int
    courtyard_nm: Optional[I64] = None
    """Courtyard outline on the footprint's side, (n, 2) board coordinates, if drawn."""
    dnp: bool = False


@dataclass(frozen=True)
class DesignSettings:
    """Board-wide fabrication limits and defaults from the board's own setup [nm]."""

    min_clearance_nm: int = 0
    min_track_width_nm: int = 0
    min_via_diameter_nm: int = 0
    min_via_annular_nm: int = 0
    min_through_drill_nm: int = 0
    min_microvia_drill_nm: int = 0
    min_hole_clearance_nm: int = 0
    solder_mask_expansion_nm: int = 0
    solder_mask_min_web_nm: int = 0
    paste_margin_nm: int = 0
    paste_ratio: float = 0.0
    board_thickness_nm: int = 1_600_000
    netclass_clearance_nm: dict = field(default_factory=dict)
    """Clearance per net class name; ``net_class`` maps net code to class name."""
    net_class: dict = field(default_factory=dict)


@dataclass(frozen=True)
class BoardModel:
    """Everything the checks need from one board, with no reference to the host program."""

    path: str
    kicad_version: str
    copper_layers: tuple[str, ...]
    """Copper layer names in stack order, F.Cu first, B.Cu last."""
    net_names: tuple[str, ...]
    """Net name per net code (code 0 is the unconnected net, name "")."""
    footprints: tuple[Footprint, ...]
    pads: PadTable
    vias: ViaTable
    tracks: TrackTable
    zones: tuple[Zone, ...] = ()
    settings: DesignSettings = DesignSettings()
    properties: dict = field(default_factory=dict)
    """Board text variables (KiCad project ``text_variables``), e.g. a stencil thickness."""

    def footprint_pads(self, fp: Footprint) -> NDArray[np.int64]:
        """Pad-table indices of one footprint."""
        return np.arange(fp.pad_start, fp.pad_stop, dtype=np.int64)
