"""Rule files: read and validate the TOML in `resources/rules/` and a project's override file.

Everything here is about the data as written (keys, entries, formulas, file locations);
`rules.py` resolves it into one RuleSet per BGA pitch.
"""
from __future__ import annotations

import ast
import math
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from .resources import resource_path
from .units import MIL_MM

__all__ = [
    "RulesError", "RuleValue", "RuleSet", "Overrides", "KEYS", "FAB_KEYS", "PART_KEYS",
    "DEFAULT_PROFILE",
    "DEFAULT_FAB_TIER", "list_profiles", "list_fab_tiers", "load_profile", "load_overrides",
    "override_file_for",
]

DEFAULT_PROFILE = "ug1099"
DEFAULT_FAB_TIER = "standard"
PITCH_TOL_MM = 0.02  # nearest listed pitch within this [mm] is "the same pitch"
FIT_EPS_MM = 1e-6  # float slack when a route budget closes exactly
ORIGINS = ("published", "formula", "corrected", "typical", "fill_in", "fab_tier", "override")
OVERRIDE_NAMES = ("{stem}.bgacheck.toml", "bgacheck.toml")
PART_KEYS = {"warpage_mm": (-1.0, 1.0), "board_warpage_mm": (-1.0, 1.0),
             "package_mass_g": (0.0, 1000.0)}
"""Per-part inputs an override file may give at its top level, with their open value ranges:
one number for every BGA, or a table of numbers by reference (``warpage_mm = { U1 = 0.08 }``)."""

