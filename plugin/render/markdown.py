"""Report -> a Markdown summary for a pull-request comment or a CI job summary.

Read top to bottom, it answers in order: did it pass; what fails (the new findings and KiCad
violations at or above the threshold, KiCad's and ours in one table, worst first); how each BGA
stands (one row per BGA); what else is new below the threshold (folded); KiCad's DRC by type;
stale waivers. Lists are capped (``MAX_ROWS`` rows, ``MAX_NAMES`` ball or item names per cell,
``MAX_TEXT`` characters per message) so that the tables stay narrow and a comment stays far
below GitHub's 65,536 characters; every cap says how much it left out.
"""
from __future__ import annotations

import re
from collections import Counter

from ..core.report import Report, severity_rank
from ._shared import (board_uri, ci_meta, counts, fmt, kicad_record, partial_findings,
                      run_error, run_verdict, threshold, waived_findings)

__all__ = ["render_markdown", "MAX_ROWS", "MAX_NAMES", "MAX_TEXT"]

MAX_ROWS = 50
"""Rows listed in full in one table; the rest are counted."""
MAX_NAMES = 6
"""Ball or item names listed in one cell; the rest are counted."""
MAX_TEXT = 160
"""Characters of a message in one cell."""


def _cell(text: object) -> str:
    """Table-cell text: pipes escaped, newlines flattened."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _short(text: object, limit: int = MAX_TEXT) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _names(names, limit: int = MAX_NAMES) -> str:
    """A few names with spaces between them (so a cell can wrap) and how many were left out."""
    names = [str(n) for n in names]
    head = ", ".join(names[:limit])
    return head + (f" … (+{len(names) - limit})" if len(names) > limit else "")


def _standoff(extra: dict) -> str:
    s = extra.get("standoff")
    if not isinstance(s, dict) or s.get("height_mm") is None:
        return ""
    tol = s.get("tolerance_mm")
    return fmt(s["height_mm"], "mm") + (f" ± {fmt(tol)}" if tol is not None else "")


def _assembly_lines(report: Report) -> list[str]:
    """One line per BGA from the assembly review: warpage margin and the X-ray advice."""
    lines = []
    for b in report.bgas:
        a = b.extra.get("assembly")
        if not isinstance(a, dict):
            continue
        margin = a.get("warpage_margin_mm")
        text = (f"warpage margin {margin:+.3f} mm"
                + ("" if a.get("warpage_given") else " (typical warpage)")
                if margin is not None else "no warpage assessment")
        lines.append(f"- **{_cell(b.ref)}**: {text}; {_cell((a.get('xray') or {}).get('line', ''))}")
    return ["### Assembly", "", *lines, ""] if lines else []


def _error(report: Report, message: str) -> str:
    code = ci_meta(report).get("exit_code", 2)
    return "\n".join([f"## BGA check: ERROR · `{_cell(board_uri(report))}`", "",
                      f"**The run stopped before a verdict** (exit code {code}):", "",
                      f"> {_cell(message)}", "",
                      f"<sub>bga-check {report.tool_version}</sub>"]) + "\n"


_ACTUAL = re.compile(r"; actual [^)]*")


def _kicad_where(v: dict) -> str:
    """The first item of a KiCad violation: what and where (the second of a pair is left out)."""
    items = v.get("items", [])
    if not items:
        return ""
    first = items[0]
    pos = first.get("pos") or {}
    what = first.get("description", "")
    what = what.split(" on ")[0] if len(what) > 48 else what
    return f"{_short(what, 48)} at ({pos.get('x')}, {pos.get('y')})"


def render_markdown(report: Report) -> str:
    """The report as a Markdown summary."""
    error = run_error(report)
    if error:
        return _error(report, error)
    meta = ci_meta(report)
    findings = report.sorted_findings()
    waived = waived_findings(report)
    partial = partial_findings(report)
    rec = kicad_record(report)
    kviol = rec.get("violations", []) if rec else []
    kwaived = {int(k) for k in rec.get("waived", {})} if rec else set()
    judged = run_verdict(report)
    limit = threshold(report)
    name = board_uri(report)
    failing_ours = [(k, findings[k]) for k in judged.failing_index]
    failing_kicad = [kviol[k] for k in judged.kicad_failing_index]
    n_fail = len(failing_ours) + len(failing_kicad)
    stale = meta.get("stale_waivers", [])

    out = [f"## BGA check: {judged.word} · `{_cell(name)}`", ""]
    bits = [f"**{n_fail} new** at or above **{limit}** ({len(failing_ours)} from the BGA checks, "
            f"{len(failing_kicad)} from KiCad's DRC)"]
    if waived or partial or kwaived:
        bits.append(f"{len(waived) + len(kwaived)} waived"
                    + (f", {len(partial)} partly" if partial else ""))
    if stale:
        bits.append(f"{len(stale)} stale waiver(s)"
                    + (" (they fail this run)" if meta.get("fail_on_stale") else ""))
    out += [" · ".join(bits) + ".", ""]
    kic = meta.get("kicad") or {}
    tail = [f"bga-check {report.tool_version}"]
    if report.kicad_version:
        tail.append(f"KiCad {report.kicad_version}")
    out += [f"<sub>{' · '.join(tail)}</sub>", ""]

    # 1. what fails, worst first: ours and KiCad's in one table
    if n_fail:
        rows = []
        for k, f in failing_ours:
            where = f.ref or "board"
            what = _short(f.message)
            if k in partial:
                p = partial[k]
                what += f" — new: {_names(p.get('new', []), 3)}; {p.get('waived', 0)} waived"
            elif f.pads:
                where += f" {_names(f.pads)}"
            rows.append((-severity_rank(f.severity), 0, f.severity, f"`{f.rule_id}`", where, what))
        groups: dict[tuple, list[dict]] = {}
        for v in failing_kicad:  # one row per KiCad type and message: 62 dangling vias in one
            desc = str(v.get("description"))
            key = (str(v.get("severity")), str(v.get("type", "?")), _ACTUAL.sub("", desc))
            groups.setdefault(key, []).append(v)
        for (sev, vtype, desc), vs in groups.items():
            where = _kicad_where(vs[0]) + (f" and {len(vs) - 1} more" if len(vs) > 1 else "")
            times = f" ×{len(vs)}" if len(vs) > 1 else ""
            what = str(vs[0].get("description")) if len(vs) == 1 else desc
            rows.append((-severity_rank(sev), 1, sev, f"`{vtype}` (KiCad){times}", where,
                         _short(what)))
        rows.sort(key=lambda r: r[:2])
        out += [f"### Failing ({n_fail})", "", "| severity | rule | where | what |",
                "|---|---|---|---|"]
        out += [f"| {r[2]} | {_cell(r[3])} | {_cell(r[4])} | {_cell(r[5])} |"
                for r in rows[:MAX_ROWS]]
        if len(rows) > MAX_ROWS:
            out.append(f"\n… and {len(rows) - MAX_ROWS} more in the full report "
                       "(bga-check.html, bga-check.json).")
        out.append("")

    # 2. per BGA
    new_ours = [f for k, f in enumerate(findings) if k not in waived]
    if report.bgas:
        out += ["### Per BGA", "",
                "| BGA | package | pitch [mm] | balls | failing | new: errors / warnings / notes "
                "| waived | standoff |",
                "|---|---|---|---:|---:|---:|---:|---|"]
        for b in report.bgas:
            c = counts(f for f in new_ours if f.ref == b.ref)
            n_b = sum(1 for _, f in failing_ours if f.ref == b.ref)
            w_b = sum(1 for k, f in enumerate(findings) if k in waived and f.ref == b.ref)
            package = _short(b.footprint.split(":")[-1], 48)
            out.append(f"| {_cell(b.ref)} | {_cell(package)} | {b.pitch_mm[0]:g} x "
                       f"{b.pitch_mm[1]:g} | {b.balls} {_cell(b.pad_type)} | "
                       f"{'**' + str(n_b) + '**' if n_b else 0} | {c['error']} / "
                       f"{c['warning']} / {c['info']} | {w_b} | {_standoff(b.extra)} |")
        out.append("")
        out += _assembly_lines(report)
    else:
        out += ["No BGA or area-array footprint found on this board.", ""]

    # 3. new below the threshold, folded
    failing_idx = set(judged.failing_index)
    below = [(k, f) for k, f in enumerate(findings) if k not in waived and k not in failing_idx]
    if below:
        below.sort(key=lambda kf: (-severity_rank(kf[1].severity), kf[1].sort_key()))
        c = Counter(f.severity for _, f in below)
        label = ", ".join(f"{n} {s}" for s, n in sorted(c.items(),
                                                          key=lambda sn: -severity_rank(sn[0])))
        out += ["<details>", f"<summary>New below {limit}: {label}</summary>", "",
                "| severity | rule | where | what |", "|---|---|---|---|"]
        for _, f in below[:MAX_ROWS]:
            where = (f.ref or "board") + (f" {_names(f.pads)}" if f.pads else "")
            out.append(f"| {f.severity} | `{_cell(f.rule_id)}` | {_cell(where)} | "
                       f"{_cell(_short(f.message))} |")
        if len(below) > MAX_ROWS:
            out.append(f"\n… and {len(below) - MAX_ROWS} more in the full report.")
        out += ["", "</details>", ""]

    # 4. KiCad's DRC by type
    if rec:
        by_type = Counter((v.get("type", "?"), v.get("severity", "?"), k in kwaived)
                          for k, v in enumerate(kviol))
        new_n = sum(n for (_, _, w), n in by_type.items() if not w)
        out += [f"### KiCad DRC: {new_n} new violation(s), "
                f"{int(rec.get('unconnected', 0))} unconnected item(s)", ""]
        if kic.get("note"):
            out += [f"<sub>{_cell(kic['note'])}</sub>", ""]
        types = sorted({(t, s) for t, s, _ in by_type},
                       key=lambda ts: (-sum(n for (t2, s2, _), n in by_type.items()
                                            if (t2, s2) == ts), ts))
        if types:
            out += ["| type | severity | new | waived |", "|---|---|---:|---:|"]
            for t, s in types[:MAX_ROWS]:
                out.append(f"| `{_cell(t)}` | {_cell(s)} | {by_type.get((t, s, False), 0)} | "
                           f"{by_type.get((t, s, True), 0)} |")
            out.append("")
    elif kic.get("note"):
        out += [f"KiCad DRC: {_cell(kic['note'])}", ""]

    # 5. stale waivers
    if stale:
        out += [f"### Stale waivers ({len(stale)})", "",
                "These baseline entries matched nothing in this run (fixed, or changed): "
                "remove them.", ""]
        for w in stale[:MAX_ROWS]:
            what = w.get("what") or w.get("item") or _names(w.get("balls", []) or
                                                             w.get("items", []))
            out.append(f"- `{_cell(w.get('rule', ''))}` {_cell(w.get('ref', ''))} "
                       f"{_cell(what)}".rstrip())
        if len(stale) > MAX_ROWS:
            out.append(f"- … and {len(stale) - MAX_ROWS} more")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
