"""What the results window shows, as plain text: rows, the count line, the detail pane, the header.

No wx and no pcbnew here, so that tests read every line the window will show without a display,
and both KiCad front ends (SWIG and IPC) show the same words. Findings are listed with the codes
the board annotations carry (``render.finding_codes``), in display order: errors first, then by
BGA (most balls first), then rule, so the errors of every BGA come before any warning.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from typing import Optional

from ..core.options import CheckOptions
from ..core.report import SEVERITIES, Finding, Report, severity_rank
from ..render._shared import fmt, run_verdict
from ..render.finding_codes import finding_codes

__all__ = ["DEFAULT_SEVERITY", "NOUNS", "severity_or_default", "bga_rows", "bga_tooltip",
           "finding_rows", "measured_limit", "comparison", "count_line", "detail_text",
           "setting_lines", "place_beside"]

DEFAULT_SEVERITY = "warning"
"""Lowest severity listed (and failing) when none was chosen: notes are hidden by default."""
NOUNS = {"error": ("error", "errors"), "warning": ("warning", "warnings"),
         "info": ("note", "notes")}
_WORST_FIRST = tuple(reversed(SEVERITIES))
MAX_BALLS_NAMED = 48
"""Ball names spelled out in the detail pane, then "+N more"."""
MAX_ITEMS_PLACED = 6
"""Board items listed with their position in the detail pane, then "+N more"."""


def severity_or_default(severity: Optional[str]) -> str:
    """The severity the window starts at: the run's, else ``DEFAULT_SEVERITY``."""
    return severity if severity in SEVERITIES else DEFAULT_SEVERITY


def _count(n: int, severity: str) -> str:
    one, many = NOUNS[severity]
    return f"{n} {one if n == 1 else many}"


def _tally(counter: Counter) -> str:
    return ", ".join(_count(counter[s], s) for s in _WORST_FIRST if counter.get(s))


def _mm3(value: Optional[float]) -> str:
    return "" if value is None else f"{value:.3f}"


def _pitch(mm: float) -> str:
    """'1.0', '0.8', '0.65': at least one decimal, so that a pitch reads as a length."""
    text = f"{mm:.3f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def _bga_order(report: Report):
    return sorted(report.bgas, key=lambda b: (-b.balls, b.ref))


def verdict_text(report: Report, ref: str, severity: str) -> str:
    """'FAIL (1 error, 2 warnings, 5 notes)': ``core.verdict`` at ``severity``, every finding."""
    judged = run_verdict(report, severity, ref=ref)
    tally = _tally(Counter(judged.counts))
    return f"{judged.word} ({tally})" if tally else judged.word


def bga_rows(report: Report, severity: Optional[str] = None) -> list[tuple[str, ...]]:
    """One row per BGA: ref, balls, pitch [mm], standoff ± tolerance [mm], verdict.

    Most balls first, as the findings are. The verdict is ``core.verdict`` at ``severity``
    (default: the run's), the same PASS/FAIL as ``bga-check check`` and its exit code.
    """
    severity = severity or str(report.meta.get("severity") or DEFAULT_SEVERITY)
    rows = []
    for b in _bga_order(report):
        px, py = b.pitch_mm
        pitch = _pitch(px) if abs(px - py) < 1e-6 else f"{_pitch(px)} x {_pitch(py)}"
        st = b.extra.get("standoff") or {}
        standoff = _mm3(st.get("height_mm"))
        if standoff and st.get("tolerance_mm") is not None:
            standoff += f" ± {_mm3(st['tolerance_mm'])}"
        rows.append((b.ref, str(b.balls), pitch, standoff, verdict_text(report, b.ref, severity)))
    return rows


def bga_tooltip(report: Report, ref: str) -> str:
    """The footprint and placement of one BGA, for its row's tooltip."""
    for b in report.bgas:
        if b.ref == ref:
            return (f"{b.ref}: {b.footprint}\n{b.balls} balls, {b.rows} x {b.cols}, {b.side}, "
                    f"rotation {b.rot_deg:g}°, at x {b.x_mm:.3f}, y {b.y_mm:.3f} mm")
    return ref


def _direction(f: Finding) -> str:
    """'min' or 'max' when a warning or error fails its limit that way, else 'limit'."""
    if f.measured is None or f.limit is None or severity_rank(f.severity) < 1:
        return "limit"
    return "min" if f.measured < f.limit else "max" if f.measured > f.limit else "limit"