_F, _B, _I, _S = float, bool, int, str
#: every rule key: (type, meaning). Lengths in mm.
KEYS: dict[str, tuple[type, str]] = {
    "land_d_mm": (_F, "PCB land (copper) diameter, nominal"),
    "land_tol_mm": (_F, "land diameter tolerance, +/-"),
    "land_d_min_mm": (_F, "smallest acceptable land diameter"),
    "land_d_max_mm": (_F, "largest acceptable land diameter"),
    "mask_opening_d_mm": (_F, "solder-mask opening diameter, nominal"),
    "pad_type": (_S, "recommended land type: nsmd or smd"),
    "ball_d_mm": (_F, "typical ball diameter when the footprint does not state it"),
    "ball_land_ratio_min": (_F, "land / ball, lower limit"),
    "ball_land_ratio_max": (_F, "land / ball, upper limit"),
    "via_pad_d_mm": (_F, "via pad (plating) diameter VD, maximum"),
    "via_drill_d_mm": (_F, "via finished hole VH, maximum"),
    "pad_to_via_mm": (_F, "dog-bone: land centre to via centre"),
    "via_land_clearance_mm": (_F, "dog-bone: via pad edge to land edge on the diagonal"),
    "dogbone_stub_w_mm": (_F, "dog-bone stub (land to via) width, nominal"),
    "route_dist_pads_mm": (_F, "routing distance between adjacent lands R = e - L"),
    "route_dist_vias_mm": (_F, "routing distance between vias, unused via pads removed R = e - VH"),
    "route_dist_vias_with_pads_mm": (_F, "routing distance between vias with pads R = e - VD"),
    "pad_route1_w_mm": (_F, "one route between lands: trace width"),
    "pad_route1_s_mm": (_F, "one route between lands: land-trace spacing"),
    "pad_route2_w_mm": (_F, "two routes between lands: trace width"),
    "pad_route2_s_mm": (_F, "two routes between lands: land-trace and trace-trace spacing"),
    "via_route1_w_mm": (_F, "one route between vias: trace width"),
    "via_route1_s_mm": (_F, "one route between vias: via-trace spacing"),
    "via_route2_w_mm": (_F, "two routes between vias: trace width"),
    "via_route2_s_mm": (_F, "two routes between vias: via-trace and trace-trace spacing"),
    "routes_between_pads_max": (_I, "traces allowed between two adjacent lands"),
    "routes_between_vias_max": (_I, "traces allowed between two adjacent vias"),
    "remove_unused_via_pads": (_B, "the via routing rows assume unused via pads are removed"),
    "via_in_pad_expected": (_B, "via-in-pad is the expected fanout at this pitch"),
    "via_in_pad_fill_required": (_B, "a via in a land must be filled and capped (IPC-4761 VII)"),
    "via_in_pad_mix_allowed": (_B, "via-in-pad and dog-bone lands may be mixed in one array"),
    "paste_aperture_d_mm": (_F, "stencil aperture diameter, nominal"),
    "stencil_thickness_mm": (_F, "stencil thickness when the board does not give one"),
    "stencil_area_ratio_min": (_F, "aperture area / wall area, minimum"),
    "stencil_aspect_ratio_min": (_F, "aperture width / stencil thickness, minimum"),
    "signal_fraction": (_F, "share of balls that are signals (layer-count estimate)"),
    "recommendation_tol_ratio": (_F, "departure from a vendor figure not reported, relative"),
    "recommendation_tol_mm": (_F, "departure from a vendor figure not reported, absolute [mm]"),
    "dogbone_clearance_tol_mm": (_F, "dog-bone via-to-land clearance loss not reported [mm]"),
    # assembly review (warpage, thermal balance, voids, X-ray)
    "warpage_typical_mm": (_F, "package warpage at reflow peak assumed when none is given [mm]"),
    "warpage_margin_min_mm": (_F, "warpage margin below which a given warpage is a warning"),
    "thermal_copper_min_mm2": (_F, "copper a ball is tied to solidly to count as a plane ball"),
    "thermal_cluster_min_ratio": (_F, "share of plane balls that makes a corner or edge heavy"),
    "thermal_imbalance_min_ratio": (_F, "plane-ball share above the opposite region's, minimum"),
    "thermal_pad_area_min_mm2": (_F, "copper area from which a pad is a thermal pad [mm^2]"),
    "thermal_pad_distance_mm": (_F, "thermal pads this close to the ball field are beside it"),
    "paste_coverage_max_ratio": (_F, "paste area / pad area of a thermal pad, maximum"),
    "xray_fine_pitch_mm": (_F, "pitch at or below which X-ray of the joints is strongly advised"),
    # fab tier keys
    "min_trace_w_mm": (_F, "fab minimum trace width"),
    "min_space_mm": (_F, "fab minimum copper spacing"),
    "min_drill_mm": (_F, "fab minimum finished hole"),
    "annular_ring_min_mm": (_F, "fab minimum annular ring (pad - drill)/2"),
    "mask_expansion_min_mm": (_F, "fab minimum solder-mask clearance per side"),
    "mask_web_min_mm": (_F, "fab minimum solder-mask web (dam) between openings"),
    "aspect_ratio_max": (_F, "fab maximum board thickness / drill"),
    "via_fill_available": (_B, "fab offers filled and capped vias (IPC-4761 type VII)"),
    "microvia_available": (_B, "fab offers laser microvias"),
    "microvia_drill_min_mm": (_F, "fab minimum laser microvia hole"),
}
FAB_KEYS = frozenset(k for k in KEYS if k.startswith(("min_", "annular", "mask_exp", "mask_web",
                                                      "aspect", "via_fill", "microvia")))
_SIGNED = {"via_land_clearance_mm", "route_dist_pads_mm", "route_dist_vias_mm",
           "route_dist_vias_with_pads_mm"}  # derived; negative means the geometry overlaps
_ENTRY_FIELDS = {"value", "mil", "formula", "na", "source", "note", "origin", "published",
                 "published_text", "disagrees"}


