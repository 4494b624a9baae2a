"""Reading a board: the native reader beside pcbnew, and the whole check beside `kicad-cli pcb drc`.

For each board, one run of each: load and check with the native reader, load and check with
pcbnew (each in a fresh process, so that its peak memory is its own), and `kicad-cli pcb drc`.
Prints a table with the ratios; nothing is asserted.

Run: .venv/bin/python bench/bench_reader.py [--boards vme-wren,glasgow-revC3,...,large|PATH,...]
     [--skip-drc] [--skip-pcbnew] [--cache-dir DIR]
Board names: vme-wren, large (fixtures/large_board.py, 10 x 2,500 balls, generated once into
--cache-dir), a folder of the shared real boards (../shared/boards or $BGACHECK_SHARED_BOARDS),
or a .kicad_pcb path. vme-wren's DRC takes two to five minutes.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_detect import DEFAULT_CACHE, kicad_drc, resolve_boards  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BGACHECK_SHARED_BOARDS", REPO.parent / "shared" / "boards"))
DEFAULT_BOARDS = ("vme-wren,glasgow-revC3,lpddr4-testbed,luna-r0,sdi-mipi-bridge,"
                  "kicad10-pic_programmer,large")
CHILD_TIMEOUT_S = 3600

CHILD = r"""
import json, sys, time
def peak_mb():  # VmHWM: this process's own peak RSS (ru_maxrss survives exec on Linux)
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) for l in fh if l.startswith("VmHWM")) / 1024
reader, path = sys.argv[1], sys.argv[2]
import numpy, shapely
from bgacheck import api
if reader == "pcbnew":
    from bgacheck.kicad import compat
    compat.pcbnew()
before = peak_mb()
t0 = time.perf_counter()
try:
    model = api.read_model(path, reader=reader)
except api.UserError as exc:
    print(json.dumps({"error": str(exc)})); sys.exit(0)
t1 = time.perf_counter()
report = api.check_model(model)
t2 = time.perf_counter()
print(json.dumps({"load_s": t1 - t0, "check_s": t2 - t1, "peak_mb": peak_mb(),
                  "base_mb": before, "pads": len(model.pads),
                  "findings": len(report.findings),
                  "stages": report.meta.get("timings_s", {})}))
"""


def measure(reader: str, path: str) -> dict:
    """One load and check in a fresh interpreter: times [s], peak RSS [MB], or an error."""
    proc = subprocess.run([sys.executable, "-c", CHILD, reader, path], capture_output=True,
                          text=True, timeout=CHILD_TIMEOUT_S)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1][:120]}
    return json.loads(lines[-1])


def boards(spec: str, cache_dir: str) -> list[tuple[str, str]]:
    out, rest = [], []
    for item in (s.strip() for s in spec.split(",") if s.strip()):
        folder = SHARED / item
        if folder.is_dir():
            found = sorted(folder.glob("*.kicad_pcb"))
            if found:
                out.append((item, str(found[0])))
            continue
        rest.append(item)
    if rest:
        out += resolve_boards(",".join(rest), cache_dir)
    order = [s.strip() for s in spec.split(",")]
    return sorted(out, key=lambda b: order.index(b[0]) if b[0] in order else len(order))


def _s(v) -> str:
    return f"{v:8.2f}" if isinstance(v, (int, float)) else f"{'-':>8s}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--boards", default=DEFAULT_BOARDS, help="comma-separated (see above)")
    ap.add_argument("--skip-drc", action="store_true", help="do not run kicad-cli pcb drc")
    ap.add_argument("--skip-pcbnew", action="store_true", help="do not read with pcbnew")
    ap.add_argument("--cache-dir", default=DEFAULT_CACHE, help="where the large board is cached")
    args = ap.parse_args(argv)

    rows = []
    with tempfile.TemporaryDirectory(prefix="bgacheck-drc-") as work:
        for name, path in boards(args.boards, args.cache_dir):
            size = os.path.getsize(path) / 2**20
            print(f"{name}: {path} ({size:.1f} MB)", flush=True)
            native = measure("native", path)
            ref = {"error": "skipped"} if args.skip_pcbnew else measure("pcbnew", path)
            drc_s, drc_n = (None, "skipped") if args.skip_drc else kicad_drc(path, work)
            for label, m in (("native", native), ("pcbnew", ref)):
                if "error" in m:
                    print(f"  {label}: {m['error']}")
                else:
                    print(f"  {label}: load {m['load_s']:.3f} s, check {m['check_s']:.3f} s, "
                          f"peak {m['peak_mb']:.0f} MB (after imports {m['base_mb']:.0f} MB), "
                          f"{m['pads']} pads, {m['findings']} findings")
                    stages = {k: v for k, v in m.get("stages", {}).items() if k != "check"}
                    if stages:  # detect includes the per-BGA summaries
                        print("    stages [s]: " + ", ".join(f"{k} {v:.3f}"
                                                         for k, v in stages.items()))
            print(f"  kicad-cli pcb drc: {drc_s if drc_s is None else round(drc_s, 2)} s, "
                  f"found {drc_n}", flush=True)
            rows.append((name, native, ref, drc_s))

    print()
    print(f"{'board':24s} {'native':>8s} {'check':>8s} {'peak MB':>8s} {'pcbnew':>8s} "
          f"{'check':>8s} {'peak MB':>8s} {'load x':>7s} {'DRC s':>8s} {'DRC/ours':>9s}")
    for name, native, ref, drc_s in rows:
        ok_n, ok_r = "error" not in native, "error" not in ref
        total = native["load_s"] + native["check_s"] if ok_n else None
        speed = f"{ref['load_s'] / native['load_s']:7.1f}" if ok_n and ok_r else f"{'-':>7s}"
        ratio = f"{drc_s / total:9.1f}" if drc_s and total else f"{'-':>9s}"
        print(f"{name:24s} {_s(native.get('load_s'))} {_s(native.get('check_s'))} "
              f"{_s(native.get('peak_mb'))} {_s(ref.get('load_s'))} {_s(ref.get('check_s'))} "
              f"{_s(ref.get('peak_mb'))} {speed} {_s(drc_s)} {ratio}")
    print("\nnative/pcbnew: load [s], check [s] and the process's peak RSS [MB]; load x: pcbnew "
          "load / native load; DRC/ours: kicad-cli pcb drc wall time / (native load + check).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
