"""Report -> one self-contained HTML page: per BGA a ball map, the standoff, and the findings.

No scripts, fonts or images are fetched: styles and SVG are inline, so the file can be stored as
a CI artifact and opened anywhere. The ball map is drawn in board coordinates (as KiCad shows the
board from the top) from ``BgaSummary.extra["balls"]`` when the checks provide it, else from the
ball names, pitch, rotation and side.
"""
from __future__ import annotations

import json
import math
import re
import string
from collections import Counter, defaultdict
from html import escape

from ..core.report import BgaSummary, Finding, Report, severity_rank
from ._shared import ci_meta, counts, finding_fails, fmt, kicad_record, run_verdict, waived_findings
from .assembly_html import assembly_section

__all__ = ["render_html", "ball_positions", "ball_statuses", "STATUS_COLOURS"]

STATUS_COLOURS = {"clean": "#3f9e5a", "warning": "#e3a21a", "error": "#d2352b",
                  "unrouted": "#7b4fd1", "depopulated": "none"}
"""Fill colour per ball status; depopulated sites are drawn hollow and dashed."""
_STATUS_ORDER = ("depopulated", "clean", "warning", "unrouted", "error")
_JEDEC_ROWS = "ABCDEFGHJKLMNPRTUVWY"
"""JEDEC row letters (JEP95 skips I, O, Q, S, X, Z); after Y rows run AA, AB, ..."""
_GRID_NAME = re.compile(r"R(\d+)C(\d+)")
_UNROUTED_WORDS = ("fanout", "unrouted", "unfanned", "escape.unconnected")

_CSS = """
body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:24px;color:#222}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 6px;border-bottom:1px solid #ccc}
.verdict{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff;font-weight:600}
.PASS{background:#3f9e5a}.FAIL{background:#d2352b}
table{border-collapse:collapse;margin:8px 0;font-size:13px}
td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top;
overflow-wrap:break-word}td.num,td.nw{white-space:nowrap}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
.sev{padding:0 6px;border-radius:3px;color:#fff;font-size:12px}
.sev-error{background:#d2352b}.sev-warning{background:#e3a21a}.sev-info{background:#777}
tr.waived td{color:#888}.row{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
figure{margin:0}figcaption{font-size:12px;color:#555}dl{display:grid;
grid-template-columns:max-content auto;gap:0 12px;margin:6px 0}dt{color:#666}dd{margin:0}
.legend span{display:inline-block;margin-right:12px}.sw{display:inline-block;width:11px;
height:11px;border-radius:50%;margin-right:4px;vertical-align:-1px;border:1px solid #555}
"""


def _ball_rc(name: str, alphabet: str = _JEDEC_ROWS) -> tuple[int, int] | None:
    """(row, column) index of a ball name, or None.

    Names are "A1", "AB12", or the detector's "R3C5" for sites it could not name.
    """
    m = _GRID_NAME.fullmatch(name)
    if m:
        return int(m.group(1)) - 1, int(m.group(2)) - 1
    letters = name.rstrip("0123456789")
    digits = name[len(letters):]
    if not letters or not digits or any(ch not in alphabet for ch in letters.upper()):
        return None
    row = 0
    for ch in letters.upper():
        row = row * len(alphabet) + alphabet.index(ch) + 1
    return row - 1, int(digits) - 1


def ball_positions(bga: BgaSummary) -> dict[str, tuple[float, float]]:
    """Board position [mm] of every ball and depopulated site, from names, pitch, rotation, side.

    Used when the checks gave no per-ball list: assumes A1 is the top-left ball of a field centred
    on the footprint origin, as in KiCad's own BGA footprints.
    """
    names = list(bga.ball_names) + [n for n in bga.depopulated if n not in bga.ball_names]
    letters = {ch for n in names if not _GRID_NAME.fullmatch(n)
               for ch in n.rstrip("0123456789").upper()}
    alphabet = _JEDEC_ROWS if letters <= set(_JEDEC_ROWS) else string.ascii_uppercase
    rc = {n: _ball_rc(n, alphabet) for n in names}
    rc = {n: v for n, v in rc.items() if v is not None}
    if not rc:
        return {}
    rows = max(max(r for r, _ in rc.values()) + 1, bga.rows)
    cols = max(max(c for _, c in rc.values()) + 1, bga.cols)
    px, py = bga.pitch_mm
    t = math.radians(bga.rot_deg)
    mirror = -1.0 if bga.side == "bottom" else 1.0
    out = {}
    for n, (r, c) in rc.items():
        lx = (c - (cols - 1) / 2) * px * mirror
        ly = (r - (rows - 1) / 2) * py
        # KiCad's RotatePoint with y pointing down: counter-clockwise on screen.
        out[n] = (bga.x_mm + lx * math.cos(t) + ly * math.sin(t),
                  bga.y_mm - lx * math.sin(t) + ly * math.cos(t))
    return out


