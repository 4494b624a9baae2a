"""Every KiCad footprint library read by the native reader and by pcbnew, compared field by field.

What: for each library in /usr/share/kicad/footprints (or those matching ``--libs``), a board
holding all its footprints at 7 rotations on both sides (fixtures/library_board.py) is saved to a
temporary folder and read by ``bgacheck.board_file.read_board_file`` and by pcbnew
(``api.read_model(path, reader="pcbnew")``); the two BoardModels are compared with the
differential tests' own ``model_differences`` (tests/model_equality.py). Per library it records
the footprints and pads read, whether the native reader raised (its one-line message, and which
footprints raise on their own), and the differences grouped by field with their largest
magnitude (nm; a Hausdorff distance for outlines) and the footprints that show them.

Why: the differential tests cover Package_BGA and a dozen chosen footprints; this sweep is the
evidence that the native reader gives pcbnew's model on every footprint KiCad ships, beyond
the known differences of README "Reading boards without KiCad" (shrunk courtyards with slanted
edges 1-3 nm, custom pads of stroked primitives within 7.1 um, rings read as discs); a field
counted "beyond" is outside them. A script, not a test: all 155 libraries (15,415 footprints)
take about two minutes on a 2-core machine. Nothing is asserted.

Run: .venv/bin/python bench/library_sweep.py [--libs 'Package_*,Diode_SMD'] [--out FILE.json]
One library at a time, each in a fresh interpreter (pcbnew never frees the boards it builds or
loads, so that bounds the memory; the peak of each is recorded); the JSON is rewritten after
every library, so a long run can be watched.
"""
from __future__ import annotations

import argparse
import fnmatch
import gc
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "fixtures"))
sys.path.insert(0, str(REPO / "tests"))
from library_board import FOOTPRINT_ROOT, make_library_board  # noqa: E402

from model_equality import model_differences  # noqa: E402

COURTYARD_ROUNDING_NM = 3
"""Documented: shrunk courtyards with slanted edges (parts turned by other than 90 degrees,
arcs, circles), 1-3 nm."""
STROKED_PAD_NM = 7_100
"""Documented: custom pads built from stroked primitives, the same region within 7.1 um."""
EXAMPLES = 8
"""Footprints listed per field (the largest differences first)."""

_TABLE = re.compile(r"^(pads|vias|tracks)\.(\w+)(\[(\d+)\])?[: ]")
_FOOTPRINT = re.compile(r"^footprint (.+)\.(\w+)(:| differs)")


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM) [MB]."""
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) / 1024


def _one_line(exc: BaseException) -> str:
    text = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {text}"[:300]


def _where(exc: BaseException) -> str:
    """The innermost frame of the native reader in the traceback (file:line function)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "board_file" in f.filename]
    f = (frames or traceback.extract_tb(exc.__traceback__) or [None])[-1]
    return f"{os.path.relpath(f.filename, REPO)}:{f.lineno} {f.name}" if f else ""


def _polygon(a):
    import shapely

    return shapely.Polygon(np.asarray(a, float))


def _hausdorff(a, b) -> float | None:
    """Hausdorff distance of two outlines [nm]; None when only one reader has one."""
    import shapely

    if a is None or b is None:
        return None
    return float(shapely.hausdorff_distance(_polygon(a), _polygon(b)))


def _theirs_inside_mine(a, b, tol: float) -> bool:
    """pcbnew's outline lies within the native one grown by ``tol`` (a ring read as a disc)."""
    import shapely

    if a is None or b is None:
        return False
    mine, theirs = shapely.make_valid(_polygon(a)), shapely.make_valid(_polygon(b))
    return theirs.difference(mine.buffer(tol)).area == 0


def _slanted(ring) -> bool:
    """The outline has an edge neither level nor upright (a part turned by other than 90
    degrees, an arc, a circle): where the shrink moves such edges, KiCad's polygon library
    rounds their crossings its own way (the documented 1-3 nm)."""
    r = np.asarray(ring)
    d = np.roll(r, -1, axis=0) - r
    return bool(((d[:, 0] != 0) & (d[:, 1] != 0)).any())


def _column(values) -> np.ndarray:
    """A table column as an array (tuples of strings as an object array)."""
    return np.asarray(values, dtype=object) if isinstance(values, tuple) else np.asarray(values)


def _base_name(fp) -> str:
    return fp.fpid.split(":")[-1]


