"""The board annotations' layout (render/board_marks.py), without KiCad: what is drawn, where,
how big, and that nothing a designer must read lands on something else."""
from __future__ import annotations

import math
import random
import uuid
from itertools import combinations
from pathlib import Path

import pytest

from bgacheck import api
from bgacheck.core.report import BgaSummary, Finding, Report
from bgacheck.render import board_marks as bm
from bgacheck.render.finding_codes import finding_codes
from paths import REPO, shared_boards_missing

FIXTURES = REPO / "fixtures" / "boards"
TWO_BGA_FIXTURES = ["bga-vendor-limits.kicad_pcb", "bga-channel-room.kicad_pcb"]
TWO_BGA_REAL = ["sdi-mipi-bridge/sdi-mipi-bridge.kicad_pcb", "luna-r0/luna_rev0.kicad_pcb"]


def grid_bga(ref, cx, cy, rows, cols, pitch, pitch_y=None, staggered=False) -> BgaSummary:
    """A top-side BGA centred at (cx, cy) with its ball table, as the pipeline writes it."""
    py = pitch_y or pitch
    balls = [{"name": f"{r}.{c}", "row": r, "col": c, "x_mm": round(cx + (c - (cols - 1) / 2)
              * pitch, 6), "y_mm": round(cy + (r - (rows - 1) / 2) * py, 6)}
             for r in range(rows) for c in range(cols)]
    return BgaSummary(
        ref=ref, footprint=f"Package_BGA:T-{rows * cols}", uuid=str(uuid.uuid5(uuid.NAMESPACE_URL,
                                                                              ref)),
        side="top", rot_deg=0.0, x_mm=cx, y_mm=cy, balls=rows * cols, rows=rows, cols=cols,
        pitch_mm=(pitch, py), depopulated=(), land_d_mm=pitch / 2, land_shape="circle",
        mask_opening_d_mm=None, paste_d_mm=None, pad_type="NSMD", pad_types={}, a1={},
        staggered=staggered, ignored_pads={},
        extra={"balls": balls, "rules": {"profile": "ug1099", "fab_tier": "standard"},
               "standoff": {"height_mm": 0.31, "tolerance_mm": 0.02}})


def flag_every_ball(bga: BgaSummary, error_every: int = 5) -> list[Finding]:
    return [Finding("t.err" if k % error_every == 0 else "t.warn",
                    "error" if k % error_every == 0 else "warning", "m", bga.ref,
                    b["x_mm"], b["y_mm"], pads=(b["name"],))
            for k, b in enumerate(bga.extra["balls"])]


def report_of(bgas, findings) -> Report:
    return Report("b.kicad_pcb", "9.0.8", "0", bgas=list(bgas), findings=list(findings),
                  meta={"profile": "ug1099"})


def rect_of(p: bm.Primitive):
    """The rectangle a drawn text or outline takes [mm]."""
    if p.kind == "rect":
        return (*p.a, *p.b)
    return bm.text_rect(p.a, p.text, p.height_mm, p.justify)


def overlap(a, b) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def assert_blocks_clear(report: Report) -> list[bm.Primitive]:
    """No summary (or board) block overlaps another block, an array box, a symbol or a code."""
    prims = bm.layout(report)
    blocks = [p for p in prims if p.role in ("summary", "board")]
    assert len([p for p in blocks if p.role == "summary"]) == len(report.bgas)
    boxes = [bm.array_box(b) for b in report.bgas]
    for a, b in combinations(blocks, 2):
        assert overlap(rect_of(a), rect_of(b)) == 0, (a.key, b.key)
    for block in blocks:
        for box in boxes:
            assert overlap(rect_of(block), box) == 0, (block.key, box)
        for p in prims:
            if p.role == "code":
                assert overlap(rect_of(block), rect_of(p)) == 0, (block.key, p.key)
    return prims