class RulesError(ValueError):
    """A rule file or override file the user can fix; the message is one line."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


@dataclass(frozen=True)
class RuleValue:
    """One resolved rule: value [mm unless a flag or count], where it comes from and how."""

    key: str
    value: Any
    source: str
    origin: str  # one of ORIGINS
    how: str  # e.g. "ug1099 row 1.0 mm, formula" or "fab tier standard"
    formula: str = ""
    note: str = ""
    published: float | None = None
    published_text: str = ""
    disagrees: str = ""


@dataclass(frozen=True)
class RuleSet:
    """All rules for one BGA pitch; `rs.land_d_mm` is the value, `rs["land_d_mm"]` the RuleValue."""

    profile: str
    fab_tier: str
    pitch_x_mm: float
    pitch_y_mm: float
    pitch_mm: float  # the pitch rows were matched on (smaller of x and y)
    row_profile: str  # profile whose pitch row was used; "" when only formulas applied
    row_pitch_mm: float | None
    match: str  # one sentence: which row and why
    values: Mapping[str, RuleValue]
    vendor: str = ""  # whose recommendations the profile holds, e.g. "AMD/Xilinx"
    parts: tuple[str, ...] = ()  # regular expressions matching that vendor's parts

    def own(self, key: str) -> bool:
        """True when the value is the profile's own figure (its row or defaults, or the project's
        override file), not a fill-in from another vendor, a typical value or common formula."""
        v = self.values.get(key)
        if v is None:
            return False
        return v.origin == "override" or v.how.startswith((f"{self.profile} row",
                                                             f"{self.profile} defaults"))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in KEYS:
            raise AttributeError(name)
        return self.values[name].value if name in self.values else None

    def __getitem__(self, key: str) -> RuleValue:
        return self.values[key]

    def source(self, key: str) -> str:
        return self.values[key].source

    def as_dict(self) -> dict:
        """Plain data for reports (JSON-ready)."""
        head = {f: getattr(self, f) for f in ("profile", "fab_tier", "pitch_x_mm", "pitch_y_mm",
                                              "pitch_mm", "row_profile", "row_pitch_mm", "match")}
        head["values"] = {k: {f: getattr(v, f) for f in RuleValue.__dataclass_fields__}
                          for k, v in self.values.items()}
        return head


@dataclass(frozen=True)
class Overrides:
    """A project override file: optional profile and fab tier, global and per-pitch values."""

    path: Path
    profile: str | None
    fab_tier: str | None
    rules: Mapping[str, dict]
    rows: tuple[tuple[float, Mapping[str, dict]], ...]
    parts: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """Top-level per-part inputs (``PART_KEYS``): a number, or {reference: number}."""

    def part_value(self, key: str, ref: str) -> float | None:
        """The file's ``key`` for the part ``ref`` (its own entry, else the board-wide number)."""
        value = self.parts.get(key)
        if isinstance(value, Mapping):
            value = value.get(ref)
        return None if value is None else float(value)


@dataclass(frozen=True)
class _Profile:
    name: str
    path: Path
    title: str
    fill_in: tuple[str, ...]
    pitch_tol_mm: float
    defaults: Mapping[str, dict]
    rows: tuple[tuple[float, Mapping[str, dict]], ...]
    vendor: str = ""
    parts: tuple[str, ...] = ()


# ---------------------------------------------------------------- reading and validating files

def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise RulesError(f"{path}: cannot read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: not valid TOML: {exc}") from None


def _entry(where: str, key: str, raw: Any, default_source: str | None = None) -> dict:
    """Normalise one rule entry to {kind, value|formula, source, ...}; check key, type and source."""
    if key not in KEYS:
        raise RulesError(f"{where}: unknown rule key '{key}'")
    if not isinstance(raw, dict):
        if default_source is None:
            raise RulesError(f"{where}: '{key}' needs a table with a source")
        raw = {"value": raw, "source": default_source}
    extra = set(raw) - _ENTRY_FIELDS
    if extra:
        raise RulesError(f"{where}: '{key}' has unknown field(s) {', '.join(sorted(extra))}")
    kinds = [k for k in ("value", "mil", "formula", "na") if k in raw]
    if len(kinds) != 1:
        raise RulesError(f"{where}: '{key}' needs exactly one of value, mil, formula, na")
    ent = dict(raw)
    ent.setdefault("source", default_source)
    if not isinstance(ent["source"], str) or not ent["source"].strip():
        raise RulesError(f"{where}: '{key}' has no source")
    if ent.get("origin", "published") not in ORIGINS:
        raise RulesError(f"{where}: '{key}' origin must be one of {', '.join(ORIGINS)}")
    if "mil" in ent:
        ent["value"] = _typed(where, key, _typed(where, key, ent.pop("mil")) * MIL_MM)
    if "value" in ent:
        ent["value"] = _typed(where, key, ent["value"])
    if "formula" in ent:
        ent["code"] = _compile(where, key, ent["formula"])
    return ent