class _Field:
    """One differing field: how many rows, its largest magnitude, which footprints."""

    def __init__(self, unit: str):
        self.unit, self.rows, self.max = unit, 0, None
        self.per_fp: dict[str, float | None] = {}
        self.untolerated: dict[str, float | None] = {}
        self.one_sided: set[str] = set()

    def add(self, footprint: str, magnitude: float | None, tolerated: bool,
            one_sided: bool = False) -> None:
        self.rows += 1
        if one_sided:
            self.one_sided.add(footprint)
        if magnitude is not None:
            self.max = magnitude if self.max is None else max(self.max, magnitude)
        for table in (self.per_fp,) if tolerated else (self.per_fp, self.untolerated):
            old = table.get(footprint)
            table[footprint] = magnitude if old is None else max(old, magnitude or 0)

    def doc(self) -> dict:
        def top(d):
            worst = sorted(d.items(), key=lambda kv: -(kv[1] or 0))[:EXAMPLES]
            return [{"footprint": n, "max": m} for n, m in worst]
        return {"rows": self.rows, "footprints": len(self.per_fp), "unit": self.unit,
                "max": self.max, "examples": top(self.per_fp),
                "beyond_documented": len(self.untolerated),
                "beyond_examples": top(self.untolerated),
                "one_reader_only": len(self.one_sided),
                "one_reader_only_examples": sorted(self.one_sided)[:EXAMPLES]}


def _describe(native, ref, lines: list[str]) -> tuple[dict, list[str]]:
    """Group model_differences' lines by field, each with magnitudes and footprints."""
    fields: dict[str, _Field] = {}
    other: list[str] = []
    fps = ref.footprints

    def field(name, unit):
        return fields.setdefault(name, _Field(unit))

    def pad_fp(i):
        fp = fps[int(ref.pads.fp_index[i])]
        return fp, _base_name(fp)

    done_table = set()
    for line in lines:
        m = _TABLE.match(line)
        if m and m.group(1) == "pads" and m.group(4) is not None:  # one pad outline
            i = int(m.group(4))
            a, b = native.pads.polygon_nm[i], ref.pads.polygon_nm[i]
            fp, name = pad_fp(i)
            d = _hausdorff(a, b)
            ok = d is not None and (d <= STROKED_PAD_NM
                                    or _theirs_inside_mine(a, b, STROKED_PAD_NM))
            field("pads.polygon_nm", "nm (Hausdorff)").add(name, d, ok, d is None)
            continue
        if m and m.group(4) is None and (m.group(1), m.group(2)) not in done_table:
            table, name = m.group(1), m.group(2)
            done_table.add((table, name))
            va, vb = getattr(getattr(native, table), name), getattr(getattr(ref, table), name)
            if va is None or vb is None or len(va) != len(vb):
                other.append(line)
                continue
            va, vb = _column(va), _column(vb)
            if va.shape != vb.shape:
                other.append(line)
                continue
            numeric = va.dtype.kind in "iuf" and vb.dtype.kind in "iuf"
            unit = "nm" if name.endswith("_nm") else ("deg" if name.endswith("_deg") else "")
            f = field(f"{table}.{name}", unit if numeric else "")
            for i in np.flatnonzero(va != vb):
                mag = float(abs(float(va[i]) - float(vb[i]))) if numeric else None
                owner = pad_fp(int(i))[1] if table == "pads" else f"{table}#{i}"
                f.add(owner, mag, False)
            continue
        m = _FOOTPRINT.match(line)
        if m:
            ref_name, name = m.group(1), m.group(2)
            k = next((j for j, fp in enumerate(fps) if fp.ref == ref_name), None)
            if k is None:
                other.append(line)
                continue
            fa, fb = native.footprints[k], fps[k]
            va, vb = getattr(fa, name), getattr(fb, name)
            if name == "courtyard_nm":
                d = _hausdorff(va, vb)
                ok = d is not None and d <= COURTYARD_ROUNDING_NM and _slanted(vb)
                field("footprints.courtyard_nm", "nm (Hausdorff)").add(_base_name(fb), d, ok,
                                                                       d is None)
            else:
                numeric = isinstance(va, (int, float)) and isinstance(vb, (int, float))
                f = field(f"footprints.{name}", "nm" if name.endswith("_nm") else "")
                f.add(_base_name(fb), abs(va - vb) if numeric else None, False)
            continue
        other.append(line)
    return {k: v.doc() for k, v in sorted(fields.items())}, other


def _read_native(path: str):
    from bgacheck.board_file import read_board_file

    return read_board_file(path)[0]


