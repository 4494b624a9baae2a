"""``bga-check ci``: the BGA checks beside ``kicad-cli pcb drc``, one merged report, baselines.

Runs KiCad's own DRC (when ``kicad-cli`` is on PATH) and the BGA checks on one board, merges both
into one kicad-cli-shaped JSON (our violation types start with ``bga_``), writes JUnit, SARIF,
Markdown and HTML beside it, and sets the exit code from the new violations at or above a
severity, like ``kicad-cli pcb drc --exit-code-violations``. A baseline (waiver) file records
accepted findings so that CI fails only on new ones; waivers that match nothing are reported.

Exit codes: 0 no new violation at or above the severity, 1 some, 2 usage or input error (also a
failed kicad-cli run or a bad baseline file), 3 KiCad's Python module (pcbnew) missing.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from .api import UserError, check_file
from .core.report import SEVERITIES, Report, severity_rank

__all__ = ["BASELINE_FORMAT", "Entry", "merge_with_kicad_drc", "run_kicad_drc", "entries_of",
           "load_baseline", "apply_baseline", "baseline_dict", "exit_code", "ci_command",
           "add_ci_parser", "OUTPUT_FILES"]

BASELINE_FORMAT = 1
"""Version of the baseline file layout (key ``bga_check_baseline``); see ``load_baseline``."""
KICAD_DRC_TIMEOUT_S = 3600
"""kicad-cli took 119 s on the 12-layer vme-wren demo board; an hour is a hang, not a board."""
OUTPUT_FILES = {"json": "bga-check.json", "junit": "bga-check.junit.xml",
                "sarif": "bga-check.sarif", "markdown": "bga-check.md", "html": "bga-check.html"}
ORIGIN_OURS, ORIGIN_KICAD = "bga-check", "kicad"
_UUID_RE = re.compile(rb'\((?:uuid|tstamp)\s+"?([0-9a-fA-F]{8}-[0-9a-fA-F-]{27})"?\)')


def run_kicad_drc(board_path: str, tmpdir: str) -> Optional[dict]:
    """KiCad's DRC of a board as kicad-cli's JSON dict; None when kicad-cli is not installed.

    Asks for errors and warnings only: ``--severity-all`` also lists the violations a designer
    excluded in KiCad, and lists them with their plain severity (seen with KiCad 9.0.8), so CI
    would fail on what the project already accepted.
    """
    exe = shutil.which("kicad-cli")
    if exe is None:
        return None
    out = Path(tmpdir) / "kicad-drc.json"
    cmd = [exe, "pcb", "drc", "--format", "json", "--severity-error", "--severity-warning",
           "--units", "mm", "-o", str(out), str(board_path)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=KICAD_DRC_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise UserError(f"kicad-cli pcb drc did not finish in {KICAD_DRC_TIMEOUT_S} s", 2) from None
    if not out.is_file():
        lines = [ln for ln in (proc.stderr + proc.stdout).splitlines() if ln.strip()]
        why = lines[-1].strip() if lines else "no report written"
        raise UserError(f"kicad-cli pcb drc failed (exit {proc.returncode}): {why}", 2)
    try:
        return json.loads(out.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise UserError(f"kicad-cli pcb drc wrote unreadable JSON: {exc}", 2) from None


def merge_with_kicad_drc(report: Report, drc_json_dict: Optional[dict]) -> dict:
    """One kicad-cli-shaped dict: KiCad's violations first, then ours (types ``bga_...``).

    KiCad's header (``kicad_version``, ``date``, ``included_severities``), unconnected items and
    schematic parity are kept as kicad-cli wrote them; ours add ``bgas``, ``tool`` and ``meta``.
    """
    from .render.drc_json import TYPE_PREFIX, report_dict

    ours = report_dict(report)
    for v in ours["violations"]:
        if not v["type"].startswith(TYPE_PREFIX):
            v["type"] = TYPE_PREFIX + v["type"]
    if not drc_json_dict:
        return ours
    merged = dict(drc_json_dict)
    merged["violations"] = list(drc_json_dict.get("violations", [])) + ours["violations"]
    for key in ("unconnected_items", "schematic_parity"):
        merged[key] = list(drc_json_dict.get(key, []))
    for key in ("bgas", "tool", "meta"):
        merged[key] = ours[key]
    return merged


@dataclass(frozen=True)
class Entry:
    """One violation in the form baselines match on: who found it, rule, BGA, balls, item uuids."""

    origin: str
    rule: str
    ref: str
    balls: tuple[str, ...]
    items: tuple[str, ...]
    severity: str
    message: str
    index: int
    """Position in ``report.sorted_findings()`` (ours) or in KiCad's list (kicad)."""


