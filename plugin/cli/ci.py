"""``bga-check ci BOARD``: the BGA checks beside ``kicad-cli pcb drc``, one merged report.

Runs KiCad's own DRC (``kicad.kicad_cli``) and the BGA checks on one board, merges both into
one kicad-cli-shaped JSON (``core.kicad_drc_merge``; our violation types start with ``bga_``),
writes JUnit, SARIF, Markdown and HTML beside it, and sets the exit code from
``core.verdict.verdict`` with the baseline's waivers and KiCad's violations: new violations at
or above ``--severity`` fail, like ``kicad-cli pcb drc --exit-code-violations``. A baseline
(waiver) file records accepted findings item by item (``core.baseline``: a via, a ball, a
track), so that CI fails only on new items; waivers that match nothing are reported.

kicad-cli runs in a controlled KiCad configuration (``kicad.kicad_cli.kicad_cli``). The
footprint library checks, which compare footprints with the libraries of the machine that runs
them, are left out unless asked for (``--kicad-library-checks``). The project's own
``.kicad_dru`` is first read by kicad-cli on a probe board: kicad-cli ignores a rules file that
does not parse, in silence.

Exit codes: 0 no new violation at or above ``--severity``, 1 some (or a stale waiver with
``--fail-on-stale``), 2 usage or input error (an output folder that cannot be written, a
missing board, a bad baseline file, a rules file kicad-cli does not parse, a failed kicad-cli
run), 3 KiCad missing (pcbnew, or kicad-cli without ``--no-kicad-drc``). Once the output folder
is known to be writable, every failure still writes a minimal report of each kind saying what
went wrong.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import html
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from .._version import __version__
from ..api import UserError, check_file
from ..core.baseline import (
    BaselineError,
    apply_baseline,
    baseline_dict,
    baseline_text,
    entries_of,
    finding_waivers,
    kicad_waivers,
    load_baseline,
)
from ..core.kicad_drc_merge import (
    LIBRARY_CHECKS,
    kicad_violations,
    leave_out_library_checks,
    merge_with_kicad_drc,
)
from ..core.kicad_rules_file import rules_path_for
from ..core.report import Report
from ..core.verdict import fails, verdict
from .exit_codes import ExitCode
from .options import add_board_argument, add_check_options, options_from_args

if TYPE_CHECKING:
    from ..kicad.kicad_cli import KicadCli

__all__ = ["OUTPUT_FILES", "add_parser", "run", "source_uri"]

OUTPUT_FILES = {"json": "bga-check.json", "junit": "bga-check.junit.xml",
                "sarif": "bga-check.sarif", "markdown": "bga-check.md", "html": "bga-check.html"}
"""The reports a run writes into ``--out-dir``, by kind."""
_UUID_RE = re.compile(rb'\((?:uuid|tstamp)\s+"?([0-9a-fA-F]{8}-[0-9a-fA-F-]{27})"?\)')


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``ci`` on an argparse subparsers object."""
    p = subparsers.add_parser(
        "ci", help="BGA checks beside kicad-cli DRC: merged JSON, JUnit, SARIF, Markdown, HTML",
        description="Run the BGA checks beside kicad-cli pcb drc and write one merged JSON "
                    "report plus JUnit, SARIF, Markdown and HTML; exit 1 on new violations "
                    "at or above --severity (as kicad-cli --exit-code-violations fails on its "
                    "errors and warnings).")
    add_board_argument(p)
    p.add_argument("--out-dir", default="bga-check-report",
                   help="folder for the reports (default: %(default)s)")
    p.add_argument("--baseline", metavar="FILE", help="waivers of accepted findings (JSON)")
    p.add_argument("--write-baseline", metavar="FILE",
                   help="write a baseline accepting every current finding, then exit 0")
    p.add_argument("--no-kicad-drc", action="store_true", help="do not run kicad-cli pcb drc")
    p.add_argument("--fail-on-stale", action="store_true",
                   help="also fail when a baseline waiver matches nothing")
    p.add_argument("--source-root", metavar="DIR",
                   help="repository root that SARIF paths are relative to (default: the git "
                        "top level of the board's folder)")
    p.add_argument("--kicad-library-checks", action="store_true",
                   help="count KiCad's footprint library checks (lib_footprint_issues, "
                        "lib_footprint_mismatch) too; they compare with this machine's libraries")
    add_check_options(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``bga-check ci``; a UserError still writes a minimal report of each kind first."""
    out_dir = Path(args.out_dir)
    _check_writable(args.out_dir, getattr(args, "write_baseline", None))
    try:
        return _run_checked(args, out_dir)
    except UserError as exc:
        _write_error_reports(out_dir, args, str(exc), exc.code)
        raise


# ---------------------------------------------------------------- the run

def _run_checked(args: argparse.Namespace, out_dir: Path) -> int:
    """The run once the output folder is known to be writable."""
    from ..render.drc_json import report_dict

    board = args.board
    if not os.path.isfile(board):
        raise UserError(f"board file not found: {board}", ExitCode.USAGE)
    try:
        waivers = load_baseline(args.baseline) if args.baseline else []
    except BaselineError as exc:
        raise UserError(str(exc), ExitCode.USAGE) from None
    uri, root = source_uri(board, getattr(args, "source_root", None))
    report, kicad, left_out, note = _check_beside_kicad(args, board)
    merged = merge_with_kicad_drc(report_dict(report), kicad)
    kviol = kicad_violations(kicad)
    entries = entries_of(report, kviol)
    covered, stale = apply_baseline(entries, waivers, kicad_ran=kicad is not None)
    full, partial = finding_waivers(entries, covered)
    kwaived = kicad_waivers(entries, covered)
    judged = verdict(report, args.severity, waived=set(full), kicad=kviol,
                     kicad_waived=set(kwaived), stale_waivers=len(stale),
                     fail_on_stale=bool(args.fail_on_stale))
    code = int(ExitCode.OK if judged.passed else ExitCode.FINDINGS)
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
    failing_items = sum(1 for e in new if fails(e.severity, args.severity))
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
        _write_baseline(args.write_baseline, text)
        print(f"bga-check ci: {summary}")
        print(f"bga-check ci: baseline accepting all {len(entries)} item(s) written to "
              f"{args.write_baseline}; exit 0 as --write-baseline asks (the next run with "
              f"--baseline {args.write_baseline} passes)")
        return ExitCode.OK
    print(f"bga-check ci: {summary}")
    return code


def _check_beside_kicad(args: argparse.Namespace, board: str
                        ) -> tuple[Report, Optional[dict], dict[str, int], str]:
    """The BGA checks and KiCad's DRC of the board.

    Returns our report, kicad-cli's (None with ``--no-kicad-drc``), the footprint library
    checks left out of it by type, and one line saying what KiCad's DRC did. The project's
    rules file is proven to parse first, so that a broken one fails before the checks run.
    """
    from ..kicad.kicad_cli import check_parses, kicad_cli, run_kicad_drc

    keep_library = bool(getattr(args, "kicad_library_checks", False))
    with tempfile.TemporaryDirectory(prefix="bga-check-drc-") as tmp:
        cli = None
        if not args.no_kicad_drc:
            cli = kicad_cli(tmp)
            if cli is None:
                raise UserError("kicad-cli not found on PATH, so KiCad's DRC cannot run: "
                                "install KiCad's kicad-cli, or pass --no-kicad-drc to run the "
                                "BGA checks alone", ExitCode.NO_KICAD)
        own_rules = rules_path_for(board)
        rules_file = own_rules if own_rules.is_file() else None
        if cli is not None and rules_file is not None:  # before the checks: fail fast
            text = rules_file.read_text(encoding="utf-8", errors="replace")
            check_parses(text, str(rules_file), cli=cli)
        report = check_file(board, options_from_args(args), reader=getattr(args, "reader", "auto"))
        kicad: Optional[dict] = None
        left_out: dict[str, int] = {}
        note = "not run (--no-kicad-drc)"
        if cli is not None:
            kicad, left_out = leave_out_library_checks(run_kicad_drc(board, tmp, cli) or {},
                                                       keep_library)
            note = _kicad_statement(cli, board, keep_library, left_out, rules_file)
    return report, kicad, left_out, note


def _kicad_statement(cli: KicadCli, board: str, keep_library: bool, left_out: dict[str, int],
                     rules_file: Optional[Path]) -> str:
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


def _write_baseline(path: str, text: str) -> None:
    """Write the baseline ``--write-baseline`` asks for; UserError (exit 2) when it cannot."""
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror}", ExitCode.USAGE) from None


# ---------------------------------------------------------------- where the board is

def source_uri(board: str, source_root: Optional[str] = None) -> tuple[str, str]:
    """The board path relative to the repository root, and that root.

    The root is ``source_root``, else ``git rev-parse --show-toplevel`` from the board's
    folder; the path has forward slashes. With neither root known: the path as typed, and ''.
    """
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
            raise UserError(f"cannot write {what} to {d}: {exc.strerror or exc}",
                            ExitCode.USAGE) from None


def _write_outputs(out_dir: Path, merged: dict, report: Report) -> dict[str, Path]:
    """The merged JSON and our report as JUnit, SARIF, Markdown and HTML."""
    from ..render.html import render_html
    from ..render.junit import render_junit
    from ..render.markdown import render_markdown
    from ..render.sarif import render_sarif

    out_dir.mkdir(parents=True, exist_ok=True)
    texts = {"json": json.dumps(merged, indent=2, default=str) + "\n",
             "junit": render_junit(report), "sarif": render_sarif(report),
             "markdown": render_markdown(report), "html": render_html(report)}
    return _save(out_dir, texts)


def _save(out_dir: Path, texts: dict[str, str]) -> dict[str, Path]:
    """Write each text to its ``OUTPUT_FILES`` name; the paths by kind."""
    paths = {}
    for key, text in texts.items():
        paths[key] = out_dir / OUTPUT_FILES[key]
        try:
            paths[key].write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot write {paths[key]}: {exc.strerror or exc}",
                            ExitCode.USAGE) from None
    return paths


def _write_error_reports(out_dir: Path, args: argparse.Namespace, message: str,
                         code: int) -> None:
    """A minimal report of every kind saying the run failed and why (for ``if: always()``)."""
    from ..render.junit import render_junit
    from ..render.markdown import render_markdown
    from ..render.sarif import render_sarif

    code = int(code)
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