def ball_statuses(bga: BgaSummary, findings: list[Finding]) -> list[dict]:
    """Per-ball {name, x_mm, y_mm, status}: the checks' list when given, else derived here.

    A derived status is the worst of the ball's new warnings and errors: a fanout/unrouted rule
    makes it "unrouted", an error "error", a warning "warning"; notes and no finding are "clean".
    """
    worst: dict[str, str] = {}
    for f in findings:
        rule = f.rule_id.lower()
        if f.severity not in ("error", "warning"):
            continue  # notes (plane balls, the standoff) colour nothing
        status = "unrouted" if any(w in rule for w in _UNROUTED_WORDS) else f.severity
        for pad in f.pads:
            old = worst.get(pad, "clean")
            worst[pad] = max(old, status, key=_STATUS_ORDER.index)
    given = bga.extra.get("balls")
    if isinstance(given, list) and given:
        out = []
        for b in given:
            name = str(b.get("name", ""))
            status = b.get("status") or worst.get(name, "clean")
            out.append({"name": name, "x_mm": float(b["x_mm"]), "y_mm": float(b["y_mm"]),
                        "status": status if status in STATUS_COLOURS else "clean"})
        return out
    pos = ball_positions(bga)
    depop = set(bga.depopulated)
    return [{"name": n, "x_mm": x, "y_mm": y,
             "status": "depopulated" if n in depop else worst.get(n, "clean")}
            for n, (x, y) in pos.items()]


def _swatch(status: str) -> str:
    """Legend colour of a status (depopulated sites are hollow: white)."""
    return "#fff" if status == "depopulated" else STATUS_COLOURS[status]


