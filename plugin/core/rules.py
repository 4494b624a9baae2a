"""Rule profiles: load the TOML data in `resources/rules/` and resolve one RuleSet per BGA pitch.

Every value in a RuleSet is in mm (flags are bool, counts int) and carries its source and how it
was obtained. For one key the first layer that defines it wins:

1. project overrides (`<board>.bgacheck.toml` or `bgacheck.toml`): `[[pitch]]` rows, then `[rules]`
2. the profile's pitch row, then the profile's `[defaults]`
3. the profile's fill-in chain (`fill_in = [...]`), each profile's row then defaults
4. `common.toml` (formulas and rules shared by every profile)
5. the fab tier in `fab.toml` (minimum trace, space, drill, ring, mask web ...)

Pitch rows match when |row pitch - pitch| <= the profile's `pitch_tol_mm` (0.02 mm by default).
A non-square grid uses the smaller pitch for row matching and channel widths, and the true
half-diagonal for the dog-bone distance. Formulas are evaluated last, against the merged values.
"""
from __future__ import annotations

import math
from types import MappingProxyType
from typing import Any, Optional

from .resources import resource_path
from .rule_files import (  # noqa: F401  (re-exported: callers use bgacheck.core.rules)
    _FUNCS,
    DEFAULT_FAB_TIER,
    DEFAULT_PROFILE,
    FAB_KEYS,
    FIT_EPS_MM,
    KEYS,
    ORIGINS,
    Overrides,
    RulesError,
    RuleSet,
    RuleValue,
    _fab_tiers,
    _Profile,
    _read_toml,
    _typed,
    list_fab_tiers,
    list_profiles,
    load_overrides,
    load_profile,
)

__all__ = [
    "RulesError", "RuleValue", "RuleSet", "Overrides", "KEYS", "FAB_KEYS",
    "list_profiles", "list_fab_tiers", "load_profile", "rules_for_pitch", "load_overrides",
    "routes_fit", "max_routes", "ipc7351_land_mm", "DEFAULT_PROFILE", "DEFAULT_FAB_TIER", "ORIGINS",
    "tiers_allowing",
]


def routes_fit(n: int, width_mm: float, space_mm: float, room_mm: float) -> bool:
    """True if n traces of width W with n+1 spacings S fit in R: n W + (n+1) S <= R (UG1099)."""
    return n * width_mm + (n + 1) * space_mm <= room_mm + FIT_EPS_MM


def max_routes(room_mm: float, width_mm: float, space_mm: float, cap: int = 2) -> int:
    """Largest n <= cap with n W + (n+1) S <= R; UG1099 plans 1 or 2 routes per channel."""
    return max([n for n in range(cap + 1) if routes_fit(n, width_mm, space_mm, room_mm)] or [0])


def ipc7351_land_mm(ball_d_mm: float) -> tuple[float, float, str]:
    """IPC-7351 NSMD land for a collapsing ball: (nominal land [mm], reduction, source)."""
    data = _read_toml(resource_path("rules", "common.toml"))
    for band in data.get("ipc7351_reduction", []):
        if band["ball_min_mm"] <= ball_d_mm <= band["ball_max_mm"]:
            return ball_d_mm * (1.0 - band["reduction"]), band["reduction"], band["source"]
    raise RulesError(f"no IPC-7351 land reduction for a {ball_d_mm} mm ball")


# ---------------------------------------------------------------- resolving one pitch

def _match_row(profile: _Profile, pitch: float):
    """The row nearest to `pitch` within the profile's tolerance, or None."""
    best = min(profile.rows, key=lambda r: abs(r[0] - pitch), default=None)
    if best is not None and abs(best[0] - pitch) <= profile.pitch_tol_mm + 1e-12:
        return best
    return None


def _layers(prof: _Profile, pitch: float, tier: str, ov: Overrides | None):
    """Ordered (entries, origin or None, how) layers; the first one holding a key wins."""
    layers: list[tuple[Any, Optional[str], str]] = []
    if ov is not None:
        for row_pitch, entries in ov.rows:
            if abs(row_pitch - pitch) <= prof.pitch_tol_mm + 1e-12:
                layers.append((entries, "override",
                               f"override file {ov.path.name}, {row_pitch:g} mm"))
        layers.append((ov.rules, "override", f"override file {ov.path.name}"))
    row = _match_row(prof, pitch)
    if row:
        layers.append((row[1], None, f"{prof.name} row {row[0]:g} mm"))
    layers.append((prof.defaults, None, f"{prof.name} defaults"))
    for name in prof.fill_in:
        other = load_profile(name)
        orow = _match_row(other, pitch)
        if orow:
            layers.append((orow[1], "fill_in", f"fill-in from {other.name} row {orow[0]:g} mm"))
        layers.append((other.defaults, "fill_in", f"fill-in from {other.name} (any pitch)"))
    common = load_profile("common")
    layers.append((common.defaults, None, "common rules"))
    layers.append((_fab_tiers()[tier], "fab_tier", f"fab tier {tier}"))
    return layers