def measured_limit(f: Finding) -> str:
    """The list's "Measured / limit" cell: '0.4 mm, min 0.45 mm'; '' for a fact without value."""
    if f.measured is None:
        return ""
    measured = fmt(f.measured, f.unit)
    if f.limit is None:
        return "" if f.unit == "count" else measured
    return f"{measured}, {_direction(f)} {fmt(f.limit, f.unit)}"


def comparison(f: Finding) -> str:
    """Measured against the limit, with the way it fails, for the detail pane.

    'measured 0.497 mm, limit ≤ 0.01 mm: 0.487 mm over' for a maximum, '... limit ≥ ...: short'
    for a minimum; notes give both values only (they fail no limit).
    """
    if f.measured is None:
        return ""
    unit = "" if f.unit in ("count", "ratio", "") else f" {f.unit}"
    what = "ratio " if f.unit == "ratio" else ""
    if f.limit is None:
        return f"measured {what}{fmt(f.measured)}{unit}"
    way = _direction(f)
    if way == "limit":
        return f"measured {what}{fmt(f.measured)}{unit}, limit {fmt(f.limit)}{unit}"
    sign, word = ("≥", "short") if way == "min" else ("≤", "over")
    return (f"measured {what}{fmt(f.measured)}{unit}, limit {sign} {fmt(f.limit)}{unit}: "
            f"{fmt(abs(f.measured - f.limit))}{unit} {word}")


def finding_rows(report: Report, severity: Optional[str] = None
                 ) -> list[tuple[str, Finding, tuple[str, str, str, str]]]:
    """(code, finding, cells) per listed finding; cells are Code, BGA, Rule, Measured / limit.

    The findings at or above ``severity``, in display order, coded as on the board (E1, W3...).
    """
    coded = finding_codes(report, severity_or_default(severity))
    return [(code, f, (code, f.ref or "board", f.rule_id, measured_limit(f))) for code, f in coded]


def count_line(report: Report, severity: Optional[str] = None) -> str:
    """What the list shows and what it hides, matching its rows.

    E.g. '12 shown: 2 errors, 10 warnings; 36 notes hidden (choose 'info' to list them)'.
    """
    severity = severity_or_default(severity)
    rank = severity_rank(severity)
    counts = Counter(f.severity for f in report.findings)
    if not report.findings:
        return "No findings."
    shown = Counter({s: n for s, n in counts.items() if severity_rank(s) >= rank})
    hidden = Counter({s: n for s, n in counts.items() if severity_rank(s) < rank})
    text = f"{sum(shown.values())} shown" + (f": {_tally(shown)}" if shown else "")
    if hidden:
        lowest = min(hidden, key=severity_rank)
        hidden_words = [_count(hidden[s], s) for s in _WORST_FIRST if hidden.get(s)]
        text += (f"; {' and '.join(hidden_words)} hidden (choose '{lowest}' to list "
                 f"{'them' if len(hidden_words) == 1 else 'all'})")
    return text


def _names(names, limit: int) -> str:
    more = len(names) - limit
    return ", ".join(names[:limit]) + (f" +{more} more" if more > 0 else "")


def _items_lines(f: Finding) -> list[str]:
    if not f.items:
        return []
    kinds = Counter(desc.split()[0] if desc else "item" for desc, _, _, _ in f.items)
    head = ", ".join(f"{n} {kind}{'s' if n != 1 and not kind.endswith('s') else ''}"
                     for kind, n in kinds.items())
    placed = [f"  {desc or 'item'} at ({fmt(x)}, {fmt(y)}) mm"
              for desc, _, x, y in f.items[:MAX_ITEMS_PLACED]]
    more = len(f.items) - MAX_ITEMS_PLACED
    return [f"Items involved ({head}):"] + placed + ([f"  +{more} more"] if more > 0 else [])


def detail_text(code: str, f: Finding) -> str:
    """Everything about one finding, for the detail pane under the list (plain text, wrapped)."""
    ref = f.ref or "the board"
    lines = [f"{code}  {f.severity.upper()}  {ref}  {f.rule_id}", "", " ".join(f.message.split())]
    value = comparison(f)
    if value:
        lines += ["", value[0].upper() + value[1:]]
    if f.fix:
        lines += ["", "What to change: " + " ".join(f.fix.split())]
    lines += ["", f"Rule: {f.rule_id}"]
    if f.source:
        lines.append("Source: " + " ".join(f.source.split()))
    where = f"Where: {ref}"
    if f.ref or f.x_mm or f.y_mm:
        where += f" at x {f.x_mm:.3f}, y {f.y_mm:.3f} mm"
    if f.layer:
        where += f", layer {f.layer}"
    lines += ["", where]
    if f.pads:
        lines.append(f"Balls ({len(f.pads)}): {_names(list(f.pads), MAX_BALLS_NAMED)}")
    lines += _items_lines(f)
    return "\n".join(lines)