def _ball_map(bga: BgaSummary, findings: list[Finding]) -> str:
    balls = ball_statuses(bga, findings)
    if not balls:
        return "<p>No ball positions to draw.</p>"
    by_ball = defaultdict(list)
    for f in findings:
        for pad in f.pads:
            by_ball[pad].append(f)
    r = max(bga.land_d_mm or min(bga.pitch_mm) * 0.5, 0.05) / 2
    pitch = min(bga.pitch_mm) or 1.0
    xs = [b["x_mm"] for b in balls]
    ys = [b["y_mm"] for b in balls]
    lo_x, hi_x, lo_y, hi_y = min(xs) - 3 * pitch, max(xs) + 3 * pitch, min(ys) - 3 * pitch, \
        max(ys) + 3 * pitch
    marks = [(x, y) for f in findings if f.severity != "info"
             for x, y in [(f.x_mm, f.y_mm)] + [(ix, iy) for _, _, ix, iy in f.items]]
    xs += [x for x, y in marks if lo_x <= x <= hi_x and lo_y <= y <= hi_y]
    ys += [y for x, y in marks if lo_x <= x <= hi_x and lo_y <= y <= hi_y]
    m = pitch
    x0, y0, w, h = min(xs) - m, min(ys) - m, max(xs) - min(xs) + 2 * m, max(ys) - min(ys) + 2 * m
    width_px = 560
    height_px = max(120, int(width_px * h / w)) if w > 0 else width_px
    parts = [f'<svg class="ballmap" width="{width_px}" height="{height_px}" '
             f'viewBox="{x0:.4f} {y0:.4f} {w:.4f} {h:.4f}" role="img" '
             f'aria-label="ball map of {escape(bga.ref)}">',
             f'<rect x="{x0:.4f}" y="{y0:.4f}" width="{w:.4f}" height="{h:.4f}" fill="#fafafa"/>']
    for b in balls:
        status = b["status"]
        tip = f'{b["name"]}: {status}' + "".join(
            f"\n{f.severity}: {f.rule_id}: {f.message}" for f in by_ball.get(b["name"], []))
        style = ('fill="none" stroke="#888" stroke-dasharray="0.04 0.04"' if status == "depopulated"
                 else f'fill="{STATUS_COLOURS[status]}" stroke="#333"')
        parts.append(f'<circle class="ball {status}" data-ball="{escape(b["name"])}" '
                     f'cx="{b["x_mm"]:.4f}" cy="{b["y_mm"]:.4f}" r="{r:.4f}" {style} '
                     f'stroke-width="{pitch * 0.02:.4f}"><title>{escape(tip)}</title></circle>')
    a1 = next((b for b in balls if b["name"] == "A1"), None) or (
        {"x_mm": bga.a1["x_mm"], "y_mm": bga.a1["y_mm"]} if "x_mm" in bga.a1 else None)
    if a1 is not None:
        parts.append(f'<text x="{a1["x_mm"]:.4f}" y="{a1["y_mm"] - r * 1.3:.4f}" '
                     f'font-size="{pitch * 0.35:.4f}" text-anchor="middle" fill="#000">A1</text>')
    for f in (f for f in findings if f.severity != "info"):
        vias = [(d, x, y) for d, _, x, y in f.items if "via" in d.lower()]
        colour = STATUS_COLOURS.get(f.severity, "#777")
        tip = escape(f"{f.severity}: {f.rule_id}: {f.message}")
        for _, x, y in vias:
            parts.append(f'<circle class="failed-via" cx="{x:.4f}" cy="{y:.4f}" r="{r * 0.8:.4f}" '
                         f'fill="none" stroke="{colour}" stroke-width="{pitch * 0.06:.4f}">'
                         f'<title>{tip}</title></circle>')
        if not vias and not f.pads:
            s = pitch * 0.18
            parts.append(f'<path class="failed-channel" d="M{f.x_mm - s:.4f} {f.y_mm:.4f} '
                         f'L{f.x_mm:.4f} {f.y_mm - s:.4f} L{f.x_mm + s:.4f} {f.y_mm:.4f} '
                         f'L{f.x_mm:.4f} {f.y_mm + s:.4f}Z" fill="{colour}" stroke="#000" '
                         f'stroke-width="{pitch * 0.015:.4f}"><title>{tip}</title></path>')
    parts.append("</svg>")
    tally = Counter(b["status"] for b in balls)
    legend = "".join(
        f'<span><i class="sw" style="background:{_swatch(s)}'
        f'"></i>{s} {tally.get(s, 0)}</span>' for s in _STATUS_ORDER)
    return ("".join(parts) + f'<figcaption class="legend">{legend}<br>Rings: vias in failed '
            "findings; diamonds: channel/track findings. Board coordinates, top view.</figcaption>")