def entries_of(report: Report, kicad_violations: list[dict]) -> list[Entry]:
    """Our findings and KiCad's violations (and unconnected items) as baseline entries."""
    out = [Entry(ORIGIN_OURS, f.rule_id, f.ref, tuple(f.pads),
                 tuple(sorted({u for _, u, _, _ in f.items if u})), f.severity, f.message, k)
           for k, f in enumerate(report.sorted_findings())]
    out += [Entry(ORIGIN_KICAD, str(v.get("type", "")), "", (),
                  tuple(sorted({str(i.get("uuid")) for i in v.get("items", []) if i.get("uuid")})),
                  str(v.get("severity", "")), str(v.get("description", "")), k)
            for k, v in enumerate(kicad_violations)]
    return out


def load_baseline(path: str) -> list[dict]:
    """The waivers of a baseline file; UserError (exit 2) for a missing or malformed file.

    Format (JSON)::

        {"bga_check_baseline": 1,
         "waivers": [{"rule": "ug1099.*", "ref": "U1", "balls": ["C3"], "items": ["<uuid>"],
                      "origin": "bga-check", "reason": "accepted at review 2026-11-24"}]}

    ``rule`` is required and ``ref`` optional, both shell-style patterns (``*``, ``?``); KiCad's
    violations have rule = their kicad-cli ``type`` and no ref. ``balls`` and ``items``, when
    given, must equal the finding's ball names and item uuids as sets. ``origin`` ("bga-check"
    or "kicad") limits a waiver to one tool. Other keys (``severity``, ``message``) are notes.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"baseline file not found: {path}", 2) from None
    except (OSError, ValueError) as exc:
        raise UserError(f"baseline file {path} is not readable JSON: {exc}", 2) from None
    if not isinstance(data, dict) or data.get("bga_check_baseline") != BASELINE_FORMAT:
        raise UserError(f"{path} is not a bga-check baseline (expected "
                        f'"bga_check_baseline": {BASELINE_FORMAT})', 2)
    waivers = data.get("waivers", [])
    for k, w in enumerate(waivers if isinstance(waivers, list) else [None]):
        if not isinstance(w, dict) or not isinstance(w.get("rule"), str):
            raise UserError(f"{path}: waiver {k + 1} needs a \"rule\" string", 2)
        for key in ("balls", "items"):
            if key in w and not (isinstance(w[key], list)
                                 and all(isinstance(x, str) for x in w[key])):
                raise UserError(f"{path}: waiver {k + 1}: \"{key}\" must be a list of strings", 2)
    return waivers


def _matches(w: dict, e: Entry) -> bool:
    if "origin" in w and w["origin"] != e.origin:
        return False
    if not fnmatch.fnmatchcase(e.rule, w["rule"]):
        return False
    if "ref" in w and not fnmatch.fnmatchcase(e.ref, str(w["ref"])):
        return False
    if "balls" in w and set(w["balls"]) != set(e.balls):
        return False
    return not ("items" in w and set(w["items"]) != set(e.items))


def apply_baseline(entries: list[Entry], waivers: list[dict]
                   ) -> tuple[dict[Entry, dict], list[dict]]:
    """Which entries a waiver covers (entry -> first matching waiver), and the stale waivers."""
    used = [False] * len(waivers)
    covered: dict[Entry, dict] = {}
    for e in entries:
        for k, w in enumerate(waivers):
            if _matches(w, e):
                covered.setdefault(e, w)
                used[k] = True
    return covered, [w for w, u in zip(waivers, used) if not u]


def baseline_dict(entries: list[Entry], covered: dict[Entry, dict], board: str) -> dict:
    """A baseline accepting every entry; reasons of waivers that already covered one are kept."""
    today = _dt.date.today().isoformat()
    waivers = []
    for e in entries:
        w: dict[str, Any] = {"origin": e.origin, "rule": e.rule}
        if e.ref:
            w["ref"] = e.ref
        if e.balls:
            w["balls"] = list(e.balls)
        if e.items:
            w["items"] = list(e.items)
        w["severity"] = e.severity
        w["message"] = e.message
        w["reason"] = covered.get(e, {}).get("reason") or f"baseline {today}"
        if w not in waivers:
            waivers.append(w)
    return {"bga_check_baseline": BASELINE_FORMAT, "board": board, "created": today,
            "waivers": waivers}


def exit_code(entries: list[Entry], covered: dict[Entry, dict], severity: str) -> int:
    """1 when a new (not waived) entry is at or above ``severity``, else 0.

    KiCad words outside ours ("ignore", "exclusion") never fail a run.
    """
    limit = severity_rank(severity)
    for e in entries:
        if e in covered or e.severity not in SEVERITIES:
            continue
        if severity_rank(e.severity) >= limit:
            return 1
    return 0


def _uuid_lines(board_path: str, wanted: set[str]) -> dict[str, int]:
    """Line number in the board file of each wanted uuid's definition (for SARIF regions)."""
    if not wanted:
        return {}
    try:
        data = Path(board_path).read_bytes()
    except OSError:
        return {}
    out: dict[str, int] = {}
    line, pos = 1, 0
    for m in _UUID_RE.finditer(data):
        uid = m.group(1).decode("ascii").lower()
        if uid in wanted and uid not in out:
            line += data.count(b"\n", pos, m.start())
            pos = m.start()
            out[uid] = line
    return out


