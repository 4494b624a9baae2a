"""Rule profiles and rule sets -> the text and JSON that ``bga-check rules`` prints.

Three views, each as text for people or JSON: the listing (profiles, fab tiers, the project
override file), every rule for one pitch with its value, origin and source
(``render_rule_set``), and one rule's full provenance at one or every pitch
(``render_explanation``). Pure: ``cli/rules.py`` loads the profiles and resolves the rule sets.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Optional

from ..core import rules

__all__ = ["ORIGIN_TEXT", "fmt_value", "render_listing", "render_rule_set",
           "render_explanation"]

ORIGIN_TEXT = {
    "published": "printed in the cited source",
    "formula": "computed from pitch and other rule values",
    "corrected": "the source's printed figure is wrong: corrected, the reason given",
    "typical": "a typical value, used only when the board gives none",
    "fill_in": "the profile lacks it: taken from another vendor, IPC or a formula",
    "fab_tier": "a fab capability limit of the chosen tier",
    "override": "set by the project override file next to the board",
}
"""What each origin word in the output means, for someone reading it the first time."""


# ---------------------------------------------------------------- formatting one value

def fmt_value(key: str, value: Any) -> str:
    """A rule value for people: lengths in mm (up to 6 decimals), flags yes/no, n/a for none.

    Examples
    --------
    >>> fmt_value("land_d_mm", 0.45), fmt_value("microvia_available", True), fmt_value("x", None)
    ('0.45 mm', 'yes', 'n/a')
    """
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        text = f"{value:.6f}".rstrip("0").rstrip(".")
        return f"{text} mm" if key.endswith("_mm") else text
    return str(value)


def _origin_word(origin: str) -> str:
    """An origin as printed: ``fill-in``, ``fab tier``, else the word itself."""
    return {"fill_in": "fill-in", "fab_tier": "fab tier"}.get(origin, origin)


def _grid(rs: rules.RuleSet) -> str:
    """A rule set's pitch: ``0.8 mm``, or ``0.8 x 0.65 mm`` for a non-square grid."""
    return (f"{rs.pitch_x_mm:g} mm" if rs.pitch_x_mm == rs.pitch_y_mm
            else f"{rs.pitch_x_mm:g} x {rs.pitch_y_mm:g} mm")


def _value_lines(rv: rules.RuleValue, indent: str = "    ", full: bool = False) -> list[str]:
    """Where a value comes from: source, formula, the published figure, disagreement, note."""
    lines = [f"{indent}source: {rv.source}"]
    if rv.formula:
        lines.append(f"{indent}formula: {rv.formula}")
    if rv.published is not None or rv.published_text:
        printed = rv.published_text or fmt_value(rv.key, rv.published)
        lines.append(f"{indent}published: {printed}")
    if rv.disagrees:
        lines.append(f"{indent}DISAGREES: {rv.disagrees}")
    if full and rv.note:
        lines.append(f"{indent}note: {rv.note}")
    return lines


def _override_json(ov: Optional[rules.Overrides]) -> Optional[dict]:
    """The project override file as JSON: its path, choices, values and pitch rows."""
    if ov is None:
        return None
    return {"file": str(ov.path), "profile": ov.profile, "fab_tier": ov.fab_tier,
            "rules": sorted(ov.rules), "pitches_mm": [p for p, _ in ov.rows]}


def _rv_json(rv: rules.RuleValue) -> dict:
    """One value as JSON, with its meaning and unit."""
    d = {f: getattr(rv, f) for f in rules.RuleValue.__dataclass_fields__}
    d["meaning"] = rules.KEYS[rv.key][1]
    d["unit"] = "mm" if rv.key.endswith("_mm") else ("flag" if isinstance(rv.value, bool) else "")
    return d


# ---------------------------------------------------------------- listing

def render_listing(profiles: Sequence[Any], tiers: Sequence[tuple[str, str]],
                   ov: Optional[rules.Overrides], as_json: bool = False) -> str:
    """The rule profiles, the fab tiers and the project override file.

    Parameters
    ----------
    profiles : sequence of profiles
        ``rules.load_profile`` of every profile.
    tiers : sequence of (str, str)
        Fab tier name and title.
    ov : Overrides or None
        The project override file.
    as_json : bool
        JSON instead of text.
    """
    listed = [{"name": prof.name, "title": prof.title, "file": str(prof.path),
               "pitches_mm": [p for p, _ in prof.rows], "fill_in": list(prof.fill_in)}
              for prof in profiles]
    tier_list = [{"name": name, "title": title} for name, title in tiers]
    override = _override_json(ov)
    if as_json:
        return json.dumps({"profiles": listed, "fab_tiers": tier_list, "default_profile":
                           rules.DEFAULT_PROFILE, "default_fab_tier": rules.DEFAULT_FAB_TIER,
                           "override": override}, indent=2)
    out = ["Rule profiles (--profile):"]
    for p in listed:
        mark = " (default)" if p["name"] == rules.DEFAULT_PROFILE else ""
        out.append(f"  {p['name']}{mark}: {p['title']}")
        pitches = ", ".join(f"{x:g}" for x in p["pitches_mm"]) or "none"
        out.append(f"      pitch rows [mm]: {pitches}"
                   f"; other pitches from: {', '.join(p['fill_in']) or 'formulas only'}")
        out.append(f"      file: {p['file']}")
    out.append("Fab tiers (--fab-tier):")
    for t in tier_list:
        mark = " (default)" if t["name"] == rules.DEFAULT_FAB_TIER else ""
        out.append(f"  {t['name']}{mark}: {t['title']}")
    if override:
        out.append(f"Project override file: {override['file']}")
        out.append(f"  profile {override['profile'] or '-'}, "
                   f"fab tier {override['fab_tier'] or '-'}, "
                   f"values: {', '.join(override['rules']) or 'none'}; per pitch: "
                   f"{', '.join(f'{p:g} mm' for p in override['pitches_mm']) or 'none'}")
    out.append("Show every rule for a pitch: bga-check rules --profile ug1099 --pitch 0.8; "
               "one rule's provenance: bga-check rules --explain land_d_mm")
    return "\n".join(out)


