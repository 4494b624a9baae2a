"""Report -> JUnit XML: one test suite per BGA, one test case per BGA and rule, passes included.

CI services show JUnit files as test results, and compare runs by test case name. So each BGA
gets the same cases in every run: a ``detection`` case, one case per rule the checks hold a BGA
to (``RULES_PER_BGA``, failing ones included: a rule that reported nothing passes) and one per
other rule that reported on it, a ``standoff`` case when the solder-height stage ran. A problem
that gets fixed turns its case green instead of taking it away. A case fails when a new
finding (or a new item of a partly waived one) reaches the run's severity threshold, and the
failure names the new items; findings below it, and waived ones, are in ``system-out``.
Findings on no BGA go to a ``board`` suite (``RULES_PER_BOARD`` likewise); KiCad's DRC, when
it ran, to a ``kicad-drc`` suite with one case per violation type. A run that stopped before a
verdict gives one suite with one errored case saying why.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from ..core.report import Finding, Report
from ._shared import (board_uri, ci_meta, finding_fails, fmt, kicad_fails, kicad_record,
                      partial_findings, run_error, threshold, waived_findings)

__all__ = ["render_junit", "RULES_PER_BGA", "RULES_PER_BOARD"]

RULES_PER_BGA = (
    "clearance.pad_track", "clearance.pad_via", "clearance.via_track", "clearance.track_track",
    "clearance.pad_track.board", "clearance.pad_via.board", "clearance.via_track.board",
    "clearance.track_track.board",
    "fab.annular_ring", "fab.mask_web", "fab.min_drill", "fab.trace_width",
    "fab.via_fill_unavailable", "fanout.dangling_via", "fanout.unrouted_ball",
    "ipc4761.via_in_pad_fill", "ipc7525.area_ratio", "land.pad_type_mixed", "paste.missing",
    "standoff.invalid_joint", "ug1099.land_type", "ug1099.layer_count.too_few",
    "ug1099.t1.land_diameter", "ug1099.t1.pad_to_via", "ug1099.t1.via_drill",
    "ug1099.t1.via_pad_diameter", "ug1099.t2.routes_between_pads",
    "ug1099.t3.routes_between_vias", "ug1099.via_in_pad_expected", "ug1099.via_in_pad_offset",
    "ug575.land_to_ball", "ug575.via_in_pad_mixed",
)
"""The rules that can fail a BGA (errors and warnings of ``core/checks``): a case each, in
every run. Rules that only give notes get a case when they report."""
RULES_PER_BOARD = ("fab.hdi_board", "detect.package_not_recognised")
"""The same for the ``board`` suite (findings on no detected BGA)."""


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
    errors = sum(1 for c in cases if c.find("error") is not None)
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", "0")
    return len(cases), failures


Entry = tuple[int, Finding, "str | None"]
"""(index into ``sorted_findings()``, finding, waiver reason or None)."""


def _rule_cases(report: Report, suite: ET.Element, classname: str, entries: list[Entry],
                always: tuple[str, ...] = ()) -> None:
    """One case per rule: those in ``always`` (passing when nothing reported) and those that
    reported; a case fails on a new finding at or above the threshold and names its new items."""
    partial = partial_findings(report)
    by_rule: dict[str, list[Entry]] = defaultdict(list)
    for e in entries:
        by_rule[e[1].rule_id].append(e)
    for rule_id in sorted(set(by_rule) | set(always)):
        items = by_rule.get(rule_id, [])
        case = _case(suite, classname, rule_id)
        if not items:
            ET.SubElement(case, "system-out").text = "checked: nothing found"
            continue
        failing = [(k, f) for k, f, reason in items
                   if finding_fails(report, f, reason is not None)]
        lines = []
        for k, f, reason in items:
            line = _line(f, reason)
            if k in partial:
                p = partial[k]
                line += (f"; new item(s): {', '.join(p.get('new', []))}; "
                         f"{p.get('waived', 0)} item(s) waived")
            lines.append(line)
        text = "\n".join(lines)
        if failing:
            worst = ("error" if any(f.severity == "error" for _, f in failing)
                     else failing[0][1].severity)
            k0, f0 = failing[0]
            new = partial.get(k0, {}).get("new")
            named = f" (new: {', '.join(new[:5])}{' …' if len(new) > 5 else ''})" if new else ""
            fail = ET.SubElement(case, "failure", {
                "message": f"{len(failing)} new finding(s) at or above {threshold(report)}: "
                           f"{f0.message}{named}",
                "type": worst})
            fail.text = text
        else:
            ET.SubElement(case, "system-out").text = text


def _error_doc(report: Report, message: str) -> str:
    root = ET.Element("testsuites", {"name": "bga-check"})
    suite = ET.SubElement(root, "testsuite", {"name": "bga-check"})
    case = _case(suite, "bga-check", f"run {board_uri(report)}")
    code = ci_meta(report).get("exit_code", 2)
    ET.SubElement(case, "error", {"message": message, "type": f"exit {code}"}).text = message
    _finish(suite)
    root.set("tests", "1")
    root.set("failures", "0")
    root.set("errors", "1")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def render_junit(report: Report) -> str:
    """The report as a JUnit XML document (the Ant/Jenkins schema most CI services read)."""
    error = run_error(report)
    if error:
        return _error_doc(report, error)
    root = ET.Element("testsuites", {"name": "bga-check"})
    waived = waived_findings(report)
    by_ref: dict[str, list[Entry]] = defaultdict(list)
    for k, f in enumerate(report.sorted_findings()):
        by_ref[f.ref].append((k, f, waived.get(k)))
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
        checked = tuple(RULES_PER_BGA) + tuple(str(r) for r in b.extra.get("rules_checked", ()))
        _rule_cases(report, suite, cls, entries, checked)
        standoff = b.extra.get("standoff")
        if isinstance(standoff, dict) and "height_mm" in standoff:
            case = _case(suite, cls, "standoff")
            ET.SubElement(case, "system-out").text = (
                f"predicted standoff {fmt(standoff['height_mm'], 'mm')}"
                + (f" +/- {fmt(standoff['tolerance_mm'], 'mm')}"
                   if standoff.get("tolerance_mm") is not None else ""))
        assembly = b.extra.get("assembly")
        if isinstance(assembly, dict) and assembly.get("xray"):
            case = _case(suite, cls, "assembly")
            margin = assembly.get("warpage_margin_mm")
            ET.SubElement(case, "system-out").text = (
                (f"warpage margin {fmt(margin, 'mm')}; " if margin is not None else "")
                + assembly["xray"].get("line", ""))
        n, k = _finish(suite)
        total, failed = total + n, failed + k
    if by_ref or report.bgas:
        suite = ET.SubElement(root, "testsuite", {"name": "bga-check.board"})
        _rule_cases(report, suite, "bga-check.board",
                    [e for ref in sorted(by_ref) for e in by_ref[ref]], RULES_PER_BOARD)
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
