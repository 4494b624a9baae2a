"""Baselines: the findings a project has accepted, item by item, so that CI fails on new ones.

A run's findings (ours) and KiCad's violations become ``Entry`` objects, one per item: a
finding about 24 vias is 24 entries, so that moving a 25th via into it fails on that via alone,
and fixing one of them fails nothing. A baseline file (docs/ci.md) holds one waiver per entry
(``baseline_dict``, ``baseline_text``); ``apply_baseline`` says which entries a baseline covers
and which waivers match nothing (stale). ``finding_waivers`` and ``kicad_waivers`` turn that
into the positions ``verdict.verdict`` takes, which alone decides whether the run fails.
"""
from __future__ import annotations

import datetime as _dt
import fnmatch
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .report import Finding, Report

__all__ = ["BASELINE_FORMAT", "ORIGIN_OURS", "ORIGIN_KICAD", "BaselineError", "Entry",
           "item_key", "entries_of", "load_baseline", "apply_baseline", "finding_waivers",
           "kicad_waivers", "baseline_dict", "baseline_text"]

BASELINE_FORMAT = 2
"""Version of the baseline file layout (key ``bga_check_baseline``); format 1 files (one waiver
per grouped finding) are still read, item by item (see ``load_baseline``)."""
ORIGIN_OURS, ORIGIN_KICAD = "bga-check", "kicad"
"""Who found an entry: the ``origin`` of a waiver."""


class BaselineError(ValueError):
    """A baseline file that is missing or malformed; the message names the file and the waiver."""


@dataclass(frozen=True)
class Entry:
    """One item of one violation, the unit baselines accept.

    Who found it, rule, BGA, the item's key (``item_key``) and what people call it.
    """

    origin: str
    rule: str
    ref: str
    item: str
    """``item_key`` (``via:<uuid>``, ``ball:U1.F6``; several joined with ``+``)."""
    what: str
    """The item for people: ``via at (101.2, 98.4) mm``, ``ball F6``."""
    uuids: tuple[str, ...]
    balls: tuple[str, ...]
    """Ball names of the whole finding (format 1 waivers match on them)."""
    severity: str
    message: str
    index: int
    """Position in ``report.sorted_findings()`` (ours) or in KiCad's list (kicad)."""


def _kind(desc: str) -> str:
    """The kind of an item from its description's first word: ``via``, ``ball``, ``track``."""
    return (desc.split() or ["item"])[0].lower()


def item_key(desc: str, uuid: str, ref: str) -> str:
    """The stable key of one item of a finding.

    Balls by BGA and name (a ball keeps its name when the footprint is updated from the
    library), vias, tracks and others by uuid.

    Examples
    --------
    >>> item_key("ball C3", "uuid-1", "U1"), item_key("arc 0.1 mm", "uuid-2", "U1")
    ('ball:U1.C3', 'track:uuid-2')
    """
    kind = _kind(desc)
    words = desc.split()
    if kind == "ball" and len(words) > 1:
        return f"ball:{ref}.{words[1]}"
    if kind == "pad" and len(words) > 1:
        return f"pad:{words[1]}"
    if kind in ("via", "track", "arc"):
        return f"{'track' if kind == 'arc' else kind}:{uuid}"
    return f"{kind}:{uuid}" if uuid else f"{kind}:{desc}"


def _what(desc: str, x: float, y: float) -> str:
    """An item for people: a ball, pad or footprint by name, anything else by position."""
    kind = _kind(desc)
    if kind in ("ball", "pad", "footprint"):
        return " ".join(desc.split()[:2])
    return f"{kind} at ({x:.4f}, {y:.4f}) mm"


def _units(f: Finding) -> list[tuple[str, str, tuple[str, ...]]]:
    """A finding's items as (key, what, uuids).

    A group of vias or of balls is one unit per via or ball (the balls beside a via group are
    context); anything else is one unit.
    """
    vias = [it for it in f.items if _kind(it[0]) == "via"]
    balls = [it for it in f.items if _kind(it[0]) == "ball"]
    group = vias if len(vias) >= 2 else balls if len(balls) >= 2 else None
    if group:
        return [(item_key(d, u, f.ref), _what(d, x, y), (u,) if u else ()) for d, u, x, y in group]
    if not f.items:
        return [("", f"{f.ref or 'board'} {','.join(f.pads)}".strip(), ())]
    keys = sorted(item_key(d, u, f.ref) for d, u, _, _ in f.items)
    d, _, x, y = f.items[0]
    more = f" and {len(f.items) - 1} more item(s)" if len(f.items) > 1 else ""
    return [("+".join(keys), _what(d, x, y) + more, tuple(sorted({u for _, u, _, _ in f.items
                                                                  if u})))]