def _write_outputs(out_dir: Path, merged: dict, report: Report) -> dict[str, Path]:
    from .render.html import render_html
    from .render.junit import render_junit
    from .render.markdown import render_markdown
    from .render.sarif import render_sarif

    out_dir.mkdir(parents=True, exist_ok=True)
    texts = {"json": json.dumps(merged, indent=2, default=str) + "\n",
             "junit": render_junit(report), "sarif": render_sarif(report),
             "markdown": render_markdown(report), "html": render_html(report)}
    paths = {}
    for key, text in texts.items():
        paths[key] = out_dir / OUTPUT_FILES[key]
        paths[key].write_text(text, encoding="utf-8")
    return paths


def _run(args: argparse.Namespace) -> int:
    board = args.board
    if not os.path.isfile(board):
        raise UserError(f"board file not found: {board}", 2)
    waivers = load_baseline(args.baseline) if args.baseline else []
    from .cli import options_from_args

    report = check_file(board, options_from_args(args))
    kicad: Optional[dict] = None
    note = "not run (--no-kicad-drc)"
    if not args.no_kicad_drc:
        with tempfile.TemporaryDirectory(prefix="bga-check-drc-") as tmp:
            kicad = run_kicad_drc(board, tmp)
        note = "ran" if kicad is not None else "not run: kicad-cli not found on PATH"
    merged = merge_with_kicad_drc(report, kicad)
    kviol = (list(kicad.get("violations", [])) + list(kicad.get("unconnected_items", []))
             if kicad else [])
    entries = entries_of(report, kviol)
    covered, stale = apply_baseline(entries, waivers)
    code = exit_code(entries, covered, args.severity)
    wanted = {u.lower() for e in entries for u in e.items} | {b.uuid.lower() for b in report.bgas}
    report.meta["ci"] = {
        "severity": args.severity, "board_file": board,
        "waived": {e.index: str(covered[e].get("reason", "waived"))
                   for e in entries if e.origin == ORIGIN_OURS and e in covered},
        "kicad": {"ran": kicad is not None, "note": note,
                  "version": (kicad or {}).get("kicad_version", ""), "violations": kviol,
                  "waived": {e.index: str(covered[e].get("reason", "waived"))
                             for e in entries if e.origin == ORIGIN_KICAD and e in covered},
                  "unconnected": len((kicad or {}).get("unconnected_items", []))},
        "stale_waivers": stale,
        "uuid_lines": _uuid_lines(board, wanted),
    }
    new = [e for e in entries if e not in covered]
    merged["bga_check"] = {
        "severity": args.severity, "exit_code": code, "kicad_drc": note,
        "new": len(new), "waived": len(covered), "stale_waivers": stale,
    }
    paths = _write_outputs(Path(args.out_dir), merged, report)
    if args.write_baseline:
        text = json.dumps(baseline_dict(entries, covered, os.path.basename(board)), indent=2)
        Path(args.write_baseline).write_text(text + "\n", encoding="utf-8")
        print(f"bga-check ci: baseline of {len(entries)} finding(s) written to "
              f"{args.write_baseline}")
        code = 0
    for w in stale:
        print(f"bga-check ci: stale waiver (matches nothing): rule {w.get('rule')!s} "
              f"ref {w.get('ref', '*')!s}", file=sys.stderr)
    if stale and args.fail_on_stale and not args.write_baseline:
        code = 1
    failing = sum(1 for e in new if e.severity in SEVERITIES
                  and severity_rank(e.severity) >= severity_rank(args.severity))
    print(f"bga-check ci: {'FAIL' if code else 'PASS'}: {failing} new violation(s) at or above "
          f"{args.severity} ({len(report.bgas)} BGA(s); KiCad DRC {note}); {len(covered)} "
          f"waived, {len(stale)} stale waiver(s); reports in {paths['json'].parent}")
    return code


