"""Report -> JUnit XML: one test suite per BGA, one test case per BGA and rule.

CI services show JUnit files as test results. Each BGA gets a ``detection`` case, one case per
rule that reported on it (failed when a new finding reaches the run's severity threshold, else
passed with the findings in ``system-out``), one per rule listed as checked with nothing found,
and a ``standoff`` case when the solder-height stage ran. Findings on no BGA go to a ``board``
suite; KiCad's DRC, when it ran, to a ``kicad-drc`` suite with one case per violation type.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from ..core.report import Finding, Report
from ._shared import fmt, kicad_fails, kicad_record, threshold, waived_findings, finding_fails

__all__ = ["render_junit"]


def _line(f: Finding, reason: str | None) -> str:
    head = f"[{f.severity}] {f.ref} {','.join(f.pads)} ".replace("  ", " ")
    text = f"{head}{f.message} at ({f.x_mm:.4f}, {f.y_mm:.4f}) mm"
    if f.measured is not None:
        text += f"; measured {fmt(f.measured, f.unit)}"
    if f.limit is not None:
        text += f", limit {fmt(f.limit, f.unit)}"
    if f.source:
        text += f"; source: {f.source}"
    if reason is not None:
        text += f"; waived: {reason}"
    return text


def _case(suite: ET.Element, classname: str, name: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", {"classname": classname, "name": name, "time": "0"})


def _finish(suite: ET.Element) -> tuple[int, int]:
    cases = suite.findall("testcase")
    failures = sum(1 for c in cases if c.find("failure") is not None)
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", "0")
    return len(cases), failures


def _rule_cases(report: Report, suite: ET.Element, classname: str,
                entries: list[tuple[Finding, str | None]]) -> None:
    by_rule: dict[str, list[tuple[Finding, str | None]]] = defaultdict(list)
    for f, reason in entries:
        by_rule[f.rule_id].append((f, reason))
    for rule_id in sorted(by_rule):
        items = by_rule[rule_id]
        case = _case(suite, classname, rule_id)
        failing = [f for f, reason in items if finding_fails(report, f, reason is not None)]
        text = "\n".join(_line(f, reason) for f, reason in items)
        if failing:
            worst = "error" if any(f.severity == "error" for f in failing) else failing[0].severity
            fail = ET.SubElement(case, "failure", {
                "message": f"{len(failing)} new finding(s) at or above {threshold(report)}: "
                           f"{failing[0].message}",
                "type": worst})
            fail.text = text
        else:
            ET.SubElement(case, "system-out").text = text


def render_junit(report: Report) -> str:
    """The report as a JUnit XML document (the Ant/Jenkins schema most CI services read)."""
    root = ET.Element("testsuites", {"name": "bga-check"})
    waived = waived_findings(report)
    by_ref: dict[str, list[tuple[Finding, str | None]]] = defaultdict(list)
    for k, f in enumerate(report.sorted_findings()):
        by_ref[f.ref].append((f, waived.get(k)))
    total = failed = 0
    for b in report.bgas:
        suite = ET.SubElement(root, "testsuite", {"name": f"bga-check.{b.ref}"})
        props = ET.SubElement(suite, "properties")
        for key, value in (("footprint", b.footprint), ("balls", b.balls),
                           ("pitch_mm", f"{b.pitch_mm[0]:g} x {b.pitch_mm[1]:g}"),
                           ("side", b.side), ("pad_type", b.pad_type)):
            ET.SubElement(props, "property", {"name": key, "value": str(value)})
        cls = f"bga-check.{b.ref}"
        det = _case(suite, cls, "detection")
        ET.SubElement(det, "system-out").text = (
            f"{b.ref} {b.footprint}: {b.balls} balls, {b.rows} x {b.cols}, "
            f"pitch {b.pitch_mm[0]:g} x {b.pitch_mm[1]:g} mm, {b.side}")
        entries = by_ref.pop(b.ref, [])
        _rule_cases(report, suite, cls, entries)
        seen = {f.rule_id for f, _ in entries}
        for rule_id in sorted(set(b.extra.get("rules_checked", ())) - seen):
            _case(suite, cls, str(rule_id))
        standoff = b.extra.get("standoff")
        if isinstance(standoff, dict) and "height_mm" in standoff:
            case = _case(suite, cls, "standoff")
            ET.SubElement(case, "system-out").text = (
                f"predicted standoff {fmt(standoff['height_mm'], 'mm')}"
                + (f" +/- {fmt(standoff['tolerance_mm'], 'mm')}"
                   if standoff.get("tolerance_mm") is not None else ""))
        n, k = _finish(suite)
        total, failed = total + n, failed + k
    if by_ref:
        suite = ET.SubElement(root, "testsuite", {"name": "bga-check.board"})
        _rule_cases(report, suite, "bga-check.board",
                    [e for ref in sorted(by_ref) for e in by_ref[ref]])
        n, k = _finish(suite)
        total, failed = total + n, failed + k
    rec = kicad_record(report)
    if rec is not None:
        suite = ET.SubElement(root, "testsuite", {"name": "kicad-drc"})
        kwaived = {int(k): str(v) for k, v in rec.get("waived", {}).items()}
        by_type: dict[str, list[tuple[dict, bool]]] = defaultdict(list)
        for k, v in enumerate(rec.get("violations", [])):
            by_type[str(v.get("type", "unknown"))].append((v, k in kwaived))
        for vtype in sorted(by_type):
            case = _case(suite, "kicad-drc", vtype)
            items = by_type[vtype]
            text = "\n".join(
                f"[{v.get('severity')}] {v.get('description', '')}"
                + "".join(f"; {i.get('description', '')} at ({i['pos']['x']}, {i['pos']['y']})"
                          for i in v.get("items", []))
                + ("; waived" if w else "") for v, w in items)
            failing = [v for v, w in items if kicad_fails(report, v, w)]
            if failing:
                ET.SubElement(case, "failure", {
                    "message": f"{len(failing)} new KiCad DRC violation(s): "
                               f"{failing[0].get('description', vtype)}",
                    "type": str(failing[0].get("severity"))}).text = text
            else:
                ET.SubElement(case, "system-out").text = text
        n, k = _finish(suite)
        total, failed = total + n, failed + k
    root.set("tests", str(total))
    root.set("failures", str(failed))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"