def entries_of(report: Report, kicad_violations: Sequence[Mapping[str, Any]]) -> list[Entry]:
    """Our findings item by item, and KiCad's violations (and unconnected items) one each.

    Parameters
    ----------
    report : Report
        The checked board.
    kicad_violations : sequence of dict
        kicad-cli JSON violation objects (``violations`` then ``unconnected_items``).

    Returns
    -------
    list of Entry
        Ours first, in ``report.sorted_findings()`` order, then KiCad's in the order given.
    """
    out = []
    for k, f in enumerate(report.sorted_findings()):
        for key, what, uuids in _units(f):
            out.append(Entry(ORIGIN_OURS, f.rule_id, f.ref, key, what, uuids, tuple(f.pads),
                             f.severity, f.message, k))
    for k, v in enumerate(kicad_violations):
        items = v.get("items", [])
        uuids = tuple(sorted({str(i.get("uuid")) for i in items if i.get("uuid")}))
        first = items[0] if items else {}
        pos = first.get("pos") or {}
        what = (f"{first.get('description', '')} at ({pos.get('x', 0)}, {pos.get('y', 0)}) mm"
                if first else str(v.get("description", "")))
        out.append(Entry(ORIGIN_KICAD, str(v.get("type", "")), "", "+".join(uuids) or
                         str(v.get("description", "")), what, uuids, (),
                         str(v.get("severity", "")), str(v.get("description", "")), k))
    return out


def load_baseline(path: str) -> list[dict]:
    """The waivers of a baseline file.

    Format 2, one waiver per item (docs/ci.md): ``{"bga_check_baseline": 2, "waivers":
    [{"origin": "bga-check", "rule": "fab.min_drill", "ref": "U1", "item": "via:<uuid>",
    "reason": "..."}]}``. ``rule`` is required; ``ref`` and ``item`` are optional patterns
    (``*``, ``?``). ``items`` (uuids) and ``balls`` (names) list what a waiver covers, item by
    item: so format 1 files (one waiver per grouped finding) still cover the 84 vias left when
    one of 85 is fixed. Other keys (``what``, ``severity``, ``message``) are notes for people.

    Parameters
    ----------
    path : str
        The baseline file.

    Returns
    -------
    list of dict
        The waivers, as written.

    Raises
    ------
    BaselineError
        For a missing, unreadable or malformed file.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"baseline file not found: {path}") from None
    except (OSError, ValueError) as exc:
        raise BaselineError(f"baseline file {path} is not readable JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("bga_check_baseline") not in (1, BASELINE_FORMAT):
        raise BaselineError(f"{path} is not a bga-check baseline (expected "
                            f'"bga_check_baseline": {BASELINE_FORMAT}, or 1)')
    waivers = data.get("waivers", [])
    for k, w in enumerate(waivers if isinstance(waivers, list) else [None]):
        if not isinstance(w, dict) or not isinstance(w.get("rule"), str):
            raise BaselineError(f"{path}: waiver {k + 1} needs a \"rule\" string")
        for key in ("balls", "items"):
            if key in w and not (isinstance(w[key], list)
                                 and all(isinstance(x, str) for x in w[key])):
                raise BaselineError(f"{path}: waiver {k + 1}: \"{key}\" must be a list of "
                                    "strings")
        if "item" in w and not isinstance(w["item"], str):
            raise BaselineError(f"{path}: waiver {k + 1}: \"item\" must be a string")
    return waivers


def _matches(w: Mapping[str, Any], e: Entry) -> bool:
    """Whether waiver ``w`` covers entry ``e`` (patterns, item lists, ball names)."""
    if "origin" in w and w["origin"] != e.origin:
        return False
    if not fnmatch.fnmatchcase(e.rule, w["rule"]):
        return False
    if "ref" in w and not fnmatch.fnmatchcase(e.ref, str(w["ref"])):
        return False
    if "item" in w and not fnmatch.fnmatchcase(e.item, str(w["item"])):
        return False
    ball = e.item[len(f"ball:{e.ref}."):] if e.item.startswith(f"ball:{e.ref}.") else None
    if "items" in w and not (set(e.uuids) <= set(w["items"]) or e.item in w["items"]):
        return False
    if "balls" in w:
        if ball is not None:
            return ball in w["balls"]
        if "items" not in w and not set(e.balls) & set(w["balls"]):
            return False
    return True


def _could_be_kicad(w: Mapping[str, Any]) -> bool:
    """A waiver that may be meant for KiCad's violations (whose types have no dot)."""
    return w.get("origin") == ORIGIN_KICAD or ("origin" not in w and "." not in w["rule"])


