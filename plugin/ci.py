"""``bga-check ci``: the BGA checks beside ``kicad-cli pcb drc``, one merged report, baselines.

Runs KiCad's own DRC and the BGA checks on one board, merges both into one kicad-cli-shaped JSON
(our violation types start with ``bga_``), writes JUnit, SARIF, Markdown and HTML beside it, and
sets the exit code from the new violations at or above a severity, like ``kicad-cli pcb drc
--exit-code-violations``. A baseline (waiver) file records accepted findings item by item (a
via, a ball, a track: ``item_key``), so that CI fails only on new items; waivers that match
nothing are reported.

kicad-cli runs in a controlled KiCad configuration (``kicad_cli``): where the user has no global
footprint library table (a CI runner), its own config folder holding KiCad's template tables.
The footprint library checks, which compare footprints with the libraries of the machine that
runs them, are left out unless asked for (``--kicad-library-checks``). The project's own
``.kicad_dru`` is first read by kicad-cli on a probe board: kicad-cli ignores a rules file that
does not parse, in silence.

Exit codes: 0 no new violation at or above the severity, 1 some, 2 usage or input error (an
output folder that cannot be written, a missing board, a bad baseline file, a rules file KiCad
does not parse, a failed kicad-cli run), 3 KiCad missing (pcbnew, or kicad-cli without
``--no-kicad-drc``). Once the output folder is known to be writable, every failure still
writes a minimal report of each kind saying what went wrong.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import fnmatch
import html
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

from ._version import __version__
from .api import UserError, check_file
from .core.report import SEVERITIES, Finding, Report, severity_rank

__all__ = ["BASELINE_FORMAT", "Entry", "KicadCli", "LIBRARY_CHECKS", "merge_with_kicad_drc",
           "run_kicad_drc", "kicad_cli", "entries_of", "item_key", "load_baseline",
           "apply_baseline", "baseline_dict", "baseline_text", "exit_code", "ci_command",
           "add_ci_parser", "source_uri", "OUTPUT_FILES"]

BASELINE_FORMAT = 2
"""Version of the baseline file layout (key ``bga_check_baseline``); format 1 files (one waiver
per grouped finding) are still read, item by item (see ``load_baseline``)."""
KICAD_DRC_TIMEOUT_S = 3600
"""kicad-cli took 119 s on the 12-layer vme-wren demo board; an hour is a hang, not a board."""
OUTPUT_FILES = {"json": "bga-check.json", "junit": "bga-check.junit.xml",
                "sarif": "bga-check.sarif", "markdown": "bga-check.md", "html": "bga-check.html"}
ORIGIN_OURS, ORIGIN_KICAD = "bga-check", "kicad"
LIBRARY_CHECKS = ("lib_footprint_issues", "lib_footprint_mismatch")
"""kicad-cli's footprint library checks: they compare each footprint with the library of the
machine that runs them (on a CI runner: KiCad's standard libraries of the image's version), not
with the designers' own."""
EXIT_NO_KICAD = 3
_UUID_RE = re.compile(rb'\((?:uuid|tstamp)\s+"?([0-9a-fA-F]{8}-[0-9a-fA-F-]{27})"?\)')


# ---------------------------------------------------------------- kicad-cli

@dataclass(frozen=True)
class KicadCli:
    """How to run kicad-cli: the executable, its version, the environment and what library
    tables that environment gives it (for the one-line statement)."""

    exe: str
    version: str
    env: dict
    tables: str


def _user_config_dir() -> Path:
    """KiCad's user configuration folder before the version subfolder (KICAD_CONFIG_HOME, else
    ``$XDG_CONFIG_HOME/kicad``, else ``~/.config/kicad``)."""
    if os.environ.get("KICAD_CONFIG_HOME"):
        return Path(os.environ["KICAD_CONFIG_HOME"])
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "kicad"


