"""Report -> a Markdown summary short enough for a pull-request comment.

A verdict line, one table row per BGA, the new findings (capped), KiCad's DRC counted by type,
and the waivers that matched or went stale. GitHub caps a comment at 65,536 characters; the
finding list stops well before that and says how many it left out.
"""
from __future__ import annotations

from collections import Counter

from ..core.report import Report, severity_rank
from ._shared import (ci_meta, counts, finding_fails, fmt, kicad_fails, kicad_record, threshold,
                      waived_findings)

__all__ = ["render_markdown", "MAX_ROWS"]

MAX_ROWS = 50
"""Findings listed in full; the rest are counted."""


def _cell(text: object) -> str:
    """Table-cell text: pipes escaped, newlines flattened."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _standoff(extra: dict) -> str:
    s = extra.get("standoff")
    if not isinstance(s, dict) or s.get("height_mm") is None:
        return ""
    tol = s.get("tolerance_mm")
    return fmt(s["height_mm"], "mm") + (f" ± {fmt(tol)}" if tol is not None else "")


def render_markdown(report: Report) -> str:
    """The report as a Markdown summary."""
    findings = report.sorted_findings()
    waived = waived_findings(report)
    rec = kicad_record(report)
    kviol = rec.get("violations", []) if rec else []
    kwaived = {int(k) for k in rec.get("waived", {})} if rec else set()
    new_ours = [f for k, f in enumerate(findings) if k not in waived]
    failing = sum(finding_fails(report, f, k in waived) for k, f in enumerate(findings))
    kfailing = sum(kicad_fails(report, v, k in kwaived) for k, v in enumerate(kviol))
    verdict = "FAIL" if failing + kfailing else "PASS"
    name = ci_meta(report).get("board_file") or report.source
    out = [f"## BGA check: {verdict} · `{_cell(name)}`", ""]
    out.append(f"{failing} new BGA finding(s) and {kfailing} new KiCad DRC violation(s) at or "
               f"above **{threshold(report)}**; {len(waived) + len(kwaived)} waived. "
               f"bga-check {report.tool_version}, KiCad {report.kicad_version}.")
    out.append("")
    ours = {b.ref: counts(f for f in new_ours if f.ref == b.ref) for b in report.bgas}
    if report.bgas:
        out += ["| BGA | footprint | balls | pitch [mm] | pad | errors | warnings | standoff |",
                "|---|---|---:|---|---|---:|---:|---|"]
        for b in report.bgas:
            c = ours[b.ref]
            out.append(f"| {_cell(b.ref)} | {_cell(b.footprint)} | {b.balls} | "
                       f"{b.pitch_mm[0]:g} x {b.pitch_mm[1]:g} | {_cell(b.pad_type)} | "
                       f"{c['error']} | {c['warning']} | {_standoff(b.extra)} |")
        out.append("")
    else:
        out += ["No BGA or area-array footprint found on this board.", ""]
    if new_ours:
        new_ours.sort(key=lambda f: (-severity_rank(f.severity), f.sort_key()))
        out += [f"### New findings ({len(new_ours)})", "",
                "| severity | BGA | balls | rule | message | measured | limit | source |",
                "|---|---|---|---|---|---:|---:|---|"]
        for f in new_ours[:MAX_ROWS]:
            out.append(f"| {f.severity} | {_cell(f.ref)} | {_cell(','.join(f.pads))} | "
                       f"`{_cell(f.rule_id)}` | {_cell(f.message)} | {fmt(f.measured, f.unit)} | "
                       f"{fmt(f.limit, f.unit)} | {_cell(f.source)} |")
        if len(new_ours) > MAX_ROWS:
            out.append(f"\n… and {len(new_ours) - MAX_ROWS} more in the full report.")
        out.append("")
    kic = ci_meta(report).get("kicad") or {}
    if rec:
        by_type = Counter((v.get("type", "?"), v.get("severity", "?"))
                          for k, v in enumerate(kviol) if k not in kwaived)
        out += [f"### KiCad DRC: {sum(by_type.values())} new violation(s), "
                f"{int(rec.get('unconnected', 0))} unconnected item(s)", ""]
        if by_type:
            out += ["| type | severity | count |", "|---|---|---:|"]
            for (t, s), n in sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0])):
                out.append(f"| `{_cell(t)}` | {_cell(s)} | {n} |")
            out.append("")
    elif kic.get("note"):
        out += [f"KiCad DRC: {_cell(kic['note'])}", ""]
    stale = ci_meta(report).get("stale_waivers", [])
    if stale:
        out += [f"### Stale waivers ({len(stale)})", "",
                "These baseline entries matched nothing in this run; remove them:", ""]
        for w in stale[:MAX_ROWS]:
            what = ",".join(w.get("balls", []) or w.get("items", []))
            out.append(f"- `{_cell(w.get('rule', ''))}` {_cell(w.get('ref', ''))} {_cell(what)}"
                       .rstrip())
        out.append("")
    return "\n".join(out).rstrip() + "\n"
