"""Facts about the whole board or the run's choices, said once per board instead of per BGA.

- Laser microvias or blind vias make an HDI board: with no tier chosen the board is checked
  against the hdi tier (a note says so); on a chosen tier without them, one error names the vias
  and the tier to choose, instead of a through-hole drill and ring error per via.
- A solder-mask margin of 0 is KiCad's default and means "the fab sets the mask clearance": one
  note for the board, not a warning per BGA.
- Where the profile's own via or trace figures are below the fab tier's minimums, one note per
  figure says so and names the option to change (the checks then hold the board to the tier).
"""
from __future__ import annotations

import numpy as np

from ..report import Finding
from ..units import NM_PER_MM, fab_minimum

__all__ = ["check"]

SOURCE_MASK_ZERO = ("KiCad board setup: solder mask expansion 0 (the default) leaves the mask "
                    "clearance to the fab, which applies its own (docs/sources.md R9)")


def _board_finding(rule_id, severity, message, source, fix, measured=None, limit=None,
                   unit="count", items=(), at=(0.0, 0.0)) -> Finding:
    return Finding(rule_id=rule_id, severity=severity, message=message, ref="", x_mm=at[0],
                   y_mm=at[1], measured=measured, limit=limit, unit=unit, source=source,
                   items=tuple(items), fix=fix)


def _hdi(model, contexts, options, out) -> None:
    vias = sorted(set(contexts[0].board.get("hdi_vias", []))) if contexts else []
    if not vias:
        return
    v = model.vias
    idx = np.asarray(vias)
    kinds = sorted({v.via_type[i].replace("_", "/") for i in vias})
    rs = contexts[0].rules
    drill = float(v.drill_nm[idx].min()) / NM_PER_MM
    items = [("via", v.uuid[i], float(v.x_nm[i]) / NM_PER_MM, float(v.y_nm[i]) / NM_PER_MM)
             for i in idx[:50]]
    out.append(_board_finding(
        "fab.hdi_board", "error",
        f"this board uses {len(vias)} {' and '.join(kinds)} via(s) under its BGAs (smallest "
        f"hole {drill:.3f} mm): an HDI board, which the {rs.fab_tier} tier does not build",
        rs.source("microvia_available"),
        "use --fab-tier hdi (or your fab's HDI preset) in the command or the project file",
        measured=float(len(vias)), items=items, at=items[0][2:] if items else (0.0, 0.0)))


def _auto_tier(options, out) -> None:
    if options.fab_tier_why:
        out.append(_board_finding(
            "rules.fab_tier_auto", "info",
            f"no fab tier chosen and {options.fab_tier_why}: checked against the "
            f"{options.fab_tier} tier", "bgacheck: only an HDI process builds laser microvias and "
            "blind/buried vias (IPC-2226; docs/sources.md R9)",
            "choose your fab's tier with --fab-tier or fab_tier in the project file"))


def _mask_zero(contexts, out) -> None:
    hits = [h for ctx in contexts[:1] for h in ctx.board.get("mask_margin_zero", [])]
    if not hits:
        return
    n = sum(k for _, k in hits)
    refs = ", ".join(r for r, _ in hits)
    out.append(_board_finding(
        "board.mask_margin_zero", "info",
        f"{n} BGA land(s) ({refs}) have solder-mask opening = land (margin 0, KiCad's default): "
        "the fab sets the mask clearance", SOURCE_MASK_ZERO,
        "nothing, or set the margin your fab asks for", measured=float(n)))


def _profile_vs_tier(contexts, out) -> None:
    """One note per profile figure that the fab tier does not allow, naming the option."""
    said = set()
    for ctx in contexts:
        rs = ctx.rules
        checks = []
        if rs.via_drill_d_mm is not None and rs.min_drill_mm is not None:
            checks.append(("via_drill_d_mm", rs.via_drill_d_mm, "min_drill_mm", rs.min_drill_mm,
                           "via hole"))
        if None not in (rs.via_pad_d_mm, rs.via_drill_d_mm, rs.annular_ring_min_mm):
            ring = (rs.via_pad_d_mm - rs.via_drill_d_mm) / 2
            checks.append(("via_pad_d_mm", ring, "annular_ring_min_mm", rs.annular_ring_min_mm,
                           "via annular ring"))
        if None not in (rs.mask_opening_d_mm, rs.land_d_mm, rs.mask_expansion_min_mm) and \
                rs.mask_opening_d_mm > rs.land_d_mm:  # M = L (margin 0) is the fab's to set
            checks.append(("mask_opening_d_mm", (rs.mask_opening_d_mm - rs.land_d_mm) / 2,
                           "mask_expansion_min_mm", rs.mask_expansion_min_mm,
                           "solder-mask clearance per side"))
        if rs.pad_route1_w_mm is not None and rs.min_trace_w_mm is not None:
            checks.append(("pad_route1_w_mm", rs.pad_route1_w_mm, "min_trace_w_mm",
                           rs.min_trace_w_mm, "trace between lands"))
        for key, value, tier_key, tier_value, what in checks:
            if not rs.own(key) or value >= fab_minimum(tier_value) - 1e-6:
                continue
            tag = (rs.profile, rs.pitch_mm, key, rs.fab_tier)
            if tag in said:
                continue
            said.add(tag)
            out.append(_board_finding(
                "rules.profile_below_tier", "info",
                f"{rs.profile} at {rs.pitch_mm:g} mm asks a {value:.3f} mm {what}, below the "
                f"{rs.fab_tier} tier's {tier_value:.3f} mm minimum",
                f"{rs.source(key)}; {rs.source(tier_key)}",
                "if your fab builds the profile's figure, choose its preset (--fab-tier or "
                "fab_tier in the project file); else draw to the tier",
                measured=round(value, 4), limit=tier_value, unit="mm"))


def check(model, contexts, options, report) -> None:
    """Board-wide findings: HDI vias on a tier without them, mask margin 0, profile vs tier."""
    if not contexts:
        return
    _auto_tier(options, report.findings)
    _hdi(model, contexts, options, report.findings)
    _mask_zero(contexts, report.findings)
    _profile_vs_tier(contexts, report.findings)
