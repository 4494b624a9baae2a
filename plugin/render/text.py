"""Report -> plain text for people: a summary, one short block per BGA, one line per finding.

Findings below the display severity (``check --severity``, default ``warning``) are counted, not
listed: notes stay out of the way until asked for. Findings run errors first, then by BGA (most
balls first), then by rule. Nothing is wrapped: a line longer than ``LINE_WIDTH`` is cut with
"…" (the JSON and HTML reports keep every ball, the whole message and the full source). Sources
are printed as keys [S1], [S2] ... in order of first use and spelled out in a legend at the end.
"""
from __future__ import annotations

from collections import Counter
from typing import Optional

from ..core.report import SEVERITIES, BgaSummary, Finding, Report, severity_rank
from ._shared import display_order, run_verdict, threshold

__all__ = ["render_text", "LINE_WIDTH", "MAX_BALLS_LISTED", "SEVERITY_LABELS"]

LINE_WIDTH = 160
"""Longest line [characters]; longer ones are cut with an ellipsis, never wrapped."""
MAX_BALLS_LISTED = 4
"""Balls named on one finding line, then "+N"; the JSON and HTML reports list them all."""
MAX_DEPOPULATED_LISTED = 8
"""Depopulated sites named in a BGA block, then "+N"."""
SEVERITY_LABELS = {"error": "ERROR", "warning": "WARNING", "info": "NOTE"}
"""Column label per severity word; ``info`` findings are called notes."""
NOUNS = {"error": "error", "warning": "warning", "info": "note"}
ELLIPSIS = "…"
WORD_CUT_SLACK = 16
"""Characters given up at most to cut a long line at a space rather than inside a word."""
MIN_MESSAGE = 24
"""Characters of the message kept before the fix clause is shortened as well."""
SEVERITY_FLAG = "--severity"
"""The ``check`` option that sets the lowest severity shown (and the exit-code threshold)."""


class _Sources:
    """Short keys [S1], [S2] ... for source strings, numbered in order of first use."""

    def __init__(self) -> None:
        self.keys: dict[str, str] = {}

    def key(self, source: str) -> str:
        """"[Sn]" for a source ("" for none), adding it to the legend on first use."""
        source = " ".join(str(source or "").split())
        if not source:
            return ""
        if source not in self.keys:
            self.keys[source] = f"S{len(self.keys) + 1}"
        return f"[{self.keys[source]}]"

    def legend(self) -> list[str]:
        """One line per key: the key, then the full source."""
        return [f"[{key}] {source}" for source, key in self.keys.items()]


def _cut(text: str, width: int = LINE_WIDTH) -> str:
    """``text`` on at most ``width`` characters, cut with an ellipsis.

    The cut is at a space when one is near the end, so that numbers are not cut in half.
    """
    if len(text) <= width:
        return text
    kept = text[: max(width - 1, 0)]
    space = kept.rfind(" ")
    if space >= len(kept) - WORD_CUT_SLACK and space > 0:
        kept = kept[:space]
    return kept.rstrip(" ,;:(") + ELLIPSIS


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _tally(counter: Counter, severities=("error", "warning", "info")) -> str:
    """'2 errors, 1 warning, 0 notes'."""
    return ", ".join(_plural(counter.get(s, 0), NOUNS[s]) for s in severities)


def _mm(value) -> str:
    return "-" if value is None else f"{value:.3f} mm"


def _num(value: float) -> str:
    """A measured value or limit: four significant digits, no exponent for board sizes."""
    text = f"{value:.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    return "0" if text == "-0" else text


def _unit(unit: str) -> str:
    return "" if unit in ("count", "ratio", "") else f" {unit}"


def _names(names, limit: int) -> str:
    """'A1,A2,A3,A4 +12': the first ``limit`` names, then how many more."""
    more = len(names) - limit
    return ",".join(names[:limit]) + (f" +{more}" if more > 0 else "")


def _value(f: Finding) -> str:
    """Measured against the limit, with the limit called min or max when the finding fails it."""
    if f.measured is None:
        return ""
    measured = _num(f.measured) + _unit(f.unit)
    if f.limit is None:
        return "" if f.unit == "count" else measured  # a bare count repeats the message
    word = "limit"
    if severity_rank(f.severity) >= severity_rank("warning"):
        word = "min" if f.measured < f.limit else "max" if f.measured > f.limit else "limit"
    return f"{measured} vs {word} {_num(f.limit)}{_unit(f.unit)}"


def _where(f: Finding) -> str:
    ref = f.ref or "board"
    if f.pads:
        return f"{ref} {_names(f.pads, MAX_BALLS_LISTED)}"
    return f"{ref} {f.layer}" if f.layer else ref


def _finding_line(f: Finding, sources: _Sources) -> str:
    """One line of at most LINE_WIDTH characters.

    Severity, rule, where, message, value, fix, source key. The message gives way first, then
    the fix; the source key is always kept.
    """
    head = f"{SEVERITY_LABELS[f.severity]:<7} {f.rule_id} {_where(f)}: "
    message = " ".join(f.message.split())
    value = _value(f)
    tail = f" ({value})" if value else ""
    fix = " ".join(f.fix.split())
    fix_text = f"; fix: {fix}" if fix else ""
    key = sources.key(f.source)
    key_text = f" {key}" if key else ""
    room = LINE_WIDTH - len(head) - len(tail) - len(key_text)
    if len(message) + len(fix_text) > room:
        if fix_text:  # the fix keeps what the shortest useful message leaves
            fix_text = _cut(fix_text, room - len(_cut(message, MIN_MESSAGE)))
        message = _cut(message, room - len(fix_text))
    return _cut(head + message + tail + fix_text, LINE_WIDTH - len(key_text)) + key_text