def _template_dir(exe: str, major: str) -> Optional[Path]:
    """KiCad's template folder with the default library tables (Debian: /usr/share/kicad/
    template/fp-lib-table), found beside kicad-cli's prefix or in the usual places."""
    prefix = Path(os.path.realpath(exe)).parent.parent
    for d in (os.environ.get(f"KICAD{major}_TEMPLATE_DIR"), prefix / "share/kicad/template",
              "/usr/share/kicad/template", "/usr/local/share/kicad/template"):
        if d and (Path(d) / "fp-lib-table").is_file():
            return Path(d)
    return None


def kicad_cli(workdir: str) -> Optional[KicadCli]:
    """kicad-cli in a controlled configuration, or None when it is not on PATH.

    kicad-cli 9 reads the global footprint library table from ``<config>/<major.minor>/
    fp-lib-table``. A user who has one (a designer's machine) keeps it; otherwise (a CI runner)
    kicad-cli gets its own config folder in ``workdir`` (KICAD_CONFIG_HOME) holding KiCad's
    template tables, so that it neither warns about every footprint's missing library nor writes
    into the runner's home.
    """
    exe = shutil.which("kicad-cli")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "version"], capture_output=True, text=True, timeout=60)
        m = re.search(r"\d+\.\d+(?:\.\d+)?", out.stdout)
        version = m.group(0) if m else ""
    except (OSError, subprocess.SubprocessError):
        version = ""
    series = ".".join(version.split(".")[:2]) if version else "9.0"
    env = dict(os.environ)
    user = _user_config_dir() / series / "fp-lib-table"
    if user.is_file():
        return KicadCli(exe, version, env, f"this user's footprint library table ({user})")
    cfg = Path(workdir) / "kicad-config"
    (cfg / series).mkdir(parents=True, exist_ok=True)
    tdir = _template_dir(exe, series.split(".")[0])
    if tdir is not None:
        for name in ("fp-lib-table", "sym-lib-table"):
            if (tdir / name).is_file():
                shutil.copy(tdir / name, cfg / series / name)
        tables = f"KiCad's template library table ({tdir / 'fp-lib-table'})"
    else:
        (cfg / series / "fp-lib-table").write_text("(fp_lib_table\n  (version 7)\n)\n")
        tables = "an empty footprint library table (KiCad's template table not found)"
    env["KICAD_CONFIG_HOME"] = str(cfg)
    return KicadCli(exe, version, env, tables)


def run_kicad_drc(board_path: str, tmpdir: str, cli: Optional[KicadCli] = None) -> Optional[dict]:
    """KiCad's DRC of a board as kicad-cli's JSON dict; None when kicad-cli is not installed.

    Asks for errors and warnings only: ``--severity-all`` also lists the violations a designer
    excluded in KiCad, and lists them with their plain severity (seen with KiCad 9.0.8), so CI
    would fail on what the project already accepted. ``--all-track-errors``: every violation of
    a track, not only its first (kicad-cli otherwise stops at 199 of one kind), so that each
    item can be waived on its own.
    """
    cli = cli or kicad_cli(tmpdir)
    if cli is None:
        return None
    out = Path(tmpdir) / "kicad-drc.json"
    cmd = [cli.exe, "pcb", "drc", "--format", "json", "--severity-error", "--severity-warning",
           "--all-track-errors", "--units", "mm", "-o", str(out), str(board_path)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=KICAD_DRC_TIMEOUT_S,
                              env=cli.env)
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


# ---------------------------------------------------------------- items and baselines

@dataclass(frozen=True)
class Entry:
    """One item of one violation, the unit baselines accept: who found it, rule, BGA, the item's
    key (``item_key``) and what people call it."""

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
    return (desc.split() or ["item"])[0].lower()


def item_key(desc: str, uuid: str, ref: str) -> str:
    """The stable key of one item of a finding: balls by BGA and name (a ball keeps its name
    when the footprint is updated from the library), vias, tracks and others by uuid."""
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
    kind = _kind(desc)
    if kind in ("ball", "pad", "footprint"):
        return " ".join(desc.split()[:2])
    return f"{kind} at ({x:.4f}, {y:.4f}) mm"


