"""Report -> SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format) for code-scanning pages.

One run for bga-check and, when ``bga-check ci`` ran it, one for KiCad's DRC. Each result points
at the board file (relative to the repository root, as code-scanning pages resolve it) and, when
known, at the line that holds the first involved item's uuid, so a code-scanning page can open
the board text there. Each run's ``automationDetails.id`` names the board, so that the uploads
of several boards of one repository do not replace each other. Waived findings carry a SARIF
suppression. A ``ci`` run that stopped before a verdict gives one run with no results and an
unsuccessful invocation saying why.
"""
from __future__ import annotations

import hashlib
import json
import posixpath
from typing import Any

from ..core.report import Finding, Report
from ._shared import (board_uri, ci_meta, fmt, kicad_record, partial_findings, run_error,
                      waived_findings)

__all__ = ["SARIF_SCHEMA", "SARIF_VERSION", "render_sarif", "sarif_dict"]

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
"""Schema id that code-scanning services accept: the OASIS 2.1.0 schema as SchemaStore serves it."""

_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _uri(report: Report) -> str:
    """The board file as a relative URI with forward slashes (``ci``: relative to the
    repository root)."""
    path = board_uri(report) or "board.kicad_pcb"
    return posixpath.normpath(str(path).replace("\\", "/")).lstrip("/")


def _automation_id(tool: str, uri: str) -> str:
    """``<tool>/<board path>/``: the category (everything before the last slash) tells the runs
    of one board from another board's, as code-scanning services key uploads on it."""
    return f"{tool}/{uri}/"


def _location(uri: str, line: int, fqn: str, message: str) -> dict:
    loc: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": uri, "index": 0},
            "region": {"startLine": max(1, int(line))},
        },
        "message": {"text": message},
    }
    if fqn:
        loc["logicalLocations"] = [{"fullyQualifiedName": fqn, "kind": "element"}]
    return loc