def _standoff(bga: BgaSummary) -> str:
    s = bga.extra.get("standoff")
    if not isinstance(s, dict) or s.get("height_mm") is None:
        return "<p>Standoff not computed.</p>"
    h = float(s["height_mm"])
    tol = float(s.get("tolerance_mm") or 0.0)
    per = [float(v) for v in s.get("per_ball_height_mm") or () if v is not None
           and math.isfinite(float(v))]
    lo = min([h - tol] + per)
    hi = max([h + tol] + per)
    span = max(hi - lo, 0.002)
    lo, hi = lo - 0.15 * span, hi + 0.15 * span
    W, H, L, B = 440, 200, 40, 160
    sx = lambda v: L + (v - lo) / (hi - lo) * (W - L - 20)  # noqa: E731
    parts = [f'<svg class="standoff" width="{W}" height="{H}" viewBox="0 0 {W} {H}" role="img" '
             f'aria-label="standoff of {escape(bga.ref)}">',
             f'<rect class="tolerance-band" x="{sx(h - tol):.2f}" y="20" '
             f'width="{max(sx(h + tol) - sx(h - tol), 1):.2f}" height="{B - 20}" fill="#cfe3f7"/>']
    if per:
        nbins = max(5, min(30, int(math.sqrt(len(per))) + 1))
        edges = [lo + (hi - lo) * k / nbins for k in range(nbins + 1)]
        hist = [0] * nbins
        for v in per:
            hist[min(nbins - 1, int((v - lo) / (hi - lo) * nbins))] += 1
        top = max(hist)
        for k, n in enumerate(hist):
            if n:
                bh = (B - 30) * n / top
                parts.append(f'<rect class="hist-bar" x="{sx(edges[k]) + 0.5:.2f}" '
                             f'y="{B - bh:.2f}" '
                             f'width="{max(sx(edges[k + 1]) - sx(edges[k]) - 1, 1):.2f}"'
                             f' height="{bh:.2f}" fill="#5b7fa8"><title>{n} ball(s) '
                             f'{edges[k]:.4f}-{edges[k + 1]:.4f} mm</title></rect>')
        parts.append(f'<text x="{L - 4}" y="28" font-size="11" text-anchor="end">{top}</text>')
    parts.append(f'<line class="nominal" x1="{sx(h):.2f}" y1="14" x2="{sx(h):.2f}" y2="{B}" '
                 f'stroke="#1d4f91" stroke-width="2"/>')
    parts.append(f'<line x1="{L}" y1="{B}" x2="{W - 20}" y2="{B}" stroke="#333"/>')
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        parts.append(f'<line x1="{sx(v):.2f}" y1="{B}" x2="{sx(v):.2f}" y2="{B + 4}" '
                     f'stroke="#333"/><text x="{sx(v):.2f}" y="{B + 16}" font-size="11" '
                     f'text-anchor="middle">{v:.3f}</text>')
    parts.append(f'<text x="{(L + W - 20) / 2}" y="{B + 34}" font-size="11" '
                 f'text-anchor="middle">standoff [mm]</text></svg>')
    text = f"Predicted {fmt(h, 'mm')}" + (f" ± {fmt(tol, 'mm')}" if tol else "")
    if per:
        text += f"; histogram over {len(per)} balls"
    return "".join(parts) + f"<figcaption>{escape(text)} (band: tolerance).</figcaption>"


def _ball_list(pads: tuple[str, ...], shown: int = 12) -> str:
    """Ball names for a table cell: the first few, then how many more."""
    text = ", ".join(pads[:shown])
    return text + (f" … (+{len(pads) - shown})" if len(pads) > shown else "")


def _findings_table(report: Report, rows: list[tuple[Finding, str | None]]) -> str:
    if not rows:
        return "<p>No findings.</p>"
    out = ['<table class="findings"><tr><th>severity</th><th>rule</th><th>balls</th>'
           "<th>message</th><th>measured</th><th>limit</th><th>layer</th><th>at [mm]</th>"
           "<th>source</th><th>status</th></tr>"]
    rows = sorted(rows, key=lambda e: (e[1] is not None, -severity_rank(e[0].severity),
                                       e[0].sort_key()))
    for f, reason in rows:
        status = ("waived: " + reason if reason is not None
                  else "fails" if finding_fails(report, f, False) else "new")
        out.append(f'<tr class="{"waived" if reason is not None else "new"}">'
                   f'<td class=nw><span class="sev sev-{f.severity}">{f.severity}</span></td>'
                   f"<td><code>{escape(f.rule_id)}</code></td><td>{escape(_ball_list(f.pads))}</td>"
                   f"<td>{escape(f.message)}</td><td class=num>{fmt(f.measured, f.unit)}</td>"
                   f"<td class=num>{fmt(f.limit, f.unit)}</td><td>{escape(f.layer)}</td>"
                   f"<td class=num>{f.x_mm:.3f}, {f.y_mm:.3f}</td><td>{escape(f.source)}</td>"
                   f"<td>{escape(status)}</td></tr>")
    return "".join(out) + "</table>"


def _facts(bga: BgaSummary) -> str:
    facts = [("footprint", bga.footprint), ("side / rotation", f"{bga.side}, {bga.rot_deg:g}°"),
             ("balls", f"{bga.balls} ({bga.rows} x {bga.cols})"),
             ("pitch", f"{bga.pitch_mm[0]:g} x {bga.pitch_mm[1]:g} mm"),
             ("land", fmt(bga.land_d_mm, "mm") + f" {bga.land_shape}, {bga.pad_type}"),
             ("mask opening", fmt(bga.mask_opening_d_mm, "mm")),
             ("paste aperture", fmt(bga.paste_d_mm, "mm")),
             ("depopulated", f"{len(bga.depopulated)}: {_ball_list(bga.depopulated, 16)}"
              if bga.depopulated else "none")]
    rules = bga.extra.get("rules")
    if isinstance(rules, dict):
        facts += [(f"rules: {k}", str(v)) for k, v in rules.items()
                  if isinstance(v, (str, int, float)) and not isinstance(v, bool)]
    return "<dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>"
                            for k, v in facts) + "</dl>"