def _units(f: Finding) -> list[tuple[str, str, tuple[str, ...]]]:
    """A finding's items as (key, what, uuids): a group of vias or of balls is one unit per via
    or ball (the balls beside a via group are context); anything else is one unit."""
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


def entries_of(report: Report, kicad_violations: list[dict]) -> list[Entry]:
    """Our findings item by item, and KiCad's violations (and unconnected items) one each."""
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
    """The waivers of a baseline file; UserError (exit 2) for a missing or malformed file.

    Format 2, one waiver per item (docs/ci.md): ``{"bga_check_baseline": 2, "waivers":
    [{"origin": "bga-check", "rule": "fab.min_drill", "ref": "U1", "item": "via:<uuid>",
    "reason": "..."}]}``. ``rule`` is required; ``ref`` and ``item`` are optional patterns
    (``*``, ``?``). ``items`` (uuids) and ``balls`` (names) list what a waiver covers, item by
    item: so format 1 files (one waiver per grouped finding) still cover the 84 vias left when
    one of 85 is fixed. Other keys (``what``, ``severity``, ``message``) are notes for people.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"baseline file not found: {path}", 2) from None
    except (OSError, ValueError) as exc:
        raise UserError(f"baseline file {path} is not readable JSON: {exc}", 2) from None
    if not isinstance(data, dict) or data.get("bga_check_baseline") not in (1, BASELINE_FORMAT):
        raise UserError(f"{path} is not a bga-check baseline (expected "
                        f'"bga_check_baseline": {BASELINE_FORMAT}, or 1)', 2)
    waivers = data.get("waivers", [])
    for k, w in enumerate(waivers if isinstance(waivers, list) else [None]):
        if not isinstance(w, dict) or not isinstance(w.get("rule"), str):
            raise UserError(f"{path}: waiver {k + 1} needs a \"rule\" string", 2)
        for key in ("balls", "items"):
            if key in w and not (isinstance(w[key], list)
                                 and all(isinstance(x, str) for x in w[key])):
                raise UserError(f"{path}: waiver {k + 1}: \"{key}\" must be a list of strings", 2)
        if "item" in w and not isinstance(w["item"], str):
            raise UserError(f"{path}: waiver {k + 1}: \"item\" must be a string", 2)
    return waivers


def _matches(w: dict, e: Entry) -> bool:
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


def _could_be_kicad(w: dict) -> bool:
    """A waiver that may be meant for KiCad's violations (whose types have no dot)."""
    return w.get("origin") == ORIGIN_KICAD or ("origin" not in w and "." not in w["rule"])