def _describe_match(prof: _Profile, pitch: float, px: float, py: float):
    shape = (f"non-square {px:g} x {py:g} mm grid: smaller pitch {pitch:g} mm used for rows and "
             f"channels, half-diagonal for the dog-bone; " if abs(px - py) > 1e-9 else "")
    for cand in (prof, *(load_profile(n) for n in prof.fill_in)):
        row = _match_row(cand, pitch)
        if row:
            kind = "row" if cand is prof else "fill-in row"
            return cand.name, row[0], (f"{shape}{kind} {row[0]:g} mm of {cand.name} "
                                       f"(within {cand.pitch_tol_mm:g} mm of {pitch:g} mm)")
    return "", None, (f"{shape}no row within {prof.pitch_tol_mm:g} mm of {pitch:g} mm in "
                      f"{prof.name} or its fill-ins: fill-in formulas from pitch and fab limits")


def rules_for_pitch(profile: str | _Profile = DEFAULT_PROFILE, pitch_x_mm: float = 1.0,
                    pitch_y_mm: float | None = None, fab_tier: str = DEFAULT_FAB_TIER,
                    overrides: Overrides | None = None) -> RuleSet:
    """Resolve every rule for a BGA of pitch x/y [mm] under a profile and a fab tier."""
    prof = profile if isinstance(profile, _Profile) else load_profile(profile)
    if prof.name == "common":
        raise RulesError("'common' holds shared rules and is not a profile")
    if fab_tier not in _fab_tiers():
        raise RulesError(f"unknown fab tier '{fab_tier}' (known: {', '.join(list_fab_tiers())})")
    px = float(pitch_x_mm)
    py = px if pitch_y_mm is None else float(pitch_y_mm)
    if not (px > 0 and py > 0 and math.isfinite(px + py)):
        raise RulesError(f"pitch must be positive, got {px} x {py} mm")
    pitch = min(px, py)
    layers = _layers(prof, pitch, fab_tier, overrides)
    picked = {}
    for key in KEYS:
        for entries, origin, how in layers:
            if key in entries:
                picked[key] = (entries[key], origin, how)
                break
    resolved: dict[str, RuleValue] = {}
    busy: set[str] = set()

    class _Names(dict):
        def __missing__(self, name):
            if name in _FUNCS:
                return _FUNCS[name]
            if name == "max_routes":
                return max_routes
            value = get(name).value
            if value is None:
                raise RulesError(f"{prof.name} at {pitch:g} mm: a formula needs '{name}', "
                                 f"which is n/a")
            return value

    names = _Names(pitch=pitch, pitch_x=px, pitch_y=py)

    def get(key: str) -> RuleValue:
        if key in resolved:
            return resolved[key]
        if key not in picked:
            raise RulesError(f"{prof.name} at {pitch:g} mm: no value for '{key}' in any layer")
        if key in busy:
            raise RulesError(f"{prof.name}: formulas for '{key}' refer to each other")
        busy.add(key)
        ent, origin, how = picked[key]
        if "code" in ent:
            value = eval(ent["code"], {"__builtins__": {}}, names)  # noqa: S307 - AST-checked
            value = _typed(how, key, int(value) if KEYS[key][0] is int else value)
            origin = origin or ent.get("origin", "formula")
            how = f"{how}, formula"
        elif ent.get("na"):
            value, origin = None, origin or ent.get("origin", "published")
        else:
            value, origin = ent["value"], origin or ent.get("origin", "published")
        busy.discard(key)
        # a printed figure only compares with a formula evaluated on its own profile's values
        own = not (origin == "fill_in" and "code" in ent)
        resolved[key] = RuleValue(key, value, ent["source"], origin, how, ent.get("formula", ""),
                                  ent.get("note", ""), ent.get("published") if own else None,
                                  ent.get("published_text", ""),
                                  ent.get("disagrees", "") if own else "")
        return resolved[key]

    for key in picked:
        get(key)
    row_profile, row_pitch, match = _describe_match(prof, pitch, px, py)
    return RuleSet(prof.name, fab_tier, px, py, pitch, row_profile, row_pitch, match,
                   MappingProxyType({k: resolved[k] for k in KEYS if k in resolved}),
                   prof.vendor, prof.parts)


def tiers_allowing(key: str, value_mm: float, profile: str = DEFAULT_PROFILE,
                   pitch_mm: float = 1.0) -> list[str]:
    """Fab tiers whose minimum ``key`` (e.g. ``min_drill_mm``) the value meets.

    In fab.toml order: what a finding below the chosen tier's minimum can suggest instead.
    """
    from .units import fab_minimum

    out = []
    for tier in list_fab_tiers():
        limit = getattr(rules_for_pitch(profile, pitch_mm, fab_tier=tier), key)
        if limit is not None and value_mm >= fab_minimum(limit) - 1e-6:
            out.append(tier)
    return out