def _typed(where: str, key: str, value: Any) -> Any:
    want = KEYS[key][0]
    ok = (isinstance(value, bool) if want is bool else isinstance(value, str) if want is str
          else isinstance(value, int) and not isinstance(value, bool) if want is int
          else isinstance(value, (int, float)) and not isinstance(value, bool))
    if not ok:
        raise RulesError(f"{where}: '{key}' must be {want.__name__}, got {value!r}")
    if want is float:
        value = round(float(value), 9)  # drop float noise (1e-9 mm = 0.001 nm)
        low = -1000.0 if key in _SIGNED else 0.0
        if not (math.isfinite(value) and low <= value < 1000.0):
            raise RulesError(f"{where}: '{key}' = {value} is out of range")
    if key == "pad_type" and value not in ("nsmd", "smd"):
        raise RulesError(f"{where}: pad_type must be 'nsmd' or 'smd', got {value!r}")
    return value


def _entries(where: str, table: Any, default_source: str | None = None) -> Mapping[str, dict]:
    if not isinstance(table, dict):
        raise RulesError(f"{where}: expected a table")
    return MappingProxyType({k: _entry(where, k, v, default_source) for k, v in table.items()})


def _rows(where: str, rows: Any, default_source: str | None = None):
    if not isinstance(rows, list):
        raise RulesError(f"{where}: 'pitch' must be an array of tables ([[pitch]])")
    out = []
    for row in rows:
        row = dict(row)
        pitch = row.pop("pitch_mm", None)
        if not isinstance(pitch, (int, float)) or isinstance(pitch, bool) or pitch <= 0:
            raise RulesError(f"{where}: every [[pitch]] row needs pitch_mm > 0")
        out.append((float(pitch), _entries(f"{where} pitch {pitch} mm", row, default_source)))
    return tuple(out)


def _load_profile_file(path: Path) -> _Profile:
    data = _read_toml(path)
    meta = data.get("profile")
    if not isinstance(meta, dict) or meta.get("kind") not in ("profile", "fill_in", "common"):
        raise RulesError(f"{path}: missing [profile] table with kind = profile|fill_in|common")
    unknown = set(data) - {"profile", "defaults", "pitch", "ipc7351_reduction"}
    if unknown:
        raise RulesError(f"{path}: unknown table(s) {', '.join(sorted(unknown))}")
    where = path.name
    defaults = _entries(f"{where} [defaults]", data.get("defaults", {}))
    rows = _rows(where, data.get("pitch", []))
    for key in FAB_KEYS:
        if key in defaults or any(key in r for _, r in rows):
            raise RulesError(f"{where}: fab key '{key}' belongs in fab.toml or an override file")
    return _Profile(str(meta.get("name", path.stem)), path, str(meta.get("title", "")),
                    tuple(meta.get("fill_in", ())), float(meta.get("pitch_tol_mm", PITCH_TOL_MM)),
                    defaults, rows, str(meta.get("vendor", "")), _patterns(where, meta.get("parts", ())))


def _patterns(where: str, parts: Any) -> tuple[str, ...]:
    """The profile's part-name patterns, each checked to compile."""
    import re

    if not isinstance(parts, (list, tuple)) or not all(isinstance(x, str) for x in parts):
        raise RulesError(f"{where}: [profile] parts must be a list of regular expressions")
    for x in parts:
        try:
            re.compile(x)
        except re.error as exc:
            raise RulesError(f"{where}: [profile] parts: bad pattern {x!r} ({exc})") from None
    return tuple(parts)


def _profile_path(name: str) -> Path:
    if name.endswith(".toml"):
        return Path(name)
    if not name.replace("_", "").isalnum():
        raise RulesError(f"bad profile name {name!r}")
    path = resource_path("rules", f"{name}.toml")
    if not path.is_file():
        raise RulesError(f"unknown rule profile '{name}' (known: {', '.join(list_profiles())})")
    return path


@lru_cache(maxsize=None)
def load_profile(name: str) -> _Profile:
    """Load and validate a profile by name (`ug1099`) or by path to a `.toml` file."""
    return _load_profile_file(_profile_path(name))


def list_profiles() -> list[str]:
    """Names of the shipped vendor profiles (kind = "profile")."""
    names = []
    for path in sorted(resource_path("rules").glob("*.toml")):
        if _read_toml(path).get("profile", {}).get("kind") == "profile":
            names.append(path.stem)
    return names


@lru_cache(maxsize=None)
def _fab_tiers() -> Mapping[str, Mapping[str, dict]]:
    path = resource_path("rules", "fab.toml")
    tiers = _read_toml(path).get("tier", {})
    out = {}
    for tier, table in tiers.items():
        body = {k: v for k, v in table.items() if k != "title"}
        out[tier] = _entries(f"fab.toml [tier.{tier}]", body)
        missing = FAB_KEYS - set(out[tier])
        if missing:
            raise RulesError(f"fab.toml [tier.{tier}]: missing {', '.join(sorted(missing))}")
    return MappingProxyType(out)


