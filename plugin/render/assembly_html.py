"""The HTML report's assembly section of one BGA.

An SVG map of each ball's gap margin under the warped package, and the warpage, thermal, void
and X-ray facts in a few lines.

The gap margin of a ball is how much further it could rise before it opens: for a joint that
formed, the smaller of (paste deposit - lift when the solder melts) and (height of its largest
pull - its height); negative where the joint is predicted open. Board coordinates, top view.
"""
from __future__ import annotations

import math
from html import escape

from ..core.report import BgaSummary

__all__ = ["assembly_section", "margin_colour"]

_CSS_CLASS = "assembly"


def margin_colour(margin_mm, threshold_mm: float) -> str:
    """Fill colour of a ball: red where open (< 0), amber below the threshold, green above."""
    if margin_mm is None or not math.isfinite(margin_mm):
        return "#bbbbbb"
    if margin_mm < 0:
        return "#d2352b"
    if margin_mm < threshold_mm:
        return "#e3a21a"
    return "#3f9e5a"


def _positions(bga: BgaSummary) -> list[tuple[float, float]]:
    balls = bga.extra.get("balls")
    if isinstance(balls, list) and len(balls) >= bga.balls:
        return [(float(b["x_mm"]), float(b["y_mm"])) for b in balls[:bga.balls]]
    from .html import ball_positions  # names, pitch and rotation when the checks gave no list

    pos = ball_positions(bga)
    return [pos.get(n, (bga.x_mm, bga.y_mm)) for n in bga.ball_names]


def _map(bga: BgaSummary, a: dict) -> str:
    margins = a.get("per_ball_gap_margin_mm") or []
    if len(margins) != bga.balls or not bga.balls:
        return "<p>No per-ball margins.</p>"
    xy = _positions(bga)
    status = a.get("per_ball_status") or [""] * bga.balls
    heights = a.get("per_ball_height_mm") or [None] * bga.balls
    forces = a.get("per_ball_force_mN") or [None] * bga.balls
    lifts = a.get("per_ball_lift_mm") or [None] * bga.balls
    thr = float(a.get("warpage_margin_min_mm") or 0.0)
    pitch = min(bga.pitch_mm) or 1.0
    r = max(bga.land_d_mm or pitch * 0.5, 0.05) / 2
    xs, ys = [p[0] for p in xy], [p[1] for p in xy]
    x0, y0 = min(xs) - pitch, min(ys) - pitch
    w, h = max(xs) - min(xs) + 2 * pitch, max(ys) - min(ys) + 2 * pitch
    width_px = 420
    height_px = max(120, int(width_px * h / w)) if w > 0 else width_px
    out = [f'<svg class="gapmap" width="{width_px}" height="{height_px}" '
           f'viewBox="{x0:.4f} {y0:.4f} {w:.4f} {h:.4f}" role="img" '
           f'aria-label="gap margin map of {escape(bga.ref)}">',
           f'<rect x="{x0:.4f}" y="{y0:.4f}" width="{w:.4f}" height="{h:.4f}" fill="#fafafa"/>']
    for k, ((x, y), name) in enumerate(zip(xy, bga.ball_names, strict=True)):
        m = margins[k]
        st = status[k] or ""
        ring = "#7b4fd1" if st in ("bridging", "stretched") else "#333"
        tip = (f"{name}: {st}; gap margin {m if m is None else f'{m:.3f} mm'}; height "
               f"{heights[k]} mm; force {forces[k]} mN; lift {lifts[k]} mm")
        out.append(f'<circle class="gap {escape(st)}" data-ball="{escape(name)}" cx="{x:.4f}" '
                   f'cy="{y:.4f}" r="{r:.4f}" fill="{margin_colour(m, thr)}" stroke="{ring}" '
                   f'stroke-width="{pitch * (0.08 if ring != "#333" else 0.02):.4f}">'
                   f"<title>{escape(tip)}</title></circle>")
    out.append("</svg>")
    legend = (f'<span><i class="sw" style="background:#d2352b"></i>open (&lt; 0)</span>'
              f'<span><i class="sw" style="background:#e3a21a"></i>&lt; {thr:g} mm</span>'
              f'<span><i class="sw" style="background:#3f9e5a"></i>margin</span>'
              f'<span><i class="sw" style="background:#fff;border-color:#7b4fd1"></i>'
              f"bridging or overstretched</span>")
    caption = (f"Gap margin per ball at {abs(a.get('relative_warpage_mm') or 0):.3f} mm "
               f"{'corners up' if (a.get('relative_warpage_mm') or 0) >= 0 else 'corners down'}: "
               "how much further each ball could rise before it opens. Board coordinates, top "
               "view.")
    return "".join(out) + f'<figcaption class="legend">{legend}<br>{escape(caption)}</figcaption>'


def _facts(a: dict) -> str:
    rows = []
    if a.get("warpage_margin_mm") is not None:
        ff = a.get("first_failure") or {}
        mech = a.get("limit_mechanism") or {}
        rows += [("warpage", f"{a['warpage_mm']:+.3f} mm ({a.get('warpage_source', '')})"),
                 ("board warpage", f"{a['board_warpage_mm']:+.3f} mm"
                  if a.get("board_warpage_mm") is not None else "flat"),
                 ("package mass", f"{a['package_mass_g']:g} g" if a.get("package_mass_g")
                  else "not given (weightless)"),
                 ("joints absorb", ", ".join(
                     f"{v:.3f} mm {k} ({mech.get(k) or 'nothing up to 1 mm'})"
                     for k, v in (a.get("absorbable_mm") or {}).items())),
                 ("warpage margin", f"{a['warpage_margin_mm']:+.3f} mm"),
                 ("first to fail", f"{ff.get('region') or '-'} ({ff.get('mechanism') or '-'}, "
                                   f"{ff.get('direction', '')})")]
    t = a.get("thermal") or {}
    if t.get("known"):
        rows.append(("plane balls", f"{t['plane_balls']} (pour {t['by_path']['pour']}, via in "
                                    f"pad {t['by_path']['via in pad']}, dog-bone "
                                    f"{t['by_path']['dog-bone']}); reliefs {t['relief_balls']}"
                     + (f"; plane-heavy: {', '.join(t['heavy_regions'])}"
                        if t.get("heavy_regions") else "")))
    elif t:
        rows.append(("thermal balance", t.get("note", "")))
    v = a.get("voids") or {}
    if v:
        pads = ", ".join(f"{p['pad']} ({p['paste_coverage']:.0%} paste)"
                         for p in v.get("thermal_pads", [])) or "none"
        rows.append(("voids", f"{v.get('open_via_in_pad', 0)} open vias in lands; thermal pads "
                              f"beside: {pads}"))
    x = a.get("xray") or {}
    if x:
        rows.append(("X-ray", x.get("line", "")))
    return "<dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(val))}</dd>"
                            for k, val in rows) + "</dl>"


def assembly_section(bga: BgaSummary) -> str:
    """The assembly section of one BGA ("" when the stage did not run)."""
    a = bga.extra.get("assembly")
    if not isinstance(a, dict):
        return ""
    return (f'<div class="{_CSS_CLASS}"><h3>Assembly</h3><div class="row"><figure>'
            f"{_map(bga, a)}</figure><div>{_facts(a)}</div></div></div>")