def apply_baseline(entries: list[Entry], waivers: list[dict], kicad_ran: bool = True
                   ) -> tuple[dict[Entry, dict], list[dict]]:
    """Which entries a waiver covers (entry -> first matching waiver), and the stale waivers.

    A waiver is stale when it matches nothing; one that may be meant for KiCad is never stale
    in a run where KiCad's DRC did not run.
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


def baseline_dict(entries: list[Entry], covered: dict[Entry, dict], board: str) -> dict:
    """A baseline accepting every entry, one waiver per item; reasons of waivers that already
    covered an item are kept."""
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


def baseline_text(data: dict) -> str:
    """A baseline as JSON with one waiver per line, so that a review diff shows one item a line."""
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


def exit_code(entries: list[Entry], covered: dict[Entry, dict], severity: str) -> int:
    """1 when a new (not waived) entry is at or above ``severity``, else 0.

    KiCad words outside ours ("ignore", "exclusion") never fail.
    """
    limit = severity_rank(severity)
    for e in entries:
        if e in covered or e.severity not in SEVERITIES:
            continue
        if severity_rank(e.severity) >= limit:
            return 1
    return 0


def _finding_waivers(entries: list[Entry], covered: dict[Entry, dict]
                     ) -> tuple[dict[int, str], dict[int, dict]]:
    """Per finding: fully waived ones (index -> reason) and partly waived ones (index ->
    {"new": [what of each new item], "waived": count})."""
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


# ---------------------------------------------------------------- where the board is

def source_uri(board: str, source_root: Optional[str] = None) -> tuple[str, str]:
    """The board path relative to the repository root (``git rev-parse --show-toplevel`` from
    the board's folder, or ``source_root``), with forward slashes, and that root ('' when
    neither is known: the path as typed)."""
    root = source_root
    if root is None:
        try:
            proc = subprocess.run(["git", "-C", os.path.dirname(os.path.abspath(board)),
                                   "rev-parse", "--show-toplevel"], capture_output=True,
                                  text=True, timeout=30)
            root = proc.stdout.strip() if proc.returncode == 0 else None
        except (OSError, subprocess.SubprocessError):
            root = None
    if root:
        rel = os.path.relpath(os.path.realpath(board), os.path.realpath(root))
        if not rel.startswith(".."):
            return rel.replace(os.sep, "/"), root
    return os.path.normpath(board).replace(os.sep, "/").lstrip("/"), ""


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


# ---------------------------------------------------------------- output

def _check_writable(folder: str, baseline: Optional[str]) -> None:
    """UserError (exit 2) before any work when the reports or the baseline cannot be written."""
    targets = [(Path(folder), "the reports")]
    if baseline:
        targets.append((Path(baseline).parent, "the baseline"))
    for d, what in targets:
        try:
            d.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=".bga-check-", dir=d)
            os.close(fd)
            os.unlink(name)
        except OSError as exc:
            raise UserError(f"cannot write {what} to {d}: {exc.strerror or exc}", 2) from None


def _write_outputs(out_dir: Path, merged: dict, report: Report) -> dict[str, Path]:
    from .render.html import render_html
    from .render.junit import render_junit
    from .render.markdown import render_markdown
    from .render.sarif import render_sarif

    out_dir.mkdir(parents=True, exist_ok=True)
    texts = {"json": json.dumps(merged, indent=2, default=str) + "\n",
             "junit": render_junit(report), "sarif": render_sarif(report),
             "markdown": render_markdown(report), "html": render_html(report)}
    return _save(out_dir, texts)


def _save(out_dir: Path, texts: dict[str, str]) -> dict[str, Path]:
    paths = {}
    for key, text in texts.items():
        paths[key] = out_dir / OUTPUT_FILES[key]
        try:
            paths[key].write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot write {paths[key]}: {exc.strerror or exc}", 2) from None
    return paths


def _write_error_reports(out_dir: Path, args: argparse.Namespace, message: str,
                         code: int) -> None:
    """A minimal report of every kind saying the run failed and why (for ``if: always()``)."""
    from .render.junit import render_junit
    from .render.markdown import render_markdown
    from .render.sarif import render_sarif

    board = str(getattr(args, "board", "") or "")
    uri, _ = source_uri(board, getattr(args, "source_root", None)) if board else ("", "")
    report = Report(source=board, kicad_version="", tool_version=__version__)
    report.meta["ci"] = {"severity": args.severity, "board_file": board, "board_uri": uri,
                         "error": message, "exit_code": code}
    data = {"$schema": "https://schemas.kicad.org/drc.v1.json", "source": board,
            "date": _dt.datetime.now().astimezone().replace(microsecond=0).isoformat(),
            "kicad_version": "", "coordinate_units": "mm",
            "tool": {"name": "bga-check", "version": __version__}, "violations": [],
            "unconnected_items": [], "schematic_parity": [], "bgas": [],
            "bga_check": {"severity": args.severity, "exit_code": code, "error": message}}
    page = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>BGA check: ERROR</title>"
            f"</head><body><h1>BGA check: ERROR · {html.escape(board)}</h1><p>"
            f"{html.escape(message)}</p><p>Exit code {code}: no verdict.</p></body></html>\n")
    try:
        _save(out_dir, {"json": json.dumps(data, indent=2) + "\n",
                        "junit": render_junit(report), "sarif": render_sarif(report),
                        "markdown": render_markdown(report), "html": page})
    except UserError:
        pass


# ---------------------------------------------------------------- the run

def _kicad_statement(cli: KicadCli, board: str, keep_library: bool,
                     left_out: dict[str, int], rules_file: Optional[Path]) -> str:
    """One line: which KiCad checks ran, and which were left to the project's own DRC."""
    pro = Path(board).with_suffix(".kicad_pro")
    ran = (f"KiCad {cli.version} DRC ran every check at the severities and exclusions of "
           f"{pro.name}" if pro.is_file() else
           f"KiCad {cli.version} DRC ran every check at KiCad's default severities (no project "
           "file)")
    if rules_file is not None:
        ran += f" with the custom rules of {rules_file.name}"
    if keep_library:
        return f"{ran}; footprint library checks against {cli.tables}"
    n = sum(left_out.values())
    return (f"{ran}; footprint library checks ({', '.join(LIBRARY_CHECKS)}) left to the "
            f"project's own DRC, as they compare with this machine's libraries ({n} left out; "
            "--kicad-library-checks counts them)")


