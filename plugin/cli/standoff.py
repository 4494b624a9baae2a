"""``bga-check standoff``: predict one joint's standoff from the command line (text or --json).

Exit codes: 0 valid joint, 1 invalid joint (open, unpinned, no equilibrium; the message says
why), 2 bad input (one line on stderr, from the CLI's error handler).
"""
from __future__ import annotations

import argparse
import json
import math

from ..api import UserError
from .exit_codes import ExitCode

__all__ = ["add_parser", "run"]

_PAD_TYPES = ("smd", "nsmd", "nsmd_wrap", "disk")
_SHAPES = ("round", "square", "rect", "roundrect", "none")


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``standoff`` subcommand and its flags on an argparse subparsers object."""
    p = subparsers.add_parser(
        "standoff",
        help="predict solder-joint standoff after reflow",
        description="Predict the mounted height of one solder joint (truncated sphere, or force "
                    "balance under load), its collapse, RSS tolerance and stencil checks. "
                    "Lengths in mm.",
    )
    g = p.add_argument_group("joint")
    g.add_argument("--ball-d", type=float, default=0.0,
                   help="raw ball diameter [mm]; 0 = LGA (default 0)")
    g.add_argument("--pkg-pad", type=float, required=True,
                   help="package wetted diameter [mm] (mask opening if smd)")
    g.add_argument("--pkg-pad-type", choices=_PAD_TYPES, default="smd",
                   help="package pad type (default smd)")
    g.add_argument("--board-pad", type=float, required=True, help="board land diameter [mm]")
    g.add_argument("--board-pad-type", choices=_PAD_TYPES, default="nsmd",
                   help="board pad type (default nsmd)")
    g.add_argument("--mask-opening", type=float,
                   help="board mask opening [mm] for an smd board pad (default --board-pad)")
    g.add_argument("--pkg-mask-t", type=float, default=0.020,
                   help="package mask over Cu, smd recess [mm] (0.020)")
    g.add_argument("--pkg-cu-t", type=float, default=0.020,
                   help="package pad Cu, for nsmd_wrap [mm] (0.020)")
    g.add_argument("--board-mask-t", type=float, default=0.020,
                   help="board mask over Cu, for smd [mm] (0.020)")
    g.add_argument("--board-cu-t", type=float, default=0.020,
                   help="board pad Cu, for nsmd_wrap [mm] (0.020)")
    s = p.add_argument_group("paste")
    s.add_argument("--stencil", type=float, default=0.100, help="stencil thickness [mm] (0.100)")
    s.add_argument("--aperture", type=float,
                   help="aperture width or diameter [mm] (default: board wetted diameter)")
    s.add_argument("--aperture-h", type=float, help="aperture height for rect/roundrect [mm]")
    s.add_argument("--aperture-shape", choices=_SHAPES, default="round",
                   help="aperture shape (round)")
    s.add_argument("--aperture-r", type=float, default=0.0, help="roundrect corner radius [mm]")
    s.add_argument("--te", type=float,
                   help="fixed transfer efficiency (default: 0.90, reduced below area ratio 0.66)")
    s.add_argument("--metal-fraction", type=float, default=0.50,
                   help="paste metal volume fraction (0.50)")
    s.add_argument("--void-fraction", type=float, default=0.0,
                   help="void volume fraction of the joint (0)")
    s.add_argument("--volume-mm3", type=float,
                   help="joint solder volume [mm^3] instead of ball + paste")
    f = p.add_argument_group("load")
    f.add_argument("--mass-g", type=float, help="package mass [g] (needs --balls)")
    f.add_argument("--balls", type=int, help="number of balls sharing the package weight")
    f.add_argument("--load-mg-per-ball", type=float,
                   help="load per ball [mg]; negative = part hanging under the board")
    f.add_argument("--surface-tension", type=float, default=0.50,
                   help="solder surface tension [N/m] (0.50, SAC305)")
    f.add_argument("--density", type=float, default=7.4,
                   help="solder density [g/cm^3] (7.4, SAC305)")
    f.add_argument("--no-gravity", action="store_true",
                   help="ignore the solder's own weight in the force balance")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    return p


def _check(args) -> None:
    nonneg = {"--ball-d": args.ball_d, "--stencil": args.stencil, "--pkg-mask-t": args.pkg_mask_t,
              "--pkg-cu-t": args.pkg_cu_t, "--board-mask-t": args.board_mask_t,
              "--board-cu-t": args.board_cu_t, "--aperture-r": args.aperture_r,
              "--void-fraction": args.void_fraction}
    positive = {"--pkg-pad": args.pkg_pad, "--board-pad": args.board_pad,
                "--metal-fraction": args.metal_fraction, "--surface-tension": args.surface_tension}
    optional_positive = {"--mask-opening": args.mask_opening, "--aperture": args.aperture,
                         "--aperture-h": args.aperture_h, "--mass-g": args.mass_g}
    for name, val in {**nonneg, **positive, **optional_positive, "--density": args.density,
                      "--volume-mm3": args.volume_mm3, "--te": args.te,
                      "--load-mg-per-ball": args.load_mg_per_ball}.items():
        if val is not None and not math.isfinite(val):
            raise UserError(f"{name} must be a finite number, got {val}")
    for name, val in nonneg.items():
        if val < 0:
            raise UserError(f"{name} must be >= 0, got {val}")
    for name, val in {**positive, **optional_positive}.items():
        if val is not None and val <= 0:
            raise UserError(f"{name} must be > 0, got {val}")
    if args.density < 0:
        raise UserError(f"--density must be >= 0, got {args.density}")
    if args.void_fraction >= 1:
        raise UserError(f"--void-fraction must be < 1, got {args.void_fraction}")
    if args.te is not None and not 0 <= args.te <= 1:
        raise UserError(f"--te must be between 0 and 1, got {args.te}")
    if args.volume_mm3 is not None and args.volume_mm3 < 0:
        raise UserError(f"--volume-mm3 must be >= 0, got {args.volume_mm3}")
    if args.mass_g is not None and args.load_mg_per_ball is not None:
        raise UserError("give either --mass-g with --balls or --load-mg-per-ball, not both")
    if args.mass_g is not None and (args.balls is None or args.balls <= 0):
        raise UserError("--mass-g needs --balls N with N > 0")


def _predict(args):
    from ..solver import predict_bga_standoff

    options = dict(pkg_mask_t_mm=args.pkg_mask_t, pkg_cu_t_mm=args.pkg_cu_t,
                   board_mask_t_mm=args.board_mask_t, board_cu_t_mm=args.board_cu_t,
                   transfer_efficiency=args.te, metal_fraction=args.metal_fraction,
                   void_fraction=args.void_fraction, volume_mm3=args.volume_mm3,
                   surface_tension=args.surface_tension, density=args.density,
                   gravity=not args.no_gravity)
    return predict_bga_standoff(
        args.ball_d, args.pkg_pad, args.pkg_pad_type, args.board_pad, args.board_pad_type,
        mask_opening_d_mm=args.mask_opening if args.mask_opening is not None else args.board_pad,
        paste_shape=args.aperture_shape, paste_w_mm=args.aperture, paste_h_mm=args.aperture_h,
        paste_corner_r_mm=args.aperture_r, stencil_mm=args.stencil, mass_g=args.mass_g,
        balls=args.balls, load_mg_per_ball=args.load_mg_per_ball, **options,
    )


def _report(res, args) -> dict:
    valid = bool(res.valid.item())

    def num(x):
        return round(float(x), 6) if valid else None

    return {
        "valid": valid,
        "status": int(res.status.item()),
        "message": res.messages[0],
        "height_mm": num(res.height_mm),
        "collapse_mm": num(res.collapse_mm),
        "tolerance_mm": num(res.tolerance_mm),
        "collapse_tolerance_mm": num(res.collapse_tolerance_mm),
        "pad_gap_mm": num(res.pad_gap_mm),
        "attached_height_mm": num(res.attached_height_mm),
        "rim_angle_board_deg": num(res.rim_angle_board_deg),
        "rim_angle_pkg_deg": num(res.rim_angle_pkg_deg),
        "max_diameter_mm": num(res.max_diameter_mm),
        "volume_joint_mm3": round(float(res.volume_joint_mm3), 9),
        "paste_metal_mm3": round(float(res.paste_metal_mm3), 9),
        "area_ratio": round(float(res.area_ratio), 4),
        "aspect_ratio": round(float(res.aspect_ratio), 4),
        "transfer_efficiency": round(float(res.transfer_efficiency), 4),
        "stencil_ok": bool(res.stencil_ok.item()),
        "load_mg_per_ball": round(res.load_mg_per_ball, 6),
        "force_balance": args.load_mg_per_ball is not None or args.mass_g is not None,
        "gravity": not args.no_gravity,
        "reference_planes": res.reference_planes,
        "tolerance_contributions_mm": {k: round(float(v), 6)
                                       for k, v in res.tolerance_contributions.items()},
    }


def _text(rep: dict) -> str:
    if not rep["valid"]:
        return f"INVALID joint: {rep['message']}"
    lines = [
        f"height        {rep['height_mm']:.4f} mm  +/- {rep['tolerance_mm']:.4f} (RSS)",
        f"  planes      {rep['reference_planes']['height_mm']}",
        f"pad Cu gap    {rep['pad_gap_mm']:.4f} mm",
        f"as attached   {rep['attached_height_mm']:.4f} mm   collapse {rep['collapse_mm']:.4f} mm "
        f"+/- {rep['collapse_tolerance_mm']:.4f}",
        f"rim angles    board {rep['rim_angle_board_deg']:.1f} deg, "
        f"package {rep['rim_angle_pkg_deg']:.1f} deg",
        f"max diameter  {rep['max_diameter_mm']:.4f} mm",
        f"volume        {rep['volume_joint_mm3']:.6f} mm^3 "
        f"(paste metal {rep['paste_metal_mm3']:.6f})",
        f"stencil       area ratio {rep['area_ratio']:.3f}, "
        f"aspect ratio {rep['aspect_ratio']:.3f}, TE {rep['transfer_efficiency']:.3f}",
    ]
    if rep["force_balance"]:
        lines.append(f"load          {rep['load_mg_per_ball']:.3f} mg per ball (force balance"
                     f"{'' if rep['gravity'] else ', no gravity'})")
    top = list(rep["tolerance_contributions_mm"].items())[:3]
    if top:
        lines.append("dominant      " + ", ".join(f"{k} {v:.4f}" for k, v in top))
    lines.append(f"status        {rep['message']}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Print the prediction; ``ExitCode.FINDINGS`` for an invalid joint, UserError for bad input."""
    _check(args)
    try:
        res = _predict(args)
    except ValueError as exc:  # the solver's own input validation
        raise UserError(str(exc)) from None
    rep = _report(res, args)
    print(json.dumps(rep, indent=2) if args.json else _text(rep))
    return ExitCode.OK if rep["valid"] else ExitCode.FINDINGS