def _raising_footprints(library: str, names: list[str], work: str, cap: int = 20) -> list[dict]:
    """The footprints on whose own the native reader raises, each at its place on the full
    board (divide and conquer over subsets: a few boards per raising footprint)."""
    found: list[dict] = []

    def probe(subset: list[str]) -> None:
        if len(found) >= cap:
            return
        path = os.path.join(work, "probe.kicad_pcb")
        make_library_board(path, [library], only=set(subset))
        try:
            _read_native(path)
            return
        except Exception as exc:  # noqa: BLE001 - any failure is what we look for
            if len(subset) == 1:
                found.append({"footprint": subset[0], "error": _one_line(exc),
                              "where": _where(exc)})
                return
        finally:
            gc.collect()
        half = len(subset) // 2
        probe(subset[:half])
        probe(subset[half:])

    probe(names)
    return found


def sweep_library(library: str, work: str) -> dict:
    """Build, read twice and compare one library's board; the record of what was found."""
    from bgacheck import api

    out: dict = {"library": library}
    path = os.path.join(work, f"{library}.kicad_pcb")
    t0 = time.perf_counter()
    placed = make_library_board(path, [library])
    gc.collect()
    t1 = time.perf_counter()
    out.update(footprints=len(placed), board_mb=round(os.path.getsize(path) / 2**20, 2))
    native = ref = None
    try:
        native = _read_native(path)
    except Exception as exc:  # noqa: BLE001 - recorded, then located
        out["native_error"] = _one_line(exc)
        out["native_error_where"] = _where(exc)
    t2 = time.perf_counter()
    try:
        ref = api.read_model(path, reader="pcbnew")
    except Exception as exc:  # noqa: BLE001
        out["pcbnew_error"] = _one_line(exc)
    gc.collect()
    t3 = time.perf_counter()
    out["pads"] = len(ref.pads) if ref is not None else (len(native.pads) if native else None)
    if native is not None and ref is not None:
        lines = model_differences(native, ref)
        fields, other = _describe(native, ref, lines)
        out.update(differences=fields, other=other[:20], difference_lines=len(lines),
                   footprints_differing=len(_differing_footprints(native, ref, lines)))
    if "native_error" in out:
        names = [p["name"] for p in placed]
        out["raising_footprints"] = _raising_footprints(library, names, work)
    t4 = time.perf_counter()
    out["seconds"] = {"build": round(t1 - t0, 2), "native": round(t2 - t1, 2),
                      "pcbnew": round(t3 - t2, 2), "compare": round(t4 - t3, 2)}
    return out


def _differing_footprints(native, ref, lines: list[str]) -> set[str]:
    """The names of the footprints behind model_differences' lines."""
    fps, names = ref.footprints, set()
    for line in lines:
        m = _TABLE.match(line)
        if m and m.group(1) == "pads" and m.group(4) is not None:
            names.add(_base_name(fps[int(ref.pads.fp_index[int(m.group(4))])]))
        elif m and m.group(1) == "pads":
            va, vb = getattr(native.pads, m.group(2)), getattr(ref.pads, m.group(2))
            if va is not None and vb is not None and len(va) == len(vb):
                names.update(_base_name(fps[int(ref.pads.fp_index[i])])
                             for i in np.flatnonzero(_column(va) != _column(vb)))
        elif (m := _FOOTPRINT.match(line)):
            names.update(_base_name(fp) for fp in fps if fp.ref == m.group(1))
    return names


def libraries(patterns: str) -> list[str]:
    """Library names (folder names without .pretty) matching any comma-separated pattern."""
    pats = [p.strip().removesuffix(".pretty") for p in patterns.split(",") if p.strip()]
    found = sorted(p.name[:-len(".pretty")] for p in Path(FOOTPRINT_ROOT).glob("*.pretty"))
    return [lib for lib in found if any(fnmatch.fnmatchcase(lib, p) for p in pats)]


def _fmt(v) -> str:
    if v is None:
        return "-"
    return f"{v:.0f}" if v >= 10 or v == int(v) else f"{v:.3g}"