def close_together(seed: int) -> Report:
    """2-6 BGAs of mixed size and pitch, 1-3 mm apart, some with every ball flagged."""
    rng = random.Random(seed)
    bgas, findings, x = [], [], 100.0
    for i in range(rng.randint(2, 6)):
        pitch = rng.choice([0.4, 0.5, 0.65, 0.8, 1.0, 1.27])
        n = rng.randint(4, 16)
        half = (n - 1) * pitch / 2 + pitch
        cx, cy = x + half, 100.0 + rng.uniform(-6, 6)
        x = cx + half + rng.uniform(1.0, 3.0)
        bga = grid_bga(f"U{i + 1}", cx, cy, n, n, pitch)
        bgas.append(bga)
        if rng.random() < 0.5:
            findings += flag_every_ball(bga)
        else:
            balls = rng.sample(bga.extra["balls"], k=min(5, len(bga.extra["balls"])))
            findings += [Finding("t.some", rng.choice(["warning", "error", "info"]), "m", bga.ref,
                                 b["x_mm"], b["y_mm"]) for b in balls]
    return report_of(bgas, findings)


@pytest.mark.parametrize("seed", range(12))
def test_summary_blocks_never_overlap_blocks_boxes_or_codes_of_close_bgas(seed):
    assert_blocks_clear(close_together(seed))