def _other_extra(bga: BgaSummary) -> str:
    rest = {k: v for k, v in bga.extra.items()
            if k not in ("balls", "standoff", "rules", "assembly")}
    if not rest:
        return ""
    text = json.dumps(rest, indent=1, default=str)[:20000]
    return f"<details><summary>Other results</summary><pre>{escape(text)}</pre></details>"


def _kicad_section(report: Report) -> str:
    rec = kicad_record(report)
    if rec is None:
        note = (ci_meta(report).get("kicad") or {}).get("note")
        return f"<h2>KiCad DRC</h2><p>{escape(note)}</p>" if note else ""
    viol = rec.get("violations", [])
    waived = {int(k) for k in rec.get("waived", {})}
    tally = Counter((v.get("type", "?"), v.get("severity", "?"), k in waived)
                    for k, v in enumerate(viol))
    out = [f"<h2>KiCad DRC</h2><p>kicad-cli {escape(str(rec.get('version', '')))}: {len(viol)} "
           f"violation(s), {len(waived)} waived, {int(rec.get('unconnected', 0))} unconnected "
           "item(s).</p>", "<table><tr><th>type</th><th>severity</th><th>waived</th>"
           "<th>count</th></tr>"]
    for (t, s, w), n in sorted(tally.items(), key=lambda kv: (-kv[1], kv[0])):
        out.append(f"<tr><td><code>{escape(str(t))}</code></td><td>{escape(str(s))}</td>"
                   f"<td>{'yes' if w else ''}</td><td class=num>{n}</td></tr>")
    return "".join(out) + "</table>"


def render_html(report: Report) -> str:
    """The report as a single self-contained HTML page."""
    findings = report.sorted_findings()
    waived = waived_findings(report)
    per_ref: dict[str, list[tuple[Finding, str | None]]] = defaultdict(list)
    for k, f in enumerate(findings):
        per_ref[f.ref].append((f, waived.get(k)))
    judged = run_verdict(report)
    failing, verdict = judged.failing_count, judged.word
    name = str(ci_meta(report).get("board_file") or report.source)
    c = counts(f for k, f in enumerate(findings) if k not in waived)
    body = [f"<h1>BGA check · {escape(name)}</h1>",
            f'<p><span class="verdict {verdict}">{verdict}</span> {failing} new violation(s) at '
            f"or above <b>{escape(judged.severity)}</b>. BGA findings: {c['error']} error, "
            f"{c['warning']} warning, {c['info']} info, {len(waived)} waived. bga-check "
            f"{escape(report.tool_version)}, KiCad {escape(report.kicad_version)}.</p>"]
    if report.bgas:
        body.append("<p>" + " · ".join(f'<a href="#bga-{escape(b.ref)}">{escape(b.ref)}</a>'
                                       for b in report.bgas) + "</p>")
    else:
        body.append("<p>No BGA or area-array footprint found on this board.</p>")
    for b in report.bgas:
        rows = per_ref.pop(b.ref, [])
        new = [f for f, reason in rows if reason is None]
        body.append(f'<section id="bga-{escape(b.ref)}"><h2>{escape(b.ref)}</h2>{_facts(b)}'
                    f'<div class="row"><figure>{_ball_map(b, new)}</figure>'
                    f"<figure>{_standoff(b)}</figure></div>{assembly_section(b)}"
                    f"{_findings_table(report, rows)}{_other_extra(b)}</section>")
    rest = [e for ref in sorted(per_ref) for e in per_ref[ref]]
    if rest:
        body.append(f"<h2>Board findings</h2>{_findings_table(report, rest)}")
    body.append(_kicad_section(report))
    stale = ci_meta(report).get("stale_waivers", [])
    if stale:
        body.append("<h2>Stale waivers</h2><ul>" + "".join(
            f"<li><code>{escape(str(w.get('rule', '')))}</code> {escape(str(w.get('ref', '')))} "
            f"{escape(','.join(w.get('balls', []) or w.get('items', [])))}</li>" for w in stale)
            + "</ul>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>BGA check: {escape(name)}</title><style>{_CSS}</style></head><body>"
            + "\n".join(body) + "</body></html>\n")