# ---------------------------------------------------------------- one pitch

def render_rule_set(rs: rules.RuleSet, prof: Any, ov: Optional[rules.Overrides],
                    as_json: bool = False) -> str:
    """Every rule of one pitch: value, origin, how it was found, meaning and source.

    Parameters
    ----------
    rs : RuleSet
        The resolved rules.
    prof : profile
        The profile ``rs`` was resolved from (for its title).
    ov : Overrides or None
        The project override file.
    as_json : bool
        JSON instead of text.
    """
    if as_json:
        head = rs.as_dict()
        head["profile_title"] = prof.title
        head["override"] = _override_json(ov)
        head["values"] = {k: _rv_json(v) for k, v in rs.values.items()}
        head["origins"] = ORIGIN_TEXT
        return json.dumps(head, indent=2)
    out = [f"Rules for a {_grid(rs)} pitch BGA: profile {rs.profile} ({prof.title}), "
           f"fab tier {rs.fab_tier}",
           f"Pitch row: {rs.match}",
           f"Override file: {ov.path if ov else 'none'}", ""]
    counts: dict[str, int] = {}
    for key, rv in rs.values.items():
        counts[rv.origin] = counts.get(rv.origin, 0) + 1
        out.append(f"{key:30s} {fmt_value(key, rv.value):>14s}  "
                   f"{_origin_word(rv.origin):10s} {rv.how}")
        out.append(f"    {rules.KEYS[key][1]}")
        out.extend(_value_lines(rv))
    out.append("")
    out.append(f"{len(rs.values)} values: " + ", ".join(
        f"{n} {_origin_word(o)}" for o, n in sorted(counts.items(), key=lambda kv: -kv[1])))
    out.append("Origins:")
    out.extend(f"  {_origin_word(o):10s} {t}" for o, t in ORIGIN_TEXT.items())
    return "\n".join(out)


# ---------------------------------------------------------------- one key

def render_explanation(key: str, prof: Any, tier: str, ov: Optional[rules.Overrides],
                       found: Sequence[tuple[rules.RuleSet, Optional[rules.RuleValue]]],
                       as_json: bool = False, every_pitch: bool = False) -> str:
    """One rule's full provenance at each pitch asked for.

    Parameters
    ----------
    key : str
        A key of ``rules.KEYS``.
    prof : profile
        The profile the rule sets were resolved from.
    tier : str
        The fab tier.
    ov : Overrides or None
        The project override file.
    found : sequence of (RuleSet, RuleValue or None)
        Per pitch, the rule set and its value of ``key`` (None when not defined there).
    as_json : bool
        JSON instead of text.
    every_pitch : bool
        True when ``found`` holds every pitch row of the profile (no ``--pitch``): the text
        says how to ask for another pitch.
    """
    if as_json:
        return json.dumps({"key": key, "meaning": rules.KEYS[key][1], "profile": prof.name,
                           "fab_tier": tier, "override": _override_json(ov),
                           "at": [{"pitch_x_mm": rs.pitch_x_mm, "pitch_y_mm": rs.pitch_y_mm,
                                   "match": rs.match, "rule": _rv_json(rv) if rv else None}
                                  for rs, rv in found]}, indent=2)
    out = [f"{key}: {rules.KEYS[key][1]}",
           f"profile {prof.name} ({prof.title}), fab tier {tier}"
           + (f", override file {ov.path}" if ov else "")]
    for rs, rv in found:
        out += ["", f"at {_grid(rs)} pitch: {rs.match}"]
        if rv is None:
            out.append("    not defined at this pitch")
            continue
        out.append(f"    value: {fmt_value(key, rv.value)}")
        out.append(f"    origin: {_origin_word(rv.origin)} ({ORIGIN_TEXT.get(rv.origin, '')})")
        out.append(f"    taken from: {rv.how}")
        out.extend(_value_lines(rv, full=True))
    if every_pitch:
        out += ["", "Other pitches: add --pitch MM (and --pitch-y MM for a non-square grid)."]
    return "\n".join(out)