def _run(args: argparse.Namespace) -> int:
    out_dir = Path(args.out_dir)
    _check_writable(args.out_dir, getattr(args, "write_baseline", None))
    try:
        return _run_checked(args, out_dir)
    except UserError as exc:
        _write_error_reports(out_dir, args, str(exc), exc.code)
        raise


def _run_checked(args: argparse.Namespace, out_dir: Path) -> int:
    from . import dru_cmd
    from .core.verdict import verdict

    board = args.board
    if not os.path.isfile(board):
        raise UserError(f"board file not found: {board}", 2)
    waivers = load_baseline(args.baseline) if args.baseline else []
    keep_library = bool(getattr(args, "kicad_library_checks", False))
    uri, root = source_uri(board, getattr(args, "source_root", None))
    with tempfile.TemporaryDirectory(prefix="bga-check-drc-") as tmp:
        cli = None
        if not args.no_kicad_drc:
            cli = kicad_cli(tmp)
            if cli is None:
                raise UserError("kicad-cli not found on PATH, so KiCad's DRC cannot run: "
                                "install KiCad's kicad-cli, or pass --no-kicad-drc to run the "
                                "BGA checks alone", EXIT_NO_KICAD)
        rules_file: Optional[Path] = dru_cmd.rules_path_for(board)
        rules_file = rules_file if rules_file.is_file() else None
        if cli is not None and rules_file is not None:  # before the checks: fail fast
            text = rules_file.read_text(encoding="utf-8", errors="replace")
            dru_cmd.check_parses(text, str(rules_file), cli=cli)
        from .cli import options_from_args

        report = check_file(board, options_from_args(args), reader=getattr(args, "reader", "auto"))
        kicad: Optional[dict] = None
        left_out: dict[str, int] = {}
        note = "not run (--no-kicad-drc)"
        if cli is not None:
            kicad = run_kicad_drc(board, tmp, cli)
            if not keep_library:
                kept = []
                for v in kicad.get("violations", []):
                    if v.get("type") in LIBRARY_CHECKS:
                        left_out[v["type"]] = left_out.get(v["type"], 0) + 1
                    else:
                        kept.append(v)
                kicad = dict(kicad, violations=kept)
            note = _kicad_statement(cli, board, keep_library, left_out, rules_file)
    merged = merge_with_kicad_drc(report, kicad)
    kviol = (list(kicad.get("violations", [])) + list(kicad.get("unconnected_items", []))
             if kicad else [])
    entries = entries_of(report, kviol)
    covered, stale = apply_baseline(entries, waivers, kicad_ran=kicad is not None)
    full, partial = _finding_waivers(entries, covered)
    kwaived = {e.index: str(covered[e].get("reason", "waived"))
               for e in entries if e.origin == ORIGIN_KICAD and e in covered}
    judged = verdict(report, args.severity, waived=set(full), kicad=kviol,
                     kicad_waived=set(kwaived), stale_waivers=len(stale),
                     fail_on_stale=bool(args.fail_on_stale))
    code = 0 if judged.passed else 1
    wanted = {u.lower() for e in entries for u in e.uuids} | {b.uuid.lower() for b in report.bgas}
    report.meta["ci"] = {
        "severity": args.severity, "board_file": board, "board_uri": uri, "source_root": root,
        "waived": full, "partial": partial,
        "kicad": {"ran": kicad is not None, "note": note,
                  "version": (kicad or {}).get("kicad_version", ""), "violations": kviol,
                  "waived": kwaived, "left_out": left_out,
                  "unconnected": len((kicad or {}).get("unconnected_items", []))},
        "stale_waivers": stale, "fail_on_stale": bool(args.fail_on_stale),
        "uuid_lines": _uuid_lines(board, wanted),
    }
    new = [e for e in entries if e not in covered]
    failing_items = sum(1 for e in new if e.severity in SEVERITIES
                        and severity_rank(e.severity) >= severity_rank(args.severity))
    merged["bga_check"] = {
        "severity": args.severity, "exit_code": code, "verdict": judged.word,
        "kicad_drc": note, "kicad_left_out": left_out,
        "failing": judged.failing_count, "new": len(new), "new_failing": failing_items,
        "waived": len(covered),
        "stale_waivers": stale,
    }
    if args.write_baseline:
        merged["bga_check"]["baseline_written"] = str(args.write_baseline)
        merged["bga_check"]["exit_code"] = 0
    paths = _write_outputs(out_dir, merged, report)
    print(f"bga-check ci: {note if kicad is not None else 'KiCad DRC ' + note}")
    for w in stale:
        item = f" item {w['item']}" if "item" in w else ""
        print(f"bga-check ci: stale waiver (matches nothing): rule {w.get('rule')!s} "
              f"ref {w.get('ref', '*')!s}{item}", file=sys.stderr)
    summary = (f"{judged.word}: {judged.failing_count} new violation(s) at or above "
               f"{args.severity} ({failing_items} item(s)), {len(report.bgas)} BGA(s); "
               f"{len(covered)} item(s) waived, {len(stale)} stale waiver(s); reports in "
               f"{paths['json'].parent}")
    if args.write_baseline:
        text = baseline_text(baseline_dict(entries, covered, uri or os.path.basename(board)))
        try:
            Path(args.write_baseline).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot write {args.write_baseline}: {exc.strerror}", 2) from None
        print(f"bga-check ci: {summary}")
        print(f"bga-check ci: baseline accepting all {len(entries)} item(s) written to "
              f"{args.write_baseline}; exit 0 as --write-baseline asks (the next run with "
              f"--baseline {args.write_baseline} passes)")
        return 0
    print(f"bga-check ci: {summary}")
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
    p.add_argument("--source-root", metavar="DIR", help="root of the SARIF paths")
    p.add_argument("--kicad-library-checks", action="store_true",
                   help="count KiCad's footprint library checks too")
    p.add_argument("--profile", default=None, help="rule profile (as for check)")
    p.add_argument("--fab-tier", default=None, help="fab capability tier (as for check)")
    p.add_argument("--stencil-mm", type=float, default=None,
                   help="stencil thickness [mm] for the standoff prediction")
    p.add_argument("--ball-mm", type=float, default=None,
                   help="ball diameter [mm] when the footprint name does not state it")
    p.set_defaults(func=ci_command)
    return p
