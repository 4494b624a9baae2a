"""The board-wide sections: layer table, net table, setup, general and board properties.

Layers are mapped by canonical name as KiCad's parser does: the leading copper entries of
``(layers ...)`` are the stack (first F.Cu, last B.Cu, inner ones by their ``InN.Cu`` name), so the
file's layer numbers (which KiCad 9 renumbered) never matter. Net codes are assigned the way
KiCad's NETINFO_LIST assigns them: the file's code when it is the next free one, else the next
free code, and a repeated name reuses the first code.
"""
from __future__ import annotations

import re

from .sexpr import Quoted, SexprError, board_units, parse_float

__all__ = ["Layers", "Nets", "Setup", "parse_layers", "parse_setup", "front_back", "COPPER_TYPES"]

COPPER_TYPES = {"signal", "power", "mixed", "jumper"}
_INNER = re.compile(r"In(\d+)\.Cu\Z")

F_CU, B_CU = 0, 2
"""KiCad 9 layer ids of the outer copper layers; inner layer k is 2k + 2."""


def inner_id(name: str) -> int | None:
    m = _INNER.match(name)
    if m and 1 <= int(m.group(1)) <= 30:
        return 2 * int(m.group(1)) + 2
    return None


class Layers:
    """Copper stack and layer-name lookups of one board."""

    def __init__(self):
        self.stack_names: list[str] = []      # canonical names in stack order
        self.display_names: list[str] = []    # what pcbnew's GetLayerName returns
        self.stack_index: dict[str, int] = {}
        self.copper_ids: dict[str, int] = {}  # canonical copper name -> KiCad 9 id
        self.known: set[str] = set()          # every layer name items may use

    @property
    def count(self) -> int:
        """Number of copper layers."""
        return len(self.stack_names)

    def index(self, name: str) -> int:
        """Stack index of an enabled copper layer name, -1 otherwise."""
        return self.stack_index.get(name, -1)


def parse_layers(node: list) -> Layers:
    """``(layers (0 "F.Cu" signal ["user name"]) ...)`` -> Layers."""
    copper = []
    others = []
    for entry in node[1:]:
        if not isinstance(entry, list) or len(entry) < 3:
            raise SexprError("malformed layer entry in (layers ...)")
        name, kind = str(entry[1]), str(entry[2])
        user = str(entry[3]) if len(entry) > 3 and isinstance(entry[3], Quoted) else ""
        if kind in COPPER_TYPES and not others:
            copper.append((name, user))
        else:
            others.append(name)
    if len(copper) < 2 or len(copper) % 2:
        raise SexprError(f"{len(copper)} is not a valid copper layer count")
    ids = []
    for i, (name, user) in enumerate(copper):
        if i == 0:
            lid = F_CU
        elif i == len(copper) - 1:
            lid = B_CU
        else:
            lid = inner_id(name)
            if lid is None:
                lid = (i + 1) * 2
        ids.append((lid, name, user))
    # Stack order is KiCad's: F.Cu, inner layers by id, B.Cu.
    order = sorted(ids, key=lambda t: (t[0] == B_CU, t[0]))
    layers = Layers()
    for k, (lid, name, user) in enumerate(order):
        layers.stack_names.append(name)
        layers.display_names.append(user or _standard_name(lid))
        layers.stack_index[name] = k
        layers.copper_ids[name] = lid
    layers.known = set(layers.stack_names) | set(others) | _STANDARD_NAMES
    return layers


def _standard_name(lid: int) -> str:
    if lid == F_CU:
        return "F.Cu"
    if lid == B_CU:
        return "B.Cu"
    return f"In{(lid - 2) // 2}.Cu"


_STANDARD_NAMES = {"F.Cu", "B.Cu", *(f"In{k}.Cu" for k in range(1, 31)), "F.Adhes", "B.Adhes",
                   "F.Paste", "B.Paste", "F.SilkS", "B.SilkS", "F.Mask", "B.Mask", "Dwgs.User",
                   "Cmts.User", "Eco1.User", "Eco2.User", "Edge.Cuts", "Margin", "F.CrtYd",
                   "B.CrtYd", "F.Fab", "B.Fab", "Rescue", *(f"User.{k}" for k in range(1, 46))}


class Nets:
    """Net codes as KiCad assigns them while reading, and the names by code."""

    ORPHANED = -1

    def __init__(self):
        self.by_code: dict[int, str] = {0: ""}
        self.by_name: dict[str, int] = {"": 0}
        self.file_map: dict[int, int] = {}  # code written in the file -> board code
        self._map_size = 0
        self._next = 0

    def _free_code(self) -> int:
        while True:
            self._next = max(self._next, 0) + 1
            if self._next not in self.by_code:
                return self._next

    def add(self, name: str, code: int = -1) -> int:
        """NETINFO_LIST::AppendNet: the code the board gives a net of this name."""
        if name in self.by_name:
            return self.by_name[name]
        if code != len(self.by_code) or code < 0:
            code = self._free_code()
        self.by_code[code] = name
        self.by_name[name] = code
        return code

    def declare(self, file_code: int, name: str) -> None:
        """A ``(net N "name")`` line of the net table (KiCad 6-9)."""
        if file_code > 0 or 0 not in self.by_code:
            self.file_map[file_code] = self.add(name, file_code)
            self._map_size = max(self._map_size, file_code + 1)

    def from_file_code(self, file_code: int) -> int:
        """An item's ``(net N)``: the mapped board code, or ORPHANED when no such net exists.

        KiCad maps file codes through a table as long as the largest declared code (gaps hold
        0); codes past its end are taken as they are.
        """
        if file_code < 0:
            return 0
        if file_code < self._map_size:
            code = self.file_map.get(file_code, 0)
        else:
            code = file_code
        return code if code in self.by_code else self.ORPHANED

    def by_name_or_new(self, name: str) -> int:
        """A KiCad 10 ``(net "name")``: the existing code or a new net."""
        return self.add(name)

    def names(self) -> tuple[str, ...]:
        """Net name per code, "" for unused codes."""
        top = max(self.by_code) if self.by_code else 0
        out = [""] * (top + 1)
        for code, name in self.by_code.items():
            out[code] = name
        return tuple(out)


