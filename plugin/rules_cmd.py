"""`bga-check rules`: which rule profiles exist, and where every rule value comes from.

``bga-check rules`` lists profiles and fab tiers; with ``--pitch`` it resolves every rule for a
BGA of that pitch (profile, fab tier, project override file next to ``--board``) and prints each
value with its source and origin; ``--explain KEY`` shows one value's full provenance.
Its options are declared in ``cli/rules.py``; errors are ``UserError`` (exit 2).
"""
from __future__ import annotations

import difflib
import json
import os
import sys
import tomllib

from . import dru_cmd
from .api import CheckOptions, UserError, resolve_options
from .core import rules
from .core.resources import resource_path

__all__ = ["run", "ORIGIN_TEXT"]

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


def run(args) -> int:
    """Print the listing, the resolved rule set or one explanation; UserError (exit 2) if bad.

    With a BOARD argument, write KiCad custom design rules for its BGAs instead (``dru_cmd``).
    """
    if getattr(args, "board_file", None):
        return dru_cmd.run_board(args)
    if getattr(args, "output", None):
        raise UserError("-o/--output goes with a BOARD to write custom rules for")
    if getattr(args, "remove", False):
        raise UserError("--remove goes with a BOARD whose generated rules to take out")
    try:
        text = _run(args)
    except rules.RulesError as exc:
        raise UserError(str(exc), 2) from None
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def _run(args) -> str:
    if args.pitch_y is not None and args.pitch is None:
        raise UserError("--pitch-y needs --pitch")
    if args.board is not None and not os.path.exists(args.board):
        raise UserError(f"{args.board}: no such file")
    # The same choice as `check`: command line, then the project file, then the defaults.
    opts = resolve_options(CheckOptions(profile=args.profile, fab_tier=args.fab_tier),
                           args.board or "")
    ov, tier = opts.project_overrides, opts.fab_tier
    prof = rules.load_profile(opts.profile)
    if prof.name == "common":
        raise rules.RulesError("'common' holds shared rules and is not a profile")
    if args.explain:
        return _explain(args, prof, tier, ov)
    if args.pitch is None:
        return _listing(args.json, ov)
    rs = rules.rules_for_pitch(prof, args.pitch, args.pitch_y, tier, ov)
    if args.json:
        return json.dumps(_ruleset_json(rs, prof, ov), indent=2)
    return _ruleset_text(rs, prof, ov)


# ---------------------------------------------------------------- formatting one value