def _standoff_line(st: dict, sources: _Sources) -> str:
    height, tol = st.get("height_mm"), st.get("tolerance_mm")
    if height is None:
        text = "standoff not predicted"
    else:
        text = f"standoff {height:.3f}" + (f" ± {tol:.3f}" if tol is not None else "") + " mm"
        more = []
        if st.get("collapse_mm") is not None:
            more.append(f"collapse {st['collapse_mm']:.3f} mm")
        heights = [h for h in st.get("per_ball_height_mm") or () if h is not None]
        if heights:
            more.append(f"spread {max(heights) - min(heights):.3f} mm")
        if more:
            text += f" ({', '.join(more)})"
    inputs = []
    for name, key in (("ball", "ball_d_mm"), ("stencil", "stencil_mm")):
        if st.get(key) is not None:
            src = sources.key(st.get(name + "_source", ""))
            inputs.append(f"{name} {st[key]:g} mm" + (f" {src}" if src else ""))
    return text + ("; " + ", ".join(inputs) if inputs else "")


def _bga_block(b: BgaSummary, report: Report, severity: str, sources: _Sources) -> list[str]:
    """Facts of one BGA on a few short lines, its verdict and tally on the first."""
    judged = run_verdict(report, severity, ref=b.ref)
    kind = "" if b.kind == "BGA" else f", {b.kind}"
    lines = [f"{b.ref}  {b.footprint}  ({b.side}, rotation {b.rot_deg:g}°{kind}): "
             f"{judged.word}, {_tally(Counter(judged.counts))}"]
    px, py = b.pitch_mm
    pitch = f"{px:g} mm" if px == py else f"{px:g} x {py:g} mm"
    geometry = (f"{'balls' if b.kind == 'BGA' else 'lands'} {b.balls} in {b.rows} rows x "
                f"{b.cols} cols, pitch {pitch}" + (", staggered" if b.staggered else ""))
    a1 = b.a1 or {}
    if a1.get("corner"):
        geometry += f", A1 {a1['corner']}" + ("" if a1.get("populated", True) else
                                              " (depopulated)")
    lines.append(geometry)
    if b.depopulated:
        lines.append(f"depopulated {len(b.depopulated)}: "
                     f"{_names(b.depopulated, MAX_DEPOPULATED_LISTED)}")
    pad = b.pad_type
    if pad == "mixed":
        pad += " (" + ", ".join(f"{k} {v}" for k, v in sorted(b.pad_types.items())) + ")"
    lines.append(f"land {_mm(b.land_d_mm)} {b.land_shape} {pad}, mask opening "
                 f"{_mm(b.mask_opening_d_mm)}, paste {_mm(b.paste_d_mm)}")
    covered = []
    st = b.extra.get("standoff")
    if isinstance(st, dict):
        lines.append(_standoff_line(st, sources))
        covered += ["standoff ", "ball "]
    rules = b.extra.get("rules")
    if isinstance(rules, dict) and rules.get("profile"):
        lines.append(f"rules {rules['profile']}, fab tier {rules.get('fab_tier') or '-'}"
                     + (f"; {rules['match']}" if rules.get("match") else ""))
        covered.append("rules:")
    for fields in b.extra.get("fields", []):
        lines.append(f"second field: {fields['balls']} balls at {fields['pitch_mm']} mm")
    for reason, names in sorted(b.ignored_pads.items()):
        lines.append(f"ignored {len(names)} pad(s): {reason}")
    lines += [ln for ln in b.extra.get("text_lines", []) if not ln.startswith(tuple(covered))]
    return [_cut(lines[0])] + [_cut("  " + " ".join(ln.split())) for ln in lines[1:]]


def render_text(report: Report, severity: Optional[str] = None) -> str:
    """Human-readable report listing the findings at or above ``severity``.

    ``severity`` defaults to the run's failing threshold (``warning`` outside ``bga-check ci``);
    it also decides the PASS/FAIL verdict (``core.verdict``), as it decides the exit code.
    """
    severity = severity or threshold(report)
    rank = severity_rank(severity)
    bgas = sorted(report.bgas, key=lambda b: (-b.balls, b.ref))
    counter = Counter(f.severity for f in report.findings)
    verdict = run_verdict(report, severity).word
    refs = f": {', '.join(b.ref for b in bgas)}" if bgas else ""
    out = [f"bga-check {report.tool_version} (KiCad {report.kicad_version})",
           f"board    {report.source}",
           _cut(f"BGAs     {len(bgas)}{refs}"),
           f"verdict  {verdict} at {SEVERITY_FLAG} {severity}",
           f"found    {_tally(counter)}"]
    sources = _Sources()
    if not bgas:
        out += ["", "No BGA / area-array footprints found."]
    for b in bgas:
        out.append("")
        out += _bga_block(b, report, severity, sources)
    shown = display_order(report, severity)
    hidden = Counter(f.severity for f in report.findings if severity_rank(f.severity) < rank)
    out.append("")
    if shown:
        out.append(f"Findings at or above {severity}: {len(shown)}")
        out += [_finding_line(f, sources) for f in shown]
    elif report.findings:
        out.append(f"No findings at or above {severity}.")
    else:
        out.append("No findings.")
    if hidden:
        lowest = min(hidden, key=severity_rank)
        hidden_sevs = [s for s in reversed(SEVERITIES) if hidden.get(s)]
        out.append(f"{_tally(hidden, hidden_sevs)} hidden; {SEVERITY_FLAG} {lowest} "
                   f"shows {'them' if len(hidden_sevs) == 1 else 'all'}.")
    if sources.keys:
        out += ["", "Sources:"] + sources.legend()
    return "\n".join(out) + "\n"