def _origin(field: str, options: CheckOptions, chosen: Collection[str],
            remembered: Optional[str]) -> str:
    """'chosen in this window' or 'remembered for this board' for a field the options set."""
    if field in chosen:
        return "chosen in this window"
    return f"remembered for this board in {remembered}" if remembered else "chosen for this run"


def _project_values(report: Report) -> tuple[Optional[str], Optional[str], str]:
    """(profile, fab tier, file name) the project override file sets, when the run used one."""
    path = report.meta.get("project_overrides")
    if not path:
        return None, None, ""
    from ..core import rules

    try:
        overrides = rules.load_overrides(report.source)
    except Exception:  # noqa: BLE001 - edited since the run: say "project file" without values
        return None, None, str(path).replace("\\", "/").rsplit("/", 1)[-1]
    if overrides is None:
        return None, None, ""
    return overrides.profile, overrides.fab_tier, overrides.path.name


def _stencil_line(report: Report, options: CheckOptions, chosen: Collection[str],
                  remembered: Optional[str]) -> str:
    if options.stencil_mm:
        return (f"Stencil {fmt(options.stencil_mm)} mm "
                f"({_origin('stencil_mm', options, chosen, remembered)})")
    seen = {}
    for b in report.bgas:
        land = b.extra.get("land") or {}
        if land.get("stencil_mm") is not None:
            seen.setdefault((land["stencil_mm"], str(land.get("stencil_source", ""))), b.ref)
    if not seen:
        return "Stencil: no BGA checked"
    parts = []
    for (t, source), _ in sorted(seen.items()):
        if source.startswith("default: project override"):
            why = "project rule file"
        elif source.startswith("default"):
            why = "default, typical value: set it here or as board text variable STENCIL_THICKNESS"
        else:
            why = source
        parts.append(f"{fmt(t)} mm ({why})")
    return "Stencil " + "; ".join(parts)


def setting_lines(report: Report, options: CheckOptions, chosen: Collection[str] = (),
                  remembered: Optional[str] = None) -> list[str]:
    """The profile, fab tier and stencil in effect, each with where it came from.

    ``options`` are the choices the run was made with before defaults were filled (those the
    window shows); ``chosen`` names the fields changed in the window, ``remembered`` the file
    the others were read from. The effective values are the report's (``report.meta``).
    """
    from ..core import rules

    profile = str(report.meta.get("profile") or options.profile or rules.DEFAULT_PROFILE)
    tier = str(report.meta.get("fab_tier") or options.fab_tier or rules.DEFAULT_FAB_TIER)
    project_profile, project_tier, project_file = _project_values(report)
    if options.profile:
        why = _origin("profile", options, chosen, remembered) + ": its figures apply to every part"
    elif project_profile:
        why = f"project rule file {project_file}: its figures apply to every part"
    else:
        why = "default: its land and via figures warn only on its vendor's parts"
    lines = [f"Profile {profile} ({why})"]
    if options.fab_tier:
        why = _origin("fab_tier", options, chosen, remembered)
    elif project_tier:
        why = f"project rule file {project_file}"
    elif report.meta.get("fab_tier_why"):
        why = f"detected: {report.meta['fab_tier_why']}"
    else:
        why = "default: no HDI vias found"
    lines.append(f"Fab tier {tier} ({why})")
    lines.append(_stencil_line(report, options, chosen, remembered))
    return lines


def place_beside(parent: Optional[tuple[int, int, int, int]], display: tuple[int, int, int, int],
                 width: int) -> tuple[int, int, int, int]:
    """(x, y, w, h) of a narrow full-height window beside the board editor.

    To the right of the editor when the display has room there (it then covers nothing), else
    at the display's right edge, so it covers as little of the editor as it can: its right-hand
    side panels rather than the middle of the canvas. Without an editor, at the display's right
    edge. Height: the editor's (full height of the display without one). Rectangles are
    (x, y, w, h) in pixels.
    """
    dx, dy, dw, dh = display
    width = min(width, dw)
    if parent is None:
        return dx + dw - width, dy, width, dh
    px, py, pw, ph = parent
    top, bottom = max(py, dy), min(py + ph, dy + dh)
    height = bottom - top if bottom - top > 200 else dh
    top = top if bottom - top > 200 else dy
    if px + pw + width <= dx + dw:
        return px + pw, top, width, height
    return max(dx + dw - width, dx), top, width, height