def test_six_bgas_1_3_mm_apart_each_get_a_clear_block():
    bgas = [grid_bga(f"U{k}", 100 + 8.5 * (k % 3), 100 + 8.5 * (k // 3), 8, 8, 0.8)
            for k in range(6)]
    report = report_of(bgas, [f for b in bgas for f in flag_every_ball(b)])
    prims = assert_blocks_clear(report)
    assert sum(p.role == "leader" for p in prims) >= 1  # a block pushed away points at its BGA


@pytest.mark.parametrize("board", TWO_BGA_FIXTURES)
def test_blocks_are_clear_on_generated_two_bga_boards(board):
    report = api.check_file(str(FIXTURES / board), reader="native")
    assert len(report.bgas) == 2
    assert_blocks_clear(report)
    for bga in report.bgas:  # and with every ball of both flagged
        report.findings += flag_every_ball(bga)
    assert_blocks_clear(report)


@pytest.mark.parametrize("board", TWO_BGA_REAL)
def test_blocks_are_clear_on_real_two_bga_boards(board):
    reason = shared_boards_missing(board)
    if reason:
        pytest.skip(reason)
    from paths import SHARED_BOARDS

    report = api.check_file(str(Path(SHARED_BOARDS) / board), reader="native")
    assert len(report.bgas) == 2
    assert_blocks_clear(report)
    for bga in report.bgas:
        report.findings += flag_every_ball(bga)
    assert_blocks_clear(report)


def test_notes_are_never_drawn():
    bga = grid_bga("U1", 50, 50, 6, 6, 0.8)
    report = report_of([bga], [Finding("t.note", "info", "m", "U1", b["x_mm"], b["y_mm"])
                                for b in bga.extra["balls"]])
    prims = bm.layout(report)
    assert sorted(p.role for p in prims) == ["box", "summary"]
    assert bm.spots(report) == []


def test_codes_drawn_are_the_results_window_codes():
    bga = grid_bga("U1", 50, 50, 6, 6, 0.8)
    findings = flag_every_ball(bga, error_every=4)[:20]
    findings.append(Finding("t.note", "info", "m", "U1", 50, 50))
    report = report_of([bga], findings)
    drawn = [c for p in bm.layout(report) if p.role == "code" for c in p.codes]
    assert sorted(drawn) == sorted(c for c, _ in finding_codes(report))
    assert all(not c.startswith("N") for c in drawn)
    texts = {p.text for p in bm.layout(report) if p.role == "code"}
    assert "E1" in texts and "W1" in texts


def test_findings_at_one_place_share_one_symbol_and_one_code():
    bga = grid_bga("U1", 50, 50, 4, 4, 1.0)
    x, y = bga.extra["balls"][5]["x_mm"], bga.extra["balls"][5]["y_mm"]
    report = report_of([bga], [Finding("a.e", "error", "m", "U1", x, y),
                               Finding("b.e", "error", "m", "U1", x + 0.0004, y),
                               Finding("c.w", "warning", "m", "U1", x, y - 0.0003)])
    spots = bm.spots(report)
    assert len(spots) == 1 and spots[0].severity == "error"
    assert spots[0].codes == ("E1", "E2", "W1")
    assert [p.text for p in bm.layout(report) if p.role == "code"] == ["E1+2+W1"]


@pytest.mark.parametrize("codes, text", [(("W3",), "W3"), (("E1", "E2"), "E1+2"),
                                         (("E1", "W4"), "E1+W4"), (("E1", "E2", "W7", "W9"),
                                                                    "E1+2+W7+9")])
def test_code_text_is_short(codes, text):
    assert bm.code_text(codes) == text


def test_an_error_is_a_ring_with_an_x_and_a_warning_a_plain_ring():
    bga = grid_bga("U1", 50, 50, 4, 4, 1.0)
    b0, b9 = bga.extra["balls"][0], bga.extra["balls"][9]
    report = report_of([bga], [Finding("t.e", "error", "m", "U1", b0["x_mm"], b0["y_mm"]),
                               Finding("t.w", "warning", "m", "U1", b9["x_mm"], b9["y_mm"])])
    symbols = [p for p in bm.layout(report) if p.role == "symbol"]
    errors = sorted(p.kind for p in symbols if p.severity == "error")
    warnings = sorted(p.kind for p in symbols if p.severity == "warning")
    assert errors == ["circle", "segment", "segment"] and warnings == ["circle"]


@pytest.mark.parametrize("pitch", [0.4, 0.5, 0.8, 1.0, 1.27])
def test_symbol_and_code_scale_with_the_pitch(pitch):
    bga = grid_bga("U1", 50, 50, 4, 4, pitch)
    b = bga.extra["balls"][5]
    report = report_of([bga], [Finding("t.w", "warning", "m", "U1", b["x_mm"], b["y_mm"])])
    prims = bm.layout(report)
    ring = next(p for p in prims if p.kind == "circle")
    code = next(p for p in prims if p.role == "code")
    # a lone spot: the larger ring (clear of a via pad) and code
    assert math.dist(ring.a, ring.b) == pytest.approx(bm.SYMBOL_R_FREE * pitch, abs=1e-6)
    assert code.height_mm == pytest.approx(bm.CODE_H_FREE * pitch, abs=1e-6)
    assert ring.width_mm == pytest.approx(max(bm.MIN_STROKE_MM, bm.STROKE_FREE * pitch),
                                          abs=1e-6)
    assert code.width_mm == pytest.approx(code.height_mm / 5, abs=1e-6)  # bold


@pytest.mark.parametrize("pitch", [0.4, 0.5, 0.8, 1.0, 1.27])
def test_neighbouring_spots_get_the_compact_ring_and_code(pitch):
    bga = grid_bga("U1", 50, 50, 4, 4, pitch)
    b, c = bga.extra["balls"][5], bga.extra["balls"][6]
    report = report_of([bga], [Finding("t.w", "warning", "m", "U1", p["x_mm"], p["y_mm"])
                               for p in (b, c)])
    prims = bm.layout(report)
    rings = [p for p in prims if p.kind == "circle"]
    codes = [p for p in prims if p.role == "code"]
    w = max(bm.MIN_STROKE_MM, bm.STROKE * pitch)
    band = pitch - 2 * ((bm.SYMBOL_R + bm.GAP) * pitch + w / 2)  # between two rows of rings
    assert {round(math.dist(r.a, r.b), 6) for r in rings} == {round(bm.SYMBOL_R * pitch, 6)}
    assert {r.width_mm for r in rings} == {round(w, 6)}
    for code in codes:
        assert code.height_mm == pytest.approx(min(bm.CODE_H * pitch,
                                                   band / (bm.ASCENT + bm.DESCENT)), abs=1e-6)
        assert code.height_mm >= 0.26 * pitch


def test_a_staggered_array_is_scaled_by_the_distance_to_the_next_row():
    bga = grid_bga("U1", 50, 50, 10, 12, 0.8, pitch_y=0.6, staggered=True)
    assert bm.ball_spacing_mm(bga) == pytest.approx(0.5)


def test_the_same_report_gives_the_same_primitives_and_unique_keys():
    report = close_together(3)
    first = bm.layout(report)
    shuffled = report_of(report.bgas[::-1], random.Random(1).sample(report.findings,
                                                                    len(report.findings)))
    assert bm.layout(shuffled) == first
    keys = [p.key for p in first]
    assert len(keys) == len(set(keys))
    assert all(bm.is_ours(bm.uuid_for(k)) for k in keys)


def test_uuids_are_the_ones_earlier_runs_wrote():
    # The value report_layer's own uuid function gave before the layout moved here: a re-run
    # still recognises a board annotated by an earlier version.
    assert bm.uuid_for("group|x") == "b9acc4ec-e655-502f-81b0-f1b6e66fc111"
    assert bm.is_ours("B9ACC4EC-0000-0000-0000-000000000000")
    assert not bm.is_ours("00000000-b9ac-c4ec-0000-000000000000")


@pytest.mark.parametrize("pitch, n", [(0.5, 20), (0.8, 16), (0.65, 12)])
def test_codes_of_a_fully_flagged_dense_array_never_overlap(pitch, n):
    bga = grid_bga("U1", 80, 80, n, n, pitch)
    report = report_of([bga], flag_every_ball(bga))
    prims = bm.layout(report)
    codes = [p for p in prims if p.role == "code"]
    rings = [p for p in prims if p.kind == "circle"]
    assert len(codes) == len(rings) == n * n
    rects = [rect_of(p) for p in codes]
    cells: dict = {}
    for i, r in enumerate(rects):  # neighbours only: 400 labels
        cells.setdefault((round(r[0] / pitch), round(r[1] / pitch)), []).append(i)
    for (cx, cy), members in cells.items():
        near = [j for dx in (-2, -1, 0, 1, 2) for dy in (-1, 0, 1)
                for j in cells.get((cx + dx, cy + dy), ())]
        for i in members:
            assert all(overlap(rects[i], rects[j]) == 0 for j in near if j != i)
    r = bm.SYMBOL_R * pitch + max(bm.MIN_STROKE_MM, bm.STROKE * pitch) / 2
    for code, ring in zip(codes, rings):  # one code straight above each ring, clear of it
        assert code.justify == "center" and code.a[0] == ring.a[0]
        assert rect_of(code)[3] <= ring.a[1] - r
        assert rect_of(code)[1] >= ring.a[1] - pitch + r  # and of the ring above


def test_adjacent_flagged_balls_with_two_codes_each_stay_apart():
    bga = grid_bga("U1", 50, 50, 6, 6, 0.8)
    balls = bga.extra["balls"][:6]  # row A, every ball with an error and a warning
    findings = [Finding(r, s, "m", "U1", b["x_mm"], b["y_mm"])
                for b in balls for r, s in (("t.e", "error"), ("t.w", "warning"))]
    codes = [p for p in bm.layout(report_of([bga], findings)) if p.role == "code"]
    assert len(codes) == 6
    for a, b in combinations(codes, 2):
        assert overlap(rect_of(a), rect_of(b)) == 0, (a.text, b.text)


def test_board_level_findings_get_one_block_and_a_symbol_where_they_have_a_place():
    bga = grid_bga("U1", 50, 50, 6, 6, 0.8)
    report = report_of([bga], [
        Finding("fab.hdi_board", "error", "m", "", 70.0, 55.0),
        Finding("board.somewhere", "warning", "m", "", 0.0, 0.0),
        Finding("rules.note", "info", "m", "", 0.0, 0.0)])
    prims = assert_blocks_clear(report)
    board = [p for p in prims if p.role == "board"]
    assert len(board) == 1
    assert board[0].text.splitlines() == ["board:", "E1 fab.hdi_board", "W1 board.somewhere"]
    assert [s.codes for s in bm.spots(report)] == [("E1",)]  # (0, 0) is no place


def test_array_box_holds_the_balls_plus_one_pitch():
    bga = grid_bga("U1", 10, 20, 4, 6, 1.0)
    assert bm.array_box(bga) == pytest.approx((6.5, 17.5, 13.5, 22.5))
    bga.extra.pop("balls")
    bga.rot_deg = 90.0
    assert bm.array_box(bga) == pytest.approx((7.5, 16.5, 12.5, 23.5))


def test_summary_block_is_three_short_lines_ref_and_verdict_first():
    bga = grid_bga("U1", 50, 50, 6, 6, 0.8)
    report = report_of([bga], [Finding("t.e", "error", "m", "U1", 50, 50),
                               Finding("t.w", "warning", "m", "U1", 50.8, 50),
                               Finding("t.w", "warning", "m", "U1", 49.2, 50),
                               Finding("t.n", "info", "m", "U1", 50, 50)])
    block = next(p for p in bm.layout(report) if p.role == "summary")
    # notes are not drawn, so not counted; the profile, grid and tolerance are in the window
    assert block.text.splitlines() == ["U1: FAIL (1 error, 2 warnings)", "36 balls @ 0.8 mm",
                                       "standoff 0.31 mm"]
    assert block.severity == "error" and block.codes == ("E1", "W1", "W2")


@pytest.mark.parametrize("pitch, pitch_y, findings, lines", [
    (1.0, None, [], ["U1: PASS", "16 balls @ 1.0 mm", "standoff 0.31 mm"]),
    (1.27, None, [("warning", 1)], ["U1: FAIL (1 warning)", "16 balls @ 1.27 mm",
                                    "standoff 0.31 mm"]),  # the run fails at warning
    (0.8, 0.65, [("info", 2)], ["U1: PASS", "16 balls @ 0.8 x 0.65 mm", "standoff 0.31 mm"]),
])
def test_summary_block_pass_counts_and_pitch(pitch, pitch_y, findings, lines):
    bga = grid_bga("U1", 50, 50, 4, 4, pitch, pitch_y=pitch_y)
    report = report_of([bga], [Finding("t.x", sev, "m", "U1", 50 + k, 50)
                               for sev, n in findings for k in range(n)])
    assert bm.bga_label(report, bga).splitlines() == lines
    report.meta["severity"] = "error"  # PASS or FAIL at the run's own threshold
    assert bm.bga_label(report, bga).splitlines()[0] == lines[0].replace("FAIL", "PASS")
    bga.extra.pop("standoff")
    assert bm.bga_label(report, bga).splitlines()[1:] == lines[1:2]


@pytest.mark.parametrize("rows, pitch, height", [(10, 1.0, 1.21), (10, 0.65, 1.0), (4, 0.4, 1.0),
                                                 (30, 1.0, 1.5)])
def test_summary_text_is_large_and_bold_and_the_outline_as_thick(rows, pitch, height):
    bga = grid_bga("U1", 50, 50, rows, rows, pitch)
    prims = bm.layout(report_of([bga], []))
    block = next(p for p in prims if p.role == "summary")
    box = next(p for p in prims if p.role == "box")
    assert block.height_mm == pytest.approx(height)  # 0.11 x the array box, 1.0-1.5 mm
    assert block.width_mm == pytest.approx(height / 5)  # KiCad's bold
    assert box.width_mm == block.width_mm >= 0.2


def test_a_code_never_lands_on_an_array_box_outline():
    bga = grid_bga("U1", 50, 50, 10, 10, 1.0)
    top = [b for b in bga.extra["balls"] if b["row"] == 0]
    report = report_of([bga], [Finding("t.e", "error", "m", "U1", b["x_mm"], b["y_mm"])
                               for b in top[::3]])  # lone spots: the large code
    prims = bm.layout(report)
    x0, y0, x1, y1 = bm.array_box(bga)
    half = next(p for p in prims if p.role == "box").width_mm / 2
    for code in (p for p in prims if p.role == "code"):
        r = rect_of(code)
        assert r[1] >= y0 + half or r[3] <= y0 - half, code  # clear of the top side


@pytest.mark.parametrize("text", ["E1", "E1+2+W7+9", "W88", "U4: FAIL (1 error)",
                                  "standoff 0.147 mm", "100 balls @ 1.0 mm"])
def test_text_width_is_the_fonts_advances(text):
    # KiCad 9.0.8 at thickness height / 5 (GetEffectiveTextShape): left-justified ink ends at
    # these x (height 1), centred ink is within +-half of them
    ink_right = {"E1": 1.898, "E1+2+W7+9": 9.613, "W88": 3.089, "U4: FAIL (1 error)": 13.660,
                 "standoff 0.147 mm": 14.613, "100 balls @ 1.0 mm": 15.898}
    assert ink_right[text] <= bm.text_width(text) <= ink_right[text] + 0.3