def list_fab_tiers() -> list[str]:
    """Fab capability tiers defined in fab.toml."""
    return list(_fab_tiers())


# ---------------------------------------------------------------- formulas

_FUNCS = {"sqrt": math.sqrt, "hypot": math.hypot, "floor": math.floor, "ceil": math.ceil,
          "min": min, "max": max, "abs": abs, "mil": lambda x: x * MIL_MM}
_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.Call,
          ast.Name, ast.Load, ast.Constant, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.USub,
          ast.And, ast.Or, ast.Not, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq)


def _compile(where: str, key: str, text: Any):
    """Compile a formula made of numbers, rule keys, pitch names and a few math functions."""
    if not isinstance(text, str):
        raise RulesError(f"{where}: '{key}' formula must be a string")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise RulesError(f"{where}: '{key}' formula is not an expression: {text!r}") from None
    for node in ast.walk(tree):
        if not isinstance(node, _NODES):
            raise RulesError(f"{where}: '{key}' formula uses {type(node).__name__}: {text!r}")
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name)
                                               and node.func.id in {*_FUNCS, "max_routes"}):
            raise RulesError(f"{where}: '{key}' formula calls an unknown function: {text!r}")
        if isinstance(node, ast.Name) and node.id not in {*KEYS, *_FUNCS, "max_routes", "pitch",
                                                          "pitch_x", "pitch_y"}:
            raise RulesError(f"{where}: '{key}' formula uses unknown name '{node.id}'")
    return compile(tree, f"<{where}:{key}>", "eval")


# ---------------------------------------------------------------- project override file

def override_file_for(board_path: str | Path) -> Path | None:
    """The override file that applies to a board: `<stem>.bgacheck.toml`, else `bgacheck.toml`."""
    board = Path(board_path)
    if board.suffix == ".toml":
        return board
    for pattern in OVERRIDE_NAMES:
        cand = board.parent / pattern.format(stem=board.stem)
        if cand.is_file():
            return cand
    return None


def load_overrides(board_path: str | Path) -> Overrides | None:
    """Read the project override file next to a board (None if there is none); RulesError if bad."""
    path = override_file_for(board_path)
    if path is None:
        return None
    data = _read_toml(path)
    unknown = set(data) - {"profile", "fab_tier", "rules", "pitch", *PART_KEYS}
    if unknown:
        raise RulesError(f"{path}: unknown key(s) {', '.join(sorted(unknown))} "
                         f"(allowed: profile, fab_tier, {', '.join(PART_KEYS)}, [rules], "
                         f"[[pitch]])")
    profile, tier = data.get("profile"), data.get("fab_tier")
    if profile is not None:
        if not isinstance(profile, str):
            raise RulesError(f"{path}: profile must be a string")
        if profile.endswith(".toml"):
            profile = str((path.parent / profile).resolve())
        try:
            load_profile(profile)
        except RulesError as exc:
            raise RulesError(f"{path}: {exc}") from None
    if tier is not None and tier not in _fab_tiers():
        raise RulesError(f"{path}: unknown fab_tier {tier!r} (known: {', '.join(list_fab_tiers())})")
    source = f"project override {path.name}"
    rules = _entries(f"{path.name} [rules]", data.get("rules", {}), source)
    rows = _rows(path.name, data.get("pitch", []), source)
    parts = {k: _part_value(path, k, data[k]) for k in PART_KEYS if k in data}
    return Overrides(path, profile, tier, rules, rows, MappingProxyType(parts))


def _part_value(path: Path, key: str, raw: Any):
    """A per-part input: a number in its range, or a table of such numbers by reference."""
    lo, hi = PART_KEYS[key]

    def number(where: str, v: Any) -> float:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) \
                or not lo < v < hi or (lo == 0.0 and v <= 0):
            raise RulesError(f"{path}: {where} must be a number between {lo:g} and {hi:g}, "
                             f"got {v!r}")
        return float(v)

    if isinstance(raw, dict):
        return MappingProxyType({str(ref): number(f"{key}.{ref}", v) for ref, v in raw.items()})
    return number(key, raw)