def summary(records: list[dict]) -> str:
    rows = [f"{'library':40s} {'fps':>5s} {'pads':>6s} {'differ':>6s} {'beyond':>6s}  "
            "native error / differences (field: footprints, max)"]
    tot = {"libraries": 0, "footprints": 0, "pads": 0, "differ": 0, "beyond": 0, "raised": 0}
    by_field: dict[str, dict] = {}
    for r in records:
        diffs = r.get("differences", {})
        beyond = sum(f["beyond_documented"] for f in diffs.values())
        text = "; ".join(f"{k}: {f['footprints']} fp, max {_fmt(f['max'])} {f['unit']}".rstrip()
                         for k, f in diffs.items())
        if "native_error" in r:
            text = f"RAISED {r['native_error']} ({r.get('native_error_where', '')})"
            tot["raised"] += 1
        if "pcbnew_error" in r:
            text += f" pcbnew: {r['pcbnew_error']}"
        differ = r.get("footprints_differing", 0)
        rows.append(f"{r['library']:40s} {r['footprints']:5d} {r.get('pads') or 0:6d} "
                    f"{differ:6d} {beyond:6d}  {text}")
        tot["libraries"] += 1
        tot["footprints"] += r["footprints"]
        tot["pads"] += r.get("pads") or 0
        tot["differ"] += differ
        tot["beyond"] += beyond
        for k, f in diffs.items():
            agg = by_field.setdefault(k, {"footprints": 0, "beyond": 0, "max": 0.0,
                                          "unit": f["unit"]})
            agg["footprints"] += f["footprints"]
            agg["beyond"] += f["beyond_documented"]
            agg["max"] = max(agg["max"], f["max"] or 0.0)
    rows.append("")
    rows.append(f"total: {tot['libraries']} libraries, {tot['footprints']} footprints, "
                f"{tot['pads']} pads; {tot['differ']} footprints differ, {tot['beyond']} "
                f"beyond the documented tolerances; native reader raised on "
                f"{tot['raised']} libraries")
    for k, agg in sorted(by_field.items()):
        rows.append(f"  {k}: {agg['footprints']} footprints, max {_fmt(agg['max'])} "
                    f"{agg['unit']}, {agg['beyond']} beyond documented")
    return "\n".join(rows)


def _run_child(library: str, work: str, timeout_s: float) -> dict:
    """sweep_library in a fresh interpreter: pcbnew never frees the boards it loads or builds
    (its BOARD proxies do not own them), so one process per library bounds the memory, and a
    crash inside KiCad costs that library only."""
    record = os.path.join(work, "record.json")
    cmd = [sys.executable, os.path.abspath(__file__), "--child", library, "--out", record]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s,
                              cwd=work)
        err = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
    except subprocess.TimeoutExpired:
        proc, err = None, f"timed out after {timeout_s:.0f} s"
    try:
        with open(record, encoding="utf-8") as fh:
            rec = json.load(fh)
    except (OSError, ValueError):
        rec = {"library": library, "footprints": 0, "sweep_error": err[:300],
               "exit": None if proc is None else proc.returncode}
    for leftover in Path(work).iterdir():
        if leftover.is_file():
            leftover.unlink()
    rec["wall_s"] = round(time.perf_counter() - t0, 1)
    return rec


def _child(library: str, out: str) -> int:
    with tempfile.TemporaryDirectory(prefix="bgacheck-sweep-lib-") as work:
        try:
            rec = sweep_library(library, work)
        except Exception as exc:  # noqa: BLE001 - recorded by the parent
            rec = {"library": library, "footprints": 0, "sweep_error": _one_line(exc),
                   "sweep_error_where": _where(exc)}
    rec["peak_mb"] = round(_peak_mb())
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(rec, fh)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--libs", default="*", help="comma-separated fnmatch patterns of library "
                    "names (default: all of %s)" % FOOTPRINT_ROOT)
    ap.add_argument("--out", default="library_sweep.json", help="JSON written after each library")
    ap.add_argument("--timeout", type=float, default=3600.0, help="per library [s]")
    ap.add_argument("--child", metavar="LIBRARY", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return _child(args.child, args.out)
    libs = libraries(args.libs)
    if not libs:
        print(f"no library matches {args.libs!r} in {FOOTPRINT_ROOT}", file=sys.stderr)
        return 2
    from bgacheck.kicad import compat

    doc = {"kicad": compat.kicad_version(), "footprint_root": FOOTPRINT_ROOT,
           "tolerances": {"courtyard_rotated_nm": COURTYARD_ROUNDING_NM,
                          "stroked_pad_nm": STROKED_PAD_NM},
           "libraries": []}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bgacheck-sweep-") as work:
        for n, lib in enumerate(libs, 1):
            rec = _run_child(lib, work, args.timeout)
            doc["libraries"].append(rec)
            doc["seconds"] = round(time.perf_counter() - t0, 1)
            with open(args.out, "w", encoding="utf-8") as fh:
                json.dump(doc, fh, indent=1)
            diffs = rec.get("differences", {})
            state = (f"RAISED {rec['native_error']}" if "native_error" in rec
                     else rec.get("sweep_error") or
                     (", ".join(f"{k} {f['footprints']} fp max {_fmt(f['max'])}"
                                for k, f in diffs.items()) or "same"))
            print(f"[{n}/{len(libs)}] {lib}: {rec['footprints']} fp, {rec.get('pads')} pads, "
                  f"{state} ({rec['wall_s']:.1f} s, peak {rec.get('peak_mb', '?')} MB)",
                  flush=True)
    print()
    print(summary(doc["libraries"]))
    print(f"\n{doc['seconds']:.0f} s; written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