def fmt_value(key: str, value) -> str:
    """A rule value for people: lengths in mm (up to 6 decimals), flags yes/no, n/a for none."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        text = f"{value:.6f}".rstrip("0").rstrip(".")
        return f"{text} mm" if key.endswith("_mm") else text
    return str(value)


def _origin_word(origin: str) -> str:
    return {"fill_in": "fill-in", "fab_tier": "fab tier"}.get(origin, origin)


def _value_lines(rv: rules.RuleValue, indent: str = "    ", full: bool = False) -> list[str]:
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


# ---------------------------------------------------------------- listing

def _fab_titles() -> dict:
    with open(resource_path("rules", "fab.toml"), "rb") as fh:
        tiers = tomllib.load(fh).get("tier", {})
    return {name: str(t.get("title", "")) for name, t in tiers.items()}


def _listing(as_json: bool, ov) -> str:
    profiles = []
    for name in rules.list_profiles():
        prof = rules.load_profile(name)
        profiles.append({"name": prof.name, "title": prof.title, "file": str(prof.path),
                         "pitches_mm": [p for p, _ in prof.rows], "fill_in": list(prof.fill_in)})
    titles = _fab_titles()
    tiers = [{"name": t, "title": titles.get(t, "")} for t in rules.list_fab_tiers()]
    override = _override_json(ov)
    if as_json:
        return json.dumps({"profiles": profiles, "fab_tiers": tiers, "default_profile":
                           rules.DEFAULT_PROFILE, "default_fab_tier": rules.DEFAULT_FAB_TIER,
                           "override": override}, indent=2)
    out = ["Rule profiles (--profile):"]
    for p in profiles:
        mark = " (default)" if p["name"] == rules.DEFAULT_PROFILE else ""
        out.append(f"  {p['name']}{mark}: {p['title']}")
        pitches = ", ".join(f"{x:g}" for x in p["pitches_mm"]) or "none"
        out.append(f"      pitch rows [mm]: {pitches}"
                   f"; other pitches from: {', '.join(p['fill_in']) or 'formulas only'}")
        out.append(f"      file: {p['file']}")
    out.append("Fab tiers (--fab-tier):")
    for t in tiers:
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


def _override_json(ov):
    if ov is None:
        return None
    return {"file": str(ov.path), "profile": ov.profile, "fab_tier": ov.fab_tier,
            "rules": sorted(ov.rules), "pitches_mm": [p for p, _ in ov.rows]}


# ---------------------------------------------------------------- one pitch

def _rv_json(rv: rules.RuleValue) -> dict:
    d = {f: getattr(rv, f) for f in rules.RuleValue.__dataclass_fields__}
    d["meaning"] = rules.KEYS[rv.key][1]
    d["unit"] = "mm" if rv.key.endswith("_mm") else ("flag" if isinstance(rv.value, bool) else "")
    return d


def _ruleset_json(rs: rules.RuleSet, prof, ov) -> dict:
    head = rs.as_dict()
    head["profile_title"] = prof.title
    head["override"] = _override_json(ov)
    head["values"] = {k: _rv_json(v) for k, v in rs.values.items()}
    head["origins"] = ORIGIN_TEXT
    return head


def _ruleset_text(rs: rules.RuleSet, prof, ov) -> str:
    grid = (f"{rs.pitch_x_mm:g} mm" if rs.pitch_x_mm == rs.pitch_y_mm
            else f"{rs.pitch_x_mm:g} x {rs.pitch_y_mm:g} mm")
    out = [f"Rules for a {grid} pitch BGA: profile {rs.profile} ({prof.title}), "
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

def _explain(args, prof, tier, ov) -> str:
    key = args.explain
    if key not in rules.KEYS:
        near = difflib.get_close_matches(key, list(rules.KEYS), n=3)
        hint = (f" (did you mean {', '.join(near)}?)" if near
                else " (list: bga-check rules --pitch 1.0)")
        raise UserError(f"unknown rule key '{key}'{hint}")
    if args.pitch is not None:
        grids = [(args.pitch, args.pitch_y)]
    else:
        grids = [(p, None) for p, _ in prof.rows]
        if not grids:
            raise UserError(f"profile '{prof.name}' has no pitch rows: give --pitch")
    found = []
    for px, py in grids:
        rs = rules.rules_for_pitch(prof, px, py, tier, ov)
        found.append((rs, rs.values.get(key)))
    if args.json:
        return json.dumps({"key": key, "meaning": rules.KEYS[key][1], "profile": prof.name,
                           "fab_tier": tier, "override": _override_json(ov),
                           "at": [{"pitch_x_mm": rs.pitch_x_mm, "pitch_y_mm": rs.pitch_y_mm,
                                   "match": rs.match, "rule": _rv_json(rv) if rv else None}
                                  for rs, rv in found]}, indent=2)
    out = [f"{key}: {rules.KEYS[key][1]}",
           f"profile {prof.name} ({prof.title}), fab tier {tier}"
           + (f", override file {ov.path}" if ov else "")]
    for rs, rv in found:
        grid = (f"{rs.pitch_x_mm:g} mm" if rs.pitch_x_mm == rs.pitch_y_mm
                else f"{rs.pitch_x_mm:g} x {rs.pitch_y_mm:g} mm")
        out += ["", f"at {grid} pitch: {rs.match}"]
        if rv is None:
            out.append("    not defined at this pitch")
            continue
        out.append(f"    value: {fmt_value(key, rv.value)}")
        out.append(f"    origin: {_origin_word(rv.origin)} ({ORIGIN_TEXT.get(rv.origin, '')})")
        out.append(f"    taken from: {rv.how}")
        out.extend(_value_lines(rv, full=True))
    if args.pitch is None:
        out += ["", "Other pitches: add --pitch MM (and --pitch-y MM for a non-square grid)."]
    return "\n".join(out)