class Setup:
    """What the checks use from ``(general ...)`` and ``(setup ...)``, with KiCad's defaults."""

    def __init__(self):
        self.board_thickness_nm = 1_600_000
        self.solder_mask_expansion_nm = 0
        self.solder_mask_min_web_nm = 50_800   # 2 mil: KiCad's default when (setup) is absent
        self.paste_margin_nm = 0
        self.paste_ratio = 0.0
        self.tent_vias_front = False
        self.tent_vias_back = False
        self.cap_vias = False
        self.fill_vias = False
        self.max_error_nm = 5000
        self.stackup: list[dict] = []
        self.legacy: dict[str, int] = {}       # pre-6 minimums kept in the file


def parse_general(node: list, setup: Setup) -> None:
    for child in node[1:]:
        if isinstance(child, list) and child[0] == "thickness" and len(child) > 1:
            setup.board_thickness_nm = board_units(child[1], "board thickness")


def front_back(child: list) -> tuple[bool | None, bool | None]:
    """(tenting front back) or (tenting (front yes) (back no)), as KiCad's parseFrontBackOptBool."""
    front = back = None
    for item in child[1:]:
        if isinstance(item, list):
            value = str(item[1]) if len(item) > 1 else ""
            flag = True if value == "yes" else False if value == "no" else None
            if item[0] == "front":
                front = flag
            elif item[0] == "back":
                back = flag
        elif item == "front":
            front = True
        elif item == "back":
            back = True
        elif item == "none":
            front = back = None
    return front, back


_LEGACY_MINIMUMS = {"clearance_min": "min_clearance", "trace_min": "min_track_width",
                    "via_min_size": "min_via_diameter", "via_min_annulus": "min_via_annular",
                    "through_hole_min": "min_through_drill", "via_min_drill": "min_through_drill",
                    "uvia_min_drill": "min_microvia_drill"}


def parse_setup(node: list, setup: Setup) -> None:
    """Fill ``setup`` from the board's (setup ...) node."""
    # A missing solder_mask_min_width means 0 in a file that has a setup section.
    setup.solder_mask_min_web_nm = 0
    for child in node[1:]:
        if not isinstance(child, list):
            continue
        key = child[0]
        arg = child[1] if len(child) > 1 else None
        if key == "pad_to_mask_clearance":
            setup.solder_mask_expansion_nm = board_units(arg)
        elif key == "solder_mask_min_width":
            setup.solder_mask_min_web_nm = board_units(arg)
        elif key == "pad_to_paste_clearance":
            setup.paste_margin_nm = board_units(arg)
        elif key == "pad_to_paste_clearance_ratio":
            setup.paste_ratio = parse_float(arg)
        elif key == "tenting":
            front, back = front_back(child)
            setup.tent_vias_front, setup.tent_vias_back = bool(front), bool(back)
        elif key == "capping":
            setup.cap_vias = arg == "yes"
        elif key == "filling":
            setup.fill_vias = arg == "yes"
        elif key == "max_error":
            setup.max_error_nm = board_units(arg)
        elif key == "stackup":
            setup.stackup = _stackup(child)
        elif key == "pcbplotparams":
            for p in child[1:]:
                if isinstance(p, list) and p[0] == "viasonmask" and len(p) > 1:
                    tent = str(p[1]) not in ("true", "yes")
                    setup.tent_vias_front = setup.tent_vias_back = tent
        elif key in _LEGACY_MINIMUMS:
            setup.legacy[_LEGACY_MINIMUMS[key]] = board_units(arg)


def _stackup(node: list) -> list[dict]:
    """Each stackup layer: name, type and, where written, thickness [nm] and material."""
    out = []
    for item in node[1:]:
        if not isinstance(item, list) or item[0] != "layer" or len(item) < 2:
            continue
        entry: dict = {"name": str(item[1])}
        for prop in item[2:]:
            if isinstance(prop, list) and len(prop) > 1:
                if prop[0] == "thickness":
                    entry["thickness_nm"] = board_units(prop[1])
                elif prop[0] in ("type", "material", "color"):
                    entry[prop[0]] = str(prop[1])
                elif prop[0] in ("epsilon_r", "loss_tangent"):
                    entry[prop[0]] = parse_float(prop[1])
        out.append(entry)
    return out
