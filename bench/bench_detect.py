"""Board load and BGA detection time on vme-wren and a synthetic 10 x 2,500-ball board, beside
`kicad-cli pcb drc` on the same boards in the same run. Prints a table; nothing is asserted.

Run: .venv/bin/python bench/bench_detect.py [--boards vme-wren,large|PATH,...] [--skip-drc]
The large board is generated once with the pcbnew API (fixtures/large_board.py) into --cache-dir
(default: <tmp>/bgacheck-bench). vme-wren's DRC takes about two minutes.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VME_WREN = "/usr/share/kicad/demos/vme-wren/vme-wren.kicad_pcb"
DEFAULT_BOARDS = "vme-wren,large"
DEFAULT_CACHE = os.path.join(tempfile.gettempdir(), "bgacheck-bench")
DRC_TIMEOUT_S = 3600


@dataclass
class Loaded:
    """One board read into a BoardModel, with the two load phases timed [s]."""

    name: str
    path: str
    model: object
    pcbnew_load_s: float  # pcbnew.LoadBoard
    read_s: float  # pcbnew objects -> BoardModel arrays

    @property
    def load_s(self) -> float:
        return self.pcbnew_load_s + self.read_s


def add_common_options(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--boards", default=DEFAULT_BOARDS,
                    help="comma-separated: vme-wren, large, or .kicad_pcb paths "
                         "(default %(default)s)")
    ap.add_argument("--skip-drc", action="store_true", help="do not run kicad-cli pcb drc")
    ap.add_argument("--cache-dir", default=DEFAULT_CACHE, help="where the large board is cached")
    ap.add_argument("--repeat", type=int, default=3, help="timed repetitions (best is shown)")


def resolve_boards(spec: str, cache_dir: str) -> list[tuple[str, str]]:
    """(name, path) for each board named in --boards; the large board is generated if needed."""
    out = []
    for item in (s.strip() for s in spec.split(",") if s.strip()):
        if item == "vme-wren":
            if not os.path.isfile(VME_WREN):
                print(f"skipping vme-wren: {VME_WREN} missing (Debian package kicad-demos)")
                continue
            out.append((item, VME_WREN))
        elif item == "large":
            sys.path.insert(0, str(REPO / "fixtures"))
            from large_board import cached_large_board  # noqa: PLC0415

            t0 = time.perf_counter()
            path = cached_large_board(cache_dir)
            if time.perf_counter() - t0 > 1.0:
                print(f"generated {path} in {time.perf_counter() - t0:.1f} s")
            out.append((item, path))
        else:
            out.append((Path(item).stem, item))
    return out


def load(name: str, path: str) -> Loaded:
    """Load with pcbnew and convert to a BoardModel, timing both steps."""
    from bgacheck.kicad import compat, pcbnew_reader

    compat.pcbnew()  # import cost is paid once per process, not charged to a board
    t0 = time.perf_counter()
    board = pcbnew_reader.load_board(path)
    t1 = time.perf_counter()
    model = pcbnew_reader.read_board(board, path)
    t2 = time.perf_counter()
    return Loaded(name, path, model, t1 - t0, t2 - t1)


def best_of(fn, repeat: int):
    """(first-run seconds, best seconds, last result)."""
    times, result = [], None
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return times[0], min(times), result


def kicad_drc(path: str, workdir: str):
    """Wall time [s] of `kicad-cli pcb drc --format json` and its violations, or (None, why)."""
    exe = shutil.which("kicad-cli")
    if exe is None:
        return None, "kicad-cli not found"
    out = os.path.join(workdir, Path(path).stem + ".drc.json")
    t0 = time.perf_counter()
    proc = subprocess.run([exe, "pcb", "drc", "--format", "json", "-o", out, path],
                          capture_output=True, text=True, timeout=DRC_TIMEOUT_S)
    dt = time.perf_counter() - t0
    try:
        with open(out, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return None, f"kicad-cli failed (exit {proc.returncode}): {proc.stderr.strip()[:200]}"
    found = len(data.get("violations", [])) + len(data.get("unconnected_items", []))
    return dt, found


def board_line(ld: Loaded) -> str:
    m = ld.model
    return (f"{ld.name}: {len(m.footprints)} footprints, {len(m.pads)} pads, {len(m.vias)} vias, "
            f"{len(m.tracks)} tracks/arcs, {len(m.copper_layers)} copper layers  ({ld.path})")


def each_board(args, workdir: str):
    """Load each board asked for and print its line; yield (loaded board, DRC runner).

    The DRC runner returns (seconds, what it found), or (None, "skipped") under --skip-drc.
    """
    for name, path in resolve_boards(args.boards, args.cache_dir):
        ld = load(name, path)
        print(board_line(ld))
        yield ld, (lambda p=path: (None, "skipped") if args.skip_drc else kicad_drc(p, workdir))


def fmt_s(x) -> str:
    return "-" if x is None else f"{x:9.3f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_options(ap)
    args = ap.parse_args(argv)
    from bgacheck.core.detect import detect_arrays

    rows = []
    with tempfile.TemporaryDirectory(prefix="bgacheck-drc-") as work:
        for ld, run_drc in each_board(args, work):
            first, best, arrays = best_of(lambda model=ld.model: detect_arrays(model), args.repeat)
            balls = sum(a.balls for a in arrays)
            drc_s, drc_n = run_drc()
            rows.append((ld, len(arrays), balls, first, best, drc_s, drc_n))
    print()
    print(f"{'board':10s} {'BGAs':>4s} {'balls':>7s} {'LoadBoard':>9s} {'->model':>9s} "
          f"{'load':>9s} {'detect1':>9s} {'detect':>9s} {'balls/s':>11s} {'kicad DRC':>9s} "
          f"{'(load+det)/DRC':>14s}  DRC found")
    for ld, n, balls, first, best, drc_s, drc_n in rows:
        ratio = f"{(ld.load_s + best) / drc_s:14.4f}" if drc_s else f"{'-':>14s}"
        print(f"{ld.name:10s} {n:4d} {balls:7d} {fmt_s(ld.pcbnew_load_s)} {fmt_s(ld.read_s)} "
              f"{fmt_s(ld.load_s)} {fmt_s(first)} {fmt_s(best)} {balls / best:11,.0f} "
              f"{fmt_s(drc_s)} {ratio}  {drc_n}")
    print("seconds; detect1 = first run, detect = best of --repeat; load = LoadBoard + ->model")
    return 0


if __name__ == "__main__":
    sys.exit(main())