def _fingerprint(*parts: object) -> str:
    """A stable hash of a result's identity, so services track one alert across runs."""
    text = "\x1f".join(str(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _rule(rule_id: str, f: Finding) -> dict:
    desc = rule_id if not f.source else f"{rule_id} ({f.source})"
    return {
        "id": rule_id,
        "name": rule_id.replace(".", "_"),
        "shortDescription": {"text": rule_id},
        "fullDescription": {"text": desc},
        "defaultConfiguration": {"level": _LEVEL[f.severity]},
        "properties": {"source": f.source,
                       "tags": sorted({"bga", rule_id.split(".")[0]})},
    }


def _result(f: Finding, rule_index: int, uri: str, lines: dict, bga_uuid: dict,
            reason: str | None) -> dict:
    uuids = [u for _, u, _, _ in f.items if u]
    line = next((lines[u.lower()] for u in uuids if u.lower() in lines),
                lines.get(bga_uuid.get(f.ref, "").lower(), 1))
    fqn = f"{f.ref}/{','.join(f.pads)}" if f.pads else f.ref
    text = f.message
    if f.limit is not None and f.measured is not None:
        text += f" (measured {fmt(f.measured, f.unit)}, limit {fmt(f.limit, f.unit)})"
    where = f"{f.ref} at ({f.x_mm:.4f}, {f.y_mm:.4f}) mm" + (f" on {f.layer}" if f.layer else "")
    res: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": rule_index,
        "level": _LEVEL[f.severity],
        "message": {"text": text},
        "locations": [_location(uri, line, fqn, where)],
        "partialFingerprints": {
            "bgacheck/v1": _fingerprint(f.rule_id, f.ref, ",".join(f.pads), ",".join(sorted(uuids)))
        },
        "properties": {
            "ref": f.ref, "x_mm": round(f.x_mm, 6), "y_mm": round(f.y_mm, 6),
            "measured": f.measured, "limit": f.limit, "unit": f.unit, "source": f.source,
            "layer": f.layer, "pads": list(f.pads), "item_uuids": uuids,
        },
    }
    if reason is not None:
        res["suppressions"] = [{"kind": "external", "status": "accepted", "justification": reason}]
    return res


def _bga_run(report: Report) -> dict:
    uri = _uri(report)
    meta = ci_meta(report)
    lines = {str(k): int(v) for k, v in meta.get("uuid_lines", {}).items()}
    bga_uuid = {b.ref: b.uuid for b in report.bgas}
    waived = waived_findings(report)
    partial = partial_findings(report)
    rules: list[dict] = []
    index: dict[str, int] = {}
    results = []
    for k, f in enumerate(report.sorted_findings()):
        if f.rule_id not in index:
            index[f.rule_id] = len(rules)
            rules.append(_rule(f.rule_id, f))
        res = _result(f, index[f.rule_id], uri, lines, bga_uuid, waived.get(k))
        if k in partial:
            res["properties"]["new_items"] = list(partial[k].get("new", []))
            res["properties"]["waived_items"] = int(partial[k].get("waived", 0))
        results.append(res)
    return {
        "tool": {"driver": {"name": "bga-check", "version": report.tool_version,
                            "semanticVersion": report.tool_version, "rules": rules}},
        "automationDetails": {"id": _automation_id("bga-check", uri)},
        "artifacts": [{"location": {"uri": uri}, "mimeType": "text/plain"}],
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {"bgas": [{"ref": b.ref, "footprint": b.footprint, "balls": b.balls,
                                 "pitch_mm": list(b.pitch_mm), **_assembly(b)}
                                for b in report.bgas]},
    }


def _assembly(b) -> dict:
    """The assembly review's summary of one BGA (warpage margin, X-ray advice), if it ran."""
    a = b.extra.get("assembly")
    if not isinstance(a, dict):
        return {}
    return {"assembly": {"warpage_mm": a.get("warpage_mm"),
                         "warpage_margin_mm": a.get("warpage_margin_mm"),
                         "xray": (a.get("xray") or {}).get("line", "")}}


def _kicad_run(report: Report, rec: dict) -> dict:
    uri = _uri(report)
    lines = {str(k): int(v) for k, v in ci_meta(report).get("uuid_lines", {}).items()}
    waived = {int(k): str(v) for k, v in rec.get("waived", {}).items()}
    rules: list[dict] = []
    index: dict[str, int] = {}
    results = []
    for k, v in enumerate(rec.get("violations", [])):
        vtype = str(v.get("type", "unknown"))
        level = {"error": "error", "warning": "warning"}.get(v.get("severity"), "note")
        if vtype not in index:
            index[vtype] = len(rules)
            rules.append({"id": vtype, "shortDescription": {"text": vtype},
                          "properties": {"source": "KiCad DRC"}})
        items = v.get("items", [])
        uuids = [str(i.get("uuid", "")) for i in items if i.get("uuid")]
        line = next((lines[u.lower()] for u in uuids if u.lower() in lines), 1)
        first = items[0] if items else {"description": "", "pos": {"x": 0.0, "y": 0.0}}
        where = f"{first.get('description', '')} at ({first['pos']['x']}, {first['pos']['y']}) mm"
        res = {
            "ruleId": vtype, "ruleIndex": index[vtype], "level": level,
            "message": {"text": str(v.get("description", vtype))},
            "locations": [_location(uri, line, "", where)],
            "partialFingerprints": {"kicad-drc/v1": _fingerprint(vtype, ",".join(sorted(uuids)))},
        }
        if k in waived:
            res["suppressions"] = [{"kind": "external", "status": "accepted",
                                    "justification": waived[k]}]
        results.append(res)
    driver = {"name": "KiCad DRC", "rules": rules}
    if rec.get("version"):
        driver["version"] = str(rec["version"])
    return {"tool": {"driver": driver},
            "automationDetails": {"id": _automation_id("kicad-drc", uri)},
            "artifacts": [{"location": {"uri": uri}, "mimeType": "text/plain"}],
            "results": results}


def _error_run(report: Report, message: str) -> dict:
    uri = _uri(report)
    code = ci_meta(report).get("exit_code", 2)
    return {
        "tool": {"driver": {"name": "bga-check", "version": report.tool_version,
                            "semanticVersion": report.tool_version, "rules": []}},
        "automationDetails": {"id": _automation_id("bga-check", uri)},
        "invocations": [{"executionSuccessful": False, "exitCode": int(code),
                         "toolExecutionNotifications": [
                             {"level": "error", "message": {"text": message}}]}],
        "artifacts": [{"location": {"uri": uri}, "mimeType": "text/plain"}],
        "results": [],
    }


def sarif_dict(report: Report) -> dict:
    """The SARIF log as a dict: a bga-check run, plus KiCad's DRC run when it ran."""
    error = run_error(report)
    if error:
        return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION,
                "runs": [_error_run(report, error)]}
    runs = [_bga_run(report)]
    rec = kicad_record(report)
    if rec is not None:
        runs.append(_kicad_run(report, rec))
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": runs}


def render_sarif(report: Report) -> str:
    """The report as SARIF 2.1.0 JSON text."""
    return json.dumps(sarif_dict(report), indent=2, default=_plain) + "\n"


def _plain(value: object) -> object:
    """numpy scalars (measured values from the checks) to JSON numbers."""
    item = getattr(value, "item", None)
    if callable(item):
        return item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
