"""The full check pipeline (detect + every check stage + standoff) on vme-wren and the synthetic
10 x 2,500-ball board, per stage, beside `kicad-cli pcb drc` and the `bga-check check` command
line on the same boards in the same run. Prints tables; nothing is asserted.

Run: .venv/bin/python bench/bench_checks.py [--boards vme-wren,large|PATH,...] [--skip-drc]
     [--skip-cli] [--repeat N]   (options shared with bench_detect.py)
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_detect import add_common_options, each_board, fmt_s  # noqa: E402

CLI_TIMEOUT_S = 3600


def run_checks(model, repeat: int):
    """check_model `repeat` times: (first-run report, best-run report, first [s], best [s])."""
    from bgacheck.api import CheckOptions, check_model

    runs = []
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        report = check_model(model, CheckOptions())
        runs.append((time.perf_counter() - t0, report))
    best = min(runs, key=lambda r: r[0])
    return runs[0][1], best[1], runs[0][0], best[0]


def cli_wall(path: str) -> float:
    """Wall time [s] of `python -m bgacheck check BOARD --format json` end to end (a new process:
    interpreter start, imports, LoadBoard, checks, rendering)."""
    with tempfile.TemporaryDirectory(prefix="bgacheck-cli-") as work:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bgacheck", "check", path, "--format", "json",
                        "-o", os.path.join(work, "report.json")],
                       capture_output=True, timeout=CLI_TIMEOUT_S)
        return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_options(ap)
    ap.add_argument("--skip-cli", action="store_true",
                    help="do not time the bga-check command line")
    args = ap.parse_args(argv)

    rows = []
    with tempfile.TemporaryDirectory(prefix="bgacheck-drc-") as work:
        for ld, run_drc in each_board(args, work):
            first_rep, best_rep, first_s, best_s = run_checks(ld.model, args.repeat)
            stages = best_rep.meta["timings_s"]
            balls = sum(b.balls for b in best_rep.bgas)
            rules = Counter(f.rule_id for f in best_rep.findings)
            print(f"  {len(best_rep.bgas)} BGAs, {balls} balls, {len(best_rep.findings)} findings: "
                  + ", ".join(f"{r} {n}" for r, n in rules.most_common(6))
                  + (" ..." if len(rules) > 6 else ""))
            print("  stage times [s], best run: " + ", ".join(
                f"{k} {v:.3f}" for k, v in stages.items() if k != "check"))
            print(f"  first run {first_s:.3f} s (pays lazy imports and caches), "
                  f"best {best_s:.3f} s")
            cli_s = None if args.skip_cli else cli_wall(ld.path)
            drc_s, drc_n = run_drc()
            rows.append((ld, balls, stages.get("detect", 0.0), best_s, first_s, cli_s, drc_s,
                         drc_n))
    print()
    print(f"{'board':10s} {'balls':>6s} {'load':>9s} {'detect':>9s} {'check':>9s} {'check1':>9s} "
          f"{'balls/s':>9s} {'load+chk':>9s} {'CLI wall':>9s} {'kicad DRC':>9s} "
          f"{'(load+chk)/DRC':>14s} {'CLI/DRC':>8s}  DRC found")
    for ld, balls, det, best, first, cli_s, drc_s, drc_n in rows:
        total = ld.load_s + best
        ratio = f"{total / drc_s:14.3f}" if drc_s else f"{'-':>14s}"
        cli_ratio = f"{cli_s / drc_s:8.3f}" if drc_s and cli_s else f"{'-':>8s}"
        print(f"{ld.name:10s} {balls:6d} {fmt_s(ld.load_s)} {fmt_s(det)} {fmt_s(best)} "
              f"{fmt_s(first)} {balls / best:9,.0f} {fmt_s(total)} {fmt_s(cli_s)} {fmt_s(drc_s)} "
              f"{ratio} {cli_ratio}  {drc_n}")
    print("seconds; load = pcbnew.LoadBoard + BoardModel; check = api.check_model (detect + all "
          "stages), best of --repeat; check1 = first run; CLI wall = a fresh `bga-check check` "
          "process; DRC = `kicad-cli pcb drc` wall time, the same board")
    return 0


if __name__ == "__main__":
    sys.exit(main())
