"""Standoff per BGA: call the solver with the board's land, mask, paste and stencil per ball.

The package pad is taken equal to the board land (SMD on the package side, the common case)
unless an option gives it. Predicted height and RSS tolerance go to the BGA summary's
``extra["standoff"]``; an info finding carries the numbers; a joint the solver says cannot
form is an error.
"""
from __future__ import annotations

import numpy as np

from ... import solver
from ..balls import pad_types
from ..context import ArrayContext
from ..units import NM_PER_MM
from .land import aperture_shapes, ball_diameter, make_finding, pad_item, stencil_thickness

__all__ = ["check", "predict", "predicted"]

SOURCE = ("seed: Darveaux et al. (Skyworks), 'Determining Standoff', conservation of volume; "
          "solver defaults in bgacheck.solver.DEFAULTS")


def predict(model, arr, options, rs) -> tuple[dict, solver.StandoffResult]:
    """Solver inputs read from the board for one array, and the solver's StandoffResult."""
    p = model.pads
    balls = arr.ball_pads
    land = np.minimum(p.w_nm[balls], p.h_nm[balls]).astype(float) / NM_PER_MM
    mask = np.minimum(p.mask_w_nm[balls], p.mask_h_nm[balls]).astype(float) / NM_PER_MM
    types = pad_types(model, balls)
    board_type = "smd" if (types == "SMD").sum() > len(types) / 2 else "nsmd"
    ball_d, ball_src = ball_diameter(model, arr, options, rs)
    t, t_src = stencil_thickness(model, options, rs)
    shapes, pw, ph, pr = aperture_shapes(model, arr)
    shape = max(set(shapes), key=shapes.count)
    mask_in = np.where(mask > 0, mask, land)
    pkg = options.pkg_pad_d_mm or float(np.median(land))
    pkg_src = ("option --pkg-pad-mm" if options.pkg_pad_d_mm
               else "assumed equal to the board land (SMD package pad)")
    inputs = dict(ball_d_mm=ball_d, ball_source=ball_src, stencil_mm=t, stencil_source=t_src,
                  board_pad_type=board_type, paste_shape=shape, pkg_pad_d_mm=pkg,
                  pkg_pad_source=pkg_src)
    no_paste = pw <= 0
    res = solver.predict_bga_standoff(
        ball_d, pkg, "smd", land, board_type, mask_opening_d_mm=mask_in,
        paste_shape=shape if not no_paste.all() else "none",
        paste_w_mm=np.where(no_paste, 1e-6, pw), paste_h_mm=np.where(no_paste, 1e-6, ph),
        paste_corner_r_mm=pr, stencil_mm=t)
    return inputs, res


def predicted(ctx: ArrayContext) -> tuple[dict, solver.StandoffResult]:
    """``predict`` for the context's array, made once and shared with the assembly stage."""
    if "standoff" not in ctx.shared:
        ctx.shared["standoff"] = predict(ctx.model, ctx.arr, ctx.options, ctx.rules)
    return ctx.shared["standoff"]


def check(ctx: ArrayContext) -> dict:
    """Predicted standoff per ball of one array."""
    model, arr, out = ctx.model, ctx.arr, ctx.findings
    balls = arr.ball_pads
    inp, res = predicted(ctx)
    ok = np.asarray(res.valid)
    h = np.asarray(res.height_mm, float)
    tol = np.asarray(res.tolerance_mm, float)
    col = np.asarray(res.collapse_mm, float)
    ar = np.asarray(res.area_ratio, float)
    extra = {
        "height_mm": round(float(np.median(h[ok])), 4) if ok.any() else None,
        "tolerance_mm": round(float(np.median(tol[ok])), 4) if ok.any() else None,
        "collapse_mm": round(float(np.median(col[ok])), 4) if ok.any() else None,
        "ball_d_mm": inp["ball_d_mm"], "ball_source": inp["ball_source"],
        "stencil_mm": inp["stencil_mm"], "stencil_source": inp["stencil_source"],
        "area_ratio_min": round(float(ar[ar > 0].min()), 3) if (ar > 0).any() else None,
        "per_ball_height_mm": [round(float(x), 4) if o else None for x, o in zip(h, ok)],
        "board_pad_type": inp["board_pad_type"], "pkg_pad_d_mm": inp["pkg_pad_d_mm"],
        "pkg_pad_source": inp["pkg_pad_source"],
        "reference_planes": dict(res.reference_planes),
    }
    lines = []
    if ok.any():
        spread = float(h[ok].max() - h[ok].min())
        lines.append(f"standoff {extra['height_mm']:.3f} +/- {extra['tolerance_mm']:.3f} mm "
                     f"(collapse {extra['collapse_mm']:.3f} mm, "
                     f"ball-to-ball spread {spread:.3f} mm)")
        out.append(make_finding(
            "standoff.predicted", "info",
            f"predicted standoff {extra['height_mm']:.3f} +/- {extra['tolerance_mm']:.3f} mm "
            f"({res.reference_planes['height_mm']}); ball {inp['ball_d_mm']:g} mm from "
            f"{inp['ball_source']}; stencil {inp['stencil_mm']:g} mm from {inp['stencil_source']}",
            arr, model, (), (), extra["height_mm"], None, "mm", SOURCE))
    lines.append(f"ball {inp['ball_d_mm']:g} mm ({inp['ball_source']}); stencil "
                 f"{inp['stencil_mm']:g} mm ({inp['stencil_source']})")
    bad = np.flatnonzero(~ok)
    if len(bad):
        msgs = res.messages
        first = msgs[int(bad[0])].split(";")[0]
        idx = balls[bad]
        out.append(make_finding(
            "standoff.invalid_joint", "error",
            f"{len(bad)} joint{'s' if len(bad) != 1 else ''} without a valid standoff: {first}",
            arr, model, idx, [pad_item(model, i) for i in idx], float(len(bad)), None, "count",
            SOURCE, fix="check the ball size (--ball-mm), the paste aperture and the stencil"))
        lines.append(f"{len(bad)} joint(s) invalid: {first}")
    extra["text_lines"] = lines
    return extra

