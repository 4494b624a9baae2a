"""The assembly review on a 2,500-ball BGA with warpage: the solver alone and the whole stage.

A 50 x 50 BGA at 0.8 mm (0.40 mm lands, 0.40 mm balls) built as a board model in memory (no
KiCad), checked with a given warpage (one direction) and without (the typical warpage, both
directions). Prints times; nothing is asserted.

Run: .venv/bin/python bench/bench_assembly.py [--repeat N]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from bgacheck.core.model import (
    BoardModel,
    Footprint,
    PadAttrib,
    PadShape,
    PadTable,
    TrackTable,
    ViaTable,
)
from bgacheck.solver import bga_kernel
from bgacheck.solver.force_curve import force_curves
from bgacheck.solver.warpage import absorbable_warpage, bowl_shape, solve_package

ROWS = COLS = 50
PITCH_MM, LAND_MM = 0.8, 0.40
LETTERS = [c for c in "ABCDEFGHJKLMNPRTUVWY"]
LETTERS += [a + b for a in "ABC" for b in LETTERS]


def board(rows: int = ROWS, cols: int = COLS) -> BoardModel:
    """One rows x cols BGA (round NSMD lands, 1:1 paste), one net per ball, nothing else."""
    n = rows * cols
    r, c = np.divmod(np.arange(n), cols)
    nm = 1_000_000
    x = np.round(((c - (cols - 1) / 2) * PITCH_MM + 100) * nm).astype(np.int64)
    y = np.round(((r - (rows - 1) / 2) * PITCH_MM + 100) * nm).astype(np.int64)
    land = np.full(n, round(LAND_MM * nm), np.int64)
    mask = land + 100_000
    pads = PadTable(
        fp_index=np.zeros(n, np.int32),
        number=tuple(f"{LETTERS[i]}{j + 1}" for i, j in zip(r, c, strict=True)),
        uuid=tuple(f"p{i}" for i in range(n)), net=np.arange(1, n + 1, dtype=np.int32),
        pin_type=("passive",) * n, x_nm=x, y_nm=y, w_nm=land, h_nm=land,
        rot_deg=np.zeros(n), shape=np.full(n, PadShape.CIRCLE, np.int8),
        corner_r_nm=np.zeros(n, np.int64), attrib=np.full(n, PadAttrib.SMD, np.int8),
        on_front_cu=np.ones(n, bool), on_back_cu=np.zeros(n, bool), mask_w_nm=mask,
        mask_h_nm=mask, paste_w_nm=land, paste_h_nm=land, drill_nm=np.zeros(n, np.int64),
        bga_property=np.zeros(n, bool), polygon_nm=(None,) * n, zone_connected=np.zeros(n, bool),
        zone_index=-np.ones(n, np.int32), zone_connection=("",) * n)
    e = np.zeros(0, np.int64)
    vias = ViaTable(uuid=(), net=np.zeros(0, np.int32), x_nm=e, y_nm=e, d_nm=e, drill_nm=e,
                    layer_from=np.zeros(0, np.int16), layer_to=np.zeros(0, np.int16), via_type=(),
                    flash_mask=e, remove_unused=np.zeros(0, bool), tented_front=np.zeros(0, bool),
                    tented_back=np.zeros(0, bool), filled=np.zeros(0, bool),
                    capped=np.zeros(0, bool), zone_layers=e)
    tracks = TrackTable(uuid=(), net=np.zeros(0, np.int32), x1_nm=e, y1_nm=e, x2_nm=e, y2_nm=e,
                        width_nm=e, layer=np.zeros(0, np.int16), is_arc=np.zeros(0, bool),
                        xm_nm=e, ym_nm=e)
    fp = Footprint(index=0, ref="U1", value="BGA2500", fpid="bench:BGA-2500_P0.8mm_Ball0.4mm",
                   uuid="fp", x_nm=100 * nm, y_nm=100 * nm, rot_deg=0.0, side="top", pad_start=0,
                   pad_stop=n)
    return BoardModel(path="bench", kicad_version="none", copper_layers=("F.Cu", "In1.Cu",
                                                                         "In2.Cu", "B.Cu"),
                      net_names=("",) + tuple(f"N{i}" for i in range(1, n + 1)),
                      footprints=(fp,), pads=pads, vias=vias, tracks=tracks)


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    from bgacheck.api import CheckOptions, check_model

    k = bga_kernel(ball_d_mm=0.40, pkg_pad_d_mm=0.40, board_land_d_mm=0.40, paste_w_mm=0.40)
    vol = float(k["volume_segment_mm3"])
    r, c = np.divmod(np.arange(ROWS * COLS), COLS)
    x, y = (c - (COLS - 1) / 2) * PITCH_MM, (r - (ROWS - 1) / 2) * PITCH_MM
    unit = bowl_shape(x, y, 1.0)
    print(f"{ROWS * COLS} balls at {PITCH_MM} mm pitch")
    t_curves = best(lambda: force_curves([0.2], [0.2], [vol]), args.repeat)
    curves = force_curves([0.2], [0.2], [vol])
    t_solve = best(lambda: solve_package(x, y, 0, curves, unit * 0.1, 5.0, paste_height_mm=0.1),
                   args.repeat)
    t_limit = best(lambda: absorbable_warpage(x, y, 0, curves, unit, 1, mass_g=5.0,
                                              paste_height_mm=0.1), args.repeat)
    print(f"  force-height curve of the joint (91 heights)      {t_curves * 1e3:8.1f} ms")
    print(f"  rigid-package balance at 0.1 mm warpage, 5 g       {t_solve * 1e3:8.1f} ms")
    print(f"  absorbable warpage, one direction (bisection)      {t_limit * 1e3:8.1f} ms")
    model = board()
    for label, opts in (("check, --warpage-mm 0.1", CheckOptions(warpage_mm=0.1)),
                        ("check, typical warpage (both ways)", CheckOptions())):
        stage: list[float] = []

        def run(opts=opts, stage=stage):
            rep = check_model(model, opts)
            stage.append(rep.meta["timings_s"]["assembly"])
        total = best(run, args.repeat)
        print(f"  {label:40s} assembly stage {min(stage) * 1e3:7.1f} ms, all stages "
              f"{total * 1e3:7.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