def ci_command(args: argparse.Namespace) -> int:
    """Run ``bga-check ci`` from parsed arguments; user errors print one line and return 2 or 3."""
    try:
        return _run(args)
    except UserError as exc:
        print(f"bga-check: error: {exc}", file=sys.stderr)
        return exc.code


def add_ci_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``ci`` subcommand to an argparse subparsers object; sets ``func=ci_command``."""
    p = subparsers.add_parser(
        "ci", help="BGA checks beside kicad-cli DRC: merged JSON, JUnit, SARIF, Markdown, HTML",
        description="Run the BGA checks beside kicad-cli pcb drc and write one merged JSON "
                    "report plus JUnit, SARIF, Markdown and HTML; exit 1 on new violations.")
    p.add_argument("board", metavar="BOARD.kicad_pcb")
    p.add_argument("--out-dir", default="bga-check-report",
                   help="folder for the reports (default: %(default)s)")
    p.add_argument("--baseline", metavar="FILE", help="waivers of accepted findings (JSON)")
    p.add_argument("--write-baseline", metavar="FILE",
                   help="write a baseline accepting every current finding, then exit 0")
    p.add_argument("--severity", choices=SEVERITIES, default="warning",
                   help="fail on new violations at or above this (default: %(default)s, as "
                        "kicad-cli --exit-code-violations fails on its errors and warnings)")
    p.add_argument("--no-kicad-drc", action="store_true", help="do not run kicad-cli pcb drc")
    p.add_argument("--fail-on-stale", action="store_true",
                   help="also fail when a baseline waiver matches nothing")
    p.add_argument("--profile", default=None, help="rule profile (as for check)")
    p.add_argument("--fab-tier", default=None, help="fab capability tier (as for check)")
    p.add_argument("--stencil-mm", type=float, default=None,
                   help="stencil thickness [mm] for the standoff prediction")
    p.add_argument("--ball-mm", type=float, default=None,
                   help="ball diameter [mm] when the footprint name does not state it")
    p.set_defaults(func=ci_command)
    return p