def apply_baseline(entries: list[Entry], waivers: list[dict], kicad_ran: bool = True
                   ) -> tuple[dict[Entry, dict], list[dict]]:
    """Which entries the waivers cover, and the stale waivers.

    A waiver is stale when it matches nothing; one that may be meant for KiCad is never stale
    in a run where KiCad's DRC did not run.

    Parameters
    ----------
    entries : list of Entry
        ``entries_of`` the run.
    waivers : list of dict
        ``load_baseline``'s waivers.
    kicad_ran : bool
        False when KiCad's DRC did not run (``--no-kicad-drc``).

    Returns
    -------
    (dict, list)
        Entry -> its first matching waiver, and the stale waivers.
    """
    used = [False] * len(waivers)
    covered: dict[Entry, dict] = {}
    for e in entries:
        for k, w in enumerate(waivers):
            if _matches(w, e):
                covered.setdefault(e, w)
                used[k] = True
    stale = [w for w, u in zip(waivers, used)
             if not u and (kicad_ran or not _could_be_kicad(w))]
    return covered, stale


def finding_waivers(entries: list[Entry], covered: Mapping[Entry, dict]
                    ) -> tuple[dict[int, str], dict[int, dict]]:
    """Our findings that a baseline waives, fully or in part.

    Parameters
    ----------
    entries : list of Entry
        ``entries_of`` the run.
    covered : dict
        ``apply_baseline``'s covered entries.

    Returns
    -------
    (dict, dict)
        Fully waived findings (index in ``report.sorted_findings()`` -> reason; what
        ``verdict``'s ``waived`` takes) and partly waived ones (index -> ``{"new": [what of
        each new item], "waived": count}``).
    """
    by: dict[int, list[Entry]] = {}
    for e in entries:
        if e.origin == ORIGIN_OURS:
            by.setdefault(e.index, []).append(e)
    full, part = {}, {}
    for k, es in by.items():
        cov = [e for e in es if e in covered]
        if len(cov) == len(es):
            full[k] = str(covered[cov[0]].get("reason", "waived"))
        elif cov:
            part[k] = {"new": [e.what for e in es if e not in covered], "waived": len(cov)}
    return full, part


def kicad_waivers(entries: list[Entry], covered: Mapping[Entry, dict]) -> dict[int, str]:
    """KiCad's violations that a baseline waives: index in KiCad's list -> reason.

    The keys are what ``verdict``'s ``kicad_waived`` takes.
    """
    return {e.index: str(covered[e].get("reason", "waived"))
            for e in entries if e.origin == ORIGIN_KICAD and e in covered}


def baseline_dict(entries: list[Entry], covered: Mapping[Entry, dict], board: str) -> dict:
    """A baseline accepting every entry, one waiver per item.

    Reasons of waivers that already covered an item are kept; a new item's reason is
    ``baseline <today>``.
    """
    today = _dt.date.today().isoformat()
    waivers, seen = [], set()
    for e in entries:
        w: dict[str, Any] = {"origin": e.origin, "rule": e.rule}
        if e.ref:
            w["ref"] = e.ref
        if e.item:
            w["item"] = e.item
        w["what"] = e.what
        w["severity"] = e.severity
        w["message"] = e.message
        w["reason"] = covered.get(e, {}).get("reason") or f"baseline {today}"
        key = (e.origin, e.rule, e.ref, e.item)
        if key not in seen:
            seen.add(key)
            waivers.append(w)
    return {"bga_check_baseline": BASELINE_FORMAT, "board": board, "created": today,
            "waivers": waivers}


def baseline_text(data: Mapping[str, Any]) -> str:
    """A baseline as JSON with one waiver per line, so that a review diff shows one item a line.

    Examples
    --------
    >>> print(baseline_text({"bga_check_baseline": 2, "waivers": [{"rule": "x"}]}), end="")
    {
      "bga_check_baseline": 2,
      "waivers": [
        {"rule": "x"}
      ]
    }
    """
    head = {k: v for k, v in data.items() if k != "waivers"}
    lines = ["{"] + [f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items()]
    ws = data.get("waivers", [])
    lines.append('  "waivers": [' if ws else '  "waivers": []')
    lines += [f"    {json.dumps(w, ensure_ascii=False)}{',' if k < len(ws) - 1 else ''}"
              for k, w in enumerate(ws)]
    if ws:
        lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"
