"""Solver throughput: zero-load joints per second, a BGA Monte Carlo, one BGA force balance.

Run: .venv/bin/python bench/bench_solver.py   (prints numbers; nothing is asserted)
"""
from __future__ import annotations

import time

import numpy as np

from bgacheck.solver import (
    bga_kernel,
    monte_carlo,
    predict_bga_standoff,
    segment_height,
    solve_joints,
)

SEED = dict(ball_d_mm=0.25, pkg_pad_d_mm=0.25, pkg_pad_type="smd", board_land_d_mm=0.25,
            board_pad_type="nsmd")


def timed(label, fn, count=None):
    start = time.perf_counter()
    fn()
    dt = time.perf_counter() - start
    rate = f", {count / dt:,.0f} joints/s" if count else ""
    print(f"{label:58s} {dt * 1e3:9.1f} ms{rate}")
    return dt


def main() -> None:
    n = 1_000_000
    rng = np.random.default_rng(1)
    ball = rng.normal(0.25, 0.005 / 3, n)
    segment_height(0.125, 0.125, ball)  # warm-up: first touch of the arrays' memory
    timed("closed-form cubic only, 1,000,000 joints",
          lambda: segment_height(0.125, 0.125, ball ** 3 * 0.6), n)
    timed("solve_joints (full shape data), 1,000,000 zero-load joints",
          lambda: solve_joints(ball_d_mm=ball, pkg_d_mm=0.25, board_d_mm=0.25, pkg_t_mm=0.02,
                               paste_metal_mm3=0.002), n)
    timed("solve_joints (heights only), 1,000,000 zero-load joints",
          lambda: solve_joints(ball_d_mm=ball, pkg_d_mm=0.25, board_d_mm=0.25, pkg_t_mm=0.02,
                               paste_metal_mm3=0.002, details=False), n)
    timed("bga_kernel (paste + stencil), 1,000,000 zero-load joints",
          lambda: bga_kernel(ball_d_mm=ball, pkg_pad_d_mm=0.25, board_land_d_mm=0.25,
                             paste_w_mm=0.25), n)
    params = dict(SEED, paste_w_mm=0.25, stencil_mm=0.1, pkg_mask_t_mm=0.02, te_nominal=0.9,
                  details=False)
    tol = {"ball_d_mm": 0.005, "pkg_pad_d_mm": 0.010, "board_land_d_mm": 0.010,
           "pkg_mask_t_mm": 0.003, "stencil_mm": 0.005, "paste_w_mm": 0.005, "te_nominal": 0.10}
    box = {}
    timed("Monte Carlo, 10,000 draws x 2,500-ball BGA",
          lambda: box.update(mc=monte_carlo(bga_kernel, params, tol, n_draws=10_000,
                                            n_balls=2_500, seed=1)),
          10_000 * 2_500)
    mc = box["mc"]
    print(f"    sd {mc.sd_mm * 1e3:.2f} um, coplanarity {mc.coplanarity_mm * 1e3:.1f} um, "
          f"top inputs {list(mc.variance_share)[:3]}")
    balls = np.full(2_500, 0.25)
    timed("force balance + RSS, one 2,500-ball BGA (2 g)",
          lambda: predict_bga_standoff(balls, 0.25, "smd", 0.25, "nsmd", mass_g=2.0, balls=2_500))
    timed("force balance only, one 2,500-ball BGA (2 g)",
          lambda: bga_kernel(ball_d_mm=balls, pkg_pad_d_mm=0.25, board_land_d_mm=0.25,
                             load_mg_per_ball=0.8))
    per_ball = rng.normal(0.25, 0.005 / 3, 2_500)
    timed("force balance, 2,500 different balls (worst case, no reuse)",
          lambda: bga_kernel(ball_d_mm=per_ball, pkg_pad_d_mm=0.25, board_land_d_mm=0.25,
                             load_mg_per_ball=0.8))


if __name__ == "__main__":
    main()
